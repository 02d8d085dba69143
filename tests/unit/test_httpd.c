/*
 * test_httpd.c — the server core (common/httpd.h) once, for both
 * daemons: the pure half table by table (listen addresses, the bearer
 * check, %-decoding, query counting, route classification, JSON error
 * bodies), secret_read(), and a live server on loopback for what only
 * the shell does: the raw-NUL check, the body cap, the query cap, the
 * connection cap and the whole-request deadline, the token swap.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/httpd.h"
#include "common/secret.h"
#include "common/util.h"
#include "tests/lib/utf8_valid.h"

/* ---- pure half ---------------------------------------------------------- */

static void
test_parse_listen(void **state)
{
	static const struct {
		const char *in;
		int         ok, family;
		unsigned    port;
		const char *err;        /* part of the message when refused */
	} cases[] = {
		{ "127.0.0.1:9108", 1, AF_INET, 9108, NULL },
		{ "0.0.0.0:0", 1, AF_INET, 0, NULL },
		{ "[::1]:9110", 1, AF_INET6, 9110, NULL },
		{ "[::]:80", 1, AF_INET6, 80, NULL },
		{ ":9110", 0, 0, 0, "has no host" },
		{ "[]:9110", 0, 0, 0, "has no host" },
		{ ":", 0, 0, 0, "has no host" },
		{ "127.0.0.1", 0, 0, 0, "not ADDR:PORT" },
		{ "127.0.0.1:", 0, 0, 0, "not ADDR:PORT" },
		{ "127.0.0.1:65536", 0, 0, 0, "not ADDR:PORT" },
		{ "127.0.0.1:-1", 0, 0, 0, "not ADDR:PORT" },
		{ "localhost:9108", 0, 0, 0, "numeric" },
		{ "::1:9108", 0, 0, 0, "not ADDR:PORT" },
		{ "[::1:80", 0, 0, 0, "not ADDR:PORT" },
		{ "[127.0.0.1]:9108", 0, 0, 0, "not ADDR:PORT" },
		{ "", 0, 0, 0, "not ADDR:PORT" },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		err[0] = '\0';
		r = httpd_parse_listen(cases[i].in, &ss, &len, err, sizeof(err));
		if ((r == 0) != cases[i].ok)
			fail_msg("%s: got %d (%s)", cases[i].in, r, err);
		if (!cases[i].ok) {
			if (strstr(err, cases[i].err) == NULL)
				fail_msg("%s: message '%s'", cases[i].in, err);
			continue;
		}
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(ntohs(cases[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port), cases[i].port);
	}
}

static void
test_bearer(void **state)
{
	static const char tok[] = "s3cret-t0ken";
	static const struct {
		const char *h;
		int         ok;
	} cases[] = {
		{ "Bearer s3cret-t0ken", 1 },
		{ "bearer s3cret-t0ken", 1 },
		{ "BEARER s3cret-t0ken", 1 },
		{ "Bearer   s3cret-t0ken  ", 1 },
		{ "Bearer\ts3cret-t0ken\t", 1 },
		{ NULL, 0 },
		{ "", 0 },
		{ "Bearer", 0 },
		{ "Bearer ", 0 },
		{ "Bearers3cret-t0ken", 0 },
		{ "Basic s3cret-t0ken", 0 },
		{ "s3cret-t0ken", 0 },
		{ "Bearer s3cret-t0ke", 0 },
		{ "Bearer s3cret-t0kenx", 0 },
		{ "Bearer S3CRET-T0KEN", 0 },   /* the token is exact */
		{ "Bearer s3cret t0ken", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++)
		if (httpd_bearer_ok(cases[i].h, tok, strlen(tok)) !=
		    cases[i].ok)
			fail_msg("'%s': want %d", cases[i].h ? cases[i].h :
			    "(none)", cases[i].ok);
}

static void
test_unescape_and_path(void **state)
{
	static const struct {
		const char *in, *out;
		int         path_ok;
	} cases[] = {
		{ "/v1/apps/shop/web", "/v1/apps/shop/web", 1 },
		{ "/v1/rules/shop%2Fweb", "/v1/rules/shop/web", 1 },
		{ "/v1/rules/shop/web%00anything", "/v1/rules/shop/web\x7f"
		  "anything", 0 },
		{ "/x%0a", "/x\n", 0 },
		{ "/x%7F", "/x\x7f", 0 },
		{ "/x%", "/x%", 1 },
		{ "/x%4", "/x%4", 1 },
		{ "/x%zz", "/x%zz", 1 },
		{ "/%41%42", "/AB", 1 },
		{ "*", "*", 0 },
		{ "", "", 0 },
	};
	char buf[128];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		str_copy_trunc(buf, cases[i].in, sizeof(buf));
		n = httpd_unescape(buf);
		assert_int_equal(n, strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(httpd_path_ok(buf), cases[i].path_ok);
	}
}

static void
test_query_params(void **state)
{
	static const struct {
		const char *uri;
		size_t      n;
	} cases[] = {
		{ "/v1/decisions", 0 }, { "/v1/decisions?", 0 },
		{ "/x?a=1", 1 }, { "/x?a=1&b", 2 }, { "/x?a&&b&", 2 },
		{ "/x?&&&", 0 }, { "/x?a=1#f&g", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++)
		if (httpd_query_params(cases[i].uri) != cases[i].n)
			fail_msg("%s: %zu, want %zu", cases[i].uri,
			    httpd_query_params(cases[i].uri), cases[i].n);
}

enum { R_HEALTH, R_LIST, R_ONE, R_LIST2 };
static const struct httpd_route routes[] = {
	{ "/healthz", HTTPD_M_GET, 1, 0, R_HEALTH },
	{ "/v1/rules/*", HTTPD_M_GET | HTTPD_M_PUT | HTTPD_M_DELETE, 0, 1,
	  R_ONE },
	{ "/v1/rules", HTTPD_M_GET | HTTPD_M_POST, 0, 1, R_LIST },
	{ "/v1/status", HTTPD_M_GET, 0, 0, R_LIST2 },
};

static void
test_classify(void **state)
{
	static const struct {
		const char *method, *path;
		int         auth;
		unsigned    status;
		int         route;      /* when status is 0 */
		const char *id_or_allow;
	} cases[] = {
		{ "GET", "/healthz", 0, 0, R_HEALTH, NULL },
		{ "HEAD", "/healthz", 0, 0, R_HEALTH, NULL },
		{ "GET", "/healthz/", 0, 0, R_HEALTH, NULL },
		{ "POST", "/healthz", 0, 405, 0, "GET, HEAD" },
		{ "GET", "/v1/rules", 0, 401, 0, NULL },
		{ "GET", "/nope", 0, 401, 0, NULL },    /* no leak */
		{ "GET", "/nope", 1, 404, 0, NULL },
		{ "GET", "/v1/rules", 1, 0, R_LIST, NULL },
		{ "GET", "/v1/rules/", 1, 0, R_LIST, NULL },
		{ "POST", "/v1/rules", 1, 0, R_LIST, NULL },
		{ "DELETE", "/v1/rules", 1, 405, 0, "GET, HEAD, POST" },
		{ "GET", "/v1/rules/shop/web", 1, 0, R_ONE, "shop/web" },
		{ "PUT", "/v1/rules/a/b/c/d", 1, 0, R_ONE, "a/b/c/d" },
		{ "PATCH", "/v1/rules/a", 1, 405, 0, "GET, HEAD, PUT, DELETE" },
		{ "GET", "/v1/rulesX", 1, 404, 0, NULL },
		{ "GET", "/v1/status//", 1, 404, 0, NULL },
		{ "GET", "/v1/rules/a\x7f", 1, 400, 0, NULL },
		{ "GET", "v1/rules", 1, 400, 0, NULL },
	};
	struct httpd_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		httpd_classify(routes, ARRAY_LEN(routes), cases[i].method,
		    cases[i].path, cases[i].auth, &v);
		if (v.status != cases[i].status)
			fail_msg("%s %s: %u, want %u", cases[i].method,
			    cases[i].path, v.status, cases[i].status);
		if (v.status == 0) {
			assert_int_equal(v.route->id, cases[i].route);
			if (cases[i].id_or_allow != NULL)
				assert_string_equal(v.id, cases[i].id_or_allow);
			else
				assert_null(v.id);
		} else if (v.status == 405)
			assert_string_equal(v.allow, cases[i].id_or_allow);
		else
			assert_non_null(v.error);
	}
	/* A path one byte over the cap: 414. */
	{
		char *p = malloc(HTTPD_PATH_MAX + 2);

		assert_non_null(p);
		p[0] = '/';
		memset(p + 1, 'a', HTTPD_PATH_MAX);
		p[HTTPD_PATH_MAX + 1] = '\0';
		httpd_classify(routes, ARRAY_LEN(routes), "GET", p, 1, &v);
		assert_int_equal(v.status, 414);
		free(p);
	}
}

static void
test_json_error(void **state)
{
	static const struct {
		const char *msg, *field, *want;
	} cases[] = {
		{ "no such endpoint", NULL,
		  "{\"error\":\"no such endpoint\",\"field\":null}" },
		{ "bad", "cpu.above", "{\"error\":\"bad\",\"field\":\"cpu.above\"}" },
		{ "q\"b\\n", "", "{\"error\":\"q\\\"b\\\\n\",\"field\":null}" },
		{ "'\xff\xfe' x", "f\x7f", "{\"error\":\"'\\ufffd\\ufffd' x\","
		  "\"field\":\"f\\u007f\"}" },
		{ "caf\xc3\xa9 \xe2\x82\xac", NULL,
		  "{\"error\":\"caf\xc3\xa9 \xe2\x82\xac\",\"field\":null}" },
		{ "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82", NULL,
		  "{\"error\":\"\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
		  "\\ufffd\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\",\"field\":null}" },
		{ "tab\there\n", NULL,
		  "{\"error\":\"tab\\u0009here\\u000a\",\"field\":null}" },
	};
	struct buf b;
	cJSON *j;
	size_t i;

	(void)state;
	buf_init(&b, HTTPD_ERROR_MAX);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		buf_reset(&b);
		assert_int_equal(httpd_json_error(&b, cases[i].msg,
		    cases[i].field), 0);
		assert_string_equal(b.data, cases[i].want);
		assert_true(valid_utf8((const unsigned char *)b.data, b.len));
		j = cJSON_Parse(b.data);
		assert_non_null(j);
		cJSON_Delete(j);
	}
	buf_free(&b);
}

/* ---- secret_read -------------------------------------------------------- */

static void
put(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Set a POSIX ACL: owner rw, one named entry (tag, id) with read, the
 * owning group nothing, mask read, others nothing.  0, or -1 when the
 * file system has no ACLs. */
static int
set_acl(const char *path, unsigned tag, unsigned id)
{
	unsigned char a[4 + 5 * 8];
	/* The kernel wants the entries sorted by tag. */
	const unsigned e[5][3] = {
		{ 0x01, 6, 0xffffffffu },
		{ tag < 0x04 ? tag : 0x04, tag < 0x04 ? 4 : 0,
		  tag < 0x04 ? id : 0xffffffffu },
		{ tag < 0x04 ? 0x04 : tag, tag < 0x04 ? 0 : 4,
		  tag < 0x04 ? 0xffffffffu : id },
		{ 0x10, 4, 0xffffffffu }, { 0x20, 0, 0xffffffffu },
	};
	size_t i;

	memset(a, 0, sizeof(a));
	a[0] = 2;
	for (i = 0; i < 5; i++) {
		unsigned char *p = a + 4 + i * 8;

		p[0] = (unsigned char)e[i][0];
		p[2] = (unsigned char)e[i][1];
		p[4] = (unsigned char)e[i][2];
		p[5] = (unsigned char)(e[i][2] >> 8);
		p[6] = (unsigned char)(e[i][2] >> 16);
		p[7] = (unsigned char)(e[i][2] >> 24);
	}
	return setxattr(path, "system.posix_acl_access", a, sizeof(a), 0);
}

/*
 * systemd's credentials are 0400 plus an ACL entry for the service user,
 * which stat shows as 0440: accepted.  An ACL that lets a group read:
 * refused.
 */
static void
test_secret_acl(const char *path)
{
	struct stat st;
	char err[512];
	char *s;

	put(path, "tok\n", 4, 0600);
	if (set_acl(path, 0x02, 65534) != 0) {
		print_message("no POSIX ACLs on this file system: skipped\n");
		return;
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	s = secret_read(path, 0, NULL, err, sizeof(err));
	if (s == NULL)
		fail_msg("named-user ACL refused: %s", err);
	assert_string_equal(s, "tok");
	secret_free(s);
	put(path, "tok\n", 4, 0600);
	assert_int_equal(set_acl(path, 0x08, 65534), 0);
	assert_null(secret_read(path, 0, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "chmod 600"));
}

static void
test_secret_read(void **state)
{
	static const struct {
		const char *text;
		size_t      len;        /* 0: strlen */
		mode_t      mode;
		size_t      max;
		const char *want;       /* NULL: refused */
		const char *err;
	} cases[] = {
		{ "tok\n", 0, 0600, 0, "tok", NULL },
		{ "  tok \t\r\nsecond line\n", 0, 0400, 0, "tok", NULL },
		{ "tok", 0, 0600, 0, "tok", NULL },
		{ "tok\n", 0, 0640, 0, NULL, "chmod 600" },
		{ "tok\n", 0, 0604, 0, NULL, "mode 0604" },
		{ "tok\n", 0, 0660, 0, NULL, "chmod 600" },
		{ " \nreal\n", 0, 0600, 0, NULL, "empty" },
		{ "", 0, 0600, 0, NULL, "empty" },
		{ "a\0b\n", 4, 0600, 0, NULL, "NUL" },
		{ "0123456789\n", 0, 0600, 9, NULL, "too long" },
		{ "012345678\n", 0, 0600, 9, "012345678", NULL },
	};
	char path[] = "/tmp/hoist-secret.XXXXXX", err[512], buf[8];
	size_t i, len;
	char *s;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		put(path, cases[i].text, cases[i].len ? cases[i].len :
		    strlen(cases[i].text), cases[i].mode);
		err[0] = '\0';
		s = secret_read(path, cases[i].max, &len, err, sizeof(err));
		if (cases[i].want == NULL) {
			if (s != NULL || strstr(err, cases[i].err) == NULL ||
			    strstr(err, path) == NULL)
				fail_msg("case %zu: got %s, err '%s'", i,
				    s ? s : "NULL", err);
			continue;
		}
		if (s == NULL)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(s, cases[i].want);
		assert_int_equal(len, strlen(cases[i].want));
		secret_free(s);
	}
	test_secret_acl(path);
	/* Into a buffer: too long for it is refused, the buffer wiped. */
	put(path, "0123456789\n", 11, 0600);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(secret_read_buf(path, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	put(path, "0123456\n", 8, 0600);
	assert_int_equal(secret_read_buf(path, buf, sizeof(buf), err,
	    sizeof(err)), 0);
	assert_string_equal(buf, "0123456");
	assert_null(secret_read("/nonexistent/secret", 0, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/secret"));
	secret_free(NULL);
	unlink(path);
}

/* ---- the live shell ----------------------------------------------------- */

/* The handler: echoes what the core handed it, as text. */
static void
echo(void *ctx, const struct httpd_request *rq, struct httpd_reply *rp)
{
	const char *q = httpd_query(rq, "q");

	(void)ctx;
	rp->status = 200;
	rp->content_type = "text/plain";
	buf_printf(&rp->body, "route=%d method=%u id=%s q=%s body=%zu:%s",
	    rq->route, rq->method, rq->id ? rq->id : "-", q ? q : "-",
	    rq->body_len, rq->body);
}

static unsigned replies;

static void
count(void *ctx, unsigned status)
{
	(void)ctx;
	(void)status;
	replies++;
}

static struct httpd *
start(const char *token, unsigned max_conn, unsigned timeout_s)
{
	struct httpd_options o;
	struct httpd *h;
	char err[256];

	memset(&o, 0, sizeof(o));
	o.name = "test";
	o.listen = "127.0.0.1:0";
	o.token = token;
	o.max_connections = max_conn;
	o.timeout_s = timeout_s;
	o.routes = routes;
	o.nroutes = ARRAY_LEN(routes);
	o.handler = echo;
	o.on_reply = count;
	h = httpd_start(&o, err, sizeof(err));
	if (h == NULL)
		fail_msg("httpd_start: %s", err);
	assert_true(httpd_port(h) > 0);
	return h;
}

static int
dial(unsigned port)
{
	struct sockaddr_in sin;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Send len bytes, read the reply until close; its status, 0 if none. */
static int
rawn(unsigned port, const char *data, size_t len, char *out, size_t outsize)
{
	size_t got = 0, off = 0;
	ssize_t n;
	int fd = dial(port);

	while (off < len) {
		n = send(fd, data + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	while (got + 1 < outsize &&
	    (n = recv(fd, out + got, outsize - 1 - got, 0)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	return strncmp(out, "HTTP/1.", 7) == 0 && got >= 12 ?
	    (int)strtol(out + 9, NULL, 10) : 0;
}

static int
raws(unsigned port, const char *data, char *out, size_t outsize)
{
	return rawn(port, data, strlen(data), out, outsize);
}

#define HDRS "Host: x\r\nConnection: close\r\n"

static void
test_live_requests(void **state)
{
	struct httpd *h = start(NULL, 0, 0);
	unsigned port = httpd_port(h);
	static const char nul[] = "GET /healthz\0xyz HTTP/1.1\r\n" HDRS "\r\n";
	char out[8192], *req, *big;
	size_t i, n;

	(void)state;
	replies = 0;
	assert_int_equal(raws(port, "GET /v1/rules/a/b?q=x%20y HTTP/1.1\r\n"
	    HDRS "\r\n", out, sizeof(out)), 200);
	assert_non_null(strstr(out, "route=2 method=1 id=a/b q=x y body=0:"));
	assert_int_equal(raws(port, "HEAD /v1/rules HTTP/1.1\r\n" HDRS "\r\n",
	    out, sizeof(out)), 200);
	assert_int_equal(raws(port, "PUT /v1/rules/x HTTP/1.1\r\n" HDRS
	    "Content-Length: 5\r\n\r\nhello", out, sizeof(out)), 200);
	assert_non_null(strstr(out, "route=2 method=8 id=x q=- body=5:hello"));
	/* A raw NUL in the request line; "%00" in the path. */
	assert_int_equal(rawn(port, nul, sizeof(nul) - 1, out, sizeof(out)),
	    400);
	assert_non_null(strstr(out, "NUL byte"));
	assert_int_equal(raws(port, "GET /v1/rules/a%00b HTTP/1.1\r\n" HDRS
	    "\r\n", out, sizeof(out)), 400);
	/* Two lengths, or a length and chunks. */
	assert_int_equal(raws(port, "PUT /v1/rules/x HTTP/1.1\r\n" HDRS
	    "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", out,
	    sizeof(out)), 400);
	assert_int_equal(raws(port, "PUT /v1/rules/x HTTP/1.1\r\n" HDRS
	    "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\r\nx\r\n0\r\n\r\n", out, sizeof(out)), 400);
	/* 64 query parameters pass, 65 are a 414. */
	req = malloc(4096);
	assert_non_null(req);
	for (n = 64; n <= 65; n++) {
		size_t off = (size_t)snprintf(req, 4096, "GET /v1/status?q=1");

		for (i = 1; i < n; i++)
			off += (size_t)snprintf(req + off, 4096 - off, "&p%zu",
			    i);
		snprintf(req + off, 4096 - off, " HTTP/1.1\r\n" HDRS "\r\n");
		assert_int_equal(raws(port, req, out, sizeof(out)),
		    n == 64 ? 200 : 414);
	}
	free(req);
	/* The body cap: far over it, refused before any body is sent; a
	 * little over, read and refused (so that the client, still sending,
	 * gets the 413 rather than a reset); sent in chunks. */
	assert_int_equal(raws(port, "POST /v1/rules HTTP/1.1\r\n" HDRS
	    "Content-Length: 1048577\r\n\r\n", out, sizeof(out)), 413);
	n = 70000;
	big = malloc(n + 256);
	assert_non_null(big);
	i = (size_t)snprintf(big, 256, "POST /v1/rules HTTP/1.1\r\n" HDRS
	    "Content-Length: %zu\r\n\r\n", n);
	memset(big + i, 'a', n);
	assert_int_equal(rawn(port, big, i + n, out, sizeof(out)), 413);
	assert_non_null(strstr(out, "larger than 65536"));
	free(big);
	big = malloc(n + 256);
	assert_non_null(big);
	i = (size_t)snprintf(big, 256, "POST /v1/rules HTTP/1.1\r\n" HDRS
	    "Transfer-Encoding: chunked\r\n\r\n%zx\r\n", n - 100);
	memset(big + i, 'a', n - 100);
	i += n - 100;
	i += (size_t)snprintf(big + i, 256, "\r\n0\r\n\r\n");
	assert_int_equal(rawn(port, big, i, out, sizeof(out)), 413);
	free(big);
	/* Keep-alive: two requests on one connection, both answered (the
	 * core must not close after a reply to a request without a body). */
	assert_int_equal(raws(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "\r\nGET /v1/status HTTP/1.1\r\n" HDRS "\r\n", out, sizeof(out)),
	    200);
	assert_non_null(strstr(strstr(out, "route=0 "), "HTTP/1.1 200"));
	assert_non_null(strstr(out, "route=3 "));
	assert_true(replies >= 12);
	httpd_stop(h);
}

static void
test_live_token(void **state)
{
	struct httpd *h = start("one", 0, 0);
	unsigned port = httpd_port(h);
	char out[4096];

	(void)state;
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\n" HDRS "\r\n",
	    out, sizeof(out)), 401);
	assert_non_null(strstr(out, "WWW-Authenticate: Bearer realm=\"test\""
	    "\r\n"));
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\n" HDRS
	    "Authorization: bearer  one \r\n\r\n", out, sizeof(out)), 200);
	/* A refused request without a body keeps the connection: a 401,
	 * then the same client with the token on the same connection. */
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\nHost: x\r\n"
	    "\r\nGET /v1/status HTTP/1.1\r\n" HDRS "Authorization: Bearer "
	    "one\r\n\r\n", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "route=3 "));
	httpd_set_token(h, "two");
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\n" HDRS
	    "Authorization: Bearer one\r\n\r\n", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "error=\"invalid_token\""));
	assert_null(strstr(out, "one"));
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\n" HDRS
	    "Authorization: Bearer two\r\n\r\n", out, sizeof(out)), 200);
	httpd_set_token(h, NULL);
	assert_int_equal(raws(port, "GET /v1/status HTTP/1.1\r\n" HDRS "\r\n",
	    out, sizeof(out)), 200);
	httpd_stop(h);
}

/*
 * A client that sends a byte every 200 ms is never idle, yet must be
 * closed once its request has taken timeout_s (1 s); past the cap of 3
 * receiving connections, the oldest is closed; a normal client is served
 * throughout.
 */
static void
test_live_slow_clients(void **state)
{
	struct httpd *h = start(NULL, 3, 1);
	unsigned port = httpd_port(h);
	static const char part[] = "GET /healthz HTTP/1.1\r\nX-Slow: ";
	int64_t t0, dt;
	char out[4096], c;
	int fds[4], fd, i, closed = 0;
	ssize_t n;

	(void)state;
	fd = dial(port);
	t0 = now_mono_ns();
	assert_int_equal(send(fd, part, sizeof(part) - 1, MSG_NOSIGNAL),
	    (ssize_t)sizeof(part) - 1);
	for (i = 0; i < 50 && !closed; i++) {
		struct timespec ts = { 0, 200000000L };

		nanosleep(&ts, NULL);
		if (send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
			closed = 1;
		else if ((n = recv(fd, &c, 1, MSG_DONTWAIT)) == 0)
			closed = 1;
	}
	dt = (now_mono_ns() - t0) / 1000000;
	close(fd);
	if (!closed || dt < 900 || dt > 3000)
		fail_msg("trickling client: closed %d after %lld ms (want "
		    "1000..3000)", closed, (long long)dt);
	/* The cap: three slow ones, then a fourth closes the first. */
	for (i = 0; i < 4; i++) {
		fds[i] = dial(port);
		assert_int_equal(send(fds[i], part, 5, MSG_NOSIGNAL), 5);
		if (i == 2) {
			/* Let the server see the first three in order. */
			struct timespec ts = { 0, 50000000L };

			nanosleep(&ts, NULL);
		}
	}
	t0 = now_mono_ns();
	n = recv(fds[0], &c, 1, 0);
	dt = (now_mono_ns() - t0) / 1000000;
	if (n != 0 || dt > 500)
		fail_msg("oldest over the cap: recv %zd after %lld ms", n,
		    (long long)dt);
	assert_int_equal(raws(port, "GET /healthz HTTP/1.1\r\n" HDRS "\r\n",
	    out, sizeof(out)), 200);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	httpd_stop(h);
}

static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000LL + ((int64_t)ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000LL;
}

/* An idle server costs (almost) nothing: its threads sleep. */
static void
test_idle_cpu(void **state)
{
	struct httpd *h = start(NULL, 0, 0);
	struct timespec one = { 1, 0 };
	int64_t t0 = cpu_ns(), used;

	(void)state;
	nanosleep(&one, NULL);
	used = (cpu_ns() - t0) / 1000000;
	httpd_stop(h);
	if (used > 100)
		fail_msg("an idle server used %lld ms of CPU in 1 s",
		    (long long)used);
}

static void
test_start_errors(void **state)
{
	struct httpd_options o;
	char err[256], path[] = "/tmp/hoist-key.XXXXXX";
	int fd;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.routes = routes;
	o.nroutes = ARRAY_LEN(routes);
	o.handler = echo;
	o.listen = ":0";
	assert_null(httpd_start(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "has no host"));
	o.listen = "127.0.0.1:0";
	o.tls_cert_file = "/nonexistent/cert.pem";
	assert_null(httpd_start(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "go together"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	chmod(path, 0644);
	o.tls_key_file = path;
	assert_null(httpd_start(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
	o.tls_cert_file = path;
	assert_null(httpd_start(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "chmod 600"));
	unlink(path);
	httpd_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_unescape_and_path),
		cmocka_unit_test(test_query_params),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_json_error),
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_live_requests),
		cmocka_unit_test(test_live_token),
		cmocka_unit_test(test_live_slow_clients),
		cmocka_unit_test(test_idle_cpu),
		cmocka_unit_test(test_start_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
