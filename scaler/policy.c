/*
 * policy.c — see policy.h.  Target mode follows the Kubernetes
 * HorizontalPodAutoscaler (replica calculator and behaviors): the ratio
 * rule with a tolerance band, missing pods filled in against the
 * direction of the change, the highest recommendation of the
 * stabilization window for scale-down, and per-period rate limits.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "scaler/policy.h"

/* Ratios exactly at the edge of the tolerance band (55 % against a
 * target of 50 with tolerance 0.1) count as inside despite rounding. */
#define POLICY_EPS 1e-9

static const char *const action_names[] = {
	[POLICY_NONE] = "none",
	[POLICY_SCALE] = "scale",
	[POLICY_DEFERRED] = "deferred",
	[POLICY_DRY_RUN] = "dry_run",
	[POLICY_ERROR] = "error",
};

const char *
policy_action_str(enum policy_action a)
{
	if ((size_t)a < ARRAY_LEN(action_names) && action_names[a] != NULL)
		return action_names[a];
	return "unknown";
}

int
policy_action_parse(const char *s, enum policy_action *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(action_names); i++)
		if (strcmp(action_names[i], s) == 0) {
			*out = (enum policy_action)i;
			return 0;
		}
	return -1;
}

/* Figures of one metric over the counted tasks. */
struct agg {
	int    enabled;
	int    present;    /* counted tasks that reported it */
	int    missing;    /* counted tasks that did not */
	double sum;
};

static int
task_counted(const struct rule *r, const struct policy_task *t, int64_t now)
{
	if (t->healthy == 0 || t->started_s <= 0)
		return 0;
	return now - t->started_s >= r->warmup_s;
}

/* A figure is a measurement only inside [0, POLICY_PCT_MAX] (NaN fails). */
static int
pct_valid(double v)
{
	return v >= 0 && v <= POLICY_PCT_MAX;
}

/*
 * ceil(x) as an int, saturated at INT_MIN/INT_MAX: converting a double
 * outside int's range is undefined behaviour, and a recommendation that
 * large is clamped to max_instances afterwards anyway.  NaN gives 0
 * (callers never pass it: every figure was checked by pct_valid()).
 */
static int
ceil_int(double x)
{
	x = ceil(x);
	if (x != x)
		return 0;
	if (x >= (double)INT_MAX)
		return INT_MAX;
	if (x <= (double)INT_MIN)
		return INT_MIN;
	return (int)x;
}

static void
aggregate(const struct rule *r, const struct policy_input *in, int64_t now,
    struct agg *cpu, struct agg *mem, int *counted, int *with_metrics)
{
	size_t i;

	memset(cpu, 0, sizeof(*cpu));
	memset(mem, 0, sizeof(*mem));
	cpu->enabled = r->cpu.enabled;
	mem->enabled = r->mem.enabled;
	*counted = 0;
	*with_metrics = 0;
	for (i = 0; i < in->ntasks; i++) {
		const struct policy_task *t = &in->tasks[i];
		int any = 0;

		if (!task_counted(r, t, now))
			continue;
		(*counted)++;
		if (cpu->enabled) {
			if (t->has_cpu && pct_valid(t->cpu)) {
				cpu->present++;
				cpu->sum += t->cpu;
				any = 1;
			} else
				cpu->missing++;
		}
		if (mem->enabled) {
			if (t->has_mem && pct_valid(t->mem)) {
				mem->present++;
				mem->sum += t->mem;
				any = 1;
			} else
				mem->missing++;
		}
		*with_metrics += any;
	}
}

static int
clamp(const struct rule *r, int n)
{
	if (n < r->min_instances)
		return r->min_instances;
	if (n > r->max_instances)
		return r->max_instances;
	return n;
}

static void
reason(struct policy_decision *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct policy_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/*
 * Threshold signal of one metric: +1 above `above` (missing tasks count as
 * 0 %), -1 below `below` (only when every counted task reported), 0
 * otherwise.  Exactly at a threshold is no signal.
 */
static int
threshold_signal(const struct rules_metric *m, const struct agg *a)
{
	double mean_all, mean_present;

	if (!a->enabled || a->present == 0)
		return 0;
	mean_present = a->sum / a->present;
	mean_all = a->sum / (a->present + a->missing);
	if (mean_all > m->above)
		return 1;
	if (mean_present < m->below && a->missing == 0)
		return -1;
	return 0;
}

static int
threshold_direction(const struct rule *r, const struct agg *cpu,
    const struct agg *mem)
{
	int sc = threshold_signal(&r->cpu, cpu);
	int sm = threshold_signal(&r->mem, mem);

	if (r->trigger == RULES_TRIGGER_ANY) {
		/* Up wins a conflict: a saturated resource is not idle. */
		if (sc > 0 || sm > 0)
			return 1;
		if (sc < 0 || sm < 0)
			return -1;
		return 0;
	}
	/* all: every enabled metric must agree. */
	if ((!cpu->enabled || sc > 0) && (!mem->enabled || sm > 0))
		return 1;
	if ((!cpu->enabled || sc < 0) && (!mem->enabled || sm < 0))
		return -1;
	return 0;
}

/* Returns the recommendation, or -1 when the streak is not confirmed. */
static int
threshold_recommend(const struct rule *r, const struct policy_input *in,
    const struct agg *cpu, const struct agg *mem, struct policy_history *h,
    struct policy_decision *d)
{
	int dir = threshold_direction(r, cpu, mem);

	if (dir != 0 && dir == h->streak_dir)
		h->streak_n++;
	else {
		h->streak_dir = dir;
		h->streak_n = dir != 0;
	}
	if (dir == 0) {
		reason(d, "within thresholds (trigger %s)",
		    rules_trigger_str(r->trigger));
		return in->instances;
	}
	if (h->streak_n < r->confirm_cycles) {
		reason(d, "%s signal %d of %d confirming evaluations",
		    dir > 0 ? "scale-up" : "scale-down", h->streak_n,
		    r->confirm_cycles);
		return -1;
	}
	reason(d, "%s: %s %s threshold for %d evaluations (trigger %s)",
	    dir > 0 ? "scale up" : "scale down",
	    r->trigger == RULES_TRIGGER_ALL ? "all metrics" : "a metric",
	    dir > 0 ? "above" : "below", h->streak_n,
	    rules_trigger_str(r->trigger));
	return in->instances + dir * r->step;
}

/* HPA's per-metric recommendation; -1 when the metric has no data. */
static int
target_metric(const struct rule *r, double target, const struct agg *a,
    int current)
{
	double ratio, fill, new_ratio;
	int n = a->present + a->missing, rec;

	if (!a->enabled || a->present == 0)
		return -1;
	ratio = (a->sum / a->present) / target;
	if (a->missing == 0) {
		if (fabs(ratio - 1.0) <= r->tolerance + POLICY_EPS)
			return current;
		rec = ceil_int(ratio * a->present);
	} else {
		/* Missing tasks: idle when growing, at target when
		 * shrinking, so they push against the change. */
		fill = ratio > 1.0 ? 0.0 : target;
		new_ratio = ((a->sum + fill * a->missing) / n) / target;
		if (fabs(new_ratio - 1.0) <= r->tolerance + POLICY_EPS ||
		    (ratio > 1.0) != (new_ratio > 1.0))
			return current;
		ratio = new_ratio;
		rec = ceil_int(ratio * n);
	}
	/* Tasks left out (warmup, unhealthy) must never turn a high ratio
	 * into a scale-down, nor a low one into a scale-up. */
	if ((ratio > 1.0 && rec < current) || (ratio < 1.0 && rec > current))
		return current;
	return rec;
}

static void
push_rec(const struct rule *r, struct policy_history *h, int64_t now, int n)
{
	int i, keep = 0;

	/* Drop what fell out of the window. */
	for (i = 0; i < h->nrecs; i++)
		if (h->recs[i].t > now - r->stabilization_s)
			h->recs[keep++] = h->recs[i];
	h->nrecs = keep;
	if (h->nrecs == POLICY_REC_MAX) {
		/* Full: fold the oldest into the next, keeping the higher
		 * value, so the window's maximum is never lost. */
		if (h->recs[0].n > h->recs[1].n)
			h->recs[1].n = h->recs[0].n;
		memmove(&h->recs[0], &h->recs[1],
		    (POLICY_REC_MAX - 1) * sizeof(h->recs[0]));
		h->nrecs--;
	}
	h->recs[h->nrecs].t = now;
	h->recs[h->nrecs].n = n;
	h->nrecs++;
}

static int
stabilize(const struct rule *r, const struct policy_history *h, int64_t now,
    int desired, int current)
{
	int i, down = desired;

	for (i = 0; i < h->nrecs; i++)
		if (h->recs[i].t > now - r->stabilization_s &&
		    h->recs[i].n > down)
			down = h->recs[i].n;
	if (current < desired)
		return desired;
	if (current > down)
		return down;
	return current;
}

static int
rate_limit(const struct rule *r, const struct policy_history *h,
    int64_t now, int desired, int current)
{
	int i, added = 0, removed = 0, start, limit, lim_pct;

	for (i = 0; i < h->nevents; i++) {
		if (h->events[i].t <= now - r->rate_period_s)
			continue;
		if (h->events[i].delta > 0)
			added += h->events[i].delta;
		else
			removed -= h->events[i].delta;
	}
	if (desired > current) {
		start = current - added;
		if (start < 0)
			start = 0;
		lim_pct = ceil_int(start * (1.0 + r->scale_up_max_percent /
		    100.0));
		limit = start + r->scale_up_max_instances;
		if (lim_pct > limit)
			limit = lim_pct;
		if (limit < current)
			limit = current;
		return desired < limit ? desired : limit;
	}
	if (desired < current) {
		start = current + removed;
		limit = ceil_int(start * (1.0 - r->scale_down_max_percent /
		    100.0));
		if (limit > current)
			limit = current;
		return desired > limit ? desired : limit;
	}
	return desired;
}

static int
target_recommend(const struct rule *r, const struct policy_input *in,
    const struct agg *cpu, const struct agg *mem, struct policy_history *h,
    int64_t now, struct policy_decision *d)
{
	int rc, rm, raw, stab, lim;

	rc = target_metric(r, r->cpu.target, cpu, in->instances);
	rm = target_metric(r, r->mem.target, mem, in->instances);
	raw = rc > rm ? rc : rm;
	push_rec(r, h, now, raw);
	stab = stabilize(r, h, now, raw, in->instances);
	lim = rate_limit(r, h, now, stab, in->instances);
	if (raw == in->instances)
		reason(d, "within tolerance %.2f of target", r->tolerance);
	else if (stab != raw)
		reason(d, "recommendation %d held at %d by the %llds "
		    "stabilization window", raw, stab,
		    (long long)r->stabilization_s);
	else if (lim != stab)
		reason(d, "recommendation %d limited to %d by the rate limit",
		    raw, lim);
	else
		reason(d, "target: recommendation %d (cpu %d, mem %d)", raw,
		    rc, rm);
	return lim;
}

/* Seconds until the cooldown for a move in direction `dir` ends; 0 if
 * none.  Either cooldown counts from the last scaling of any direction. */
static int64_t
cooldown_left(const struct rule *r, const struct policy_history *h,
    int64_t now, int dir)
{
	int64_t last = h->last_up_s > h->last_down_s ? h->last_up_s :
	    h->last_down_s;
	int64_t cd = dir > 0 ? r->cooldown_up_s : r->cooldown_down_s;

	if (last <= 0 || now - last >= cd)
		return 0;
	return cd - (now - last);
}

static void
finish_scale(const struct rule *r, const struct policy_input *in,
    struct policy_decision *d)
{
	d->action = (r->dry_run || in->dry_run) ? POLICY_DRY_RUN :
	    POLICY_SCALE;
}

void
policy_evaluate(const struct rule *r, const struct policy_input *in,
    struct policy_history *h, int64_t now, struct policy_decision *d)
{
	struct agg cpu, mem;
	int counted, want, desired;
	int64_t left;
	char why[POLICY_REASON_MAX];

	memset(d, 0, sizeof(*d));
	d->time_s = now;
	STR_COPY_ARRAY(d->app_id, r->app_id);
	d->current = d->desired = in->instances;
	d->running = in->running;
	d->action = POLICY_NONE;
	aggregate(r, in, now, &cpu, &mem, &counted, &d->tasks_with_metrics);
	d->tasks_total = (int)in->ntasks;
	if ((d->has_cpu = cpu.present > 0))
		d->cpu = cpu.sum / cpu.present;
	if ((d->has_mem = mem.present > 0))
		d->mem = mem.sum / mem.present;

	if (r->paused) {
		reason(d, "rule paused");
		return;
	}
	if (in->deploying) {
		d->action = POLICY_DEFERRED;
		reason(d, "deployment %s in progress",
		    in->deployment_id[0] ? in->deployment_id : "(unknown)");
		return;
	}
	if (in->running != in->instances) {
		d->action = POLICY_DEFERRED;
		reason(d, "waiting for tasks: %d of %d running", in->running,
		    in->instances);
		return;
	}
	if (in->instances < r->min_instances ||
	    in->instances > r->max_instances) {
		d->desired = clamp(r, in->instances);
		reason(d, "%d instances outside [%d, %d]", in->instances,
		    r->min_instances, r->max_instances);
		finish_scale(r, in, d);
		return;
	}
	if (cpu.present == 0 && mem.present == 0) {
		reason(d, "no metrics (%d tasks, %d counted after warmup and "
		    "health)", (int)in->ntasks, counted);
		return;
	}

	if (r->mode == RULES_MODE_THRESHOLD)
		want = threshold_recommend(r, in, &cpu, &mem, h, d);
	else
		want = target_recommend(r, in, &cpu, &mem, h, now, d);
	if (want < 0)
		return;
	desired = clamp(r, want);
	if (desired == in->instances) {
		if (want != in->instances) {
			str_copy_trunc(why, d->reason, sizeof(why));
			reason(d, "%s; already at %s_instances %d", why,
			    want > in->instances ? "max" : "min", desired);
		}
		return;
	}
	left = cooldown_left(r, h, now, desired > in->instances ? 1 : -1);
	if (left > 0) {
		str_copy_trunc(why, d->reason, sizeof(why));
		reason(d, "%s; cooling down, scale-%s allowed in %llds", why,
		    desired > in->instances ? "up" : "down", (long long)left);
		return;
	}
	d->desired = desired;
	finish_scale(r, in, d);
}

void
policy_record_scale(struct policy_history *h, int64_t now, int from, int to)
{
	if (to == from)
		return;
	if (to > from)
		h->last_up_s = now;
	else
		h->last_down_s = now;
	if (h->nevents == POLICY_EVENTS_MAX) {
		memmove(&h->events[0], &h->events[1],
		    (POLICY_EVENTS_MAX - 1) * sizeof(h->events[0]));
		h->nevents--;
	}
	h->events[h->nevents].t = now;
	h->events[h->nevents].delta = to - from;
	h->nevents++;
	h->streak_dir = 0;
	h->streak_n = 0;
}
