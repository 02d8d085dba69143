/*
 * backtest_rest.c — POST /v1/rules/{app_id}/backtest (rest.c routes it
 * here): the body {"from", "to", "step_s", "scale_delay_s", "rule"}, the
 * reply the JSON of backtest_to_cjson() with the timings.  400 for bad
 * input (body, rule, range, no data), 404 without a rule, 503 when
 * InfluxDB cannot answer (with the reason) or source_influxdb_url is not
 * set, 500 out of memory.
 *
 * It runs on the API thread, like every route: the range is capped by
 * backtest_max_points and each InfluxDB query by its timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/httpd.h"
#include "common/util.h"
#include "scaler/backtest.h"

static void
reply_cjson(struct httpd_reply *rp, cJSON *o)
{
	char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	rp->content_type = NULL;
	buf_reset(&rp->body);
	if (text == NULL || buf_puts(&rp->body, text) != 0)
		httpd_reply_error(rp, 500, NULL, "out of memory");
	else
		rp->status = 200;
	free(text);
}

void
backtest_rest(const struct backtest_env *env, const char *app_id,
    const struct rule *stored, const char *body, size_t len,
    struct httpd_reply *rp)
{
	static const unsigned status[] = {
		[BACKTEST_E_INPUT] = 400, [BACKTEST_E_SOURCE] = 503,
		[BACKTEST_E_NOMEM] = 500,
	};
	struct backtest_request *rq;
	struct backtest_outcome *oc;
	struct backtest_options o;
	char err[1024], field[80];
	cJSON *j;
	int rc;

	if (env == NULL || env->influx_url[0] == '\0') {
		httpd_reply_error(rp, 503, NULL, "backtest not configured: it "
		    "reads InfluxDB, and source_influxdb_url is not set");
		return;
	}
	rq = calloc(1, sizeof(*rq));
	oc = calloc(1, sizeof(*oc));
	if (rq == NULL || oc == NULL) {
		httpd_reply_error(rp, 500, NULL, "out of memory");
		goto out;
	}
	if (backtest_request_from_json(body, len, app_id,
	    now_realtime_ns() / 1000000000, rq, field, sizeof(field), err,
	    sizeof(err)) != 0) {
		httpd_reply_error(rp, 400, field[0] ? field : NULL, "%s", err);
		goto out;
	}
	if (!rq->has_rule) {
		if (stored == NULL) {
			httpd_reply_error(rp, 404, "rule", "no rule for %s: "
			    "store one or give it in the body", app_id);
			goto out;
		}
		rq->rule = *stored;
	}
	rc = backtest_execute(env, rq, oc, err, sizeof(err));
	if (rc != BACKTEST_OK) {
		httpd_reply_error(rp, (size_t)rc < ARRAY_LEN(status) &&
		    status[rc] ? status[rc] : 500, NULL, "%s: %s",
		    backtest_status_str(rc), err);
		goto out;
	}
	o.scale_delay_s = rq->scale_delay_s;
	j = backtest_to_cjson(&rq->rule, &oc->tr, &o, &oc->res);
	cJSON_AddNumberToObject(j, "query_s", oc->query_s);
	cJSON_AddNumberToObject(j, "replay_s", oc->replay_s);
	reply_cjson(rp, j);
	backtest_outcome_free(oc);
out:
	free(rq);
	free(oc);
}
