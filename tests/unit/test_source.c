/*
 * test_source.c — the agent and InfluxDB decoders (tables of bodies), the
 * InfluxQL text, and one live agents round on loopback: a stand-in
 * collector on 127.0.0.1 answers, the same port on ::1 refuses, so that
 * host's tasks end up without metrics and the failure is counted.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asserts.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "common/http.h"
#include "common/util.h"
#include "scaler/source.h"

static struct orch_task otasks[3] = {
	{ .id = "shop_web.a1", .host = "127.0.0.1" },
	{ .id = "shop_web.b2", .host = "127.0.0.1" },
	{ .id = "shop_web.c3", .host = "::1" },
};

static void
init_tasks(struct source_task *t)
{
	size_t i;

	memset(t, 0, 3 * sizeof(*t));
	for (i = 0; i < 3; i++)
		t[i].task = &otasks[i];
}

#define AGENT_BODY "{\"id\":\"/shop/web\",\"host\":\"h1\",\"task_count\":3," \
	"\"tasks\":[{\"mesos_task_id\":\"shop_web.a1\"," \
	"\"cpu_percent_of_limit\":91.5,\"mem_percent_of_limit\":40}," \
	"{\"mesos_task_id\":\"shop_web.b2\",\"cpu_percent_of_limit\":null," \
	"\"mem_percent_of_limit\":12.25}," \
	"{\"mesos_task_id\":\"other.x\",\"cpu_percent_of_limit\":5}," \
	"{\"mesos_task_id\":null}]}"

static void
test_decode_agent(void **state)
{
	struct source_task t[3];
	static const char *bad[] = { "", "[]", "{\"tasks\":5}", "{" };
	size_t i;

	(void)state;
	init_tasks(t);
	assert_int_equal(source_decode_agent(AGENT_BODY, strlen(AGENT_BODY),
	    t, 3), 2);
	assert_true(t[0].has_cpu);
	assert_double_equal(t[0].cpu, 91.5);
	assert_true(t[0].has_mem);
	assert_double_equal(t[0].mem, 40);
	assert_false(t[1].has_cpu);
	assert_true(t[1].has_mem);
	assert_double_equal(t[1].mem, 12.25);
	assert_false(t[2].has_cpu || t[2].has_mem);
	for (i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(source_decode_agent(bad[i], strlen(bad[i]), t,
		    3), -1);
}

static void
test_decode_influx(void **state)
{
	static const char body[] = "{\"results\":[{\"statement_id\":0,"
	    "\"series\":[{\"name\":\"container_cpu\",\"tags\":"
	    "{\"mesos_task_id\":\"shop_web.a1\"},\"columns\":[\"time\","
	    "\"mean\"],\"values\":[[0,70.5]]},{\"name\":\"container_cpu\","
	    "\"tags\":{\"mesos_task_id\":\"shop_web.c3\"},\"columns\":"
	    "[\"time\",\"mean\"],\"values\":[[0,null]]}]},"
	    "{\"statement_id\":1,\"series\":[{\"name\":\"container_mem\","
	    "\"tags\":{\"mesos_task_id\":\"shop_web.c3\"},\"columns\":"
	    "[\"time\",\"mean\"],\"values\":[[0,33]]}]}]}";
	static const char empty[] = "{\"results\":[{\"statement_id\":0},"
	    "{\"statement_id\":1}]}";
	static const char err[] = "{\"results\":[{\"statement_id\":0,"
	    "\"error\":\"database not found: x\"}]}";
	struct source_task t[3];

	(void)state;
	init_tasks(t);
	assert_int_equal(source_decode_influx(body, strlen(body), t, 3), 2);
	assert_true(t[0].has_cpu);
	assert_double_equal(t[0].cpu, 70.5);
	assert_false(t[0].has_mem);
	assert_false(t[2].has_cpu);
	assert_true(t[2].has_mem);
	assert_double_equal(t[2].mem, 33);
	init_tasks(t);
	assert_int_equal(source_decode_influx(empty, strlen(empty), t, 3), 0);
	assert_int_equal(source_decode_influx(err, strlen(err), t, 3), -1);
	assert_int_equal(source_decode_influx("{}", 2, t, 3), -1);
}

/*
 * Figures outside [0, 1000] % are rejected and counted, the task then has
 * no figure (issue 9: 1e22 reached the policy's (int)ceil()).
 */
static void
test_decode_agent_range(void **state)
{
	static const struct {
		const char *figure;
		int         has, invalid;
		double      value;          /* of the figure or the rejection */
	} cases[] = {
		{ "1e22", 0, 1, 1e22 },
		{ "1000", 1, 0, 1000 },
		{ "1000.0001", 0, 1, 1000.0001 },
		{ "0", 1, 0, 0 },
		{ "-0.5", 0, 1, -0.5 },
		{ "-1e308", 0, 1, -1e308 },
		{ "\"50\"", 0, 1, -1 },          /* -1: NaN expected */
		{ "true", 0, 1, -1 },
		{ "null", 0, 0, 0 },
	};
	char body[256];
	struct source_task t[3];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		init_tasks(t);
		snprintf(body, sizeof(body), "{\"tasks\":[{\"mesos_task_id\":"
		    "\"shop_web.a1\",\"cpu_percent_of_limit\":%s}]}",
		    cases[i].figure);
		assert_int_equal(source_decode_agent(body, strlen(body), t, 3),
		    1);
		if (t[0].has_cpu != cases[i].has ||
		    t[0].invalid != cases[i].invalid)
			fail_msg("figure %s: has_cpu %d invalid %d, want %d %d",
			    cases[i].figure, t[0].has_cpu, t[0].invalid,
			    cases[i].has, cases[i].invalid);
		if (cases[i].has)
			assert_double_equal(t[0].cpu, cases[i].value);
		if (!cases[i].invalid)
			continue;
		assert_string_equal(t[0].invalid_field,
		    "cpu_percent_of_limit");
		if (cases[i].value == -1)
			assert_true(isnan(t[0].invalid_value));
		else
			assert_double_equal(t[0].invalid_value, cases[i].value);
	}
}

static void
test_decode_influx_range(void **state)
{
	static const char body[] = "{\"results\":[{\"statement_id\":0,"
	    "\"series\":[{\"tags\":{\"mesos_task_id\":\"shop_web.a1\"},"
	    "\"values\":[[0,1e22]]},{\"tags\":{\"mesos_task_id\":"
	    "\"shop_web.b2\"},\"values\":[[0,-3]]}]},"
	    "{\"statement_id\":1,\"series\":[{\"tags\":{\"mesos_task_id\":"
	    "\"shop_web.a1\"},\"values\":[[0,20]]}]},"
	    "{\"statement_id\":7,\"series\":[{\"tags\":{\"mesos_task_id\":"
	    "\"shop_web.c3\"},\"values\":[[0,20]]}]}]}";
	struct source_task t[3];

	(void)state;
	init_tasks(t);
	assert_int_equal(source_decode_influx(body, strlen(body), t, 3), 1);
	assert_false(t[0].has_cpu);
	assert_int_equal(t[0].invalid, 1);
	assert_string_equal(t[0].invalid_field,
	    "container_cpu mean(usage_percent_of_limit)");
	assert_double_equal(t[0].invalid_value, 1e22);
	assert_true(t[0].has_mem);
	assert_double_equal(t[0].mem, 20);
	assert_false(t[1].has_cpu);
	assert_int_equal(t[1].invalid, 1);
	/* A third statement is not ours: ignored, not taken as memory. */
	assert_false(t[2].has_mem || t[2].has_cpu);
	assert_int_equal(t[2].invalid, 0);
}

static void
test_influx_query(void **state)
{
	char q[1024];

	(void)state;
	assert_int_equal(source_influx_query("/shop/web", 60, q, sizeof(q)),
	    0);
	assert_string_equal(q, "SELECT mean(\"usage_percent_of_limit\") "
	    "FROM \"container_cpu\" WHERE \"marathon_app_id\" = '/shop/web' "
	    "AND time > now() - 60s GROUP BY \"mesos_task_id\"; "
	    "SELECT mean(\"usage_percent\") FROM \"container_mem\" WHERE "
	    "\"marathon_app_id\" = '/shop/web' AND time > now() - 60s "
	    "GROUP BY \"mesos_task_id\"");
	assert_int_equal(source_influx_query("/a'b", 60, q, sizeof(q)), -1);
	assert_int_equal(source_influx_query("/a", 60, q, 10), -1);
}

static char last_url[256], last_auth[256];

static enum MHD_Result
agent(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls; (void)method; (void)version; (void)upload;
	(void)upload_size; (void)con_cls;
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");

	str_copy_trunc(last_url, url, sizeof(last_url));
	str_copy_trunc(last_auth, a ? a : "", sizeof(last_auth));
	r = MHD_create_response_from_buffer(strlen(AGENT_BODY),
	    (void *)(uintptr_t)AGENT_BODY, MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static void
test_fetch_agents(void **state)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct source_options o;
	struct source *s;
	struct source_task t[3];
	struct sockaddr_in sin;
	char err[512];

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    agent, NULL, MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_END);
	assert_non_null(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	memset(&o, 0, sizeof(o));
	o.kind = "agents";
	o.agent_port = info->port;
	o.timeout_ms = 1000;
	s = source_new(&o, err, sizeof(err));
	assert_non_null(s);
	init_tasks(t);
	t[2].has_cpu = 1;   /* cleared by the fetch */
	assert_int_equal(source_fetch(s, "/shop/web", t, 3, err,
	    sizeof(err)), 1);
	assert_non_null(strstr(err, "http://[::1]:"));
	assert_string_equal(last_url, "/v1/apps/shop/web");
	assert_true(t[0].has_cpu);
	assert_double_equal(t[0].cpu, 91.5);
	assert_true(t[1].has_mem);
	assert_double_equal(t[1].mem, 12.25);
	assert_false(t[2].has_cpu || t[2].has_mem);
	assert_string_equal(last_auth, "");
	source_free(s);
	/* With a token, every agent request carries it. */
	o.agent_token = "t0k";
	s = source_new(&o, err, sizeof(err));
	assert_non_null(s);
	init_tasks(t);
	assert_int_equal(source_fetch(s, "/shop/web", t, 3, err,
	    sizeof(err)), 1);
	assert_string_equal(last_auth, "Bearer t0k");
	assert_true(t[0].has_cpu);
	source_free(s);
	MHD_stop_daemon(d);
}

/* Issue 10 §2: the kinds are found by name in one table; an unknown
 * name or a kind's missing setting is a clear error. */
static void
test_kinds(void **state)
{
	struct source_options o;
	struct source *s;
	char err[256];

	(void)state;
	assert_ptr_equal(source_ops_find("agents"), &source_agents_ops);
	assert_ptr_equal(source_ops_find("influxdb"), &source_influxdb_ops);
	assert_null(source_ops_find("prometheus"));
	assert_null(source_ops_find(""));
	source_kinds(err, sizeof(err));
	assert_string_equal(err, "agents, influxdb");
	memset(&o, 0, sizeof(o));
	o.kind = "prometheus";
	assert_null(source_new(&o, err, sizeof(err)));
	assert_string_equal(err, "'prometheus' is not a source (agents, "
	    "influxdb)");
	o.kind = "influxdb";
	assert_null(source_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "needs source_influxdb_url"));
	o.influx_url = "http://127.0.0.1:8086";
	o.influx_db = "hoist";
	s = source_new(&o, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(source_name(s), "influxdb");
	source_free(s);
	o.kind = "agents";
	s = source_new(&o, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(source_name(s), "agents");
	source_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_agent),
		cmocka_unit_test(test_decode_influx),
		cmocka_unit_test(test_decode_agent_range),
		cmocka_unit_test(test_decode_influx_range),
		cmocka_unit_test(test_influx_query),
		cmocka_unit_test(test_fetch_agents),
		cmocka_unit_test(test_kinds),
	};

	http_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
