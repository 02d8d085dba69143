/*
 * state.h — the rules and the safety state (last scale times, the
 * confirmation streak, the stabilization window, recent scale events) of
 * every app: one in-memory copy that every reader uses (REST, the
 * round), kept durable in a store (store.h: the local directory by
 * default; ZooKeeper is another backend behind the same ops).
 *
 * Writes: a change is made in memory at once and handed to the state's
 * writer thread, which applies it to the store (one node per app and
 * kind, so its cost does not grow with the number of rules) and then
 * calls the caller back.  The REST API answers a rule change only from
 * that callback: 2xx means durable.  A write that fails is rolled back
 * in memory (the rule as it was) and reported to its caller.  Until the
 * write is durable, readers (GET, the round) already see the change.
 * The writer holds the state's mutex only to pick up work and to record
 * results, never during the store's I/O, so reads never wait on a disk.
 *
 * Start-up: every node is read (store_ops.load_all).  A node that does
 * not parse or validate is logged with its path, counted
 * (state_get_stats, hoist_scaler_store_bad_nodes) and skipped: the other
 * apps are served.  The local backend migrates DIR/state.json of older
 * versions (kept as DIR/state.json.migrated); a state.json that does not
 * load stops start-up with the path and the reason.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef HOIST_STATE_H
#define HOIST_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "scaler/policy.h"
#include "scaler/rules.h"
#include "scaler/store.h"

#define STATE_FILE       "state.json"        /* before the store: migrated */
#define STATE_LOCK_FILE  "lock"
#define STATE_RULES_MAX  10000
#define STATE_BATCH_JOBS 256     /* changes the writer applies at once */

/* Append-only; strings in state_strerror(). */
enum state_result {
	STATE_OK = 0,
	STATE_E_NOT_FOUND,
	STATE_E_EXISTS,
	STATE_E_FULL,
	STATE_E_IO,
	STATE_E_NOMEM,
	STATE_PENDING,          /* queued: the callback will tell */
	STATE_E_CONFLICT,       /* another writer changed it (store) */
	STATE_E_UNAVAILABLE,    /* the store refuses writes for now */
};

/* Called once per queued change, from the writer thread, with no lock
 * held: STATE_OK (durable) or the error (rolled back) and why. */
typedef void (*state_done_fn)(void *arg, enum state_result r,
	const char *err);

struct state_stats {
	uint64_t writes;        /* nodes written or deleted */
	uint64_t write_errors;  /* nodes whose write failed */
	uint64_t bad_nodes;     /* nodes skipped at load or from a watch */
	uint64_t pending;       /* changes queued or being written */
	int      stale;         /* the store said STORE_HEALTH_STALE */
};

struct state;

/* state.c */
/*
 * The local store in DIR (created if missing, locked): state_open_store
 * with store_local_ops.
 */
struct state      *state_open(const char *dir, char *err, size_t errlen);
/*
 * Open the store `spec` with `ops`, load every node, start the writer.
 * NULL on failure with err naming the path and the reason.
 */
struct state      *state_open_store(const struct store_ops *ops,
	const char *spec, char *err, size_t errlen);
/* Write what is queued, stop the writer, close the store.  NULL ok. */
void               state_close(struct state *st);
const char        *state_strerror(enum state_result r);
size_t             state_count(struct state *st);
void               state_get_stats(struct state *st, struct state_stats *s);
/* Copy one app's rule (and history, when h is not NULL) out. */
enum state_result  state_get(struct state *st, const char *app_id,
	struct rule *r, struct policy_history *h);
/*
 * Store a (validated) rule, copied.  With `create_only`, an existing
 * rule gives STATE_E_EXISTS.  *created says whether the app was new.  A
 * replaced rule keeps its history.  Returns STATE_PENDING when queued
 * (then done(arg, ...) follows, maybe before this returns), or the error
 * at once (EXISTS, FULL, NOMEM; done is not called).
 */
enum state_result  state_put_async(struct state *st, const struct rule *r,
	int create_only, int *created, state_done_fn done, void *arg,
	char *err, size_t errlen);
/* Remove a rule and its history: STATE_PENDING or STATE_E_NOT_FOUND. */
enum state_result  state_delete_async(struct state *st, const char *app_id,
	state_done_fn done, void *arg, char *err, size_t errlen);
/* The same, waiting until the change is durable (or failed). */
enum state_result  state_put(struct state *st, const struct rule *r,
	int create_only, int *created, char *err, size_t errlen);
enum state_result  state_delete(struct state *st, const char *app_id,
	char *err, size_t errlen);
/*
 * Copy every rule out, sorted by app id, into a new array (*out, caller
 * frees with free()); returns the count.  NULL *out and 0 when empty or
 * out of memory.
 */
size_t             state_rules(struct state *st, struct rule **out);
/* Replace an app's history in memory (marks it for the next flush). */
enum state_result  state_set_history(struct state *st, const char *app_id,
	const struct policy_history *h);
/*
 * Write every history changed since the last flush.  Waits for those
 * that record a scale (last scale times, rate-limit events); the others
 * (streak, stabilization window) are written in the background, one such
 * write in flight and at most one started every store_ops.lazy_s seconds
 * (0: these too are waited for), and by state_close() at the latest.
 */
enum state_result  state_flush(struct state *st, char *err, size_t errlen);

#endif
