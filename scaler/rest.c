/*
 * rest.c — see rest.h.  The routes of hoist-scaler's REST API; listen,
 * token, TLS, limits, body collection and error bodies are the core's
 * (common/httpd.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "common/buf.h"
#include "common/httpd.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/rest.h"
#include "scaler/zkha.h"

#define REST_DECISIONS_DEFAULT 100
#define REST_REPLY_MAX         (1u << 20)  /* a deferred reply's body */

struct rest {
	struct httpd       *httpd;
	struct rest_config  cfg;
};

enum rest_route {
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_RULES,
	ROUTE_RULE,
	ROUTE_STATUS,
	ROUTE_DECISIONS,
};

/* /healthz and /metrics are open; everything under /v1 needs the token. */
static const struct httpd_route rest_routes[] = {
	{ "/healthz",      HTTPD_M_GET, 1, 0, ROUTE_HEALTHZ },
	{ "/metrics",      HTTPD_M_GET, 1, 0, ROUTE_METRICS },
	{ "/v1/rules/*",   HTTPD_M_GET | HTTPD_M_PUT | HTTPD_M_DELETE |
	  HTTPD_M_POST, 0, 1,
	  ROUTE_RULE },
	{ "/v1/rules",     HTTPD_M_GET | HTTPD_M_POST, 0, 1, ROUTE_RULES },
	{ "/v1/status",    HTTPD_M_GET, 0, 0, ROUTE_STATUS },
	{ "/v1/decisions", HTTPD_M_GET, 0, 0, ROUTE_DECISIONS },
};

/* The reply is the JSON of o (taken). */
static void
reply_json(struct httpd_reply *rp, unsigned status, cJSON *o)
{
	char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	rp->content_type = NULL;
	buf_reset(&rp->body);
	if (text == NULL || buf_puts(&rp->body, text) != 0) {
		httpd_reply_error(rp, 500, NULL, "out of memory");
		free(text);
		return;
	}
	free(text);
	rp->status = status;
}

#define reply_error httpd_reply_error

/* ---- routes ---- */

static void
rule_reply(struct httpd_reply *rp, unsigned status, const struct rule *r)
{
	reply_json(rp, status, rules_to_cjson(r));
}

/*
 * A rule change waiting for the store.  The connection is suspended
 * (httpd_defer) until the state's writer says the change is durable, so
 * the server's thread never waits on a disk and 2xx means stored.
 */
struct pending {
	struct httpd_async *as;
	struct rest        *a;
	int                 is_delete;
	int                 created;   /* set by state_put_async */
	struct rule         r;         /* a put's reply body */
	char                app[RULES_APP_ID_MAX];
};

/* A failed change (rolled back in memory) as its HTTP error. */
static void
change_error(struct httpd_reply *rp, const struct pending *p,
    enum state_result sr, const char *err)
{
	log_warnx("rule %s not %s: %s", p->app, p->is_delete ? "deleted" :
	    "stored", err);
	if (sr == STATE_E_CONFLICT)
		reply_error(rp, 409, NULL, "the rule for %s was changed by "
		    "another writer; read it again and retry", p->app);
	else if (sr == STATE_E_UNAVAILABLE)
		reply_error(rp, 503, NULL, "the state store does not accept "
		    "changes now (%s); retry later", err);
	else
		reply_error(rp, 500, NULL, "cannot store the change: %s",
		    state_strerror(sr));
}

/* state_done_fn: runs on the state's writer thread. */
static void
change_done(void *arg, enum state_result sr, const char *err)
{
	struct pending *p = arg;
	struct httpd_reply rp;

	memset(&rp, 0, sizeof(rp));
	buf_init(&rp.body, REST_REPLY_MAX);
	if (sr != STATE_OK)
		change_error(&rp, p, sr, err);
	else if (p->is_delete) {
		decisions_forget(p->a->cfg.decisions, p->app);
		log_info("rule %s deleted", p->app);
		rp.status = 204;
	} else {
		log_info("rule %s %s", p->app, p->created ? "created" :
		    "replaced");
		rule_reply(&rp, p->created ? 201 : 200, &p->r);
	}
	httpd_finish(p->as, &rp);
	buf_free(&rp.body);
	free(p);
}

static struct pending *
pending_new(struct rest *a, const struct httpd_request *rq,
    struct httpd_reply *rp, const char *app)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p != NULL && (p->as = httpd_defer(rq)) == NULL) {
		free(p);
		p = NULL;
	}
	if (p == NULL) {
		reply_error(rp, 503, NULL, "out of memory");
		return NULL;
	}
	p->a = a;
	str_copy_trunc(p->app, app, sizeof(p->app));
	return p;
}

/* The change was refused before it was queued: answer now. */
static void
pending_refused(struct pending *p, struct httpd_reply *rp)
{
	httpd_finish(p->as, rp);
	free(p);
}

static void
put_rule(struct rest *a, struct httpd_reply *rp, const char *path_id,
    const struct httpd_request *rq, int create_only)
{
	struct rules_error re;
	struct pending *p;
	struct rule r;
	char err[512];
	enum state_result sr;

	if (rules_from_json(rq->body, rq->body_len,
	    path_id, &r, &re) != 0) {
		reply_error(rp, 400, re.field, "%s",
		    re.error);
		return;
	}
	if ((p = pending_new(a, rq, rp, r.app_id)) == NULL)
		return;
	p->r = r;
	sr = state_put_async(a->cfg.state, &r, create_only, &p->created,
	    change_done, p, err, sizeof(err));
	switch (sr) {
	case STATE_PENDING:
		return;         /* p belongs to change_done now */
	case STATE_E_EXISTS:
		reply_error(rp, 409, "app_id", "a rule for %s "
		    "exists (PUT /v1/rules%s replaces it)", r.app_id,
		    r.app_id);
		break;
	case STATE_E_FULL:
		reply_error(rp, 507, NULL, "%s",
		    err);
		break;
	default:
		log_warnx("rule %s not stored: %s", r.app_id, err);
		reply_error(rp, 500, NULL,
		    "cannot store the rule: %s", state_strerror(sr));
		break;
	}
	pending_refused(p, rp);
}

static void
delete_rule(struct rest *a, struct httpd_reply *rp, const char *app,
    const struct httpd_request *rq)
{
	struct pending *p;
	char err[512];
	enum state_result sr;

	if ((p = pending_new(a, rq, rp, app)) == NULL)
		return;
	p->is_delete = 1;
	sr = state_delete_async(a->cfg.state, app, change_done, p, err,
	    sizeof(err));
	if (sr == STATE_PENDING)
		return;
	if (sr == STATE_E_NOT_FOUND)
		reply_error(rp, 404, NULL, "no rule for %s", app);
	else
		reply_error(rp, 500, NULL, "cannot store the change: %s",
		    state_strerror(sr));
	pending_refused(p, rp);
}

/*
 * "stale": true when the store cannot be reached (ZooKeeper without
 * quorum, or not reached yet): the reply comes from the last known copy.
 */
static int
is_stale(struct rest *a)
{
	struct state_stats ss;

	state_get_stats(a->cfg.state, &ss);
	return ss.stale != 0;
}

static void
put_stale(struct rest *a, cJSON *o)
{
	if (is_stale(a))
		cJSON_AddBoolToObject(o, "stale", 1);
}

/*
 * GET /v1/rules/{app_id}: the rule, with "stale" as on the list; a 404
 * from a stale copy says so too (the rule may exist in the store).
 */
static void
get_rule(struct rest *a, struct httpd_reply *rp, const char *app)
{
	struct rule r;
	cJSON *o;
	char msg[RULES_APP_ID_MAX + 32];

	if (state_get(a->cfg.state, app, &r, NULL) == STATE_OK) {
		o = rules_to_cjson(&r);
		if (o != NULL)
			put_stale(a, o);
		reply_json(rp, 200, o);
		return;
	}
	if (!is_stale(a)) {
		reply_error(rp, 404, NULL, "no rule for %s", app);
		return;
	}
	snprintf(msg, sizeof(msg), "no rule for %s", app);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	cJSON_AddNullToObject(o, "field");
	cJSON_AddBoolToObject(o, "stale", 1);
	reply_json(rp, 404, o);
}

/* The instance's place in a ZooKeeper ensemble of scalers (zkha.h);
 * a single scaler (local store) leads itself. */
static void
put_ha(struct rest *a, cJSON *o)
{
	struct zkha_status zs;

	if (a->cfg.zk == NULL) {
		cJSON_AddStringToObject(o, "role", "leader");
		cJSON_AddStringToObject(o, "store", "local");
		return;
	}
	zkha_status(a->cfg.zk, &zs);
	cJSON_AddStringToObject(o, "role", leader_role_str(zs.role));
	cJSON_AddStringToObject(o, "store", "zookeeper");
	cJSON_AddStringToObject(o, "instance_id", zs.instance_id);
	if (zs.leader_id[0] != '\0')
		cJSON_AddStringToObject(o, "leader_id", zs.leader_id);
	else
		cJSON_AddNullToObject(o, "leader_id");
	cJSON_AddBoolToObject(o, "zookeeper_connected", zs.connected);
	cJSON_AddNumberToObject(o, "leadership_changes",
	    (double)(zs.gains + zs.losses));
}

static void
list_rules(struct rest *a, struct httpd_reply *rp)
{
	struct rule *all;
	size_t n = state_rules(a->cfg.state, &all), i;
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "rules");

	for (i = 0; arr != NULL && i < n; i++)
		cJSON_AddItemToArray(arr, rules_to_cjson(&all[i]));
	free(all);
	put_stale(a, o);
	reply_json(rp, 200, o);
}

/* POST /v1/rules/{app_id}/backtest: the rest is backtest_rest.c's. */
static void
backtest_route(struct rest *a, struct httpd_reply *rp, const char *id,
    const struct httpd_request *rq)
{
	static const char sfx[] = "/backtest";
	size_t n = strlen(id);
	char app[RULES_APP_ID_MAX];
	struct rule r;

	if (n <= sizeof(sfx) - 1 || strcmp(id + n - (sizeof(sfx) - 1), sfx) !=
	    0) {
		rp->allow = "GET, HEAD, PUT, DELETE";
		reply_error(rp, 405, NULL, "POST is for "
		    "/v1/rules/{app_id}/backtest only");
		return;
	}
	n -= sizeof(sfx) - 1;
	if (n >= sizeof(app) - 1) {
		reply_error(rp, 400, "app_id", "too long");
		return;
	}
	memcpy(app, id, n);
	app[n] = '\0';
	if (rules_normalize_app_id(app, sizeof(app)) != 0) {
		reply_error(rp, 400, "app_id", "'%s' is not a Marathon app id",
		    app);
		return;
	}
	backtest_rest(a->cfg.backtest, app, state_get(a->cfg.state, app, &r,
	    NULL) == STATE_OK ? &r : NULL, rq, rp);
}

static void
one_rule(struct rest *a, struct httpd_reply *rp, unsigned method,
    const char *id, const struct httpd_request *rq)
{
	char app[RULES_APP_ID_MAX];

	if (method == HTTPD_M_POST) {
		backtest_route(a, rp, id, rq);
		return;
	}
	if (strlen(id) >= sizeof(app) - 1) {
		reply_error(rp, 400, "app_id", "too long");
		return;
	}
	str_copy_trunc(app, id, sizeof(app));
	if (rules_normalize_app_id(app, sizeof(app)) != 0) {
		reply_error(rp, 400, "app_id", "'%s' is not a Marathon app "
		    "id", id);
		return;
	}
	if (method == HTTPD_M_PUT) {
		put_rule(a, rp, app, rq, 0);
		return;
	}
	if (method == HTTPD_M_GET) {
		get_rule(a, rp, app);
		return;
	}
	if (method == HTTPD_M_DELETE) {
		delete_rule(a, rp, app, rq);
		return;
	}
	/* The core refuses other methods (405) before this runs. */
	rp->allow = "GET, HEAD, PUT, DELETE";
	reply_error(rp, 405, NULL, "method not allowed");
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

/* "last_round" of /v1/status. */
static void
put_last_round(struct scaler_stats *s, cJSON *o)
{
	cJSON *e = cJSON_AddObjectToObject(o, "last_round");

	if (e == NULL)
		return;
	cJSON_AddStringToObject(e, "mode", atomic_load(&s->last_round_fleet)
	    ? "fleet" : "per_rule");
	cJSON_AddNumberToObject(e, "wall_ms",
	    (double)atomic_load(&s->last_round_ms));
	cJSON_AddNumberToObject(e, "marathon_ms",
	    (double)atomic_load(&s->last_round_marathon_ms));
	cJSON_AddNumberToObject(e, "agents_ms",
	    (double)atomic_load(&s->last_round_agents_ms));
	cJSON_AddNumberToObject(e, "evaluation_ms",
	    (double)atomic_load(&s->last_round_eval_ms));
	cJSON_AddNumberToObject(e, "writes_ms",
	    (double)atomic_load(&s->last_round_writes_ms));
	cJSON_AddNumberToObject(e, "rules",
	    (double)atomic_load(&s->last_round_rules));
	cJSON_AddNumberToObject(e, "marathon_requests",
	    (double)atomic_load(&s->last_round_marathon_requests));
	cJSON_AddNumberToObject(e, "agent_hosts",
	    (double)atomic_load(&s->last_round_hosts));
	cJSON_AddNumberToObject(e, "agent_hosts_failed",
	    (double)atomic_load(&s->last_round_hosts_failed));
	cJSON_AddNumberToObject(e, "deferred_by_bounds",
	    (double)atomic_load(&s->last_round_deferred_bounds));
}

static void
status(struct rest *a, struct httpd_reply *rp)
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
	put_last_round(a->cfg.stats, o);
	put_ha(a, o);
	put_stale(a, o);
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
	reply_json(rp, 200, o);
}

static void
decisions_list(struct rest *a, struct httpd_reply *rp,
    const struct httpd_request *rq)
{
	const char *app = httpd_query(rq, "app");
	const char *lim = httpd_query(rq, "limit");
	size_t cap = decisions_capacity(a->cfg.decisions), n, i;
	uint64_t limit = REST_DECISIONS_DEFAULT;
	struct policy_decision *out;
	char id[RULES_APP_ID_MAX];
	cJSON *o, *arr;

	if (lim != NULL && (parse_u64(lim, &limit) != 0 || limit < 1 ||
	    limit > cap)) {
		reply_error(rp, 400, "limit", "must be a "
		    "whole number from 1 to %zu", cap);
		return;
	}
	if (app != NULL) {
		if (strlen(app) >= sizeof(id) - 1) {
			reply_error(rp, 400, "app", "too long");
			return;
		}
		str_copy_trunc(id, app, sizeof(id));
		if (rules_normalize_app_id(id, sizeof(id)) != 0) {
			reply_error(rp, 400, "app", "'%s' is "
			    "not a Marathon app id", app);
			return;
		}
	}
	out = calloc((size_t)limit, sizeof(*out));
	if (out == NULL) {
		reply_error(rp, 500, NULL,
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
	reply_json(rp, 200, o);
}

/* ---- /metrics (Prometheus text, docs/metrics.md) ---- */

/* One sample without labels and its HELP and TYPE lines, named
 * hoist_scaler_<name>. */
static void
put_metric(struct buf *b, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	buf_printf(b, "# HELP hoist_scaler_%s %s\n"
	    "# TYPE hoist_scaler_%s %s\n"
	    "hoist_scaler_%s %llu\n", name, help, name, type, name, v);
}

static void
put_counter(struct buf *b, const char *name, const char *help,
    unsigned long long v)
{
	put_metric(b, name, "counter", help, v);
}

static void
put_gauge(struct buf *b, const char *name, const char *help,
    unsigned long long v)
{
	put_metric(b, name, "gauge", help, v);
}

/* A counter of scaler_stats (stats.h). */
static void
put_stat(struct buf *b, const char *name, const char *help,
    atomic_uint_fast64_t *v)
{
	put_counter(b, name, help, (unsigned long long)atomic_load(v));
}

/* The decision records' way to the outputs (see stats.h). */
static void
put_output_metrics(struct scaler_stats *s, struct buf *b)
{
	put_stat(b, "decision_points_lost_total", "Decision points lost for "
	    "good (not encoded, refused or dropped by an output).",
	    &s->decision_points_lost);
	put_stat(b, "decision_encode_errors_total", "Decision records that "
	    "could not be encoded as line protocol.",
	    &s->decision_encode_errors);
	put_stat(b, "output_refused_total", "Writes of a round's decision "
	    "points that an output refused.", &s->output_refused);
	put_stat(b, "output_points_written_total", "Decision points the "
	    "outputs delivered.", &s->output_points_written);
	put_stat(b, "output_points_dropped_total", "Decision points the "
	    "outputs dropped.", &s->output_points_dropped);
	put_stat(b, "output_points_spooled_total", "Decision points the "
	    "outputs spooled to disk.", &s->output_points_spooled);
	put_stat(b, "output_write_errors_total", "Failed deliveries by the "
	    "outputs.", &s->output_write_errors);
}

/* The last round's figures and the fleet totals (stats.h). */
static void
put_round_metrics(struct scaler_stats *s, struct buf *b)
{
	static const char *const phase[] = { "marathon", "agents",
	    "evaluation", "writes" };
	int64_t ms[4];
	int i;

	ms[0] = atomic_load(&s->last_round_marathon_ms);
	ms[1] = atomic_load(&s->last_round_agents_ms);
	ms[2] = atomic_load(&s->last_round_eval_ms);
	ms[3] = atomic_load(&s->last_round_writes_ms);
	buf_printf(b, "# HELP hoist_scaler_last_round_phase_seconds Wall "
	    "time of each phase of the last fleet round.\n"
	    "# TYPE hoist_scaler_last_round_phase_seconds gauge\n");
	for (i = 0; i < 4; i++)
		buf_printf(b, "hoist_scaler_last_round_phase_seconds{phase="
		    "\"%s\"} %.3f\n", phase[i], (double)ms[i] / 1000.0);
	put_gauge(b, "last_round_agent_hosts", "Agent hosts asked in the "
	    "last round.", atomic_load(&s->last_round_hosts));
	put_gauge(b, "last_round_agent_hosts_failed", "Agent hosts that did "
	    "not answer in the last round.",
	    atomic_load(&s->last_round_hosts_failed));
	put_gauge(b, "last_round_deferred_by_bounds", "Scale decisions the "
	    "write bounds deferred in the last round.",
	    atomic_load(&s->last_round_deferred_bounds));
	put_gauge(b, "last_round_marathon_requests", "Requests to the "
	    "orchestrator in the last round.",
	    atomic_load(&s->last_round_marathon_requests));
	put_stat(b, "marathon_requests_total", "Requests to the orchestrator "
	    "(reads and scale requests).", &s->marathon_requests);
	put_stat(b, "marathon_bulk_errors_total", "Bulk reads of every app "
	    "that failed (error rounds).", &s->marathon_bulk_errors);
	put_stat(b, "agent_requests_total", "Requests to agent hosts in "
	    "fleet rounds (one per host per round).", &s->agent_requests);
	put_stat(b, "agent_request_failures_total", "Of those, the ones "
	    "without a usable answer.", &s->agent_failures);
	put_stat(b, "deferred_by_bounds_total", "Scale decisions deferred by "
	    "the write bounds.", &s->deferred_bounds);
}

/* hoist_scaler_leader always (a single scaler leads); the ZooKeeper
 * ones only with ZooKeeper. */
static void
put_ha_metrics(struct rest *a, struct buf *b)
{
	struct zkha_status zs;

	memset(&zs, 0, sizeof(zs));
	zs.role = LEADER_ROLE_LEADER;
	if (a->cfg.zk != NULL)
		zkha_status(a->cfg.zk, &zs);
	put_gauge(b, "leader", "1 while this instance evaluates and scales "
	    "(the leader), else 0.", zs.role == LEADER_ROLE_LEADER);
	if (a->cfg.zk == NULL)
		return;
	put_gauge(b, "zookeeper_connected", "1 while the ZooKeeper session is "
	    "connected.", zs.connected != 0);
	put_counter(b, "leadership_changes_total", "Times this instance "
	    "became or stopped being the leader.", zs.gains + zs.losses);
	put_counter(b, "zookeeper_sessions_total", "ZooKeeper sessions "
	    "established.", zs.sessions);
	put_counter(b, "zookeeper_expired_total", "ZooKeeper sessions lost "
	    "(expired).", zs.expired);
	put_counter(b, "fenced_total", "Scale requests not sent because this "
	    "instance had stopped leading.", zs.fenced);
}

/* The state store (state.h): writes, failures, skipped nodes, queue. */
static void
put_store_metrics(struct state *st, struct buf *b)
{
	struct state_stats ss;

	state_get_stats(st, &ss);
	put_counter(b, "store_writes_total", "Rule and state nodes written to "
	    "(or deleted from) the state store.", ss.writes);
	put_counter(b, "store_write_errors_total", "Node writes that failed "
	    "(the change was rolled back).", ss.write_errors);
	put_counter(b, "store_bad_nodes_total", "Nodes skipped because they "
	    "do not parse or validate (logged with their path).",
	    ss.bad_nodes);
	put_gauge(b, "store_pending", "Changes queued for the state store's "
	    "writer.", ss.pending);
}

/* The round's counters and the decisions by action. */
static void
put_eval_metrics(struct scaler_stats *s, struct buf *b)
{
	int i;

	put_stat(b, "rounds_total", "Evaluation rounds.", &s->rounds);
	put_stat(b, "evaluations_total", "Rules evaluated.",
	    &s->evaluations);
	buf_printf(b, "# HELP hoist_scaler_decisions_total Decisions by "
	    "action.\n# TYPE hoist_scaler_decisions_total counter\n");
	for (i = 0; i < STATS_ACTIONS; i++)
		buf_printf(b, "hoist_scaler_decisions_total{action=\"%s\"} "
		    "%llu\n", policy_action_str((enum policy_action)i),
		    (unsigned long long)atomic_load(&s->decisions[i]));
	put_stat(b, "scale_requests_total", "Scale requests sent to the "
	    "orchestrator.", &s->scale_requests);
	put_stat(b, "orchestrator_errors_total", "Failed orchestrator calls.",
	    &s->orchestrator_errors);
	put_stat(b, "metric_fetch_errors_total", "Failed metric fetches "
	    "(agents or InfluxDB).", &s->metric_fetch_errors);
	put_stat(b, "metric_invalid_total", "Task metric figures rejected: "
	    "not a number from 0 to 1000 %.", &s->metric_invalid);
}

static void
metrics(struct rest *a, struct httpd_reply *rp)
{
	struct scaler_stats *s = a->cfg.stats;
	struct buf b;

	buf_init(&b, 64 << 10);
	put_gauge(&b, "rules", "Rules registered.",
	    state_count(a->cfg.state));
	put_store_metrics(a->cfg.state, &b);
	put_eval_metrics(s, &b);
	put_output_metrics(s, &b);
	put_ha_metrics(a, &b);
	put_stat(&b, "api_requests_total", "REST requests.",
	    &s->api_requests);
	put_stat(&b, "api_unauthorized_total", "REST requests refused with "
	    "401.", &s->api_unauthorized);
	put_stat(&b, "api_client_errors_total", "REST requests answered with "
	    "another 4xx.", &s->api_client_errors);
	buf_printf(&b, "# HELP hoist_scaler_last_round_seconds Wall time "
	    "of the last evaluation round.\n"
	    "# TYPE hoist_scaler_last_round_seconds gauge\n"
	    "hoist_scaler_last_round_seconds %.3f\n",
	    (double)atomic_load(&s->last_round_ms) / 1000.0);
	put_round_metrics(s, &b);
	rp->status = 200;
	rp->content_type = "text/plain; version=0.0.4";
	buf_free(&rp->body);
	rp->body = b;
}

/*
 * 200 "ok"; with ZooKeeper, 503 until the rules were read once (the
 * ensemble not reached since start-up: the scaler is not ready).
 */
static void
healthz(struct rest *a, struct httpd_reply *rp)
{
	struct zkha_status zs;

	rp->content_type = "text/plain";
	if (a->cfg.zk != NULL) {
		zkha_status(a->cfg.zk, &zs);
		if (!zs.loaded) {
			rp->status = 503;
			if (buf_printf(&rp->body, "not ready: %s (retrying)\n",
			    zs.ever_connected ? "the rules are not read from "
			    "ZooKeeper yet" : "ZooKeeper not reached yet") < 0)
				rp->status = 500;
			return;
		}
	}
	rp->status = 200;
	if (buf_puts(&rp->body, "ok\n") != 0)
		rp->status = 500;
}

/* The core has checked path, token, method and body size. */
static void
route(void *ctx, const struct httpd_request *rq, struct httpd_reply *rp)
{
	struct rest *a = ctx;

	switch ((enum rest_route)rq->route) {
	case ROUTE_HEALTHZ:
		healthz(a, rp);
		return;
	case ROUTE_METRICS:
		metrics(a, rp);
		return;
	case ROUTE_RULES:
		if (rq->method == HTTPD_M_POST)
			put_rule(a, rp, NULL, rq, 1);
		else
			list_rules(a, rp);
		return;
	case ROUTE_RULE:
		one_rule(a, rp, rq->method, rq->id, rq);
		return;
	case ROUTE_STATUS:
		status(a, rp);
		return;
	case ROUTE_DECISIONS:
		decisions_list(a, rp, rq);
		return;
	}
	reply_error(rp, 404, NULL, "no such endpoint");
}

static void
count(void *ctx, unsigned status)
{
	struct rest *a = ctx;

	atomic_fetch_add(&a->cfg.stats->api_requests, 1);
	if (status == 401)
		atomic_fetch_add(&a->cfg.stats->api_unauthorized, 1);
	else if (status >= 400 && status < 500)
		atomic_fetch_add(&a->cfg.stats->api_client_errors, 1);
}

void
rest_set_token(struct rest *a, const char *token)
{
	httpd_set_token(a->httpd, token);
}

struct rest *
rest_start(const struct rest_config *cfg, char *err, size_t errlen)
{
	struct httpd_options ho;
	struct rest *a;

	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = *cfg;
	a->cfg.token = NULL;
	memset(&ho, 0, sizeof(ho));
	ho.name = "hoist-scaler";
	ho.listen = cfg->listen;
	ho.token = cfg->token;
	ho.tls_cert_file = cfg->tls_cert_file;
	ho.tls_key_file = cfg->tls_key_file;
	ho.max_connections = cfg->max_connections;
	ho.timeout_s = cfg->timeout_s;
	ho.routes = rest_routes;
	ho.nroutes = ARRAY_LEN(rest_routes);
	ho.handler = route;
	ho.on_reply = count;
	ho.ctx = a;
	a->httpd = httpd_start(&ho, err, errlen);
	if (a->httpd == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
rest_stop(struct rest *a)
{
	if (a == NULL)
		return;
	httpd_stop(a->httpd);
	free(a);
}

int
rest_port(const struct rest *a)
{
	return (int)httpd_port(a->httpd);
}
