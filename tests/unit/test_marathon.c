/*
 * test_marathon.c — marathon/marathon.{c,h}.
 *
 * Part 1 (pure): the decoders against every Marathon fixture in
 * tests/fixtures/marathon/ (values asserted, not just "parsed"),
 * hostile JSON, the app id rule and URL building.
 *
 * Part 2 (client): the client against tests/marathon_standin.py, started
 * here with posix_spawn on an ephemeral loopback port (python3 is always
 * present) and stopped in the group teardown.  The stand-in's request log
 * shows what went on the wire.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/http.h"
#include "common/util.h"
#include "marathon/marathon.h"
#include "tests/lib/fixture.h"

extern char **environ;

/* --- fixture helpers -------------------------------------------------- */

/* tests/fixtures/marathon/<name>; the caller frees. */
static char *
fixture(const char *name, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "marathon/%s", name);
	return fixture_read(rel, len);
}

/* --- part 1: ids and URLs --------------------------------------------- */

static void
test_id_rule(void **state)
{
	static const struct { const char *id; int ok; } cases[] = {
		{ "/toggle", 1 },
		{ "toggle", 1 },
		{ "/minecraft/survival-world", 1 },
		{ "/tools/docker/registry", 1 },
		{ "/shop/web.v2", 1 },
		{ "/a", 1 },
		{ "/0", 1 },
		{ "/a-b-c/d1", 1 },
		{ "", 0 },
		{ "/", 0 },
		{ "//a", 0 },
		{ "/a//b", 0 },
		{ "/a/", 0 },
		{ "/Shop/web", 0 },
		{ "/shop_web", 0 },
		{ "/-web", 0 },
		{ "/web-", 0 },
		{ "/web.", 0 },
		{ "/.web", 0 },
		{ "/a..b", 0 },
		{ "/a/./b", 0 },
		{ "/a/../b", 0 },
		{ "/a b", 0 },
		{ "/a?b", 0 },
		{ "/a%2Fb", 0 },
		{ "/caf\xc3\xa9", 0 },
	};
	char err[256], longid[400];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int got = marathon_id_valid(cases[i].id, err, sizeof(err));
		if (got != cases[i].ok)
			fail_msg("id '%s': got %d want %d (%s)", cases[i].id, got,
			    cases[i].ok, err);
		if (!got)
			assert_int_not_equal(err[0], '\0');
	}
	assert_false(marathon_id_valid(NULL, err, sizeof(err)));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[0] = '/';
	longid[sizeof(longid) - 1] = '\0';
	assert_false(marathon_id_valid(longid, err, sizeof(err)));
	assert_non_null(strstr(err, "longer"));
	/* The message names the bad segment. */
	assert_false(marathon_id_valid("/shop/Web", err, sizeof(err)));
	assert_non_null(strstr(err, "'Web'"));
}

static void
test_app_url(void **state)
{
	static const struct {
		const char *base, *id, *suffix, *want;
	} cases[] = {
		{ "http://m:8080", "/minecraft/survival-world", NULL,
		  "http://m:8080/v2/apps/minecraft/survival-world" },
		{ "http://m:8080/", "shop/web", NULL,
		  "http://m:8080/v2/apps/shop/web" },
		{ "https://dcos.example/service/marathon//", "/a", "/versions",
		  "https://dcos.example/service/marathon/v2/apps/a/versions" },
		{ "http://m", "/a", "?force=true", "http://m/v2/apps/a?force=true" },
	};
	char out[512], small[20], canon[64], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(marathon_app_url(cases[i].base, cases[i].id,
		    cases[i].suffix, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(marathon_app_url("http://m", "/A", NULL, out,
	    sizeof(out)), -1);
	assert_int_equal(marathon_app_url("http://marathon:8080", "/shop/web",
	    NULL, small, sizeof(small)), -1);
	assert_int_equal(marathon_id_canonical("a/b", canon, sizeof(canon)), 0);
	assert_string_equal(canon, "/a/b");
	assert_int_equal(marathon_id_canonical("/a/b", canon, sizeof(canon)), 0);
	assert_string_equal(canon, "/a/b");
	assert_int_equal(marathon_id_canonical("/a/b", canon, 4), -1);
	/* One normalizer for rules, REST paths and deploy: a trailing '/'
	 * is dropped, everything else must be a valid id. */
	assert_int_equal(marathon_id_canonical("/a/b/", canon, sizeof(canon)),
	    0);
	assert_string_equal(canon, "/a/b");
	assert_int_equal(marathon_id_canonical("a/", canon, sizeof(canon)), 0);
	assert_string_equal(canon, "/a");
	assert_int_equal(marathon_id_canonical("/a//", canon, sizeof(canon)),
	    -1);
	assert_int_equal(marathon_id_canonical("//", canon, sizeof(canon)), -1);
	assert_int_equal(marathon_id_canonical("/", canon, sizeof(canon)), -1);
	assert_int_equal(marathon_id_normalize("/a/B", canon, sizeof(canon),
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "segment 'B'"));
}

/* --- part 1: fixtures --------------------------------------------------- */

static void
test_fixture_app_with_tasks(void **state)
{
	struct marathon_app app;
	char err[256];
	size_t len;
	char *body = fixture("v2_app_get_with_tasks.json", &len);

	(void)state;
	assert_int_equal(marathon_decode_app(body, len, &app, err, sizeof(err)),
	    MARATHON_OK);
	assert_string_equal(app.id, "/toggle");
	assert_int_equal(app.instances, 2);
	assert_int_equal(app.tasks_running, 2);
	assert_int_equal(app.tasks_healthy, 2);
	assert_int_equal(app.tasks_unhealthy, 0);
	assert_int_equal(app.tasks_staged, 0);
	assert_true(app.cpus > 0.199);
	assert_true(app.cpus < 0.201);
	assert_true(app.mem > 31.9);
	assert_true(app.mem < 32.1);
	assert_int_equal(app.has_health_checks, 1);
	assert_string_equal(app.version, "2014-09-12T23:28:21.737Z");
	assert_string_equal(app.config_version, "2014-09-11T02:26:01.135Z");
	assert_int_equal(app.n_deployments, 1);
	assert_string_equal(app.deployments[0],
	    "44c4ed48-ee53-4e0f-82dc-4df8b2a69057");
	assert_int_equal(app.n_tasks, 2);
	assert_string_equal(app.tasks[0].id,
	    "toggle.802df2ae-3ad4-11e4-a400-56847afe9799");
	assert_string_equal(app.tasks[0].host, "10.141.141.10");
	assert_string_equal(app.tasks[0].started_at, "2014-09-13T00:24:46.959Z");
	assert_string_equal(app.tasks[0].version, "2014-09-12T23:28:21.737Z");
	assert_string_equal(app.tasks[0].state, "");   /* the old doc has none */
	assert_int_equal(app.tasks[0].health, MARATHON_HEALTH_ALIVE);
	assert_string_equal(app.tasks[1].id,
	    "toggle.7c99814d-3ad4-11e4-a400-56847afe9799");
	marathon_app_free(&app);
	marathon_app_free(&app);        /* a freed app is zeroed: safe again */
	marathon_app_free(NULL);
	free(body);
}

static void
test_fixture_jsonc_refused(void **state)
{
	struct marathon_app app;
	char err[256];
	size_t len;
	char *body = fixture("v2_app_get_with_tasks.doc-with-comments.jsonc", &len);

	(void)state;
	assert_int_equal(marathon_decode_app(body, len, &app, err, sizeof(err)),
	    MARATHON_E_DECODE);
	assert_non_null(strstr(err, "not JSON"));
	marathon_app_free(&app);
	free(body);
}

static void
test_fixture_apps_list(void **state)
{
	struct marathon_app *apps;
	char err[256];
	size_t len, n;
	char *body = fixture("v2_apps_get.json", &len);

	(void)state;
	assert_int_equal(marathon_decode_apps(body, len, &apps, &n, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 1);
	assert_string_equal(apps[0].id, "/myapp");
	assert_int_equal(apps[0].instances, 3);
	assert_int_equal(apps[0].tasks_running, 0);
	assert_int_equal(apps[0].has_health_checks, 0);
	assert_int_equal(apps[0].n_tasks, 0);
	assert_null(apps[0].tasks);
	assert_int_equal(apps[0].n_deployments, 1);
	assert_string_equal(apps[0].deployments[0],
	    "9538079c-3898-4e32-aa31-799bf9097f74");
	assert_string_equal(apps[0].config_version, "2015-09-25T15:13:48.343Z");
	marathon_apps_free(apps, n);
	free(body);
}

/* The request-body example, wrapped the way GET returns a single app. */
static void
test_fixture_definition_wrapped(void **state)
{
	struct marathon_app app;
	struct buf b;
	char err[256];
	size_t len;
	char *def = fixture("v2_app_definition.json", &len);

	(void)state;
	buf_init(&b, 1u << 20);
	assert_int_equal(buf_printf(&b, "{\"app\": %s}", def), 0);
	assert_int_equal(marathon_decode_app(b.data, b.len, &app, err,
	    sizeof(err)), MARATHON_OK);
	assert_string_equal(app.id, "/foo");
	assert_int_equal(app.instances, 2);
	assert_int_equal(app.has_health_checks, 1);
	assert_int_equal(app.n_tasks, 0);
	assert_int_equal(app.n_deployments, 0);
	marathon_app_free(&app);
	/* Unwrapped, it is not the {"app": ...} shape. */
	assert_int_equal(marathon_decode_app(def, len, &app, err, sizeof(err)),
	    MARATHON_E_DECODE);
	assert_non_null(strstr(err, "\"app\""));
	marathon_app_free(&app);
	buf_free(&b);
	free(def);
}

/* Other documented bodies are not an app: the decoder must say so. */
static void
test_fixture_not_an_app(void **state)
{
	static const char *const names[] = {
		"v2_app_tasks_get.json", "v2_tasks_get.json", "v2_groups_get.json",
		"v2_info_get.json", "v2_deployments_get.json",
		"v2_deployment_result.json", "error_404_app_not_found.json",
		"v2_app_tasks_get_old_doc.json", "v2_app_task_delete_single.json",
	};
	struct marathon_app app;
	char err[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		char *body = fixture(names[i], &len);
		if (marathon_decode_app(body, len, &app, err, sizeof(err)) !=
		    MARATHON_E_DECODE)
			fail_msg("%s decoded as an app", names[i]);
		marathon_app_free(&app);
		free(body);
	}
}

static void
test_fixture_deployments(void **state)
{
	struct marathon_deployment *deps;
	char err[256];
	size_t len, n;
	char *body = fixture("v2_deployments_get.json", &len);

	(void)state;
	assert_int_equal(marathon_decode_deployments(body, len, &deps, &n, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 1);
	assert_string_equal(deps[0].id, "97c136bf-5a28-4821-9d94-480d9fbb01c8");
	assert_string_equal(deps[0].version, "2015-09-30T09:09:17.614Z");
	assert_int_equal(deps[0].n_apps, 1);
	assert_string_equal(deps[0].apps[0], "/foo");
	assert_int_equal(deps[0].current_step, 1);
	assert_int_equal(deps[0].total_steps, 1);
	assert_string_equal(deps[0].action, "ScaleApplication");
	assert_true(marathon_deployment_affects(&deps[0], "/foo"));
	assert_true(marathon_deployment_affects(&deps[0], "foo"));
	assert_false(marathon_deployment_affects(&deps[0], "/bla"));
	free(deps);
	free(body);

	body = fixture("v2_deployments_get_old_doc.json", &len);
	assert_int_equal(marathon_decode_deployments(body, len, &deps, &n, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 1);
	assert_string_equal(deps[0].id, "2e72dbf1-2b2a-4204-b628-e8bd160945dd");
	assert_int_equal(deps[0].n_apps, 3);
	assert_string_equal(deps[0].apps[2], "/test/frontend/app1");
	assert_int_equal(deps[0].current_step, 2);
	assert_int_equal(deps[0].total_steps, 9);
	assert_string_equal(deps[0].action, "RestartApplication");
	assert_true(marathon_deployment_affects(&deps[0], "/test/db/mongo1"));
	assert_false(marathon_deployment_affects(&deps[0], "/test/db"));
	free(deps);
	free(body);
}

static void
test_fixture_deployment_results(void **state)
{
	static const struct { const char *file, *id, *version; } cases[] = {
		{ "v2_deployment_result.json",
		  "5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43", "2015-09-29T15:59:51.164Z" },
		{ "v2_app_put_response.json",
		  "83b215a6-4e26-4e44-9333-5c385eda6438", "2014-08-26T07:37:50.462Z" },
		{ "v2_deployment_delete_response.json",
		  "0b1467fc-d5cd-4bbc-bac2-2805351cee1e", "2014-08-26T08:20:26.171Z" },
	};
	struct marathon_status st;
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		char *body = fixture(cases[i].file, &len);
		memset(&st, 0, sizeof(st));
		assert_int_equal(marathon_decode_deployment_result(body, len, &st),
		    MARATHON_OK);
		assert_string_equal(st.deployment_id, cases[i].id);
		assert_string_equal(st.version, cases[i].version);
		free(body);
	}
	memset(&st, 0, sizeof(st));
	assert_int_equal(marathon_decode_deployment_result("{\"version\":\"x\"}",
	    15, &st), MARATHON_E_DECODE);
	assert_non_null(strstr(st.message, "deploymentId"));
}

static void
test_fixture_errors(void **state)
{
	static const struct {
		const char *file;
		long status;
		enum marathon_result want;
		const char *message;     /* exact */
		const char *deployment;  /* first id, or NULL for none */
	} cases[] = {
		{ "error_401_unauthorized.json", 401, MARATHON_E_UNAUTHORIZED,
		  "Invalid username or password.", NULL },
		{ "error_403_forbidden.json", 403, MARATHON_E_FORBIDDEN,
		  "Not Authorized to perform this action!", NULL },
		{ "error_404_app_not_found.json", 404, MARATHON_E_NOT_FOUND,
		  "App '/not_existent' does not exist", NULL },
		{ "error_404_deployment_not_found.json", 404, MARATHON_E_NOT_FOUND,
		  "DeploymentPlan unknown_deployment does not exist", NULL },
		{ "error_409_app_exists.json", 409, MARATHON_E_CONFLICT,
		  "An app with id [/existing_app] already exists.", NULL },
		{ "error_409_app_locked.json", 409, MARATHON_E_LOCKED,
		  "App is locked by one or more deployments. Override with the "
		  "option '?force=true'. View details at "
		  "'/v2/deployments/<DEPLOYMENT_ID>'.",
		  "5cd987cd-85ae-4e70-8df7-f1438367d9cb" },
		{ "error_409_app_locked_raml.json", 409, MARATHON_E_LOCKED,
		  "App is locked by one or more deployments. Override with the "
		  "option '?force=true'. View details at "
		  "'/v2/deployments/<DEPLOYMENT_ID>'.",
		  "97c136bf-5a28-4821-9d94-480d9fbb01c8" },
		{ "error_409_apps_patch_locked.json", 409, MARATHON_E_CONFLICT,
		  "App is locked by one or more deployments.", NULL },
		{ "error_422_object_not_valid.json", 422, MARATHON_E_INVALID,
		  "Object is not valid; /upgradeStrategy/minimumHealthCapacity: "
		  "is greater than 1", NULL },
		{ "error_400_invalid_json.json", 400, MARATHON_E_INVALID,
		  "Invalid JSON; /id: error.expected.jsstring", NULL },
		{ "ping_response.txt", 503, MARATHON_E_SERVER, "pong", NULL },
		{ "ping_response.txt", 502, MARATHON_E_SERVER, "pong", NULL },
	};
	struct marathon_status st;
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		char *body = fixture(cases[i].file, &len);
		enum marathon_result r;

		memset(&st, 0xa5, sizeof(st));
		r = marathon_decode_error(cases[i].status, body, len, &st);
		if (r != cases[i].want)
			fail_msg("%s: result %s", cases[i].file, marathon_strerror(r));
		assert_int_equal(st.status, cases[i].status);
		assert_string_equal(st.message, cases[i].message);
		if (cases[i].deployment != NULL) {
			assert_int_equal(st.n_deployments, 1);
			assert_string_equal(st.deployments[0], cases[i].deployment);
		} else
			assert_int_equal(st.n_deployments, 0);
		free(body);
	}
	/* No body at all, and an HTML page from a proxy. */
	assert_int_equal(marathon_decode_error(500, NULL, 0, &st),
	    MARATHON_E_SERVER);
	assert_string_equal(st.message, "");
	assert_int_equal(marathon_decode_error(502,
	    "<html>\r\n<b>Bad \x01gateway</b>", 29, &st), MARATHON_E_SERVER);
	assert_string_equal(st.message, "<html>");
	assert_int_equal(marathon_decode_error(418, "{}", 2, &st),
	    MARATHON_E_SERVER);
}

static void
test_versions(void **state)
{
	char (*v)[MARATHON_VERSION_MAX];
	char err[256];
	size_t n;
	const char *ok = "{\"versions\": [\"2014-03-01T23:42:20.938Z\", "
	    "\"2014-03-01T23:29:55.982Z\"]}";

	(void)state;
	assert_int_equal(marathon_decode_versions(ok, strlen(ok), &v, &n, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "2014-03-01T23:42:20.938Z");
	assert_string_equal(v[1], "2014-03-01T23:29:55.982Z");
	free(v);
	assert_int_equal(marathon_decode_versions("{\"versions\": []}", 16, &v,
	    &n, err, sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(marathon_decode_versions("{\"versions\": [1]}", 17, &v,
	    &n, err, sizeof(err)), MARATHON_E_DECODE);
	assert_null(v);
	assert_int_equal(marathon_decode_versions("[]", 2, &v, &n, err,
	    sizeof(err)), MARATHON_E_DECODE);
}

/* --- part 1: hostile input -------------------------------------------- */

static void
test_hostile_app(void **state)
{
	static const struct { const char *json; enum marathon_result want;
	    const char *err; } cases[] = {
		{ "", MARATHON_E_DECODE, "empty" },
		{ "null", MARATHON_E_DECODE, "\"app\"" },
		{ "[]", MARATHON_E_DECODE, "\"app\"" },
		{ "{}", MARATHON_E_DECODE, "\"app\"" },
		{ "{\"app\": null}", MARATHON_E_DECODE, "\"app\"" },
		{ "{\"app\": []}", MARATHON_E_DECODE, "\"app\"" },
		{ "{\"app\": {\"instances\": 1}}", MARATHON_E_DECODE, "\"id\"" },
		{ "{\"app\": {\"id\": 5, \"instances\": 1}}", MARATHON_E_DECODE, "\"id\"" },
		{ "{\"app\": {\"id\": \"/a\"}}", MARATHON_E_DECODE, "instances" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": -1}}", MARATHON_E_DECODE, "instances" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1.5}}", MARATHON_E_DECODE, "instances" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1e300}}", MARATHON_E_DECODE, "instances" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": \"2\"}}", MARATHON_E_DECODE, "instances" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasksRunning\": true}}",
		  MARATHON_E_DECODE, "tasksRunning" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasks\": {}}}",
		  MARATHON_E_DECODE, "tasks" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasks\": [{}]}}",
		  MARATHON_E_DECODE, "tasks[0]" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasks\": [{\"id\": \"t\"}, 7]}}",
		  MARATHON_E_DECODE, "tasks[1]" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasks\": [{\"id\": \"t\", \"host\": []}]}}",
		  MARATHON_E_DECODE, "host" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"deployments\": [1]}}",
		  MARATHON_E_DECODE, "deployments[0]" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"deployments\": {}}}",
		  MARATHON_E_DECODE, "deployments" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1}} trailing", MARATHON_E_DECODE, "not JSON" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1", MARATHON_E_DECODE, "not JSON" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 1, \"tasks\": null, "
		  "\"deployments\": null, \"versionInfo\": 3, \"healthChecks\": 1}}",
		  MARATHON_OK, "" },
		{ "{\"app\": {\"id\": \"/a\", \"instances\": 0, \"tasks\": [{\"id\": \"a.1\", "
		  "\"healthCheckResults\": [{\"alive\": true}, {\"alive\": \"yes\"}]}]}}",
		  MARATHON_OK, "" },
	};
	struct marathon_app app;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		enum marathon_result r;

		err[0] = '\0';
		r = marathon_decode_app(cases[i].json, strlen(cases[i].json), &app,
		    err, sizeof(err));
		if (r != cases[i].want || strstr(err, cases[i].err) == NULL)
			fail_msg("case %zu (%s): %s, err '%s'", i, cases[i].json,
			    marathon_strerror(r), err);
		if (r == MARATHON_OK && app.n_tasks == 1)
			/* "alive": "yes" is not true: failing, not alive. */
			assert_int_equal(app.tasks[0].health,
			    MARATHON_HEALTH_FAILING);
		marathon_app_free(&app);
	}
}

static void
test_hostile_sizes(void **state)
{
	struct marathon_app app, *apps;
	struct marathon_deployment *deps;
	struct buf b;
	char err[256];
	size_t n;
	int i;

	(void)state;
	buf_init(&b, 4u << 20);
	/* An id longer than MARATHON_ID_MAX is refused, not cut. */
	assert_int_equal(buf_puts(&b, "{\"app\": {\"instances\": 1, \"id\": \"/"), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(buf_putc(&b, 'a'), 0);
	assert_int_equal(buf_puts(&b, "\"}}"), 0);
	assert_int_equal(marathon_decode_app(b.data, b.len, &app, err,
	    sizeof(err)), MARATHON_E_DECODE);
	assert_non_null(strstr(err, "too long"));
	marathon_app_free(&app);

	/* More deployments than we keep: the first 16 are kept. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "{\"app\": {\"id\": \"/a\", \"instances\": 1, "
	    "\"deployments\": ["), 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(buf_printf(&b, "%s{\"id\": \"d%d\"}", i ? "," : "",
		    i), 0);
	assert_int_equal(buf_puts(&b, "]}}"), 0);
	assert_int_equal(marathon_decode_app(b.data, b.len, &app, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(app.n_deployments, MARATHON_DEPLOYMENTS_MAX);
	assert_string_equal(app.deployments[15], "d15");
	marathon_app_free(&app);

	/* Nesting deeper than cJSON's limit fails cleanly. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "{\"app\": "), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_putc(&b, '['), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_putc(&b, ']'), 0);
	assert_int_equal(buf_putc(&b, '}'), 0);
	assert_int_equal(marathon_decode_app(b.data, b.len, &app, err,
	    sizeof(err)), MARATHON_E_DECODE);
	marathon_app_free(&app);

	/* Too many tasks. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "{\"app\": {\"id\": \"/a\", \"instances\": 1, "
	    "\"tasks\": ["), 0);
	for (i = 0; i <= MARATHON_TASKS_MAX; i++)
		assert_int_equal(buf_printf(&b, "%s{\"id\":\"t\"}", i ? "," : ""), 0);
	assert_int_equal(buf_puts(&b, "]}}"), 0);
	assert_int_equal(marathon_decode_app(b.data, b.len, &app, err,
	    sizeof(err)), MARATHON_E_DECODE);
	assert_non_null(strstr(err, "tasks"));
	marathon_app_free(&app);

	/* A bad app in a list frees the good ones before it. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "{\"apps\": [{\"id\": \"/a\", \"instances\": 1, "
	    "\"tasks\": [{\"id\": \"a.1\"}]}, {\"id\": \"/b\"}]}"), 0);
	assert_int_equal(marathon_decode_apps(b.data, b.len, &apps, &n, err,
	    sizeof(err)), MARATHON_E_DECODE);
	assert_null(apps);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "apps[1]"));

	/* Deployments: a bad entry, and a non-array. */
	assert_int_equal(marathon_decode_deployments("[{\"id\": 1}]", 11, &deps,
	    &n, err, sizeof(err)), MARATHON_E_DECODE);
	assert_null(deps);
	assert_int_equal(marathon_decode_deployments("{}", 2, &deps, &n, err,
	    sizeof(err)), MARATHON_E_DECODE);
	assert_int_equal(marathon_decode_deployments("[]", 2, &deps, &n, err,
	    sizeof(err)), MARATHON_OK);
	assert_int_equal(n, 0);
	buf_free(&b);
}

static void
test_strerror(void **state)
{
	int r;

	(void)state;
	for (r = MARATHON_OK; r <= MARATHON_E_CONFIG; r++)
		assert_string_not_equal(marathon_strerror(r), "unknown error");
	assert_string_equal(marathon_strerror((enum marathon_result)999),
	    "unknown error");
}

/* --- part 2: the client against the stand-in ---------------------------- */

struct standin {
	pid_t pid;
	char  dir[64];
	char  base[64];
	char  pwfile[128], badpwfile[128], tokfile[128];
};

static struct standin S;

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	/* Credential files must be private (common/secret.h). */
	assert_int_equal(chmod(path, 0600), 0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
standin_start(void **state)
{
	char portfile[128], port[32] = "";
	char *argv[] = { "python3", "tests/marathon_standin.py", "--port", "0",
		"--port-file", portfile, "--user", "ops", "--password", "s3cret",
		"--forbidden-user", "guest", "--forbidden-password", "guest",
		"--token", "tok123", "--deploy-delay", "0.2", NULL };
	posix_spawn_file_actions_t fa;
	int i, rc;

	(void)state;
	memset(&S, 0, sizeof(S));
	str_copy_trunc(S.dir, "/tmp/hoist-marathon.XXXXXX", sizeof(S.dir));
	if (mkdtemp(S.dir) == NULL)
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", S.dir);
	snprintf(S.pwfile, sizeof(S.pwfile), "%s/pw", S.dir);
	snprintf(S.badpwfile, sizeof(S.badpwfile), "%s/badpw", S.dir);
	snprintf(S.tokfile, sizeof(S.tokfile), "%s/token", S.dir);
	write_text(S.pwfile, "s3cret\n");
	write_text(S.badpwfile, "wrong\n");
	write_text(S.tokfile, "tok123\n");
	/* Its stdout (the port, once more) would clutter the test output. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&S.pid, "python3", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	for (i = 0; i < 100; i++) {
		if (read_small(portfile, port, sizeof(port)) > 0)
			break;
		sleep_ms(50);
	}
	str_rtrim(port);
	if (port[0] == '\0')
		return -1;
	snprintf(S.base, sizeof(S.base), "http://127.0.0.1:%s", port);
	return http_global_init();
}

static int
standin_stop(void **state)
{
	char path[160];
	int st;

	(void)state;
	if (S.pid > 0) {
		kill(S.pid, SIGTERM);
		waitpid(S.pid, &st, 0);
	}
	snprintf(path, sizeof(path), "%s/port", S.dir);
	unlink(path);
	unlink(S.pwfile);
	unlink(S.badpwfile);
	unlink(S.tokfile);
	rmdir(S.dir);
	http_global_cleanup();
	return 0;
}

/* One exchange with the stand-in's control API; returns the parsed body. */
static cJSON *
control(const char *method, const char *path, const char *body)
{
	struct http_client *c = http_client_new();
	struct http_request req;
	struct http_response resp;
	char url[256];
	cJSON *j = NULL;

	snprintf(url, sizeof(url), "%s%s", S.base, path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	http_response_init(&resp);
	assert_int_equal(http_do(c, &req, &resp), HTTP_OK);
	if (resp.body.len > 0)
		j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	http_response_free(&resp);
	http_client_free(c);
	return j;
}

static int
request_count(void)
{
	cJSON *log = control("GET", "/_standin/requests", NULL);
	int n = cJSON_GetArraySize(log);

	cJSON_Delete(log);
	return n;
}

static struct marathon *
client(const char *user, const char *pwfile, const char *tokfile)
{
	struct marathon_options o;
	struct marathon *m;
	char err[256];

	memset(&o, 0, sizeof(o));
	o.url = S.base;
	o.user = user;
	o.password_file = pwfile;
	o.token_file = tokfile;
	o.timeout_ms = 5000;
	m = marathon_new(&o, err, sizeof(err));
	if (m == NULL)
		fail_msg("marathon_new: %s", err);
	return m;
}

static const char DEF[] =
	"{\"id\": \"/shop/web\", \"instances\": 2, \"cmd\": \"sleep 100\", "
	"\"cpus\": 0.1, \"mem\": 32, \"healthChecks\": [{\"protocol\": "
	"\"COMMAND\", \"command\": {\"value\": \"true\"}}]}";

static void
wait_idle(struct marathon *m, const char *id, struct marathon_app *app)
{
	struct marathon_status st;
	int i;

	for (i = 0; i < 100; i++) {
		assert_int_equal(marathon_get_app(m, id, app, &st), MARATHON_OK);
		if (app->n_deployments == 0)
			return;
		marathon_app_free(app);
		sleep_ms(50);
	}
	fail_msg("deployment of %s did not end", id);
}

/* The bulk read's callback: count the apps, remember /fleet/b. */
struct bulk_seen {
	int  apps, tasks_b, deps_b;
	int  other;      /* apps outside /fleet/ */
};

static int
bulk_app(const struct marathon_app *a, void *ud)
{
	struct bulk_seen *s = ud;

	s->apps++;
	if (strncmp(a->id, "/fleet/", 7) != 0)
		s->other++;
	if (strcmp(a->id, "/fleet/b") == 0) {
		s->tasks_b = (int)a->n_tasks;
		s->deps_b = a->n_deployments;
	}
	return 0;
}

/*
 * The fleet rounds' calls against the stand-in: the streamed bulk read
 * with the id filter (tasks and deployments embedded), a cap it passes
 * (MARATHON_E_DECODE naming it), and the scale requests sent at once:
 * two scaled, one locked (409 with the deployment), one bad id never sent.
 */
static void
test_client_bulk(void **state)
{
	struct marathon *m = client(NULL, NULL, S.tokfile);
	struct marathon_bulk b;
	struct marathon_status st, ms[4];
	enum marathon_result res[4];
	struct bulk_seen seen;
	const char *ids[4] = { "/fleet/a", "/fleet/b", "/fleet/c", "/Bad" };
	long inst[4] = { 3, 1, 4, 1 };
	cJSON *j;
	char *text;
	int n0;

	(void)state;
	cJSON_Delete(control("POST", "/_standin/seed", "{\"app\": {\"id\": "
	    "\"/fleet/a\", \"instances\": 1, \"cmd\": \"sleep 1\"}}"));
	cJSON_Delete(control("POST", "/_standin/seed", "{\"app\": {\"id\": "
	    "\"/fleet/b\", \"instances\": 2, \"cmd\": \"sleep 1\"}, "
	    "\"locked\": true}"));
	cJSON_Delete(control("POST", "/_standin/seed", "{\"app\": {\"id\": "
	    "\"/fleet/c\", \"instances\": 1, \"cmd\": \"sleep 1\"}}"));
	cJSON_Delete(control("POST", "/_standin/seed", "{\"app\": {\"id\": "
	    "\"/elsewhere\", \"instances\": 1, \"cmd\": \"sleep 1\"}}"));
	memset(&seen, 0, sizeof(seen));
	marathon_bulk_init(&b, 1 << 20, bulk_app, &seen);
	assert_int_equal(marathon_list_apps_bulk(m, "/fleet/", &b, &st),
	    MARATHON_OK);
	marathon_bulk_free(&b);
	assert_int_equal(seen.apps, 3);
	assert_int_equal(seen.other, 0);
	assert_int_equal(seen.tasks_b, 2);
	assert_int_equal(seen.deps_b, 1);
	/* Over the cap: refused with the reason, not a transport error. */
	memset(&seen, 0, sizeof(seen));
	marathon_bulk_init(&b, 64, bulk_app, &seen);
	assert_int_equal(marathon_list_apps_bulk(m, NULL, &b, &st),
	    MARATHON_E_DECODE);
	assert_non_null(strstr(st.message, "over 64 bytes"));
	marathon_bulk_free(&b);
	/* A filter that is not part of an app id is never sent. */
	marathon_bulk_init(&b, 1 << 20, bulk_app, &seen);
	n0 = request_count();
	assert_int_equal(marathon_list_apps_bulk(m, "/a&b=c", &b, &st),
	    MARATHON_E_BAD_ID);
	assert_int_equal(request_count(), n0);
	marathon_bulk_free(&b);
	/* Scale requests at once. */
	marathon_scale_many(m, 4, ids, inst, 4, res, ms);
	assert_int_equal(res[0], MARATHON_OK);
	assert_true(ms[0].deployment_id[0] != '\0');
	assert_int_equal(res[1], MARATHON_E_LOCKED);
	assert_int_equal(ms[1].status, 409);
	assert_int_equal(ms[1].n_deployments, 1);
	assert_int_equal(res[2], MARATHON_OK);
	assert_int_equal(res[3], MARATHON_E_BAD_ID);
	assert_int_equal(request_count(), n0 + 3);
	j = control("GET", "/_standin/requests", NULL);
	text = cJSON_PrintUnformatted(j);
	assert_non_null(text);
	assert_null(strstr(text, "force"));
	free(text);
	cJSON_Delete(j);
	marathon_free(m);
}

static void
test_client_deploy_scale(void **state)
{
	struct marathon *m = client("ops", S.pwfile, NULL);
	struct marathon_status st;
	struct marathon_deployment *deps;
	struct marathon_app app;
	char (*versions)[MARATHON_VERSION_MAX];
	char first_dep[MARATHON_DEPLOYMENT_MAX], *json;
	size_t n, i, len;
	cJSON *log, *e;

	(void)state;
	control("DELETE", "/_standin/requests", NULL);
	assert_int_equal(marathon_get_app(m, "/shop/web", &app, &st),
	    MARATHON_E_NOT_FOUND);
	assert_int_equal(st.status, 404);
	assert_string_equal(st.message, "App '/shop/web' does not exist");
	marathon_app_free(&app);

	/* Create with a full definition, then scale while it deploys. */
	assert_int_equal(marathon_put_app(m, "shop/web", DEF, strlen(DEF), 0,
	    &st), MARATHON_OK);
	assert_int_equal(st.status, 201);
	assert_int_equal(strlen(st.deployment_id), 36);
	assert_int_equal(strlen(st.version), 24);
	str_copy_trunc(first_dep, st.deployment_id, sizeof(first_dep));
	assert_int_equal(marathon_list_deployments(m, &deps, &n, &st),
	    MARATHON_OK);
	assert_int_equal(n, 1);
	assert_string_equal(deps[0].id, first_dep);
	assert_true(marathon_deployment_affects(&deps[0], "/shop/web"));
	free(deps);
	assert_int_equal(marathon_scale(m, "/shop/web", 3, &st),
	    MARATHON_E_LOCKED);
	assert_int_equal(st.status, 409);
	assert_int_equal(st.n_deployments, 1);
	assert_string_equal(st.deployments[0], first_dep);
	assert_non_null(strstr(st.message, "locked"));

	/* After the deployment: two healthy running tasks on 127.0.0.1. */
	wait_idle(m, "/shop/web", &app);
	assert_string_equal(app.id, "/shop/web");
	assert_int_equal(app.instances, 2);
	assert_int_equal(app.tasks_running, 2);
	assert_int_equal(app.tasks_healthy, 2);
	assert_int_equal(app.n_tasks, 2);
	for (i = 0; i < app.n_tasks; i++) {
		assert_memory_equal(app.tasks[i].id, "shop_web.", 9);
		assert_string_equal(app.tasks[i].host, "127.0.0.1");
		assert_string_equal(app.tasks[i].state, "TASK_RUNNING");
		assert_string_equal(app.tasks[i].version, app.config_version);
		assert_int_equal(app.tasks[i].health, MARATHON_HEALTH_ALIVE);
	}
	marathon_app_free(&app);

	assert_int_equal(marathon_scale(m, "/shop/web", 3, &st), MARATHON_OK);
	assert_int_equal(st.status, 200);
	wait_idle(m, "/shop/web", &app);
	assert_int_equal(app.instances, 3);
	assert_int_equal(app.n_tasks, 3);
	marathon_app_free(&app);

	/* Versions: newest first; the older one has 2 instances. */
	assert_int_equal(marathon_get_versions(m, "/shop/web", &versions, &n,
	    &st), MARATHON_OK);
	assert_int_equal(n, 2);
	assert_int_equal(marathon_get_version(m, "/shop/web", versions[1], &json,
	    &len, &st), MARATHON_OK);
	assert_non_null(strstr(json, "\"instances\": 2"));
	free(json);
	assert_int_equal(marathon_get_version(m, "/shop/web", "no/such", &json,
	    &len, &st), MARATHON_E_BAD_ID);
	free(versions);

	/* On the wire: basic auth on every request, JSON bodies, the exact
	 * scale body, and never force=true. */
	log = control("GET", "/_standin/requests", NULL);
	assert_true(cJSON_GetArraySize(log) >= 8);
	n = 0;
	cJSON_ArrayForEach(e, log) {
		const char *method = cJSON_GetObjectItem(e, "method")->valuestring;
		const char *query = cJSON_GetObjectItem(e, "query")->valuestring;
		const cJSON *auth = cJSON_GetObjectItem(e, "auth");

		assert_true(cJSON_IsString(auth));
		assert_string_equal(auth->valuestring, "basic:ops");
		assert_null(strstr(query, "force"));
		if (strcmp(method, "PUT") == 0) {
			assert_string_equal(cJSON_GetObjectItem(e,
			    "content_type")->valuestring, "application/json");
			assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring,
			    "/v2/apps/shop/web");
			if (n > 0)
				assert_string_equal(cJSON_GetObjectItem(e,
				    "body")->valuestring, "{\"instances\": 3}");
			n++;
		}
	}
	assert_int_equal(n, 3);     /* create, locked scale, scale */
	cJSON_Delete(log);
	marathon_free(m);
}

static const char BAD_DEF[] = "{\"instances\": -1, \"cmd\": \"x\"}";

static void
test_client_errors(void **state)
{
	struct marathon *m;
	struct marathon_options o;
	struct marathon_status st;
	struct marathon_app app;
	char err[256];
	int before;

	(void)state;
	m = client("ops", S.badpwfile, NULL);
	assert_int_equal(marathon_scale(m, "/shop/web", 1, &st),
	    MARATHON_E_UNAUTHORIZED);
	assert_int_equal(st.status, 401);
	assert_string_equal(st.message, "Invalid username or password.");
	marathon_free(m);

	m = client("guest", S.badpwfile, NULL);
	write_text(S.badpwfile, "guest\n");
	marathon_free(m);
	m = client("guest", S.badpwfile, NULL);
	assert_int_equal(marathon_scale(m, "/shop/web", 1, &st),
	    MARATHON_E_FORBIDDEN);
	assert_string_equal(st.message, "Not Authorized to perform this action!");
	marathon_free(m);
	write_text(S.badpwfile, "wrong\n");

	/* DC/OS token auth. */
	m = client(NULL, NULL, S.tokfile);
	assert_int_equal(marathon_ping(m, &st), MARATHON_OK);
	assert_int_equal(marathon_get_app(m, "/nope", &app, &st),
	    MARATHON_E_NOT_FOUND);
	marathon_app_free(&app);
	/* 422 with the path, and an invalid id that is never sent. */
	assert_int_equal(marathon_put_app(m, "/bad", BAD_DEF, strlen(BAD_DEF), 0,
	    &st), MARATHON_E_INVALID);
	assert_int_equal(st.status, 422);
	assert_string_equal(st.message, "Object is not valid; /instances: got -1, "
	    "expected 0 or more");
	before = request_count();
	assert_int_equal(marathon_scale(m, "/Shop/Web", 1, &st),
	    MARATHON_E_BAD_ID);
	assert_non_null(strstr(st.message, "'Shop'"));
	assert_int_equal(marathon_scale(m, "/shop/web", -1, &st),
	    MARATHON_E_INVALID);
	assert_int_equal(request_count(), before);
	/* An injected 503 keeps Marathon's words. */
	cJSON_Delete(control("POST", "/_standin/fail", "{\"status\": 503, "
	    "\"body\": {\"message\": \"leader election\"}}"));
	assert_int_equal(marathon_scale(m, "/shop/web", 1, &st),
	    MARATHON_E_SERVER);
	assert_int_equal(st.status, 503);
	assert_string_equal(st.message, "leader election");
	marathon_free(m);

	/* Configuration mistakes. */
	memset(&o, 0, sizeof(o));
	o.url = "ftp://x";
	assert_null(marathon_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "http://"));
	o.url = S.base;
	o.user = "ops";
	assert_null(marathon_new(&o, err, sizeof(err)));
	o.password_file = "/nonexistent/pw";
	assert_null(marathon_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/pw"));
	o.password_file = S.pwfile;
	o.token_file = S.tokfile;
	assert_null(marathon_new(&o, err, sizeof(err)));
	marathon_free(NULL);
}

static void
test_client_transport(void **state)
{
	struct marathon_options o;
	struct marathon_status st;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct marathon *m;
	char url[64], err[256];
	int fd;

	(void)state;
	/* A port that was just free: nothing listens there. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.timeout_ms = 2000;
	m = marathon_new(&o, err, sizeof(err));
	assert_non_null(m);
	url[strlen(url) - 1] = '\0';
	assert_string_equal(marathon_url(m), url);   /* trailing '/' dropped */
	assert_int_equal(marathon_scale(m, "/a", 1, &st), MARATHON_E_TRANSPORT);
	assert_int_equal(st.status, 0);
	assert_non_null(strstr(st.message, "/v2/apps/a"));
	marathon_free(m);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_id_rule),
		cmocka_unit_test(test_app_url),
		cmocka_unit_test(test_fixture_app_with_tasks),
		cmocka_unit_test(test_fixture_jsonc_refused),
		cmocka_unit_test(test_fixture_apps_list),
		cmocka_unit_test(test_fixture_definition_wrapped),
		cmocka_unit_test(test_fixture_not_an_app),
		cmocka_unit_test(test_fixture_deployments),
		cmocka_unit_test(test_fixture_deployment_results),
		cmocka_unit_test(test_fixture_errors),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_hostile_app),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_strerror),
	};
	const struct CMUnitTest client_tests[] = {
		cmocka_unit_test(test_client_deploy_scale),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_client_transport),
		cmocka_unit_test(test_client_bulk),
	};
	int failed;

	failed = cmocka_run_group_tests_name("marathon_decode", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("marathon_client", client_tests,
	    standin_start, standin_stop);
	return failed != 0;
}
