/*
 * test_cgroup_tree.c — the cgroup layer against the fixture trees in
 * tests/fixtures/cgroup/ (see its README.md): layout detection, reading
 * every container into a struct sample (values and `have` bits), hostile
 * files (the broken metric is skipped and counted, the rest is read), a
 * container that vanishes between open and read, and discovery.
 *
 * The trees are found through tests/lib/fixture.h.  A test that deletes
 * anything works on a copy in a temporary directory, never on
 * tests/fixtures.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "collector/cgroup.h"
#include "collector/discover.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

/* tests/fixtures/cgroup/<rel> into buf ("" gives the folder itself). */
static char *
tree_path(char *buf, size_t size, const char *rel)
{
	char r[256];

	snprintf(r, sizeof(r), "cgroup%s%s", rel[0] != '\0' ? "/" : "", rel);
	return fixture_path(buf, size, r);
}

#define D1 "67157c5cecd20437a69824140230ca44a1f45535ff4192ffb9116c4dd279269d"
#define D2 "fd2c9610d3c827148f3d849901b6b33dbac06d93076b7ffa84fe94d156ab2136"
#define D3 "a17e4ce56a2fcb31d94bed344dae36902f5952d9b0b362bf80a10ab387b01eb9"
#define D4 "abd0be29cd096213751417e87f88c82a29936ce6eda6585b09d48288d5205c5c"
#define D5 "e558c54e685c85406a619a6b8f3618acb2700693c2c1d52fbaa9b1eb17ad67c8"
#define D6 "3016b71bacfbe13b2f4a0fafd663181b94815ae105e33f1ec5a2949825a3cbb0"
#define D7 "ad4858e0eae9bc6b66e0f168772a4ecc4dc59767889e6490fcc5a7a4c8fc4ccb"
#define M1 "b7b23460-7b51-5313-8b69-53f2f8207606"
#define M2 "f03c5e77-e7f4-5cf6-a159-f1beebf1570e"

#define PERCPU_CAP 4

/* ns per USER_HZ tick, as the kernel's cpuacct.stat counts. */
static uint64_t
ticks_ns(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return ticks * 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);
}

static void
detect(const char *tree, struct cg_layout_info *li)
{
	char root[CG_PATH_MAX], err[256] = "";

	tree_path(root, sizeof(root), tree);
	if (cgroup_detect(root, li, err, sizeof(err)) != 0)
		fail_msg("cgroup_detect(%s): %s", root, err);
}

/* Open relpath in tree, read it once; returns the handle (caller
 * closes) and fills s and errs.  A handle borrows its layout info, which
 * must outlive it: each call takes the next of a few static ones. */
static struct cgroup_handle *
read_one(const char *tree, const char *relpath, struct sample *s,
    uint64_t *percpu, struct cg_errors *errs, enum cg_result *res)
{
	static struct cg_layout_info lis[8];
	static unsigned next;
	struct cg_layout_info *li = &lis[next++ % 8];
	struct cgroup_handle *h;

	detect(tree, li);
	h = cgroup_open(li, relpath);
	if (h == NULL)
		fail_msg("cgroup_open(%s, %s) failed", tree, relpath);
	memset(s, 0, sizeof(*s));
	memset(errs, 0, sizeof(*errs));
	s->cpu.percpu_ns = percpu;
	s->cpu.percpu_cap = PERCPU_CAP;
	*res = cgroup_read(h, s, errs, 1000);
	return h;
}

static void
assert_psi(const struct psi_line *l, double a10, double a60, double a300,
    uint64_t total)
{
	assert_true(l->avg10 > a10 - 1e-9);
	assert_true(l->avg10 < a10 + 1e-9);
	assert_true(l->avg60 > a60 - 1e-9);
	assert_true(l->avg60 < a60 + 1e-9);
	assert_true(l->avg300 > a300 - 1e-9);
	assert_true(l->avg300 < a300 + 1e-9);
	assert_int_equal(l->total_us, total);
}

/* ---- layout detection ------------------------------------------------- */

struct layout_case {
	const char    *tree;
	enum cg_layout layout;
	const char    *mount[CG_NCTRL];   /* under tests/fixtures/cgroup; NULL: "" */
	const char    *discovery;
};

static void
test_detect(void **state)
{
	static const struct layout_case cases[] = {
		{ "v1", CG_LAYOUT_V1, { [CG_CPU] = "v1/cpu",
		    [CG_CPUACCT] = "v1/cpuacct", [CG_MEMORY] = "v1/memory",
		    [CG_BLKIO] = "v1/blkio", [CG_PIDS] = "v1/pids" },
		    "v1/cpuacct" },
		{ "v2", CG_LAYOUT_V2, { [CG_UNIFIED] = "v2" }, "v2" },
		{ "hybrid", CG_LAYOUT_HYBRID, {
		    [CG_CPU] = "hybrid/cpu,cpuacct",
		    [CG_CPUACCT] = "hybrid/cpu,cpuacct",
		    [CG_MEMORY] = "hybrid/memory", [CG_PIDS] = "hybrid/pids",
		    [CG_UNIFIED] = "hybrid/unified" },
		    "hybrid/cpu,cpuacct" },
		{ "bad/v1", CG_LAYOUT_V1, { [CG_CPU] = "bad/v1/cpu",
		    [CG_CPUACCT] = "bad/v1/cpuacct",
		    [CG_MEMORY] = "bad/v1/memory",
		    [CG_BLKIO] = "bad/v1/blkio", [CG_PIDS] = "bad/v1/pids" },
		    "bad/v1/cpuacct" },
		{ "bad/v2", CG_LAYOUT_V2, { [CG_UNIFIED] = "bad/v2" },
		    "bad/v2" },
	};
	struct cg_layout_info li;
	char want[CG_PATH_MAX], path[CG_PATH_MAX], err[256];
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		detect(cases[i].tree, &li);
		if (li.layout != cases[i].layout)
			fail_msg("%s: layout %s", cases[i].tree,
			    cgroup_layout_name(li.layout));
		for (c = 0; c < CG_NCTRL; c++) {
			want[0] = '\0';
			if (cases[i].mount[c] != NULL)
				tree_path(want, sizeof(want),
				    cases[i].mount[c]);
			if (strcmp(li.mount[c], want) != 0)
				fail_msg("%s: mount[%d] \"%s\", want \"%s\"",
				    cases[i].tree, c, li.mount[c], want);
		}
		tree_path(want, sizeof(want), cases[i].discovery);
		assert_string_equal(cgroup_discovery_root(&li), want);
	}
	assert_string_equal(cgroup_layout_name(CG_LAYOUT_V1), "v1");
	assert_string_equal(cgroup_layout_name(CG_LAYOUT_V2), "v2");
	assert_string_equal(cgroup_layout_name(CG_LAYOUT_HYBRID), "hybrid");

	/* Not a directory; a directory with no controllers in it. */
	err[0] = '\0';
	assert_int_equal(cgroup_detect(tree_path(path, sizeof(path),
	    "no-such-tree"), &li, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	err[0] = '\0';
	assert_int_equal(cgroup_detect(tree_path(path, sizeof(path), ""), &li,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "neither"));
	assert_int_equal(cgroup_detect(tree_path(path, sizeof(path),
	    "README.md"), &li, err, sizeof(err)), -1);
}

/* ---- v1 ---------------------------------------------------------------- */

static const uint32_t v1_full_have = HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
    HAVE_CPU_THROTTLE | HAVE_CPU_QUOTA | HAVE_CPU_PERCPU | HAVE_MEM_USAGE |
    HAVE_MEM_LIMIT | HAVE_MEM_MAX_USAGE | HAVE_MEM_STAT | HAVE_MEM_SWAP |
    HAVE_MEM_FAILCNT | HAVE_MEM_OOM | HAVE_BLKIO | HAVE_PIDS |
    HAVE_PIDS_LIMIT;

/* The captured sample's numbers (v1-sample/), shared by v1 and hybrid. */
static void
assert_v1_sample_cpu_mem(const struct sample *s)
{
	assert_int_equal(s->cpu.usage_ns, 643171896);
	assert_int_equal(s->cpu.user_ns, ticks_ns(57));
	assert_int_equal(s->cpu.system_ns, ticks_ns(6));
	assert_int_equal(s->cpu.npercpu, 2);
	assert_int_equal(s->cpu.percpu_ns[0], 346362111);
	assert_int_equal(s->cpu.percpu_ns[1], 296809785);
	assert_int_equal(s->cpu.nr_periods, 13);
	assert_int_equal(s->cpu.nr_throttled, 10);
	assert_int_equal(s->cpu.throttled_ns, 215620526);
	assert_int_equal(s->cpu.quota_us, 50000);
	assert_int_equal(s->cpu.period_us, 100000);
	assert_int_equal(s->mem.usage, 8904704);
	/* usage_in_bytes - total_inactive_file, as the docker CLI. */
	assert_int_equal(s->mem.working_set, 8904704 - 8388608);
	assert_int_equal(s->mem.limit, 268435456);   /* hierarchical_memory_limit */
	assert_int_equal(s->mem.max_usage, 10522624);
	assert_int_equal(s->mem.cache, 8388608);
	assert_int_equal(s->mem.rss, 81920);
	assert_int_equal(s->mem.inactive_file, 8388608);
	assert_int_equal(s->mem.active_file, 0);
	assert_int_equal(s->mem.pgfault, 1582);
	assert_int_equal(s->mem.pgmajfault, 0);
	assert_int_equal(s->mem.swap, 0);
	assert_int_equal(s->mem.failcnt, 0);
	assert_int_equal(s->mem.oom_kills, 2);
	assert_int_equal(s->pids.current, 1);
	assert_int_equal(s->pids.limit, 64);
}

static void
test_v1_docker(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;
	int pass;

	(void)state;
	h = read_one("v1", "docker/" D1, &s, percpu, &errs, &r);
	/* Twice: kept-open files are re-read from offset 0. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			memset(&errs, 0, sizeof(errs));
			r = cgroup_read(h, &s, &errs, 1001);
		}
		assert_int_equal(r, CG_OK);
		assert_int_equal(errs.read, 0);
		assert_int_equal(errs.parse, 0);
		assert_int_equal(s.have, v1_full_have);
		assert_v1_sample_cpu_mem(&s);
		assert_int_equal(s.blkio.ndev, 1);
		assert_int_equal(s.blkio.dev[0].major, 254);
		assert_int_equal(s.blkio.dev[0].minor, 0);
		assert_int_equal(s.blkio.dev[0].read_bytes, 16777216);
		assert_int_equal(s.blkio.dev[0].write_bytes, 16777216);
		assert_int_equal(s.blkio.dev[0].read_ops, 32);
		assert_int_equal(s.blkio.dev[0].write_ops, 16);
		assert_int_equal(s.blkio.total.read_bytes, 16777216);
		assert_int_equal(s.blkio.total.write_bytes, 16777216);
		assert_int_equal(s.blkio.total.read_ops, 32);
		assert_int_equal(s.blkio.total.write_ops, 16);
	}
	cgroup_close(h);
}

static void
test_v1_systemd_unlimited(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;

	(void)state;
	h = read_one("v1", "system.slice/docker-" D2 ".scope", &s, percpu,
	    &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	/* quota -1: no quota; hierarchical_memory_limit
	 * 9223372036854771712: no limit; oom_control without oom_kill (a
	 * kernel before 4.13): no OOM count. */
	assert_int_equal(s.have, v1_full_have & ~(HAVE_CPU_QUOTA |
	    HAVE_MEM_LIMIT | HAVE_MEM_OOM));
	assert_int_equal(s.cpu.quota_us, -1);
	assert_int_equal(s.cpu.usage_ns, 1034895764);
	assert_int_equal(s.pids.current, 0);
	assert_int_equal(s.mem.working_set, 8904704 - 8388608);
	cgroup_close(h);
}

static void
test_v1_mesos(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;

	(void)state;
	h = read_one("v1", "mesos/" M1, &s, percpu, &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	assert_int_equal(s.have, v1_full_have & ~(HAVE_CPU_QUOTA |
	    HAVE_MEM_LIMIT | HAVE_PIDS_LIMIT));
	/* Docker's runmetrics memory.stat: large values, limit 2^63-1. */
	assert_int_equal(s.mem.usage, 13423558656ULL);
	assert_int_equal(s.mem.working_set, 13423558656ULL - 7003344896ULL);
	assert_int_equal(s.mem.cache, 11492564992ULL);
	assert_int_equal(s.mem.rss, 1930993664ULL);
	assert_int_equal(s.mem.mapped_file, 306728960ULL);
	assert_int_equal(s.mem.active_file, 4489052160ULL);
	assert_int_equal(s.mem.pgfault, 728281223ULL);
	assert_int_equal(s.mem.pgmajfault, 1724);
	/* "Total 0" only: blkio read, no device. */
	assert_int_equal(s.blkio.ndev, 0);
	assert_int_equal(s.blkio.total.read_bytes, 0);
	cgroup_close(h);
}

/* ---- v2 ---------------------------------------------------------------- */

static void
test_v2_systemd_full(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;
	int pids[4];

	(void)state;
	h = read_one("v2", "system.slice/docker-" D3 ".scope", &s, percpu,
	    &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	assert_int_equal(s.have, HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
	    HAVE_CPU_THROTTLE | HAVE_CPU_QUOTA | HAVE_CPU_PSI |
	    HAVE_MEM_USAGE | HAVE_MEM_LIMIT | HAVE_MEM_MAX_USAGE |
	    HAVE_MEM_STAT | HAVE_MEM_SWAP | HAVE_MEM_OOM | HAVE_MEM_PSI |
	    HAVE_BLKIO | HAVE_IO_PSI | HAVE_PIDS);
	/* cpu.stat is in µs. */
	assert_int_equal(s.cpu.usage_ns, 1201536000ULL);
	assert_int_equal(s.cpu.user_ns, 1190921000ULL);
	assert_int_equal(s.cpu.system_ns, 10615000ULL);
	assert_int_equal(s.cpu.nr_periods, 120);
	assert_int_equal(s.cpu.nr_throttled, 43);
	assert_int_equal(s.cpu.throttled_ns, 2207455000ULL);
	assert_int_equal(s.cpu.quota_us, 50000);
	assert_int_equal(s.cpu.period_us, 100000);
	assert_int_equal(s.cpu.npercpu, 0);
	assert_psi(&s.cpu.psi.some, 1.53, 0.87, 0.25, 1845123);
	assert_psi(&s.cpu.psi.full, 0.40, 0.10, 0.02, 402311);
	/* memory.current - inactive_file. */
	assert_int_equal(s.mem.usage, 19922944);
	assert_int_equal(s.mem.working_set, 19922944 - 9437184);
	assert_int_equal(s.mem.limit, 268435456);
	assert_int_equal(s.mem.max_usage, 25165824);
	assert_int_equal(s.mem.rss, 6291456);          /* anon */
	assert_int_equal(s.mem.cache, 12582912);       /* file */
	assert_int_equal(s.mem.mapped_file, 2097152);
	assert_int_equal(s.mem.active_file, 3145728);
	assert_int_equal(s.mem.inactive_file, 9437184);
	assert_int_equal(s.mem.pgfault, 5321);
	assert_int_equal(s.mem.pgmajfault, 12);
	assert_int_equal(s.mem.swap, 0);
	assert_int_equal(s.mem.oom_kills, 1);
	assert_psi(&s.mem.psi.some, 0.00, 0.12, 0.05, 40000);
	assert_psi(&s.mem.psi.full, 0.00, 0.03, 0.01, 12000);
	/* io.stat: the kernel doc's two devices. */
	assert_int_equal(s.blkio.ndev, 2);
	assert_int_equal(s.blkio.dev[0].major, 8);
	assert_int_equal(s.blkio.dev[0].minor, 16);
	assert_int_equal(s.blkio.dev[1].write_bytes, 299008000);
	assert_int_equal(s.blkio.total.read_bytes, 1459200 + 90430464);
	assert_int_equal(s.blkio.total.write_ops, 353 + 1252);
	assert_psi(&s.blkio.psi.some, 2.10, 1.00, 0.33, 912345);
	assert_psi(&s.blkio.psi.full, 1.05, 0.50, 0.16, 456789);
	assert_int_equal(s.pids.current, 7);
	assert_int_equal(cgroup_pids(h, pids, 4), 1);
	assert_int_equal(pids[0], 4321);
	cgroup_close(h);
}

static void
test_v2_docker_sample(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;
	int pids[4];

	(void)state;
	h = read_one("v2", "docker/" D4, &s, percpu, &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	/* The captured cpu.stat has no throttle keys; no cpu.max, PSI,
	 * io.stat, memory.events: those metrics are absent, not errors. */
	assert_int_equal(s.have, HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
	    HAVE_MEM_USAGE | HAVE_MEM_STAT | HAVE_PIDS | HAVE_PIDS_LIMIT);
	assert_int_equal(s.cpu.usage_ns, 689130000ULL);
	assert_int_equal(s.cpu.user_ns, 617836000ULL);
	assert_int_equal(s.cpu.system_ns, 71294000ULL);
	assert_int_equal(s.mem.working_set, 8904704 - 8388608);
	assert_int_equal(s.pids.current, 1);
	assert_int_equal(s.pids.limit, 64);
	assert_int_equal(cgroup_pids(h, pids, 4), 0);  /* empty procs */
	cgroup_close(h);
}

static void
test_v2_mesos_leaf(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;
	int pids[4];

	(void)state;
	h = read_one("v2", "mesos/" M2, &s, percpu, &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	/* "max 100000": no quota. */
	assert_int_equal(s.have, HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
	    HAVE_MEM_USAGE | HAVE_MEM_LIMIT | HAVE_PIDS);
	assert_int_equal(s.cpu.quota_us, -1);
	assert_int_equal(s.cpu.period_us, 100000);
	assert_int_equal(s.cpu.usage_ns, 1035088000ULL);
	assert_int_equal(s.mem.limit, 1073741824);
	assert_int_equal(s.mem.working_set, 4096);
	/* The processes are in leaf/. */
	assert_int_equal(cgroup_pids(h, pids, 4), 2);
	assert_int_equal(pids[0], 5150);
	assert_int_equal(pids[1], 5151);
	assert_int_equal(cgroup_pids(h, pids, 1), 1);
	assert_int_equal(cgroup_pids(h, pids, 0), 0);
	cgroup_close(h);
}

/* ---- hybrid ------------------------------------------------------------ */

static void
test_hybrid(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;

	(void)state;
	h = read_one("hybrid", "docker/" D5, &s, percpu, &errs, &r);
	assert_int_equal(r, CG_OK);
	assert_int_equal(errs.read + errs.parse, 0);
	/* No blkio controller; PSI from the unified tree (cpu only). */
	assert_int_equal(s.have, (v1_full_have & ~HAVE_BLKIO) | HAVE_CPU_PSI);
	assert_v1_sample_cpu_mem(&s);
	assert_psi(&s.cpu.psi.some, 12.50, 6.25, 1.00, 98765432);
	assert_psi(&s.cpu.psi.full, 0, 0, 0, 0);
	cgroup_close(h);
}

/* ---- hostile trees ----------------------------------------------------- */

static void
test_bad_v1(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;

	(void)state;
	h = read_one("bad/v1", "docker/" D6, &s, percpu, &errs, &r);
	assert_int_equal(r, CG_OK);
	/* Empty cpuacct.usage, 2^64 in cpu.stat, garbage memory.stat. */
	assert_int_equal(errs.parse, 3);
	/* memory.max_usage_in_bytes is a directory: read fails. */
	assert_int_equal(errs.read, 1);
	/* Missing memory.failcnt and pids.max are not errors. */
	assert_int_equal(s.have, HAVE_CPU_USERSYS | HAVE_CPU_PERCPU |
	    HAVE_CPU_QUOTA | HAVE_MEM_USAGE | HAVE_MEM_OOM | HAVE_BLKIO |
	    HAVE_PIDS);
	/* The rest is read as usual; cpuacct.stat and oom_control had
	 * unknown keys. */
	assert_int_equal(s.cpu.user_ns, ticks_ns(57));
	assert_int_equal(s.cpu.system_ns, ticks_ns(6));
	assert_int_equal(s.cpu.npercpu, 2);
	assert_int_equal(s.cpu.quota_us, 50000);
	assert_int_equal(s.mem.usage, 8904704);
	/* Without memory.stat the working set is the raw usage. */
	assert_int_equal(s.mem.working_set, 8904704);
	assert_int_equal(s.mem.oom_kills, 2);
	assert_int_equal(s.blkio.total.read_bytes, 16777216);
	assert_int_equal(s.pids.current, 1);
	/* Errors count again on the next sweep. */
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1001), CG_OK);
	assert_int_equal(errs.parse, 3);
	assert_int_equal(errs.read, 1);
	cgroup_close(h);
}

static void
test_bad_v2(void **state)
{
	uint64_t percpu[PERCPU_CAP];
	struct cgroup_handle *h;
	struct cg_errors errs;
	enum cg_result r;
	struct sample s;

	(void)state;
	h = read_one("bad/v2", "system.slice/docker-" D7 ".scope", &s, percpu,
	    &errs, &r);
	assert_int_equal(r, CG_OK);
	/* cpu.max, memory.current, memory.max, memory.stat, memory.events,
	 * io.stat, cpu.pressure, pids.max. */
	assert_int_equal(errs.parse, 8);
	assert_int_equal(errs.read, 0);
	/* cpu.stat with an unknown key and pids.current are read. */
	assert_int_equal(s.have, HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
	    HAVE_CPU_THROTTLE | HAVE_PIDS);
	assert_int_equal(s.cpu.usage_ns, 1201536000ULL);
	assert_int_equal(s.cpu.nr_throttled, 43);
	assert_int_equal(s.pids.current, 3);
	cgroup_close(h);
}

/* ---- a container that vanishes --------------------------------------- */

static char tmp_root[64];

static int
copy_setup(void **state)
{
	char cmd[2 * CG_PATH_MAX + 128], v1[CG_PATH_MAX], v2[CG_PATH_MAX];

	(void)state;
	str_copy_trunc(tmp_root, "/tmp/hoist-cgtree-XXXXXX", sizeof(tmp_root));
	if (mkdtemp(tmp_root) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -R '%s' '%s' %s/",
	    tree_path(v1, sizeof(v1), "v1"), tree_path(v2, sizeof(v2), "v2"),
	    tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

static int
copy_teardown(void **state)
{
	char cmd[256];

	(void)state;
	cgroup_set_fd_budget(4096);
	if (tmp_root[0] == '\0')
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_root);
	tmp_root[0] = '\0';
	return system(cmd) == 0 ? 0 : -1;
}

static void __attribute__((format(printf, 1, 2)))
rm_rf(const char *fmt, ...)
{
	char path[512], cmd[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/*
 * On cgroupfs a kept-open file of a removed cgroup reads ENODEV; a copy
 * on an ordinary file system keeps serving the unlinked bytes.  So the
 * budget of kept-open descriptors is set to 1: the first file stays open
 * (and reads stale data), the others are opened on demand and fail with
 * ENOENT, which is how the layer sees the cgroup is gone.
 */
static void
test_vanished_v1(void **state)
{
	static const char *const ctrls[] = { "cpu", "cpuacct", "memory",
	    "blkio", "pids" };
	uint64_t percpu[PERCPU_CAP];
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char root[128], err[256];
	size_t i;

	(void)state;
	snprintf(root, sizeof(root), "%s/v1", tmp_root);
	assert_int_equal(cgroup_detect(root, &li, err, sizeof(err)), 0);
	cgroup_set_fd_budget(1);
	h = cgroup_open(&li, "docker/" D1);
	assert_non_null(h);
	memset(&s, 0, sizeof(s));
	memset(&errs, 0, sizeof(errs));
	s.cpu.percpu_ns = percpu;
	s.cpu.percpu_cap = PERCPU_CAP;
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_int_equal(s.have, v1_full_have);
	for (i = 0; i < ARRAY_LEN(ctrls); i++)
		rm_rf("%s/%s/docker/%s", root, ctrls[i], D1);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1001), CG_VANISHED);
	/* A vanished cgroup is not a read error. */
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
	/* Gone before open: no handle at all. */
	assert_null(cgroup_open(&li, "docker/" D1));
	assert_null(cgroup_open(&li, "docker/no-such-container"));
	/* The other containers of the copy are untouched. */
	h = cgroup_open(&li, "mesos/" M1);
	assert_non_null(h);
	assert_int_equal(cgroup_read(h, &s, &errs, 1002), CG_OK);
	cgroup_close(h);
}

static void
test_vanished_v2(void **state)
{
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char root[128], err[256];

	(void)state;
	snprintf(root, sizeof(root), "%s/v2", tmp_root);
	assert_int_equal(cgroup_detect(root, &li, err, sizeof(err)), 0);
	cgroup_set_fd_budget(1);
	h = cgroup_open(&li, "system.slice/docker-" D3 ".scope");
	assert_non_null(h);
	memset(&s, 0, sizeof(s));
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_true(s.have & HAVE_MEM_USAGE);
	rm_rf("%s/system.slice/docker-%s.scope", root, D3);
	assert_int_equal(cgroup_read(h, &s, &errs, 1001), CG_VANISHED);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

/* ---- discovery ---------------------------------------------------------- */

#define FOUND_MAX 16

struct found {
	size_t n;
	struct discovered d[FOUND_MAX];
};

static void
on_found(void *arg, const struct discovered *d)
{
	struct found *f = arg;

	if (f->n < FOUND_MAX)
		f->d[f->n] = *d;
	f->n++;
}

static int
by_relpath(const void *a, const void *b)
{
	return strcmp(((const struct discovered *)a)->relpath,
	    ((const struct discovered *)b)->relpath);
}

struct want {
	enum runtime runtime;
	const char  *id;
	const char  *relpath;
};

static void
check_scan(const char *tree, const struct discover_options *o,
    const struct want *want, size_t nwant)
{
	struct cg_layout_info li;
	struct found f;
	size_t i;
	int n;

	memset(&f, 0, sizeof(f));
	detect(tree, &li);
	n = discover_scan(cgroup_discovery_root(&li), o, on_found, &f);
	if (n < 0 || (size_t)n != nwant || f.n != nwant)
		fail_msg("%s: %d containers, want %zu", tree, n, nwant);
	qsort(f.d, f.n, sizeof(f.d[0]), by_relpath);
	for (i = 0; i < nwant; i++) {
		if (f.d[i].runtime != want[i].runtime ||
		    strcmp(f.d[i].id, want[i].id) != 0 ||
		    strcmp(f.d[i].relpath, want[i].relpath) != 0)
			fail_msg("%s[%zu]: %s %s %s, want %s %s %s", tree, i,
			    runtime_name(f.d[i].runtime), f.d[i].id,
			    f.d[i].relpath, runtime_name(want[i].runtime),
			    want[i].id, want[i].relpath);
	}
}

static void
test_discover_scan(void **state)
{
	static const struct want v1[] = {
		{ RUNTIME_DOCKER, D1, "docker/" D1 },
		{ RUNTIME_MESOS, M1, "mesos/" M1 },
		{ RUNTIME_DOCKER, D2, "system.slice/docker-" D2 ".scope" },
	};
	static const struct want v2[] = {
		{ RUNTIME_DOCKER, D4, "docker/" D4 },
		{ RUNTIME_MESOS, M2, "mesos/" M2 },
		{ RUNTIME_DOCKER, D3, "system.slice/docker-" D3 ".scope" },
	};
	static const struct want v2_prefix[] = {
		{ RUNTIME_DOCKER, D4, "docker/" D4 },
		{ RUNTIME_MESOS, M2, "mesos/" M2 },
		{ RUNTIME_DOCKER, D3, "system.slice/docker-" D3 ".scope" },
		{ RUNTIME_CGROUP, "system.slice/sshd.service",
		    "system.slice/sshd.service" },
	};
	static const struct want hybrid[] = {
		{ RUNTIME_DOCKER, D5, "docker/" D5 },
	};
	struct discover_options o;
	struct found f;
	char path[CG_PATH_MAX];

	(void)state;
	check_scan("v1", NULL, v1, ARRAY_LEN(v1));
	check_scan("v2", NULL, v2, ARRAY_LEN(v2));
	check_scan("hybrid", NULL, hybrid, ARRAY_LEN(hybrid));
	memset(&o, 0, sizeof(o));
	o.prefixes[0] = "/system.slice/*.service";
	o.prefixes[1] = "no-such-dir/*";
	o.nprefixes = 2;
	check_scan("v2", &o, v2_prefix, ARRAY_LEN(v2_prefix));
	memset(&f, 0, sizeof(f));
	assert_int_equal(discover_scan(tree_path(path, sizeof(path),
	    "no-such-tree"), NULL, on_found, &f), -1);
	assert_int_equal(f.n, 0);
}

struct classify_case {
	const char  *relpath;
	int          is;
	enum runtime runtime;
	const char  *id;
};

static void
test_discover_classify(void **state)
{
	static const struct classify_case cases[] = {
		{ "docker/" D1, 1, RUNTIME_DOCKER, D1 },
		{ "system.slice/docker-" D2 ".scope", 1, RUNTIME_DOCKER, D2 },
		{ "mesos/" M1, 1, RUNTIME_MESOS, M1 },
		{ "mesos/task_1.a-B", 1, RUNTIME_MESOS, "task_1.a-B" },
		/* Not containers. */
		{ "docker/" D1 "0", 0, 0, NULL },                  /* 65 hex */
		{ "docker/67157c5cecd20437a69824140230ca44a1f45535ff4192ffb9116c4dd279269", 0, 0, NULL },
		{ "docker/67157C5CECD20437A69824140230CA44A1F45535FF4192FFB9116C4DD279269D", 0, 0, NULL },
		{ "docker/67157c5cecd20437a69824140230ca44a1f45535ff4192ffb9116c4dd27926zz", 0, 0, NULL },
		{ "docker/" D1 "/child", 0, 0, NULL },
		{ "docker/", 0, 0, NULL },
		{ "docker", 0, 0, NULL },
		{ "system.slice/docker-" D2 ".service", 0, 0, NULL },
		{ "system.slice/docker-" D2 ".scope/init", 0, 0, NULL },
		{ "system.slice/docker-" D2, 0, 0, NULL },
		{ "system.slice/docker.service", 0, 0, NULL },
		{ "system.slice/sshd.service", 0, 0, NULL },
		{ "mesos/slave", 0, 0, NULL },
		{ "mesos/agent", 0, 0, NULL },
		{ "mesos/" M1 "/leaf", 0, 0, NULL },
		{ "mesos/", 0, 0, NULL },
		{ "mesos/bad id", 0, 0, NULL },
		{ "mesos/a,b", 0, 0, NULL },
		{ "kubepods/pod1/" D1, 0, 0, NULL },
		{ "", 0, 0, NULL },
		{ "/docker/" D1, 0, 0, NULL },
	};
	struct discovered d;
	char longpath[CGROUP_PATH_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct classify_case *c = &cases[i];
		int is = discover_classify(c->relpath, &d);

		if (is != c->is)
			fail_msg("discover_classify(\"%s\") = %d", c->relpath,
			    is);
		if (!is)
			continue;
		assert_int_equal(d.runtime, c->runtime);
		assert_string_equal(d.id, c->id);
		assert_string_equal(d.relpath, c->relpath);
	}
	/* A path longer than CGROUP_PATH_MAX is refused, not cut. */
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "mesos/", 6);
	assert_int_equal(discover_classify(longpath, &d), 0);
	/* A Mesos id that fills CONTAINER_ID_MAX is refused. */
	memset(longpath, 'a', sizeof(longpath) - 1);
	memcpy(longpath, "mesos/", 6);
	longpath[6 + CONTAINER_ID_MAX] = '\0';
	assert_int_equal(discover_classify(longpath, &d), 0);
	longpath[6 + CONTAINER_ID_MAX - 1] = '\0';
	assert_int_equal(discover_classify(longpath, &d), 1);
	assert_int_equal(strlen(d.id), CONTAINER_ID_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_v1_docker),
		cmocka_unit_test(test_v1_systemd_unlimited),
		cmocka_unit_test(test_v1_mesos),
		cmocka_unit_test(test_v2_systemd_full),
		cmocka_unit_test(test_v2_docker_sample),
		cmocka_unit_test(test_v2_mesos_leaf),
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_bad_v1),
		cmocka_unit_test(test_bad_v2),
		cmocka_unit_test_setup_teardown(test_vanished_v1, copy_setup,
		    copy_teardown),
		cmocka_unit_test_setup_teardown(test_vanished_v2, copy_setup,
		    copy_teardown),
		cmocka_unit_test(test_discover_scan),
		cmocka_unit_test(test_discover_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
