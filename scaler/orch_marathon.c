/*
 * orch_marathon.c — the orchestrator interface over Marathon's REST API
 * (marathon/marathon.h does the HTTP and the decoding).  Scaling is
 * PUT /v2/apps/{id} {"instances": N}, never forced: a deployment holding
 * the app comes back as ORCH_E_LOCKED with its id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/rfc3339.h"
#include "common/util.h"
#include "marathon/marathon.h"
#include "scaler/orch.h"

static enum orch_result
map_result(enum marathon_result r)
{
	switch (r) {
	case MARATHON_OK:             return ORCH_OK;
	case MARATHON_E_LOCKED:       return ORCH_E_LOCKED;
	case MARATHON_E_NOT_FOUND:    return ORCH_E_NOT_FOUND;
	case MARATHON_E_UNAUTHORIZED:
	case MARATHON_E_FORBIDDEN:    return ORCH_E_AUTH;
	case MARATHON_E_TRANSPORT:    return ORCH_E_TRANSPORT;
	case MARATHON_E_DECODE:       return ORCH_E_DECODE;
	case MARATHON_E_NOMEM:        return ORCH_E_NOMEM;
	default:                      return ORCH_E_SERVER;
	}
}

static void
copy_status(const struct marathon_status *ms, struct orch_status *st)
{
	st->status = ms->status;
	STR_COPY_ARRAY(st->message, ms->message);
	if (ms->n_deployments > 0)
		STR_COPY_ARRAY(st->deployment_id, ms->deployments[0]);
	else
		STR_COPY_ARRAY(st->deployment_id, ms->deployment_id);
}

/* Marathon's running tasks as orch tasks into out[] (room for all), their
 * strings borrowed from app; returns how many. */
static size_t
running_tasks(const struct marathon_app *app, struct orch_task *out)
{
	size_t i, k = 0;

	for (i = 0; i < app->n_tasks; i++) {
		const struct marathon_task *t = &app->tasks[i];
		struct orch_task *o = &out[k];
		int64_t started_ns;

		/* Only running tasks count (old documents have no state). */
		if (t->state[0] != '\0' && strcmp(t->state, "TASK_RUNNING")
		    != 0)
			continue;
		o->id = t->id;
		o->host = t->host;
		o->healthy = t->health == MARATHON_HEALTH_ALIVE ? 1 :
		    t->health == MARATHON_HEALTH_FAILING ? 0 : -1;
		/* A time that does not parse counts as unknown (0). */
		(void)rfc3339_parse(t->started_at, &started_ns);
		o->started_s = started_ns / 1000000000;
		k++;
	}
	return k;
}

static enum orch_result
m_get_app(void *ctx, const char *app_id, struct orch_app *out,
    struct orch_status *st)
{
	struct marathon_app app;
	struct marathon_status ms;
	struct orch_task *tmp = NULL;
	enum marathon_result r;
	int ok;

	memset(&app, 0, sizeof(app));
	memset(&ms, 0, sizeof(ms));
	r = marathon_get_app(ctx, app_id, &app, &ms);
	copy_status(&ms, st);
	if (r != MARATHON_OK)
		goto out;
	out->instances = (int)app.instances;
	out->running = (int)app.tasks_running;
	out->ndeployments = app.n_deployments;
	if (app.n_deployments > 0)
		STR_COPY_ARRAY(out->deployment_id, app.deployments[0]);
	if (app.n_tasks > 0) {
		tmp = calloc(app.n_tasks, sizeof(*tmp));
		if (tmp == NULL) {
			r = MARATHON_E_NOMEM;
			goto out;
		}
	}
	out->ntasks = running_tasks(&app, tmp);
	out->tasks = orch_tasks_dup(tmp, out->ntasks, &ok);
	if (!ok) {
		out->ntasks = 0;
		r = MARATHON_E_NOMEM;
	}
out:
	free(tmp);
	marathon_app_free(&app);
	return map_result(r);
}

/* One app of the streamed bulk reply into the snapshot. */
struct snap_ctx {
	struct orch_snapshot *snap;
	struct orch_task     *tmp;     /* room for one app's tasks */
	size_t                ntmp;
};

static int
snap_app(const struct marathon_app *app, void *ud)
{
	struct snap_ctx *c = ud;
	struct orch_snap_app a;
	size_t n;

	if (app->n_tasks > c->ntmp) {
		struct orch_task *nt = realloc(c->tmp, app->n_tasks *
		    sizeof(*nt));

		if (nt == NULL)
			return -1;
		c->tmp = nt;
		c->ntmp = app->n_tasks;
	}
	memset(&a, 0, sizeof(a));
	/* Ids as rules hold them; one that is not valid matches no rule. */
	if (marathon_id_canonical(app->id, a.id, sizeof(a.id)) != 0)
		return 0;
	a.instances = (int)app->instances;
	a.running = (int)app->tasks_running;
	a.ndeployments = app->n_deployments;
	if (app->n_deployments > 0)
		STR_COPY_ARRAY(a.deployment_id, app->deployments[0]);
	n = running_tasks(app, c->tmp);
	return orch_snapshot_add(c->snap, &a, c->tmp, n);
}

static enum orch_result
m_snapshot(void *ctx, const char *id_filter, size_t max_bytes,
    struct orch_snapshot *out, struct orch_status *st)
{
	struct marathon_bulk b;
	struct marathon_status ms;
	struct snap_ctx c = { out, NULL, 0 };
	enum marathon_result r;

	memset(&ms, 0, sizeof(ms));
	marathon_bulk_init(&b, max_bytes, snap_app, &c);
	r = marathon_list_apps_bulk(ctx, id_filter, &b, &ms);
	copy_status(&ms, st);
	marathon_bulk_free(&b);
	free(c.tmp);
	return map_result(r);
}

static enum orch_result
m_scale(void *ctx, const char *app_id, int n, struct orch_status *st)
{
	struct marathon_status ms;
	enum marathon_result r;

	memset(&ms, 0, sizeof(ms));
	r = marathon_scale(ctx, app_id, n, &ms);
	copy_status(&ms, st);
	return map_result(r);
}

static void
m_scale_many(void *ctx, size_t n, const char *const *ids, const int *to,
    enum orch_result *res, struct orch_status *st)
{
	struct marathon_status *ms = calloc(n ? n : 1, sizeof(*ms));
	enum marathon_result *mr = calloc(n ? n : 1, sizeof(*mr));
	long *inst = calloc(n ? n : 1, sizeof(*inst));
	size_t i;

	if (ms == NULL || mr == NULL || inst == NULL) {
		for (i = 0; i < n; i++)
			res[i] = ORCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		inst[i] = to[i];
	marathon_scale_many(ctx, n, ids, inst, n, mr, ms);
	for (i = 0; i < n; i++) {
		copy_status(&ms[i], &st[i]);
		res[i] = map_result(mr[i]);
	}
out:
	free(ms);
	free(mr);
	free(inst);
}

const struct orch_ops orch_marathon_ops = {
	.name = "marathon",
	.get_app = m_get_app,
	.scale = m_scale,
	.snapshot = m_snapshot,
	.scale_many = m_scale_many,
};
