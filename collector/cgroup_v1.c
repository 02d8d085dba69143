/*
 * cgroup_v1.c — the files read per container on a cgroup v1 (or hybrid)
 * host, one parser each.  Relative path: the same under every controller
 * (docker/<id>, mesos/<id>, ...).  Sample formats: tests/fixtures/
 * cgroup/v1-sample/ and the kernel's cgroup-v1 documentation.
 */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "collector/cgroup_impl.h"
#include "collector/cgroup_parse.h"
#include "common/util.h"

/* v1 writes "unlimited" as a huge number (PAGE_COUNTER_MAX * page size,
 * 9223372036854771712 on x86_64): anything from 2^62 up means no limit. */
#define V1_UNLIMITED ((uint64_t)1 << 62)

static uint64_t
ns_per_tick(void)
{
	static uint64_t ns;

	if (ns == 0) {
		long hz = sysconf(_SC_CLK_TCK);
		ns = 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);
	}
	return ns;
}

/* cpuacct.usage: "1234567890\n" (ns). */
static int
p_cpuacct_usage(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->cpu.usage_ns, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_CPU_USAGE;
	return 0;
}

/* cpuacct.stat: "user 118\nsystem 4\n" in USER_HZ ticks. */
struct ticks { uint64_t user, system; };
static const struct cgp_key k_cpuacct_stat[] = {
	CGP_KEY("user", struct ticks, user),
	CGP_KEY("system", struct ticks, system),
};

static int
p_cpuacct_stat(const char *b, size_t n, struct sample *s)
{
	struct ticks t = { 0, 0 };
	uint64_t found;

	if (cgp_flat(b, n, k_cpuacct_stat, ARRAY_LEN(k_cpuacct_stat), &t,
	    &found) != 0 || found != 3)
		return -1;
	s->cpu.user_ns = t.user * ns_per_tick();
	s->cpu.system_ns = t.system * ns_per_tick();
	s->have |= HAVE_CPU_USERSYS;
	return 0;
}

/* cpuacct.usage_percpu: "1183929870 43960153 \n". */
static int
p_percpu(const char *b, size_t n, struct sample *s)
{
	if (s->cpu.percpu_ns == NULL || s->cpu.percpu_cap == 0)
		return 0;
	if (cgp_percpu(b, n, s->cpu.percpu_ns, s->cpu.percpu_cap,
	    &s->cpu.npercpu, NULL) != 0)
		return -1;
	s->have |= HAVE_CPU_PERCPU;
	return 0;
}

/* cpuacct.usage_percpu read alone (CG_CPU_FILES_PERCPU): the per-CPU
 * figures, and the total usage as their sum (what cpuacct.usage is). */
static int
p_percpu_usage(const char *b, size_t n, struct sample *s)
{
	uint32_t cap = s->cpu.percpu_ns != NULL ? s->cpu.percpu_cap : 0;
	uint64_t sum;

	if (cgp_percpu(b, n, s->cpu.percpu_ns, cap, &s->cpu.npercpu,
	    &sum) != 0)
		return -1;
	if (cap > 0)
		s->have |= HAVE_CPU_PERCPU;
	s->cpu.usage_ns = sum;
	s->have |= HAVE_CPU_USAGE;
	return 0;
}

/* cpu.stat: "nr_periods 13\nnr_throttled 12\nthrottled_time 604151787\n". */
static const struct cgp_key k_cpu_stat[] = {
	CGP_KEY("nr_periods", struct cpu_stats, nr_periods),
	CGP_KEY("nr_throttled", struct cpu_stats, nr_throttled),
	CGP_KEY("throttled_time", struct cpu_stats, throttled_ns),
};

static int
p_cpu_stat(const char *b, size_t n, struct sample *s)
{
	uint64_t found;

	if (cgp_flat(b, n, k_cpu_stat, ARRAY_LEN(k_cpu_stat), &s->cpu,
	    &found) != 0 || found != 7)
		return -1;
	s->have |= HAVE_CPU_THROTTLE;
	return 0;
}

/* cpu.cfs_quota_us: "50000\n" or "-1\n". */
static int
p_quota(const char *b, size_t n, struct sample *s)
{
	return cgp_i64(b, n, &s->cpu.quota_us);
}

/* cpu.cfs_period_us: "100000\n". */
static int
p_period(const char *b, size_t n, struct sample *s)
{
	return cgp_u64(b, n, &s->cpu.period_us, 0, NULL);
}

/*
 * memory.stat: local keys, hierarchical_*_limit, then total_* (this
 * cgroup and its children), which is what Docker and cAdvisor report.
 *     total_cache 8388608
 *     total_rss 81920
 */
struct v1_memstat {
	uint64_t limit, cache, rss, swap, mapped_file, pgfault, pgmajfault;
	uint64_t inactive_file, active_file;
};
static const struct cgp_key k_memstat[] = {
	CGP_KEY("hierarchical_memory_limit", struct v1_memstat, limit),
	CGP_KEY("total_cache", struct v1_memstat, cache),
	CGP_KEY("total_rss", struct v1_memstat, rss),
	CGP_KEY("total_swap", struct v1_memstat, swap),
	CGP_KEY("total_mapped_file", struct v1_memstat, mapped_file),
	CGP_KEY("total_pgfault", struct v1_memstat, pgfault),
	CGP_KEY("total_pgmajfault", struct v1_memstat, pgmajfault),
	CGP_KEY("total_inactive_file", struct v1_memstat, inactive_file),
	CGP_KEY("total_active_file", struct v1_memstat, active_file),
};

static int
p_memstat(const char *b, size_t n, struct sample *s)
{
	struct v1_memstat m;
	uint64_t found;

	memset(&m, 0, sizeof(m));
	if (cgp_flat(b, n, k_memstat, ARRAY_LEN(k_memstat), &m, &found) != 0)
		return -1;
	/* total_cache and total_rss are always there in a real file. */
	if ((found & 6) != 6)
		return -1;
	s->mem.cache = m.cache;
	s->mem.rss = m.rss;
	s->mem.mapped_file = m.mapped_file;
	s->mem.pgfault = m.pgfault;
	s->mem.pgmajfault = m.pgmajfault;
	s->mem.inactive_file = m.inactive_file;
	s->mem.active_file = m.active_file;
	s->have |= HAVE_MEM_STAT;
	if ((found & 1) && m.limit < V1_UNLIMITED) {
		s->mem.limit = m.limit;
		s->have |= HAVE_MEM_LIMIT;
	}
	if (found & 8) {            /* only with swap accounting */
		s->mem.swap = m.swap;
		s->have |= HAVE_MEM_SWAP;
	}
	return 0;
}

static int
p_max_usage(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->mem.max_usage, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_MEM_MAX_USAGE;
	return 0;
}

static int
p_failcnt(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->mem.failcnt, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_MEM_FAILCNT;
	return 0;
}

/* memory.oom_control: "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"
 * (oom_kill since Linux 4.13). */
struct oomctl { uint64_t disable, under, kill; };
static const struct cgp_key k_oomctl[] = {
	CGP_KEY("oom_kill_disable", struct oomctl, disable),
	CGP_KEY("under_oom", struct oomctl, under),
	CGP_KEY("oom_kill", struct oomctl, kill),
};

static int
p_oom_control(const char *b, size_t n, struct sample *s)
{
	struct oomctl o = { 0, 0, 0 };
	uint64_t found;

	if (cgp_flat(b, n, k_oomctl, ARRAY_LEN(k_oomctl), &o, &found) != 0 ||
	    !(found & 1))
		return -1;
	if (found & 4) {
		s->mem.oom_kills = o.kill;
		s->have |= HAVE_MEM_OOM;
	}
	return 0;
}

static int
p_blkio_bytes(const char *b, size_t n, struct sample *s)
{
	if (cgp_blkio_v1(b, n, &s->blkio, 0) != 0)
		return -1;
	s->have |= HAVE_BLKIO;
	return 0;
}

static int
p_blkio_ops(const char *b, size_t n, struct sample *s)
{
	if (cgp_blkio_v1(b, n, &s->blkio, 1) != 0)
		return -1;
	s->have |= HAVE_BLKIO;
	return 0;
}

static const struct cg_file_spec v1_files[] = {
	/* The usage files come first: CGC_CPU_SPLIT looks at the usage. */
	{ CG_CPUACCT, "cpuacct.usage", p_cpuacct_usage, CGC_USAGE, NULL },
	{ CG_CPUACCT, "cpuacct.usage_percpu", p_percpu, CGC_PERCPU,
	  p_percpu_usage },
	{ CG_CPUACCT, "cpuacct.stat", p_cpuacct_stat, CGC_CPU_SPLIT, NULL },
	{ CG_CPU, "cpu.stat", p_cpu_stat, CGC_THROTTLE, NULL },
	{ CG_CPU, "cpu.cfs_quota_us", p_quota, CGC_QUOTA, NULL },
	{ CG_CPU, "cpu.cfs_period_us", p_period, CGC_SLOW, NULL },
	{ CG_MEMORY, "memory.usage_in_bytes", cgroup_p_mem_usage, CGC_EVERY,
	  NULL },
	{ CG_MEMORY, "memory.stat", p_memstat, CGC_MEM_STAT, NULL },
	{ CG_MEMORY, "memory.max_usage_in_bytes", p_max_usage, CGC_SLOW,
	  NULL },
	{ CG_MEMORY, "memory.failcnt", p_failcnt, CGC_SLOW, NULL },
	{ CG_MEMORY, "memory.oom_control", p_oom_control, CGC_SLOW, NULL },
	{ CG_BLKIO, "blkio.throttle.io_service_bytes_recursive", p_blkio_bytes,
	  CGC_EVERY, NULL },
	{ CG_BLKIO, "blkio.throttle.io_serviced_recursive", p_blkio_ops,
	  CGC_BLKIO_OPS, NULL },
	{ CG_PIDS, "pids.current", cgroup_p_pids_current, CGC_EVERY, NULL },
	{ CG_PIDS, "pids.max", cgroup_p_pids_max, CGC_SLOW, NULL },
	{ CG_UNIFIED, "cpu.pressure", cgroup_p_cpu_pressure, CGC_PSI, NULL },
	{ CG_UNIFIED, "memory.pressure", cgroup_p_mem_pressure, CGC_PSI,
	  NULL },
	{ CG_UNIFIED, "io.pressure", cgroup_p_io_pressure, CGC_PSI, NULL },
};

static void
v1_finish(struct sample *s)
{
	if (s->cpu.quota_us > 0 && s->cpu.period_us > 0)
		s->have |= HAVE_CPU_QUOTA;
	cgroup_finish_memory(s);
}

static struct cgroup_handle *v1_open(const struct cg_layout_info *li,
	const char *relpath);

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.open = v1_open,
	.read = cg_handle_read,
	.close = cg_handle_close,
};

static const struct cg_version v1 = {
	.ops = &cgroup_v1_ops,
	.files = v1_files,
	.nfiles = ARRAY_LEN(v1_files),
	.begin = cgroup_begin,
	.finish = v1_finish,
};

/* The table itself, for the fuzz harness (cgroup_impl.h). */
const struct cg_version *const cgroup_v1_version = &v1;

static struct cgroup_handle *
v1_open(const struct cg_layout_info *li, const char *relpath)
{
	return cg_handle_open(&v1, li, relpath);
}
