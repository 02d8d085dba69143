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

/* Send a scale decision; turns it into deferred or error as needed. */
static void
act(struct round_ctx *c, const struct rule *r, struct policy_history *h,
    int64_t now, struct policy_decision *d)
{
	struct orch_status st;
	enum orch_result res;
	char why[POLICY_REASON_MAX];

	str_copy_trunc(why, d->reason, sizeof(why));
	if (c->leader != NULL && !c->leader->may_act(c->leader->ctx,
	    c->token)) {
		c->fenced = 1;
		d->action = POLICY_DEFERRED;
		d->desired = d->current;
		set_reason(d, "%s; not sent: this instance is no longer the "
		    "leader (fenced)", why);
		return;
	}
	atomic_fetch_add(&c->stats->scale_requests, 1);
	res = orch_scale(c->orch, r->app_id, d->desired, &st);
	if (res == ORCH_OK) {
		policy_record_scale(h, now, d->current, d->desired);
		backoff_clear(c, r->app_id);
		if (st.deployment_id[0] != '\0')
			set_reason(d, "%s; deployment "
			    "%s", why, st.deployment_id);
		return;
	}
	if (res == ORCH_E_LOCKED) {
		d->action = POLICY_DEFERRED;
		set_reason(d, "%s; locked by "
		    "deployment %s (HTTP %ld), retried next round", why,
		    st.deployment_id[0] ? st.deployment_id : "(unknown)",
		    st.status);
		return;
	}
	error_decision(c, r, now, "scale", res, &st, d);
	d->desired = d->current;
}

static void
record(struct round_ctx *c, const struct policy_decision *d)
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
	record(c, d);
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

void
round_run(struct round_ctx *c, int64_t now, int64_t mono_s)
{
	struct policy_decision d;
	struct rule *rules;
	struct buf lp;
	size_t n, i;
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
	n = state_rules(c->state, &rules);
	buf_init(&lp, ROUND_LP_MAX);
	for (i = 0; i < n && !c->fenced; i++) {
		struct round_backoff *b = backoff_find(c, rules[i].app_id);

		if (b != NULL && mono_s < b->retry_at_s)
			continue;
		round_evaluate(c, &rules[i], now, &d);
		if (decisions_to_lp(&d, &lp) == 1) {
			npoints++;
			continue;
		}
		c->encode_errors++;
		c->encode_lost += c->nsinks;   /* one point per output */
		complain(&c->lost_complain, mono_s, "%s: decision record not "
		    "encoded (%zu bytes of line protocol this round); lost",
		    d.app_id, lp.len);
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
	atomic_fetch_add(&c->stats->rounds, 1);
	atomic_store(&c->stats->last_round_ms,
	    (now_mono_ns() - t0) / 1000000);
}
