/*
 * backtest_influx.c — a backtest's trace from the InfluxDB 1.x the
 * collectors write to, through the scaler's influxdb source (the same
 * URL, database, credentials; source_influx_ask()).
 *
 * Per chunk of BACKTEST_INFLUX_CHUNK steps, one GET /query with two
 * statements, the same measurements, fields and tags the live influxdb
 * source reads (source_influxdb.c), in buckets of the step:
 *
 *   SELECT mean("usage_percent_of_limit") FROM "container_cpu"
 *     WHERE "marathon_app_id" = 'ID' AND time >= As AND time < Bs
 *     GROUP BY time(STEPs, OFFSETs), "mesos_task_id" fill(none);
 *   SELECT mean("usage_percent") FROM "container_mem" WHERE ...;
 *   SELECT last("running") FROM "hoist_scaling" WHERE "app_id" = 'ID'
 *     AND "action" != 'error' AND time ... GROUP BY time(STEPs, OFFSETs)
 *
 * The third gives the actual instance count where the live scaler left
 * its records (see backtest.h).
 * A reply with an "error" or "partial": true anywhere fails the whole
 * backtest: never a partial answer presented as whole.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "common/buf.h"
#include "common/util.h"
#include "scaler/backtest.h"
#include "scaler/source.h"

int
backtest_influx_query(const char *app_id, int64_t a_s, int64_t b_s,
    int64_t step_s, char *out, size_t outlen)
{
	static const char *const stmt[2][2] = {
		{ "usage_percent_of_limit", "container_cpu" },
		{ "usage_percent", "container_mem" },
	};
	int64_t off = a_s % step_s;
	size_t i, len = 0;
	int m, n;

	/* App ids are validated ([a-z0-9./-]); refuse a quote anyway. */
	for (i = 0; app_id[i] != '\0'; i++)
		if (app_id[i] == '\'' || app_id[i] == '\\')
			return -1;
	for (m = 0; m < 2; m++) {
		n = snprintf(out + len, outlen - len, "%sSELECT mean(\"%s\") "
		    "FROM \"%s\" WHERE \"marathon_app_id\" = '%s' AND time >= "
		    "%llds AND time < %llds GROUP BY time(%llds, %llds), "
		    "\"mesos_task_id\" fill(none)", m ? "; " : "", stmt[m][0],
		    stmt[m][1], app_id, (long long)a_s, (long long)b_s,
		    (long long)step_s, (long long)off);
		if (n < 0 || (size_t)n >= outlen - len)
			return -1;
		len += (size_t)n;
	}
	/* The live scaler's own records, where they exist. */
	n = snprintf(out + len, outlen - len, "; SELECT last(\"running\") "
	    "FROM \"hoist_scaling\" WHERE \"app_id\" = '%s' AND "
	    "\"action\" != 'error' AND time >= %llds AND time < %llds "
	    "GROUP BY time(%llds, %llds) fill(none)", app_id, (long long)a_s,
	    (long long)b_s, (long long)step_s, (long long)off);
	return n < 0 || (size_t)n >= outlen - len ? -1 : 0;
}

/* Statement 2: hoist_scaling's last "running" per step. */
static int
decode_counts(const cJSON *s, struct backtest_trace *tr)
{
	const cJSON *row;

	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(s, "values")) {
		const cJSON *t = cJSON_GetArrayItem(row, 0);
		const cJSON *v = cJSON_GetArrayItem(row, 1);

		if (!cJSON_IsNumber(t) || !cJSON_IsNumber(v) ||
		    !(t->valuedouble >= 0 && t->valuedouble <= (double)BACKTEST_TIME_MAX))
			continue;
		if (backtest_trace_set_count(tr, (int64_t)t->valuedouble,
		    v->valuedouble) < 0)
			return -2;
	}
	return 0;
}

/* One series: tags.mesos_task_id and [[t, v], ...] into metric m. */
static int
decode_series(const cJSON *s, enum backtest_metric m,
    struct backtest_trace *tr, size_t *figures)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(s, "tags"), "mesos_task_id");
	const cJSON *row;
	long k;

	if (!cJSON_IsString(id) || id->valuestring[0] == '\0')
		return 0;    /* points without the tag: not a task */
	k = backtest_trace_task(tr, id->valuestring);
	if (k < 0)
		return -2;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(s, "values")) {
		const cJSON *t = cJSON_GetArrayItem(row, 0);
		const cJSON *v = cJSON_GetArrayItem(row, 1);
		int rc;

		if (!cJSON_IsNumber(t) || !cJSON_IsNumber(v))
			continue;
		/* A time outside 1970..2255 is no bucket of ours. */
		if (!(t->valuedouble >= 0 && t->valuedouble <= (double)BACKTEST_TIME_MAX))
			continue;
		rc = backtest_trace_set(tr, k, m, (int64_t)t->valuedouble,
		    v->valuedouble);
		if (rc < 0)
			return -2;
		*figures += rc == 0;
	}
	return 0;
}

static int
partial(const cJSON *o)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "partial"));
}

static int
decode_result(const cJSON *res, int k, struct backtest_trace *tr,
    size_t *figures, char *err, size_t errlen)
{
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(res,
	    "statement_id"), *e, *s;
	int which = cJSON_IsNumber(sid) ? sid->valueint : k, rc;

	e = cJSON_GetObjectItemCaseSensitive(res, "error");
	if (e != NULL) {
		snprintf(err, errlen, "InfluxDB: %.200s", cJSON_IsString(e) ?
		    e->valuestring : "error");
		return -1;
	}
	if (partial(res)) {
		snprintf(err, errlen, "InfluxDB returned a partial result "
		    "(its max-row-limit?)");
		return -1;
	}
	if (which < 0 || which > 2)
		return 0;   /* we sent three statements */
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(res, "series")) {
		if (partial(s)) {
			snprintf(err, errlen, "InfluxDB returned a partial "
			    "series");
			return -1;
		}
		rc = which == 2 ? decode_counts(s, tr) : decode_series(s,
		    which ? BACKTEST_MEM : BACKTEST_CPU, tr, figures);
		if (rc != 0) {
			snprintf(err, errlen, "out of memory (or over %d tasks)",
			    BACKTEST_TASKS_MAX);
			return -2;
		}
	}
	return 0;
}

int
backtest_decode_influx(const char *body, size_t len,
    struct backtest_trace *tr, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *results, *res, *e;
	size_t figures = 0;
	int ret = -1, k = 0, rc;

	if (root == NULL) {
		snprintf(err, errlen, "InfluxDB's reply is not JSON");
		return -1;
	}
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	results = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (e != NULL || !cJSON_IsArray(results)) {
		snprintf(err, errlen, "InfluxDB: %.200s", cJSON_IsString(e) ?
		    e->valuestring : "not a query result");
		goto out;
	}
	cJSON_ArrayForEach(res, results) {
		rc = decode_result(res, k++, tr, &figures, err, errlen);
		if (rc != 0) {
			ret = rc;
			goto out;
		}
	}
	ret = figures > (size_t)INT32_MAX ? INT32_MAX : (int)figures;
out:
	cJSON_Delete(root);
	return ret;
}

int
backtest_influx_load(struct source *s, const char *app_id,
    struct backtest_trace *tr, atomic_int *cancel, double *query_s,
    char *err, size_t errlen)
{
	int64_t chunk = BACKTEST_INFLUX_CHUNK * tr->step_s, a, t0;
	char q[1536], e2[512];
	struct buf body;
	int ret = BACKTEST_OK, rc;

	t0 = now_mono_ns();
	buf_init(&body, BACKTEST_INFLUX_BODY_MAX);
	for (a = tr->from_s; a < tr->to_s && ret == BACKTEST_OK; a += chunk) {
		int64_t b = a + chunk < tr->to_s ? a + chunk : tr->to_s;

		if (cancel != NULL && atomic_load(cancel)) {
			snprintf(err, errlen, "stopped: the scaler is stopping");
			ret = BACKTEST_E_SOURCE;
			break;
		}

		if (backtest_influx_query(app_id, a, b, tr->step_s, q,
		    sizeof(q)) != 0) {
			snprintf(err, errlen, "cannot build the query for %s",
			    app_id);
			ret = BACKTEST_E_INPUT;
			break;
		}
		buf_reset(&body);
		if (source_influx_ask(s, q, &body, e2, sizeof(e2)) != 0) {
			snprintf(err, errlen, "InfluxDB: %s", e2);
			ret = BACKTEST_E_SOURCE;
			break;
		}
		rc = backtest_decode_influx(body.data ? body.data : "",
		    body.len, tr, err, errlen);
		if (rc == -2)
			ret = BACKTEST_E_NOMEM;
		else if (rc < 0)
			ret = BACKTEST_E_SOURCE;
	}
	buf_free(&body);
	*query_s = (double)(now_mono_ns() - t0) / 1e9;
	return ret;
}
