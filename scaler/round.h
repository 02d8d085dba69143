/*
 * round.h — one evaluation round: for every rule, ask the orchestrator
 * for the app and its tasks, the metrics source for the tasks' figures,
 * the policy for a decision, and act on it through the orchestrator.
 * Every evaluation leaves one decision record (log, ring buffer, sinks).
 *
 * Acting, in words:
 *   - scale: PUT the new count (never forced).  409 locked -> the
 *     decision becomes `deferred` and the next round tries again.
 *   - 401/403/5xx or no reply -> `error` with the status and the
 *     orchestrator's message; the app is retried with a doubling backoff
 *     (one interval, two, four ... at most ROUND_BACKOFF_MAX_S).
 *   - dry_run (rule or daemon): decided, recorded, never sent.
 *
 * Two ways through a round:
 *   - fleet (two rules or more, an orchestrator with a bulk read): one
 *     read of every app (orch_snapshot(), narrowed to the rules' common
 *     id prefix when they share one), one metrics fetch for every task
 *     (source_fetch_all(): one request per agent host), the policy per
 *     rule, then the scale requests within the write bounds
 *     (bounds.h): the most loaded first, the rest `deferred`.  The lock
 *     check right before scaling is the PUT itself: never forced, so a
 *     deployment that started since the snapshot comes back as 409
 *     (-> `deferred`).  A bulk read that fails (no reply, an error
 *     status, not JSON, truncated, over max_reply_bytes) makes the round
 *     an error round: every rule gets `error` naming the cause, nothing
 *     is sent, one warning is logged (with backoff), the next round
 *     retries.  An app missing from the snapshot: `error` "app not
 *     found", no request.
 *   - per rule (one rule, or no bulk read): each rule reads its app, its
 *     agents, decides and acts in turn, as above without the bounds.
 *
 * Not thread-safe: one owner (the main loop).
 */
#ifndef HOIST_ROUND_H
#define HOIST_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "scaler/bounds.h"
#include "scaler/decisions.h"
#include "scaler/orch.h"
#include "scaler/source.h"
#include "scaler/state.h"
#include "scaler/stats.h"
#include "sinks/sink.h"

#define ROUND_BACKOFF_MAX_S 300
#define ROUND_SINKS_MAX     16
#define ROUND_REPLY_DEFAULT (256u << 20)
#define ROUND_REQUESTS_DEFAULT    20
#define ROUND_DEPLOYMENTS_DEFAULT 50

/*
 * Leadership, for scalers that share their state (zkha.h); NULL in
 * round_ctx: a single scaler, every round runs.  token() is asked when
 * a round starts (0: this instance does not lead, the round does
 * nothing); may_act() right before each scale request, with that token.
 */
struct round_leader {
	uint64_t (*token)(void *ctx);
	int      (*may_act)(void *ctx, uint64_t token);
	void      *ctx;
};

struct round_ctx {
	const struct orch   *orch;        /* borrowed, all of these */
	struct source       *source;
	struct state        *state;
	struct decisions    *decisions;
	struct scaler_stats *stats;
	struct sink         *sinks[ROUND_SINKS_MAX];
	size_t               nsinks;
	int                  dry_run;
	int64_t              interval_s;
	/* Fleet rounds; 0 = the default in brackets. */
	size_t               max_reply_bytes;   /* [256 MiB] bulk read cap */
	int                  max_requests;      /* [20] scale PUTs a round */
	int                  max_deployments;   /* [50] deployments at once */
	uint64_t             round_no;          /* rounds run (fairness) */
	uint64_t             round_requests;    /* Marathon, this round */
	/* One warning per round for a failed bulk read, and one for apps
	 * missing from it, each with backoff (zero-initialise). */
	struct complain      marathon_log;
	struct complain      missing_log;
	/* Backoff per app after errors (owned; round_ctx_free()). */
	struct round_backoff *backoff;
	size_t               nbackoff, capbackoff;
	/*
	 * Decision records lost on the way to the outputs: one complaint
	 * (logged with backoff) and the outputs' counters.  sink_last is
	 * what the current outputs said at the end of the last round;
	 * sink_base what outputs replaced by round_set_sinks() had said.
	 */
	struct complain      lost_complain;
	/* The current round's monotonic seconds: backoff and complaints
	 * run on it, so a wall-clock step cannot stall or hurry them. */
	int64_t              mono_s;
	uint64_t             encode_errors, encode_lost, refused;
	uint64_t             lost_seen;
	struct sink_stats    sink_base, sink_last;
	/* Rejected metric figures, logged with backoff (zero-initialise). */
	struct complain      invalid_log;
	/*
	 * High availability (borrowed; NULL: a single scaler).  A round
	 * runs only while this instance leads, and stops at the first
	 * refusal of may_act (`fenced`: the decision becomes `deferred`,
	 * nothing is sent, no history is written, the rest of the round is
	 * skipped).  scaler_id tags every decision record.
	 */
	const struct round_leader *leader;
	uint64_t             token;
	int                  fenced;
	uint64_t             rounds_skipped;  /* not the leader */
	char                 scaler_id[POLICY_SCALER_MAX];
};

/* What one round did, for /v1/status and /metrics (stats.h). */
struct round_figures {
	int      fleet;
	int64_t  marathon_ns, agents_ns, eval_ns, writes_ns;
	uint64_t rules, hosts, hosts_failed, deferred_bounds;
};

struct round_backoff {
	char    app_id[RULES_APP_ID_MAX];
	int     failures;
	int64_t retry_at_s;     /* monotonic seconds (round_run's mono_s) */
};

/* round.c */
/* Evaluate one rule at `now` (unix s); the decision is also recorded. */
void round_evaluate(struct round_ctx *c, const struct rule *r, int64_t now,
	struct policy_decision *out);
/*
 * Evaluate every rule once at `now` (unix seconds: the records and the
 * policy's history, which state.json keeps across restarts) and `mono_s`
 * (monotonic seconds: the per-app error backoff and the log backoff),
 * hand the decision records to the outputs, read the outputs' counters
 * into c->stats, then flush the state file.
 * A record an output refuses or that cannot be encoded is counted
 * (decision_points_lost) and logged with backoff, never silently lost.
 */
void round_run(struct round_ctx *c, int64_t now, int64_t mono_s);
/* Use these outputs from now on (borrowed; at most ROUND_SINKS_MAX).
 * The counters of the outputs they replace are kept in the totals. */
void round_set_sinks(struct round_ctx *c, struct sink *const *sinks,
	size_t n);
void round_ctx_free(struct round_ctx *c);   /* the backoff table only */
/*
 * The id filter of a fleet round's bulk read: the longest prefix all
 * rules' ids share, cut after its last '/' ("/shop/web" and "/shop/api"
 * give "/shop/"); "" when that is just "/" (read every app).  Marathon
 * filters by "id contains", so the reply may hold more apps, never
 * fewer.  Pure.
 */
void round_id_filter(const struct rule *rules, size_t n, char *out,
	size_t outlen);

#endif
