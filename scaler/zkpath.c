/*
 * zkpath.c — see zkpath.h.
 */
#include <stdio.h>
#include <string.h>

#include "scaler/zkpath.h"

#define fail(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } \
	while (0)

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int
is_v6_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* One "HOST:PORT" of len bytes at s (host number k from 1). */
static int
parse_host(const char *s, size_t len, size_t k, char *err, size_t errlen)
{
	const char *colon, *p;
	size_t hlen;
	unsigned long port = 0;

	if (len == 0)
		fail("host %zu: empty", k);
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || close == s + 1)
			fail("host %zu: '[' without an IPv6 address and ']'",
			    k);
		for (p = s + 1; p < close; p++)
			if (!is_v6_char(*p))
				fail("host %zu: not an IPv6 address", k);
		colon = close + 1;
		if (colon >= s + len || *colon != ':')
			fail("host %zu: a port is required (HOST:PORT)", k);
		hlen = (size_t)(close - s + 1);
	} else {
		colon = memchr(s, ':', len);
		if (colon == NULL)
			fail("host %zu: a port is required (HOST:PORT)", k);
		hlen = (size_t)(colon - s);
		if (hlen == 0)
			fail("host %zu: empty host name", k);
		for (p = s; p < colon; p++)
			if (!is_name_char(*p))
				fail("host %zu: '%c' is not allowed in a host "
				    "name", k, *p >= 0x20 && *p < 0x7f ? *p :
				    '?');
	}
	if (hlen >= ZKPATH_HOST_MAX)
		fail("host %zu: longer than %d bytes", k, ZKPATH_HOST_MAX - 1);
	p = colon + 1;
	if (p == s + len)
		fail("host %zu: empty port", k);
	for (; p < s + len; p++) {
		if (*p < '0' || *p > '9')
			fail("host %zu: the port must be a number", k);
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			break;
	}
	if (port < 1 || port > 65535)
		fail("host %zu: port is outside 1 to 65535", k);
	return 0;
}

/* "/a/b": segments of [a-zA-Z0-9._-], not "." or "..". */
static int
parse_root(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *seg = path, *p;
	size_t len = strlen(path);

	if (len <= 1)
		fail("path: a node path after the hosts is required "
		    "(zk://HOST:PORT/hoist)");
	if (len >= outlen)
		fail("path: longer than %zu bytes", outlen - 1);
	if (path[len - 1] == '/')
		fail("path: must not end with '/'");
	while (*seg == '/') {
		size_t n;

		seg++;
		for (p = seg; *p != '\0' && *p != '/'; p++)
			if (!is_name_char(*p) && *p != '_')
				fail("path: '%c' is not allowed (segments of "
				    "a-z, A-Z, 0-9, '.', '_', '-')",
				    *p >= 0x20 && *p < 0x7f ? *p : '?');
		n = (size_t)(p - seg);
		if (n == 0)
			fail("path: empty segment ('//')");
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' &&
		    seg[1] == '.'))
			fail("path: '.' and '..' are not node names");
		seg = p;
	}
	memcpy(out, path, len + 1);
	return 0;
}

int
zkpath_parse_url(const char *url, struct zkpath_url *out, char *err,
    size_t errlen)
{
	const char *h, *slash, *end, *comma;
	size_t k = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "zk://", 5) != 0)
		fail("must start with zk:// (zk://HOST:PORT[,HOST:PORT...]"
		    "/PATH)");
	h = url + 5;
	slash = strchr(h, '/');
	if (slash == NULL)
		fail("path: a node path after the hosts is required "
		    "(zk://HOST:PORT/hoist)");
	if (memchr(h, '@', (size_t)(slash - h)) != NULL)
		fail("user:password@ is not taken in the URL; use "
		    "zookeeper_auth_file");
	if (strpbrk(url, "?#") != NULL)
		fail("no query or fragment ('?', '#') in a ZooKeeper URL");
	if (slash - h >= ZKPATH_HOSTS_LEN)
		fail("hosts: longer than %d bytes", ZKPATH_HOSTS_LEN - 1);
	for (end = h; end <= slash; end = comma + 1) {
		comma = memchr(end, ',', (size_t)(slash - end));
		if (comma == NULL)
			comma = slash;
		if (++k > ZKPATH_HOSTS_MAX)
			fail("at most %d hosts", ZKPATH_HOSTS_MAX);
		if (parse_host(end, (size_t)(comma - end), k, err, errlen) != 0)
			return -1;
		if (comma == slash)
			break;
	}
	if (parse_root(slash, out->root, sizeof(out->root), err, errlen) != 0)
		return -1;
	memcpy(out->hosts, h, (size_t)(slash - h));
	out->hosts[slash - h] = '\0';
	out->nhosts = k;
	return 0;
}

int
zkpath_valid_id(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!is_name_char(id[n]) && id[n] != '_' && id[n] != ':')
			return 0;
	return n > 0 && n < ZKPATH_ID_MAX;
}

int
zkpath_election_parse(const char *name, int64_t *seq, char *token,
    size_t tokenlen)
{
	size_t len = strlen(name), tlen, i;
	const char *digits, *tilde;
	int64_t v = 0;

	if (len < 2 + 1 + 1 + 10 || strncmp(name, "n_", 2) != 0 ||
	    name[len - 11] != '_')
		return -1;
	digits = name + len - 10;
	for (i = 0; i < 10; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		v = v * 10 + (digits[i] - '0');
	}
	tlen = len - 2 - 11;
	if (tlen == 0 || tlen >= tokenlen || tlen >= ZKPATH_TOKEN_MAX)
		return -1;
	memcpy(token, name + 2, tlen);
	token[tlen] = '\0';
	tilde = strchr(token, '~');
	if (tilde == NULL || tilde == token || tilde - token >= ZKPATH_ID_MAX ||
	    tlen - (size_t)(tilde - token) - 1 < 1 ||
	    tlen - (size_t)(tilde - token) - 1 > 16)
		return -1;
	for (i = 0; token + i < tilde; i++)
		if (!is_name_char(token[i]) && token[i] != '_' &&
		    token[i] != ':')
			return -1;
	for (i = (size_t)(tilde - token) + 1; i < tlen; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'f')))
			return -1;
	*seq = v;
	return 0;
}

int
zkpath_token_id(const char *token, char *id, size_t idlen)
{
	const char *tilde = strchr(token, '~');
	size_t n;

	if (tilde == NULL)
		return -1;
	n = (size_t)(tilde - token);
	if (n == 0 || n >= idlen)
		return -1;
	memcpy(id, token, n);
	id[n] = '\0';
	return 0;
}
