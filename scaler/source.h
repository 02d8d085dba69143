/*
 * source.h — per-task CPU and memory figures for one app, from the
 * agents (each task host's hoist-collector) or from InfluxDB.
 *
 * agents: one GET http://HOST:PORT/v1/apps{app_id} per distinct host of
 *   the app's tasks, all at once (libcurl multi interface), each with its
 *   own timeout.  The reply is the collector's app object:
 *       {"id": "/shop/web", "host": "...", "task_count": 2,
 *        "tasks": [{"mesos_task_id": "shop_web.1f...",
 *                   "cpu_percent_of_limit": 91.5,
 *                   "mem_percent_of_limit": 40.2, ...}, ...], ...}
 *   Tasks are matched by mesos_task_id; a null figure, a 404, an
 *   unreachable or slow agent leave that host's tasks without metrics.
 *
 * influxdb: one GET /query?db=DB&q=... (InfluxDB 1.x) with two
 *   statements, the mean over the last `window_s` seconds of
 *   container_cpu.usage_percent_of_limit and container_mem.usage_percent,
 *   filtered by tag marathon_app_id and grouped by tag mesos_task_id.
 *
 * Each kind is a const struct source_ops in its own file
 * (source_agents.c, source_influxdb.c); source.c holds the registry, the
 * wrappers and the HTTP transfers both share (source_impl.h).  The
 * decoders are pure and tested on their own; a struct source is not
 * thread-safe (one owner: the evaluation loop).
 */
#ifndef HOIST_SOURCE_H
#define HOIST_SOURCE_H

#include <stddef.h>

#include "scaler/orch.h"

#define SOURCE_AGENT_PORT     9108
#define SOURCE_BODY_MAX       (4u << 20)

struct source_options {
	const char      *kind;            /* a source's name: "agents" ... */
	int              agent_port;      /* agents: the collectors' port */
	const char      *agent_token;     /* agents: Bearer token, or NULL */
	long             timeout_ms;      /* per request */
	const char      *influx_url;      /* "http://127.0.0.1:8086" */
	const char      *influx_db;
	const char      *influx_user;     /* NULL: no auth */
	const char      *influx_password;
	long             window_s;        /* influxdb: mean over this window */
	int              concurrency;     /* agents, fleet rounds: requests
	                                   * at once; 0 = 64 */
};

/* What one fleet fetch did (source_fetch_all()). */
struct source_round {
	size_t hosts;          /* distinct hosts asked = requests made */
	size_t hosts_failed;   /* no answer, not 200, or not the shape */
};

/*
 * One task in, its figures out.  A figure that is not a number inside
 * [0, POLICY_PCT_MAX] percent (policy.h) is rejected: the task is then
 * without that metric, as if it had reported nothing, and the rejection
 * is counted in `invalid` with the first one's field and value, for the
 * caller to log and count (hoist_scaler_metric_invalid_total).  null or
 * an absent figure is no figure, not an invalid one.
 */
struct source_task {
	const struct orch_task *task;     /* borrowed: id and host */
	int                     has_cpu, has_mem;
	double                  cpu, mem; /* percent of the task's limit */
	int                     invalid;  /* figures rejected */
	const char             *invalid_field;  /* static string */
	double                  invalid_value;  /* NaN: not a number */
};

struct source;

/*
 * One kind of source: a const table per file, found by name
 * (source_ops_find()), so a third source is one more file.  Callers go
 * through source_new() / source_fetch() / source_free(), never s->ops.
 */
struct source_ops {
	const char *name;
	/* Take what this kind needs from o (borrowed) into s: s->o holds a
	 * copy with the defaults applied, s->multi is ready.  0, or -1
	 * with err naming the config key at fault. */
	int  (*init)(struct source *s, const struct source_options *o,
	    char *err, size_t errlen);
	/* Fill the figures of tasks[0..n) (cleared, n > 0); the number of
	 * failed requests, err describing the first. */
	int  (*fetch)(struct source *s, const char *app_id,
	    struct source_task *tasks, size_t n, char *err, size_t errlen);
	/* Fleet rounds: the figures of tasks[0..n) of many apps at once
	 * (cleared, n > 0); NULL when the kind can only go app by app.
	 * The number of failed requests, err describing the first. */
	int  (*fetch_all)(struct source *s, struct source_task *tasks,
	    size_t n, struct source_round *r, char *err, size_t errlen);
	/* Free what init kept in s->priv; NULL when nothing. */
	void (*free)(struct source *s);
};

/* The kinds, one per file. */
extern const struct source_ops source_agents_ops;    /* source_agents.c */
extern const struct source_ops source_influxdb_ops;  /* source_influxdb.c */

/* source.c */
/* o is borrowed (strings copied); NULL with err for an unknown kind or
 * settings the kind refuses. */
struct source *source_new(const struct source_options *o, char *err,
	size_t errlen);
void           source_free(struct source *s);          /* NULL ok */
/*
 * Fill the figures of tasks[0..n) of app_id (figures cleared first).
 * Returns the number of failed requests (0 = every request answered);
 * err describes the first failure.
 */
int            source_fetch(struct source *s, const char *app_id,
	struct source_task *tasks, size_t n, char *err, size_t errlen);
/*
 * Fleet rounds (round.h): the figures of tasks[0..n) of every app of the
 * round in one go.  agents: one GET http://HOST:PORT/v1/apps per
 * distinct host (the collector's every-app reply, docs/api-collector.md),
 * at most `concurrency` at once through one libcurl multi handle, each
 * bounded by timeout_ms; a host that is down or slow costs its timeout
 * once and leaves its tasks without metrics.  A reply's task matches
 * only a task placed on that host.  Returns the failed requests (err:
 * the first); *r says how many hosts were asked and failed.  -1 when
 * the kind has no bulk form (use source_fetch() per app).
 */
int            source_fetch_all(struct source *s, struct source_task *tasks,
	size_t n, struct source_round *r, char *err, size_t errlen);
int            source_has_fetch_all(const struct source *s);
/* The kind named `name`, or NULL. */
const struct source_ops *source_ops_find(const char *name);
/* The kinds' names for a message: "agents, influxdb". */
void           source_kinds(char *out, size_t outlen);
const char    *source_name(const struct source *s);

/* Pure decoders: fill matching tasks; return the count matched or -1
 * when the body is not the documented shape. */
/* source_agents.c */
int            source_decode_agent(const char *body, size_t len,
	struct source_task *tasks, size_t n);
/* The collector's GET /v1/apps reply ([app, ...]) from host `host`:
 * fill the tasks of tasks[0..n) placed on that host (by mesos_task_id,
 * through `index`, see source_impl.h); the count matched or -1. */
struct source_task_index;
int            source_decode_agent_all(const char *body, size_t len,
	const char *host, const struct source_task_index *index,
	struct source_task *tasks, size_t n);
/* source_influxdb.c */
int            source_decode_influx(const char *body, size_t len,
	struct source_task *tasks, size_t n);
/* The InfluxQL text for an app (into out); -1 when it does not fit. */
int            source_influx_query(const char *app_id, long window_s,
	char *out, size_t outlen);

/* POST /query of an influxdb source's InfluxDB with InfluxQL q, the
 * reply into body (the caller's buffer and cap); 0 for a 200, -1 with
 * err (source_influxdb.c). */
struct buf;
int            source_influx_ask(struct source *s, const char *q,
	struct buf *body, char *err, size_t errlen);

#endif
