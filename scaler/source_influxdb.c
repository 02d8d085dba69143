/*
 * source_influxdb.c — the influxdb source: one InfluxQL query per app to
 * the InfluxDB 1.x the collectors write to (see source.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "common/util.h"
#include "scaler/policy.h"
#include "scaler/source_impl.h"

/* s->priv: where to ask. */
struct influx {
	char url[1024];
	char db[256];
};

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

static int
fetch_influx(struct source *s, const char *app_id,
    struct source_task *tasks, size_t n, char *err, size_t errlen)
{
	const struct influx *p = s->priv;
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
	edb = curl_easy_escape(NULL, p->db, 0);
	if (eq == NULL || edb == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(x.url, sizeof(x.url), "%s/query?db=%s&epoch=s&q=%s",
	    p->url, edb, eq);
	x.easy = source_xfer_easy(s, &x);
	source_run_all(s, &x, 1);
	if (source_xfer_ok(&x, err, errlen) != 0)
		goto out;
	if (source_decode_influx(x.body.data ? x.body.data : "", x.body.len,
	    tasks, n) < 0) {
		snprintf(err, errlen, "%s/query: not a query result (or an "
		    "error) for %s", p->url, app_id);
		goto out;
	}
	failed = 0;
out:
	curl_free(eq);
	curl_free(edb);
	buf_free(&x.body);
	return failed;
}

/*
 * For callers that ask their own question of the same InfluxDB
 * (scaler/backtest_influx.c): POST /query?db=DB&epoch=s with q=Q in a
 * form body, with s's URL, database, credentials and timeout; the reply
 * lands in `body` (the caller's, with its own cap).  0 for a 200, else
 * -1 with err.
 */
int
source_influx_ask(struct source *s, const char *q, struct buf *body,
    char *err, size_t errlen)
{
	const struct influx *p = s->priv;
	char *eq = NULL, *edb = NULL;
	struct buf form;
	struct xfer x;
	int n, ret = -1;

	buf_init(&form, 1u << 20);
	if (s->ops != &source_influxdb_ops) {
		snprintf(err, errlen, "not an influxdb source");
		buf_free(&form);
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.body = *body;
	eq = curl_easy_escape(NULL, q, 0);
	edb = curl_easy_escape(NULL, p->db, 0);
	if (eq == NULL || edb == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	n = snprintf(x.url, sizeof(x.url), "%s/query?db=%s&epoch=s", p->url,
	    edb);
	if (n < 0 || (size_t)n >= sizeof(x.url) ||
	    buf_printf(&form, "q=%s", eq) != 0) {
		snprintf(err, errlen, "the query is over %zu bytes (URL) or 1 MiB",
		    sizeof(x.url) - 1);
		goto out;
	}
	x.easy = source_xfer_easy(s, &x);
	if (x.easy == NULL) {
		snprintf(err, errlen, "cannot start the request");
		goto out;
	}
	/* POST: the query (several statements) in the body, no URL limit. */
	curl_easy_setopt(x.easy, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(x.easy, CURLOPT_COPYPOSTFIELDS, form.data);
	source_run_all(s, &x, 1);
	/* Not source_xfer_ok(): the long URL would crowd out the cause. */
	if (!x.done || x.cc != CURLE_OK)
		snprintf(err, errlen, "%.300s/query: %s", p->url, x.done ?
		    curl_easy_strerror(x.cc) : "not finished");
	else if (x.status != 200)
		snprintf(err, errlen, "%.300s/query: HTTP %ld: %.200s", p->url,
		    x.status, x.body.data ? x.body.data : "");
	else
		ret = 0;
out:
	curl_free(eq);
	curl_free(edb);
	buf_free(&form);
	*body = x.body;
	return ret;
}

static int
influx_init(struct source *s, const struct source_options *o, char *err,
    size_t errlen)
{
	struct influx *p;

	if (o->influx_url == NULL || o->influx_url[0] == '\0' ||
	    o->influx_db == NULL || o->influx_db[0] == '\0') {
		snprintf(err, errlen, "influxdb needs source_influxdb_url "
		    "and source_influxdb_db");
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->priv = p;
	if (str_copy(p->url, o->influx_url, sizeof(p->url)) >= sizeof(p->url) ||
	    str_copy(p->db, o->influx_db, sizeof(p->db)) >= sizeof(p->db)) {
		snprintf(err, errlen, "source influxdb: URL over %zu "
		    "or database name over %zu bytes", sizeof(p->url) - 1,
		    sizeof(p->db) - 1);
		return -1;
	}
	if (o->influx_user != NULL && o->influx_user[0] != '\0' &&
	    (size_t)snprintf(s->userpwd, sizeof(s->userpwd), "%s:%s",
	    o->influx_user, o->influx_password ? o->influx_password : "") >=
	    sizeof(s->userpwd)) {
		snprintf(err, errlen, "source_influxdb_user and its password: "
		    "over %zu bytes", sizeof(s->userpwd) - 1);
		return -1;
	}
	return 0;
}

static void
influx_free(struct source *s)
{
	free(s->priv);
	s->priv = NULL;
}

const struct source_ops source_influxdb_ops = {
	.name  = "influxdb",
	.init  = influx_init,
	.fetch = fetch_influx,
	.free  = influx_free,
};
