/*
 * sched.h — when the scaler's evaluation rounds run.
 *
 * Rounds are spaced on CLOCK_MONOTONIC, so a step of the wall clock (NTP,
 * an operator's `date -s`, a VM resumed) neither stalls them (a step back)
 * nor bursts them (a step forward).  The records a round writes still
 * carry wall-clock time: sched_due() hands out both.
 *
 * The clock is injectable (struct sched_clock) so a test can step the
 * wall clock and watch the rounds keep their spacing.  Pure apart from
 * the clock; one owner (the main loop).
 */
#ifndef HOIST_SCHED_H
#define HOIST_SCHED_H

#include <stdint.h>

struct sched_clock {
	int64_t (*mono_ns)(void *ctx);   /* never steps, never goes back */
	int64_t (*wall_ns)(void *ctx);   /* unix time, may step */
	void     *ctx;
};

/* CLOCK_MONOTONIC and CLOCK_REALTIME (common/util.h). */
extern const struct sched_clock sched_system_clock;

struct sched {
	const struct sched_clock *clock;   /* borrowed */
	int64_t                   interval_ns;
	int64_t                   next_ns;  /* monotonic: the next round */
};

/* sched.c */
/* The first round is due at once.  clock: borrowed, must outlive s. */
void    sched_init(struct sched *s, const struct sched_clock *clock,
	int64_t interval_s);
/* A new interval (SIGHUP) applies from the round after the next. */
void    sched_set_interval(struct sched *s, int64_t interval_s);
/*
 * Is a round due now?  1: yes, *wall_s is the unix time its records
 * carry, and the next round is set one interval after now (monotonic).
 * 0: not yet, *wait_ns is how long until it is (> 0).
 */
int     sched_due(struct sched *s, int64_t *wall_s, int64_t *wait_ns);
/* Unix time of the next round (for /v1/status): the wall clock now plus
 * the monotonic time left. */
int64_t sched_next_wall_s(const struct sched *s);

#endif
