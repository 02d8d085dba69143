/*
 * fuzz_httpd.c — libFuzzer harness for the request side of the HTTP
 * server core (common/httpd_core.c) and the scaler's rule bodies: what a
 * client controls before any route runs.
 *
 * Input: four lines and a body,
 *
 *     METHOD\n
 *     RAW-URI (path with %-escapes, nested ids, ?query)\n
 *     AUTHORIZATION header value\n
 *     LISTEN address (as the config would give it)\n
 *     BODY (the rest, any bytes)
 *
 * Each part goes where the core would put it: the raw URI through
 * httpd_query_params(), cut at '?', httpd_unescape() and
 * httpd_classify() over both daemons' kinds of routes; the header through
 * httpd_bearer_ok(); the listen line through httpd_parse_listen(); the
 * path, header and body through httpd_json_error(), whose output must be
 * valid JSON and valid UTF-8; the body through rules_from_json().  A
 * broken invariant aborts.
 *
 * Built by `make fuzz` (clang, -fsanitize=fuzzer); by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *       -D_GNU_SOURCE -I. -I/usr/include/cjson tests/fuzz/fuzz_httpd.c \
 *       common/httpd_core.c common/util.c common/buf.c scaler/rules.c \
 *       marathon/marathon_decode.c common/log.c -lcjson -lm \
 *       -o build/fuzz_httpd
 *   build/fuzz_httpd -max_total_time=60 tests/fuzz/corpus/httpd
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/httpd.h"
#include "scaler/rules.h"
#include "tests/lib/utf8_valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Both daemons' route shapes: exact, with a trailing slash, nested ids. */
static const struct httpd_route routes[] = {
	{ "/healthz", HTTPD_M_GET, 1, 0, 0 },
	{ "/metrics", HTTPD_M_GET, 0, 0, 1 },
	{ "/v1/containers/*", HTTPD_M_GET, 0, 0, 2 },
	{ "/v1/containers", HTTPD_M_GET, 0, 0, 3 },
	{ "/v1/apps/*", HTTPD_M_GET, 0, 0, 4 },
	{ "/v1/rules/*", HTTPD_M_GET | HTTPD_M_PUT | HTTPD_M_DELETE, 0, 1, 5 },
	{ "/v1/rules", HTTPD_M_GET | HTTPD_M_POST, 0, 1, 6 },
	{ "/v1/decisions", HTTPD_M_GET, 0, 0, 7 },
};

/* The next line of *p (NUL-terminated copy), advancing *p. */
static char *
take_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl != NULL);
	return s;
}

/* The error body for (msg, field) is JSON and UTF-8, whatever they hold. */
static void
check_error(const char *msg, const char *field)
{
	struct buf b;
	cJSON *j;

	buf_init(&b, 1u << 20);
	if (httpd_json_error(&b, msg, field) == 0) {
		if (!valid_utf8((const unsigned char *)b.data, b.len))
			abort();
		j = cJSON_ParseWithLength(b.data, b.len);
		if (j == NULL)
			abort();
		cJSON_Delete(j);
	}
	buf_free(&b);
}

static void
check_request(const char *method, char *uri, const char *auth)
{
	struct httpd_verdict v;
	char *q = strchr(uri, '?');
	size_t params = httpd_query_params(uri);
	int ok = httpd_bearer_ok(auth, "tok en", 6);

	if (ok && strstr(auth, "tok en") == NULL)
		abort();
	if (q == NULL && params != 0)
		abort();
	if (q != NULL)
		*q = '\0';
	if (httpd_unescape(uri) != strlen(uri))
		abort();
	httpd_classify(routes, sizeof(routes) / sizeof(routes[0]), method,
	    uri, ok, &v);
	if (v.status == 0) {
		if (v.route == NULL || !httpd_path_ok(uri) ||
		    (!v.route->public && !ok))
			abort();
		if (v.id != NULL && v.id[0] == '\0')
			abort();
	} else if (v.error == NULL || v.route != NULL) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method = take_line(&p, end), *uri = take_line(&p, end);
	char *auth = take_line(&p, end), *listen = take_line(&p, end);
	struct sockaddr_storage ss;
	struct rules_error re;
	struct rule r;
	socklen_t sslen;
	char err[256];

	check_error(uri, auth);
	check_error(method, NULL);
	check_request(method, uri, auth);
	(void)httpd_parse_listen(listen, &ss, &sslen, err, sizeof(err));
	if (rules_from_json(p, (size_t)(end - p), NULL, &r, &re) != 0)
		check_error(re.error, re.field);
	free(method);
	free(uri);
	free(auth);
	free(listen);
	return 0;
}
