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
 * Not thread-safe: one owner (the main loop).
 */
#ifndef HOIST_ROUND_H
#define HOIST_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "scaler/decisions.h"
#include "scaler/orch.h"
#include "scaler/source.h"
#include "scaler/state.h"
#include "scaler/stats.h"
#include "sinks/sink.h"

#define ROUND_BACKOFF_MAX_S 300
#define ROUND_SINKS_MAX     16

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
	/* Backoff per app after errors (owned; round_ctx_free()). */
	struct round_backoff *backoff;
	size_t               nbackoff, capbackoff;
	/* Rejected metric figures, logged with backoff (zero-initialise). */
	struct complain      invalid_log;
};

struct round_backoff {
	char    app_id[RULES_APP_ID_MAX];
	int     failures;
	int64_t retry_at_s;
};

/* round.c */
/* Evaluate one rule at `now` (unix s); the decision is also recorded. */
void round_evaluate(struct round_ctx *c, const struct rule *r, int64_t now,
	struct policy_decision *out);
/* Evaluate every rule once, then flush the state file. */
void round_run(struct round_ctx *c, int64_t now);
void round_ctx_free(struct round_ctx *c);   /* the backoff table only */

#endif
