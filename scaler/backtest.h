/*
 * backtest.h — "what would this rule have done": replay a rule over a
 * recorded trace of an app's per-task CPU and memory figures, with the
 * daemon's own decision engine (policy_evaluate(), scaler/policy.c) and a
 * simulated instance count.
 *
 * The trace (struct backtest_trace) holds, per task (mesos_task_id), the
 * mean figure of each step [from + i*step, from + (i+1)*step); step i is
 * evaluated at its end, t_i = from + (i+1)*step.  A task is alive from its
 * first step with a figure to its last; a step inside that life without
 * a figure is a missing metric for that task.
 *
 * The model (docs/backtest.md, hoist-scaler(8) BACKTEST):
 *   - actual count A_i: the running tasks the live scaler recorded
 *     (hoist_scaling's `running`) at step i where it left records, the
 *     last record carrying over; elsewhere the tasks alive at step i (the
 *     last non-zero count carrying over steps where none is);
 *   - total demand of a metric: the mean over the tasks that reported it
 *     (R_i of them) times A_i;
 *   - with S simulated running tasks, each carries total / S (Kubernetes
 *     HPA's proportionality assumption), and round(S * R_i / A_i) of them
 *     report it (the share of missing figures is kept);
 *   - the simulation starts with S = the first step's A; a scale decided
 *     at t takes effect at t + scale_delay_s (until then the engine sees
 *     the new instance count with the old number running, as with a
 *     Marathon deployment, and defers); new tasks start then and are in
 *     warmup for the rule's warmup_s; a scale-down stops the newest;
 *   - the rule's full safety state (policy_history) is carried from step
 *     to step exactly as the daemon carries it between rounds; dry_run is
 *     ignored (every scale of a backtest is simulated), paused is kept.
 *
 * Pure: no I/O, no clock.  The InfluxDB reader is backtest_influx.c, the
 * plot backtest_svg.c, the command line backtest_cli.c.
 */
#ifndef HOIST_BACKTEST_H
#define HOIST_BACKTEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "scaler/policy.h"
#include "scaler/rules.h"

#define BACKTEST_TASK_ID_MAX     256      /* bytes incl. NUL */
#define BACKTEST_TASKS_MAX       100000   /* distinct tasks in one trace */
#define BACKTEST_DELAY_DEFAULT   30
#define BACKTEST_DELAY_MAX       86400
#define BACKTEST_STEP_MAX        86400
#define BACKTEST_TIME_MAX        9000000000LL  /* unix s (2255): in ns it
						* still fits an int64 */
#define BACKTEST_MAX_POINTS_DEFAULT 100000 /* steps of one backtest */
#define BACKTEST_FLAP_WINDOW_S   300      /* flaps of a rule without a
					   * stabilization window */

/* What a failure means to the caller: exit 2 / 400, exit 1 / 503, ... */
enum backtest_status {
	BACKTEST_OK = 0,
	BACKTEST_E_INPUT,    /* bad range, rule or flags; no data: exit 2, 400 */
	BACKTEST_E_SOURCE,   /* InfluxDB down or failing: exit 1, 503 */
	BACKTEST_E_NOMEM,    /* exit 1, 500 */
};

enum backtest_metric { BACKTEST_CPU = 0, BACKTEST_MEM = 1 };

/* One task's figures over its life; NAN where it reported nothing. */
struct backtest_task {
	char    id[BACKTEST_TASK_ID_MAX];
	size_t  first;          /* first step with a figure */
	size_t  n;              /* steps [first, first + n) */
	size_t  cap;
	float  *fig[2];         /* [BACKTEST_CPU], [BACKTEST_MEM]; owned */
};

struct backtest_trace {
	int64_t               from_s, to_s, step_s;
	size_t                nsteps;
	struct backtest_task *tasks;       /* owned */
	size_t                ntasks, cap;
	size_t                figures;     /* figures stored */
	size_t                invalid;     /* figures refused (range) */
	size_t                last;        /* lookup cache */
	/* The live scaler's own count of running tasks per step, from its
	 * hoist_scaling records (-1: none in that step); NULL when none at
	 * all.  Owned. */
	int32_t              *recorded;
	size_t                nrecorded;   /* steps with a record */
};

struct backtest_options {
	int64_t scale_delay_s;  /* 0..BACKTEST_DELAY_MAX */
};

/* One simulated decision of the timeline (action scale). */
struct backtest_event {
	struct policy_decision d;  /* time, from (current) -> to (desired) */
	int                    actual;   /* A at that step */
};

struct backtest_summary {
	size_t  steps;
	size_t  steps_no_data;     /* no figure from any task */
	int     scale_ups, scale_downs;
	int     flaps;             /* direction changes within
				    * stabilization_s (or, when 0,
				    * BACKTEST_FLAP_WINDOW_S) of the
				    * last scale */
	int     largest_step;      /* |to - from| of the largest scale */
	int     deferred;          /* evaluations deferred (scale delay) */
	int     start_instances;
	int     end_simulated, end_actual;
	int     max_simulated, max_actual;
	size_t  steps_recorded;    /* steps whose A came from a record */
	double  instance_hours_simulated, instance_hours_actual;
	int64_t above_s;           /* simulated per-task figure above the
				    * rule's threshold (above) or target */
};

struct backtest_result {
	struct backtest_event *events;   /* owned */
	size_t                 nevents, cap;
	/* Per step (nsteps entries, owned): the measured mean, the
	 * simulated per-task figure (NAN: none), A and S. */
	float                 *measured[2];
	float                 *simulated[2];
	int32_t               *actual;
	int32_t               *sim;
	struct backtest_summary sum;
};

/* backtest.c */
/*
 * An empty trace for [from, to) at `step` seconds (to - from a multiple
 * of step is not required: the last partial step is dropped).  0, or
 * BACKTEST_E_INPUT with err naming the cause (from >= to, step out of
 * 1..BACKTEST_STEP_MAX, over max_points steps).
 */
int  backtest_trace_init(struct backtest_trace *tr, int64_t from_s,
	int64_t to_s, int64_t step_s, int64_t max_points, char *err,
	size_t errlen);
void backtest_trace_free(struct backtest_trace *tr);     /* NULL ok */
/* The index of task `id` (added when new), or -1 (out of memory, too
 * many tasks, id too long). */
long backtest_trace_task(struct backtest_trace *tr, const char *id);
/*
 * Record task k's figure of metric m for the step starting at t_s.
 * 0 stored; 1 ignored (t_s outside the range, or the figure outside
 * [0, POLICY_PCT_MAX]: counted in tr->invalid); -1 out of memory.
 */
int  backtest_trace_set(struct backtest_trace *tr, long k,
	enum backtest_metric m, int64_t t_s, double v);
/*
 * Record the live scaler's count of running tasks for the step starting
 * at t_s (the last one given for a step wins).  0 stored; 1 ignored (out
 * of range, or not a count from 0 to RULES_MAX_INSTANCES); -1 out of
 * memory.
 */
int  backtest_trace_set_count(struct backtest_trace *tr, int64_t t_s,
	double running);
/*
 * Replay rule r over tr.  0 with res filled (free with
 * backtest_result_free()), or BACKTEST_E_INPUT (no figure in the range,
 * an invalid rule) / BACKTEST_E_NOMEM with err.
 */
int  backtest_run(const struct rule *r, const struct backtest_trace *tr,
	const struct backtest_options *o, struct backtest_result *res,
	char *err, size_t errlen);
void backtest_result_free(struct backtest_result *res);   /* NULL ok */
const char *backtest_status_str(enum backtest_status s);

/* The outputs; each appends to out and returns 0, or -1 (out of room). */
/* JSON object (cJSON *, caller deletes): rule, range, summary,
 * timeline. */
void *backtest_to_cjson(const struct rule *r, const struct backtest_trace *tr,
	const struct backtest_options *o, const struct backtest_result *res);
int  backtest_to_text(const struct rule *r, const struct backtest_trace *tr,
	const struct backtest_options *o, const struct backtest_result *res,
	struct buf *out);
/* One hoist_backtest point per timeline entry. */
int  backtest_to_lp(const struct rule *r, const struct backtest_result *res,
	struct buf *out);

/* backtest_svg.c */
/* One self-contained SVG document: the metric(s) with the rule's
 * thresholds or target band, actual vs simulated instances, markers. */
int  backtest_to_svg(const struct rule *r, const struct backtest_trace *tr,
	const struct backtest_result *res, struct buf *out);

/* backtest_influx.c — the trace from InfluxDB (see that file). */
#define BACKTEST_INFLUX_CHUNK    2000          /* steps per query */
#define BACKTEST_INFLUX_BODY_MAX (256u << 20)  /* one reply */
/* The InfluxQL of [a_s, b_s) for app_id; -1 when it does not fit. */
int  backtest_influx_query(const char *app_id, int64_t a_s, int64_t b_s,
	int64_t step_s, char *out, size_t outlen);
/*
 * Decode one /query reply (epoch=s) into tr: statement 0 CPU, 1 memory,
 * 2 the live scaler's running count (hoist_scaling).
 * The count of figures stored; -1 for a reply that is not a complete
 * query result (an error, partial, not JSON) and -2 out of memory, with
 * err.
 */
int  backtest_decode_influx(const char *body, size_t len,
	struct backtest_trace *tr, char *err, size_t errlen);
struct source;
/* Fill tr from s (an influxdb source); *query_s is the time it took.
 * Checked between two queries, a non-zero *cancel (NULL: none) stops it.
 * BACKTEST_OK, or BACKTEST_E_SOURCE / _NOMEM / _INPUT with err. */
int  backtest_influx_load(struct source *s, const char *app_id,
	struct backtest_trace *tr, atomic_int *cancel, double *query_s,
	char *err, size_t errlen);

/* backtest_exec.c — one backtest from request to result (CLI, REST). */
#define BACKTEST_TIMEOUT_MS 60000   /* one InfluxDB query, whole */

/* Where and how: the scaler's settings (copied strings). */
struct backtest_env {
	char    influx_url[1024];       /* source_influxdb_url; "" = none */
	char    influx_db[256];
	char    influx_user[256];
	char    influx_password[512];
	long    timeout_ms;             /* 0: BACKTEST_TIMEOUT_MS */
	int64_t interval_s;             /* the default step */
	int64_t max_points;             /* backtest_max_points */
	/* REST only (NULL on the command line): backtests running, and
	 * set when the scaler stops (a running one ends between two
	 * InfluxDB queries).  The daemon's; borrowed. */
	atomic_int *busy;
	atomic_int *cancel;
};

struct backtest_request {
	struct rule rule;
	int         has_rule;           /* JSON: the body had one */
	int64_t     from_s, to_s;
	int64_t     step_s;             /* 0: env->interval_s */
	int64_t     scale_delay_s;
};

struct backtest_outcome {
	struct backtest_trace  tr;
	struct backtest_result res;
	double                 query_s, replay_s;
};

/*
 * A time as the command line and the REST body take it: RFC 3339, unix
 * seconds, "now", "now-DURATION" or "-DURATION" (N followed by s, m, h,
 * d or w).  0, or -1.
 */
int  backtest_parse_time(const char *s, int64_t now_s, int64_t *out);
void backtest_request_init(struct backtest_request *rq);
/*
 * The REST body {"from": T, "to": T, "step_s": N, "scale_delay_s": N,
 * "rule": {...}} (rule optional: has_rule says).  0, or -1 with err and
 * field naming the member at fault.
 */
int  backtest_request_from_json(const char *body, size_t len,
	const char *path_id, int64_t now_s, struct backtest_request *rq,
	char *field, size_t flen, char *err, size_t errlen);
/* Load the trace from InfluxDB and replay.  BACKTEST_OK with oc filled
 * (backtest_outcome_free()), or a backtest_status with err. */
int  backtest_execute(const struct backtest_env *env,
	const struct backtest_request *rq, struct backtest_outcome *oc,
	char *err, size_t errlen);
void backtest_outcome_free(struct backtest_outcome *oc);

/* backtest_cli.c — hoist-scaler backtest (see hoist-scaler(8)). */
struct backtest_cli {
	const char *app, *rule_file, *from, *to, *format, *plot;
	const char *step, *scale_delay;
};
/*
 * Take the backtest's own flags out of argv[1..argc) into cli; the rest
 * (the scaler's -c FILE and --KEY VALUE) go to rest[0..*nrest), with
 * rest[0] = argv[0].  rest has room for argc entries.  0, or -1 with err.
 */
int  backtest_cli_split(int argc, char **argv, struct backtest_cli *cli,
	char **rest, int *nrest, char *err, size_t errlen);
/*
 * Where the CLI finds the app's stored rule (no --rule).  ops NULL: the
 * local state directory `spec`, its rules/<name>.json (or an older
 * state.json) read without the lock the daemon holds.  Else a store
 * backend (store.h) opened on spec, read once (load_all) and closed:
 * nothing is written.  For ZooKeeper the caller starts a read-only
 * session first (zkha.h, read_only: no election, no node created) and
 * stops it after backtest_cli_run() returns.
 */
struct store_ops;
struct backtest_store {
	const struct store_ops *ops;
	const char             *spec;
};
/*
 * The app's (normalized id) stored rule from src: 0 with r; -1 with err
 * when there is none or it does not decode or validate (err names the
 * file or node); -2 with err when the store cannot be read (a backend
 * out of reach, or that says its copy is stale).
 */
int  backtest_stored_rule(const struct backtest_store *src, const char *app,
	struct rule *r, char *err, size_t errlen);
/* Run it; the exit status (0; 1 InfluxDB or the store out of reach, or
 * I/O; 2 bad input, no stored rule). */
int  backtest_cli_run(const struct backtest_cli *cli,
	const struct backtest_env *env, const struct backtest_store *src);

/* backtest_rest.c — POST /v1/rules/{app_id}/backtest, for rest.c: the
 * request deferred, the backtest on a thread of its own.  env NULL: 503;
 * stored: the app's rule (copied), or NULL. */
#define BACKTEST_REST_MAX 2    /* backtests at once; more: 503 */
struct httpd_reply;
struct httpd_request;
void backtest_rest(const struct backtest_env *env, const char *app_id,
	const struct rule *stored, const struct httpd_request *rq,
	struct httpd_reply *rp);

#endif
