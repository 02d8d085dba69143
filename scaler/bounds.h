/*
 * bounds.h — the write bounds of a fleet round (round.h): of the apps
 * that want to scale in one round, which are sent and in what order, and
 * which wait.  Pure: no I/O, no clock, no globals.
 *
 * The budget of a round is
 *     min(max_scale_requests_per_round,
 *         max_concurrent_deployments - deployments in progress)
 * (in progress: apps the round's Marathon snapshot shows held by a
 * deployment; never below 0).
 *
 * Order: the most loaded first.  An app's load is how far its metric is
 * past what its rule asks (bounds_load()); ties go by app id, so the
 * order is the same for the same inputs.
 *
 * Fairness (scale-downs never starve behind scale-ups): when apps want
 * to scale down, ceil(budget / 4) of the budget is theirs (with a budget
 * of 1: the one slot goes to a scale-down every other round, by the
 * round number); slots a direction does not use go to the other.  So a
 * scale-down waits at most ceil(k / ceil(budget / 4)) rounds when k
 * scale-downs are ahead of it, however many scale-ups keep coming.
 *
 * Apps past the budget are `deferred` with the bound that stopped them;
 * the next round plans again from fresh figures.
 */
#ifndef HOIST_BOUNDS_H
#define HOIST_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "scaler/policy.h"
#include "scaler/rules.h"

#define BOUNDS_LOAD_MAX 1e6   /* instances outside [min, max] */

enum bounds_why {
	BOUNDS_SEND = 0,
	BOUNDS_REQUESTS,      /* max_scale_requests_per_round reached */
	BOUNDS_DEPLOYMENTS,   /* max_concurrent_deployments reached */
};

struct bounds_cand {
	size_t          rule;     /* the caller's index, carried along */
	const char     *app_id;   /* borrowed: the tie-break */
	int             up;       /* 1 scale-up, 0 scale-down */
	double          load;     /* bounds_load(); larger goes first */
	enum bounds_why why;      /* out */
	size_t          rank;     /* out: 1-based place among all */
};

struct bounds_limits {
	int      max_requests;    /* >= 1 */
	int      max_deployments; /* >= 1 */
	size_t   deploying;       /* deployments in progress */
	uint64_t round;           /* the round's number (budget 1) */
};

/* bounds.c */
/*
 * The load of a decision that wants to scale (d->desired != d->current):
 * up: the largest metric / (target or `above`) over the rule's metrics
 * with a figure; down: the largest (target or `below`) / metric.
 * BOUNDS_LOAD_MAX when the count is outside [min, max]; 1 without any
 * figure.  Always finite, >= 0.
 */
double bounds_load(const struct rule *r, const struct policy_decision *d);
/* Put c[] in send order (sent first, then the deferred, each by load)
 * and fill why and rank; returns how many to send. */
size_t bounds_plan(struct bounds_cand *c, size_t n,
	const struct bounds_limits *l);
/* "max_scale_requests_per_round", ... for a reason. */
const char *bounds_why_str(enum bounds_why w);

#endif
