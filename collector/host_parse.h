/*
 * host_parse.h — pure parsers for the /proc files the host metrics come
 * from, and the pure arithmetic on top of them (CPU percentages, memory
 * "used" and "available" as Telegraf computes them, glob lists).
 *
 * No I/O, no clock, no globals: each parser takes the bytes of one file
 * (not necessarily NUL-terminated; `len` counts them) and fills plain
 * structs.  Each returns 0, or -1 when the text is not in the documented
 * format; then the output holds nothing the caller may use.  Unknown keys
 * are ignored (kernels add keys), missing trailing columns of older
 * kernels read as 0, and a number that does not fit in 64 bits is an
 * error, never wrapped.  Names are copied bounded; a name too long for its
 * field makes the line (not the file) be skipped, counted in `skipped`.
 */
#ifndef HOIST_HOST_PARSE_H
#define HOIST_HOST_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HOST_CPU_MAX      256   /* cpuN lines kept; the rest only in total */
#define HOST_DISK_MAX     128   /* /proc/diskstats devices kept */
#define HOST_NET_MAX      64    /* /proc/net/dev interfaces kept */
#define HOST_DEVNAME_MAX   32    /* device / interface name, NUL included */
#define HOST_PATH_MAX     256   /* mount point, NUL included */
#define HOST_DEV_MAX      128   /* mount source, NUL included */
#define HOST_FSTYPE_MAX   32
#define HOST_GLOBS_MAX    32    /* patterns in one glob list */
#define HOST_GLOB_LEN     64    /* bytes of one pattern, NUL included */

/* ---- /proc/stat --------------------------------------------------------- */

/* The ten columns of a cpu line, in the kernel's order (USER_HZ ticks). */
enum host_cpu_mode {
	HCPU_USER, HCPU_NICE, HCPU_SYSTEM, HCPU_IDLE, HCPU_IOWAIT, HCPU_IRQ,
	HCPU_SOFTIRQ, HCPU_STEAL, HCPU_GUEST, HCPU_GUEST_NICE, HCPU_NMODES
};

struct host_cpu_ticks {
	int32_t  id;                 /* N of cpuN; -1 for the "cpu" line */
	uint64_t t[HCPU_NMODES];
};

/* Bits of host_stat.have. */
enum {
	HSTAT_CTXT = 1u << 0, HSTAT_INTR = 1u << 1, HSTAT_BTIME = 1u << 2,
	HSTAT_FORKS = 1u << 3, HSTAT_PROCS = 1u << 4,
};

struct host_stat {
	struct host_cpu_ticks total;
	uint32_t ncpu;               /* entries used in cpu[] */
	uint32_t ncpu_lines;         /* cpuN lines seen (may exceed the cap) */
	struct host_cpu_ticks cpu[HOST_CPU_MAX];
	uint64_t ctxt, intr, btime, forks, procs_running, procs_blocked;
	uint32_t have;
};

/*
 * /proc/stat, proc(5):
 *
 *     cpu  7129 8044 6924 57679 6232 0 142 365 0 0
 *     cpu0 3109 4030 2831 32399 741 0 13 161 0 0
 *     intr 286197 0 0 ...
 *     ctxt 1234567
 *     btime 1764631471
 *     processes 17841
 *     procs_running 3
 *     procs_blocked 0
 *
 * A cpu line has 4 columns (Linux 2.4) up to 10 (guest_nice, 2.6.33);
 * missing ones read 0.  The "cpu" line is required.
 */
int hostp_stat(const char *s, size_t len, struct host_stat *out);

/*
 * Telegraf's cpu percentages between two samples of one CPU: total is
 * user+nice+system+idle+iowait+irq+softirq+steal (guest and guest_nice
 * are already inside user and nice), usage_user = 100 * (Δuser - Δguest)
 * / Δtotal, usage_nice = 100 * (Δnice - Δguest_nice) / Δtotal, the others
 * 100 * Δmode / Δtotal.  Returns 0, or -1 when Δtotal is 0 or a counter
 * went backwards (Telegraf writes nothing then either).  A difference
 * that would be negative (guest counted before user) is clamped to 0.
 */
int hostp_cpu_usage(const struct host_cpu_ticks *prev,
	const struct host_cpu_ticks *cur, double pct[HCPU_NMODES]);

/* ---- /proc/meminfo ------------------------------------------------------ */

/* The keys kept, in the order recent kernels print them. */
enum host_mem_key {
	HM_MemTotal, HM_MemFree, HM_MemAvailable, HM_Buffers, HM_Cached,
	HM_SwapCached, HM_Active, HM_Inactive, HM_Active_anon,
	HM_Inactive_anon, HM_Active_file, HM_Inactive_file, HM_Unevictable,
	HM_Mlocked, HM_HighTotal, HM_HighFree, HM_LowTotal, HM_LowFree,
	HM_SwapTotal, HM_SwapFree, HM_Dirty, HM_Writeback, HM_AnonPages,
	HM_Mapped, HM_Shmem, HM_Slab, HM_SReclaimable, HM_SUnreclaim,
	HM_KernelStack, HM_PageTables, HM_WritebackTmp, HM_CommitLimit,
	HM_Committed_AS, HM_VmallocTotal, HM_VmallocUsed, HM_VmallocChunk,
	HM_HugePages_Total, HM_HugePages_Free, HM_HugePages_Rsvd,
	HM_HugePages_Surp, HM_Hugepagesize, HM_NKEYS
};

struct host_meminfo {
	uint64_t v[HM_NKEYS];        /* bytes ("kB" * 1024), or a count */
	uint64_t have;               /* bit k: key k was in the file */
};

/* The key's name as the file spells it ("Active(anon)"), and as
 * node_exporter names it ("Active_anon"). */
const char *hostp_mem_key_name(enum host_mem_key k);
const char *hostp_mem_node_name(enum host_mem_key k);
/* 1 when the value is in kB in the file (so bytes here), 0 a count. */
int         hostp_mem_key_is_bytes(enum host_mem_key k);

/*
 * /proc/meminfo:
 *
 *     MemTotal:       24684084 kB
 *     HugePages_Total:       0
 *
 * "Key: value[ kB]" per line.  MemTotal and MemFree are required.
 */
int hostp_meminfo(const char *s, size_t len, struct host_meminfo *out);

/*
 * /proc/zoneinfo: the sum of every zone's "low" watermark, in pages,
 * what gopsutil needs for "available" on kernels without MemAvailable.
 *
 *     Node 0, zone   Normal
 *       pages free     1234
 *             min      5678
 *             low      9115
 */
int hostp_zoneinfo_low(const char *s, size_t len, uint64_t *low_pages);

/* Telegraf's mem figures (gopsutil's VirtualMemory on Linux). */
struct host_mem {
	uint64_t total, free, available, used, cached, buffered;
	double   used_percent, available_percent;
};

/*
 * cached = Cached + SReclaimable; used = total - free - buffers - cached
 * (0 when that is negative); available = MemAvailable when the kernel has
 * it (3.14+), else, when Active(file), Inactive(file) and SReclaimable
 * are all there, gopsutil's estimate from the zones' low watermarks
 * (watermark_low in bytes, have_wm = 0 when /proc/zoneinfo could not be
 * read: then free + cached), else free + cached.
 */
void hostp_mem_derive(const struct host_meminfo *mi, uint64_t watermark_low,
	int have_wm, struct host_mem *out);

/* ---- /proc/vmstat, /proc/loadavg, /proc/uptime ------------------------- */

/* "pswpin 12\npswpout 34\n" among the others; both required. */
int hostp_vmstat_swap(const char *s, size_t len, uint64_t *pswpin,
	uint64_t *pswpout);

struct host_load {
	double   load1, load5, load15;
	uint64_t runnable, threads;  /* "3/110": scheduling entities */
};
/* "1.04 0.55 0.25 3/110 17841\n". */
int hostp_loadavg(const char *s, size_t len, struct host_load *out);

/* "370.12 700.55\n" -> 370.12 (seconds since boot); at most
 * HOST_UPTIME_MAX (10^12 s, 31 700 years), so it fits any integer type. */
#define HOST_UPTIME_MAX 1e12
int hostp_uptime(const char *s, size_t len, double *uptime_s);

/* ---- /proc/diskstats ---------------------------------------------------- */

struct host_diskio {
	char     name[HOST_DEVNAME_MAX];
	uint32_t major, minor;
	uint64_t reads, reads_merged, sectors_read, read_ms;
	uint64_t writes, writes_merged, sectors_written, write_ms;
	uint64_t in_progress, io_ms, weighted_ms;
};

struct host_diskstats {
	uint32_t n;
	uint32_t skipped;            /* past HOST_DISK_MAX or name too long */
	struct host_diskio d[HOST_DISK_MAX];
};

/*
 * /proc/diskstats, Documentation/admin-guide/iostats.rst:
 *
 *     254       0 vda 40014 7294 2689378 196869 38803 16752 2869728 ...
 *
 * major minor name, then 11 fields (up to 4.17), 15 (4.18: discards) or
 * 17 (5.5: flushes); the partition lines of 2.6.0–2.6.24 carry 4 fields
 * (reads, sectors read, writes, sectors written).
 */
int hostp_diskstats(const char *s, size_t len, struct host_diskstats *out);

/* ---- /proc/net/dev ------------------------------------------------------ */

struct host_netif {
	char     name[HOST_DEVNAME_MAX];
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop, rx_fifo, rx_frame,
	         rx_compressed, rx_multicast;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop, tx_fifo, tx_colls,
	         tx_carrier, tx_compressed;
};

struct host_netdev {
	uint32_t n;
	uint32_t skipped;
	struct host_netif i[HOST_NET_MAX];
};

/*
 * /proc/net/dev: two header lines, then per interface
 *
 *     eth0: 173668836 3420 0 0 0 0 0 0 162652 1861 0 0 0 0 0 0
 *
 * (16 counters: 8 receive, 8 transmit).
 */
int hostp_netdev(const char *s, size_t len, struct host_netdev *out);

/* ---- /proc/self/mountinfo ----------------------------------------------- */

struct host_mount {
	char     path[HOST_PATH_MAX];      /* octal escapes undone */
	char     device[HOST_DEV_MAX];     /* mount source */
	char     fstype[HOST_FSTYPE_MAX];  /* "ext4", "fuse.sshfs" */
	int      ro;                       /* mount option "ro" */
	uint32_t major, minor;
};

/*
 * /proc/<pid>/mountinfo, proc(5), one mount per line:
 *
 *     36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw
 *
 * An iterator: *pos starts at 0; each call fills m with the next mount
 * and returns 1, returns 0 at the end, or -1 for a line that is not in
 * the format (or whose names do not fit) — *pos then points past it, so
 * the caller may count it and go on.
 */
int hostp_mountinfo_next(const char *s, size_t len, size_t *pos,
	struct host_mount *m);

/* ---- /proc/<pid>/stat --------------------------------------------------- */

/*
 * "1 (process_api) S 0 0 ..." -> the state letter and num_threads (field
 * 20).  The command may hold spaces and parentheses: it ends at the last
 * ')'.
 */
int hostp_pid_stat(const char *s, size_t len, char *state,
	uint64_t *threads);

/* Telegraf's processes fields, from a scan of /proc/<pid>/stat. */
struct host_procs {
	uint64_t running, sleeping, blocked, zombies, stopped, dead, paging,
	         idle, parked, unknown, total, total_threads;
};
/* Count one process (state letter, threads) the way Telegraf does. */
void hostp_procs_add(struct host_procs *p, char state, uint64_t threads);

/* ---- glob lists --------------------------------------------------------- */

/*
 * A comma-separated list of fnmatch(3) patterns, each optionally negated
 * with a leading '!': "!loop*,!ram*,sd*".  A name is taken by the first
 * pattern that matches it (included, or excluded when negated); a name no
 * pattern matches is included when the list has no positive pattern
 * (only exclusions, or empty), excluded otherwise.
 */
struct host_globs {
	uint32_t n;
	int      any_positive;
	uint8_t  neg[HOST_GLOBS_MAX];
	char     pat[HOST_GLOBS_MAX][HOST_GLOB_LEN];
};
/* Returns 0, or -1 (too many patterns, one too long, an empty one). */
int hostp_globs_parse(const char *list, struct host_globs *g);
int hostp_globs_match(const struct host_globs *g, const char *name);

#endif
