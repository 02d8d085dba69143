/*
 * cgroup_parse.h — pure parsers for the files the collector reads: cgroup
 * v1 and v2 stat files and /proc/<pid>/net/dev.  No I/O: each takes the
 * bytes of one file (not necessarily NUL-terminated; `len` counts) and
 * fills plain structs.  Each returns 0, or -1 when the text is not in the
 * documented format; then the output holds nothing the caller may use.
 * Unknown keys are ignored (kernels add keys); huge numbers that do not
 * fit in 64 bits are errors, never wrapped.
 */
#ifndef HOIST_CGROUP_PARSE_H
#define HOIST_CGROUP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/container.h"

/* "12345\n" -> 12345.  With allow_max, "max\n" -> *is_max = 1. */
int cgp_u64(const char *s, size_t len, uint64_t *out, int allow_max,
	int *is_max);
/* "-1\n" or "50000\n" (v1 cpu.cfs_quota_us). */
int cgp_i64(const char *s, size_t len, int64_t *out);

/*
 * Flat keyed files, "key value\n" per line (memory.stat, cpu.stat,
 * cpuacct.stat, memory.events, memory.oom_control):
 *
 *     cache 8388608
 *     rss 81920
 *
 * `keys` lists the wanted keys and where each value goes (an offset into
 * `base`, a uint64_t).  *found gets bit i set for keys[i] seen.  A line
 * that is not "word SP digits" is an error.
 */
struct cgp_key {
	const char *name;
	uint8_t     len;      /* strlen(name) */
	uint16_t    offset;   /* of a uint64_t in base */
};
#define CGP_KEY(name, type, field) \
	{ name, sizeof(name) - 1, (uint16_t)offsetof(type, field) }
int cgp_flat(const char *s, size_t len, const struct cgp_key *keys,
	size_t nkeys, void *base, uint64_t *found);

/* v1 cpuacct.usage_percpu: "123 456 789 \n" (note the trailing space).
 * The first max values into out, their count (at most max) into *n, and,
 * when sum is not NULL, the sum of every value in the file (all CPUs,
 * past max too: cpuacct.usage; -1 when it would overflow). */
int cgp_percpu(const char *s, size_t len, uint64_t *out, uint32_t max,
	uint32_t *n, uint64_t *sum);

/* v2 cpu.max: "max 100000\n" (quota -1) or "50000 100000\n". */
int cgp_cpu_max(const char *s, size_t len, int64_t *quota_us,
	uint64_t *period_us);

/*
 * v1 blkio.throttle.io_service_bytes[_recursive] / io_serviced[...]:
 *
 *     254:0 Read 16777216
 *     254:0 Write 16777216
 *     ...
 *     Total 50331648
 *
 * Adds Read/Write per device into io (bytes when ops == 0, else ops);
 * devices beyond BLKIO_DEV_MAX still count in io->total.
 */
int cgp_blkio_v1(const char *s, size_t len, struct blkio_stats *io,
	int ops);

/* v2 io.stat: "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 ...". */
int cgp_io_stat(const char *s, size_t len, struct blkio_stats *io);

/* PSI: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull ...". */
int cgp_psi(const char *s, size_t len, struct psi *p);

/*
 * /proc/<pid>/net/dev:
 *
 *     Inter-|   Receive   ...  |  Transmit
 *      face |bytes packets errs drop fifo frame compressed multicast|bytes ...
 *         lo:     0       0    0    0    0     0          0         0        0 ...
 *
 * Fills up to NET_IF_MAX interfaces and the total over all of them.
 */
int cgp_net_dev(const char *s, size_t len, struct net_stats *net);
/* The same, keeping only the interfaces want(arg, name) takes (nonzero):
 * the others are checked but neither listed nor in the total.  want may
 * be NULL (all). */
int cgp_net_dev_filtered(const char *s, size_t len, struct net_stats *net,
	int (*want)(void *arg, const char *name), void *arg);

/* /proc/stat's first line "cpu  user nice system idle iowait irq softirq
 * steal ..." -> total ns of the first seven fields (ticks * 1e9 /
 * user_hz), as Docker computes system_cpu_usage; *ncpu counts the cpuN
 * lines. */
int cgp_proc_stat(const char *s, size_t len, long user_hz,
	uint64_t *total_ns, uint32_t *ncpu);

#endif
