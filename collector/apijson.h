/*
 * apijson.h — the JSON bodies of the collector's HTTP API, rendered from
 * the container table into a struct buf.  The shapes are documented field
 * by field in docs/api-collector.md; this is the one place that writes them.
 *
 * Conventions of every body:
 *   - A raw figure the sample does not have (its `have` bit is clear) is
 *     left out, key and all; a group with none of its figures is left out
 *     whole.  A derived percent that is undefined (no limit, or only one
 *     sample so far) is present and null.
 *   - Empty metadata strings (no Marathon app, no task id, no state) are
 *     null.
 *   - Times are RFC 3339 UTC strings with milliseconds, plus a number of
 *     the same instant where a program wants one.
 *
 * Everything here is pure: the caller holds the table's lock while a
 * function reads it, and passes `now_mono_ns` (CLOCK_MONOTONIC) where an
 * age is reported: ages are measured from t->sweep_mono_ns, times are
 * printed from the realtime t->sweep_ts_ns, so a step of the wall clock
 * moves the times and leaves the ages alone.  Output is appended to `out`; on failure what was appended is
 * rolled back.
 */
#ifndef HOIST_APIJSON_H
#define HOIST_APIJSON_H

#include <stdint.h>

#include "common/buf.h"
#include "collector/container.h"

/* Append-only; every value has a string in apijson_strerror(). */
enum apijson_result {
	APIJSON_OK = 0,
	APIJSON_NOT_FOUND,    /* no such container or app */
	APIJSON_AMBIGUOUS,    /* an id prefix matches several containers */
	APIJSON_TOO_BIG,      /* the reply would pass the buffer's cap */
	APIJSON_NOMEM,
};

/* The shortest id prefix accepted in place of a whole id (as docker). */
#define APIJSON_ID_PREFIX_MIN 12

/* apijson.c */
const char *apijson_strerror(enum apijson_result r);
/*
 * Find a container by exact id, or by a unique prefix of at least
 * APIJSON_ID_PREFIX_MIN bytes.  *idx is its index in t->c.
 */
enum apijson_result apijson_find(const struct container_table *t,
	const char *id, size_t *idx);
/* GET /v1/containers: an array of container objects. */
enum apijson_result apijson_containers(const struct container_table *t,
	struct buf *out);
/* GET /v1/containers/{id}: one container object (id as apijson_find). */
enum apijson_result apijson_container(const struct container_table *t,
	const char *id, struct buf *out);
/* GET /v1/apps: an array of app objects, sorted by app id. */
enum apijson_result apijson_apps(const struct container_table *t,
	int64_t now_mono_ns, struct buf *out);
/* GET /v1/apps/{id}: one app object (leading slashes of id optional). */
enum apijson_result apijson_app(const struct container_table *t,
	const char *app_id, int64_t now_mono_ns, struct buf *out);
/*
 * GET /healthz: {"status": ...}.  Healthy while the last sweep
 * (t->sweep_mono_ns; or, before the first, `since_mono_ns`: when the
 * collector started) is at most 3 intervals old on the monotonic clock.
 * *http_status gets 200 or 503.
 */
enum apijson_result apijson_health(const struct container_table *t,
	int64_t now_mono_ns, int64_t since_mono_ns, double interval_s,
	struct buf *out, int *http_status);
/* {"error": msg} */
enum apijson_result apijson_error(struct buf *out, const char *msg);
#endif
