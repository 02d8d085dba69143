/*
 * container.h — the collector's data model: what one container is, what
 * one sample of it holds, and the table of all containers that the sweep
 * fills and the HTTP API reads.
 *
 * Locking: the sweep thread owns the table; it holds table->lock only
 * while it changes a container (a few µs each) or adds/removes entries.
 * Readers (the API thread) hold table->lock for the whole time they read.
 * Nothing here does I/O.
 */
#ifndef HOIST_CONTAINER_H
#define HOIST_CONTAINER_H

#include <pthread.h>
#include <stdint.h>

#include "common/log.h"

#define CONTAINER_ID_MAX     128   /* docker 64 hex, mesos uuid, cgroup path */
#define CONTAINER_NAME_MAX   256
#define CGROUP_PATH_MAX      512
#define NET_IF_MAX           8
#define NET_IF_NAME_MAX      16
#define BLKIO_DEV_MAX        8
#define LABELS_MAX           16

enum runtime {
	RUNTIME_DOCKER,
	RUNTIME_MESOS,
	RUNTIME_CGROUP,
};
const char *runtime_name(enum runtime r);

/* Bits of sample.have: which figures this sample really has. */
enum sample_have {
	HAVE_CPU_USAGE      = 1u << 0,   /* usage_ns */
	HAVE_CPU_USERSYS    = 1u << 1,   /* user_ns, system_ns */
	HAVE_CPU_THROTTLE   = 1u << 2,   /* nr_periods, nr_throttled, throttled_ns */
	HAVE_CPU_QUOTA      = 1u << 3,   /* quota_us/period_us: a real limit */
	HAVE_CPU_PERCPU     = 1u << 4,
	HAVE_CPU_PSI        = 1u << 5,
	HAVE_MEM_USAGE      = 1u << 6,   /* usage, working_set */
	HAVE_MEM_LIMIT      = 1u << 7,   /* a real limit (not "max") */
	HAVE_MEM_MAX_USAGE  = 1u << 8,   /* v1 only */
	HAVE_MEM_STAT       = 1u << 9,   /* rss, cache, inactive_file ... */
	HAVE_MEM_SWAP       = 1u << 10,
	HAVE_MEM_FAILCNT    = 1u << 11,  /* v1 only */
	HAVE_MEM_OOM        = 1u << 12,
	HAVE_MEM_PSI        = 1u << 13,
	HAVE_BLKIO          = 1u << 14,
	HAVE_NET            = 1u << 15,
	HAVE_PIDS           = 1u << 16,
	HAVE_PIDS_LIMIT     = 1u << 17,  /* a real limit (not "max") */
	HAVE_IO_PSI         = 1u << 18,
};

/* Pressure stall information, one line ("some" or "full"). */
struct psi_line {
	double   avg10, avg60, avg300;   /* percent */
	uint64_t total_us;
};
struct psi {
	struct psi_line some, full;
};

struct cpu_stats {
	uint64_t usage_ns;       /* total CPU time */
	uint64_t user_ns, system_ns;
	uint64_t nr_periods, nr_throttled, throttled_ns;
	int64_t  quota_us;       /* -1: unlimited */
	uint64_t period_us;
	uint32_t npercpu;        /* entries used in percpu_ns */
	uint32_t percpu_cap;     /* entries allocated */
	uint64_t *percpu_ns;     /* owned by the container, percpu_cap long */
	struct psi psi;
};

struct mem_stats {
	uint64_t usage;          /* raw usage_in_bytes / memory.current */
	uint64_t working_set;    /* usage - inactive_file, as docker CLI */
	uint64_t limit;          /* bytes; valid with HAVE_MEM_LIMIT */
	uint64_t max_usage;
	uint64_t rss, cache, swap;
	uint64_t active_file, inactive_file, mapped_file;
	uint64_t pgfault, pgmajfault;
	uint64_t failcnt;
	uint64_t oom_kills;
	struct psi psi;
};

struct blkio_dev {
	uint32_t major, minor;
	uint64_t read_bytes, write_bytes;
	uint64_t read_ops, write_ops;
};
struct blkio_stats {
	uint32_t ndev;
	struct blkio_dev dev[BLKIO_DEV_MAX];
	struct blkio_dev total;     /* major = minor = 0 */
	struct psi psi;
};

struct net_if {
	char     name[NET_IF_NAME_MAX];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};
struct net_stats {
	uint32_t nif;
	struct net_if ifs[NET_IF_MAX];
	struct net_if total;        /* name "total" */
};

struct pids_stats {
	uint64_t current;
	uint64_t limit;
};

struct sample {
	int64_t  mono_ns;        /* when it was taken (CLOCK_MONOTONIC) */
	uint64_t host_cpu_ns;    /* /proc/stat total, as docker's system_cpu_usage */
	uint32_t online_cpus;
	uint32_t have;           /* enum sample_have bits */
	struct cpu_stats   cpu;
	struct mem_stats   mem;
	struct blkio_stats blkio;
	struct net_stats   net;
	struct pids_stats  pids;
};

/* What two samples give: valid only with rates.valid. */
struct rates {
	int      valid;
	double   cpu_percent;           /* of one core, as `docker stats` */
	double   cpu_percent_of_limit;  /* valid with has_limit */
	double   limit_cores;
	int      has_limit;
	double   mem_percent;           /* working_set / limit (or host RAM) */
	double   net_rx_bps, net_tx_bps;        /* bytes per second */
	double   blk_read_bps, blk_write_bps;
};

/* What rates need from the previous sample, nothing more. */
struct sample_prev {
	int      valid;
	int64_t  mono_ns;
	uint64_t host_cpu_ns, cpu_usage_ns;
	uint64_t net_rx, net_tx, blk_read, blk_write;
};

struct label {
	char *key, *value;       /* owned */
};

/* Identity and metadata; filled from the cgroup path, then Docker. */
struct container_meta {
	char         id[CONTAINER_ID_MAX];      /* docker id, mesos id, path */
	char         name[CONTAINER_NAME_MAX];  /* id until Docker answers */
	char         image[CONTAINER_NAME_MAX]; /* without the tag */
	char         version[128];              /* image tag, or "unknown" */
	enum runtime runtime;
	char         marathon_app_id[CONTAINER_NAME_MAX];
	char         mesos_task_id[CONTAINER_NAME_MAX];
	char         state[32];                 /* docker state, or "" */
	int          pid;                       /* a process inside, or 0 */
	uint32_t     nlabels;
	struct label labels[LABELS_MAX];        /* selected by label_include */
	int64_t      started_ns;                /* realtime; 0 unknown */
};

struct cgroup_handle;                /* collector/cgroup.h */

struct container {
	struct container_meta meta;
	char     cgroup_path[CGROUP_PATH_MAX];  /* relative to a hierarchy */
	struct sample cur;
	struct sample_prev prev;
	struct rates rates;
	struct cgroup_handle *cg;        /* kept-open files; owned */
	char    *tags;                   /* escaped ",k=v..." for lp; owned */
	size_t   tags_len;
	int      net_pid;                /* a process inside, for net/dev */
	int      net_fd;                 /* /proc/<net_pid>/net/dev, or -1 */
	int      net_host;               /* shares the host's netns: no net */
	uint64_t netns_ino;              /* its network namespace, or 0 */
	/* Its namespace's last net/dev listed no interface we report: read
	 * it only every net_idle_every sweeps, net_phase staggering them. */
	uint8_t  net_idle;
	uint32_t net_phase;
	struct complain net_complain;
	uint64_t seen_sweep;             /* last sweep that found it */
	int      meta_complete;          /* Docker has answered for it */
};

/* The collector's own health, updated by the sweep (under table->lock). */
struct collector_health {
	int64_t  started_ns;            /* realtime when the process started */
	int64_t  started_mono_ns;       /* the same instant, CLOCK_MONOTONIC */
	uint64_t sweeps;
	double   last_sweep_ms;         /* wall time of the last sweep */
	uint64_t containers;            /* seen in the last sweep */
	uint64_t points_last_sweep;
	/* Summed over all outputs (sinks). */
	uint64_t points_written, points_dropped, points_spooled;
	uint64_t spool_bytes;
	/* Errors by kind, ever. */
	uint64_t err_cgroup_read;       /* a stat file could not be read */
	uint64_t err_cgroup_parse;      /* a stat file did not parse */
	uint64_t err_docker;            /* Docker API failures */
	uint64_t err_net;               /* /proc/<pid>/net/dev unreadable */
	uint64_t err_output;            /* a sink refused a write */
	/* Replies of the InfluxDB outputs by kind (sinks/sink_status.h). */
	uint64_t out_rejected;          /* 400, partial writes, too large */
	uint64_t out_config;            /* 401/403/404: auth, no database */
	uint64_t out_unavailable;       /* 429/5xx, timeouts, refused */
	uint64_t out_retries;
	uint64_t spool_corrupt;         /* damaged spool records skipped */
	uint64_t spool_dropped;         /* oldest segments dropped, full */
	uint64_t vanished;              /* containers gone mid-sweep */
	uint64_t err_host;              /* host metrics: /proc, statvfs */
};

struct host_snapshot;                /* collector/host.h */

struct container_table {
	pthread_mutex_t    lock;
	struct container **c;            /* owned */
	size_t             n, cap;
	char               host[256];
	int64_t            sweep_ts_ns;  /* realtime of the last sweep */
	/* CLOCK_MONOTONIC when the last completed sweep began: every age
	 * (/healthz, sample_age_s) is measured from this, so a step of the
	 * wall clock neither fakes a stall nor hides one.  sweep_ts_ns is
	 * what is reported as a time. */
	int64_t            sweep_mono_ns;
	uint64_t           sweeps;
	struct collector_health health;
	/* The host's last sample (host metrics), owned by the collector's
	 * struct host; NULL when off. */
	const struct host_snapshot *host_snap;
};

#endif
