/*
 * bounds.c — see bounds.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scaler/bounds.h"

const char *
bounds_why_str(enum bounds_why w)
{
	switch (w) {
	case BOUNDS_SEND:        return "sent";
	case BOUNDS_REQUESTS:    return "max_scale_requests_per_round";
	case BOUNDS_DEPLOYMENTS: return "max_concurrent_deployments";
	}
	return "unknown";
}

/* ref / m or m / ref, kept finite. */
static double
ratio(double num, double den)
{
	double v;

	if (den < 0.01)
		den = 0.01;
	v = num / den;
	if (!isfinite(v) || v < 0)
		return 0;
	return v > BOUNDS_LOAD_MAX ? BOUNDS_LOAD_MAX : v;
}

static double
metric_load(const struct rule *r, const struct rules_metric *m, int has,
    double v, int up)
{
	double ref;

	if (!m->enabled || !has)
		return -1;
	if (r->mode == RULES_MODE_TARGET)
		ref = m->target;
	else
		ref = up ? m->above : m->below;
	return up ? ratio(v, ref) : ratio(ref, v);
}

double
bounds_load(const struct rule *r, const struct policy_decision *d)
{
	int up = d->desired > d->current;
	double a, b, best;

	if (d->current < r->min_instances || d->current > r->max_instances)
		return BOUNDS_LOAD_MAX;
	a = metric_load(r, &r->cpu, d->has_cpu, d->cpu, up);
	b = metric_load(r, &r->mem, d->has_mem, d->mem, up);
	best = a > b ? a : b;
	return best < 0 ? 1 : best;
}

static int
by_load(const void *pa, const void *pb)
{
	const struct bounds_cand *a = pa, *b = pb;

	if (a->load != b->load)
		return a->load > b->load ? -1 : 1;
	return strcmp(a->app_id, b->app_id);
}

/* Sent first (each group by load), then the deferred. */
static int
by_send(const void *pa, const void *pb)
{
	const struct bounds_cand *a = pa, *b = pb;
	int sa = a->why == BOUNDS_SEND, sb = b->why == BOUNDS_SEND;

	if (sa != sb)
		return sa ? -1 : 1;
	return by_load(pa, pb);
}

/* The budget of the round and the bound that sets it. */
static size_t
budget_of(const struct bounds_limits *l, enum bounds_why *why)
{
	long dep = (long)l->max_deployments - (long)l->deploying;
	long req = l->max_requests;

	if (dep < 0)
		dep = 0;
	*why = dep < req ? BOUNDS_DEPLOYMENTS : BOUNDS_REQUESTS;
	return (size_t)(dep < req ? dep : req);
}

size_t
bounds_plan(struct bounds_cand *c, size_t n, const struct bounds_limits *l)
{
	enum bounds_why stop;
	size_t budget = budget_of(l, &stop), nup = 0, ndown, share;
	size_t take_up, take_down, i, up_seen = 0, down_seen = 0;

	qsort(c, n, sizeof(*c), by_load);
	for (i = 0; i < n; i++)
		nup += c[i].up != 0;
	ndown = n - nup;
	share = budget >= 2 ? (budget + 3) / 4 : budget == 1 &&
	    (l->round & 1) ? 1 : 0;
	take_down = ndown < share ? ndown : share;
	take_up = nup < budget - take_down ? nup : budget - take_down;
	/* What the scale-ups leave goes to the scale-downs. */
	if (take_down + take_up < budget)
		take_down += ndown - take_down < budget - take_down - take_up ?
		    ndown - take_down : budget - take_down - take_up;
	for (i = 0; i < n; i++) {
		size_t *seen = c[i].up ? &up_seen : &down_seen;
		size_t take = c[i].up ? take_up : take_down;

		c[i].why = (*seen)++ < take ? BOUNDS_SEND : stop;
	}
	qsort(c, n, sizeof(*c), by_send);
	for (i = 0; i < n; i++)
		c[i].rank = i + 1;
	return take_up + take_down;
}
