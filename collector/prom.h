/*
 * prom.h — the container table as Prometheus text exposition, format
 * 0.0.4 (what GET /metrics serves).
 *
 * Metric names are cAdvisor's where cAdvisor has the figure
 * (container_cpu_usage_seconds_total, container_memory_working_set_bytes,
 * ...), so existing dashboards and alerts work unchanged; the collector's
 * own health is under hoist_collector_*.  The full list, with types and
 * labels, is in docs/metrics.md and in the table at the top of prom.c.
 *
 * Every series of a container carries the labels id, name, image and,
 * when known, marathon_app_id and mesos_task_id, plus one
 * container_label_<key> per selected container label (key reduced to
 * [a-zA-Z0-9_], as cAdvisor does; a key that collides after reduction
 * is left out).  Label values are escaped as the format requires: '\'
 * -> "\\", '"' -> "\"", newline -> "\n".
 *
 * A series is written only when the sample has the figure (its `have`
 * bit); a family with no series at all is left out, HELP and TYPE
 * included.  Families are written whole, one after the other, as the
 * format requires.
 *
 * Pure: the caller holds the table's lock.
 */
#ifndef HOIST_PROM_H
#define HOIST_PROM_H

#include "common/buf.h"
#include "collector/container.h"

/* prom.c */
/*
 * Append the whole exposition to out.  Returns 0, or -1 when out refused
 * an append (its cap); then what was appended is rolled back.
 */
int prom_render(const struct container_table *t, struct buf *out);
/* The label-value escaper on its own, appending to b; 0 or -1. */
int prom_escape_label(struct buf *b, const char *s);

#endif
