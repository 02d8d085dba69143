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

/* The distinct hosts of tasks[], each once, as transfers (x has room
 * for n); returns how many (0 also when out of memory). */
static size_t
distinct_hosts(struct source *s, struct source_task *tasks, size_t n,
    struct xfer *x)
{
	size_t sz = 16, nx = 0, i, *slots;

	while (sz < 2 * n + 1)
		sz *= 2;
	slots = calloc(sz, sizeof(*slots));   /* x index + 1; 0 = empty */
	if (slots == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		const char *h = tasks[i].task->host;
		size_t k;

		if (h[0] == '\0')
			continue;
		k = (size_t)source_hash(h) & (sz - 1);
		while (slots[k] != 0 && strcmp(x[slots[k] - 1].host, h) != 0)
			k = (k + 1) & (sz - 1);
		if (slots[k] != 0)
			continue;
		slots[k] = nx + 1;
		x[nx].host = h;
		buf_init(&x[nx].body, SOURCE_BODY_MAX);
		snprintf(x[nx].url, sizeof(x[nx].url), "http://%s%s%s:%d"
		    "/v1/apps", strchr(h, ':') ? "[" : "", h,
		    strchr(h, ':') ? "]" : "", s->o.agent_port);
		nx++;
	}
	free(slots);
	return nx;
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
failed_first(struct agents_priv *p, struct xfer *x, size_t nx)
{
	size_t i, k = 0;

	if (p == NULL || p->nfailed == 0)
		return;
	for (i = 0; i < nx; i++) {
		struct xfer t;

		if (bsearch(x[i].host, p->failed, p->nfailed,
		    sizeof(*p->failed), cmp_name) == NULL)
			continue;
		t = x[i];
		memmove(&x[k + 1], &x[k], (i - k) * sizeof(*x));
		x[k++] = t;
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

static int
fetch_all_agents(struct source *s, struct source_task *tasks, size_t n,
    struct source_round *r, char *err, size_t errlen)
{
	struct source_task_index ix;
	struct xfer *x = calloc(n, sizeof(*x));
	char *bad = calloc(n, 1);
	size_t nx, j;
	int failed = 0;

	memset(&ix, 0, sizeof(ix));
	if (x == NULL || bad == NULL || source_index_build(&ix, tasks, n) !=
	    0) {
		free(x);
		free(bad);
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	nx = distinct_hosts(s, tasks, n, x);
	r->hosts = nx;
	failed_first(s->priv, x, nx);
	source_run_window(s, x, nx, (size_t)s->o.concurrency);
	for (j = 0; j < nx; j++) {
		char e1[512];

		if (source_xfer_ok(&x[j], e1, sizeof(e1)) != 0) {
			bad[j] = 1;
			if (failed++ == 0)
				str_copy_trunc(err, e1, errlen);
		} else if (source_decode_agent_all(x[j].body.data ?
		    x[j].body.data : "", x[j].body.len, x[j].host, &ix, tasks,
		    n) < 0) {
			bad[j] = 1;
			if (failed++ == 0)
				snprintf(err, errlen, "%s: not a list of "
				    "collector app objects", x[j].url);
		}
		buf_free(&x[j].body);
	}
	remember_failed(s->priv, x, nx, bad);
	r->hosts_failed = (size_t)failed;
	source_index_free(&ix);
	free(bad);
	free(x);
	return failed;
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
