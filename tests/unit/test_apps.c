/*
 * test_apps.c — per-app aggregation, pure: which tasks count toward the
 * means (table of cases), grouping and lookup of nested and slash-less
 * ids, and the apijson health decision at its edges.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "collector/apijson.h"
#include "collector/apps.h"
#include "common/rfc3339.h"

/* One task: cpu percent of limit (< 0: no cpu limit), working set and
 * limit in MiB (limit 0: none). */
struct task_case {
	double   cpu;
	uint64_t ws, limit;
};

static void
make_task(struct container *c, const struct task_case *tc)
{
	memset(c, 0, sizeof(*c));
	str_copy_trunc(c->meta.marathon_app_id, "/x",
	    sizeof(c->meta.marathon_app_id));
	c->rates.valid = 1;
	c->rates.has_limit = tc->cpu >= 0;
	c->rates.cpu_percent_of_limit = tc->cpu >= 0 ? tc->cpu : 0;
	c->cur.have = HAVE_MEM_USAGE | (tc->limit ? HAVE_MEM_LIMIT : 0);
	c->cur.mem.working_set = tc->ws * FIX_MIB;
	c->cur.mem.limit = tc->limit * FIX_MIB;
}

static void
test_summary_table(void **state)
{
	static const struct {
		size_t           n;
		struct task_case t[4];
		size_t           cpu_n, mem_n;
		double           cpu_mean, cpu_max, mem_mean, mem_max;
	} cases[] = {
		/* Two limited tasks: plain mean and max. */
		{ 2, { { 40, 128, 512 }, { 80, 384, 512 } }, 2, 2, 60, 80, 50, 75 },
		/* One without any limit: left out of both, not a zero. */
		{ 3, { { 40, 128, 512 }, { 80, 384, 512 }, { -1, 999, 0 } },
		  2, 2, 60, 80, 50, 75 },
		/* No limits at all: n = 0. */
		{ 2, { { -1, 1, 0 }, { -1, 2, 0 } }, 0, 0, 0, 0, 0, 0 },
		/* Over the limit (bursting cpu): kept as is. */
		{ 2, { { 150, 512, 512 }, { 50, 256, 512 } }, 2, 2, 100, 150, 75, 100 },
		/* Zero usage counts as a real zero. */
		{ 2, { { 0, 0, 100 }, { 30, 50, 100 } }, 2, 2, 15, 30, 25, 50 },
		/* Empty app. */
		{ 0, { { 0, 0, 0 } }, 0, 0, 0, 0, 0, 0 },
	};
	struct container c[4];
	const struct container *p[4];
	struct apps_summary s;
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		for (k = 0; k < cases[i].n; k++) {
			make_task(&c[k], &cases[i].t[k]);
			p[k] = &c[k];
		}
		apps_summarize(p, cases[i].n, &s);
		assert_int_equal(s.tasks, cases[i].n);
		assert_int_equal(s.cpu.n, cases[i].cpu_n);
		assert_int_equal(s.mem.n, cases[i].mem_n);
		if (s.cpu.n > 0) {
			assert_true(fabs(s.cpu.mean - cases[i].cpu_mean) < 1e-9);
			assert_true(fabs(s.cpu.max - cases[i].cpu_max) < 1e-9);
		}
		if (s.mem.n > 0) {
			assert_true(fabs(s.mem.mean - cases[i].mem_mean) < 1e-9);
			assert_true(fabs(s.mem.max - cases[i].mem_max) < 1e-9);
		}
	}
}

/* rates.valid == 0 (first sample): no cpu figure even with a limit. */
static void
test_first_sample_has_no_cpu(void **state)
{
	struct task_case tc = { 50, 10, 100 };
	struct container c;
	double v;

	(void)state;
	make_task(&c, &tc);
	c.rates.valid = 0;
	assert_int_equal(apps_task_cpu(&c, &v), 0);
	assert_int_equal(apps_task_mem(&c, &v), 1);
	assert_true(fabs(v - 10) < 1e-9);
}

static void
test_index_and_find(void **state)
{
	struct container_table t;
	struct apps_index ix;
	size_t pos = 0, first, count, napps = 0;
	static const struct {
		const char *id;
		int         found;
		size_t      count;
	} cases[] = {
		{ "/shop/web", 1, 2 }, { "shop/web", 1, 2 }, { "//shop/web", 1, 2 },
		{ "/a/b/c", 1, 1 }, { "a/b/c", 1, 1 }, { "/a/b", 0, 0 },
		{ "/shop", 0, 0 }, { "/shop/web/x", 0, 0 }, { "", 0, 0 },
		{ "/", 0, 0 }, { "/zzz", 0, 0 },
	};
	size_t i;

	(void)state;
	fix_table_init(&t);
	assert_int_equal(apps_index_build(&ix, t.c, t.n), 0);
	assert_int_equal(ix.n, 3);      /* the plain container is no task */
	while (apps_next(&ix, &pos, &first, &count))
		napps++;
	assert_int_equal(napps, 2);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(apps_find(&ix, cases[i].id, &first, &count),
		    cases[i].found);
		assert_int_equal(count, cases[i].count);
	}
	/* Tasks of an app come sorted by task id. */
	assert_int_equal(apps_find(&ix, "/shop/web", &first, &count), 1);
	assert_string_equal(ix.c[first]->meta.mesos_task_id, "shop_web.t1");
	assert_string_equal(ix.c[first + 1]->meta.mesos_task_id, "shop_web.t2");
	apps_index_free(&ix);
	apps_index_free(&ix);           /* twice is fine */
	fix_table_free(&t);
}

/*
 * The health decision is taken on the monotonic clock alone.  mono_age_s
 * is how long ago the last sweep (or, with no sweep, the start) was on
 * CLOCK_MONOTONIC; wall_age_s is what the realtime stamp says.  The rows
 * where the two differ are wall-clock steps: judged on the wall clock (as
 * before) the first two would be 503 and the third 200.
 */
static void
test_health_edges(void **state)
{
	static const struct {
		uint64_t    sweeps;
		int64_t     mono_age_s;
		int64_t     wall_age_s;
		int         status;
		const char *word;
	} cases[] = {
		{ 5, 0, 0, 200, "\"ok\"" },
		{ 5, 30, 30, 200, "\"ok\"" },        /* 3 intervals exactly */
		{ 5, 31, 31, 503, "\"stale\"" },
		{ 5, -1, -1, 200, "\"ok\"" },        /* swept after `now` */
		{ 0, 5, 5, 200, "\"starting\"" },
		{ 0, 31, 31, 503, "\"stale\"" },
		/* The wall clock stepped forward an hour since the sweep. */
		{ 5, 2, 3600, 200, "\"last_sweep_age_s\":2," },
		/* ... back an hour: the last sweep is "in the future". */
		{ 5, 2, -3600, 200, "\"last_sweep_age_s\":2," },
		/* Stalled for 40 s while the clock was set back 40 s. */
		{ 5, 40, 0, 503, "\"last_sweep_age_s\":40," },
	};
	struct container_table t;
	struct buf b;
	int64_t now_mono = FIX_SWEEP_MONO_NS, now_real = FIX_SWEEP_NS;
	int64_t since;
	char want_time[64];
	size_t i;
	int st;

	(void)state;
	memset(&t, 0, sizeof(t));
	buf_init(&b, 4096);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		buf_reset(&b);
		t.sweeps = cases[i].sweeps;
		t.sweep_mono_ns = now_mono - cases[i].mono_age_s * 1000000000LL;
		t.sweep_ts_ns = now_real - cases[i].wall_age_s * 1000000000LL;
		since = t.sweep_mono_ns;
		assert_int_equal(apijson_health(&t, now_mono, since, 10.0,
		    &b, &st), APIJSON_OK);
		if (st != cases[i].status ||
		    strstr(b.data, cases[i].word) == NULL)
			fail_msg("case %zu: status %d, want %d %s: %s", i, st,
			    cases[i].status, cases[i].word, b.data);
		if (cases[i].sweeps == 0)
			continue;
		/* The time reported is still the wall clock's. */
		assert_true(rfc3339_format(want_time, sizeof(want_time),
		    t.sweep_ts_ns, 3) > 0);
		if (strstr(b.data, want_time) == NULL)
			fail_msg("case %zu: no last_sweep %s: %s", i,
			    want_time, b.data);
	}
	buf_free(&b);
}

/* A reply over the buffer's cap: TOO_BIG, and the buffer as it was. */
static void
test_apijson_cap_rolls_back(void **state)
{
	struct container_table t;
	struct buf b;
	size_t idx;

	(void)state;
	fix_table_init(&t);
	buf_init(&b, 600);
	assert_int_equal(buf_puts(&b, "keep"), 0);
	assert_int_equal(apijson_containers(&t, &b), APIJSON_TOO_BIG);
	assert_int_equal(apijson_apps(&t, FIX_SWEEP_MONO_NS, &b), APIJSON_TOO_BIG);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	assert_int_equal(apijson_find(&t, "", &idx), APIJSON_NOT_FOUND);
	assert_string_equal(apijson_strerror(APIJSON_AMBIGUOUS),
	    "ambiguous id prefix");
	buf_free(&b);
	fix_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_table),
		cmocka_unit_test(test_first_sample_has_no_cpu),
		cmocka_unit_test(test_index_and_find),
		cmocka_unit_test(test_health_edges),
		cmocka_unit_test(test_apijson_cap_rolls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
