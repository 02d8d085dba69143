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
	atomic_uint_fast64_t api_requests;
	atomic_uint_fast64_t api_unauthorized;
	atomic_uint_fast64_t api_client_errors; /* other 4xx */
	atomic_int_fast64_t  last_round_ms;     /* wall time of the last round */
	atomic_int_fast64_t  next_round_s;      /* unix time of the next one */
	atomic_int_fast64_t  interval_s;
	atomic_int           dry_run;           /* the daemon's --dry-run */
};

#endif
