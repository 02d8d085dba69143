/*
 * test_rest.c — the REST API on 127.0.0.1 (an ephemeral port): status
 * codes, error bodies naming the field, nested app ids in the path,
 * 401 without the token, 404/405/413, decisions newest first, metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "tests/lib/fixture.h"
#include "tests/lib/rmtree.h"
#include "common/http.h"
#include "scaler/rest.h"
#include "scaler/zkha.h"

#define TOKEN "s3cret-token"

struct fx {
	char                dir[64];
	struct state       *st;
	struct decisions   *dec;
	struct scaler_stats stats;
	struct rest         *api;
	struct http_client *http;
	char                base[64];
	struct zkha        *zk;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rest_config cfg;
	char err[512];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hoist-test-rest.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->st = state_open(f->dir, err, sizeof(err));
	f->dec = decisions_new(8);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1:0";
	cfg.token = TOKEN;
	cfg.state = f->st;
	cfg.decisions = f->dec;
	cfg.stats = &f->stats;
	f->api = rest_start(&cfg, err, sizeof(err));
	if (f->st == NULL || f->dec == NULL || f->api == NULL) {
		print_error("setup: %s\n", err);
		return -1;
	}
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d",
	    rest_port(f->api));
	f->http = http_client_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	rest_stop(f->api);
	http_client_free(f->http);
	decisions_free(f->dec);
	state_close(f->st);
	rmtree(f->dir);
	free(f);
	return 0;
}

/* One request; returns the status, body left in resp. */
static long
req(struct fx *f, const char *method, const char *path, const char *body,
    int auth, struct http_response *resp)
{
	struct http_request rq;
	char url[512];

	memset(&rq, 0, sizeof(rq));
	snprintf(url, sizeof(url), "%s%s", f->base, path);
	rq.method = method;
	rq.url = url;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	rq.headers[0] = "Content-Type: application/json";
	if (auth)
		rq.headers[1] = "Authorization: Bearer " TOKEN;
	assert_int_equal(http_do(f->http, &rq, resp), HTTP_OK);
	return resp->status;
}

/* Status and, when given, the "field" of the JSON error body. */
static void
expect(struct fx *f, const char *method, const char *path,
    const char *body, long status, const char *field, const char *msg)
{
	struct http_response r;
	long got;

	http_response_init(&r);
	got = req(f, method, path, body, 1, &r);
	if (got != status || (field && strstr(r.body.data ? r.body.data : "",
	    field) == NULL) || (msg && strstr(r.body.data ? r.body.data :
	    "", msg) == NULL)) {
		print_error("%s %s: got %ld %s, want %ld field %s msg %s\n",
		    method, path, got, r.body.data ? r.body.data : "",
		    status, field ? field : "-", msg ? msg : "-");
		http_response_free(&r);
		fail();
	}
	http_response_free(&r);
}

#define RULE(id) "{\"app_id\":\"" id "\",\"min_instances\":1," \
	"\"max_instances\":5,\"cpu\":{\"above\":80,\"below\":20}}"

static void
test_rules_crud(void **state)
{
	struct fx *f = *state;
	struct http_response r;

	expect(f, "POST", "/v1/rules", RULE("/shop/web"), 201, NULL,
	    "\"app_id\":\"/shop/web\"");
	expect(f, "POST", "/v1/rules", RULE("/shop/web"), 409,
	    "\"field\":\"app_id\"", "exists");
	expect(f, "PUT", "/v1/rules/shop/web", RULE("/shop/web"), 200, NULL,
	    "\"confirm_cycles\":2");
	expect(f, "PUT", "/v1/rules/shop/api",
	    "{\"min_instances\":2,\"max_instances\":3,\"mode\":\"target\","
	    "\"cpu\":{\"target\":60}}", 201, NULL, "\"app_id\":\"/shop/api\"");
	expect(f, "GET", "/v1/rules/shop/web", NULL, 200, NULL,
	    "\"max_instances\":5");
	expect(f, "GET", "/v1/rules", NULL, 200, NULL,
	    "{\"rules\":[{\"app_id\":\"/shop/api\"");
	expect(f, "DELETE", "/v1/rules/shop/api", NULL, 204, NULL, NULL);
	expect(f, "DELETE", "/v1/rules/shop/api", NULL, 404, NULL,
	    "no rule for /shop/api");
	expect(f, "GET", "/v1/rules/shop/api", NULL, 404, NULL, NULL);
	assert_int_equal(state_count(f->st), 1);
	/* Validation errors name the field. */
	expect(f, "PUT", "/v1/rules/shop/web",
	    "{\"min_instances\":5,\"max_instances\":2,"
	    "\"cpu\":{\"above\":80,\"below\":20}}", 400,
	    "\"field\":\"max_instances\"", "at least min_instances");
	expect(f, "PUT", "/v1/rules/shop/web", "{\"min_instances\":1,", 400,
	    "\"field\":null", "invalid JSON at line 1");
	expect(f, "PUT", "/v1/rules/shop/other", RULE("/shop/web"), 400,
	    "\"field\":\"app_id\"", "differs");
	expect(f, "GET", "/v1/rules/Shop", NULL, 400, "\"field\":\"app_id\"",
	    NULL);
	expect(f, "PATCH", "/v1/rules/shop/web", "{}", 405, NULL, NULL);
	expect(f, "DELETE", "/v1/rules", NULL, 405, NULL, NULL);
	expect(f, "GET", "/v2/nothing", NULL, 404, NULL, "no such endpoint");
	expect(f, "GET", "/v1/nothing", NULL, 404, NULL, NULL);
	/* Without or with a wrong token: 401, and nothing changes. */
	http_response_init(&r);
	assert_int_equal(req(f, "GET", "/v1/rules", NULL, 0, &r), 401);
	assert_int_equal(req(f, "DELETE", "/v1/rules/shop/web", NULL, 0, &r),
	    401);
	http_response_free(&r);
	assert_int_equal(state_count(f->st), 1);
	assert_int_equal(atomic_load(&f->stats.api_unauthorized), 2);
}

static void
test_body_cap(void **state)
{
	struct fx *f = *state;
	size_t n = RULES_BODY_MAX + 100;
	char *big = malloc(n + 1);

	assert_non_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	expect(f, "POST", "/v1/rules", big, 413, NULL, "larger than");
	free(big);
}

static void
test_open_endpoints(void **state)
{
	struct fx *f = *state;
	struct http_response r;

	http_response_init(&r);
	assert_int_equal(req(f, "GET", "/healthz", NULL, 0, &r), 200);
	assert_string_equal(r.body.data, "ok\n");
	assert_int_equal(req(f, "GET", "/metrics", NULL, 0, &r), 200);
	assert_non_null(strstr(r.body.data, "hoist_scaler_rules 0\n"));
	assert_non_null(strstr(r.body.data,
	    "hoist_scaler_decisions_total{action=\"deferred\"} 0\n"));
	/* Issue 9 §3: lost decision points are shown. */
	atomic_store(&f->stats.decision_points_lost, 7);
	atomic_store(&f->stats.output_points_written, 40);
	assert_int_equal(req(f, "GET", "/metrics", NULL, 0, &r), 200);
	assert_non_null(strstr(r.body.data,
	    "# TYPE hoist_scaler_decision_points_lost_total counter\n"
	    "hoist_scaler_decision_points_lost_total 7\n"));
	assert_non_null(strstr(r.body.data,
	    "hoist_scaler_output_points_written_total 40\n"));
	assert_non_null(strstr(r.body.data,
	    "hoist_scaler_output_refused_total 0\n"));
	http_response_free(&r);
}

static void
test_decisions_and_status(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	struct http_response r;
	cJSON *o, *arr;
	int i;

	expect(f, "POST", "/v1/rules", RULE("/a/b"), 201, NULL, NULL);
	for (i = 1; i <= 3; i++) {
		memset(&d, 0, sizeof(d));
		snprintf(d.app_id, sizeof(d.app_id), "%s", i == 2 ? "/x" :
		    "/a/b");
		d.time_s = 1000 + i;
		d.current = i;
		d.desired = i;
		d.running = i;
		d.action = POLICY_NONE;
		decisions_add(f->dec, &d);
	}
	http_response_init(&r);
	assert_int_equal(req(f, "GET", "/v1/decisions?app=/a/b&limit=5",
	    NULL, 1, &r), 200);
	o = cJSON_Parse(r.body.data);
	arr = cJSON_GetObjectItem(o, "decisions");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0),
	    "time_s")->valueint, 1003);
	cJSON_Delete(o);
	assert_int_equal(req(f, "GET", "/v1/decisions?limit=1", NULL, 1, &r),
	    200);
	o = cJSON_Parse(r.body.data);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o,
	    "decisions")), 1);
	cJSON_Delete(o);
	assert_int_equal(req(f, "GET", "/v1/status", NULL, 1, &r), 200);
	o = cJSON_Parse(r.body.data);
	arr = cJSON_GetObjectItem(o, "apps");
	assert_int_equal(cJSON_GetArraySize(arr), 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0),
	    "instances")->valueint, 3);
	cJSON_Delete(o);
	atomic_store(&f->stats.decision_points_lost, 2);
	atomic_store(&f->stats.outputs, 1);
	assert_int_equal(req(f, "GET", "/v1/status", NULL, 1, &r), 200);
	o = cJSON_Parse(r.body.data);
	arr = cJSON_GetObjectItem(o, "outputs");
	assert_non_null(arr);
	assert_int_equal(cJSON_GetObjectItem(arr, "count")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(arr,
	    "decision_points_lost")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(arr, "points_dropped")->valueint,
	    0);
	cJSON_Delete(o);
	http_response_free(&r);
	expect(f, "GET", "/v1/decisions?limit=0", NULL, 400,
	    "\"field\":\"limit\"", NULL);
	expect(f, "GET", "/v1/decisions?limit=9", NULL, 400,
	    "\"field\":\"limit\"", "from 1 to 8");
	expect(f, "GET", "/v1/decisions?app=BAD", NULL, 400,
	    "\"field\":\"app\"", NULL);
}

/*
 * What the core (common/httpd.h) now gives the scaler as well: "%00" in
 * a path is a 400, never the rule of the path cut at the NUL; an error
 * that quotes the path stays valid UTF-8; without the token an unknown
 * path is a 401 like any other; HEAD is served where GET is.
 */
static void
test_core_semantics(void **state)
{
	struct fx *f = *state;
	struct http_response r;
	cJSON *o;

	expect(f, "POST", "/v1/rules", RULE("/shop/web"), 201, NULL, NULL);
	expect(f, "GET", "/v1/rules/shop/web%00anything", NULL, 400, NULL,
	    "bad path");
	http_response_init(&r);
	assert_int_equal(req(f, "GET", "/v1/rules/%ff%fe", NULL, 1, &r), 400);
	o = cJSON_Parse(r.body.data);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring,
	    "'\xef\xbf\xbd\xef\xbf\xbd' is not a Marathon app id");
	cJSON_Delete(o);
	assert_int_equal(req(f, "GET", "/nothing", NULL, 0, &r), 401);
	assert_int_equal(req(f, "GET", "/metrics", NULL, 0, &r), 200);
	assert_int_equal(req(f, "HEAD", "/v1/rules/shop/web", NULL, 1, &r),
	    200);
	http_response_free(&r);
}

/*
 * The whole /metrics text, byte for byte, against the one the writers
 * produced before they were factored (tests/fixtures/scaler/): every
 * figure set to a value of its own, so a figure under another name, a
 * changed HELP or TYPE line or a number in another form shows.
 */
static void
test_metrics_golden(void **state)
{
	struct fx *f = *state;
	struct scaler_stats *s = &f->stats;
	struct http_response r;
	const char *out;
	char *want;
	FILE *fp;
	uint64_t v = 100;
	int i;

	expect(f, "PUT", "/v1/rules/shop/web", RULE("/shop/web"), 201, NULL,
	    NULL);
	expect(f, "PUT", "/v1/rules/shop/api", RULE("/shop/api"), 201, NULL,
	    NULL);
	atomic_store(&s->rounds, v++);
	atomic_store(&s->evaluations, v++);
	for (i = 0; i < STATS_ACTIONS; i++)
		atomic_store(&s->decisions[i], v++);
	atomic_store(&s->scale_requests, v++);
	atomic_store(&s->orchestrator_errors, v++);
	atomic_store(&s->metric_fetch_errors, v++);
	atomic_store(&s->metric_invalid, v++);
	atomic_store(&s->decision_encode_errors, v++);
	atomic_store(&s->decision_points_lost, v++);
	atomic_store(&s->output_refused, v++);
	atomic_store(&s->output_points_written, v++);
	atomic_store(&s->output_points_dropped, v++);
	atomic_store(&s->output_points_spooled, v++);
	atomic_store(&s->output_write_errors, v++);
	atomic_store(&s->outputs, v++);
	atomic_store(&s->last_round_ms, 12345);
	atomic_store(&s->last_round_marathon_ms, 1001);
	atomic_store(&s->last_round_agents_ms, 2002);
	atomic_store(&s->last_round_eval_ms, 3);
	atomic_store(&s->last_round_writes_ms, 40);
	atomic_store(&s->last_round_rules, v++);
	atomic_store(&s->last_round_hosts, v++);
	atomic_store(&s->last_round_hosts_failed, v++);
	atomic_store(&s->last_round_deferred_bounds, v++);
	atomic_store(&s->last_round_marathon_requests, v++);
	atomic_store(&s->marathon_requests, v++);
	atomic_store(&s->marathon_bulk_errors, v++);
	atomic_store(&s->agent_requests, v++);
	atomic_store(&s->agent_failures, v++);
	atomic_store(&s->deferred_bounds, v++);
	/* The API counters count this request too: set them last, and the
	 * request adds one after the reply is made. */
	atomic_store(&s->api_requests, 900);
	atomic_store(&s->api_unauthorized, 901);
	atomic_store(&s->api_client_errors, 902);
	http_response_init(&r);
	assert_int_equal(req(f, "GET", "/metrics", NULL, 0, &r), 200);
	/* HOIST_METRICS_OUT=FILE: what /metrics answered, to compare (or,
	 * for a deliberate change of the output, to renew the fixture). */
	if ((out = getenv("HOIST_METRICS_OUT")) != NULL &&
	    (fp = fopen(out, "w")) != NULL) {
		fputs(r.body.data, fp);
		fclose(fp);
	}
	want = fixture_read("scaler/metrics_golden.prom", NULL);
	if (strcmp(r.body.data, want) != 0) {
		print_error("/metrics differs from tests/fixtures/scaler/"
		    "metrics_golden.prom (HOIST_METRICS_OUT=FILE writes it)\n");
		fail();
	}
	free(want);
	http_response_free(&r);
}

/*
 * With ZooKeeper out of reach since start-up (a port where nothing
 * listens): not ready, no-quorum, reads marked stale, writes 503.
 */
static void
test_zookeeper_unreachable(void **state)
{
	static const char url[] = "zk://127.0.0.1:1/hoist/test";
	struct zkha_options zo = { .url = url, .session_timeout_ms = 1000,
	    .instance_id = "t1" };
	struct rest_config cfg;
	struct http_response r;
	struct fx f;
	char err[512];
	cJSON *o;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.stats.interval_s = 30;
	f.dec = decisions_new(8);
	f.http = http_client_new();
	f.zk = zkha_start(&zo, err, sizeof(err));
	assert_non_null(f.zk);
	f.st = state_open_store(&store_zk_ops, url, err, sizeof(err));
	assert_non_null(f.st);      /* not reached: starts anyway, stale */
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1:0";
	cfg.token = TOKEN;
	cfg.state = f.st;
	cfg.decisions = f.dec;
	cfg.stats = &f.stats;
	cfg.zk = f.zk;
	f.api = rest_start(&cfg, err, sizeof(err));
	assert_non_null(f.api);
	snprintf(f.base, sizeof(f.base), "http://127.0.0.1:%d",
	    rest_port(f.api));
	expect(&f, "GET", "/healthz", NULL, 503, NULL,
	    "not ready: ZooKeeper not reached yet");
	http_response_init(&r);
	assert_int_equal(req(&f, "GET", "/v1/status", NULL, 1, &r), 200);
	o = cJSON_Parse(r.body.data);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "role")->valuestring,
	    "no-quorum");
	assert_string_equal(cJSON_GetObjectItem(o, "store")->valuestring,
	    "zookeeper");
	assert_string_equal(cJSON_GetObjectItem(o,
	    "instance_id")->valuestring, "t1");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "leader_id")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o,
	    "zookeeper_connected")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "stale")));
	cJSON_Delete(o);
	http_response_free(&r);
	expect(&f, "GET", "/v1/rules", NULL, 200, "\"stale\":true", NULL);
	expect(&f, "POST", "/v1/rules", RULE("/a"), 503, NULL,
	    "no quorum");
	http_response_init(&r);
	assert_int_equal(req(&f, "GET", "/metrics", NULL, 0, &r), 200);
	assert_non_null(strstr(r.body.data, "\nhoist_scaler_leader 0\n"));
	assert_non_null(strstr(r.body.data,
	    "\nhoist_scaler_zookeeper_connected 0\n"));
	/* The ZooKeeper block whole, as before the writers were factored. */
	assert_non_null(strstr(r.body.data,
	    "# HELP hoist_scaler_leader 1 while this instance evaluates and "
	    "scales (the leader), else 0.\n"
	    "# TYPE hoist_scaler_leader gauge\nhoist_scaler_leader 0\n"
	    "# HELP hoist_scaler_zookeeper_connected 1 while the ZooKeeper "
	    "session is connected.\n"
	    "# TYPE hoist_scaler_zookeeper_connected gauge\n"
	    "hoist_scaler_zookeeper_connected 0\n"
	    "# HELP hoist_scaler_leadership_changes_total Times this instance "
	    "became or stopped being the leader.\n"
	    "# TYPE hoist_scaler_leadership_changes_total counter\n"
	    "hoist_scaler_leadership_changes_total 0\n"
	    "# HELP hoist_scaler_zookeeper_sessions_total ZooKeeper sessions "
	    "established.\n"
	    "# TYPE hoist_scaler_zookeeper_sessions_total counter\n"
	    "hoist_scaler_zookeeper_sessions_total 0\n"
	    "# HELP hoist_scaler_zookeeper_expired_total ZooKeeper sessions "
	    "lost (expired).\n"
	    "# TYPE hoist_scaler_zookeeper_expired_total counter\n"
	    "hoist_scaler_zookeeper_expired_total 0\n"
	    "# HELP hoist_scaler_fenced_total Scale requests not sent because "
	    "this instance had stopped leading.\n"
	    "# TYPE hoist_scaler_fenced_total counter\n"
	    "hoist_scaler_fenced_total 0\n"
	    "# HELP hoist_scaler_api_requests_total"));
	http_response_free(&r);
	rest_stop(f.api);
	state_close(f.st);
	zkha_stop(f.zk);
	decisions_free(f.dec);
	http_client_free(f.http);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules_crud, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_endpoints, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_core_semantics, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_decisions_and_status,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_golden, setup,
		    teardown),
		cmocka_unit_test(test_zookeeper_unreachable),
	};

	http_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
