/*
 * format.h — one container's sample as line protocol points.  Pure: the
 * caller passes the container, the sweep timestamp and the schema.
 *
 * Measurements (schema "hoist"; "telegraf" prefixes them with "docker_"
 * and adds Telegraf's engine_host tag, for dashboards built for
 * Telegraf's docker input):
 *   container_cpu     tag cpu=cpu-total|cpuN
 *   container_mem
 *   container_net     tag network=IFACE|total
 *   container_blkio   tag device=MAJ:MIN|total
 *   container_status  tag container_status=STATE
 * Tags on all: host, container_name, container_image, container_version,
 * runtime, marathon_app_id, mesos_task_id (when known), selected labels.
 * Field container_id on all.  Field names follow Telegraf's docker input.
 */
#ifndef HOIST_FORMAT_H
#define HOIST_FORMAT_H

#include "collector/container.h"
#include "common/buf.h"

enum schema {
	SCHEMA_HOIST,
	SCHEMA_TELEGRAF,
};

struct format_options {
	enum schema schema;
	int         percpu;          /* per-CPU points (v1) */
	uint64_t    host_mem_total;  /* limit stand-in for unlimited */
};

/* format.c */
/* Build the escaped "measurement-less" tag string of a container into
 * `tags` (",container_image=...,host=..."); called when meta changes. */
int  format_tags(const struct container_meta *m, const char *host,
	enum schema schema, struct buf *tags);
/* Append every point of one container. Returns the number of points,
 * or -1 if `out` is full (what was appended for it is rolled back). */
int  format_container(const struct container *c, const char *tags,
	size_t tags_len, int64_t ts_ns, const struct format_options *o,
	struct buf *out);
int  format_schema_parse(const char *s, enum schema *out);

#endif
