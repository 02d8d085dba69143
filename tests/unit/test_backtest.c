/*
 * test_backtest.c — the backtest replay (scaler/backtest.c) on synthetic
 * traces with hand-computed expectations: a step load (with and without
 * a scale delay), a daily sine with a spike (target mode, rate limit),
 * a signal flapping around the threshold (confirm cycles) and the
 * target (stabilization), data gaps (HPA's missing-metric rules), a
 * task count changing under the app (a deployment), and bad input.
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
#include <cJSON.h>

#include "common/buf.h"
#include "scaler/backtest.h"
#include "scaler/store.h"

#define T0 1700000000LL

/* Threshold rule on CPU, above 80 below 20, 1..10, no warmup. */
#define THR "{\"app_id\":\"/shop/web\",\"min_instances\":1," \
	"\"max_instances\":10,\"cpu\":{\"above\":80,\"below\":20}," \
	"\"warmup_s\":0,\"cooldown_up_s\":0"
#define TGT "{\"app_id\":\"/shop/web\",\"min_instances\":1," \
	"\"max_instances\":10,\"mode\":\"target\",\"cpu\":{\"target\":50}," \
	"\"warmup_s\":0,\"cooldown_up_s\":0,\"cooldown_down_s\":0"

static void
load_rule(const char *json, struct rule *r)
{
	struct rules_error re;

	if (rules_from_json(json, strlen(json), NULL, r, &re) != 0)
		fail_msg("rule %s: %s: %s", json, re.field, re.error);
}

static void
mk_trace(struct backtest_trace *tr, int64_t step, size_t n)
{
	char err[256];

	assert_int_equal(backtest_trace_init(tr, T0, T0 + (int64_t)n * step,
	    step, 1000000, err, sizeof(err)), BACKTEST_OK);
}

static void
put(struct backtest_trace *tr, const char *task, size_t s,
    enum backtest_metric m, double v)
{
	long k = backtest_trace_task(tr, task);

	assert_true(k >= 0);
	assert_int_equal(backtest_trace_set(tr, k, m,
	    tr->from_s + (int64_t)s * tr->step_s, v), 0);
}

static void
run(const char *rule, const struct backtest_trace *tr, int64_t delay,
    struct backtest_result *res)
{
	struct backtest_options o = { .scale_delay_s = delay };
	struct rule r;
	char err[256];

	load_rule(rule, &r);
	assert_int_equal(backtest_run(&r, tr, &o, res, err, sizeof(err)),
	    BACKTEST_OK);
}

/* Event k is a scale from -> to at step s (evaluated at its end). */
static void
expect_event(const struct backtest_result *res, size_t k,
    const struct backtest_trace *tr, size_t s, int from, int to)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "event %zu", k);
	if (k >= res->nevents)
		fail_msg("%s missing (%zu events)", msg, res->nevents);
	if (res->events[k].d.time_s != tr->from_s + (int64_t)(s + 1) *
	    tr->step_s || res->events[k].d.current != from ||
	    res->events[k].d.desired != to)
		fail_msg("%s: got t+%lld %d -> %d, want step %zu (t+%lld) "
		    "%d -> %d (%s)", msg, (long long)(res->events[k].d.time_s -
		    tr->from_s), res->events[k].d.current,
		    res->events[k].d.desired, s, (long long)((int64_t)(s + 1) *
		    tr->step_s), from, to, res->events[k].d.reason);
	assert_int_equal(res->events[k].d.action, POLICY_SCALE);
}

/* Two tasks at 50 %, then 90 % from step 5: confirmed at step 6. */
static void
step_load(struct backtest_trace *tr)
{
	size_t s;

	mk_trace(tr, 10, 20);
	for (s = 0; s < 20; s++) {
		put(tr, "a", s, BACKTEST_CPU, s < 5 ? 50 : 90);
		put(tr, "b", s, BACKTEST_CPU, s < 5 ? 50 : 90);
	}
}

static void
test_step_load(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s;

	(void)state;
	step_load(&tr);
	run(THR "}", &tr, 0, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 6, 2, 3);
	assert_non_null(strstr(res.events[0].d.reason, "for 2 evaluations"));
	assert_int_equal(res.sum.scale_ups, 1);
	assert_int_equal(res.sum.scale_downs, 0);
	assert_int_equal(res.sum.largest_step, 1);
	/* 90 % at steps 5 and 6 with two tasks, then 90 * 2 / 3 = 60. */
	assert_int_equal(res.sum.above_s, 20);
	assert_float_equal(res.simulated[0][7], 60.0, 1e-4);
	assert_float_equal(res.measured[0][7], 90.0, 1e-4);
	/* 7 steps at 2, 13 at 3, against 20 at 2, of 10 s each. */
	assert_float_equal(res.sum.instance_hours_simulated, 530.0 / 3600,
	    1e-9);
	assert_float_equal(res.sum.instance_hours_actual, 400.0 / 3600, 1e-9);
	for (s = 0; s < 20; s++)
		assert_int_equal(res.actual[s], 2);
	assert_int_equal(res.sum.end_simulated, 3);
	backtest_result_free(&res);

	/* A 30 s delay: two evaluations wait for the task, and load stays
	 * on two tasks (above 80) until it arrives at step 9. */
	run(THR "}", &tr, 30, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 6, 2, 3);
	assert_int_equal(res.sum.deferred, 2);
	assert_int_equal(res.sum.above_s, 40);
	assert_int_equal(res.sim[8], 2);
	assert_int_equal(res.sim[9], 3);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/*
 * Target 50 % on four tasks whose mean is 26 + 15 sin(2 pi i / 24) (two
 * days at one-hour steps), with a spike to 95 % at step 30.  With every
 * task reporting, S tasks each carry D / S of the total D = 4 * mean, so
 * HPA's recommendation is ceil(D / 50) unless D / (50 S) is within 10 %
 * of 1.  Worked out by hand (ratios and rate limits in the comments):
 */
static void
test_sine_spike(void **state)
{
	static const struct { size_t s; int from, to; } want[] = {
		{ 0, 4, 3 },    /* D 104: ratio .52, ceil(2.08) = 3 */
		{ 13, 3, 2 },   /* D 88.5: ceil(1.77) */
		{ 17, 2, 1 },   /* D 48.0: ceil(0.96) */
		{ 21, 1, 2 },   /* D 61.6: ratio 1.23 */
		{ 25, 2, 3 },   /* D 119.5: ceil(2.39) */
		{ 30, 3, 7 },   /* spike D 380: ceil(7.6) = 8, rate limit
				 * max(2 * 3, 3 + 4) = 7 */
		{ 31, 7, 4 },   /* D 119.5 / 7 = 17.1 %: ceil(2.39) = 3,
				 * down at most 50 %: ceil(3.5) = 4 */
		{ 33, 4, 3 },   /* D 134: ceil(2.68) */
		{ 37, 3, 2 },   /* D 88.5 */
		{ 41, 2, 1 },   /* D 48.0 */
		{ 45, 1, 2 },   /* D 61.6 */
	};
	static const char *const tasks[] = { "a", "b", "c", "d" };
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s, k;

	(void)state;
	mk_trace(&tr, 3600, 48);
	for (s = 0; s < 48; s++)
		for (k = 0; k < 4; k++)
			put(&tr, tasks[k], s, BACKTEST_CPU, s == 30 ? 95 :
			    26 + 15 * sin(2 * M_PI * (double)s / 24));
	run(TGT ",\"stabilization_s\":0}", &tr, 0, &res);
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		expect_event(&res, k, &tr, want[k].s, want[k].from, want[k].to);
	assert_int_equal(res.nevents, sizeof(want) / sizeof(want[0]));
	assert_int_equal(res.sum.scale_ups, 4);
	assert_int_equal(res.sum.scale_downs, 7);
	assert_int_equal(res.sum.largest_step, 4);
	assert_int_equal(res.sum.max_simulated, 7);
	assert_int_equal(res.sum.flaps, 0);   /* hours apart */
	assert_non_null(strstr(res.events[5].d.reason, "rate limit"));
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/* Per-task CPU alternating 85 / 15 on two tasks, 20 steps. */
static void
flapping(struct backtest_trace *tr, double hi, double lo)
{
	size_t s;

	mk_trace(tr, 10, 20);
	for (s = 0; s < 20; s++) {
		put(tr, "a", s, BACKTEST_CPU, s % 2 ? lo : hi);
		put(tr, "b", s, BACKTEST_CPU, s % 2 ? lo : hi);
	}
}

static void
test_flapping_threshold(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;

	(void)state;
	flapping(&tr, 85, 15);
	/* One confirming cycle, no cooldowns: up at 85 %, then 15 * 2 / 3
	 * = 10 % is below 20: down, and so on, every step a flap. */
	run(THR ",\"confirm_cycles\":1,\"cooldown_down_s\":0}", &tr, 0, &res);
	assert_int_equal(res.nevents, 20);
	expect_event(&res, 0, &tr, 0, 2, 3);
	expect_event(&res, 1, &tr, 1, 3, 2);
	assert_int_equal(res.sum.flaps, 19);
	backtest_result_free(&res);
	/* Two confirming cycles: no signal lasts two evaluations. */
	run(THR ",\"confirm_cycles\":2,\"cooldown_down_s\":0}", &tr, 0, &res);
	assert_int_equal(res.nevents, 0);
	assert_int_equal(res.sum.flaps, 0);
	assert_int_equal(res.sum.end_simulated, 2);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

static void
test_flapping_target(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;

	(void)state;
	flapping(&tr, 80, 20);
	/* 300 s window: up 2 -> 4 (ratio 1.6, ceil(3.2)); then 40 / 4 =
	 * 10 % recommends 1, held at 4 by the window's highest. */
	run(TGT ",\"stabilization_s\":300}", &tr, 0, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 0, 2, 4);
	assert_int_equal(res.sum.flaps, 0);
	backtest_result_free(&res);
	/* No window: 4 -> 2 (down 50 % at most), 2 -> 4 (start 4 - 2
	 * added = 0: 0 + 4), 4 -> 3 (start 4 + 2 removed = 6: ceil(3)). */
	run(TGT ",\"stabilization_s\":0}", &tr, 0, &res);
	expect_event(&res, 0, &tr, 0, 2, 4);
	expect_event(&res, 1, &tr, 1, 4, 2);
	expect_event(&res, 2, &tr, 2, 2, 4);
	expect_event(&res, 3, &tr, 3, 4, 3);
	assert_true(res.sum.flaps >= 3);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/*
 * Gaps: steps 3-5 without any figure (no metrics: nothing happens); at
 * step 6 one task at 90 and the other missing (missing counts as 0 % for
 * a scale-up: mean 45), at step 7 one at 10 and one missing (a missing
 * task never allows a scale-down).
 */
static void
test_gaps(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s;

	(void)state;
	mk_trace(&tr, 10, 10);
	for (s = 0; s < 10; s++) {
		if (s >= 3 && s <= 5)
			continue;
		put(&tr, "a", s, BACKTEST_CPU, s == 6 ? 90 : s == 7 ? 10 : 50);
		if (s != 6 && s != 7)
			put(&tr, "b", s, BACKTEST_CPU, 50);
	}
	run(THR ",\"confirm_cycles\":1,\"cooldown_down_s\":0}", &tr, 0, &res);
	assert_int_equal(res.nevents, 0);
	assert_int_equal(res.sum.steps_no_data, 3);
	assert_true(isnan(res.measured[0][4]));
	assert_float_equal(res.measured[0][6], 90, 1e-4);
	for (s = 0; s < 10; s++)
		assert_int_equal(res.actual[s], 2);
	backtest_result_free(&res);
	/* The same with both tasks at 90 at step 6 does scale. */
	put(&tr, "b", 6, BACKTEST_CPU, 90);
	run(THR ",\"confirm_cycles\":1,\"cooldown_down_s\":0}", &tr, 0, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 6, 2, 3);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/*
 * A deployment replaces tasks a, b with c, d, e at step 10, each at 60 %:
 * the total demand grows from 120 to 180, which the simulated two tasks
 * carry at 90 % each: up after two confirming steps (10, 11).
 */
static void
test_deployment(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s;

	(void)state;
	mk_trace(&tr, 10, 20);
	for (s = 0; s < 20; s++) {
		put(&tr, s < 10 ? "a" : "c", s, BACKTEST_CPU, 60);
		put(&tr, s < 10 ? "b" : "d", s, BACKTEST_CPU, 60);
		if (s >= 10)
			put(&tr, "e", s, BACKTEST_CPU, 60);
	}
	run(THR "}", &tr, 0, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 11, 2, 3);
	assert_int_equal(res.events[0].actual, 3);
	assert_int_equal(res.actual[9], 2);
	assert_int_equal(res.actual[10], 3);
	assert_float_equal(res.simulated[0][10], 90, 1e-4);
	assert_float_equal(res.simulated[0][12], 60, 1e-4);
	assert_int_equal(res.sum.max_actual, 3);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/*
 * The live scaler's records say 3 tasks run while 2 report 90 %: the
 * third is a missing metric (0 % for a scale-up: mean 60), so no scale,
 * where the tasks alone would scale at step 1.  From step 5 the records
 * say 2 (and carry over): up at step 6.
 */
static void
test_recorded_count(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s;

	(void)state;
	mk_trace(&tr, 10, 10);
	for (s = 0; s < 10; s++) {
		put(&tr, "a", s, BACKTEST_CPU, 90);
		put(&tr, "b", s, BACKTEST_CPU, 90);
	}
	assert_int_equal(backtest_trace_set_count(&tr, T0 + 3, 3), 0);
	assert_int_equal(backtest_trace_set_count(&tr, T0 + 50, 2), 0);
	assert_int_equal(backtest_trace_set_count(&tr, T0 + 60, 2.5), 1);
	assert_int_equal(backtest_trace_set_count(&tr, T0 + 60, -1), 1);
	assert_int_equal(backtest_trace_set_count(&tr, T0 - 10, 2), 1);
	assert_int_equal(tr.nrecorded, 2);
	run(THR "}", &tr, 0, &res);
	assert_int_equal(res.sum.start_instances, 3);
	assert_int_equal(res.actual[4], 3);
	assert_int_equal(res.actual[5], 2);
	assert_int_equal(res.actual[9], 2);
	assert_int_equal(res.sum.steps_recorded, 10);
	/* S = 3 and A = 3 at first: 2 of 3 report 90 * 3 / 3; mean over all
	 * 60: no signal.  A = 2 from step 5: 180 / 3 = 60 each, all three
	 * report (round(3 * 2 / 2)): still none.  Nothing to do. */
	assert_int_equal(res.nevents, 0);
	backtest_result_free(&res);
	/* Without records the same figures scale 2 -> 3 at step 1. */
	free(tr.recorded);
	tr.recorded = NULL;
	tr.nrecorded = 0;
	run(THR "}", &tr, 0, &res);
	assert_int_equal(res.nevents, 1);
	expect_event(&res, 0, &tr, 1, 2, 3);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

/* No scale: the simulated count is the actual one at every step. */
static void
test_no_change(void **state)
{
	struct backtest_trace tr;
	struct backtest_result res;
	size_t s;

	(void)state;
	mk_trace(&tr, 10, 30);
	for (s = 0; s < 30; s++) {
		put(&tr, "a", s, BACKTEST_CPU, 40 + (double)(s % 7));
		put(&tr, "a", s, BACKTEST_MEM, 30);
		put(&tr, "b", s, BACKTEST_CPU, 50);
	}
	run(THR "}", &tr, 30, &res);
	assert_int_equal(res.nevents, 0);
	for (s = 0; s < 30; s++) {
		assert_int_equal(res.sim[s], res.actual[s]);
		assert_float_equal(res.simulated[0][s], res.measured[0][s],
		    1e-4);
	}
	assert_float_equal(res.sum.instance_hours_simulated,
	    res.sum.instance_hours_actual, 1e-9);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

static void
test_bad_input(void **state)
{
	struct backtest_options o = { .scale_delay_s = 30 };
	struct backtest_trace tr;
	struct backtest_result res;
	struct rule r;
	char err[256];
	long k;

	(void)state;
	assert_int_equal(backtest_trace_init(&tr, T0 + 10, T0, 10, 1000, err,
	    sizeof(err)), BACKTEST_E_INPUT);
	assert_non_null(strstr(err, "not before"));
	assert_int_equal(backtest_trace_init(&tr, T0, T0 + 100000, 10, 1000,
	    err, sizeof(err)), BACKTEST_E_INPUT);
	assert_non_null(strstr(err, "backtest_max_points"));
	assert_int_equal(backtest_trace_init(&tr, T0, T0 + 100, 0, 1000, err,
	    sizeof(err)), BACKTEST_E_INPUT);
	assert_int_equal(backtest_trace_init(&tr, T0, T0 + 5, 10, 1000, err,
	    sizeof(err)), BACKTEST_E_INPUT);
	assert_int_equal(backtest_trace_init(&tr, BACKTEST_TIME_MAX,
	    BACKTEST_TIME_MAX + 100, 10, 1000, err, sizeof(err)),
	    BACKTEST_E_INPUT);

	/* No figure: no data; a figure out of range is refused, counted. */
	mk_trace(&tr, 10, 10);
	load_rule(THR "}", &r);
	assert_int_equal(backtest_run(&r, &tr, &o, &res, err, sizeof(err)),
	    BACKTEST_E_INPUT);
	assert_non_null(strstr(err, "no data"));
	k = backtest_trace_task(&tr, "a");
	assert_int_equal(backtest_trace_set(&tr, k, BACKTEST_CPU, T0, 1e22),
	    1);
	assert_int_equal(backtest_trace_set(&tr, k, BACKTEST_CPU, T0, NAN), 1);
	assert_int_equal(backtest_trace_set(&tr, k, BACKTEST_CPU, T0 - 10, 5),
	    1);
	assert_int_equal(tr.invalid, 2);
	assert_int_equal(backtest_run(&r, &tr, &o, &res, err, sizeof(err)),
	    BACKTEST_E_INPUT);
	/* A rule failing validation. */
	put(&tr, "a", 1, BACKTEST_CPU, 50);
	r.min_instances = 5;
	r.max_instances = 2;
	assert_int_equal(backtest_run(&r, &tr, &o, &res, err, sizeof(err)),
	    BACKTEST_E_INPUT);
	assert_non_null(strstr(err, "max_instances"));
	load_rule(THR "}", &r);
	o.scale_delay_s = -1;
	assert_int_equal(backtest_run(&r, &tr, &o, &res, err, sizeof(err)),
	    BACKTEST_E_INPUT);
	backtest_trace_free(&tr);
}

/* A task's memory seen before its CPU: the life grows backwards. */
static void
test_trace_grows_both_ways(void **state)
{
	struct backtest_trace tr;

	(void)state;
	mk_trace(&tr, 10, 100);
	put(&tr, "a", 50, BACKTEST_CPU, 10);
	put(&tr, "a", 3, BACKTEST_MEM, 20);
	put(&tr, "a", 90, BACKTEST_MEM, 30);
	assert_int_equal(tr.tasks[0].first, 3);
	assert_int_equal(tr.tasks[0].n, 88);
	assert_float_equal(tr.tasks[0].fig[BACKTEST_CPU][47], 10, 0);
	assert_true(isnan(tr.tasks[0].fig[BACKTEST_CPU][0]));
	assert_float_equal(tr.tasks[0].fig[BACKTEST_MEM][0], 20, 0);
	assert_int_equal(tr.figures, 3);
	backtest_trace_free(&tr);
}

static void
test_outputs(void **state)
{
	struct backtest_options o = { .scale_delay_s = 0 };
	struct backtest_trace tr;
	struct backtest_result res;
	struct rule r;
	struct buf b;
	cJSON *j;
	char *text;

	(void)state;
	step_load(&tr);
	run(THR "}", &tr, 0, &res);
	load_rule(THR "}", &r);
	j = backtest_to_cjson(&r, &tr, &o, &res);
	text = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(text, "\"complete\":true"));
	assert_non_null(strstr(text, "\"timeline\":[{\"time\":"
	    "\"2023-11-14T22:14:30Z\",\"time_s\":1700000070,\"action\":"
	    "\"scale\",\"from\":2,\"to\":3,\"actual\":2,"));
	assert_non_null(strstr(text, "\"scale_ups\":1,"));
	free(text);
	cJSON_Delete(j);

	buf_init(&b, 1 << 20);
	assert_int_equal(backtest_to_lp(&r, &res, &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "hoist_backtest,app_id=/shop/web,"
	    "action=scale current=2i,desired=3i,actual=2i,reason="));
	assert_non_null(strstr(b.data, " 1700000070000000000\n"));
	buf_reset(&b);
	assert_int_equal(backtest_to_text(&r, &tr, &o, &res, &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "2023-11-14T22:14:30Z  scale   2->3"));
	assert_non_null(strstr(b.data, "scale ups 1, scale downs 0"));
	buf_reset(&b);
	assert_int_equal(backtest_to_svg(&r, &tr, &res, &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "<svg xmlns="));
	assert_non_null(strstr(b.data, "cpu above 80"));
	assert_non_null(strstr(b.data, "<title>2 -&gt; 3</title>"));
	assert_non_null(strstr(b.data, "</svg>\n"));
	buf_free(&b);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
}

static void
test_parse_time(void **state)
{
	static const struct { const char *in; int ok; int64_t want; } c[] = {
		{ "now", 1, T0 },
		{ "now-7d", 1, T0 - 7 * 86400 },
		{ "-90s", 1, T0 - 90 },
		{ "now-2h", 1, T0 - 7200 },
		{ "now-1w", 1, T0 - 604800 },
		{ "1700000000", 1, 1700000000 },
		{ "2023-11-14T22:13:20Z", 1, 1700000000 },
		{ "2023-11-15T00:13:20+02:00", 1, 1700000000 },
		{ "now-", 0, 0 },
		{ "now-7", 0, 0 },
		{ "now-7y", 0, 0 },
		{ "now--7d", 0, 0 },
		{ "now-99999999999w", 0, 0 },   /* before 1970 */
		{ "9000000000", 1, 9000000000LL },
		{ "9000000001", 0, 0 },          /* its ns overflow */
		{ "99999999999", 0, 0 },
		{ "9999-12-31T23:59:59Z", 0, 0 },
		{ "0", 0, 0 },
		{ "-1", 0, 0 },
		{ "2023-11-14", 0, 0 },
		{ "yesterday", 0, 0 },
		{ "", 0, 0 },
	};
	size_t i;
	int64_t t;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int rc = backtest_parse_time(c[i].in, T0, &t);

		if ((rc == 0) != c[i].ok || (c[i].ok && t != c[i].want))
			fail_msg("'%s': rc %d t %lld", c[i].in, rc, (long long)t);
	}
}

static void
test_request_json(void **state)
{
	static const struct { const char *body, *field; } bad[] = {
		{ "{\"to\":1700000000}", "from" },
		{ "{\"from\":1700000000}", "to" },
		{ "{\"from\":\"x\",\"to\":1}", "from" },
		{ "{\"from\":1,\"to\":2,\"step_s\":0}", "step_s" },
		{ "{\"from\":1,\"to\":2,\"step_s\":1.5}", "step_s" },
		{ "{\"from\":1,\"to\":2,\"scale_delay_s\":-1}", "scale_delay_s" },
		{ "{\"from\":1,\"to\":2,\"plot\":true}", "plot" },
		{ "{\"from\":1,\"to\":2,\"rule\":{\"app_id\":\"/b\","
		  "\"min_instances\":1,\"max_instances\":2,\"cpu\":{\"above\":80,"
		  "\"below\":20}}}", "rule.app_id" },
		{ "[]", "" },
		{ "", "" },
	};
	struct backtest_request rq;
	char err[256], field[80];
	const char *ok = "{\"from\":\"now-1h\",\"to\":1700000000,\"step_s\":60,"
	    "\"scale_delay_s\":0,\"rule\":{\"min_instances\":1,"
	    "\"max_instances\":2,\"cpu\":{\"above\":80,\"below\":20}}}";
	size_t i;

	(void)state;
	assert_int_equal(backtest_request_from_json(ok, strlen(ok), "/shop/web",
	    T0, &rq, field, sizeof(field), err, sizeof(err)), 0);
	assert_int_equal(rq.from_s, T0 - 3600);
	assert_int_equal(rq.to_s, 1700000000);
	assert_int_equal(rq.step_s, 60);
	assert_int_equal(rq.scale_delay_s, 0);
	assert_true(rq.has_rule);
	assert_string_equal(rq.rule.app_id, "/shop/web");
	ok = "{\"from\":1,\"to\":2}";
	assert_int_equal(backtest_request_from_json(ok, strlen(ok), "/shop/web",
	    T0, &rq, field, sizeof(field), err, sizeof(err)), 0);
	assert_false(rq.has_rule);
	assert_int_equal(rq.scale_delay_s, BACKTEST_DELAY_DEFAULT);
	assert_int_equal(rq.step_s, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (backtest_request_from_json(bad[i].body, strlen(bad[i].body),
		    "/shop/web", T0, &rq, field, sizeof(field), err,
		    sizeof(err)) == 0)
			fail_msg("accepted %s", bad[i].body);
		if (strcmp(field, bad[i].field) != 0 || err[0] == '\0')
			fail_msg("%s: field '%s' (want '%s'): %s", bad[i].body,
			    field, bad[i].field, err);
	}
}

/* ---- the stored rule from a store backend (backtest_stored_rule) ---- */

static struct {
	const char *data;        /* our node's data, NULL: none */
	int         deleted;     /* then a watch says it is gone */
	const char *bad_where;   /* a node the backend reports bad */
	int         stale, open_fails, load_fails;
	unsigned    closed, writes;
	struct store_listener l;
} fs;

static void *
fs_open(const char *spec, const struct store_listener *l, char *err,
    size_t errlen)
{
	assert_string_equal(spec, "fake://x");
	fs.l = *l;
	if (fs.open_fails) {
		snprintf(err, errlen, "cannot connect");
		return NULL;
	}
	return &fs;
}

static void
fs_node(const char *app, const char *where, const char *data)
{
	struct store_node n;

	memset(&n, 0, sizeof(n));
	n.kind = STORE_RULE;
	n.app_id = app;
	n.where = where;
	n.data = data;
	n.len = data != NULL ? strlen(data) : 0;
	fs.l.node(fs.l.arg, &n);
}

#define FS_RULE(id, max) "{\"app_id\":\"" id "\",\"min_instances\":1," \
	"\"max_instances\":" #max ",\"cpu\":{\"above\":80,\"below\":20}}"

static int
fs_load_all(void *ctx, char *err, size_t errlen)
{
	struct store_node st;

	(void)ctx;
	if (fs.load_fails) {
		snprintf(err, errlen, "session lost");
		return -1;
	}
	fs_node("/other/app", "fake:/rules/other%2Fapp", FS_RULE("/other/app",
	    3));
	/* a state node of our app: not a rule */
	memset(&st, 0, sizeof(st));
	st.kind = STORE_STATE;
	st.app_id = "/shop/web";
	st.where = "fake:/state/shop%2Fweb";
	st.data = "{}";
	st.len = 2;
	fs.l.node(fs.l.arg, &st);
	if (fs.data != NULL)
		fs_node("/shop/web", "fake:/rules/shop%2Fweb", fs.data);
	if (fs.deleted)
		fs_node("/shop/web", "fake:/rules/shop%2Fweb", NULL);
	if (fs.bad_where != NULL)
		fs.l.bad(fs.l.arg, fs.bad_where, "2000000 bytes: too large");
	fs.l.health(fs.l.arg, fs.stale ? STORE_HEALTH_STALE :
	    STORE_HEALTH_OK);
	return 0;
}

static void
fs_apply(void *ctx, struct store_write *w, size_t n)
{
	(void)ctx;
	(void)w;
	fs.writes += (unsigned)n;
}

static void
fs_close(void *ctx)
{
	(void)ctx;
	fs.closed++;
}

static const struct store_ops fs_ops = {
	.name = "fake",
	.open = fs_open,
	.load_all = fs_load_all,
	.apply = fs_apply,
	.close = fs_close,
};

/* One read: its result, err in err. */
static int
fs_read(struct rule *r, char *err, size_t errlen)
{
	const struct backtest_store src = { &fs_ops, "fake://x" };
	int rc;

	err[0] = '\0';
	rc = backtest_stored_rule(&src, "/shop/web", r, err, errlen);
	assert_int_equal(fs.writes, 0);     /* never a write */
	return rc;
}

static void
test_stored_rule_backend(void **state)
{
	static const struct {
		const char *data;
		int         deleted;
		const char *bad_where;
		int         stale, open_fails, load_fails;
		int         want;
		const char *msg;
	} c[] = {
		{ FS_RULE("/shop/web", 8), 0, NULL, 0, 0, 0, 0, NULL },
		/* the other app's rule only */
		{ NULL, 0, NULL, 0, 0, 0, -1,
		  "no --rule and no stored rule for /shop/web in the fake "
		  "store fake://x" },
		{ "{", 0, NULL, 0, 0, 0, -1,
		  "the stored rule of /shop/web: fake:/rules/shop%2Fweb: " },
		{ FS_RULE("/shop/web", 0), 0, NULL, 0, 0, 0, -1,
		  "fake:/rules/shop%2Fweb: max_instances" },
		{ FS_RULE("/shop/api", 8), 0, NULL, 0, 0, 0, -1,
		  "fake:/rules/shop%2Fweb: names another app" },
		{ FS_RULE("/shop/web", 8), 1, NULL, 0, 0, 0, -1,
		  "no stored rule for /shop/web" },
		{ NULL, 0, "fake:/root/rules/shop%2Fweb", 0, 0, 0, -1,
		  "fake:/root/rules/shop%2Fweb: 2000000 bytes: too large" },
		{ NULL, 0, "fake:/root/rules/shop%2Fweb2", 0, 0, 0, -1,
		  "no stored rule for /shop/web" },
		{ FS_RULE("/shop/web", 8), 0, NULL, 1, 0, 0, -2,
		  "the fake store fake://x is out of reach or refuses reads: "
		  "cannot read the rule of /shop/web" },
		{ NULL, 0, NULL, 0, 1, 0, -2,
		  "the fake store fake://x: cannot connect" },
		{ NULL, 0, NULL, 0, 0, 1, -2, "refuses reads: session lost" },
	};
	char err[1024];
	struct rule r;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&fs, 0, sizeof(fs));
		fs.data = c[i].data;
		fs.deleted = c[i].deleted;
		fs.bad_where = c[i].bad_where;
		fs.stale = c[i].stale;
		fs.open_fails = c[i].open_fails;
		fs.load_fails = c[i].load_fails;
		memset(&r, 0, sizeof(r));
		rc = fs_read(&r, err, sizeof(err));
		if (rc != c[i].want || (c[i].msg != NULL &&
		    strstr(err, c[i].msg) == NULL)) {
			print_error("case %zu: %d '%s', want %d '%s'\n", i, rc,
			    err, c[i].want, c[i].msg);
			fail();
		}
		if (rc == 0) {
			assert_string_equal(r.app_id, "/shop/web");
			assert_int_equal(r.max_instances, 8);
		}
		/* opened once, closed once */
		assert_int_equal(fs.closed, c[i].open_fails ? 0 : 1);
	}
}

/* The local directory (ops NULL): no such directory, no rule. */
static void
test_stored_rule_local(void **state)
{
	const struct backtest_store src = { NULL, "/nonexistent/hoist" };
	char err[512];
	struct rule r;

	(void)state;
	assert_int_equal(backtest_stored_rule(&src, "/shop/web", &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "no --rule and no stored rule for "
	    "/shop/web in /nonexistent/hoist"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_load),
		cmocka_unit_test(test_sine_spike),
		cmocka_unit_test(test_flapping_threshold),
		cmocka_unit_test(test_flapping_target),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_deployment),
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_recorded_count),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_trace_grows_both_ways),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_request_json),
		cmocka_unit_test(test_stored_rule_backend),
		cmocka_unit_test(test_stored_rule_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
