/*
 * policy.h — the decision engine: (rule, inputs, history, now) ->
 * decision.  Pure: no I/O, no clock, no globals.  The caller gathers the
 * app's state from the orchestrator and the metrics source, passes them
 * in with `now`, acts on the decision, and calls policy_record_scale()
 * once a scale really happened.
 *
 * Order of the checks in policy_evaluate():
 *   1. paused rule                        -> none
 *   2. deployment in progress             -> deferred
 *   3. running tasks lag the instance count -> deferred (wait)
 *   4. instances outside [min, max]       -> scale to the bound
 *   5. no metrics from any counted task   -> none ("no metrics")
 *   6. the mode's recommendation (threshold: step + confirm_cycles;
 *      target: HPA ratio, tolerance, stabilization, rate limits)
 *   7. clamp to [min, max]; cooldowns     -> none while cooling down
 *   8. dry_run (rule or caller)           -> dry_run instead of scale
 *
 * Counted tasks: healthy (or without health checks) and started at least
 * warmup_s ago.  Missing metrics (a counted task that reported nothing)
 * are treated as Kubernetes' HPA treats missing pods: they count as idle
 * (0 %) when deciding to scale up, and they never allow a scale-down.
 *
 * A figure outside [0, POLICY_PCT_MAX] percent (or not finite) is not a
 * measurement: no container uses more than ten times its limit for long,
 * and such a number from an agent or InfluxDB is a bug or an attack.  It
 * counts as missing, exactly as if the task had reported nothing (the
 * metrics source rejects and counts it first; the engine checks again so
 * it stays safe whatever its caller passes).
 */
#ifndef HOIST_POLICY_H
#define HOIST_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "scaler/rules.h"

#define POLICY_REC_MAX     64    /* stabilization history entries */
#define POLICY_EVENTS_MAX  16    /* remembered scale events (rate limits) */
#define POLICY_REASON_MAX  256
#define POLICY_PCT_MAX     1000.0 /* largest valid figure, percent of limit */

/* Append-only; every value has a string in policy_action_str(). */
enum policy_action {
	POLICY_NONE = 0,
	POLICY_SCALE,
	POLICY_DEFERRED,
	POLICY_DRY_RUN,
	POLICY_ERROR,
};

/* One task as the orchestrator and the metrics source see it. */
struct policy_task {
	int64_t started_s;   /* when it started running (unix s); 0 = unknown */
	int     healthy;     /* 1 healthy, 0 failing, -1 no health checks */
	int     has_cpu, has_mem;
	double  cpu, mem;    /* percent of the task's limit */
};

struct policy_input {
	int                        instances;   /* Marathon's desired count */
	int                        running;     /* tasks running */
	int                        deploying;   /* a deployment is in progress */
	char                       deployment_id[64]; /* for the reason */
	const struct policy_task  *tasks;       /* borrowed */
	size_t                     ntasks;
	int                        dry_run;     /* the daemon's --dry-run */
};

struct policy_rec {
	int64_t t;
	int     n;
};

struct policy_event {
	int64_t t;
	int     delta;       /* + up, - down */
};

/*
 * What safety needs to remember per app between evaluations (and across
 * restarts: state.c persists it).  Plain data; zero-initialise.
 */
struct policy_history {
	int64_t             last_up_s;      /* 0 = never */
	int64_t             last_down_s;
	int                 streak_dir;     /* threshold mode: +1, -1, 0 */
	int                 streak_n;
	struct policy_rec   recs[POLICY_REC_MAX];   /* ring, oldest first */
	int                 nrecs;
	struct policy_event events[POLICY_EVENTS_MAX];
	int                 nevents;
};

#define POLICY_SCALER_MAX 128

struct policy_decision {
	int64_t            time_s;
	char               app_id[RULES_APP_ID_MAX];
	int                current;
	int                desired;
	int                running;       /* tasks running at the time */
	enum policy_action action;
	char               reason[POLICY_REASON_MAX];
	int                has_cpu, has_mem;
	double             cpu, mem;      /* averages over counted tasks */
	int                tasks_with_metrics;
	int                tasks_total;
	/* The instance that decided (round.c; "" for a single scaler):
	 * the tag `scaler` of the record. */
	char               scaler[POLICY_SCALER_MAX];
};

/* policy.c */
/*
 * Evaluate one rule.  `h` is read and updated (confirmation streak,
 * stabilization history); everything else is borrowed read-only.  `out`
 * is cleared first and always filled.
 */
void        policy_evaluate(const struct rule *r,
	const struct policy_input *in, struct policy_history *h, int64_t now,
	struct policy_decision *out);
/* Remember that the app was scaled from `from` to `to` at `now`. */
void        policy_record_scale(struct policy_history *h, int64_t now,
	int from, int to);
const char *policy_action_str(enum policy_action a);
/* Parse the string form back; -1 when unknown. */
int         policy_action_parse(const char *s, enum policy_action *out);

#endif
