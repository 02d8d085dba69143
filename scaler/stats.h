/*
 * stats.h — the scaler's counters, shared by the evaluation loop (which
 * counts) and the REST API (which serves them on /metrics as
 * hoist_scaler_*).  Plain C11 atomics: no lock, any thread.
 */
#ifndef HOIST_STATS_H
#define HOIST_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "scaler/policy.h"

#define STATS_ACTIONS (POLICY_ERROR + 1)

struct scaler_stats {
	atomic_uint_fast64_t rounds;            /* evaluation rounds */
	atomic_uint_fast64_t evaluations;       /* rules evaluated */
	atomic_uint_fast64_t decisions[STATS_ACTIONS]; /* by action */
	atomic_uint_fast64_t scale_requests;    /* PUTs sent */
	atomic_uint_fast64_t orchestrator_errors;
	atomic_uint_fast64_t metric_fetch_errors; /* agents/influxdb failures */
	atomic_uint_fast64_t metric_invalid;    /* figures outside 0..1000 % */
	/*
	 * The decision records on their way to the outputs (round.c).
	 * decision_encode_errors: records that could not be turned into
	 * line protocol (no output got them).  output_refused: sink_write()
	 * calls an output refused (queue full, write failed).  output_*:
	 * the outputs' own counters (sinks/sink.h), summed over every
	 * output since start, read at the end of each round.
	 * decision_points_lost: points lost for good, all causes:
	 * encode errors times the outputs, plus the outputs' drops.
	 */
	atomic_uint_fast64_t decision_encode_errors;
	atomic_uint_fast64_t decision_points_lost;
	atomic_uint_fast64_t output_refused;
	atomic_uint_fast64_t output_points_written;
	atomic_uint_fast64_t output_points_dropped;
	atomic_uint_fast64_t output_points_spooled;
	atomic_uint_fast64_t output_write_errors;
	atomic_uint_fast64_t outputs;           /* gauge: outputs configured */
	atomic_uint_fast64_t api_requests;
	atomic_uint_fast64_t api_unauthorized;
	atomic_uint_fast64_t api_client_errors; /* other 4xx */
	atomic_int_fast64_t  last_round_ms;     /* wall time of the last round */
	/*
	 * The last round's figures (round.h).  A fleet round reads Marathon
	 * once (marathon_ms), asks every task host once (agents_ms), runs
	 * the policy (eval_ms) and sends the scale requests (writes_ms); a
	 * per-rule round (one rule, or an orchestrator without a bulk read)
	 * counts its per-app reads as marathon_ms and fetches as agents_ms.
	 */
	atomic_int           last_round_fleet;  /* 1 fleet, 0 per rule */
	atomic_int_fast64_t  last_round_marathon_ms;
	atomic_int_fast64_t  last_round_agents_ms;
	atomic_int_fast64_t  last_round_eval_ms;
	atomic_int_fast64_t  last_round_writes_ms;
	atomic_uint_fast64_t last_round_rules;      /* rules evaluated */
	atomic_uint_fast64_t last_round_hosts;      /* agent hosts asked */
	atomic_uint_fast64_t last_round_hosts_failed;
	atomic_uint_fast64_t last_round_deferred_bounds;
	atomic_uint_fast64_t last_round_marathon_requests;
	/* Totals since start. */
	atomic_uint_fast64_t marathon_requests;   /* reads and writes */
	atomic_uint_fast64_t marathon_bulk_errors;/* failed bulk reads */
	atomic_uint_fast64_t agent_requests;      /* fleet: per host */
	atomic_uint_fast64_t agent_failures;
	atomic_uint_fast64_t deferred_bounds;     /* by the write bounds */
	atomic_int_fast64_t  next_round_s;      /* unix time of the next one */
	atomic_int_fast64_t  interval_s;
	atomic_int           dry_run;           /* the daemon's --dry-run */
};

#endif
