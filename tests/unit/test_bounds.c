/*
 * test_bounds.c — the write bounds of a fleet round (scaler/bounds.c):
 * exactly the budget is sent, the most loaded first, in the same order
 * for the same inputs; max_concurrent_deployments counts the deployments
 * in progress; scale-downs get their share of the budget and never wait
 * behind scale-ups for long, even with a budget of one; bounds_load() on
 * target and threshold rules and at the instance bounds.
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
#include "scaler/bounds.h"

#define N 50

static char ids[N][32];

static void
fill(struct bounds_cand *c, size_t n, int nup)
{
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "/fleet/app-%02zu", i);
		c[i].rule = i;
		c[i].app_id = ids[i];
		c[i].up = (int)i < nup;
		/* Loads 1.01 .. 1.50, app-49 the most loaded. */
		c[i].load = 1.0 + (double)(i + 1) / 100.0;
	}
}

static struct bounds_limits
limits(int req, int dep, size_t deploying, uint64_t round)
{
	struct bounds_limits l;

	l.max_requests = req;
	l.max_deployments = dep;
	l.deploying = deploying;
	l.round = round;
	return l;
}

/* 50 scale-ups, budget 20: exactly 20, apps 49 down to 30, in order. */
static void
test_fifty_up(void **state)
{
	struct bounds_cand c[N];
	struct bounds_limits l = limits(20, 1000, 0, 1);
	size_t i, k;

	(void)state;
	fill(c, N, N);
	k = bounds_plan(c, N, &l);
	assert_int_equal(k, 20);
	for (i = 0; i < N; i++) {
		assert_int_equal(c[i].rule, N - 1 - i);
		assert_int_equal(c[i].rank, i + 1);
		assert_int_equal(c[i].why, i < 20 ? BOUNDS_SEND :
		    BOUNDS_REQUESTS);
	}
}

/* The same inputs in another order give the same plan; equal loads
 * go by app id. */
static void
test_deterministic(void **state)
{
	struct bounds_cand a[N], b[N];
	struct bounds_limits l = limits(7, 1000, 0, 3);
	size_t i;

	(void)state;
	fill(a, N, 30);
	for (i = 0; i < N; i++)
		a[i].load = i % 3 == 0 ? 2.0 : 1.5;
	for (i = 0; i < N; i++)
		b[i] = a[N - 1 - i];
	assert_int_equal(bounds_plan(a, N, &l), bounds_plan(b, N, &l));
	for (i = 0; i < N; i++) {
		assert_int_equal(a[i].rule, b[i].rule);
		assert_int_equal(a[i].why, b[i].why);
	}
	/* First sent: the load-2.0 scale-ups by id. */
	assert_string_equal(a[0].app_id, "/fleet/app-00");
	assert_string_equal(a[1].app_id, "/fleet/app-03");
}

/* 45 deployments running of at most 50: a budget of 5. */
static void
test_deployments(void **state)
{
	struct bounds_cand c[N];
	struct bounds_limits l = limits(20, 50, 45, 1);
	size_t i;

	(void)state;
	fill(c, N, N);
	assert_int_equal(bounds_plan(c, N, &l), 5);
	for (i = 5; i < N; i++)
		assert_int_equal(c[i].why, BOUNDS_DEPLOYMENTS);
	l.deploying = 60;          /* more than the bound: nothing */
	assert_int_equal(bounds_plan(c, N, &l), 0);
	assert_int_equal(c[0].why, BOUNDS_DEPLOYMENTS);
}

/* 40 ups (more loaded) and 10 downs, budget 20: 5 downs, 15 ups. */
static void
test_down_share(void **state)
{
	struct bounds_cand c[N];
	struct bounds_limits l = limits(20, 1000, 0, 2);
	size_t i, up = 0, down = 0;

	(void)state;
	fill(c, N, 40);
	for (i = 0; i < N; i++)
		if (!c[i].up)
			c[i].load = 1.0 + (double)i / 1000.0;
	assert_int_equal(bounds_plan(c, N, &l), 20);
	for (i = 0; i < 20; i++) {
		up += c[i].up != 0;
		down += c[i].up == 0;
	}
	assert_int_equal(up, 15);
	assert_int_equal(down, 5);
	/* Only 2 downs: the 3 spare slots go to ups. */
	fill(c, N, 48);
	assert_int_equal(bounds_plan(c, N, &l), 20);
	for (i = 0, down = 0; i < 20; i++)
		down += c[i].up == 0;
	assert_int_equal(down, 2);
	/* Only downs: all of the budget. */
	fill(c, N, 0);
	assert_int_equal(bounds_plan(c, N, &l), 20);
}

/*
 * Budget 1 with scale-ups that keep coming: a scale-down goes every
 * other round, so 3 downs are all through within 6 rounds.
 */
static void
test_budget_one(void **state)
{
	struct bounds_cand c[N];
	int done[N] = { 0 };
	uint64_t round;
	size_t i, ndown_done = 0;

	(void)state;
	for (round = 1; round <= 6; round++) {
		struct bounds_limits l = limits(1, 1000, 0, round);
		size_t n = 0;

		fill(c, N, 47);
		for (i = 0; i < N; i++)
			if (c[i].up || !done[i])
				c[n++] = c[i];
		assert_int_equal(bounds_plan(c, n, &l), 1);
		if (!c[0].up) {
			done[c[0].rule] = 1;
			ndown_done++;
		}
	}
	assert_int_equal(ndown_done, 3);
}

static void
test_load(void **state)
{
	struct rule r;
	struct policy_decision d;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	r.min_instances = 1;
	r.max_instances = 10;
	r.mode = RULES_MODE_THRESHOLD;
	r.cpu.enabled = 1;
	r.cpu.above = 80;
	r.cpu.below = 20;
	r.mem.enabled = 1;
	r.mem.above = 50;
	r.mem.below = 10;
	d.current = 3;
	d.desired = 4;
	d.has_cpu = 1;
	d.cpu = 120;
	d.has_mem = 1;
	d.mem = 100;
	assert_double_equal(bounds_load(&r, &d), 2.0);   /* mem 100/50 */
	d.desired = 2;
	d.cpu = 10;
	d.mem = 5;
	assert_double_equal(bounds_load(&r, &d), 2.0);   /* 20/10, 10/5 */
	d.cpu = 0;                                      /* idle: finite */
	assert_true(bounds_load(&r, &d) <= BOUNDS_LOAD_MAX);
	d.has_cpu = d.has_mem = 0;
	assert_double_equal(bounds_load(&r, &d), 1.0);
	d.current = 0;                                  /* below min */
	d.desired = 1;
	assert_double_equal(bounds_load(&r, &d), BOUNDS_LOAD_MAX);
	r.mode = RULES_MODE_TARGET;
	r.cpu.target = 60;
	r.mem.enabled = 0;
	d.current = 3;
	d.desired = 5;
	d.has_cpu = 1;
	d.cpu = 90;
	assert_double_equal(bounds_load(&r, &d), 1.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifty_up),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_deployments),
		cmocka_unit_test(test_down_share),
		cmocka_unit_test(test_budget_one),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
