/*
 * discover.h — find the containers in the cgroup tree.  One pass reads a
 * few directories under the discovery root (cpuacct on v1, the unified
 * root on v2), never the whole tree:
 *
 *   docker/<64 hex>                      Docker, cgroupfs driver
 *   system.slice/docker-<64 hex>.scope   Docker, systemd driver
 *   mesos/<container id>                 Mesos containerizer (v1; on v2
 *                                        the processes sit in .../leaf,
 *                                        the stats are read at mesos/<id>)
 *   each extra prefix the operator names (glob(3) patterns relative to
 *   the root, e.g. "system.slice/nginx.service" or a pattern with a star
 *   before ".service"), as runtime "cgroup"
 */
#ifndef HOIST_DISCOVER_H
#define HOIST_DISCOVER_H

#include "collector/container.h"

#define DISCOVER_PREFIX_MAX 16

struct discovered {
	enum runtime runtime;
	char         id[CONTAINER_ID_MAX];
	char         relpath[CGROUP_PATH_MAX];
};

struct discover_options {
	const char *prefixes[DISCOVER_PREFIX_MAX];   /* borrowed */
	int         nprefixes;
};

typedef void (*discover_fn)(void *arg, const struct discovered *d);

/* discover.c */
/* Call fn once per container found under root. Returns the count, or -1
 * if the root cannot be read. */
int discover_scan(const char *root, const struct discover_options *o,
	discover_fn fn, void *arg);
/* Pure: classify one relative path; 1 when it is a container. */
int discover_classify(const char *relpath, struct discovered *out);

#endif
