/*
 * collector.h — the sweep: discover containers, read each one's cgroup
 * files and network counters, compute rates, fill the container table the
 * API reads, and append line protocol for the outputs.
 *
 * One struct collector per process, driven by one thread (the main loop).
 * The sweep never waits on the network: Docker metadata comes from
 * docker.c's cache, outputs take the bytes through sinks/.
 */
#ifndef HOIST_COLLECTOR_H
#define HOIST_COLLECTOR_H

#include "collector/cgroup.h"
#include "collector/container.h"
#include "collector/discover.h"
#include "collector/format.h"
#include "collector/host.h"
#include "common/buf.h"

struct docker;

/* container_net_interfaces' default: loopback left out, as cAdvisor and
 * Docker's stats (so Telegraf's docker input) leave it out. */
#define COLLECTOR_NET_INTERFACES_DEFAULT "!lo"

struct collector_options {
	const char             *cgroup_root;   /* borrowed */
	const char             *hostname;      /* borrowed */
	enum schema             schema;
	int                     percpu;
	long                    fd_budget;     /* 0: RLIMIT_NOFILE - 256 */
	/* Rarely-changing cgroup files every Nth sweep (0 or 1: every). */
	uint32_t                slow_files_every;
	/* Pressure files at most every this many seconds (0: every). */
	uint32_t                pressure_interval_s;
	/* Glob list of the containers' interfaces reported (NULL: "!lo",
	 * as cAdvisor and Docker's stats leave loopback out). */
	const char             *net_interfaces;   /* borrowed */
	/* Open the rarely-read cgroup files for each read (less kernel
	 * memory) instead of keeping them open. */
	int                     slow_files_on_demand;
	struct discover_options disc;
	int                     docker_refresh_sweeps; /* re-read metadata */
	int                     host_metrics;  /* the host's own figures */
	struct host_options     host;          /* strings borrowed */
	/*
	 * Optional.  When set, collector_sweep() calls flush(flush_arg, out)
	 * between two containers whenever out holds flush_bytes or more;
	 * flush writes the lines wherever they go and empties out
	 * (buf_reset).  The sweep's memory then stays near flush_bytes
	 * however many containers there are, instead of holding the line
	 * protocol of the whole sweep (about 2 KB per container).
	 */
	void                  (*flush)(void *arg, struct buf *out);
	void                   *flush_arg;     /* borrowed */
	size_t                  flush_bytes;
};

struct cmap;
struct netns_map;

struct collector {
	struct cg_layout_info   li;
	struct container_table  table;
	struct docker          *docker;        /* borrowed; NULL = none */
	struct format_options   fmt;
	struct discover_options disc;
	int                     refresh_sweeps;
	int                     procstat_fd;
	uint64_t                self_netns;
	uint32_t                ncpu_conf;
	struct cmap            *map;           /* relpath -> container */
	/* netns inode -> the container whose net/dev this sweep read for
	 * that namespace (containers sharing one read it once). */
	struct netns_map       *netns;
	struct sample           scratch;       /* read into, then swapped */
	/* Containers found by this sweep's discovery but not yet known. */
	struct discovered      *fresh;
	size_t                  nfresh, capfresh;
	uint64_t                sweep_no;
	struct host            *host;          /* owned; NULL: host_metrics off */
	/* Counted during a sweep by the sweeping thread alone, added to
	 * table.health under table.lock at its end (the API reads that). */
	uint64_t                net_errors;
	/* net/dev files read by the last sweep (one per namespace). */
	uint32_t                net_reads;
	/* The interfaces reported (container_net_interfaces).  A namespace
	 * with none of them (only lo, the default leaves out) is read again
	 * every net_idle_every sweeps, to find an interface added later. */
	struct host_globs       net_globs;
	uint32_t                net_idle_every;
	uint32_t                net_phase_next;
	void                  (*flush)(void *arg, struct buf *out);
	void                   *flush_arg;     /* borrowed */
	size_t                  flush_bytes;
};

/* collector.c */
/* Detect the cgroup layout and get ready.  docker may be NULL. */
int  collector_init(struct collector *c, const struct collector_options *o,
	struct docker *docker, char *err, size_t errlen);
/*
 * One sweep.  ts_ns: the realtime timestamp all its points carry.  With
 * out == NULL nothing is formatted (the priming sample of --once).
 * Returns the number of points appended (those handed to the flush
 * callback included), or -1 when out filled up (the points of the
 * containers that fitted are kept; the rest are counted as dropped by the
 * caller).
 */
int  collector_sweep(struct collector *c, int64_t ts_ns, struct buf *out);
/* Append the collector's own health as a hoist_collector point. */
int  collector_health_point(struct collector *c, const char *host,
	int64_t ts_ns, struct buf *out);
void collector_free(struct collector *c);

#endif
