/*
 * rest.c — see rest.h.  One MHD daemon with its own polling thread; each
 * request collects its body in a capped buf, then one handler per route
 * answers once the body is complete.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cJSON.h>
#include <microhttpd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/rest.h"

#define REST_DECISIONS_DEFAULT 100

struct rest {
	struct MHD_Daemon  *mhd;
	struct rest_config   cfg;
	pthread_mutex_t     token_mu;
	char                token[REST_TOKEN_MAX];
	int                 port;
};

/* Per-request state, from the first call of the handler to the last. */
struct req {
	struct buf body;
	int        too_big;
};

/* One answer: status, content type, body (malloc'ed, taken). */
struct reply {
	unsigned    status;
	const char *ctype;
	char       *body;
	size_t      len;
	const char *allow;   /* for 405 */
};

static void
reply_json(struct reply *rp, unsigned status, cJSON *o)
{
	rp->status = status;
	rp->ctype = "application/json";
	rp->body = o ? cJSON_PrintUnformatted(o) : NULL;
	rp->len = rp->body ? strlen(rp->body) : 0;
	cJSON_Delete(o);
	if (o != NULL && rp->body == NULL)
		rp->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static void
reply_error(struct reply *rp, unsigned status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
reply_error(struct reply *rp, unsigned status, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cJSON *o = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "error", msg);
	if (field != NULL && field[0] != '\0')
		cJSON_AddStringToObject(o, "field", field);
	else
		cJSON_AddNullToObject(o, "field");
	reply_json(rp, status, o);
}

/* ---- routes ---- */

static void
rule_reply(struct reply *rp, unsigned status, const struct rule *r)
{
	reply_json(rp, status, rules_to_cjson(r));
}

static void
put_rule(struct rest *a, struct reply *rp, const char *path_id,
    const struct req *rq, int create_only)
{
	struct rules_error re;
	struct rule r;
	char err[512];
	int created;
	enum state_result sr;

	if (rules_from_json(rq->body.data ? rq->body.data : "", rq->body.len,
	    path_id, &r, &re) != 0) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, re.field, "%s",
		    re.error);
		return;
	}
	sr = state_put(a->cfg.state, &r, create_only, &created, err,
	    sizeof(err));
	switch (sr) {
	case STATE_OK:
		log_info("rule %s %s", r.app_id, created ? "created" :
		    "replaced");
		rule_reply(rp, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, &r);
		return;
	case STATE_E_EXISTS:
		reply_error(rp, MHD_HTTP_CONFLICT, "app_id", "a rule for %s "
		    "exists (PUT /v1/rules%s replaces it)", r.app_id,
		    r.app_id);
		return;
	case STATE_E_FULL:
		reply_error(rp, MHD_HTTP_INSUFFICIENT_STORAGE, NULL, "%s",
		    err);
		return;
	default:
		log_warnx("rule %s not stored: %s", r.app_id, err);
		reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
		    "cannot store the rule: %s", state_strerror(sr));
		return;
	}
}

static void
list_rules(struct rest *a, struct reply *rp)
{
	struct rule *all;
	size_t n = state_rules(a->cfg.state, &all), i;
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "rules");

	for (i = 0; arr != NULL && i < n; i++)
		cJSON_AddItemToArray(arr, rules_to_cjson(&all[i]));
	free(all);
	reply_json(rp, MHD_HTTP_OK, o);
}

static void
one_rule(struct rest *a, struct reply *rp, const char *method,
    const char *id, const struct req *rq)
{
	char app[RULES_APP_ID_MAX], err[512];
	struct rule r;

	if (strlen(id) >= sizeof(app) - 1) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "app_id", "too long");
		return;
	}
	str_copy_trunc(app, id, sizeof(app));
	if (rules_normalize_app_id(app, sizeof(app)) != 0) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "app_id", "'%s' is not "
		    "a Marathon app id", id);
		return;
	}
	if (strcmp(method, "PUT") == 0) {
		put_rule(a, rp, app, rq, 0);
		return;
	}
	if (strcmp(method, "GET") == 0) {
		if (state_get(a->cfg.state, app, &r, NULL) != STATE_OK)
			reply_error(rp, MHD_HTTP_NOT_FOUND, NULL,
			    "no rule for %s", app);
		else
			rule_reply(rp, MHD_HTTP_OK, &r);
		return;
	}
	if (strcmp(method, "DELETE") == 0) {
		enum state_result sr = state_delete(a->cfg.state, app, err,
		    sizeof(err));

		if (sr == STATE_E_NOT_FOUND) {
			reply_error(rp, MHD_HTTP_NOT_FOUND, NULL,
			    "no rule for %s", app);
			return;
		}
		if (sr != STATE_OK) {
			log_warnx("rule %s not deleted: %s", app, err);
			reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
			    "cannot store the change: %s",
			    state_strerror(sr));
			return;
		}
		decisions_forget(a->cfg.decisions, app);
		log_info("rule %s deleted", app);
		rp->status = MHD_HTTP_NO_CONTENT;
		return;
	}
	rp->allow = "GET, PUT, DELETE";
	reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method %s not "
	    "allowed here", method);
}

/* "outputs": where the decision records went (see stats.h). */
static void
put_outputs(struct scaler_stats *s, cJSON *o)
{
	cJSON *e = cJSON_AddObjectToObject(o, "outputs");

	if (e == NULL)
		return;
	cJSON_AddNumberToObject(e, "count", (double)atomic_load(&s->outputs));
	cJSON_AddNumberToObject(e, "decision_points_lost",
	    (double)atomic_load(&s->decision_points_lost));
	cJSON_AddNumberToObject(e, "decision_encode_errors",
	    (double)atomic_load(&s->decision_encode_errors));
	cJSON_AddNumberToObject(e, "refused",
	    (double)atomic_load(&s->output_refused));
	cJSON_AddNumberToObject(e, "points_written",
	    (double)atomic_load(&s->output_points_written));
	cJSON_AddNumberToObject(e, "points_dropped",
	    (double)atomic_load(&s->output_points_dropped));
	cJSON_AddNumberToObject(e, "points_spooled",
	    (double)atomic_load(&s->output_points_spooled));
	cJSON_AddNumberToObject(e, "write_errors",
	    (double)atomic_load(&s->output_write_errors));
}

static void
status(struct rest *a, struct reply *rp)
{
	struct rule *all;
	size_t n = state_rules(a->cfg.state, &all), i;
	cJSON *o = cJSON_CreateObject(), *arr;
	int64_t next = atomic_load(&a->cfg.stats->next_round_s);
	char ts[32];

	cJSON_AddNumberToObject(o, "interval_s",
	    (double)atomic_load(&a->cfg.stats->interval_s));
	cJSON_AddBoolToObject(o, "dry_run",
	    atomic_load(&a->cfg.stats->dry_run));
	rfc3339_format(ts, sizeof(ts), next * 1000000000, 0);
	cJSON_AddStringToObject(o, "next_evaluation", ts);
	cJSON_AddNumberToObject(o, "next_evaluation_s", (double)next);
	put_outputs(a->cfg.stats, o);
	arr = cJSON_AddArrayToObject(o, "apps");
	for (i = 0; arr != NULL && i < n; i++) {
		struct policy_decision d;
		cJSON *e = cJSON_CreateObject();
		int have = decisions_last(a->cfg.decisions, all[i].app_id,
		    &d) == 0;

		cJSON_AddStringToObject(e, "app_id", all[i].app_id);
		cJSON_AddStringToObject(e, "mode", rules_mode_str(
		    all[i].mode));
		cJSON_AddBoolToObject(e, "paused", all[i].paused);
		cJSON_AddBoolToObject(e, "dry_run", all[i].dry_run);
		cJSON_AddNumberToObject(e, "min_instances",
		    all[i].min_instances);
		cJSON_AddNumberToObject(e, "max_instances",
		    all[i].max_instances);
		if (have) {
			cJSON_AddNumberToObject(e, "instances", d.current);
			cJSON_AddNumberToObject(e, "running", d.running);
			cJSON_AddNumberToObject(e, "tasks_with_metrics",
			    d.tasks_with_metrics);
			cJSON_AddNumberToObject(e, "tasks_total",
			    d.tasks_total);
			if (d.has_cpu)
				cJSON_AddNumberToObject(e, "cpu", d.cpu);
			else
				cJSON_AddNullToObject(e, "cpu");
			if (d.has_mem)
				cJSON_AddNumberToObject(e, "mem", d.mem);
			else
				cJSON_AddNullToObject(e, "mem");
			cJSON_AddItemToObject(e, "last_decision",
			    decisions_to_cjson(&d));
		} else {
			cJSON_AddNullToObject(e, "instances");
			cJSON_AddNullToObject(e, "running");
			cJSON_AddNullToObject(e, "last_decision");
		}
		cJSON_AddStringToObject(e, "next_evaluation", ts);
		cJSON_AddItemToArray(arr, e);
	}
	free(all);
	reply_json(rp, MHD_HTTP_OK, o);
}

static void
decisions_list(struct rest *a, struct reply *rp,
    struct MHD_Connection *conn)
{
	const char *app = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "app");
	const char *lim = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "limit");
	size_t cap = decisions_capacity(a->cfg.decisions), n, i;
	uint64_t limit = REST_DECISIONS_DEFAULT;
	struct policy_decision *out;
	char id[RULES_APP_ID_MAX];
	cJSON *o, *arr;

	if (lim != NULL && (parse_u64(lim, &limit) != 0 || limit < 1 ||
	    limit > cap)) {
		reply_error(rp, MHD_HTTP_BAD_REQUEST, "limit", "must be a "
		    "whole number from 1 to %zu", cap);
		return;
	}
	if (app != NULL) {
		if (strlen(app) >= sizeof(id) - 1) {
			reply_error(rp, MHD_HTTP_BAD_REQUEST, "app", "too long");
			return;
		}
		str_copy_trunc(id, app, sizeof(id));
		if (rules_normalize_app_id(id, sizeof(id)) != 0) {
			reply_error(rp, MHD_HTTP_BAD_REQUEST, "app", "'%s' is "
			    "not a Marathon app id", app);
			return;
		}
	}
	out = calloc((size_t)limit, sizeof(*out));
	if (out == NULL) {
		reply_error(rp, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
		    "out of memory");
		return;
	}
	n = decisions_query(a->cfg.decisions, app ? id : NULL,
	    (size_t)limit, out);
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "decisions");
	for (i = 0; arr != NULL && i < n; i++)
		cJSON_AddItemToArray(arr, decisions_to_cjson(&out[i]));
	free(out);
	reply_json(rp, MHD_HTTP_OK, o);
}

/* The decision records' way to the outputs (see stats.h): one counter
 * each, named hoist_scaler_<name>_total. */
static void
put_output_metrics(struct scaler_stats *s, struct buf *b)
{
	static const struct {
		const char *name, *help;
		size_t      off;
	} m[] = {
	{ "decision_points_lost", "Decision points lost for good (not "
	  "encoded, refused or dropped by an output).",
	  offsetof(struct scaler_stats, decision_points_lost) },
	{ "decision_encode_errors", "Decision records that could not be "
	  "encoded as line protocol.",
	  offsetof(struct scaler_stats, decision_encode_errors) },
	{ "output_refused", "Writes of a round's decision points that an "
	  "output refused.", offsetof(struct scaler_stats, output_refused) },
	{ "output_points_written", "Decision points the outputs delivered.",
	  offsetof(struct scaler_stats, output_points_written) },
	{ "output_points_dropped", "Decision points the outputs dropped.",
	  offsetof(struct scaler_stats, output_points_dropped) },
	{ "output_points_spooled", "Decision points the outputs spooled to "
	  "disk.", offsetof(struct scaler_stats, output_points_spooled) },
	{ "output_write_errors", "Failed deliveries by the outputs.",
	  offsetof(struct scaler_stats, output_write_errors) },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(m); i++) {
		atomic_uint_fast64_t *v = (atomic_uint_fast64_t *)(void *)
		    ((char *)s + m[i].off);

		buf_printf(b, "# HELP hoist_scaler_%s_total %s\n"
		    "# TYPE hoist_scaler_%s_total counter\n"
		    "hoist_scaler_%s_total %llu\n", m[i].name, m[i].help,
		    m[i].name, m[i].name,
		    (unsigned long long)atomic_load(v));
	}
}

static void
metrics(struct rest *a, struct reply *rp)
{
	struct scaler_stats *s = a->cfg.stats;
	struct buf b;
	int i;

	buf_init(&b, 64 << 10);
	buf_printf(&b, "# HELP hoist_scaler_rules Rules registered.\n"
	    "# TYPE hoist_scaler_rules gauge\nhoist_scaler_rules %zu\n",
	    state_count(a->cfg.state));
	buf_printf(&b, "# HELP hoist_scaler_rounds_total Evaluation rounds."
	    "\n# TYPE hoist_scaler_rounds_total counter\n"
	    "hoist_scaler_rounds_total %llu\n",
	    (unsigned long long)atomic_load(&s->rounds));
	buf_printf(&b, "# HELP hoist_scaler_evaluations_total Rules "
	    "evaluated.\n# TYPE hoist_scaler_evaluations_total counter\n"
	    "hoist_scaler_evaluations_total %llu\n",
	    (unsigned long long)atomic_load(&s->evaluations));
	buf_printf(&b, "# HELP hoist_scaler_decisions_total Decisions by "
	    "action.\n# TYPE hoist_scaler_decisions_total counter\n");
	for (i = 0; i < STATS_ACTIONS; i++)
		buf_printf(&b, "hoist_scaler_decisions_total{action=\"%s\"} "
		    "%llu\n", policy_action_str((enum policy_action)i),
		    (unsigned long long)atomic_load(&s->decisions[i]));
	buf_printf(&b, "# HELP hoist_scaler_scale_requests_total Scale "
	    "requests sent to the orchestrator.\n"
	    "# TYPE hoist_scaler_scale_requests_total counter\n"
	    "hoist_scaler_scale_requests_total %llu\n",
	    (unsigned long long)atomic_load(&s->scale_requests));
	buf_printf(&b, "# HELP hoist_scaler_orchestrator_errors_total "
	    "Failed orchestrator calls.\n"
	    "# TYPE hoist_scaler_orchestrator_errors_total counter\n"
	    "hoist_scaler_orchestrator_errors_total %llu\n",
	    (unsigned long long)atomic_load(&s->orchestrator_errors));
	buf_printf(&b, "# HELP hoist_scaler_metric_fetch_errors_total "
	    "Failed metric fetches (agents or InfluxDB).\n"
	    "# TYPE hoist_scaler_metric_fetch_errors_total counter\n"
	    "hoist_scaler_metric_fetch_errors_total %llu\n",
	    (unsigned long long)atomic_load(&s->metric_fetch_errors));
	buf_printf(&b, "# HELP hoist_scaler_metric_invalid_total "
	    "Task metric figures rejected: not a number from 0 to 1000 %%.\n"
	    "# TYPE hoist_scaler_metric_invalid_total counter\n"
	    "hoist_scaler_metric_invalid_total %llu\n",
	    (unsigned long long)atomic_load(&s->metric_invalid));
	put_output_metrics(s, &b);
	buf_printf(&b, "# HELP hoist_scaler_api_requests_total REST "
	    "requests.\n# TYPE hoist_scaler_api_requests_total counter\n"
	    "hoist_scaler_api_requests_total %llu\n",
	    (unsigned long long)atomic_load(&s->api_requests));
	buf_printf(&b, "# HELP hoist_scaler_api_unauthorized_total REST "
	    "requests refused with 401.\n"
	    "# TYPE hoist_scaler_api_unauthorized_total counter\n"
	    "hoist_scaler_api_unauthorized_total %llu\n",
	    (unsigned long long)atomic_load(&s->api_unauthorized));
	buf_printf(&b, "# HELP hoist_scaler_api_client_errors_total REST "
	    "requests answered with another 4xx.\n"
	    "# TYPE hoist_scaler_api_client_errors_total counter\n"
	    "hoist_scaler_api_client_errors_total %llu\n",
	    (unsigned long long)atomic_load(&s->api_client_errors));
	buf_printf(&b, "# HELP hoist_scaler_last_round_seconds Wall time "
	    "of the last evaluation round.\n"
	    "# TYPE hoist_scaler_last_round_seconds gauge\n"
	    "hoist_scaler_last_round_seconds %.3f\n",
	    (double)atomic_load(&s->last_round_ms) / 1000.0);
	rp->status = MHD_HTTP_OK;
	rp->ctype = "text/plain; version=0.0.4";
	rp->body = buf_steal(&b, &rp->len);
}

static int
authorized(struct rest *a, struct MHD_Connection *conn)
{
	const char *h;
	size_t tl;
	int ok;

	pthread_mutex_lock(&a->token_mu);
	tl = strlen(a->token);
	if (tl == 0) {
		ok = 1;
		goto out;
	}
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	ok = h != NULL && strncmp(h, "Bearer ", 7) == 0 &&
	    const_time_eq(h + 7, strlen(h + 7), a->token, tl);
out:
	pthread_mutex_unlock(&a->token_mu);
	return ok;
}

void
rest_set_token(struct rest *a, const char *token)
{
	if (token != NULL && strlen(token) >= sizeof(a->token)) {
		/* A cut token would let a prefix in: keep the old one. */
		log_warnx("api token over %zu bytes; keeping the old one",
		    sizeof(a->token) - 1);
		return;
	}
	pthread_mutex_lock(&a->token_mu);
	explicit_bzero(a->token, sizeof(a->token));
	if (token != NULL)
		str_copy_trunc(a->token, token, sizeof(a->token));
	pthread_mutex_unlock(&a->token_mu);
}

static void
route(struct rest *a, struct MHD_Connection *conn, const char *url,
    const char *method, const struct req *rq, struct reply *rp)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (strcmp(url, "/healthz") == 0) {
		if (!get) {
			rp->allow = "GET";
			reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
			    "method %s not allowed here", method);
			return;
		}
		rp->status = MHD_HTTP_OK;
		rp->ctype = "text/plain";
		rp->body = strdup("ok\n");
		rp->len = rp->body ? 3 : 0;
		return;
	}
	if (strcmp(url, "/metrics") == 0) {
		if (!get) {
			rp->allow = "GET";
			reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
			    "method %s not allowed here", method);
			return;
		}
		metrics(a, rp);
		return;
	}
	if (strncmp(url, "/v1/", 4) != 0 && strcmp(url, "/v1") != 0) {
		reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint");
		return;
	}
	if (!authorized(a, conn)) {
		atomic_fetch_add(&a->cfg.stats->api_unauthorized, 1);
		reply_error(rp, MHD_HTTP_UNAUTHORIZED, NULL, "a valid "
		    "\"Authorization: Bearer TOKEN\" header is required");
		return;
	}
	if (rq->too_big) {
		reply_error(rp, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "the body "
		    "is larger than %u bytes", (unsigned)RULES_BODY_MAX);
		return;
	}
	if (strcmp(url, "/v1/rules") == 0 || strcmp(url, "/v1/rules/") == 0) {
		if (get)
			list_rules(a, rp);
		else if (strcmp(method, "POST") == 0)
			put_rule(a, rp, NULL, rq, 1);
		else {
			rp->allow = "GET, POST";
			reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
			    "method %s not allowed here", method);
		}
		return;
	}
	if (strncmp(url, "/v1/rules/", 10) == 0) {
		one_rule(a, rp, strcmp(method, "HEAD") == 0 ? "GET" : method,
		    url + 9, rq);
		return;
	}
	if (strcmp(url, "/v1/status") == 0 || strcmp(url, "/v1/decisions")
	    == 0) {
		if (!get) {
			rp->allow = "GET";
			reply_error(rp, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
			    "method %s not allowed here", method);
		} else if (url[4] == 's')
			status(a, rp);
		else
			decisions_list(a, rp, conn);
		return;
	}
	reply_error(rp, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct rest *a = cls;
	struct req *rq = *con_cls;
	struct reply rp = { 0 };
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		buf_init(&rq->body, RULES_BODY_MAX);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!rq->too_big && buf_append(&rq->body, upload_data,
		    *upload_data_size) != 0)
			rq->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&a->cfg.stats->api_requests, 1);
	route(a, conn, url, method, rq, &rp);
	if (rp.status >= 400 && rp.status < 500 &&
	    rp.status != MHD_HTTP_UNAUTHORIZED)
		atomic_fetch_add(&a->cfg.stats->api_client_errors, 1);
	resp = MHD_create_response_from_buffer(rp.len, rp.body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(rp.body);
		return MHD_NO;
	}
	if (rp.ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    rp.ctype);
	if (rp.allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp.allow);
	if (rp.status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(conn, rp.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

int
rest_parse_listen(const char *s, void *ssv, size_t *sslen)
{
	struct sockaddr_storage *ss = ssv;
	char host[128];
	const char *colon, *hs = s, *he;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			return -1;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		he = colon;
	}
	if ((size_t)(he - hs) >= sizeof(host) || parse_u64(colon + 1, &port)
	    != 0 || port > 65535)
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (host[0] == '\0')
		str_copy_trunc(host, "0.0.0.0", sizeof(host));
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -1;
		*sslen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -1;
		*sslen = sizeof(*in6);
	}
	return 0;
}

int
rest_read_token(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char *text = NULL, *nl;
	size_t len;

	if (read_file(path, 64 << 10, &text, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	nl = strchr(text, '\n');
	if (nl != NULL)
		*nl = '\0';
	str_rtrim(text);
	if (text[0] == '\0' || strlen(text) >= outlen) {
		snprintf(err, errlen, "%s: %s", path, text[0] == '\0' ?
		    "empty token" : "token too long");
		free(text);
		return -1;
	}
	str_copy_trunc(out, text, outlen);
	explicit_bzero(text, len);
	free(text);
	return 0;
}

struct rest *
rest_start(const struct rest_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	size_t sslen;
	struct rest *a;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (rest_parse_listen(cfg->listen, &ss, &sslen) != 0) {
		snprintf(err, errlen, "bad listen address '%s' (want "
		    "ADDR:PORT or [V6ADDR]:PORT)", cfg->listen);
		return NULL;
	}
	if (cfg->token != NULL && strlen(cfg->token) >= REST_TOKEN_MAX) {
		snprintf(err, errlen, "api token over %d bytes",
		    REST_TOKEN_MAX - 1);
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	pthread_mutex_init(&a->token_mu, NULL);
	if (cfg->token != NULL)
		str_copy_trunc(a->token, cfg->token, sizeof(a->token));
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handler, a,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, a,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_END);
	if (a->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen,
		    strerror(errno));
		pthread_mutex_destroy(&a->token_mu);
		free(a);
		return NULL;
	}
	info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info ? (int)info->port : 0;
	return a;
}

void
rest_stop(struct rest *a)
{
	if (a == NULL)
		return;
	MHD_stop_daemon(a->mhd);
	explicit_bzero(a->token, sizeof(a->token));
	pthread_mutex_destroy(&a->token_mu);
	free(a);
}

int
rest_port(const struct rest *a)
{
	return a->port;
}
