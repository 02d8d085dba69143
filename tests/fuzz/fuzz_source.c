/*
 * fuzz_source.c — libFuzzer harness for the replies the scaler reads its
 * metrics from (scaler/source_agents.c, scaler/source_influxdb.c): an
 * agent's GET /v1/apps{app_id} reply (source_decode_agent), its
 * every-app GET /v1/apps reply of fleet rounds (source_decode_agent_all,
 * which must match only the tasks placed on the host asked) and an
 * InfluxDB 1.x /query reply
 * (source_decode_influx), plus the InfluxQL text built from an app id.
 *
 * Input: the reply body, decoded both ways against three tasks.
 * Checked: a figure taken is a number from 0 to POLICY_PCT_MAX (the range
 * check issue 9 added; 1e22 once reached the policy's (int) cast), a
 * rejected one is counted with the field's name, and the query text is
 * refused for an id with a quote or a backslash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scaler/policy.h"
#include "scaler/source.h"
#include "scaler/source_impl.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct orch_task otasks[3] = {
	{ .id = "t0", .host = "127.0.0.1" },
	{ .id = "shop_web.a1", .host = "127.0.0.1" },
	{ .id = "", .host = "::1" },
};

static void
check(const struct source_task *t, size_t n, int matched)
{
	size_t i;

	if (matched < -1)
		abort();
	for (i = 0; i < n; i++) {
		if (t[i].has_cpu && !(t[i].cpu >= 0 &&
		    t[i].cpu <= POLICY_PCT_MAX))
			abort();
		if (t[i].has_mem && !(t[i].mem >= 0 &&
		    t[i].mem <= POLICY_PCT_MAX))
			abort();
		if (t[i].invalid < 0 || (t[i].invalid > 0 &&
		    t[i].invalid_field == NULL))
			abort();
	}
}

static void
decode(int influx, const char *body, size_t len)
{
	struct source_task t[3];
	size_t i;
	int m;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++)
		t[i].task = &otasks[i];
	m = influx ? source_decode_influx(body, len, t, 3) :
	    source_decode_agent(body, len, t, 3);
	check(t, 3, m);
}

/* The every-app reply as host 127.0.0.1's: the ::1 task never matches. */
static void
decode_all(const char *body, size_t len)
{
	struct source_task t[3];
	struct source_task_index ix;
	size_t i;
	int m;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++)
		t[i].task = &otasks[i];
	if (source_index_build(&ix, t, 3) != 0)
		return;
	m = source_decode_agent_all(body, len, "127.0.0.1", &ix, t, 3);
	check(t, 3, m);
	if (t[2].has_cpu || t[2].has_mem || t[2].invalid)
		abort();
	source_index_free(&ix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size), q[2048];

	if (text == NULL)
		return 0;
	decode(0, text, size);
	decode(1, text, size);
	decode_all(text, size);
	if (source_influx_query(text, 60, q, sizeof(q)) == 0 &&
	    (strchr(text, '\'') != NULL || strchr(text, '\\') != NULL))
		abort();
	free(text);
	return 0;
}
