/*
 * backtest.c — see backtest.h: the trace, the replay through
 * policy_evaluate(), and the JSON, text and line-protocol forms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/backtest.h"
#include "sinks/lp.h"

static const char *const status_names[] = {
	[BACKTEST_OK] = "ok",
	[BACKTEST_E_INPUT] = "bad input",
	[BACKTEST_E_SOURCE] = "metrics source unavailable",
	[BACKTEST_E_NOMEM] = "out of memory",
};

const char *
backtest_status_str(enum backtest_status s)
{
	if ((size_t)s < ARRAY_LEN(status_names))
		return status_names[s];
	return "unknown";
}

/* ---- the trace ---- */

int
backtest_trace_init(struct backtest_trace *tr, int64_t from_s, int64_t to_s,
    int64_t step_s, int64_t max_points, char *err, size_t errlen)
{
	int64_t n;

	memset(tr, 0, sizeof(*tr));
	if (step_s < 1 || step_s > BACKTEST_STEP_MAX) {
		snprintf(err, errlen, "step: %lld s is not from 1 to %d s",
		    (long long)step_s, BACKTEST_STEP_MAX);
		return BACKTEST_E_INPUT;
	}
	if (from_s <= 0 || to_s <= 0 || from_s > BACKTEST_TIME_MAX ||
	    to_s > BACKTEST_TIME_MAX) {
		snprintf(err, errlen, "from/to: times must be after 1970 and "
		    "before 2255");
		return BACKTEST_E_INPUT;
	}
	if (from_s >= to_s) {
		snprintf(err, errlen, "from (%lld) is not before to (%lld)",
		    (long long)from_s, (long long)to_s);
		return BACKTEST_E_INPUT;
	}
	n = (to_s - from_s) / step_s;
	if (n < 1) {
		snprintf(err, errlen, "the range (%llds) is shorter than one "
		    "step (%llds)", (long long)(to_s - from_s),
		    (long long)step_s);
		return BACKTEST_E_INPUT;
	}
	if (n > max_points) {
		snprintf(err, errlen, "the range is %lld steps of %llds, over "
		    "backtest_max_points (%lld): shorten it or take a longer "
		    "step", (long long)n, (long long)step_s,
		    (long long)max_points);
		return BACKTEST_E_INPUT;
	}
	tr->from_s = from_s;
	tr->step_s = step_s;
	tr->nsteps = (size_t)n;
	tr->to_s = from_s + n * step_s;
	return BACKTEST_OK;
}

void
backtest_trace_free(struct backtest_trace *tr)
{
	size_t i;

	if (tr == NULL)
		return;
	for (i = 0; i < tr->ntasks; i++) {
		free(tr->tasks[i].fig[0]);
		free(tr->tasks[i].fig[1]);
	}
	free(tr->tasks);
	free(tr->recorded);
	memset(tr, 0, sizeof(*tr));
}

int
backtest_trace_set_count(struct backtest_trace *tr, int64_t t_s,
    double running)
{
	size_t s, i;

	if (t_s < tr->from_s || t_s >= tr->to_s || !(running >= 0 &&
	    running <= RULES_MAX_INSTANCES) || running != (double)(int)running)
		return 1;
	if (tr->recorded == NULL) {
		tr->recorded = malloc(tr->nsteps * sizeof(int32_t));
		if (tr->recorded == NULL)
			return -1;
		for (i = 0; i < tr->nsteps; i++)
			tr->recorded[i] = -1;
	}
	s = (size_t)((t_s - tr->from_s) / tr->step_s);
	if (tr->recorded[s] < 0)
		tr->nrecorded++;
	tr->recorded[s] = (int32_t)running;
	return 0;
}

long
backtest_trace_task(struct backtest_trace *tr, const char *id)
{
	struct backtest_task *t;
	size_t i;

	if (tr->last < tr->ntasks && strcmp(tr->tasks[tr->last].id, id) == 0)
		return (long)tr->last;
	for (i = 0; i < tr->ntasks; i++)
		if (strcmp(tr->tasks[i].id, id) == 0)
			return (long)(tr->last = i);
	if (tr->ntasks >= BACKTEST_TASKS_MAX)
		return -1;
	if (tr->ntasks == tr->cap) {
		size_t ncap = tr->cap ? tr->cap * 2 : 16;
		struct backtest_task *nt = realloc(tr->tasks,
		    ncap * sizeof(*nt));

		if (nt == NULL)
			return -1;
		tr->tasks = nt;
		tr->cap = ncap;
	}
	t = &tr->tasks[tr->ntasks];
	memset(t, 0, sizeof(*t));
	if (str_copy(t->id, id, sizeof(t->id)) >= sizeof(t->id))
		return -1;
	tr->last = tr->ntasks;
	return (long)tr->ntasks++;
}

/* Make task t cover step s (its arrays grown either way, NAN filled). */
static int
task_cover(struct backtest_task *t, size_t s)
{
	size_t first = t->n ? t->first : s, end = t->n ? t->first + t->n : s + 1;
	size_t nfirst = s < first ? s : first, nend = s + 1 > end ? s + 1 : end;
	size_t nn = nend - nfirst, shift = first - nfirst, i, m;

	if (t->n != 0 && nfirst == t->first && nn == t->n)
		return 0;
	if (nn > t->cap) {
		size_t ncap = t->cap ? t->cap : 64;

		while (ncap < nn)
			ncap *= 2;
		for (m = 0; m < 2; m++) {
			float *nf = realloc(t->fig[m], ncap * sizeof(float));

			if (nf == NULL)
				return -1;
			t->fig[m] = nf;
		}
		t->cap = ncap;
	}
	for (m = 0; m < 2; m++) {
		if (t->n != 0 && shift > 0)
			memmove(t->fig[m] + shift, t->fig[m],
			    t->n * sizeof(float));
		for (i = 0; i < shift; i++)
			t->fig[m][i] = NAN;
		for (i = shift + t->n; i < nn; i++)
			t->fig[m][i] = NAN;
	}
	t->first = nfirst;
	t->n = nn;
	return 0;
}

int
backtest_trace_set(struct backtest_trace *tr, long k, enum backtest_metric m,
    int64_t t_s, double v)
{
	struct backtest_task *t;
	size_t s;

	if (k < 0 || (size_t)k >= tr->ntasks || (m != BACKTEST_CPU &&
	    m != BACKTEST_MEM))
		return 1;
	if (t_s < tr->from_s || t_s >= tr->to_s)
		return 1;
	if (!(v >= 0 && v <= POLICY_PCT_MAX)) {
		tr->invalid++;
		return 1;
	}
	s = (size_t)((t_s - tr->from_s) / tr->step_s);
	t = &tr->tasks[k];
	if (task_cover(t, s) != 0)
		return -1;
	if (isnan(t->fig[m][s - t->first]))
		tr->figures++;
	t->fig[m][s - t->first] = (float)v;
	return 0;
}

/* ---- the replay ---- */

/* The simulated app: instances, running tasks' start times, a pending
 * change. */
struct sim {
	int      instances, running;
	int64_t *started;      /* running entries, oldest first; owned */
	int      cap;
	int      pending;
	int64_t  pend_at;
	int      pend_to;
	struct policy_task *pt;  /* cap entries; owned */
};

/* What the trace says about one step. */
struct step_view {
	int    alive;          /* tasks alive (A before carrying over) */
	int    reported[2];    /* R per metric */
	double sum[2];
};

static void
view_step(const struct backtest_trace *tr, size_t s, struct step_view *v)
{
	size_t k;
	int m;

	memset(v, 0, sizeof(*v));
	for (k = 0; k < tr->ntasks; k++) {
		const struct backtest_task *t = &tr->tasks[k];

		if (t->n == 0 || s < t->first || s >= t->first + t->n)
			continue;
		v->alive++;
		for (m = 0; m < 2; m++) {
			float f = t->fig[m][s - t->first];

			if (!isnan(f)) {
				v->reported[m]++;
				v->sum[m] += f;
			}
		}
	}
}

static void
sim_apply(struct sim *sm, int64_t now)
{
	if (!sm->pending || now < sm->pend_at)
		return;
	while (sm->running < sm->pend_to && sm->running < sm->cap)
		sm->started[sm->running++] = sm->pend_at;
	if (sm->running > sm->pend_to)
		sm->running = sm->pend_to;     /* the newest stop */
	sm->pending = 0;
}

/* The per-task figure of metric m with S = sm->running, or NAN. */
static double
sim_figure(const struct step_view *v, int actual, int running, int m)
{
	double f;

	if (v->reported[m] == 0 || running <= 0 || actual <= 0)
		return NAN;
	f = v->sum[m] / v->reported[m] * actual / running;
	return f > POLICY_PCT_MAX ? POLICY_PCT_MAX : f;
}

/* Fill sm->pt for the engine: S tasks, the measured share reporting. */
static void
sim_tasks(struct sim *sm, const struct step_view *v, int actual,
    const double fig[2])
{
	int j, m, present[2];

	for (m = 0; m < 2; m++) {
		long long num = 2LL * sm->running * v->reported[m] + actual;

		present[m] = actual > 0 ? (int)(num / (2LL * actual)) : 0;
	}
	for (j = 0; j < sm->running; j++) {
		struct policy_task *p = &sm->pt[j];

		memset(p, 0, sizeof(*p));
		p->started_s = sm->started[j];
		p->healthy = -1;
		p->has_cpu = j < present[0] && !isnan(fig[0]);
		p->cpu = p->has_cpu ? fig[0] : 0;
		p->has_mem = j < present[1] && !isnan(fig[1]);
		p->mem = p->has_mem ? fig[1] : 0;
	}
}

static int
result_alloc(struct backtest_result *res, size_t n)
{
	int m;

	memset(res, 0, sizeof(*res));
	for (m = 0; m < 2; m++) {
		res->measured[m] = malloc(n * sizeof(float));
		res->simulated[m] = malloc(n * sizeof(float));
		if (res->measured[m] == NULL || res->simulated[m] == NULL)
			return -1;
	}
	res->actual = malloc(n * sizeof(int32_t));
	res->sim = malloc(n * sizeof(int32_t));
	return res->actual == NULL || res->sim == NULL ? -1 : 0;
}

void
backtest_result_free(struct backtest_result *res)
{
	int m;

	if (res == NULL)
		return;
	for (m = 0; m < 2; m++) {
		free(res->measured[m]);
		free(res->simulated[m]);
	}
	free(res->actual);
	free(res->sim);
	free(res->events);
	memset(res, 0, sizeof(*res));
}

static int
add_event(struct backtest_result *res, const struct policy_decision *d,
    int actual)
{
	if (res->nevents == res->cap) {
		size_t ncap = res->cap ? res->cap * 2 : 32;
		struct backtest_event *ne = realloc(res->events,
		    ncap * sizeof(*ne));

		if (ne == NULL)
			return -1;
		res->events = ne;
		res->cap = ncap;
	}
	res->events[res->nevents].d = *d;
	res->events[res->nevents].actual = actual;
	res->nevents++;
	return 0;
}

/* Is a simulated figure above the rule's threshold (above) or target? */
static int
above_rule(const struct rule *r, const double fig[2])
{
	const struct rules_metric *mm[2] = { &r->cpu, &r->mem };
	int m;

	for (m = 0; m < 2; m++) {
		double lim = r->mode == RULES_MODE_THRESHOLD ? mm[m]->above :
		    mm[m]->target;

		if (mm[m]->enabled && !isnan(fig[m]) && fig[m] > lim)
			return 1;
	}
	return 0;
}

/*
 * The count the simulation starts with: at the first step with data, the
 * last record up to it (when positive), else the tasks alive; 0 when the
 * trace has no data.  *first is that step.
 */
static int
first_count(const struct backtest_trace *tr, size_t *first)
{
	struct step_view v;
	size_t k, s = tr->nsteps, i;
	int rec = -1;

	for (k = 0; k < tr->ntasks; k++)
		if (tr->tasks[k].n != 0 && tr->tasks[k].first < s)
			s = tr->tasks[k].first;
	*first = s;
	if (s == tr->nsteps)
		return 0;
	for (i = 0; tr->recorded != NULL && i <= s; i++)
		if (tr->recorded[i] >= 0)
			rec = tr->recorded[i];
	if (rec > 0)
		return rec;
	view_step(tr, s, &v);
	return v.alive;
}

/* Count a simulated scale in the summary. */
static void
count_scale(const struct rule *r, struct backtest_summary *sum,
    const struct policy_decision *d, int *last_dir, int64_t *last_t)
{
	int dir = d->desired > d->current ? 1 : -1;
	int size = (d->desired - d->current) * dir;

	if (dir > 0)
		sum->scale_ups++;
	else
		sum->scale_downs++;
	if (size > sum->largest_step)
		sum->largest_step = size;
	if (*last_dir != 0 && dir != *last_dir &&
	    d->time_s - *last_t <= (r->stabilization_s > 0 ?
	    r->stabilization_s : BACKTEST_FLAP_WINDOW_S))
		sum->flaps++;
	*last_dir = dir;
	*last_t = d->time_s;
}

/* Everything one replay carries from step to step. */
struct replay {
	const struct rule            *r;
	const struct backtest_trace  *tr;
	const struct backtest_options *o;
	struct backtest_result       *res;
	struct sim                    sm;
	struct policy_history         h;
	int                           last_a;
	int                           last_rec;    /* -1: no record yet */
	int                           last_dir;
	int64_t                       last_t;
};

static int
replay_step(struct replay *rp, size_t s)
{
	const struct backtest_trace *tr = rp->tr;
	struct backtest_result *res = rp->res;
	struct backtest_summary *sum = &res->sum;
	int64_t now = tr->from_s + (int64_t)(s + 1) * tr->step_s;
	struct policy_decision d;
	struct policy_input in;
	struct step_view v;
	double fig[2];
	int m, a;

	sim_apply(&rp->sm, now);
	view_step(tr, s, &v);
	if (tr->recorded != NULL && tr->recorded[s] >= 0)
		rp->last_rec = tr->recorded[s];
	if (rp->last_rec > 0) {
		a = rp->last_rec;
		sum->steps_recorded++;
	} else
		a = v.alive > 0 ? v.alive : rp->last_a;
	rp->last_a = a;
	if (v.reported[0] + v.reported[1] == 0)
		sum->steps_no_data++;
	for (m = 0; m < 2; m++) {
		res->measured[m][s] = v.reported[m] ?
		    (float)(v.sum[m] / v.reported[m]) : NAN;
		fig[m] = sim_figure(&v, a, rp->sm.running, m);
		res->simulated[m][s] = (float)fig[m];
	}
	sim_tasks(&rp->sm, &v, a, fig);
	memset(&in, 0, sizeof(in));
	in.instances = rp->sm.instances;
	in.running = rp->sm.running;
	in.tasks = rp->sm.pt;
	in.ntasks = (size_t)rp->sm.running;
	policy_evaluate(rp->r, &in, &rp->h, now, &d);
	res->actual[s] = a;
	res->sim[s] = rp->sm.running;
	sum->instance_hours_simulated += rp->sm.running *
	    (double)tr->step_s / 3600.0;
	sum->instance_hours_actual += a * (double)tr->step_s / 3600.0;
	if (above_rule(rp->r, fig) || (rp->sm.running == 0 &&
	    v.reported[0] + v.reported[1] > 0))
		sum->above_s += tr->step_s;
	if (rp->sm.running > sum->max_simulated)
		sum->max_simulated = rp->sm.running;
	if (a > sum->max_actual)
		sum->max_actual = a;
	if (d.action == POLICY_DEFERRED)
		sum->deferred++;
	if (d.action != POLICY_SCALE)
		return 0;
	policy_record_scale(&rp->h, now, d.current, d.desired);
	count_scale(rp->r, sum, &d, &rp->last_dir, &rp->last_t);
	rp->sm.instances = d.desired;
	rp->sm.pending = 1;
	rp->sm.pend_at = now + rp->o->scale_delay_s;
	rp->sm.pend_to = d.desired;
	if (rp->o->scale_delay_s == 0)
		sim_apply(&rp->sm, now);
	return add_event(res, &d, a);
}

static int
replay_setup(struct replay *rp, int a0)
{
	const struct rule *r = rp->r;
	int64_t born = rp->tr->from_s - r->warmup_s - 1;
	int j, cap = a0;

	if (r->max_instances > cap)
		cap = r->max_instances;
	if (r->min_instances > cap)
		cap = r->min_instances;
	rp->sm.cap = cap + 1;
	rp->sm.started = calloc((size_t)rp->sm.cap, sizeof(int64_t));
	rp->sm.pt = calloc((size_t)rp->sm.cap, sizeof(struct policy_task));
	if (rp->sm.started == NULL || rp->sm.pt == NULL)
		return -1;
	/* The tasks of the start are taken as warmed up. */
	for (j = 0; j < a0; j++)
		rp->sm.started[j] = born > 0 ? born : 1;
	rp->sm.instances = rp->sm.running = a0;
	rp->last_rec = -1;
	rp->last_a = a0;
	rp->res->sum.start_instances = a0;
	return 0;
}

int
backtest_run(const struct rule *rule, const struct backtest_trace *tr,
    const struct backtest_options *o, struct backtest_result *res,
    char *err, size_t errlen)
{
	struct rules_error re;
	struct replay rp;
	struct rule r = *rule;
	int ret = BACKTEST_E_NOMEM, a0;
	size_t s, first;

	memset(&rp, 0, sizeof(rp));
	memset(res, 0, sizeof(*res));
	if (rules_validate(&r, &re) != 0) {
		snprintf(err, errlen, "rule: %s%s%s", re.field[0] ? re.field :
		    "", re.field[0] ? ": " : "", re.error);
		return BACKTEST_E_INPUT;
	}
	if (o->scale_delay_s < 0 || o->scale_delay_s > BACKTEST_DELAY_MAX) {
		snprintf(err, errlen, "scale delay: %lld s is not from 0 to "
		    "%d s", (long long)o->scale_delay_s, BACKTEST_DELAY_MAX);
		return BACKTEST_E_INPUT;
	}
	a0 = first_count(tr, &first);
	if (tr->figures == 0 || a0 == 0) {
		snprintf(err, errlen, "no data: no CPU or memory figure of %s "
		    "in the range%s", r.app_id, tr->invalid ? " (every figure "
		    "was outside 0..1000 %)" : "");
		return BACKTEST_E_INPUT;
	}
	r.dry_run = 0;   /* every scale of a backtest is simulated */
	rp.r = &r;
	rp.tr = tr;
	rp.o = o;
	rp.res = res;
	if (result_alloc(res, tr->nsteps) != 0 || replay_setup(&rp, a0) != 0)
		goto out;
	for (s = 0; s < tr->nsteps; s++)
		if (replay_step(&rp, s) != 0)
			goto out;
	res->sum.steps = tr->nsteps;
	res->sum.end_simulated = rp.sm.running;
	res->sum.end_actual = rp.last_a;
	ret = BACKTEST_OK;
out:
	if (ret != BACKTEST_OK) {
		snprintf(err, errlen, "out of memory");
		backtest_result_free(res);
	}
	free(rp.sm.started);
	free(rp.sm.pt);
	return ret;
}

/* ---- outputs ---- */

static void
add_time(cJSON *o, const char *key, int64_t t)
{
	char ts[RFC3339_MAX];

	rfc3339_format(ts, sizeof(ts), t * 1000000000, 0);
	cJSON_AddStringToObject(o, key, ts);
}

static void
add_fig(cJSON *o, const char *key, int has, double v)
{
	if (has)
		cJSON_AddNumberToObject(o, key, round(v * 1000) / 1000);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *
summary_cjson(const struct backtest_summary *s, const struct backtest_trace *tr)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "steps", (double)s->steps);
	cJSON_AddNumberToObject(o, "steps_without_data",
	    (double)s->steps_no_data);
	cJSON_AddNumberToObject(o, "figures", (double)tr->figures);
	cJSON_AddNumberToObject(o, "figures_refused", (double)tr->invalid);
	cJSON_AddNumberToObject(o, "tasks_seen", (double)tr->ntasks);
	cJSON_AddNumberToObject(o, "steps_actual_from_records",
	    (double)s->steps_recorded);
	cJSON_AddNumberToObject(o, "scale_ups", s->scale_ups);
	cJSON_AddNumberToObject(o, "scale_downs", s->scale_downs);
	cJSON_AddNumberToObject(o, "flaps", s->flaps);
	cJSON_AddNumberToObject(o, "largest_step", s->largest_step);
	cJSON_AddNumberToObject(o, "deferred", s->deferred);
	cJSON_AddNumberToObject(o, "start_instances", s->start_instances);
	cJSON_AddNumberToObject(o, "end_instances_simulated",
	    s->end_simulated);
	cJSON_AddNumberToObject(o, "end_instances_actual", s->end_actual);
	cJSON_AddNumberToObject(o, "max_instances_simulated",
	    s->max_simulated);
	cJSON_AddNumberToObject(o, "max_instances_actual", s->max_actual);
	cJSON_AddNumberToObject(o, "instance_hours_simulated",
	    round(s->instance_hours_simulated * 1000) / 1000);
	cJSON_AddNumberToObject(o, "instance_hours_actual",
	    round(s->instance_hours_actual * 1000) / 1000);
	cJSON_AddNumberToObject(o, "above_s", (double)s->above_s);
	return o;
}

static cJSON *
event_cjson(const struct backtest_event *e)
{
	cJSON *o = cJSON_CreateObject();

	add_time(o, "time", e->d.time_s);
	cJSON_AddNumberToObject(o, "time_s", (double)e->d.time_s);
	cJSON_AddStringToObject(o, "action", policy_action_str(e->d.action));
	cJSON_AddNumberToObject(o, "from", e->d.current);
	cJSON_AddNumberToObject(o, "to", e->d.desired);
	cJSON_AddNumberToObject(o, "actual", e->actual);
	cJSON_AddStringToObject(o, "reason", e->d.reason);
	add_fig(o, "cpu", e->d.has_cpu, e->d.cpu);
	add_fig(o, "mem", e->d.has_mem, e->d.mem);
	cJSON_AddNumberToObject(o, "tasks_with_metrics",
	    e->d.tasks_with_metrics);
	cJSON_AddNumberToObject(o, "tasks_total", e->d.tasks_total);
	return o;
}

void *
backtest_to_cjson(const struct rule *r, const struct backtest_trace *tr,
    const struct backtest_options *o, const struct backtest_result *res)
{
	cJSON *j = cJSON_CreateObject(), *tl;
	size_t i;

	if (j == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "app_id", r->app_id);
	add_time(j, "from", tr->from_s);
	add_time(j, "to", tr->to_s);
	cJSON_AddNumberToObject(j, "from_s", (double)tr->from_s);
	cJSON_AddNumberToObject(j, "to_s", (double)tr->to_s);
	cJSON_AddNumberToObject(j, "step_s", (double)tr->step_s);
	cJSON_AddNumberToObject(j, "scale_delay_s", (double)o->scale_delay_s);
	cJSON_AddBoolToObject(j, "complete", 1);
	cJSON_AddItemToObject(j, "rule", rules_to_cjson(r));
	cJSON_AddItemToObject(j, "summary", summary_cjson(&res->sum, tr));
	tl = cJSON_AddArrayToObject(j, "timeline");
	for (i = 0; tl != NULL && i < res->nevents; i++)
		cJSON_AddItemToArray(tl, event_cjson(&res->events[i]));
	return j;
}

static void
fig_text(char *out, size_t len, int has, double v)
{
	if (has)
		snprintf(out, len, "%.1f", v);
	else
		str_copy_trunc(out, "-", len);
}

/* "1h02m03s" */
static void
dur_text(char *out, size_t len, int64_t s)
{
	snprintf(out, len, "%lldh%02lldm%02llds", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
}

int
backtest_to_text(const struct rule *r, const struct backtest_trace *tr,
    const struct backtest_options *o, const struct backtest_result *res,
    struct buf *out)
{
	const struct backtest_summary *s = &res->sum;
	char a[RFC3339_MAX], b[RFC3339_MAX], c[16], m[16], d1[32];
	size_t i;
	int rc = 0;

	rfc3339_format(a, sizeof(a), tr->from_s * 1000000000, 0);
	rfc3339_format(b, sizeof(b), tr->to_s * 1000000000, 0);
	rc |= buf_printf(out, "backtest of %s (%s mode) from %s to %s, step "
	    "%llds, scale delay %llds: %zu steps, %zu without data\n\n",
	    r->app_id, rules_mode_str(r->mode), a, b, (long long)tr->step_s,
	    (long long)o->scale_delay_s, s->steps, s->steps_no_data);
	rc |= buf_printf(out, "%-20s  %-6s  %-9s  %6s  %6s  %6s  %s\n", "TIME",
	    "ACTION", "FROM->TO", "ACTUAL", "CPU", "MEM", "REASON");
	for (i = 0; i < res->nevents; i++) {
		const struct backtest_event *e = &res->events[i];
		char ft[24];

		rfc3339_format(a, sizeof(a), e->d.time_s * 1000000000, 0);
		fig_text(c, sizeof(c), e->d.has_cpu, e->d.cpu);
		fig_text(m, sizeof(m), e->d.has_mem, e->d.mem);
		snprintf(ft, sizeof(ft), "%d->%d", e->d.current, e->d.desired);
		rc |= buf_printf(out, "%-20s  %-6s  %-9s  %6d  %6s  %6s  %s\n",
		    a, policy_action_str(e->d.action), ft, e->actual, c, m,
		    e->d.reason);
	}
	if (res->nevents == 0)
		rc |= buf_printf(out, "(no scaling)\n");
	dur_text(d1, sizeof(d1), s->above_s);
	rc |= buf_printf(out, "\nscale ups %d, scale downs %d, flaps %d, "
	    "largest step %d, deferred %d\n"
	    "instances: start %d, end %d simulated / %d actual, max %d "
	    "simulated / %d actual\n"
	    "instance-hours: %.2f simulated, %.2f actual\n"
	    "above the rule's %s with the simulated count: %s (%.1f %% of "
	    "the range)\n", s->scale_ups, s->scale_downs, s->flaps,
	    s->largest_step, s->deferred, s->start_instances,
	    s->end_simulated, s->end_actual, s->max_simulated, s->max_actual,
	    s->instance_hours_simulated, s->instance_hours_actual,
	    r->mode == RULES_MODE_THRESHOLD ? "threshold" : "target", d1,
	    100.0 * (double)s->above_s / (double)(tr->to_s - tr->from_s));
	return rc != 0 ? -1 : 0;
}

int
backtest_to_lp(const struct rule *r, const struct backtest_result *res,
    struct buf *out)
{
	struct lp p;
	size_t i;

	for (i = 0; i < res->nevents; i++) {
		const struct backtest_event *e = &res->events[i];

		lp_begin(&p, out, "hoist_backtest");
		lp_tag(&p, "app_id", r->app_id);
		lp_tag(&p, "action", policy_action_str(e->d.action));
		lp_field_i(&p, "current", e->d.current);
		lp_field_i(&p, "desired", e->d.desired);
		lp_field_i(&p, "actual", e->actual);
		lp_field_s(&p, "reason", e->d.reason);
		if (e->d.has_cpu)
			lp_field_f(&p, "cpu", e->d.cpu);
		if (e->d.has_mem)
			lp_field_f(&p, "mem", e->d.mem);
		lp_field_i(&p, "tasks_with_metrics", e->d.tasks_with_metrics);
		lp_field_i(&p, "tasks_total", e->d.tasks_total);
		if (lp_end(&p, e->d.time_s * 1000000000LL) != 1)
			return -1;
	}
	return 0;
}
