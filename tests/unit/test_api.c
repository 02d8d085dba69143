/*
 * test_api.c — the collector's HTTP API, served for real on loopback
 * (an ephemeral port) over the fixture table, queried with libcurl and
 * with raw sockets for what curl would not send.
 *
 * It proves: the JSON parses and carries the fixture's numbers;
 * /v1/apps/{id} aggregates mean and max as documented (tasks without a
 * limit left out); unknown ids and paths give 404 JSON errors; other
 * methods 405 with Allow; the bearer token gates every path but /healthz;
 * /healthz turns 503 when sweeps stop; hostile requests get a 4xx or a
 * closed connection, and the server keeps serving after each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "api_fixture.h"
#include "collector/api.h"
#include "common/http.h"
#include "common/rfc3339.h"

struct fx {
	struct container_table t;
	struct api            *api;
	unsigned               port;
	struct http_client    *http;
	char                   token_path[64];
};

#define TOKEN "s3cret-t0ken"

/* ---- helpers ---------------------------------------------------------- */

static struct fx *
fx_new_reply_max(const char *token, unsigned max_conn, unsigned timeout_s,
    size_t reply_max)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct api_options o;
	char err[256];
	int fd;

	assert_non_null(f);
	fix_table_init(&f->t);
	/* A fresh sweep, so /healthz says ok. */
	f->t.sweep_ts_ns = now_realtime_ns();
	f->t.sweep_mono_ns = now_mono_ns();
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.interval_s = 10;
	o.max_connections = max_conn;
	o.timeout_s = timeout_s;
	o.reply_max = reply_max;
	if (token != NULL) {
		str_copy_trunc(f->token_path, "/tmp/hoist-api-token.XXXXXX",
		    sizeof(f->token_path));
		fd = mkstemp(f->token_path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, token, strlen(token)),
		    (ssize_t)strlen(token));
		assert_int_equal(write(fd, "\n", 1), 1);
		close(fd);
		o.token_file = f->token_path;
	}
	f->api = api_start(&f->t, &o, err, sizeof(err));
	if (f->api == NULL)
		fail_msg("api_start: %s", err);
	f->port = api_port(f->api);
	assert_true(f->port > 0);
	f->http = http_client_new();
	assert_non_null(f->http);
	return f;
}

static struct fx *
fx_new(const char *token, unsigned max_conn, unsigned timeout_s)
{
	return fx_new_reply_max(token, max_conn, timeout_s, 0);
}

static void
fx_free(struct fx *f)
{
	if (f == NULL)
		return;
	api_stop(f->api);
	http_client_free(f->http);
	if (f->token_path[0] != '\0')
		unlink(f->token_path);
	fix_table_free(&f->t);
	free(f);
}

static int
setup(void **state)
{
	*state = fx_new(NULL, 0, 0);
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* GET (or another method) path; returns the status, body in resp. */
static long
req(struct fx *f, const char *method, const char *path, const char *auth,
    struct http_response *resp)
{
	struct http_request r;
	char url[4096], hdr[256];

	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", f->port, path);
	r.method = method;
	r.url = url;
	r.timeout_ms = 5000;
	if (auth != NULL) {
		snprintf(hdr, sizeof(hdr), "Authorization: %s", auth);
		r.headers[0] = hdr;
	}
	http_response_free(resp);
	http_response_init(resp);
	if (http_do(f->http, &r, resp) != HTTP_OK)
		fail_msg("GET %s: %s", path, resp->error);
	return resp->status;
}

/* GET path, expect `status` and a JSON body; returns the parsed body. */
static cJSON *
get_json(struct fx *f, const char *path, const char *auth, long status)
{
	struct http_response resp;
	cJSON *j;

	http_response_init(&resp);
	if (req(f, "GET", path, auth, &resp) != status)
		fail_msg("GET %s: status %ld, want %ld: %s", path, resp.status,
		    status, resp.body.data ? resp.body.data : "");
	assert_string_equal(resp.content_type, "application/json");
	j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	if (j == NULL)
		fail_msg("GET %s: not JSON: %s", path, resp.body.data);
	http_response_free(&resp);
	return j;
}

static const cJSON *
at(const cJSON *j, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (j != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		assert_true(n < sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		if (cJSON_IsArray(j))
			j = cJSON_GetArrayItem(j, (int)strtol(key, NULL, 10));
		else
			j = cJSON_GetObjectItemCaseSensitive(j, key);
		path += n + (dot != NULL);
	}
	return j;
}

static void
assert_num(const cJSON *j, const char *path, double want)
{
	const cJSON *v = at(j, path);

	if (!cJSON_IsNumber(v))
		fail_msg("%s: not a number", path);
	if (fabs(v->valuedouble - want) > 1e-9 * fmax(1, fabs(want)))
		fail_msg("%s: %.17g, want %.17g", path, v->valuedouble, want);
}

static void
assert_str(const cJSON *j, const char *path, const char *want)
{
	const cJSON *v = at(j, path);

	if (!cJSON_IsString(v))
		fail_msg("%s: not a string", path);
	assert_string_equal(v->valuestring, want);
}

static void
assert_null_at(const cJSON *j, const char *path)
{
	if (!cJSON_IsNull(at(j, path)))
		fail_msg("%s: not null", path);
}

static void
assert_absent(const cJSON *j, const char *path)
{
	if (at(j, path) != NULL)
		fail_msg("%s: present", path);
}

/*
 * Send raw bytes on a fresh connection and read until the server closes
 * (or 3 s pass).  Returns the status of the reply, 0 when the server
 * closed without one, -1 when it could not connect.  `out` gets the reply.
 */
static int
raw(unsigned port, const void *data, size_t len, char *out, size_t outsize)
{
	struct sockaddr_in sin;
	struct timeval tv = { 3, 0 };
	size_t got = 0, off = 0;
	ssize_t n;
	int fd, status = 0;

	out[0] = '\0';
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	/* The server may answer and close before it has read everything:
	 * a failed send is then fine. */
	while (off < len) {
		n = send(fd, (const char *)data + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	while (got + 1 < outsize &&
	    (n = recv(fd, out + got, outsize - 1 - got, 0)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	if (strncmp(out, "HTTP/1.", 7) == 0 && got >= 12)
		status = (int)strtol(out + 9, NULL, 10);
	if (getenv("HOIST_TEST_VERBOSE") != NULL)
		fprintf(stderr, "raw %.40s...: %d\n", (const char *)data, status);
	return status;
}

static int
raw_get(unsigned port, const char *path, const char *extra, char *out,
    size_t outsize)
{
	size_t size = strlen(path) + (extra != NULL ? strlen(extra) : 0) + 128;
	char *r = malloc(size);
	int n, st;

	assert_non_null(r);
	n = snprintf(r, size, "GET %s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n%s\r\n", path, extra != NULL ? extra : "");
	assert_true(n > 0);
	assert_true((size_t)n < size);
	st = raw(port, r, (size_t)n, out, outsize);
	free(r);
	return st;
}

/* The server still answers a plain request. */
static void
assert_alive(struct fx *f)
{
	char out[2048];

	assert_int_equal(raw_get(f->port, "/healthz", NULL, out, sizeof(out)),
	    200);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_containers(void **state)
{
	struct fx *f = *state;
	cJSON *j = get_json(f, "/v1/containers", NULL, 200);

	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 4);
	/* c[0]: a task with limits. */
	assert_str(j, "0.id", FIX_ID0);
	assert_str(j, "0.name", "web-1");
	assert_str(j, "0.image", "registry.example/shop/web");
	assert_str(j, "0.version", "1.4.2");
	assert_str(j, "0.runtime", "docker");
	assert_str(j, "0.marathon_app_id", "/shop/web");
	assert_str(j, "0.mesos_task_id", "shop_web.t1");
	assert_str(j, "0.state", "running");
	assert_str(j, "0.started", "2026-11-26T04:00:00.000Z");
	assert_num(j, "0.cpu.usage_ns", 12500000000.0);
	assert_num(j, "0.cpu.user_ns", 10000000000.0);
	assert_num(j, "0.cpu.percent", 20);
	assert_num(j, "0.cpu.percent_of_limit", 40);
	assert_num(j, "0.cpu.limit_cores", 0.5);
	assert_num(j, "0.cpu.quota_us", 50000);
	assert_num(j, "0.cpu.throttled_periods", 25);
	assert_num(j, "0.memory.working_set", 128.0 * FIX_MIB);
	assert_num(j, "0.memory.limit", 512.0 * FIX_MIB);
	assert_num(j, "0.memory.percent_of_limit", 25);
	assert_num(j, "0.pids.current", 17);
	assert_num(j, "0.pids.limit", 1024);
	assert_absent(j, "0.network");
	assert_absent(j, "0.memory.swap");
	/* c[2]: no limit, no app, hostile labels, network and blkio. */
	assert_null_at(j, "2.marathon_app_id");
	assert_null_at(j, "2.mesos_task_id");
	assert_null_at(j, "2.cpu.percent_of_limit");
	assert_null_at(j, "2.cpu.limit_cores");
	assert_null_at(j, "2.memory.percent_of_limit");
	assert_absent(j, "2.memory.limit");
	assert_absent(j, "2.cpu.user_ns");
	assert_num(j, "2.cpu.percent", 12.5);
	assert_str(j, "2.labels.team", "ops");
	assert_num(j, "2.memory.oom_kills", 2);
	assert_num(j, "2.network.interfaces.0.rx_bytes", 1000);
	assert_str(j, "2.network.interfaces.1.name", "eth1");
	assert_num(j, "2.network.total.tx_bytes", 2007);
	assert_num(j, "2.network.rx_bytes_per_s", 100);
	assert_str(j, "2.blkio.devices.0.device", "8:0");
	assert_num(j, "2.blkio.total.write_bytes", 8192);
	assert_num(j, "2.blkio.write_bytes_per_s", 409.6);
	assert_absent(j, "2.pids.limit");
	/* c[3]: first sample, no rates yet. */
	assert_null_at(j, "3.cpu.percent");
	assert_null_at(j, "3.cpu.percent_of_limit");
	assert_num(j, "3.memory.percent_of_limit", 25);
	cJSON_Delete(j);
}

/* The path helper at() splits "com.example.note" at the dots in at(); check
 * that label by hand instead of trusting the path helper. */
static void
test_container_labels_by_hand(void **state)
{
	struct fx *f = *state;
	cJSON *j = get_json(f, "/v1/containers/" FIX_ID2, NULL, 200);
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "labels");
	const cJSON *note = cJSON_GetObjectItemCaseSensitive(labels,
	    "com.example.note");

	assert_true(cJSON_IsString(note));
	assert_string_equal(note->valuestring, "say \"hi\"\\ and\nbye");
	cJSON_Delete(j);
}

static void
test_container_by_id(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *path;
		long        status;
		const char *id;         /* expected id, or error text */
	} cases[] = {
		{ "/v1/containers/" FIX_ID0, 200, FIX_ID0 },
		{ "/v1/containers/" FIX_ID3, 200, FIX_ID3 },
		{ "/v1/containers/" FIX_ID3 "/", 200, FIX_ID3 },
		{ "/v1/containers/0a1b2c3d4e5f6", 200, FIX_ID0 },   /* unique */
		{ "/v1/containers/0a1b2c3d4e5ff", 200, FIX_ID1 },
		{ "/v1/containers/0a1b2c3d4e5f", 409, "ambiguous id prefix" },
		{ "/v1/containers/c2c2c2c2c2c", 404, "no such container" }, /* 11 */
		{ "/v1/containers/nope", 404, "no such container" },
	};
	size_t i;
	cJSON *j;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		j = get_json(f, cases[i].path, NULL, cases[i].status);
		if (cases[i].status == 200)
			assert_str(j, "id", cases[i].id);
		else
			assert_str(j, "error", cases[i].id);
		cJSON_Delete(j);
	}
}

static void
test_apps(void **state)
{
	struct fx *f = *state;
	cJSON *j = get_json(f, "/v1/apps", NULL, 200);

	assert_int_equal(cJSON_GetArraySize(j), 2);
	assert_str(j, "0.id", "/a/b/c");
	assert_str(j, "1.id", "/shop/web");
	assert_num(j, "1.task_count", 2);
	cJSON_Delete(j);
}

static void
test_app_shop_web(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "/v1/apps/shop/web", "/v1/apps/shop/web/",
	    "/v1/apps//shop/web" };
	size_t i;
	cJSON *j;

	pthread_mutex_lock(&f->t.lock);
	f->t.sweep_ts_ns = FIX_SWEEP_NS;
	pthread_mutex_unlock(&f->t.lock);
	for (i = 0; i < ARRAY_LEN(paths); i++) {
		j = get_json(f, paths[i], NULL, 200);
		assert_str(j, "id", "/shop/web");
		assert_str(j, "host", "agent-1");
		assert_str(j, "sampled_at", "2026-11-26T05:00:00.000Z");
		assert_num(j, "task_count", 2);
		/* cpu: 40 and 80 -> mean 60, max 80; mem 25 and 75. */
		assert_num(j, "cpu_percent_of_limit.n", 2);
		assert_num(j, "cpu_percent_of_limit.mean", 60);
		assert_num(j, "cpu_percent_of_limit.max", 80);
		assert_num(j, "mem_percent_of_limit.n", 2);
		assert_num(j, "mem_percent_of_limit.mean", 50);
		assert_num(j, "mem_percent_of_limit.max", 75);
		assert_int_equal(cJSON_GetArraySize(at(j, "tasks")), 2);
		assert_str(j, "tasks.0.mesos_task_id", "shop_web.t1");
		assert_str(j, "tasks.0.container_id", FIX_ID0);
		assert_num(j, "tasks.0.cpu_percent_of_limit", 40);
		assert_num(j, "tasks.0.mem_percent_of_limit", 25);
		assert_num(j, "tasks.0.cpu_limit_cores", 0.5);
		assert_num(j, "tasks.0.mem_limit", 512.0 * FIX_MIB);
		assert_str(j, "tasks.0.started", "2026-11-26T04:00:00.000Z");
		assert_str(j, "tasks.1.mesos_task_id", "shop_web.t2");
		assert_num(j, "tasks.1.cpu_percent_of_limit", 80);
		assert_num(j, "tasks.1.mem_percent_of_limit", 75);
		cJSON_Delete(j);
	}
}

/* A task without a cpu figure is left out of the cpu mean, not a zero. */
static void
test_app_nested_without_cpu(void **state)
{
	struct fx *f = *state;
	cJSON *j = get_json(f, "/v1/apps/a/b/c", NULL, 200);

	assert_str(j, "id", "/a/b/c");
	assert_num(j, "task_count", 1);
	assert_num(j, "cpu_percent_of_limit.n", 0);
	assert_null_at(j, "cpu_percent_of_limit.mean");
	assert_null_at(j, "cpu_percent_of_limit.max");
	assert_num(j, "mem_percent_of_limit.n", 1);
	assert_num(j, "mem_percent_of_limit.mean", 25);
	assert_null_at(j, "tasks.0.cpu_percent_of_limit");
	assert_num(j, "tasks.0.mem_percent_of_limit", 25);
	cJSON_Delete(j);

	/* Mix: web-2 loses its limit: mean over web-1 alone. */
	pthread_mutex_lock(&f->t.lock);
	f->t.c[1]->rates.has_limit = 0;
	f->t.c[1]->cur.have &= ~(uint32_t)HAVE_MEM_LIMIT;
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/v1/apps/shop/web", NULL, 200);
	assert_num(j, "task_count", 2);
	assert_num(j, "cpu_percent_of_limit.n", 1);
	assert_num(j, "cpu_percent_of_limit.mean", 40);
	assert_num(j, "cpu_percent_of_limit.max", 40);
	assert_num(j, "mem_percent_of_limit.n", 1);
	assert_num(j, "mem_percent_of_limit.mean", 25);
	assert_null_at(j, "tasks.1.cpu_percent_of_limit");
	assert_null_at(j, "tasks.1.mem_percent_of_limit");
	cJSON_Delete(j);
}

static void
test_not_found(void **state)
{
	struct fx *f = *state;
	static const char *const paths[] = {
		"/v1/apps/shop", "/v1/apps/shop/web/extra", "/nope", "/",
		"/v1", "/v1/containersX", "/metricsz", "/v2/containers",
	};
	size_t i;
	cJSON *j;

	for (i = 0; i < ARRAY_LEN(paths); i++) {
		j = get_json(f, paths[i], NULL, 404);
		assert_true(cJSON_IsString(at(j, "error")));
		cJSON_Delete(j);
	}
}

static void
test_method_not_allowed(void **state)
{
	struct fx *f = *state;
	static const char *const methods[] = { "POST", "PUT", "DELETE" };
	char out[4096], r[512];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_LEN(methods); i++) {
		n = snprintf(r, sizeof(r), "%s /v1/containers HTTP/1.1\r\n"
		    "Host: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
		    methods[i]);
		assert_int_equal(raw(f->port, r, (size_t)n, out, sizeof(out)),
		    405);
		assert_non_null(strstr(out, "Allow: GET, HEAD\r\n"));
		assert_non_null(strstr(out,
		    "{\"error\":\"method not allowed\",\"field\":null}"));
		assert_alive(f);
	}
	/* HEAD works, without a body. */
	n = snprintf(r, sizeof(r), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n");
	assert_int_equal(raw(f->port, r, (size_t)n, out, sizeof(out)), 200);
	assert_null(strstr(out, "container_cpu_usage_seconds_total"));
}

static void
test_metrics(void **state)
{
	struct fx *f = *state;
	struct http_response resp;

	http_response_init(&resp);
	assert_int_equal(req(f, "GET", "/metrics", NULL, &resp), 200);
	assert_string_equal(resp.content_type,
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(resp.body.data, "\ncontainer_memory_working_set_bytes{id=\""
	    FIX_ID0 "\",name=\"web-1\","));
	assert_non_null(strstr(resp.body.data, "\nhoist_collector_sweeps_total 42\n"));
	http_response_free(&resp);
}

static void
test_healthz(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	pthread_mutex_lock(&f->t.lock);
	f->t.sweep_ts_ns = now_realtime_ns() - 2000000000LL;
	f->t.sweep_mono_ns = now_mono_ns() - 2000000000LL;
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 200);
	assert_str(j, "status", "ok");
	assert_num(j, "sweeps", 42);
	assert_num(j, "interval_s", 10);
	assert_true(at(j, "last_sweep_age_s")->valuedouble >= 2.0);
	assert_true(at(j, "last_sweep_age_s")->valuedouble < 30.0);
	cJSON_Delete(j);

	/* 31 s without a sweep at a 10 s interval: stale. */
	pthread_mutex_lock(&f->t.lock);
	f->t.sweep_ts_ns = now_realtime_ns() - 31000000000LL;
	f->t.sweep_mono_ns = now_mono_ns() - 31000000000LL;
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 503);
	assert_str(j, "status", "stale");
	cJSON_Delete(j);

	/* No sweep yet, just started: starting, 200. */
	pthread_mutex_lock(&f->t.lock);
	f->t.sweeps = 0;
	f->t.health.started_ns = now_realtime_ns();
	f->t.health.started_mono_ns = now_mono_ns();
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 200);
	assert_str(j, "status", "starting");
	assert_null_at(j, "last_sweep_age_s");
	cJSON_Delete(j);
}

/*
 * A step of the wall clock changes no age: /healthz and sample_age_s are
 * measured on the monotonic clock, the times reported stay the wall
 * clock's.  Judged on the wall clock (the old code), the step forward
 * read as a sweep an hour old (503), the step back as age 0, and the
 * stall below as a fresh sweep (200).
 */
static void
test_healthz_clock_step(void **state)
{
	struct fx *f = *state;
	static const int64_t steps_s[] = { 3600, -3600 };
	char want[64];
	size_t i;
	cJSON *j;

	for (i = 0; i < ARRAY_LEN(steps_s); i++) {
		/* Swept a second ago; the wall clock has since moved. */
		pthread_mutex_lock(&f->t.lock);
		f->t.sweep_mono_ns = now_mono_ns() - 1000000000LL;
		f->t.sweep_ts_ns = now_realtime_ns() -
		    (1 + steps_s[i]) * 1000000000LL;
		assert_true(rfc3339_format(want, sizeof(want),
		    f->t.sweep_ts_ns, 3) > 0);
		pthread_mutex_unlock(&f->t.lock);
		j = get_json(f, "/healthz", NULL, 200);
		assert_str(j, "status", "ok");
		assert_true(at(j, "last_sweep_age_s")->valuedouble >= 1.0);
		assert_true(at(j, "last_sweep_age_s")->valuedouble < 30.0);
		assert_str(j, "last_sweep", want);
		cJSON_Delete(j);
		j = get_json(f, "/v1/apps/shop/web", NULL, 200);
		assert_true(at(j, "sample_age_s")->valuedouble >= 1.0);
		assert_true(at(j, "sample_age_s")->valuedouble < 30.0);
		assert_str(j, "sampled_at", want);
		cJSON_Delete(j);
	}

	/* No sweep for 40 s, but the wall clock was set back 40 s: the
	 * realtime stamp looks fresh, the collector is stalled. */
	pthread_mutex_lock(&f->t.lock);
	f->t.sweep_mono_ns = now_mono_ns() - 40000000000LL;
	f->t.sweep_ts_ns = now_realtime_ns();
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 503);
	assert_str(j, "status", "stale");
	assert_true(at(j, "last_sweep_age_s")->valuedouble >= 40.0);
	cJSON_Delete(j);
	j = get_json(f, "/v1/apps/shop/web", NULL, 200);
	assert_true(at(j, "sample_age_s")->valuedouble >= 40.0);
	cJSON_Delete(j);

	/* Before the first sweep: the start, on the monotonic clock. */
	pthread_mutex_lock(&f->t.lock);
	f->t.sweeps = 0;
	f->t.health.started_mono_ns = now_mono_ns();
	f->t.health.started_ns = now_realtime_ns() - 3600000000000LL;
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 200);
	assert_str(j, "status", "starting");
	cJSON_Delete(j);
	pthread_mutex_lock(&f->t.lock);
	f->t.health.started_mono_ns = now_mono_ns() - 40000000000LL;
	f->t.health.started_ns = now_realtime_ns();
	pthread_mutex_unlock(&f->t.lock);
	j = get_json(f, "/healthz", NULL, 503);
	assert_str(j, "status", "stale");
	cJSON_Delete(j);
}

static void
test_token(void **state)
{
	struct fx *f = fx_new(TOKEN, 0, 0);
	static const struct {
		const char *path, *auth;
		long        status;
	} cases[] = {
		{ "/v1/containers", NULL, 401 },
		{ "/v1/containers", "Bearer wrong", 401 },
		{ "/v1/containers", "Bearer " TOKEN "x", 401 },
		{ "/v1/containers", "Bearer s3cret-t0ke", 401 },
		{ "/v1/containers", "Basic " TOKEN, 401 },
		{ "/v1/containers", TOKEN, 401 },
		{ "/v1/containers", "Bearer " TOKEN, 200 },
		{ "/v1/containers", "bearer " TOKEN, 200 },
		{ "/metrics", NULL, 401 },
		{ "/metrics", "Bearer " TOKEN, 200 },
		{ "/v1/apps/shop/web", NULL, 401 },
		{ "/v1/apps/shop/web", "Bearer " TOKEN, 200 },
		{ "/nope", NULL, 401 },          /* no route leaks without it */
		{ "/nope", "Bearer " TOKEN, 404 },
		{ "/healthz", NULL, 200 },
		{ "/healthz", "Bearer wrong", 200 },
	};
	struct http_response resp;
	char out[4096];
	size_t i;

	(void)state;
	pthread_mutex_lock(&f->t.lock);
	f->t.sweep_ts_ns = now_realtime_ns();
	pthread_mutex_unlock(&f->t.lock);
	http_response_init(&resp);
	for (i = 0; i < ARRAY_LEN(cases); i++)
		if (req(f, "GET", cases[i].path, cases[i].auth, &resp) !=
		    cases[i].status)
			fail_msg("case %zu: %s with %s: %ld, want %ld", i,
			    cases[i].path, cases[i].auth ? cases[i].auth : "-",
			    resp.status, cases[i].status);
	http_response_free(&resp);
	/* The 401 says how to authenticate, and never echoes the token. */
	assert_int_equal(raw_get(f->port, "/v1/containers", NULL, out,
	    sizeof(out)), 401);
	assert_non_null(strstr(out, "WWW-Authenticate: Bearer realm=\"hoist-collector\"\r\n"));
	assert_non_null(strstr(out,
	    "{\"error\":\"unauthorized\",\"field\":null}"));
	assert_int_equal(raw_get(f->port, "/v1/containers",
	    "Authorization: Bearer nope\r\n", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "error=\"invalid_token\""));
	assert_null(strstr(out, TOKEN));
	fx_free(f);
}

static void
test_bad_token_file(void **state)
{
	struct container_table t;
	struct api_options o;
	char err[256], path[] = "/tmp/hoist-api-empty.XXXXXX";
	int fd;

	(void)state;
	fix_table_init(&t);
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.token_file = "/nonexistent/token";
	assert_null(api_start(&t, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/token"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, " \n", 2), 2);
	close(fd);
	o.token_file = path;
	assert_null(api_start(&t, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "empty token"));
	unlink(path);
	fix_table_free(&t);
}

/* Hostile requests: each gets a 4xx or a closed connection, and the
 * server answers a good request right after. */
static void
test_hostile(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *path;
		int         lo, hi;     /* acceptable status range */
	} paths[] = {
		{ "/v1/containers/../../../etc/passwd", 404, 404 },
		{ "/v1/../metrics", 404, 404 },
		{ "/v1/containers/%2e%2e/%2e%2e/etc/passwd", 404, 404 },
		{ "/v1/containers/" FIX_ID0 "%00", 400, 400 },
		{ "/v1/containers/%00", 400, 400 },
		{ "/healthz%00", 400, 400 },
		{ "/v1/apps/%0a", 400, 400 },
		{ "/v1/containers/%ff%fe", 404, 404 },
		{ "/v1/containers/%", 404, 404 },
		{ "*", 400, 400 },
		{ "http://evil.example/v1/containers", 400, 404 },
	};
	static const char *const garbage[] = {
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage-tls-hello",
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/9.9\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"\r\n\r\n\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
	};
	char *big, *hdr, out[8192];
	size_t i;
	int st;

	for (i = 0; i < ARRAY_LEN(paths); i++) {
		st = raw_get(f->port, paths[i].path, NULL, out, sizeof(out));
		if (st < paths[i].lo || st > paths[i].hi)
			fail_msg("%s: status %d", paths[i].path, st);
		assert_alive(f);
	}
	/* A 100 KB path: refused (414/431/400) or cut off, never served. */
	big = malloc(100001);
	assert_non_null(big);
	big[0] = '/';
	memset(big + 1, 'a', 99999);
	big[100000] = '\0';
	st = raw_get(f->port, big, NULL, out, sizeof(out));
	if (st != 0 && (st < 400 || st > 499))
		fail_msg("long URL: status %d", st);
	assert_alive(f);
	/* A path just over API_URL_MAX but within the memory limit: 414. */
	big[API_URL_MAX + 10] = '\0';
	st = raw_get(f->port, big, NULL, out, sizeof(out));
	assert_int_equal(st, 414);
	assert_alive(f);
	free(big);
	/* A 64 KB header. */
	hdr = malloc(70000);
	assert_non_null(hdr);
	memcpy(hdr, "X-Big: ", 7);
	memset(hdr + 7, 'b', 65536);
	memcpy(hdr + 7 + 65536, "\r\n", 3);
	st = raw_get(f->port, "/healthz", hdr, out, sizeof(out));
	if (st != 0 && (st < 400 || st > 499))
		fail_msg("huge header: status %d", st);
	assert_alive(f);
	free(hdr);
	/* Garbage on a raw socket. */
	for (i = 0; i < ARRAY_LEN(garbage); i++) {
		st = raw(f->port, garbage[i], strlen(garbage[i]), out,
		    sizeof(out));
		if (st != 0 && (st < 400 || st > 505))
			fail_msg("garbage %zu: status %d", i, st);
		assert_alive(f);
	}
}

/* Over the limit of connections receiving a request, the oldest is
 * closed at once (new clients get in); idle ones are closed when their
 * request has not come within the timeout; the server recovers. */
static void
test_limits(void **state)
{
	struct fx *f = fx_new(NULL, 2, 1);
	struct sockaddr_in sin;
	struct timeval tv = { 4, 0 };
	struct timespec gap = { 0, 50000000L };
	int fds[3], i;
	int64_t t0, ms;
	char c, out[2048];
	ssize_t n;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 3; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		nanosleep(&gap, NULL);  /* the server sees them in order */
	}
	/* The third is over the limit of 2: the first is closed at once. */
	t0 = now_mono_ns();
	n = recv(fds[0], &c, 1, 0);
	ms = (now_mono_ns() - t0) / 1000000;
	if (n != 0 || ms > 500)
		fail_msg("oldest: recv %zd after %lld ms", n, (long long)ms);
	/* The two others by the 1 s timeout. */
	for (i = 1; i < 3; i++) {
		n = recv(fds[i], &c, 1, 0);
		assert_int_equal(n, 0);
	}
	ms = (now_mono_ns() - t0) / 1000000;
	if (ms < 700 || ms > 3000)
		fail_msg("idle connections closed after %lld ms", (long long)ms);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(raw_get(f->port, "/healthz", NULL, out, sizeof(out)),
	    200);
	fx_free(f);
}

/* A reply over reply_max: 500 with a JSON error, and small replies
 * still served. */
static void
test_reply_cap(void **state)
{
	struct fx *f = fx_new_reply_max(NULL, 0, 0, 1000);
	cJSON *j;

	(void)state;
	j = get_json(f, "/v1/containers", NULL, 500);
	assert_str(j, "error", "reply too large");
	cJSON_Delete(j);
	j = get_json(f, "/healthz", NULL, 200);
	assert_str(j, "status", "ok");
	cJSON_Delete(j);
	fx_free(f);
}

static void
test_parse_listen(void **state)
{
	static const struct {
		const char *in;
		int         ok, family;
		unsigned    port;
	} cases[] = {
		{ "127.0.0.1:9108", 1, AF_INET, 9108 },
		{ "0.0.0.0:0", 1, AF_INET, 0 },
		{ "[::1]:9108", 1, AF_INET6, 9108 },
		{ "[::]:80", 1, AF_INET6, 80 },
		{ "127.0.0.1", 0, 0, 0 },
		{ "127.0.0.1:", 0, 0, 0 },
		{ "127.0.0.1:65536", 0, 0, 0 },
		{ "127.0.0.1:-1", 0, 0, 0 },
		{ "127.0.0.1:9108x", 0, 0, 0 },
		{ "localhost:9108", 0, 0, 0 },
		{ "::1:9108", 0, 0, 0 },
		{ "[::1]9108", 0, 0, 0 },
		{ "[127.0.0.1]:9108", 0, 0, 0 },
		{ ":9108", 0, 0, 0 },
		{ "", 0, 0, 0 },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		r = httpd_parse_listen(cases[i].in, &ss, &len, err,
		    sizeof(err));
		if ((r == 0) != cases[i].ok)
			fail_msg("%s: got %d", cases[i].in, r);
		if (!cases[i].ok)
			continue;
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(ntohs(cases[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port), cases[i].port);
	}
}

/* Can this host bind a TCP socket on [::1]?  Decided without hoist's code,
 * so test_ipv6 knows which outcome to demand. */
static int
ipv6_loopback_usable(void)
{
	struct sockaddr_in6 sa;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void
test_ipv6(void **state)
{
	struct container_table t;
	struct api_options o;
	struct http_client *h;
	struct http_request r;
	struct http_response resp;
	struct api *a;
	char err[256], url[128];

	(void)state;
	fix_table_init(&t);
	memset(&o, 0, sizeof(o));
	o.listen = "[::1]:0";
	a = api_start(&t, &o, err, sizeof(err));
	if (!ipv6_loopback_usable()) {
		/* A host with IPv6 off: the API must refuse with a message,
		 * not start half-way. */
		assert_null(a);
		assert_int_not_equal(err[0], '\0');
		fix_table_free(&t);
		return;
	}
	assert_non_null(a);
	h = http_client_new();
	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://[::1]:%u/v1/apps/shop/web",
	    api_port(a));
	r.url = url;
	http_response_init(&resp);
	assert_int_equal(http_do(h, &r, &resp), HTTP_OK);
	assert_int_equal(resp.status, 200);
	http_response_free(&resp);
	http_client_free(h);
	api_stop(a);
	fix_table_free(&t);
}

static void
test_disabled_and_bad_listen(void **state)
{
	struct container_table t;
	struct api_options o;
	char err[256];

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(api_enabled(&o), 0);
	o.listen = "none";
	assert_int_equal(api_enabled(&o), 0);
	o.listen = API_LISTEN_DEFAULT;
	assert_int_equal(api_enabled(&o), 1);
	fix_table_init(&t);
	o.listen = "nowhere:1";
	assert_null(api_start(&t, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "nowhere:1"));
	api_stop(NULL);
	fix_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_labels_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_shop_web, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_nested_without_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_healthz_clock_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_bad_token_file),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_disabled_and_bad_listen),
	};
	int rc;

	http_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_cleanup();
	return rc;
}
