/*
 * rest.h — hoist-scaler's REST API (libmicrohttpd, JSON).
 *
 *   POST   /v1/rules              create (body has app_id): 201, 409
 *   GET    /v1/rules              {"rules": [...]}
 *   PUT    /v1/rules/{app_id}     create or replace: 201 or 200
 *   GET    /v1/rules/{app_id}     the rule, 404
 *   DELETE /v1/rules/{app_id}     204, 404
 *   POST   /v1/rules/{app_id}/backtest  replay a rule (backtest_rest.c)
 *   GET    /v1/status             per rule: instances, metrics, last decision
 *   GET    /v1/decisions?app=ID&limit=N   newest first
 *   GET    /healthz               "ok"; 503 with ZooKeeper until the
 *                                  rules were read once
 *
 * With ZooKeeper (zkha.h) /v1/status carries role (leader | follower |
 * no-quorum), instance_id, leader_id; GET /v1/rules, GET
 * /v1/rules/{app_id} (its 200 and its 404) and /v1/status carry
 * "stale": true while the store is out of reach (served from the last
 * copy); writes then get 503.
 *   GET    /metrics               Prometheus text, hoist_scaler_*
 *
 * App ids keep their slashes in the path (/v1/rules/shop/web is the app
 * "/shop/web").  Errors are JSON: {"error": "...", "field": "..."|null}.
 * With a token set, every request but /healthz and /metrics needs
 * "Authorization: Bearer TOKEN" or gets 401.  Listen, token, TLS, body
 * cap (413), timeouts and connection caps are the core's
 * (common/httpd.h, docs/http-api.md).
 *
 * The server runs its own thread; everything it reads is shared through
 * the thread-safe state, decisions and stats (borrowed; they must outlive
 * the server).
 */
#ifndef HOIST_REST_H
#define HOIST_REST_H

#include <stddef.h>

#include "scaler/backtest.h"
#include "scaler/decisions.h"
#include "scaler/state.h"
#include "scaler/stats.h"

#include "common/httpd.h"

#define REST_TOKEN_MAX HTTPD_TOKEN_MAX

/* listen, token, TLS and limits as in struct httpd_options. */
struct rest_config {
	const char          *listen;      /* "127.0.0.1:8090", "[::1]:0" */
	const char          *token;       /* NULL or "": no auth; copied */
	const char          *tls_cert_file; /* NULL or "": plain HTTP */
	const char          *tls_key_file;
	unsigned             max_connections; /* 0: the core's default */
	unsigned             timeout_s;   /* 0: the core's default */
	struct state        *state;
	struct decisions    *decisions;
	struct scaler_stats *stats;
	struct zkha         *zk;          /* NULL: a single scaler */
	const struct backtest_env *backtest;  /* NULL: backtest answers 503 */
};

struct rest;

/* rest.c */
/* Bind and start serving; NULL with err on failure. */
struct rest *rest_start(const struct rest_config *cfg, char *err, size_t errlen);
void        rest_stop(struct rest *a);                     /* NULL ok */
/* Replace the token (SIGHUP); NULL or "" turns auth off.  Copied. */
void        rest_set_token(struct rest *a, const char *token);
/* The port actually bound (useful with port 0). */
int         rest_port(const struct rest *a);

#endif
