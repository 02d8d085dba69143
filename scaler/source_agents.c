/*
 * source_agents.c — the agents source: each task host's hoist-collector
 * answers GET /v1/apps{app_id} with its tasks' figures (see source.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/util.h"
#include "scaler/policy.h"
#include "scaler/source_impl.h"

int
source_decode_agent(const char *body, size_t len, struct source_task *tasks,
    size_t n)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *arr, *t;
	int matched = -1;

	if (root == NULL)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(root, "tasks");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr))
		goto out;
	matched = 0;
	cJSON_ArrayForEach(t, arr) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(t,
		    "mesos_task_id");
		struct source_task *st;

		if (!cJSON_IsString(id))
			continue;
		st = find_task(tasks, n, id->valuestring);
		if (st == NULL)
			continue;
		st->has_cpu = take_pct(st, "cpu_percent_of_limit",
		    cJSON_GetObjectItemCaseSensitive(t,
		    "cpu_percent_of_limit"), &st->cpu);
		st->has_mem = take_pct(st, "mem_percent_of_limit",
		    cJSON_GetObjectItemCaseSensitive(t,
		    "mem_percent_of_limit"), &st->mem);
		matched++;
	}
out:
	cJSON_Delete(root);
	return matched;
}

static int
fetch_agents(struct source *s, const char *app_id,
    struct source_task *tasks, size_t n, char *err, size_t errlen)
{
	struct xfer *x;
	size_t nx = 0, i, j;
	int failed = 0;

	x = calloc(n ? n : 1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return (int)n;
	}
	/* One request per distinct host. */
	for (i = 0; i < n; i++) {
		const char *h = tasks[i].task->host;
		int seen = 0;

		for (j = 0; j < nx; j++)
			if (strcmp(x[j].host, h) == 0)
				seen = 1;
		if (seen || h[0] == '\0')
			continue;
		x[nx].host = h;
		buf_init(&x[nx].body, SOURCE_BODY_MAX);
		snprintf(x[nx].url, sizeof(x[nx].url), "http://%s%s%s:%d"
		    "/v1/apps%s", strchr(h, ':') ? "[" : "", h,
		    strchr(h, ':') ? "]" : "", s->o.agent_port, app_id);
		x[nx].easy = source_xfer_easy(s, &x[nx]);
		nx++;
	}
	source_run_all(s, x, nx);
	for (j = 0; j < nx; j++) {
		char e1[512];
		struct source_task *sub;
		size_t k, ns = 0;

		if (source_xfer_ok(&x[j], e1, sizeof(e1)) != 0) {
			if (failed++ == 0)
				str_copy_trunc(err, e1, errlen);
			buf_free(&x[j].body);
			continue;
		}
		/* Only this host's tasks may match its reply. */
		sub = calloc(n, sizeof(*sub));
		if (sub != NULL) {
			for (k = 0; k < n; k++)
				if (strcmp(tasks[k].task->host, x[j].host) == 0)
					sub[ns++] = tasks[k];
			if (source_decode_agent(x[j].body.data ?
			    x[j].body.data : "", x[j].body.len, sub, ns) < 0) {
				if (failed++ == 0)
					snprintf(err, errlen, "%s: not a "
					    "collector app object", x[j].url);
			}
			for (k = 0, ns = 0; k < n; k++)
				if (strcmp(tasks[k].task->host, x[j].host) == 0)
					tasks[k] = sub[ns++];
			free(sub);
		}
		buf_free(&x[j].body);
	}
	free(x);
	return failed;
}

int
source_decode_agent_all(const char *body, size_t len, const char *host,
    const struct source_task_index *index, struct source_task *tasks,
    size_t n)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *app, *t;
	int matched = -1;

	if (root == NULL)
		return -1;
	if (!cJSON_IsArray(root))
		goto out;
	matched = 0;
	cJSON_ArrayForEach(app, root) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(app,
		    "tasks");

		if (!cJSON_IsArray(arr))
			continue;
		cJSON_ArrayForEach(t, arr) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(t,
			    "mesos_task_id");
			struct source_task *st;
			long k;

			if (!cJSON_IsString(id))
				continue;
			k = source_index_find(index, tasks, id->valuestring);
			if (k < 0 || (size_t)k >= n ||
			    strcmp(tasks[k].task->host, host) != 0)
				continue;   /* not placed here: ignored */
			st = &tasks[k];
			st->has_cpu = take_pct(st, "cpu_percent_of_limit",
			    cJSON_GetObjectItemCaseSensitive(t,
			    "cpu_percent_of_limit"), &st->cpu);
			st->has_mem = take_pct(st, "mem_percent_of_limit",
			    cJSON_GetObjectItemCaseSensitive(t,
			    "mem_percent_of_limit"), &st->mem);
			matched++;
		}
	}
out:
	cJSON_Delete(root);
	return matched;
}

/* The distinct hosts of tasks[] (empty names left out), each once, in
 * the order first seen: a malloc'ed array of borrowed names; NULL when
 * out of memory. */
static const char **
distinct_hosts(struct source_task *tasks, size_t n, size_t *nh)
{
	size_t sz = 16, i, *slots;
	const char **h = calloc(n ? n : 1, sizeof(*h));

	*nh = 0;
	while (sz < 2 * n + 1)
		sz *= 2;
	slots = calloc(sz, sizeof(*slots));   /* h index + 1; 0 = empty */
	if (slots == NULL || h == NULL) {
		free(slots);
		free(h);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const char *name = tasks[i].task->host;
		size_t k;

		if (name[0] == '\0')
			continue;
		k = (size_t)source_hash(name) & (sz - 1);
		while (slots[k] != 0 && strcmp(h[slots[k] - 1], name) != 0)
			k = (k + 1) & (sz - 1);
		if (slots[k] != 0)
			continue;
		slots[k] = *nh + 1;
		h[(*nh)++] = name;
	}
	free(slots);
	return h;
}

/* One transfer per host, in x[] (room for nh). */
static void
host_xfers(struct source *s, const char **h, size_t nh, struct xfer *x)
{
	size_t i;

	for (i = 0; i < nh; i++) {
		x[i].host = h[i];
		buf_init(&x[i].body, SOURCE_BODY_MAX);
		snprintf(x[i].url, sizeof(x[i].url), "http://%s%s%s:%d"
		    "/v1/apps", strchr(h[i], ':') ? "[" : "", h[i],
		    strchr(h[i], ':') ? "]" : "", s->o.agent_port);
	}
}

/*
 * The hosts that failed in the last fleet fetch are asked first in the
 * next: a hung host then waits out its timeout while the others answer,
 * instead of starting in the last window and adding its timeout to
 * theirs.  Sorted names, owned (s->priv).
 */
struct agents_priv {
	char   (*failed)[ORCH_ID_MAX];
	size_t  nfailed;
};

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Move the hosts that failed last time to the front, keeping order. */
static void
failed_first_names(struct agents_priv *p, const char **h, size_t nh)
{
	size_t i, k = 0;

	if (p == NULL || p->nfailed == 0)
		return;
	for (i = 0; i < nh; i++) {
		const char *t;

		if (bsearch(h[i], p->failed, p->nfailed,
		    sizeof(*p->failed), cmp_name) == NULL)
			continue;
		t = h[i];
		memmove(&h[k + 1], &h[k], (i - k) * sizeof(*h));
		h[k++] = t;
	}
}

static void
remember_failed(struct agents_priv *p, const struct xfer *x, size_t nx,
    const char *failed_mask)
{
	size_t i, n = 0;

	if (p == NULL)
		return;
	free(p->failed);
	p->failed = NULL;
	p->nfailed = 0;
	for (i = 0; i < nx; i++)
		n += failed_mask[i] != 0;
	if (n == 0 || (p->failed = calloc(n, sizeof(*p->failed))) == NULL)
		return;
	for (i = 0; i < nx; i++)
		if (failed_mask[i])
			str_copy_trunc(p->failed[p->nfailed++], x[i].host,
			    sizeof(*p->failed));
	qsort(p->failed, p->nfailed, sizeof(*p->failed), cmp_name);
}

/* What each finished transfer of a fleet fetch is checked against. */
struct all_ctx {
	struct source_task_index *ix;
	struct source_task       *tasks;
	size_t                    n;
	struct xfer              *x0;
	char                     *bad;
	int                       failed;
	char                     *err;
	size_t                    errlen;
};

/* A transfer ended: decode its body now and free it. */
static void
one_done(struct xfer *x, void *ud)
{
	struct all_ctx *a = ud;
	char e1[512];

	if (source_xfer_ok(x, e1, sizeof(e1)) != 0) {
		a->bad[x - a->x0] = 1;
		if (a->failed++ == 0)
			str_copy_trunc(a->err, e1, a->errlen);
	} else if (source_decode_agent_all(x->body.data ? x->body.data : "",
	    x->body.len, x->host, a->ix, a->tasks, a->n) < 0) {
		a->bad[x - a->x0] = 1;
		if (a->failed++ == 0)
			snprintf(a->err, a->errlen, "%s: not a list of "
			    "collector app objects", x->url);
	}
	buf_free(&x->body);
}

static int
fetch_all_agents(struct source *s, struct source_task *tasks, size_t n,
    struct source_round *r, char *err, size_t errlen)
{
	struct source_task_index ix;
	struct all_ctx a;
	struct xfer *x = NULL;
	const char **h;
	char *bad = NULL;
	size_t nh = 0, j;

	memset(&ix, 0, sizeof(ix));
	h = distinct_hosts(tasks, n, &nh);
	if (h == NULL || (x = calloc(nh ? nh : 1, sizeof(*x))) == NULL ||
	    (bad = calloc(nh ? nh : 1, 1)) == NULL ||
	    source_index_build(&ix, tasks, n) != 0) {
		free(h);
		free(x);
		free(bad);
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	failed_first_names(s->priv, h, nh);
	host_xfers(s, h, nh, x);
	r->hosts = nh;
	memset(&a, 0, sizeof(a));
	a.ix = &ix;
	a.tasks = tasks;
	a.n = n;
	a.x0 = x;
	a.bad = bad;
	a.err = err;
	a.errlen = errlen;
	source_run_window(s, x, nh, (size_t)s->o.concurrency, one_done, &a);
	for (j = 0; j < nh; j++)
		buf_free(&x[j].body);     /* none left; to be sure */
	remember_failed(s->priv, x, nh, bad);
	r->hosts_failed = (size_t)a.failed;
	source_index_free(&ix);
	free(bad);
	free(x);
	free(h);
	return a.failed;
}

static void
agents_free(struct source *s)
{
	struct agents_priv *p = s->priv;

	if (p != NULL)
		free(p->failed);
	free(p);
	s->priv = NULL;
}

static int
agents_init(struct source *s, const struct source_options *o, char *err,
    size_t errlen)
{
	s->priv = calloc(1, sizeof(struct agents_priv));
	if (s->priv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->agent_token == NULL || o->agent_token[0] == '\0')
		return 0;
	if ((size_t)snprintf(s->auth_header, sizeof(s->auth_header),
	    "Authorization: Bearer %s", o->agent_token) >=
	    sizeof(s->auth_header)) {
		snprintf(err, errlen, "agent_token_file: token over %zu bytes",
		    sizeof(s->auth_header) - 23);
		return -1;
	}
	return 0;
}

const struct source_ops source_agents_ops = {
	.name  = "agents",
	.init  = agents_init,
	.fetch = fetch_agents,
	.fetch_all = fetch_all_agents,
	.free  = agents_free,
};
