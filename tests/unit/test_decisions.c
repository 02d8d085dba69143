/*
 * test_decisions.c — the ring keeps the newest `cap` decisions and
 * answers newest first, filtered by app; the last decision per app; the
 * exact line protocol and JSON of a decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asserts.h"
#include <cJSON.h>

#include "common/util.h"
#include "scaler/decisions.h"

static void
mk(struct policy_decision *d, const char *app, int64_t t, int cur)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->app_id, sizeof(d->app_id), "%s", app);
	d->time_s = t;
	d->current = cur;
	d->desired = cur + 1;
	d->action = POLICY_SCALE;
}

static void
test_ring(void **state)
{
	struct decisions *d = decisions_new(4);
	struct policy_decision dec, out[8];
	size_t n;
	int i;

	(void)state;
	assert_non_null(d);
	for (i = 1; i <= 6; i++) {
		mk(&dec, i % 2 ? "/odd" : "/even", i, i);
		decisions_add(d, &dec);
	}
	/* Holds 3..6, newest first. */
	n = decisions_query(d, NULL, 8, out);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].time_s, 6);
	assert_int_equal(out[3].time_s, 3);
	n = decisions_query(d, NULL, 2, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].time_s, 5);
	n = decisions_query(d, "/odd", 8, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].time_s, 5);
	assert_int_equal(out[1].time_s, 3);
	assert_int_equal(decisions_query(d, "/none", 8, out), 0);
	assert_int_equal(decisions_last(d, "/even", &dec), 0);
	assert_int_equal(dec.time_s, 6);
	decisions_forget(d, "/even");
	assert_int_equal(decisions_last(d, "/even", &dec), -1);
	assert_int_equal(decisions_last(d, "/odd", &dec), 0);
	assert_int_equal(dec.time_s, 5);
	decisions_free(d);
	decisions_free(NULL);
}

static void
test_lp(void **state)
{
	struct policy_decision dec;
	struct buf b;

	(void)state;
	mk(&dec, "/shop/web", 1700000000, 2);
	dec.running = 2;
	dec.has_cpu = 1;
	dec.cpu = 91.5;
	dec.tasks_with_metrics = 2;
	dec.tasks_total = 2;
	snprintf(dec.reason, sizeof(dec.reason), "cpu \"high\"");
	buf_init(&b, 4096);
	assert_int_equal(decisions_to_lp(&dec, &b), 1);
	assert_string_equal(b.data, "hoist_scaling,app_id=/shop/web,"
	    "action=scale current=2i,desired=3i,running=2i,"
	    "reason=\"cpu \\\"high\\\"\",cpu=91.5,tasks_with_metrics=2i,"
	    "tasks_total=2i 1700000000000000000\n");
	/* With ZooKeeper the deciding instance is a tag. */
	str_copy_trunc(dec.scaler, "scaler-a", sizeof(dec.scaler));
	buf_reset(&b);
	assert_int_equal(decisions_to_lp(&dec, &b), 1);
	assert_string_equal(b.data, "hoist_scaling,app_id=/shop/web,"
	    "action=scale,scaler=scaler-a current=2i,desired=3i,running=2i,"
	    "reason=\"cpu \\\"high\\\"\",cpu=91.5,tasks_with_metrics=2i,"
	    "tasks_total=2i 1700000000000000000\n");
	buf_free(&b);
}

static void
test_json(void **state)
{
	struct policy_decision dec;
	cJSON *o;

	(void)state;
	mk(&dec, "/a", 0, 1);
	dec.action = POLICY_DEFERRED;
	dec.has_mem = 1;
	dec.mem = 12.5;
	o = decisions_to_cjson(&dec);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "time")->valuestring,
	    "1970-01-01T00:00:00Z");
	assert_string_equal(cJSON_GetObjectItem(o, "action")->valuestring,
	    "deferred");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "cpu")));
	assert_double_equal(cJSON_GetObjectItem(o, "mem")->valuedouble, 12.5);
	assert_int_equal(cJSON_GetObjectItem(o, "desired")->valueint, 2);
	assert_null(cJSON_GetObjectItem(o, "scaler"));
	cJSON_Delete(o);
	str_copy_trunc(dec.scaler, "s2", sizeof(dec.scaler));
	o = decisions_to_cjson(&dec);
	assert_string_equal(cJSON_GetObjectItem(o, "scaler")->valuestring,
	    "s2");
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_lp),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
