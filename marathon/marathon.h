/*
 * marathon.h — Marathon REST client (v2 API), used by hoist-scaler and
 * hoist-deploy.
 *
 * Two halves:
 *  - marathon_decode.c: pure functions.  App id rules, URL building, and
 *    decoders that turn one documented reply body into plain structs
 *    (shapes as in tests/fixtures/marathon/).  No I/O.
 *  - marathon.c: the client.  One struct marathon owns one http_client
 *    (keep-alive) and the credentials; it is not thread-safe: one owner.
 *
 * Every call returns an enum marathon_result and fills a struct
 * marathon_status with the HTTP status and Marathon's own message, so a
 * caller can log "409 locked by 5cd987cd-..." or "422 /instances: got -1,
 * expected 0 or more" without re-reading the body.
 *
 * Scaling never sends ?force=true: a locked app (a deployment in progress)
 * comes back as MARATHON_E_LOCKED with the deployment ids, and the caller
 * decides to wait.  Only marathon_put_app() takes a `force` argument,
 * for hoist-deploy's explicit --force.
 */
#ifndef HOIST_MARATHON_H
#define HOIST_MARATHON_H

#include <stddef.h>

#include "common/buf.h"

#define MARATHON_ID_MAX          256  /* bytes of an app id, with the NUL */
#define MARATHON_DEPLOYMENT_MAX  64   /* a deployment id (a UUID) */
#define MARATHON_VERSION_MAX     40   /* "2015-09-29T15:59:51.164Z" */
#define MARATHON_TASK_ID_MAX     256
#define MARATHON_HOST_MAX        256
#define MARATHON_MESSAGE_MAX     512
#define MARATHON_DEPLOYMENTS_MAX 16   /* deployment ids kept per app/reply */
#define MARATHON_TASKS_MAX       10000 /* tasks decoded per app */
#define MARATHON_LIST_MAX        10000 /* apps / deployments / versions */

/* Append-only; every value has a string in marathon_strerror(). */
enum marathon_result {
	MARATHON_OK = 0,
	MARATHON_E_LOCKED,       /* 409 with deployments[]: a deployment runs */
	MARATHON_E_CONFLICT,     /* 409 without deployments (e.g. app exists) */
	MARATHON_E_UNAUTHORIZED, /* 401 */
	MARATHON_E_FORBIDDEN,    /* 403 */
	MARATHON_E_NOT_FOUND,    /* 404 */
	MARATHON_E_INVALID,      /* 400 or 422: Marathon refused the body */
	MARATHON_E_SERVER,       /* 5xx or any other unexpected status */
	MARATHON_E_TRANSPORT,    /* no reply: connect, timeout, TLS, ... */
	MARATHON_E_DECODE,       /* a 2xx reply that is not the documented shape */
	MARATHON_E_BAD_ID,       /* the app id is not a valid Marathon path;
	                          * nothing was sent */
	MARATHON_E_NOMEM,
	MARATHON_E_CONFIG,       /* marathon_new(): bad URL or credentials file */
};

/* The outcome of one call beyond its result. */
struct marathon_status {
	long status;                                /* HTTP status, 0 if none */
	/* Marathon's "message", then "; PATH: ERROR" for each detail, or the
	 * transport error; empty when the reply had none. */
	char message[MARATHON_MESSAGE_MAX];
	/* On MARATHON_E_LOCKED: the deployments holding the app. */
	int  n_deployments;
	char deployments[MARATHON_DEPLOYMENTS_MAX][MARATHON_DEPLOYMENT_MAX];
	/* On a successful change (PUT): {deploymentId, version}. */
	char deployment_id[MARATHON_DEPLOYMENT_MAX];
	char version[MARATHON_VERSION_MAX];
};

/* Task health from its healthCheckResults. */
enum marathon_health {
	MARATHON_HEALTH_NONE = -1,   /* no results (no health checks, or not yet) */
	MARATHON_HEALTH_FAILING = 0, /* at least one result not alive */
	MARATHON_HEALTH_ALIVE = 1,   /* every result alive */
};

struct marathon_task {
	char id[MARATHON_TASK_ID_MAX];
	char host[MARATHON_HOST_MAX];
	char state[32];                       /* "TASK_RUNNING"; "" in old docs */
	char started_at[MARATHON_VERSION_MAX]; /* "" while staging */
	char version[MARATHON_VERSION_MAX];
	enum marathon_health health;
};

struct marathon_app {
	char   id[MARATHON_ID_MAX];
	long   instances;
	long   tasks_running, tasks_healthy, tasks_unhealthy, tasks_staged;
	double cpus, mem;                      /* per instance; 0 when absent */
	int    has_health_checks;              /* healthChecks non-empty */
	char   version[MARATHON_VERSION_MAX];
	/* versionInfo.lastConfigChangeAt: the version tasks started after the
	 * last configuration change carry ("" when absent). */
	char   config_version[MARATHON_VERSION_MAX];
	int    n_deployments;
	char   deployments[MARATHON_DEPLOYMENTS_MAX][MARATHON_DEPLOYMENT_MAX];
	size_t n_tasks;
	struct marathon_task *tasks;           /* owned; NULL when none */
};

struct marathon_deployment {
	char id[MARATHON_DEPLOYMENT_MAX];
	char version[MARATHON_VERSION_MAX];
	int  current_step, total_steps;
	int  n_apps;                           /* affectedApps, first few kept */
	char apps[4][MARATHON_ID_MAX];
	char action[40];                       /* currentActions[0].action */
};

/*
 * The bulk read, streamed (marathon_bulk.c, pure): the reply of
 * GET /v2/apps?embed=apps.tasks&embed=apps.deployments is fed in pieces
 * of any size as it arrives; each element of its "apps" array is
 * decoded (marathon_decode_app_object()) and handed to on_app as soon as
 * its closing brace arrives, then forgotten.  Memory is bounded by the
 * largest single app object, not by the reply; the reply as a whole may
 * not pass max_bytes.  The document must be exactly
 *     { "apps" : [ APP, APP, ... ] }
 * (whitespace allowed): anything else, a truncated reply, more than
 * MARATHON_LIST_MAX apps or an app that does not decode stops it with
 * err set.  The caller must treat apps already handed over as void when
 * the whole does not finish cleanly (never a partial snapshot).
 */
typedef int (*marathon_app_fn)(const struct marathon_app *app, void *ud);

struct marathon_bulk {
	marathon_app_fn on_app;     /* returns 0, or -1 to stop (err set) */
	void           *ud;
	size_t          max_bytes;
	size_t          seen;       /* bytes fed so far */
	size_t          napps;
	int             state;      /* private */
	int             depth, in_str, esc;
	char            key[8];
	size_t          keylen;
	int             failed;     /* sticky */
	struct buf      elem;       /* the app object being received */
	char            err[256];
};

struct marathon_options {
	const char *url;            /* "http://host:8080" (a path prefix is kept) */
	const char *user;           /* basic auth user, or NULL */
	const char *password_file;  /* its password: first line of this file */
	const char *token_file;     /* DC/OS token: "Authorization: token=..." */
	const char *ca_file;        /* TLS CA bundle, or NULL for the system's */
	int         insecure;       /* skip TLS verification (tests only) */
	long        timeout_ms;     /* per request; 0 = 10 s */
};

struct marathon;

/* marathon_decode.c — pure */
const char *marathon_strerror(enum marathon_result r);
/*
 * Is `id` a valid Marathon app id?  Marathon's rule (PathId): segments
 * separated by '/', each made of dot-separated labels of lowercase
 * letters, digits and hyphens that start and end with a letter or digit
 * ("web", "my-app", "v1.2").  We accept absolute ("/shop/web") and
 * relative ("shop/web") ids, refuse empty segments ("//", a trailing
 * '/'), and refuse the relative segments "." and "..", which Marathon
 * resolves against a base we do not have.  Returns 1 or 0; on 0, `err`
 * says why.
 */
int   marathon_id_valid(const char *id, char *err, size_t errlen);
/*
 * The one app-id normalizer (the scaler's rules, its REST paths and
 * hoist-deploy use it): "shop/web", "/shop/web" and "/shop/web/" all
 * become "/shop/web"; then marathon_id_valid() must hold.  -1 with err
 * (may be NULL) when invalid or too long for `out`.
 */
int   marathon_id_normalize(const char *id, char *out, size_t outlen,
	char *err, size_t errlen);
/* marathon_id_normalize() without the message. */
int   marathon_id_canonical(const char *id, char *out, size_t outlen);
/*
 * Build base + "/v2/apps" + canonical id + suffix (suffix may be NULL or
 * "/versions" ...).  The id's slashes stay slashes, as Marathon wants
 * (/v2/apps/minecraft/survival-world); a trailing '/' of base is dropped.
 * -1 when the id is invalid or the URL does not fit.
 */
int   marathon_app_url(const char *base, const char *id, const char *suffix,
	char *out, size_t outlen);
/* The result an HTTP status maps to; body (may be NULL) separates LOCKED
 * from CONFLICT for 409.  Fills st->status/message/deployments. */
enum marathon_result marathon_decode_error(long status, const char *body,
	size_t len, struct marathon_status *st);
/*
 * The decoders take a body of `len` bytes that must be followed by a NUL
 * (body[len] == '\0'), as struct buf and read_file() guarantee; text
 * after the JSON value is refused.  err gets a short reason on failure.
 */
/* {"app": {...}} (GET /v2/apps/{id}).  `out` is cleared first; free it
 * with marathon_app_free() whatever the result. */
enum marathon_result marathon_decode_app(const char *body, size_t len,
	struct marathon_app *out, char *err, size_t errlen);
/* One bare app object {"id": ..., "tasks": [...], ...} (an element of
 * the "apps" array); `out` as for marathon_decode_app(). */
enum marathon_result marathon_decode_app_object(const char *body,
	size_t len, struct marathon_app *out, char *err, size_t errlen);
/* {"apps": [...]}; *apps is a malloc'ed array of *n apps, freed with
 * marathon_apps_free(). */
enum marathon_result marathon_decode_apps(const char *body, size_t len,
	struct marathon_app **apps, size_t *n, char *err, size_t errlen);
/* {"deploymentId": "...", "version": "..."} into st. */
enum marathon_result marathon_decode_deployment_result(const char *body,
	size_t len, struct marathon_status *st);
/* [ {id, version, affectedApps, currentActions, currentStep, ...} ];
 * *deps malloc'ed (free()). */
enum marathon_result marathon_decode_deployments(const char *body, size_t len,
	struct marathon_deployment **deps, size_t *n, char *err, size_t errlen);
/* {"versions": ["...", ...]} newest first; *versions malloc'ed (free()). */
enum marathon_result marathon_decode_versions(const char *body, size_t len,
	char (**versions)[MARATHON_VERSION_MAX], size_t *n, char *err,
	size_t errlen);
/* Is the app `id` among dep's affected apps? (ids compared canonically) */
int   marathon_deployment_affects(const struct marathon_deployment *dep,
	const char *id);
void  marathon_app_free(struct marathon_app *a);     /* NULL ok; leaves a zeroed */
void  marathon_apps_free(struct marathon_app *apps, size_t n);

/* marathon_bulk.c — pure */
void marathon_bulk_init(struct marathon_bulk *b, size_t max_bytes,
	marathon_app_fn on_app, void *ud);
/* 0, or -1 with b->err (sticky: later calls fail at once). */
int  marathon_bulk_feed(struct marathon_bulk *b, const char *p, size_t n);
/* The end of the reply: 0 when the document was whole, else -1. */
int  marathon_bulk_finish(struct marathon_bulk *b);
void marathon_bulk_free(struct marathon_bulk *b);

/* marathon.c — the client */
/* Reads the password or token file now (first line, trailing blanks
 * dropped); the strings in `o` are copied.  NULL with `err` on failure. */
struct marathon *marathon_new(const struct marathon_options *o, char *err,
	size_t errlen);
void  marathon_free(struct marathon *m);              /* NULL ok */
const char *marathon_url(const struct marathon *m);   /* borrowed */
/* GET /v2/apps/{id} (tasks embedded).  *out as for marathon_decode_app. */
enum marathon_result marathon_get_app(struct marathon *m, const char *id,
	struct marathon_app *out, struct marathon_status *st);
/* GET /v2/apps?embed=apps.tasks. */
enum marathon_result marathon_list_apps(struct marathon *m,
	struct marathon_app **apps, size_t *n, struct marathon_status *st);
/*
 * GET /v2/apps?embed=apps.tasks&embed=apps.deployments[&id=FILTER],
 * streamed through b (initialised by the caller, max_bytes its cap).
 * id_filter (NULL or "": none) is Marathon's id filter: apps whose id
 * contains it.  MARATHON_E_DECODE with b->err in st->message when the
 * reply is not whole or not the documented shape (or over the cap).
 */
enum marathon_result marathon_list_apps_bulk(struct marathon *m,
	const char *id_filter, struct marathon_bulk *b,
	struct marathon_status *st);
/* PUT /v2/apps/{id} {"instances": N}; never forced.  On MARATHON_OK,
 * st->deployment_id and st->version are set. */
enum marathon_result marathon_scale(struct marathon *m, const char *id,
	long instances, struct marathon_status *st);
/*
 * marathon_scale() for n apps at once (at most `cap` requests in flight,
 * each with its own connection): res[i] and st[i] as marathon_scale()
 * gives for ids[i] -> instances[i].  Never forced.
 */
void  marathon_scale_many(struct marathon *m, size_t n,
	const char *const *ids, const long *instances, size_t cap,
	enum marathon_result *res, struct marathon_status *st);
/* PUT /v2/apps/{id} with `json` (borrowed) as the body: creates or
 * updates.  force adds ?force=true (hoist-deploy --force only). */
enum marathon_result marathon_put_app(struct marathon *m, const char *id,
	const char *json, size_t len, int force, struct marathon_status *st);
/* GET /v2/deployments. */
enum marathon_result marathon_list_deployments(struct marathon *m,
	struct marathon_deployment **deps, size_t *n, struct marathon_status *st);
/* GET /v2/apps/{id}/versions. */
enum marathon_result marathon_get_versions(struct marathon *m, const char *id,
	char (**versions)[MARATHON_VERSION_MAX], size_t *n,
	struct marathon_status *st);
/* GET /v2/apps/{id}/versions/{version}: the definition as Marathon stored
 * it, as a malloc'ed NUL-terminated JSON text (caller frees). */
enum marathon_result marathon_get_version(struct marathon *m, const char *id,
	const char *version, char **json, size_t *len,
	struct marathon_status *st);
/* GET /ping: MARATHON_OK when the reply is 200. */
enum marathon_result marathon_ping(struct marathon *m,
	struct marathon_status *st);

#endif
