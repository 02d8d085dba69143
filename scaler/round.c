/*
 * round.c — see round.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "scaler/round.h"

#define ROUND_LP_MAX (8u << 20)

/* Reasons are cut at POLICY_REASON_MAX; that is fine for a log line. */
static void
set_reason(struct policy_decision *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_reason(struct policy_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

static struct round_backoff *
backoff_find(struct round_ctx *c, const char *app_id)
{
	size_t i;

	for (i = 0; i < c->nbackoff; i++)
		if (strcmp(c->backoff[i].app_id, app_id) == 0)
			return &c->backoff[i];
	return NULL;
}

static void
backoff_fail(struct round_ctx *c, const char *app_id, int64_t now)
{
	struct round_backoff *b = backoff_find(c, app_id);
	int64_t gap;

	if (b == NULL) {
		if (c->nbackoff == c->capbackoff) {
			size_t ncap = c->capbackoff ? c->capbackoff * 2 : 8;
			struct round_backoff *nb = realloc(c->backoff,
			    ncap * sizeof(*nb));

			if (nb == NULL)
				return;   /* no backoff: retried next round */
			c->backoff = nb;
			c->capbackoff = ncap;
		}
		b = &c->backoff[c->nbackoff];
		memset(b, 0, sizeof(*b));
		if (str_copy(b->app_id, app_id, sizeof(b->app_id)) >=
		    sizeof(b->app_id))
			return;   /* cannot be (rules' ids fit): no backoff */
		c->nbackoff++;
	}
	b->failures++;
	gap = c->interval_s > 0 ? c->interval_s : 1;
	if (b->failures > 1)
		gap <<= (b->failures - 1 < 16 ? b->failures - 1 : 16);
	if (gap > ROUND_BACKOFF_MAX_S)
		gap = ROUND_BACKOFF_MAX_S;
	b->retry_at_s = now + gap;
}

static void
backoff_clear(struct round_ctx *c, const char *app_id)
{
	struct round_backoff *b = backoff_find(c, app_id);

	if (b != NULL)
		*b = c->backoff[--c->nbackoff];
}

void
round_ctx_free(struct round_ctx *c)
{
	free(c->backoff);
	c->backoff = NULL;
	c->nbackoff = c->capbackoff = 0;
}

static void
error_decision(struct round_ctx *c, const struct rule *r, int64_t now,
    const char *what, enum orch_result res, const struct orch_status *st,
    struct policy_decision *d)
{
	d->time_s = now;
	STR_COPY_ARRAY(d->app_id, r->app_id);
	d->action = POLICY_ERROR;
	if (st->status > 0)
		set_reason(d, "%s %s: HTTP %ld "
		    "(%s): %s", orch_name(c->orch), what, st->status,
		    orch_strerror(res), st->message[0] ? st->message :
		    "no message");
	else
		set_reason(d, "%s %s: %s: %s",
		    orch_name(c->orch), what, orch_strerror(res),
		    st->message[0] ? st->message : "no reply");
	atomic_fetch_add(&c->stats->orchestrator_errors, 1);
	backoff_fail(c, r->app_id, c->mono_s);
}

/*
 * Count the figures the source rejected (outside 0..POLICY_PCT_MAX %,
 * see source.h) and say so, with backoff: the tasks concerned simply
 * count as without that metric.
 */
static void
note_invalid(struct round_ctx *c, const struct rule *r,
    const struct source_task *st, size_t n, int64_t now)
{
	const struct source_task *first = NULL;
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		total += (uint64_t)st[i].invalid;
		if (first == NULL && st[i].invalid > 0)
			first = &st[i];
	}
	if (first == NULL)
		return;
	atomic_fetch_add(&c->stats->metric_invalid, total);
	complain(&c->invalid_log, now, "metrics for %s: %llu figure(s) "
	    "rejected, e.g. task %s: %s = %g (valid: 0 to %g %%); those "
	    "tasks count as without that metric", r->app_id,
	    (unsigned long long)total, first->task->id,
	    first->invalid_field, first->invalid_value, POLICY_PCT_MAX);
}

/* Put the app's tasks and their figures into policy form. */
static int
gather(struct round_ctx *c, const struct rule *r, const struct orch_app *app,
    int64_t now, struct policy_task **out)
{
	struct source_task *st;
	struct policy_task *pt;
	char err[512];
	size_t i;
	int failed;

	*out = NULL;
	if (app->ntasks == 0)
		return 0;
	st = calloc(app->ntasks, sizeof(*st));
	pt = calloc(app->ntasks, sizeof(*pt));
	if (st == NULL || pt == NULL) {
		free(st);
		free(pt);
		return -1;
	}
	for (i = 0; i < app->ntasks; i++)
		st[i].task = &app->tasks[i];
	failed = source_fetch(c->source, r->app_id, st, app->ntasks, err,
	    sizeof(err));
	if (failed > 0) {
		atomic_fetch_add(&c->stats->metric_fetch_errors,
		    (uint64_t)failed);
		log_debug("metrics for %s: %d failed requests: %s", r->app_id,
		    failed, err);
	}
	note_invalid(c, r, st, app->ntasks, now);
	for (i = 0; i < app->ntasks; i++) {
		pt[i].started_s = app->tasks[i].started_s;
		pt[i].healthy = app->tasks[i].healthy;
		pt[i].has_cpu = st[i].has_cpu;
		pt[i].cpu = st[i].cpu;
		pt[i].has_mem = st[i].has_mem;
		pt[i].mem = st[i].mem;
	}
	free(st);
	*out = pt;
	return 0;
}

/* What the orchestrator said to a scale request: the decision stays
 * `scale`, or becomes deferred (locked) or error. */
static void
act_done(struct round_ctx *c, const struct rule *r, struct policy_history *h,
    int64_t now, struct policy_decision *d, enum orch_result res,
    const struct orch_status *st)
{
	char why[POLICY_REASON_MAX];

	str_copy_trunc(why, d->reason, sizeof(why));
	if (res == ORCH_OK) {
		policy_record_scale(h, now, d->current, d->desired);
		backoff_clear(c, r->app_id);
		if (st->deployment_id[0] != '\0')
			set_reason(d, "%s; deployment "
			    "%s", why, st->deployment_id);
		return;
	}
	if (res == ORCH_E_LOCKED) {
		d->action = POLICY_DEFERRED;
		set_reason(d, "%s; locked by "
		    "deployment %s (HTTP %ld), retried next round", why,
		    st->deployment_id[0] ? st->deployment_id : "(unknown)",
		    st->status);
		return;
	}
	error_decision(c, r, now, "scale", res, st, d);
	d->desired = d->current;
}

/* Fencing: 1 when this instance may send a scale request now (always
 * without ZooKeeper); else the decision becomes deferred and the round
 * stops acting (c->fenced). */
static int
may_act(struct round_ctx *c, struct policy_decision *d)
{
	char why[POLICY_REASON_MAX];

	if (c->leader == NULL || c->leader->may_act(c->leader->ctx, c->token))
		return 1;
	str_copy_trunc(why, d->reason, sizeof(why));
	c->fenced = 1;
	d->action = POLICY_DEFERRED;
	d->desired = d->current;
	set_reason(d, "%s; not sent: this instance is no longer the "
	    "leader (fenced)", why);
	return 0;
}

/* Send a scale decision; turns it into deferred or error as needed. */
static void
act(struct round_ctx *c, const struct rule *r, struct policy_history *h,
    int64_t now, struct policy_decision *d)
{
	struct orch_status st;
	enum orch_result res;

	if (!may_act(c, d))
		return;
	atomic_fetch_add(&c->stats->scale_requests, 1);
	atomic_fetch_add(&c->stats->marathon_requests, 1);
	c->round_requests++;
	res = orch_scale(c->orch, r->app_id, d->desired, &st);
	act_done(c, r, h, now, d, res, &st);
}

static void
record(struct round_ctx *c, const struct policy_decision *d, int quiet)
{
	char cpu[32] = "-", mem[32] = "-";

	if (d->has_cpu)
		snprintf(cpu, sizeof(cpu), "%.1f%%", d->cpu);
	if (d->has_mem)
		snprintf(mem, sizeof(mem), "%.1f%%", d->mem);
	if (d->action == POLICY_NONE)
		log_debug("%s: none %d -> %d: %s (cpu %s, mem %s, %d/%d tasks "
		    "with metrics)", d->app_id, d->current, d->desired,
		    d->reason, cpu, mem, d->tasks_with_metrics, d->tasks_total);
	else if (d->action == POLICY_ERROR && quiet)
		log_debug("%s: error: %s", d->app_id, d->reason);
	else if (d->action == POLICY_ERROR)
		log_warnx("%s: error: %s", d->app_id, d->reason);
	else
		log_info("%s: %s %d -> %d: %s (cpu %s, mem %s, %d/%d tasks "
		    "with metrics)", d->app_id, policy_action_str(d->action),
		    d->current, d->desired, d->reason, cpu, mem,
		    d->tasks_with_metrics, d->tasks_total);
	decisions_add(c->decisions, d);
	if ((size_t)d->action < STATS_ACTIONS)
		atomic_fetch_add(&c->stats->decisions[d->action], 1);
}

void
round_evaluate(struct round_ctx *c, const struct rule *r, int64_t now,
    struct policy_decision *d)
{
	struct orch_app app;
	struct orch_status st;
	struct policy_input in;
	struct policy_history h;
	struct policy_task *pt = NULL;
	enum orch_result res;

	memset(d, 0, sizeof(*d));
	atomic_fetch_add(&c->stats->evaluations, 1);
	atomic_fetch_add(&c->stats->marathon_requests, 1);
	c->round_requests++;
	res = orch_get_app(c->orch, r->app_id, &app, &st);
	if (res != ORCH_OK) {
		error_decision(c, r, now, "get app", res, &st, d);
		goto out;
	}
	/* gather()'s time is only for its log backoff: monotonic. */
	if (gather(c, r, &app, c->mono_s, &pt) != 0) {
		d->time_s = now;
		STR_COPY_ARRAY(d->app_id, r->app_id);
		d->action = POLICY_ERROR;
		set_reason(d, "out of memory");
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.instances = app.instances;
	in.running = app.running;
	in.deploying = app.ndeployments > 0;
	STR_COPY_ARRAY(in.deployment_id, app.deployment_id);
	in.tasks = pt;
	in.ntasks = app.ntasks;
	in.dry_run = c->dry_run;
	if (state_get(c->state, r->app_id, NULL, &h) != STATE_OK)
		memset(&h, 0, sizeof(h));
	policy_evaluate(r, &in, &h, now, d);
	if (d->action == POLICY_SCALE)
		act(c, r, &h, now, d);
	else if (d->action != POLICY_ERROR)
		backoff_clear(c, r->app_id);
	/* Fenced: the new leader owns the app's history now. */
	if (!c->fenced)
		state_set_history(c->state, r->app_id, &h);
out:
	STR_COPY_ARRAY(d->scaler, c->scaler_id);
	record(c, d, 0);
	orch_app_free(&app);
	free(pt);
}

/* The lines of this round to every output; count what they refuse. */
static void
deliver(struct round_ctx *c, const struct buf *lp, uint64_t npoints,
    int64_t mono_s)
{
	size_t k;

	for (k = 0; k < c->nsinks && lp->len > 0; k++) {
		if (sink_write(c->sinks[k], lp->data, lp->len) == 0)
			continue;
		c->refused++;
		/* The output by number and type: its spec may hold a
		 * credential (a URL's user:password). */
		complain(&c->lost_complain, mono_s, "output %zu (%s): %llu "
		    "decision points refused (counted in hoist_scaler_"
		    "decision_points_lost_total)", k + 1,
		    sink_name(c->sinks[k]), (unsigned long long)npoints);
	}
}

/* Read the outputs' own counters into the stats; complain (with
 * backoff) while points keep getting lost, once when it stops. */
static void
observe_sinks(struct round_ctx *c, int64_t mono_s)
{
	struct scaler_stats *st = c->stats;
	struct sink_stats one, total;
	uint64_t lost;
	size_t k;

	memset(&c->sink_last, 0, sizeof(c->sink_last));
	for (k = 0; k < c->nsinks; k++) {
		sink_get_stats(c->sinks[k], &one);
		sink_stats_add(&c->sink_last, &one);
	}
	total = c->sink_base;
	sink_stats_add(&total, &c->sink_last);
	lost = c->encode_lost + total.points_dropped;
	atomic_store(&st->decision_encode_errors, c->encode_errors);
	atomic_store(&st->output_refused, c->refused);
	atomic_store(&st->output_points_written, total.points_written);
	atomic_store(&st->output_points_dropped, total.points_dropped);
	atomic_store(&st->output_points_spooled, total.points_spooled);
	atomic_store(&st->output_write_errors, total.write_errors);
	atomic_store(&st->outputs, c->nsinks);
	atomic_store(&st->decision_points_lost, lost);
	if (lost > c->lost_seen)
		complain(&c->lost_complain, mono_s, "%llu decision points lost "
		    "(%llu since start; see hoist_scaler_output_* in /metrics)",
		    (unsigned long long)(lost - c->lost_seen),
		    (unsigned long long)lost);
	else
		complain_recovered(&c->lost_complain, "decision points reach "
		    "the outputs again");
	c->lost_seen = lost;
}

void
round_set_sinks(struct round_ctx *c, struct sink *const *sinks, size_t n)
{
	size_t k;

	sink_stats_add(&c->sink_base, &c->sink_last);
	memset(&c->sink_last, 0, sizeof(c->sink_last));
	if (n > ROUND_SINKS_MAX)
		n = ROUND_SINKS_MAX;
	for (k = 0; k < n; k++)
		c->sinks[k] = sinks[k];
	c->nsinks = n;
}

/* One decision into this round's line protocol; counted when lost. */
static void
encode(struct round_ctx *c, const struct policy_decision *d, struct buf *lp,
    uint64_t *npoints)
{
	if (decisions_to_lp(d, lp) == 1) {
		(*npoints)++;
		return;
	}
	c->encode_errors++;
	c->encode_lost += c->nsinks;   /* one point per output */
	complain(&c->lost_complain, c->mono_s, "%s: decision record not "
	    "encoded (%zu bytes of line protocol this round); lost",
	    d->app_id, lp->len);
}

static int
backed_off(struct round_ctx *c, const char *app_id)
{
	struct round_backoff *b = backoff_find(c, app_id);

	return b != NULL && c->mono_s < b->retry_at_s;
}

void
round_id_filter(const struct rule *rules, size_t n, char *out, size_t outlen)
{
	size_t len, i, k, cut = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (n == 0)
		return;
	len = strlen(rules[0].app_id);
	for (i = 1; i < n && len > 0; i++) {
		const char *p = rules[i].app_id;

		for (k = 0; k < len && p[k] == rules[0].app_id[k]; k++)
			;
		len = k;
	}
	for (k = 0; k < len; k++)
		if (rules[0].app_id[k] == '/')
			cut = k + 1;
	if (cut <= 1 || cut >= outlen)
		return;
	memcpy(out, rules[0].app_id, cut);
	out[cut] = '\0';
}

/* ---- fleet rounds (round.h) ---- */

struct fleet_item {
	const struct rule          *r;
	const struct orch_snap_app *app;   /* NULL: not in the snapshot */
	size_t                      t0, nt; /* its tasks in fleet.st[] */
	int                         skip;  /* backed off: not evaluated */
	int                         quiet; /* its error is in a round's
	                                    * one warning: debug level */
	struct policy_decision      d;
};

struct fleet {
	struct round_ctx     *c;
	struct fleet_item    *it;
	size_t                n;
	struct orch_snapshot  snap;
	struct source_task   *st;
	size_t                nst;
	int64_t               now;
	struct round_figures *fg;
};

/* Every rule gets `error` naming why the bulk read failed; one warning
 * for the round (with backoff), the detail at debug level. */
static void
fleet_error_round(struct fleet *f, enum orch_result res,
    const struct orch_status *st)
{
	struct round_ctx *c = f->c;
	struct policy_decision tmpl;   /* its reason: the one for all */
	const char *why = tmpl.reason;
	size_t i, nerr = 0;

	if (st->status > 0)
		set_reason(&tmpl, "%s bulk read: HTTP %ld (%s): %s",
		    orch_name(c->orch), st->status, orch_strerror(res),
		    st->message[0] ? st->message : "no message");
	else
		set_reason(&tmpl, "%s bulk read: %s: %s",
		    orch_name(c->orch), orch_strerror(res),
		    st->message[0] ? st->message : "no reply");
	atomic_fetch_add(&c->stats->orchestrator_errors, 1);
	atomic_fetch_add(&c->stats->marathon_bulk_errors, 1);
	for (i = 0; i < f->n; i++) {
		struct policy_decision *d = &f->it[i].d;

		if (f->it[i].skip)
			continue;
		d->time_s = f->now;
		STR_COPY_ARRAY(d->app_id, f->it[i].r->app_id);
		d->action = POLICY_ERROR;
		str_copy_trunc(d->reason, why, sizeof(d->reason));
		f->it[i].quiet = 1;
		nerr++;
	}
	complain(&c->marathon_log, c->mono_s, "%s unreachable: %zu rules "
	    "\xe2\x86\x92 error (%s); nothing scaled, retried next round",
	    orch_name(c->orch), nerr, why);
}

/* Find each rule's app; lay out the tasks of the apps found. */
static int
fleet_layout(struct fleet *f)
{
	size_t i, k = 0, total = 0;

	for (i = 0; i < f->n; i++) {
		struct fleet_item *it = &f->it[i];

		if (it->skip)
			continue;
		it->app = orch_snapshot_find(&f->snap, it->r->app_id);
		if (it->app != NULL)
			total += it->app->ntasks;
	}
	f->st = calloc(total ? total : 1, sizeof(*f->st));
	if (f->st == NULL)
		return -1;
	for (i = 0; i < f->n; i++) {
		struct fleet_item *it = &f->it[i];
		size_t j;

		if (it->skip || it->app == NULL)
			continue;
		it->t0 = k;
		it->nt = it->app->ntasks;
		for (j = 0; j < it->nt; j++)
			f->st[k++].task = &it->app->tasks[j];
	}
	f->nst = k;
	return 0;
}

/* The figures of every task: one request per agent host (or, for a
 * source without a bulk form, one fetch per app). */
static void
fleet_metrics(struct fleet *f)
{
	struct round_ctx *c = f->c;
	struct source_round sr;
	char err[512];
	size_t i;
	int failed = 0;

	if (source_has_fetch_all(c->source)) {
		failed = source_fetch_all(c->source, f->st, f->nst, &sr, err,
		    sizeof(err));
		f->fg->hosts = sr.hosts;
		f->fg->hosts_failed = sr.hosts_failed;
		if (failed > 0)
			log_debug("metrics: %d of %zu agent hosts failed, e.g. "
			    "%s; their tasks count as without metrics",
			    failed, sr.hosts, err);
	} else {
		for (i = 0; i < f->n; i++) {
			struct fleet_item *it = &f->it[i];
			int k;

			if (it->skip || it->app == NULL || it->nt == 0)
				continue;
			k = source_fetch(c->source, it->r->app_id,
			    &f->st[it->t0], it->nt, err, sizeof(err));
			if (k > 0)
				log_debug("metrics for %s: %d failed requests: "
				    "%s", it->r->app_id, k, err);
			failed += k > 0 ? k : 0;
		}
	}
	if (failed > 0)
		atomic_fetch_add(&c->stats->metric_fetch_errors,
		    (uint64_t)failed);
	for (i = 0; i < f->n; i++)
		if (!f->it[i].skip && f->it[i].app != NULL)
			note_invalid(c, f->it[i].r, &f->st[f->it[i].t0],
			    f->it[i].nt, c->mono_s);
}

/* One rule against the snapshot: the policy's decision (not acted on). */
static void
fleet_decide(struct fleet *f, struct fleet_item *it)
{
	struct round_ctx *c = f->c;
	struct policy_decision *d = &it->d;
	struct policy_task *pt = NULL;
	struct policy_history h;
	struct policy_input in;
	struct orch_app app;
	size_t j;

	atomic_fetch_add(&c->stats->evaluations, 1);
	if (it->app == NULL) {
		struct orch_status st;

		memset(&st, 0, sizeof(st));
		str_copy_trunc(st.message, "not in the bulk read of every app",
		    sizeof(st.message));
		error_decision(c, it->r, f->now, "get app", ORCH_E_NOT_FOUND,
		    &st, d);
		it->quiet = 1;    /* fleet_note_missing() says it once */
		return;
	}
	if (it->nt > 0 && (pt = calloc(it->nt, sizeof(*pt))) == NULL) {
		d->time_s = f->now;
		STR_COPY_ARRAY(d->app_id, it->r->app_id);
		d->action = POLICY_ERROR;
		set_reason(d, "out of memory");
		return;
	}
	orch_snapshot_view(&f->snap, it->app, &app);
	for (j = 0; j < it->nt; j++) {
		const struct source_task *s = &f->st[it->t0 + j];

		pt[j].started_s = app.tasks[j].started_s;
		pt[j].healthy = app.tasks[j].healthy;
		pt[j].has_cpu = s->has_cpu;
		pt[j].cpu = s->cpu;
		pt[j].has_mem = s->has_mem;
		pt[j].mem = s->mem;
	}
	memset(&in, 0, sizeof(in));
	in.instances = app.instances;
	in.running = app.running;
	in.deploying = app.ndeployments > 0;
	STR_COPY_ARRAY(in.deployment_id, app.deployment_id);
	in.tasks = pt;
	in.ntasks = it->nt;
	in.dry_run = c->dry_run;
	if (state_get(c->state, it->r->app_id, NULL, &h) != STATE_OK)
		memset(&h, 0, sizeof(h));
	policy_evaluate(it->r, &in, &h, f->now, d);
	if (d->action != POLICY_SCALE && d->action != POLICY_ERROR)
		backoff_clear(c, it->r->app_id);
	state_set_history(c->state, it->r->app_id, &h);
	free(pt);
}

/*
 * The scale requests sent, all at once: the PUTs (never forced; a 409
 * is the fresh lock check), then each outcome into its decision and the
 * app's history.
 */
static void
fleet_send(struct fleet *f, const struct bounds_cand *cand, size_t nsend)
{
	struct round_ctx *c = f->c;
	const char **ids = calloc(nsend, sizeof(*ids));
	int *to = calloc(nsend, sizeof(*to));
	enum orch_result *res = calloc(nsend, sizeof(*res));
	struct orch_status *st = calloc(nsend, sizeof(*st));
	size_t i, fenced = 0;

	/* The fencing check, once for the batch sent at once. */
	for (i = 0; i < nsend; i++)
		fenced += !may_act(c, &f->it[cand[i].rule].d);
	if (fenced > 0)
		goto out;
	if (ids == NULL || to == NULL || res == NULL || st == NULL) {
		for (i = 0; i < nsend; i++) {
			f->it[cand[i].rule].d.action = POLICY_ERROR;
			set_reason(&f->it[cand[i].rule].d, "out of memory: "
			    "scale request not sent");
		}
		goto out;
	}
	for (i = 0; i < nsend; i++) {
		ids[i] = f->it[cand[i].rule].r->app_id;
		to[i] = f->it[cand[i].rule].d.desired;
	}
	atomic_fetch_add(&c->stats->scale_requests, nsend);
	atomic_fetch_add(&c->stats->marathon_requests, nsend);
	c->round_requests += nsend;
	orch_scale_many(c->orch, nsend, ids, to, res, st);
	for (i = 0; i < nsend; i++) {
		struct fleet_item *it = &f->it[cand[i].rule];
		struct policy_history h;

		if (state_get(c->state, it->r->app_id, NULL, &h) != STATE_OK)
			memset(&h, 0, sizeof(h));
		act_done(c, it->r, &h, f->now, &it->d, res[i], &st[i]);
		state_set_history(c->state, it->r->app_id, &h);
	}
out:
	free(ids);
	free(to);
	free(res);
	free(st);
}

/* The scale requests within the bounds, most loaded first. */
static void
fleet_write(struct fleet *f)
{
	struct round_ctx *c = f->c;
	struct bounds_limits lim;
	struct bounds_cand *cand;
	size_t i, nc = 0, nsend;

	for (i = 0; i < f->n; i++)
		nc += !f->it[i].skip && f->it[i].d.action == POLICY_SCALE;
	if (nc == 0)
		return;
	cand = calloc(nc, sizeof(*cand));
	if (cand == NULL)
		return;         /* cannot be planned: nothing is sent */
	for (i = 0, nc = 0; i < f->n; i++) {
		const struct fleet_item *it = &f->it[i];

		if (it->skip || it->d.action != POLICY_SCALE)
			continue;
		cand[nc].rule = i;
		cand[nc].app_id = it->r->app_id;
		cand[nc].up = it->d.desired > it->d.current;
		cand[nc].load = bounds_load(it->r, &it->d);
		nc++;
	}
	lim.max_requests = c->max_requests > 0 ? c->max_requests :
	    ROUND_REQUESTS_DEFAULT;
	lim.max_deployments = c->max_deployments > 0 ? c->max_deployments :
	    ROUND_DEPLOYMENTS_DEFAULT;
	lim.deploying = f->snap.deploying;
	lim.round = c->round_no;
	nsend = bounds_plan(cand, nc, &lim);
	if (nsend > 0)
		fleet_send(f, cand, nsend);   /* the first nsend of the plan */
	for (i = nsend; i < nc; i++) {
		struct policy_decision *d = &f->it[cand[i].rule].d;
		char why[POLICY_REASON_MAX];

		str_copy_trunc(why, d->reason, sizeof(why));
		d->action = POLICY_DEFERRED;
		set_reason(d, "%s; %s %d reached (place %zu of %zu by load "
		    "%.2f, %zu sent), retried next round", why,
		    bounds_why_str(cand[i].why), cand[i].why ==
		    BOUNDS_REQUESTS ? lim.max_requests : lim.max_deployments,
		    cand[i].rank, nc, cand[i].load, nsend);
		f->fg->deferred_bounds++;
	}
	free(cand);
}

/* Apps of rules missing from the snapshot: one warning for the round. */
static void
fleet_note_missing(struct fleet *f)
{
	const char *first = NULL;
	size_t i, nmiss = 0;

	for (i = 0; i < f->n; i++)
		if (!f->it[i].skip && f->it[i].app == NULL) {
			if (first == NULL)
				first = f->it[i].r->app_id;
			nmiss++;
		}
	if (nmiss > 0)
		complain(&f->c->missing_log, f->c->mono_s, "%zu rules \xe2\x86\x92"
		    " error: app not found in %s (e.g. %s); see /v1/decisions",
		    nmiss, orch_name(f->c->orch), first);
	else
		complain_recovered(&f->c->missing_log, "every rule's app is "
		    "found again");
}

/* One fleet round over rules[0..n): see round.h. */
static void
round_fleet(struct round_ctx *c, const struct rule *rules, size_t n,
    int64_t now, struct round_figures *fg, struct buf *lp, uint64_t *npoints)
{
	struct fleet f;
	struct orch_status st;
	enum orch_result res;
	char filter[RULES_APP_ID_MAX];
	size_t i;
	int64_t t = now_mono_ns(), t2;

	memset(&f, 0, sizeof(f));
	f.c = c;
	f.n = n;
	f.now = now;
	f.fg = fg;
	f.it = calloc(n, sizeof(*f.it));
	if (f.it == NULL) {
		log_warnx("round: out of memory for %zu rules", n);
		return;
	}
	for (i = 0; i < n; i++) {
		f.it[i].r = &rules[i];
		f.it[i].skip = backed_off(c, rules[i].app_id);
		fg->rules += !f.it[i].skip;
	}
	round_id_filter(rules, n, filter, sizeof(filter));
	c->round_requests++;
	atomic_fetch_add(&c->stats->marathon_requests, 1);
	res = orch_snapshot(c->orch, filter, c->max_reply_bytes ?
	    c->max_reply_bytes : ROUND_REPLY_DEFAULT, &f.snap, &st);
	t2 = now_mono_ns();
	fg->marathon_ns = t2 - t;
	if (res != ORCH_OK) {
		fleet_error_round(&f, res, &st);
		goto record;
	}
	complain_recovered(&c->marathon_log, "%s answers the bulk read "
	    "again", orch_name(c->orch));
	if (fleet_layout(&f) != 0) {
		log_warnx("round: out of memory for the tasks");
		goto out;
	}
	fleet_metrics(&f);
	t = now_mono_ns();
	fg->agents_ns = t - t2;
	for (i = 0; i < n; i++)
		if (!f.it[i].skip)
			fleet_decide(&f, &f.it[i]);
	fleet_note_missing(&f);
	t2 = now_mono_ns();
	fg->eval_ns = t2 - t;
	fleet_write(&f);
	fg->writes_ns = now_mono_ns() - t2;
record:
	for (i = 0; i < n; i++) {
		if (f.it[i].skip)
			continue;
		STR_COPY_ARRAY(f.it[i].d.scaler, c->scaler_id);
		record(c, &f.it[i].d, f.it[i].quiet);
		encode(c, &f.it[i].d, lp, npoints);
	}
out:
	free(f.st);
	orch_snapshot_free(&f.snap);
	free(f.it);
}

/* Each rule reads its app and agents, decides and acts in turn. */
static void
run_per_rule(struct round_ctx *c, const struct rule *rules, size_t n,
    int64_t now, struct buf *lp, uint64_t *npoints)
{
	struct policy_decision d;
	size_t i;

	for (i = 0; i < n && !c->fenced; i++) {
		if (backed_off(c, rules[i].app_id))
			continue;
		round_evaluate(c, &rules[i], now, &d);
		encode(c, &d, lp, npoints);
	}
}

static void
publish_round(struct round_ctx *c, const struct round_figures *fg)
{
	struct scaler_stats *st = c->stats;

	atomic_store(&st->last_round_fleet, fg->fleet);
	atomic_store(&st->last_round_marathon_ms, fg->marathon_ns / 1000000);
	atomic_store(&st->last_round_agents_ms, fg->agents_ns / 1000000);
	atomic_store(&st->last_round_eval_ms, fg->eval_ns / 1000000);
	atomic_store(&st->last_round_writes_ms, fg->writes_ns / 1000000);
	atomic_store(&st->last_round_rules, fg->rules);
	atomic_store(&st->last_round_hosts, fg->hosts);
	atomic_store(&st->last_round_hosts_failed, fg->hosts_failed);
	atomic_store(&st->last_round_deferred_bounds, fg->deferred_bounds);
	atomic_store(&st->last_round_marathon_requests, c->round_requests);
	atomic_fetch_add(&st->agent_requests, fg->hosts);
	atomic_fetch_add(&st->agent_failures, fg->hosts_failed);
	atomic_fetch_add(&st->deferred_bounds, fg->deferred_bounds);
}

void
round_run(struct round_ctx *c, int64_t now, int64_t mono_s)
{
	struct round_figures fg;
	struct rule *rules;
	struct buf lp;
	size_t n;
	uint64_t npoints = 0;
	char err[512];
	int64_t t0 = now_mono_ns();

	c->mono_s = mono_s;
	c->fenced = 0;
	if (c->leader != NULL &&
	    (c->token = c->leader->token(c->leader->ctx)) == 0) {
		c->rounds_skipped++;     /* a follower: the leader evaluates */
		return;
	}
	c->round_requests = 0;
	c->round_no++;
	memset(&fg, 0, sizeof(fg));
	n = state_rules(c->state, &rules);
	buf_init(&lp, ROUND_LP_MAX);
	if (n >= 2 && orch_has_snapshot(c->orch)) {
		fg.fleet = 1;
		round_fleet(c, rules, n, now, &fg, &lp, &npoints);
	} else {
		run_per_rule(c, rules, n, now, &lp, &npoints);
		fg.rules = n;
	}
	free(rules);
	deliver(c, &lp, npoints, mono_s);
	buf_free(&lp);
	observe_sinks(c, mono_s);
	if (c->leader != NULL && (c->fenced ||
	    c->leader->token(c->leader->ctx) != c->token))
		log_warnx("round ended without leadership: its safety state "
		    "is not written (the leader's is)");
	else if (state_flush(c->state, err, sizeof(err)) != STATE_OK)
		log_warnx("state not saved: %s", err);
	publish_round(c, &fg);
	atomic_fetch_add(&c->stats->rounds, 1);
	atomic_store(&c->stats->last_round_ms,
	    (now_mono_ns() - t0) / 1000000);
}
