/*
 * decisions.h — the record of what the scaler decided: a ring buffer of
 * the latest decisions (GET /v1/decisions, newest first), the last
 * decision per app (GET /v1/status), and the two outside forms of a
 * decision: JSON and line protocol (measurement hoist_scaling).
 *
 * Thread-safe (one mutex): the evaluation loop adds, the REST API reads.
 */
#ifndef HOIST_DECISIONS_H
#define HOIST_DECISIONS_H

#include <stddef.h>

#include "common/buf.h"
#include "scaler/policy.h"

#define DECISIONS_DEFAULT_CAP 1000

struct decisions;

/* decisions.c */
/* A ring of `cap` records (0 = DECISIONS_DEFAULT_CAP); NULL on ENOMEM. */
struct decisions *decisions_new(size_t cap);
void              decisions_free(struct decisions *d);   /* NULL ok */
/* Copy a decision in (the oldest falls out when full). */
void              decisions_add(struct decisions *d,
	const struct policy_decision *dec);
/*
 * Copy up to `limit` decisions, newest first, into out[] (room for
 * `limit`), only those of `app_id` unless it is NULL.  Returns the count.
 */
size_t            decisions_query(struct decisions *d, const char *app_id,
	size_t limit, struct policy_decision *out);
/* The latest decision for app_id; 0, or -1 when none. */
int               decisions_last(struct decisions *d, const char *app_id,
	struct policy_decision *out);
/* Forget an app's last decision (its rule was deleted). */
void              decisions_forget(struct decisions *d, const char *app_id);
size_t            decisions_capacity(const struct decisions *d);
/* A decision as a new cJSON object (void * keeps cJSON out of here). */
void             *decisions_to_cjson(const struct policy_decision *dec);
/*
 * Append one line of line protocol:
 *   hoist_scaling,app_id=/shop/web,action=scale current=2i,desired=3i,
 *     running=2i,reason="...",cpu=91.5,mem=40,tasks_with_metrics=2i,
 *     tasks_total=2i TIMESTAMP_NS
 * cpu and mem are left out when unknown; the tag scaler=ID (the
 * instance that decided, with ZooKeeper) follows action when set.  Returns lp_end()'s value.
 */
int               decisions_to_lp(const struct policy_decision *dec,
	struct buf *out);

#endif
