/*
 * orch.c — the wrappers every caller of the orchestrator goes through.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "scaler/orch.h"

static const char *const result_names[] = {
	[ORCH_OK] = "ok",
	[ORCH_E_LOCKED] = "locked by a deployment",
	[ORCH_E_NOT_FOUND] = "app not found",
	[ORCH_E_AUTH] = "not authorized",
	[ORCH_E_SERVER] = "server error",
	[ORCH_E_TRANSPORT] = "no reply",
	[ORCH_E_DECODE] = "unexpected reply",
	[ORCH_E_NOMEM] = "out of memory",
};

const char *
orch_strerror(enum orch_result r)
{
	if ((size_t)r < ARRAY_LEN(result_names))
		return result_names[r];
	return "unknown";
}

enum orch_result
orch_get_app(const struct orch *o, const char *app_id, struct orch_app *out,
    struct orch_status *st)
{
	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	return o->ops->get_app(o->ctx, app_id, out, st);
}

enum orch_result
orch_scale(const struct orch *o, const char *app_id, int n,
    struct orch_status *st)
{
	memset(st, 0, sizeof(*st));
	return o->ops->scale(o->ctx, app_id, n, st);
}

void
orch_app_free(struct orch_app *a)
{
	if (a == NULL)
		return;
	free(a->tasks);
	a->tasks = NULL;
	a->ntasks = 0;
}

const char *
orch_name(const struct orch *o)
{
	return o->ops->name;
}
