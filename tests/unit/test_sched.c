/*
 * test_sched.c — the scaler's rounds are spaced on the monotonic clock
 * (issue 9 §3).  A fake clock steps the wall clock back an hour and
 * forward an hour between rounds; the rounds must keep exactly one
 * interval of monotonic spacing (no stall, no burst) while the wall time
 * each round hands out follows the stepped wall clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scaler/sched.h"

#define S 1000000000LL

struct fake_clock {
	int64_t mono, wall;
};

static int64_t
f_mono(void *ctx)
{
	return ((struct fake_clock *)ctx)->mono;
}

static int64_t
f_wall(void *ctx)
{
	return ((struct fake_clock *)ctx)->wall;
}

/* Both clocks go on by dt (the process slept dt). */
static void
advance(struct fake_clock *fc, int64_t dt)
{
	fc->mono += dt;
	fc->wall += dt;
}

/*
 * Run the main loop's shape until `rounds` rounds ran: ask, sleep for
 * the wait asked for, ask again.  Before round `step_at` the wall clock
 * is stepped by `step` (an NTP step).  Each round's monotonic and wall
 * time are recorded; the loop gives up after `max_iter` wake-ups.
 */
static int
drive(struct fake_clock *fc, struct sched *s, int rounds, int step_at,
    int64_t step, int64_t *mono, int64_t *wall, int max_iter)
{
	int n = 0, iter;

	for (iter = 0; iter < max_iter && n < rounds; iter++) {
		int64_t wall_s, wait;

		if (n == step_at) {
			fc->wall += step;
			step_at = -1;
		}
		if (sched_due(s, &wall_s, &wait)) {
			assert_int_equal(wait, 0);
			mono[n] = fc->mono;
			wall[n] = wall_s;
			n++;
			advance(fc, 2 * S / 10);    /* the round takes 0.2 s */
			continue;
		}
		assert_true(wait > 0);
		advance(fc, wait);
	}
	return n;
}

static void
check_steps(int64_t step)
{
	struct fake_clock fc = { .mono = 5000 * S, .wall = 1700000000 * S };
	struct sched_clock clk = { f_mono, f_wall, &fc };
	struct sched s;
	int64_t mono[6], wall[6];
	int i;

	sched_init(&s, &clk, 30);
	assert_int_equal(drive(&fc, &s, 6, 3, step, mono, wall, 100), 6);
	for (i = 1; i < 6; i++) {
		/* Exactly one interval apart on the monotonic clock. */
		assert_int_equal(mono[i] - mono[i - 1], 30 * S);
		/* The records carry the (stepped) wall clock. */
		assert_int_equal(wall[i] - wall[i - 1], i == 3 ?
		    30 + step / S : 30);
	}
	assert_int_equal(wall[0], 1700000000);
}

static void
test_wall_back_one_hour(void **state)
{
	(void)state;
	check_steps(-3600 * S);
}

static void
test_wall_forward_one_hour(void **state)
{
	(void)state;
	check_steps(3600 * S);
}

/* A round that runs longer than the interval: the next one starts at
 * once, once — the missed slots are not made up for by a burst. */
static void
test_slow_round_no_burst(void **state)
{
	struct fake_clock fc = { .mono = 0, .wall = 1700000000 * S };
	struct sched_clock clk = { f_mono, f_wall, &fc };
	struct sched s;
	int64_t wall_s, wait;

	(void)state;
	sched_init(&s, &clk, 10);
	assert_int_equal(sched_due(&s, &wall_s, &wait), 1);
	advance(&fc, 35 * S);                   /* three slots missed */
	assert_int_equal(sched_due(&s, &wall_s, &wait), 1);
	assert_int_equal(sched_due(&s, &wall_s, &wait), 0);
	assert_int_equal(wait, 10 * S);
}

/* /v1/status's next_evaluation follows the wall clock now, whatever the
 * wall clock did since the last round; a new interval applies from the
 * round after the next. */
static void
test_next_wall_and_interval(void **state)
{
	struct fake_clock fc = { .mono = 0, .wall = 1700000000 * S };
	struct sched_clock clk = { f_mono, f_wall, &fc };
	struct sched s;
	int64_t wall_s, wait;

	(void)state;
	sched_init(&s, &clk, 30);
	assert_int_equal(sched_due(&s, &wall_s, &wait), 1);
	assert_int_equal(sched_next_wall_s(&s), 1700000030);
	fc.wall -= 3600 * S;
	assert_int_equal(sched_next_wall_s(&s), 1700000030 - 3600);
	sched_set_interval(&s, 5);
	advance(&fc, 30 * S);
	assert_int_equal(sched_due(&s, &wall_s, &wait), 1);
	assert_int_equal(sched_due(&s, &wall_s, &wait), 0);
	assert_int_equal(wait, 5 * S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wall_back_one_hour),
		cmocka_unit_test(test_wall_forward_one_hour),
		cmocka_unit_test(test_slow_round_no_burst),
		cmocka_unit_test(test_next_wall_and_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
