/*
 * cgroup_impl.h — what cgroup_v1.c and cgroup_v2.c share with cgroup.c:
 * each version is a table of the files it reads, with one parser per
 * file, and cgroup.c does the opening, reading and error bookkeeping.
 * Private to the cgroup layer.
 */
#ifndef HOIST_CGROUP_IMPL_H
#define HOIST_CGROUP_IMPL_H

#include "collector/cgroup.h"
#include "common/log.h"

/* When a file is read (struct cg_read_options says how often). */
enum cg_cadence {
	CGC_EVERY = 0,      /* on every read */
	/* A value that rarely changes (limits, quotas, *.max, failcnt,
	 * max_usage, oom_control): every slow_every-th read; in between,
	 * its last bytes are parsed again, so the sample is complete. */
	CGC_SLOW,
	/* Pressure (PSI): at most every psi_period_s seconds; its last
	 * bytes between. */
	CGC_PSI,
	CGC_USAGE,          /* cpuacct.usage: not with CG_CPU_FILES_PERCPU */
	CGC_PERCPU,         /* cpuacct.usage_percpu: not with ..._USAGE */
	/* The CPU quota (v1 cpu.cfs_quota_us): read as CGC_SLOW; "-1" (no
	 * quota) lets the CGC_THROTTLE files wait for the slow reads. */
	CGC_QUOTA,
	/* Throttling counters (v1 cpu.stat): on every read while the group
	 * has a CPU quota; without one (the kernel counts periods only
	 * under a quota, so they cannot move) as CGC_SLOW. */
	CGC_THROTTLE,
	/* v1 blkio.throttle.io_serviced_recursive, after ..._bytes_
	 * recursive: not read when that one, just read, listed no device
	 * (both list the same devices: none, all figures 0). */
	CGC_BLKIO_OPS,
	/* v1 cpuacct.stat (user/system), after the usage file: read when
	 * the group's total usage moved since it was last read, or on a
	 * slow read; otherwise its last bytes.  The kernel charges a
	 * user/system tick only to a task that is running, whose usage
	 * moves with it (a tick landing between the two reads shows one
	 * sweep late).  Most containers sleep: one read saved each. */
	CGC_CPU_SPLIT,
	/* memory.stat (v1 and v2), after the usage files: read when the
	 * group's CPU usage or memory usage moved since it was last read,
	 * or on a slow read; otherwise its last bytes.  A group none of
	 * whose tasks ran charges and uncharges nothing by itself: its rss,
	 * cache and fault counts stand while its usage does.  What can
	 * still move is the kernel's aging of its pages (active/inactive
	 * split, hence the working set) and mapped_file (its page cache
	 * mapped by others): those lag at most slow_every reads for a
	 * group idle that long.  As cAdvisor's dynamic housekeeping, but
	 * bounded at slow_every. */
	CGC_MEM_STAT,
};

/* One file a version reads: which controller directory, its name, the
 * parser that puts its numbers into the sample (setting have bits), when
 * it is read, and for CGC_PERCPU the parser used when it is read alone
 * (CG_CPU_FILES_PERCPU: it gives the total usage too). */
struct cg_file_spec {
	uint8_t     ctrl;           /* enum cg_ctrl */
	const char *name;
	int       (*parse)(const char *buf, size_t len, struct sample *s);
	uint8_t     cadence;        /* enum cg_cadence */
	int       (*parse_alone)(const char *buf, size_t len,
	    struct sample *s);
};

struct cg_version {
	const struct cgroup_ops   *ops;
	const struct cg_file_spec *files;
	size_t                     nfiles;
	/* Resets what several files fill together, before the first. */
	void                     (*begin)(struct sample *s);
	/* Figures derived from several files (working set ...). */
	void                     (*finish)(struct sample *s);
};

/* cgroup.c */
struct cgroup_handle *cg_handle_open(const struct cg_version *v,
	const struct cg_layout_info *li, const char *relpath);
enum cg_result cg_handle_read(struct cgroup_handle *h, struct sample *s,
	struct cg_errors *errs, int64_t now_s);
void cg_handle_close(struct cgroup_handle *h);

/* cgroup_common.c: parsers for files both versions read. */
int  cgroup_p_mem_usage(const char *b, size_t n, struct sample *s);
int  cgroup_p_pids_current(const char *b, size_t n, struct sample *s);
int  cgroup_p_pids_max(const char *b, size_t n, struct sample *s);
int  cgroup_p_cpu_pressure(const char *b, size_t n, struct sample *s);
int  cgroup_p_mem_pressure(const char *b, size_t n, struct sample *s);
int  cgroup_p_io_pressure(const char *b, size_t n, struct sample *s);
/* Reset the figures several files fill together (quota/period ...). */
void cgroup_begin(struct sample *s);
/* The docker CLI's memory usage: usage minus inactive file. */
void cgroup_finish_memory(struct sample *s);

extern const struct cgroup_ops cgroup_v1_ops;   /* cgroup_v1.c */
extern const struct cgroup_ops cgroup_v2_ops;   /* cgroup_v2.c */
/* Each version's file table, so tests/fuzz/fuzz_cgroup.c can feed every
 * parser without a tree on disk. */
extern const struct cg_version *const cgroup_v1_version;
extern const struct cg_version *const cgroup_v2_version;

#endif
