/*
 * backtest_exec.c — one backtest from its request to its result, shared
 * by the command line (backtest_cli.c) and POST /v1/rules/{id}/backtest
 * (rest.c): times, the request's JSON form, the InfluxDB source, the
 * trace and the replay.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/backtest.h"
#include "scaler/source.h"

/* "90s", "15m", "2h", "7d", "1w" -> seconds; -1 when not one. */
static int64_t
parse_duration(const char *s)
{
	static const struct { char c; int64_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	char num[32];
	size_t len = strlen(s), i;
	int64_t v;

	if (len < 2 || len >= sizeof(num))
		return -1;
	for (i = 0; i < ARRAY_LEN(units); i++) {
		if (s[len - 1] != units[i].c)
			continue;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (num[0] < '0' || num[0] > '9' || parse_i64(num, &v) != 0 ||
		    v < 0 || v > INT64_MAX / units[i].mul / 2)
			return -1;
		return v * units[i].mul;
	}
	return -1;
}

int
backtest_parse_time(const char *s, int64_t now_s, int64_t *out)
{
	int64_t ns, v;
	const char *rel = NULL;

	if (strcmp(s, "now") == 0) {
		*out = now_s;
		return 0;
	}
	if (strncmp(s, "now-", 4) == 0)
		rel = s + 4;
	else if (s[0] == '-')
		rel = s + 1;
	if (rel != NULL) {
		v = parse_duration(rel);
		if (v < 0 || v > now_s)
			return -1;
		*out = now_s - v;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9' && strchr(s, '-') == NULL) {
		if (parse_i64(s, &v) != 0 || v <= 0 || v > BACKTEST_TIME_MAX)
			return -1;
		*out = v;
		return 0;
	}
	if (rfc3339_parse(s, &ns) != 0 || ns <= 0 ||
	    ns / 1000000000 > BACKTEST_TIME_MAX)
		return -1;
	*out = ns / 1000000000;
	return 0;
}

void
backtest_request_init(struct backtest_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->scale_delay_s = BACKTEST_DELAY_DEFAULT;
}

/* A time member: a string (backtest_parse_time) or a number (unix s). */
static int
json_time(const cJSON *v, int64_t now_s, int64_t *out)
{
	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble > 0 &&
		    v->valuedouble <= (double)BACKTEST_TIME_MAX))
			return -1;
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v))
		return backtest_parse_time(v->valuestring, now_s, out);
	return -1;
}

static int
json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo &&
	    v->valuedouble <= (double)hi) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
bad(char *field, size_t flen, const char *name, char *err, size_t errlen,
    const char *msg)
{
	snprintf(field, flen, "%s", name);
	snprintf(err, errlen, "%s: %s", name, msg);
	return -1;
}

/* One member of the request body. */
static int
request_member(const cJSON *it, int64_t now_s, struct backtest_request *rq,
    const char *path_id, char *field, size_t flen, char *err, size_t errlen)
{
	struct rules_error re;
	const char *k = it->string;

	if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
		if (json_time(it, now_s, k[0] == 'f' ? &rq->from_s :
		    &rq->to_s) != 0)
			return bad(field, flen, k, err, errlen, "a time: "
			    "RFC 3339, unix seconds, \"now\" or "
			    "\"now-DURATION\" (s, m, h, d, w)");
		return 0;
	}
	if (strcmp(k, "step_s") == 0)
		return json_int(it, 1, BACKTEST_STEP_MAX, &rq->step_s) != 0 ?
		    bad(field, flen, k, err, errlen, "whole seconds from 1 to "
		    "86400") : 0;
	if (strcmp(k, "scale_delay_s") == 0)
		return json_int(it, 0, BACKTEST_DELAY_MAX, &rq->scale_delay_s)
		    != 0 ? bad(field, flen, k, err, errlen, "whole seconds "
		    "from 0 to 86400") : 0;
	if (strcmp(k, "rule") == 0) {
		if (rules_from_cjson(it, path_id, &rq->rule, &re) != 0) {
			snprintf(field, flen, "rule.%s", re.field);
			snprintf(err, errlen, "rule: %s%s%s", re.field,
			    re.field[0] ? ": " : "", re.error);
			return -1;
		}
		rq->has_rule = 1;
		return 0;
	}
	return bad(field, flen, k, err, errlen, "unknown member (from, to, "
	    "step_s, scale_delay_s, rule)");
}

int
backtest_request_from_json(const char *body, size_t len, const char *path_id,
    int64_t now_s, struct backtest_request *rq, char *field, size_t flen,
    char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *it;
	int ret = -1;

	backtest_request_init(rq);
	field[0] = '\0';
	if (root == NULL || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root)
		if (request_member(it, now_s, rq, path_id, field, flen, err,
		    errlen) != 0)
			goto out;
	if (rq->from_s == 0 || rq->to_s == 0) {
		bad(field, flen, rq->from_s == 0 ? "from" : "to", err, errlen,
		    "is required");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

void
backtest_outcome_free(struct backtest_outcome *oc)
{
	if (oc == NULL)
		return;
	backtest_trace_free(&oc->tr);
	backtest_result_free(&oc->res);
}

static struct source *
open_source(const struct backtest_env *env, char *err, size_t errlen)
{
	struct source_options so;
	struct source *s;
	char e2[512];

	if (env->influx_url[0] == '\0') {
		snprintf(err, errlen, "backtest reads InfluxDB: set "
		    "source_influxdb_url (and source_influxdb_db)");
		return NULL;
	}
	memset(&so, 0, sizeof(so));
	so.kind = "influxdb";
	so.influx_url = env->influx_url;
	so.influx_db = env->influx_db;
	so.influx_user = env->influx_user;
	so.influx_password = env->influx_password;
	so.timeout_ms = env->timeout_ms > 0 ? env->timeout_ms :
	    BACKTEST_TIMEOUT_MS;
	s = source_new(&so, e2, sizeof(e2));
	if (s == NULL)
		snprintf(err, errlen, "source influxdb: %s", e2);
	return s;
}

int
backtest_execute(const struct backtest_env *env,
    const struct backtest_request *rq, struct backtest_outcome *oc,
    char *err, size_t errlen)
{
	struct backtest_options o;
	struct source *s = NULL;
	int64_t step = rq->step_s > 0 ? rq->step_s : env->interval_s, t0;
	int ret;

	memset(oc, 0, sizeof(*oc));
	ret = backtest_trace_init(&oc->tr, rq->from_s, rq->to_s, step,
	    env->max_points, err, errlen);
	if (ret != BACKTEST_OK)
		return ret;
	s = open_source(env, err, errlen);
	if (s == NULL) {
		ret = BACKTEST_E_INPUT;
		goto out;
	}
	ret = backtest_influx_load(s, rq->rule.app_id, &oc->tr, env->cancel,
	    &oc->query_s, err, errlen);
	if (ret != BACKTEST_OK)
		goto out;
	o.scale_delay_s = rq->scale_delay_s;
	t0 = now_mono_ns();
	ret = backtest_run(&rq->rule, &oc->tr, &o, &oc->res, err, errlen);
	oc->replay_s = (double)(now_mono_ns() - t0) / 1e9;
out:
	source_free(s);
	if (ret != BACKTEST_OK)
		backtest_outcome_free(oc);
	return ret;
}
