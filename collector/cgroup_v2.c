/*
 * cgroup_v2.c — the files read per container on a unified (cgroup v2)
 * host.  Relative path under the unified mount: system.slice/docker-<id>
 * .scope, docker/<id>, mesos/<id> ...  Formats: the kernel's
 * Documentation/admin-guide/cgroup-v2.rst and tests/fixtures/cgroup/
 * v2-sample/.
 */
#include <stddef.h>
#include <string.h>

#include "collector/cgroup_impl.h"
#include "collector/cgroup_parse.h"
#include "common/util.h"

/*
 * cpu.stat: "usage_usec 1201536\nuser_usec 1190921\nsystem_usec 10615\n"
 * then, with the cpu controller enabled, "nr_periods", "nr_throttled",
 * "throttled_usec" (and newer keys, ignored).
 */
struct v2_cpustat {
	uint64_t usage, user, system, periods, throttled, throttled_usec;
};
static const struct cgp_key k_cpustat[] = {
	CGP_KEY("usage_usec", struct v2_cpustat, usage),
	CGP_KEY("user_usec", struct v2_cpustat, user),
	CGP_KEY("system_usec", struct v2_cpustat, system),
	CGP_KEY("nr_periods", struct v2_cpustat, periods),
	CGP_KEY("nr_throttled", struct v2_cpustat, throttled),
	CGP_KEY("throttled_usec", struct v2_cpustat, throttled_usec),
};

static int
p_cpu_stat(const char *b, size_t n, struct sample *s)
{
	struct v2_cpustat c;
	uint64_t found;

	memset(&c, 0, sizeof(c));
	if (cgp_flat(b, n, k_cpustat, ARRAY_LEN(k_cpustat), &c, &found) != 0 ||
	    !(found & 1))
		return -1;
	s->cpu.usage_ns = c.usage * 1000;
	s->have |= HAVE_CPU_USAGE;
	if ((found & 6) == 6) {
		s->cpu.user_ns = c.user * 1000;
		s->cpu.system_ns = c.system * 1000;
		s->have |= HAVE_CPU_USERSYS;
	}
	if ((found & 56) == 56) {
		s->cpu.nr_periods = c.periods;
		s->cpu.nr_throttled = c.throttled;
		s->cpu.throttled_ns = c.throttled_usec * 1000;
		s->have |= HAVE_CPU_THROTTLE;
	}
	return 0;
}

/* cpu.max: "max 100000\n" or "50000 100000\n". */
static int
p_cpu_max(const char *b, size_t n, struct sample *s)
{
	if (cgp_cpu_max(b, n, &s->cpu.quota_us, &s->cpu.period_us) != 0)
		return -1;
	if (s->cpu.quota_us > 0)
		s->have |= HAVE_CPU_QUOTA;
	return 0;
}

/* memory.max: "max\n" or bytes. */
static int
p_mem_max(const char *b, size_t n, struct sample *s)
{
	int is_max;

	if (cgp_u64(b, n, &s->mem.limit, 1, &is_max) != 0)
		return -1;
	if (!is_max)
		s->have |= HAVE_MEM_LIMIT;
	return 0;
}

/* memory.stat: "anon 1294336\nfile 16384\n...\ninactive_file 8192\n". */
struct v2_memstat {
	uint64_t anon, file, file_mapped, active_file, inactive_file;
	uint64_t pgfault, pgmajfault;
};
static const struct cgp_key k_memstat[] = {
	CGP_KEY("anon", struct v2_memstat, anon),
	CGP_KEY("file", struct v2_memstat, file),
	CGP_KEY("file_mapped", struct v2_memstat, file_mapped),
	CGP_KEY("active_file", struct v2_memstat, active_file),
	CGP_KEY("inactive_file", struct v2_memstat, inactive_file),
	CGP_KEY("pgfault", struct v2_memstat, pgfault),
	CGP_KEY("pgmajfault", struct v2_memstat, pgmajfault),
};

static int
p_memstat(const char *b, size_t n, struct sample *s)
{
	struct v2_memstat m;
	uint64_t found;

	memset(&m, 0, sizeof(m));
	if (cgp_flat(b, n, k_memstat, ARRAY_LEN(k_memstat), &m, &found) != 0 ||
	    (found & 3) != 3)
		return -1;
	s->mem.rss = m.anon;
	s->mem.cache = m.file;
	s->mem.mapped_file = m.file_mapped;
	s->mem.active_file = m.active_file;
	s->mem.inactive_file = m.inactive_file;
	s->mem.pgfault = m.pgfault;
	s->mem.pgmajfault = m.pgmajfault;
	s->have |= HAVE_MEM_STAT;
	return 0;
}

static int
p_swap_current(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->mem.swap, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_MEM_SWAP;
	return 0;
}

/* memory.peak (Linux 5.19+): the high-water mark, v1's max_usage. */
static int
p_mem_peak(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->mem.max_usage, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_MEM_MAX_USAGE;
	return 0;
}

/* memory.events: "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n". */
struct v2_events { uint64_t oom, oom_kill; };
static const struct cgp_key k_events[] = {
	CGP_KEY("oom", struct v2_events, oom),
	CGP_KEY("oom_kill", struct v2_events, oom_kill),
};

static int
p_mem_events(const char *b, size_t n, struct sample *s)
{
	struct v2_events e = { 0, 0 };
	uint64_t found;

	if (cgp_flat(b, n, k_events, ARRAY_LEN(k_events), &e, &found) != 0 ||
	    !(found & 2))
		return -1;
	s->mem.oom_kills = e.oom_kill;
	s->have |= HAVE_MEM_OOM;
	return 0;
}

static int
p_io_stat(const char *b, size_t n, struct sample *s)
{
	if (cgp_io_stat(b, n, &s->blkio) != 0)
		return -1;
	s->have |= HAVE_BLKIO;
	return 0;
}

static const struct cg_file_spec v2_files[] = {
	{ CG_UNIFIED, "cpu.stat", p_cpu_stat, CGC_EVERY, NULL },
	{ CG_UNIFIED, "cpu.max", p_cpu_max, CGC_SLOW, NULL },
	{ CG_UNIFIED, "cpu.pressure", cgroup_p_cpu_pressure, CGC_PSI, NULL },
	{ CG_UNIFIED, "memory.current", cgroup_p_mem_usage, CGC_EVERY, NULL },
	{ CG_UNIFIED, "memory.max", p_mem_max, CGC_SLOW, NULL },
	{ CG_UNIFIED, "memory.stat", p_memstat, CGC_MEM_STAT, NULL },
	{ CG_UNIFIED, "memory.swap.current", p_swap_current, CGC_EVERY, NULL },
	{ CG_UNIFIED, "memory.peak", p_mem_peak, CGC_SLOW, NULL },
	{ CG_UNIFIED, "memory.events", p_mem_events, CGC_SLOW, NULL },
	{ CG_UNIFIED, "memory.pressure", cgroup_p_mem_pressure, CGC_PSI,
	  NULL },
	{ CG_UNIFIED, "io.stat", p_io_stat, CGC_EVERY, NULL },
	{ CG_UNIFIED, "io.pressure", cgroup_p_io_pressure, CGC_PSI, NULL },
	{ CG_UNIFIED, "pids.current", cgroup_p_pids_current, CGC_EVERY, NULL },
	{ CG_UNIFIED, "pids.max", cgroup_p_pids_max, CGC_SLOW, NULL },
};

static struct cgroup_handle *v2_open(const struct cg_layout_info *li,
	const char *relpath);

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.open = v2_open,
	.read = cg_handle_read,
	.close = cg_handle_close,
};

static const struct cg_version v2 = {
	.ops = &cgroup_v2_ops,
	.files = v2_files,
	.nfiles = ARRAY_LEN(v2_files),
	.begin = cgroup_begin,
	.finish = cgroup_finish_memory,
};

/* The table itself, for the fuzz harness (cgroup_impl.h). */
const struct cg_version *const cgroup_v2_version = &v2;

static struct cgroup_handle *
v2_open(const struct cg_layout_info *li, const char *relpath)
{
	return cg_handle_open(&v2, li, relpath);
}
