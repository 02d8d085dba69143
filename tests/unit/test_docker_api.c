/*
 * test_docker_api.c — common/docker_api: the one Docker Engine API client.
 * What needs no daemon: URL forms, paths that do not fit, Docker's error
 * body.  The exchanges themselves are tested against a fake daemon in
 * test_docker.c and a real one in tests/integration (docker_meta,
 * deploy_retag).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/docker_api.h"
#include "common/http.h"
#include "common/util.h"

static void
test_urls(void **state)
{
	static const struct { const char *url, *where; } good[] = {
		{ "unix:///var/run/docker.sock", "/var/run/docker.sock" },
		{ "http://127.0.0.1:2375", "http://127.0.0.1:2375" },
		{ "http://127.0.0.1:2375///", "http://127.0.0.1:2375" },
		{ "tcp://docker.example:2376", "http://docker.example:2376" },
	};
	static const struct { const char *url, *err; } bad[] = {
		{ "unix://relative.sock", "bad socket path" },
		{ "http://", "bad URL" },
		{ "http:///path", "bad URL" },
		{ "https://h:1", "URL must be unix:///path or http://host:port" },
		{ "/var/run/docker.sock", "URL must be" },
		{ "", "URL must be" },
	};
	char err[256], longsock[200];
	struct docker_api *a;
	size_t i;

	(void)state;
	assert_int_equal(http_global_init(), 0);
	for (i = 0; i < ARRAY_LEN(good); i++) {
		a = docker_api_new(good[i].url, err, sizeof(err));
		assert_non_null(a);
		assert_string_equal(docker_api_where(a), good[i].where);
		docker_api_free(a);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_null(docker_api_new(bad[i].url, err, sizeof(err)));
		if (strstr(err, bad[i].err) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].url, err,
			    bad[i].err);
	}
	/* A socket path longer than sun_path. */
	memset(longsock, 'a', sizeof(longsock) - 1);
	longsock[sizeof(longsock) - 1] = '\0';
	memcpy(longsock, "unix:///", 8);
	assert_null(docker_api_new(longsock, err, sizeof(err)));
	assert_non_null(strstr(err, "bad socket path"));
	docker_api_free(NULL);
	http_global_cleanup();
}

static void
test_path_too_long(void **state)
{
	static char id[DOCKER_API_PATH_MAX + 8];
	struct http_response resp;
	struct docker_api *a;
	char err[256];

	(void)state;
	assert_int_equal(http_global_init(), 0);
	a = docker_api_new("unix:///nonexistent/docker.sock", err, sizeof(err));
	assert_non_null(a);
	http_response_init(&resp);
	memset(id, 'a', sizeof(id) - 1);
	/* Refused before anything is sent: no socket is tried. */
	assert_int_equal(docker_api_inspect(a, id, NULL, &resp), HTTP_E_OTHER);
	assert_int_equal(resp.status, 0);
	assert_string_equal(resp.error, "request path too long");
	assert_int_equal(docker_api_tag(a, "x", id, "t", NULL, &resp),
	    HTTP_E_OTHER);
	/* A short one is sent, and fails to connect. */
	assert_int_equal(docker_api_inspect(a, "abc", NULL, &resp),
	    HTTP_E_CONNECT);
	http_response_free(&resp);
	docker_api_free(a);
	http_global_cleanup();
}

static void
test_message(void **state)
{
	static const struct { long status; const char *body, *want; } cases[] = {
		{ 404, "{\"message\":\"No such image: x:1\"}",
		  "404 No such image: x:1" },
		{ 500, "{\"message\": 7}", "500 (no message)" },
		{ 500, "not json", "500 (no message)" },
		{ 409, "", "409 (no message)" },
	};
	struct http_response resp;
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		http_response_init(&resp);
		resp.status = cases[i].status;
		assert_int_equal(buf_append(&resp.body, cases[i].body,
		    strlen(cases[i].body)), 0);
		docker_api_message(&resp, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
		http_response_free(&resp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
