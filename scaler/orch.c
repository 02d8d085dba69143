/*
 * orch.c — the wrappers every caller of the orchestrator goes through.
 */
#include <stdint.h>
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

struct orch_task *
orch_tasks_dup(const struct orch_task *t, size_t n, int *ok)
{
	struct orch_task *out;
	size_t i, bytes = n * sizeof(*out);
	char *p;

	*ok = 1;
	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		bytes += strlen(t[i].id ? t[i].id : "") + 1 +
		    strlen(t[i].host ? t[i].host : "") + 1;
	out = malloc(bytes);
	if (out == NULL) {
		*ok = 0;
		return NULL;
	}
	p = (char *)(out + n);
	for (i = 0; i < n; i++) {
		const char *id = t[i].id ? t[i].id : "";
		const char *host = t[i].host ? t[i].host : "";
		size_t li = strlen(id) + 1, lh = strlen(host) + 1;

		out[i] = t[i];
		memcpy(p, id, li);
		out[i].id = p;
		p += li;
		memcpy(p, host, lh);
		out[i].host = p;
		p += lh;
	}
	return out;
}

void
orch_scale_many(const struct orch *o, size_t n, const char *const *ids,
    const int *to, enum orch_result *res, struct orch_status *st)
{
	size_t i;

	memset(st, 0, n * sizeof(*st));
	if (o->ops->scale_many != NULL) {
		o->ops->scale_many(o->ctx, n, ids, to, res, st);
		return;
	}
	for (i = 0; i < n; i++)
		res[i] = orch_scale(o, ids[i], to[i], &st[i]);
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

int
orch_has_snapshot(const struct orch *o)
{
	return o->ops->snapshot != NULL;
}

void
orch_snapshot_free(struct orch_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->napps; i++)
		free(s->apps[i].tasks);
	free(s->apps);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

enum orch_result
orch_snapshot(const struct orch *o, const char *id_filter, size_t max_bytes,
    struct orch_snapshot *out, struct orch_status *st)
{
	enum orch_result r;

	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	if (o->ops->snapshot == NULL)
		return ORCH_E_SERVER;
	r = o->ops->snapshot(o->ctx, id_filter, max_bytes, out, st);
	if (r == ORCH_OK && orch_snapshot_index(out) != 0)
		r = ORCH_E_NOMEM;
	if (r != ORCH_OK)
		orch_snapshot_free(out);
	return r;
}

/* Grow *v (of *cap elements of `size` bytes) to hold `need`. */
static int
grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -1;
		ncap *= 2;
	}
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

int
orch_snapshot_add(struct orch_snapshot *s, const struct orch_snap_app *app,
    const struct orch_task *tasks, size_t ntasks)
{
	struct orch_task *copy;
	struct orch_snap_app *a;
	int ok;

	if (grow((void **)&s->apps, &s->capapps, s->napps + 1,
	    sizeof(*s->apps)) != 0)
		return -1;
	copy = orch_tasks_dup(tasks, ntasks, &ok);
	if (!ok)
		return -1;
	a = &s->apps[s->napps++];
	*a = *app;
	a->tasks = copy;
	a->ntasks = ntasks;
	s->ntasks += ntasks;
	if (app->ndeployments > 0)
		s->deploying++;
	return 0;
}

/* FNV-1a, 64 bits. */
static uint64_t
hash_id(const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 1099511628211ULL;
	}
	return h;
}

int
orch_snapshot_index(struct orch_snapshot *s)
{
	size_t n = 16, i;

	while (n < 2 * s->napps + 1)
		n *= 2;
	free(s->slots);
	s->slots = calloc(n, sizeof(*s->slots));
	s->nslots = s->slots != NULL ? n : 0;
	if (s->slots == NULL)
		return -1;
	for (i = 0; i < s->napps; i++) {
		size_t k = (size_t)hash_id(s->apps[i].id) & (n - 1);

		while (s->slots[k] != 0 &&
		    strcmp(s->apps[s->slots[k] - 1].id, s->apps[i].id) != 0)
			k = (k + 1) & (n - 1);
		if (s->slots[k] == 0)
			s->slots[k] = i + 1;  /* duplicates: the first stays */
	}
	return 0;
}

const struct orch_snap_app *
orch_snapshot_find(const struct orch_snapshot *s, const char *id)
{
	size_t k;

	if (s->nslots == 0)
		return NULL;
	k = (size_t)hash_id(id) & (s->nslots - 1);
	while (s->slots[k] != 0) {
		const struct orch_snap_app *a = &s->apps[s->slots[k] - 1];

		if (strcmp(a->id, id) == 0)
			return a;
		k = (k + 1) & (s->nslots - 1);
	}
	return NULL;
}

void
orch_snapshot_view(const struct orch_snapshot *s,
    const struct orch_snap_app *a, struct orch_app *out)
{
	memset(out, 0, sizeof(*out));
	out->instances = a->instances;
	out->running = a->running;
	out->ndeployments = a->ndeployments;
	STR_COPY_ARRAY(out->deployment_id, a->deployment_id);
	(void)s;
	out->tasks = a->tasks;
	out->ntasks = a->ntasks;
}
