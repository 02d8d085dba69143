/*
 * backtest_rest.c — POST /v1/rules/{app_id}/backtest (rest.c routes it
 * here): the body {"from", "to", "step_s", "scale_delay_s", "rule"}, the
 * reply the JSON of backtest_to_cjson() with the timings.  400 for bad
 * input (body, rule, range, no data), 404 without a rule, 503 when
 * InfluxDB cannot answer (with the reason), source_influxdb_url is not
 * set, BACKTEST_REST_MAX backtests already run or the scaler is stopping,
 * 500 out of memory.
 *
 * The request is deferred (httpd_defer) and the backtest runs on a
 * thread of its own, so the API's thread goes on serving the others
 * (/healthz never waits for InfluxDB).  The thread owns its job: a copy
 * of the body and of the stored rule; the env is the daemon's, read-only
 * but for its two counters.  A stopping scaler sets env->cancel: a
 * running backtest stops between two InfluxDB queries with a 503, and
 * httpd_stop() waits for it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/httpd.h"
#include "common/util.h"
#include "scaler/backtest.h"

#define BACKTEST_REST_REPLY_MAX (64u << 20)

/* One backtest on its way; owned by the thread that runs it. */
struct bt_job {
	const struct backtest_env *env;     /* borrowed (the daemon's) */
	struct httpd_async        *as;
	char                       app[RULES_APP_ID_MAX];
	struct rule                stored;
	int                        has_stored;
	char                      *body;    /* owned, NUL-terminated */
	size_t                     len;
};

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

/* The whole backtest of one job into rp. */
static void
answer(const struct bt_job *job, struct httpd_reply *rp)
{
	static const unsigned status[] = {
		[BACKTEST_E_INPUT] = 400, [BACKTEST_E_SOURCE] = 503,
		[BACKTEST_E_NOMEM] = 500,
	};
	struct backtest_request *rq = calloc(1, sizeof(*rq));
	struct backtest_outcome *oc = calloc(1, sizeof(*oc));
	struct backtest_options o;
	char err[1024], field[80];
	cJSON *j;
	int rc;

	if (rq == NULL || oc == NULL) {
		httpd_reply_error(rp, 500, NULL, "out of memory");
		goto out;
	}
	if (backtest_request_from_json(job->body, job->len, job->app,
	    now_realtime_ns() / 1000000000, rq, field, sizeof(field), err,
	    sizeof(err)) != 0) {
		httpd_reply_error(rp, 400, field[0] ? field : NULL, "%s", err);
		goto out;
	}
	if (!rq->has_rule) {
		if (!job->has_stored) {
			httpd_reply_error(rp, 404, "rule", "no rule for %s: "
			    "store one or give it in the body", job->app);
			goto out;
		}
		rq->rule = job->stored;
	}
	rc = backtest_execute(job->env, rq, oc, err, sizeof(err));
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

static void
job_free(struct bt_job *job)
{
	if (job == NULL)
		return;
	free(job->body);
	free(job);
}

static void *
worker(void *arg)
{
	struct bt_job *job = arg;
	struct httpd_reply rp;

	memset(&rp, 0, sizeof(rp));
	buf_init(&rp.body, BACKTEST_REST_REPLY_MAX);
	answer(job, &rp);
	httpd_finish(job->as, &rp);
	buf_free(&rp.body);
	atomic_fetch_sub(job->env->busy, 1);
	job_free(job);
	return NULL;
}

/* A job with copies of what the request lends; NULL out of memory. */
static struct bt_job *
job_new(const struct backtest_env *env, const char *app,
    const struct rule *stored, const struct httpd_request *rq)
{
	struct bt_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return NULL;
	job->env = env;
	str_copy_trunc(job->app, app, sizeof(job->app));
	if (stored != NULL) {
		job->stored = *stored;
		job->has_stored = 1;
	}
	job->body = malloc(rq->body_len + 1);
	if (job->body == NULL) {
		free(job);
		return NULL;
	}
	memcpy(job->body, rq->body, rq->body_len);
	job->body[rq->body_len] = '\0';
	job->len = rq->body_len;
	return job;
}

/* Start the job's thread (detached); 0, or -1 (nothing started). */
static int
job_start(struct bt_job *job)
{
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&at) != 0)
		return -1;
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, worker, job);
	pthread_attr_destroy(&at);
	return rc == 0 ? 0 : -1;
}

void
backtest_rest(const struct backtest_env *env, const char *app_id,
    const struct rule *stored, const struct httpd_request *rq,
    struct httpd_reply *rp)
{
	struct bt_job *job;

	if (env == NULL || env->influx_url[0] == '\0' || env->busy == NULL) {
		httpd_reply_error(rp, 503, NULL, "backtest not configured: it "
		    "reads InfluxDB, and source_influxdb_url is not set");
		return;
	}
	if (env->cancel != NULL && atomic_load(env->cancel)) {
		httpd_reply_error(rp, 503, NULL, "the scaler is stopping");
		return;
	}
	if (atomic_fetch_add(env->busy, 1) >= BACKTEST_REST_MAX) {
		atomic_fetch_sub(env->busy, 1);
		httpd_reply_error(rp, 503, NULL, "%d backtests are running; "
		    "retry later", BACKTEST_REST_MAX);
		return;
	}
	job = job_new(env, app_id, stored, rq);
	if (job != NULL && (job->as = httpd_defer(rq)) != NULL) {
		if (job_start(job) == 0)
			return;
		/* No thread: answer the deferred request at once. */
		httpd_reply_error(rp, 503, NULL, "cannot start a thread for "
		    "the backtest");
		httpd_finish(job->as, rp);
		atomic_fetch_sub(env->busy, 1);
		job_free(job);
		return;
	}
	job_free(job);
	atomic_fetch_sub(env->busy, 1);
	httpd_reply_error(rp, 500, NULL, "out of memory");
}
