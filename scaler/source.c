/*
 * source.c — see source.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "common/buf.h"
#include "common/util.h"
#include "scaler/policy.h"
#include "scaler/source.h"

struct source {
	struct source_options o;
	char                  influx_url[1024];
	char                  influx_db[256];
	char                  userpwd[512];
	char                  auth_header[600];  /* "Authorization: Bearer" */
	CURLM                *multi;
};

int
source_kind_parse(const char *s, enum source_kind *out)
{
	if (strcmp(s, "agents") == 0)
		*out = SOURCE_AGENTS;
	else if (strcmp(s, "influxdb") == 0)
		*out = SOURCE_INFLUXDB;
	else
		return -1;
	return 0;
}

/* ---- pure decoders ---- */

static struct source_task *
find_task(struct source_task *tasks, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tasks[i].task->id, id) == 0)
			return &tasks[i];
	return NULL;
}

/*
 * One percentage figure of task st from JSON value v (named `field` for
 * the log).  Returns 1 with *out set for a number inside [0,
 * POLICY_PCT_MAX]; 0 for null or absent (no figure); 0 for anything else,
 * which is also counted in st->invalid (see source.h): a huge figure once
 * reached the policy's double-to-int conversion.
 */
static int
take_pct(struct source_task *st, const char *field, const cJSON *v,
    double *out)
{
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= POLICY_PCT_MAX) {
		*out = v->valuedouble;
		return 1;
	}
	if (st->invalid++ == 0) {
		st->invalid_field = field;
		st->invalid_value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
	return 0;
}

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

/*
 * InfluxDB 1.x /query reply:
 *   {"results": [{"statement_id": 0, "series": [{"name": "container_cpu",
 *     "tags": {"mesos_task_id": "t1"}, "columns": ["time", "mean"],
 *     "values": [["1970-01-01T00:00:00Z", 42.5]]}]}, {"statement_id": 1,
 *     ...}]}
 * Statement 0 is CPU, statement 1 memory; a statement without "series"
 * had no data; one with "error" is a failure.
 */
int
source_decode_influx(const char *body, size_t len,
    struct source_task *tasks, size_t n)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *results, *res;
	int matched = -1, k = 0;

	if (root == NULL)
		return -1;
	results = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (!cJSON_IsArray(results))
		goto out;
	matched = 0;
	cJSON_ArrayForEach(res, results) {
		const cJSON *sid = cJSON_GetObjectItemCaseSensitive(res,
		    "statement_id"), *series, *s;
		int which = cJSON_IsNumber(sid) ? sid->valueint : k;

		k++;
		if (cJSON_GetObjectItemCaseSensitive(res, "error") != NULL) {
			matched = -1;
			goto out;
		}
		if (which != 0 && which != 1)
			continue;	/* we sent two statements */
		series = cJSON_GetObjectItemCaseSensitive(res, "series");
		cJSON_ArrayForEach(s, series) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(s, "tags"),
			    "mesos_task_id");
			const cJSON *row = cJSON_GetArrayItem(
			    cJSON_GetObjectItemCaseSensitive(s, "values"), 0);
			const cJSON *v = cJSON_GetArrayItem(row, 1);
			struct source_task *st;

			if (!cJSON_IsString(id))
				continue;
			st = find_task(tasks, n, id->valuestring);
			if (st == NULL)
				continue;
			if (which == 0 && take_pct(st, "container_cpu "
			    "mean(usage_percent_of_limit)", v, &st->cpu))
				st->has_cpu = 1;
			else if (which == 1 && take_pct(st, "container_mem "
			    "mean(usage_percent)", v, &st->mem))
				st->has_mem = 1;
			else
				continue;
			matched++;
		}
	}
out:
	cJSON_Delete(root);
	return matched;
}

int
source_influx_query(const char *app_id, long window_s, char *out,
    size_t outlen)
{
	size_t i;
	int n;

	/* App ids are validated ([a-z0-9./-]), so no quote can end the
	 * string literal early; refuse anything else anyway. */
	for (i = 0; app_id[i] != '\0'; i++)
		if (app_id[i] == '\'' || app_id[i] == '\\')
			return -1;
	n = snprintf(out, outlen,
	    "SELECT mean(\"usage_percent_of_limit\") FROM \"container_cpu\" "
	    "WHERE \"marathon_app_id\" = '%s' AND time > now() - %lds "
	    "GROUP BY \"mesos_task_id\"; "
	    "SELECT mean(\"usage_percent\") FROM \"container_mem\" "
	    "WHERE \"marathon_app_id\" = '%s' AND time > now() - %lds "
	    "GROUP BY \"mesos_task_id\"", app_id, window_s, app_id,
	    window_s);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ---- transfers ---- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;

	if (buf_append(b, p, size * nmemb) != 0)
		return 0;   /* over the cap: fail the transfer */
	return size * nmemb;
}

struct source *
source_new(const struct source_options *o, char *err, size_t errlen)
{
	struct source *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->o = *o;
	if (s->o.agent_port <= 0)
		s->o.agent_port = SOURCE_AGENT_PORT;
	if (s->o.timeout_ms <= 0)
		s->o.timeout_ms = 2000;
	if (s->o.window_s <= 0)
		s->o.window_s = 60;
	if (o->kind == SOURCE_INFLUXDB) {
		if (o->influx_url == NULL || o->influx_url[0] == '\0' ||
		    o->influx_db == NULL || o->influx_db[0] == '\0') {
			snprintf(err, errlen, "source influxdb needs "
			    "influxdb_url and influxdb_db");
			free(s);
			return NULL;
		}
		str_copy(s->influx_url, o->influx_url, sizeof(s->influx_url));
		str_copy(s->influx_db, o->influx_db, sizeof(s->influx_db));
		if (o->influx_user != NULL && o->influx_user[0] != '\0')
			snprintf(s->userpwd, sizeof(s->userpwd), "%s:%s",
			    o->influx_user, o->influx_password ?
			    o->influx_password : "");
	}
	if (o->kind == SOURCE_AGENTS && o->agent_token != NULL &&
	    o->agent_token[0] != '\0')
		snprintf(s->auth_header, sizeof(s->auth_header),
		    "Authorization: Bearer %s", o->agent_token);
	s->o.agent_token = NULL;   /* the copy above is what counts */
	s->multi = curl_multi_init();
	if (s->multi == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		free(s);
		return NULL;
	}
	return s;
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	curl_multi_cleanup(s->multi);
	explicit_bzero(s->userpwd, sizeof(s->userpwd));
	explicit_bzero(s->auth_header, sizeof(s->auth_header));
	free(s);
}

/* One request of a round. */
struct xfer {
	CURL       *easy;
	struct buf  body;
	char        url[1200];
	const char *host;
	struct curl_slist *headers;
	int         done;
	CURLcode    cc;
	long        status;
};

static CURL *
easy_for(struct source *s, struct xfer *x)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &x->body);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (s->userpwd[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, s->userpwd);
	}
	if (s->auth_header[0] != '\0') {
		x->headers = curl_slist_append(NULL, s->auth_header);
		if (x->headers == NULL) {
			curl_easy_cleanup(e);
			return NULL;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	}
	return e;
}

/* Run every transfer to its end (each bounded by its own timeout). */
static void
run_all(struct source *s, struct xfer *x, size_t nx)
{
	int running = 0, left;
	size_t i;
	CURLMsg *m;

	for (i = 0; i < nx; i++)
		if (x[i].easy != NULL)
			curl_multi_add_handle(s->multi, x[i].easy);
	do {
		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(s->multi, NULL, 0, 200, NULL);
	} while (running > 0);
	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct xfer *xp = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &xp);
		if (xp == NULL)
			continue;
		xp->done = 1;
		xp->cc = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &xp->status);
	}
	for (i = 0; i < nx; i++)
		if (x[i].easy != NULL) {
			curl_multi_remove_handle(s->multi, x[i].easy);
			curl_easy_cleanup(x[i].easy);
			x[i].easy = NULL;
		}
	for (i = 0; i < nx; i++) {
		curl_slist_free_all(x[i].headers);
		x[i].headers = NULL;
	}
}

/* 0 when the transfer gave a 200, else -1 with err set. */
static int
xfer_ok(const struct xfer *x, char *err, size_t errlen)
{
	if (x->easy == NULL && !x->done) {
		snprintf(err, errlen, "%s: cannot start the request", x->url);
		return -1;
	}
	if (!x->done || x->cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", x->url, x->done ?
		    curl_easy_strerror(x->cc) : "not finished");
		return -1;
	}
	if (x->status != 200) {
		snprintf(err, errlen, "%s: HTTP %ld", x->url, x->status);
		return -1;
	}
	return 0;
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
		x[nx].easy = easy_for(s, &x[nx]);
		nx++;
	}
	run_all(s, x, nx);
	for (j = 0; j < nx; j++) {
		char e1[512];
		struct source_task *sub;
		size_t k, ns = 0;

		if (xfer_ok(&x[j], e1, sizeof(e1)) != 0) {
			if (failed++ == 0)
				str_copy(err, e1, errlen);
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
fetch_influx(struct source *s, const char *app_id,
    struct source_task *tasks, size_t n, char *err, size_t errlen)
{
	char q[2048];
	char *eq = NULL, *edb = NULL;
	struct xfer x;
	int failed = 1;

	memset(&x, 0, sizeof(x));
	buf_init(&x.body, SOURCE_BODY_MAX);
	if (source_influx_query(app_id, s->o.window_s, q, sizeof(q)) != 0) {
		snprintf(err, errlen, "cannot build the query for %s", app_id);
		goto out;
	}
	eq = curl_easy_escape(NULL, q, 0);
	edb = curl_easy_escape(NULL, s->influx_db, 0);
	if (eq == NULL || edb == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(x.url, sizeof(x.url), "%s/query?db=%s&epoch=s&q=%s",
	    s->influx_url, edb, eq);
	x.easy = easy_for(s, &x);
	run_all(s, &x, 1);
	if (xfer_ok(&x, err, errlen) != 0)
		goto out;
	if (source_decode_influx(x.body.data ? x.body.data : "", x.body.len,
	    tasks, n) < 0) {
		snprintf(err, errlen, "%s/query: not a query result (or an "
		    "error) for %s", s->influx_url, app_id);
		goto out;
	}
	failed = 0;
out:
	curl_free(eq);
	curl_free(edb);
	buf_free(&x.body);
	return failed;
}

int
source_fetch(struct source *s, const char *app_id, struct source_task *tasks,
    size_t n, char *err, size_t errlen)
{
	size_t i;

	err[0] = '\0';
	for (i = 0; i < n; i++) {
		tasks[i].has_cpu = tasks[i].has_mem = 0;
		tasks[i].cpu = tasks[i].mem = 0;
		tasks[i].invalid = 0;
		tasks[i].invalid_field = NULL;
		tasks[i].invalid_value = 0;
	}
	if (n == 0)
		return 0;
	if (s->o.kind == SOURCE_INFLUXDB)
		return fetch_influx(s, app_id, tasks, n, err, errlen);
	return fetch_agents(s, app_id, tasks, n, err, errlen);
}
