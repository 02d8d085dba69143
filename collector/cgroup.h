/*
 * cgroup.h — the cgroup layer: find out how the host mounts cgroups, then
 * read one container's stat files into a struct sample.
 *
 * Two versions behind one ops table (cgroup_v1.c, cgroup_v2.c); a hybrid
 * host reads v1 files and the unified tree's pressure files.  The root is
 * configurable (--cgroup-root) so tests point at fixture trees.
 *
 * Files are kept open and read with pread(2) at offset 0, which re-renders
 * a cgroup file: several times cheaper than open/read/close (make bench
 * prints both).  Open descriptors
 * are a budget (cgroup_set_fd_budget); past it a file is opened, read and
 * closed each time.
 */
#ifndef HOIST_CGROUP_H
#define HOIST_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "collector/container.h"

#define CG_PATH_MAX 512

enum cg_layout {
	CG_LAYOUT_V1,
	CG_LAYOUT_V2,
	CG_LAYOUT_HYBRID,
};
const char *cgroup_layout_name(enum cg_layout l);

/* Controller indexes for v1 directories. */
enum cg_ctrl {
	CG_CPU, CG_CPUACCT, CG_MEMORY, CG_BLKIO, CG_PIDS, CG_UNIFIED,
	CG_NCTRL
};

struct cg_layout_info {
	enum cg_layout layout;
	/* Mount point of each v1 controller ("" when absent), and of the
	 * unified (v2) tree in [CG_UNIFIED]. */
	char mount[CG_NCTRL][CG_PATH_MAX];
};

/* Result of reading one container. Append-only. */
enum cg_result {
	CG_OK = 0,          /* read; some metrics may be missing (see have) */
	CG_VANISHED,        /* the cgroup is gone: no partial data */
};

/* Errors seen while reading, for the caller to count. */
struct cg_errors {
	uint32_t read;      /* a file could not be read */
	uint32_t parse;     /* a file did not parse */
};

struct cgroup_handle;

struct cgroup_ops {
	const char *name;
	struct cgroup_handle *(*open)(const struct cg_layout_info *li,
	    const char *relpath);
	enum cg_result (*read)(struct cgroup_handle *h, struct sample *s,
	    struct cg_errors *errs, int64_t now_s);
	void (*close)(struct cgroup_handle *h);
};

/* cgroup_layout.c */
/*
 * Detect the layout under `root`.  For the host's own /sys/fs/cgroup the
 * v1 controller mount points and the cgroup2 mount come from
 * /proc/self/mountinfo; for any other root (a fixture tree) from the
 * directory names: ROOT/cgroup.controllers => v2; ROOT/cpuacct (or
 * ROOT/cpu,cpuacct) => v1; v1 plus ROOT/unified/cgroup.controllers =>
 * hybrid.
 */
int  cgroup_detect(const char *root, struct cg_layout_info *li, char *err,
	size_t errlen);
/* The directory that lists containers for discovery (cpuacct on v1). */
const char *cgroup_discovery_root(const struct cg_layout_info *li);
/*
 * Pure: take what one line of /proc/self/mountinfo (proc(5)) says about
 * cgroups into li, e.g.
 *   32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
 *   41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
 * A "cgroup" mount becomes the mount point of every controller its super
 * options name; a "cgroup2" mount under /sys/fs/cgroup that of
 * [CG_UNIFIED].  A slot already set is kept (the first mount wins); mount
 * points with escapes (\040 ...) or longer than CG_PATH_MAX - 1 are
 * skipped.  `line` is cut up in place.
 */
void cgroup_mountinfo_line(char *line, struct cg_layout_info *li);

/* cgroup.c */
const struct cgroup_ops *cgroup_ops_for(const struct cg_layout_info *li);
/* Open the container at relpath (copied).  li is borrowed and must
 * outlive the handle.  NULL when the cgroup does not exist. */
struct cgroup_handle *cgroup_open(const struct cg_layout_info *li,
	const char *relpath);
enum cg_result cgroup_read(struct cgroup_handle *h, struct sample *s,
	struct cg_errors *errs, int64_t now_s);
void cgroup_close(struct cgroup_handle *h);                /* NULL ok */
/* Up to `max` pids of processes in the container (cgroup.procs of its
 * main directory, or of its "leaf" child on v2 Mesos).  Returns the count
 * (0 when it has none or cannot be read). */
int  cgroup_pids(struct cgroup_handle *h, int *pids, int max);
/* Raise RLIMIT_NOFILE's soft limit to its hard limit and set the budget
 * of kept-open descriptors to `budget` (0: soft limit - 256). Returns the
 * budget in force. */
long cgroup_set_fd_budget(long budget);
long cgroup_fds_open(void);

/* Which of v1's cpuacct.usage and cpuacct.usage_percpu are read: the
 * second's values add up to the first, so one is enough. */
enum cg_cpu_files {
	CG_CPU_FILES_BOTH,      /* both (the default) */
	CG_CPU_FILES_PERCPU,    /* usage_percpu; usage = the sum of it */
	CG_CPU_FILES_USAGE,     /* usage; no per-CPU figures */
};
struct cg_read_options {
	enum cg_cpu_files cpu_files;
	/* Rarely-changing files (limits, quotas, *.max, failcnt,
	 * max_usage, oom_control) are read every slow_every-th read of a
	 * handle (1: every read), staggered across handles. */
	uint32_t          slow_every;
	/* Pressure files: at most every psi_period_s s (0: every read).
	 * The kernel recomputes avg10/avg60/avg300 every 2 s. */
	uint32_t          psi_period_s;
	/* Nonzero: the rarely-read files (slow and pressure) are opened
	 * for each read instead of kept open: less kernel memory (a
	 * kept-open file that has been read holds about 5 KB of slab: its
	 * struct file and seq_file buffer), a few us more a read.  For
	 * handles opened from now on. */
	int               slow_on_demand;
};
/* Set for handles opened from now on (cpu_files) and reads from now on
 * (the rest).  Defaults: both, 1, 0 (everything on every read). */
void cgroup_set_read_options(const struct cg_read_options *o);
/* The descriptors a handle keeps open (for the benchmark's floor); with
 * every_read, only those of the files read on every read (not the
 * CGC_SLOW and CGC_PSI ones). */
int  cgroup_handle_fds(const struct cgroup_handle *h, int *fds, int max,
	int every_read);
#endif
