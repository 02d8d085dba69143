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

static int
agents_init(struct source *s, const struct source_options *o, char *err,
    size_t errlen)
{
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
};
