/*
 * state.h — the rules and the safety state (last scale times, the
 * confirmation streak, the stabilization window, recent scale events) of
 * every app, kept in memory and persisted in one file, DIR/state.json.
 *
 * Writes are atomic: DIR/state.json.tmp is written, fsync'ed, renamed
 * over state.json, and the directory is fsync'ed, so a crash leaves the
 * old file or the new one, never half of one.  A state file that does
 * not parse, or holds an invalid rule, stops state_open() with the path
 * and the error: the scaler never starts silently with no rules.
 *
 * DIR/lock is held with flock(LOCK_EX) for the life of the struct, so a
 * second scaler on the same directory refuses to start.
 *
 * Thread-safe: every function takes the struct's mutex (the REST API and
 * the evaluation loop share one struct state).
 *
 * File format:
 *
 *     {"version": 1,
 *      "apps": [{"rule": {...rule JSON...},
 *                "history": {"last_up_s": 0, "last_down_s": 0,
 *                            "streak_dir": 0, "streak_n": 0,
 *                            "recs": [[t, n], ...],
 *                            "events": [[t, delta], ...]}}]}
 */
#ifndef HOIST_STATE_H
#define HOIST_STATE_H

#include <stddef.h>

#include "scaler/policy.h"
#include "scaler/rules.h"

#define STATE_FILE       "state.json"
#define STATE_LOCK_FILE  "lock"
#define STATE_RULES_MAX  10000
#define STATE_FILE_MAX   (64u << 20)

/* Append-only; strings in state_strerror(). */
enum state_result {
	STATE_OK = 0,
	STATE_E_NOT_FOUND,
	STATE_E_EXISTS,
	STATE_E_FULL,
	STATE_E_IO,
	STATE_E_NOMEM,
};

struct state;

/* state.c */
/*
 * Lock DIR (created if missing) and load DIR/state.json when it exists.
 * NULL on failure with err naming the path and the reason.
 */
struct state      *state_open(const char *dir, char *err, size_t errlen);
void               state_close(struct state *st);          /* NULL ok */
const char        *state_strerror(enum state_result r);
size_t             state_count(struct state *st);
/* Copy one app's rule (and history, when h is not NULL) out. */
enum state_result  state_get(struct state *st, const char *app_id,
	struct rule *r, struct policy_history *h);
/*
 * Store a (validated) rule, copied, and write the file.  With
 * `create_only`, an existing rule gives STATE_E_EXISTS.  *created says
 * whether the app was new.  A replaced rule keeps its history.  When the
 * write fails the change is rolled back and err says why.
 */
enum state_result  state_put(struct state *st, const struct rule *r,
	int create_only, int *created, char *err, size_t errlen);
/* Remove a rule and its history, and write the file. */
enum state_result  state_delete(struct state *st, const char *app_id,
	char *err, size_t errlen);
/*
 * Copy every rule out, sorted by app id, into a new array (*out, caller
 * frees with free()); returns the count.  NULL *out and 0 when empty or
 * out of memory.
 */
size_t             state_rules(struct state *st, struct rule **out);
/* Replace an app's history in memory (marks the state dirty). */
enum state_result  state_set_history(struct state *st, const char *app_id,
	const struct policy_history *h);
/* Write the file if something changed since the last write. */
enum state_result  state_flush(struct state *st, char *err, size_t errlen);

#endif
