/*
 * httpd_core.c — the pure half of httpd.h: listen addresses, the bearer
 * check, path decoding and checks, route matching, JSON error bodies.
 * No I/O, no globals, no clock: tests/fuzz/fuzz_httpd.c drives it all.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/httpd.h"
#include "common/util.h"

int
httpd_parse_listen(const char *s, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs, *he;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	*sslen = 0;
	if (s[0] == '[') {
		hs = s + 1;
		he = strchr(hs, ']');
		if (he == NULL || he[1] != ':')
			goto bad;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto bad;
		hs = s;
		he = colon;
	}
	if (he == hs) {
		/* ":9110" meant every interface to one daemon and was refused
		 * by the other; a service that changes production must not
		 * open up by omission. */
		snprintf(err, errlen, "listen: \"%s\" has no host; write "
		    "127.0.0.1:PORT (this host) or 0.0.0.0:PORT (every "
		    "interface)", s);
		return -1;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (colon[1] == '\0' || parse_u64(colon + 1, &port) != 0 ||
	    port > 65535)
		goto bad;
	if (s[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*in4);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		return 0;
	}
bad:
	snprintf(err, errlen, "listen: \"%s\" is not ADDR:PORT or "
	    "[ADDR6]:PORT with a numeric address", s);
	return -1;
}

int
httpd_bearer_ok(const char *h, const char *token, size_t token_len)
{
	const char *p;
	size_t n;

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != ' ' && h[6] != '\t'))
		return 0;
	p = h + 6;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return const_time_eq(token, token_len, p, n);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
httpd_unescape(char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0) {
			*w = (char)(hi << 4 | lo);
			if (*w == '\0')
				*w = 0x7f;
			w++;
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Dot segments are left alone: paths match exactly, so "/v1/../metrics"
 * is simply not found. */
int
httpd_path_ok(const char *path)
{
	const unsigned char *p;

	if (path[0] != '/')
		return 0;
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

size_t
httpd_query_params(const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t n = 0;
	int in_param = 0;

	if (q == NULL)
		return 0;
	for (q++; *q != '\0' && *q != '#'; q++) {
		if (*q == '&') {
			in_param = 0;
			continue;
		}
		if (!in_param)
			n++;
		in_param = 1;
	}
	return n;
}

static const struct {
	const char *name;
	unsigned    bit;
} methods[] = {
	{ "GET", HTTPD_M_GET }, { "HEAD", HTTPD_M_HEAD },
	{ "POST", HTTPD_M_POST }, { "PUT", HTTPD_M_PUT },
	{ "DELETE", HTTPD_M_DELETE },
};

unsigned
httpd_method_bit(const char *method)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(methods); i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return HTTPD_M_OTHER;
}

/* "GET, HEAD, PUT" for a set of methods (GET brings HEAD). */
static void
allow_list(unsigned set, char *out, size_t outlen)
{
	size_t i, n = 0;

	if (set & HTTPD_M_GET)
		set |= HTTPD_M_HEAD;
	out[0] = '\0';
	for (i = 0; i < ARRAY_LEN(methods); i++) {
		if (!(set & methods[i].bit))
			continue;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0,
		    "%s%s", n > 0 ? ", " : "", methods[i].name);
	}
}

/* The route for a path, and for a prefix route the rest (the id). */
static const struct httpd_route *
find_route(const struct httpd_route *routes, size_t nroutes,
    const char *path, const char **id)
{
	const struct httpd_route *rt;
	size_t i, len;

	*id = NULL;
	for (i = 0; i < nroutes; i++) {
		rt = &routes[i];
		len = strlen(rt->path);
		if (len >= 2 && rt->path[len - 1] == '*' &&
		    rt->path[len - 2] == '/') {
			len--;          /* keep the slash */
			if (strncmp(path, rt->path, len) == 0 &&
			    path[len] != '\0') {
				*id = path + len;
				return rt;
			}
			continue;
		}
		if (strncmp(path, rt->path, len) == 0 && (path[len] == '\0' ||
		    (path[len] == '/' && path[len + 1] == '\0' && len > 1)))
			return rt;
	}
	return NULL;
}

void
httpd_classify(const struct httpd_route *routes, size_t nroutes,
    const char *method, const char *path, int authorized,
    struct httpd_verdict *v)
{
	const struct httpd_route *rt;
	const char *id;
	unsigned allowed;

	memset(v, 0, sizeof(*v));
	v->method = httpd_method_bit(method);
	if (strlen(path) > HTTPD_PATH_MAX) {
		v->status = 414;
		v->error = "path too long";
		return;
	}
	if (!httpd_path_ok(path)) {
		v->status = 400;
		v->error = "bad path";
		return;
	}
	rt = find_route(routes, nroutes, path, &id);
	/* Without the token no route's existence is told apart. */
	if ((rt == NULL || !rt->public) && !authorized) {
		v->status = 401;
		v->error = "unauthorized";
		v->challenge = 1;
		return;
	}
	if (rt == NULL) {
		v->status = 404;
		v->error = "no such endpoint";
		return;
	}
	allowed = rt->methods;
	if (allowed & HTTPD_M_GET)
		allowed |= HTTPD_M_HEAD;
	if (!(allowed & v->method)) {
		v->status = 405;
		v->error = "method not allowed";
		allow_list(rt->methods, v->allow, sizeof(v->allow));
		return;
	}
	v->route = rt;
	v->id = id;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* s as a JSON string: quotes, escapes, U+FFFD for bytes not UTF-8. */
static int
json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	int rc = buf_putc(b, '"');

	while (rc == 0 && n > 0) {
		if (*p == '"' || *p == '\\') {
			rc = buf_putc(b, '\\') || buf_putc(b, (char)*p);
			len = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			rc = buf_printf(b, "\\u%04x", *p);
			len = 1;
		} else if ((len = utf8_len(p, n)) > 0) {
			rc = buf_append(b, p, len);
		} else {
			rc = buf_puts(b, "\\ufffd");
			len = 1;
		}
		p += len;
		n -= len;
	}
	return rc != 0 ? -1 : buf_putc(b, '"');
}

int
httpd_json_error(struct buf *b, const char *msg, const char *field)
{
	if (buf_puts(b, "{\"error\":") != 0 || json_string(b, msg) != 0 ||
	    buf_puts(b, ",\"field\":") != 0)
		return -1;
	if (field == NULL || field[0] == '\0')
		return buf_puts(b, "null}");
	if (json_string(b, field) != 0)
		return -1;
	return buf_putc(b, '}');
}
