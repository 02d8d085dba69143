/*
 * test_host_parse.c — collector/host_parse: every parser against the
 * /proc files in tests/fixtures/proc/ (this machine's kernel and older
 * kernels' formats, see SOURCES.md) and hostile input; Telegraf's CPU
 * and memory arithmetic; glob lists.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "collector/host_parse.h"
#include "common/buf.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

#define L(s) s, sizeof(s) - 1
/* cmocka's assert_float_equal works in float; these are doubles. */
#define assert_near(a, b, eps) do { \
	double a_ = (a), b_ = (b); \
	if (a_ - b_ > (eps) || b_ - a_ > (eps)) \
		fail_msg("%s = %.17g, want %.17g", #a, a_, b_); \
} while (0)
#define KB 1024ull

/* tests/fixtures/proc/<rel>, read whole (tests/lib/fixture.h). */
static char *
fixture(const char *rel, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "proc/%s", rel);
	return fixture_read(path, len);
}

/* ---- /proc/stat --------------------------------------------------------- */

static void
test_stat_fixtures(void **state)
{
	static const struct {
		const char *file;
		uint32_t    ncpu;
		uint64_t    user, idle, steal, guest_nice, ctxt, btime, forks;
		uint64_t    running, blocked;
	} cases[] = {
		{ "linux-6.18/stat", 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ "linux-3.10/stat", 2, 2255, 22625563, 0, 0, 1990473,
		  1062191376, 2915, 1, 0 },
		{ "linux-2.6.18/stat", 2, 79242, 842486413, 0, 0, 115315,
		  769041601, 86031, 6, 2 },
	};
	struct host_stat *st = malloc(sizeof(*st));
	size_t i, len;

	(void)state;
	assert_non_null(st);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		char *s = fixture(cases[i].file, &len);

		assert_int_equal(hostp_stat(s, len, st), 0);
		assert_int_equal(st->ncpu, cases[i].ncpu);
		assert_int_equal(st->ncpu_lines, cases[i].ncpu);
		assert_int_equal(st->total.id, -1);
		assert_int_equal(st->cpu[1].id, 1);
		assert_int_equal(st->have & (HSTAT_CTXT | HSTAT_INTR |
		    HSTAT_BTIME | HSTAT_FORKS | HSTAT_PROCS),
		    HSTAT_CTXT | HSTAT_INTR | HSTAT_BTIME | HSTAT_FORKS |
		    HSTAT_PROCS);
		if (cases[i].user != 0) {
			assert_int_equal(st->total.t[HCPU_USER], cases[i].user);
			assert_int_equal(st->total.t[HCPU_IDLE], cases[i].idle);
			assert_int_equal(st->total.t[HCPU_GUEST_NICE], 0);
			assert_int_equal(st->ctxt, cases[i].ctxt);
			assert_int_equal(st->btime, cases[i].btime);
			assert_int_equal(st->forks, cases[i].forks);
			assert_int_equal(st->procs_running, cases[i].running);
			assert_int_equal(st->procs_blocked, cases[i].blocked);
		}
		free(s);
	}
	/* The captured file: the sum of the per-CPU user ticks is close to
	 * the total (the kernel sums them the same way). */
	{
		char *s = fixture("linux-6.18/stat", &len);

		assert_int_equal(hostp_stat(s, len, st), 0);
		assert_true(st->total.t[HCPU_USER] > 0);
		/* (the per-CPU lines are each rounded to ticks: ±1 each) */
		assert_in_range(st->total.t[HCPU_USER],
		    st->cpu[0].t[HCPU_USER] + st->cpu[1].t[HCPU_USER] - 2,
		    st->cpu[0].t[HCPU_USER] + st->cpu[1].t[HCPU_USER] + 2);
		assert_true(st->intr > 0);
		assert_true(st->btime > 1700000000);
		free(s);
	}
	free(st);
}

static void
test_stat_hostile(void **state)
{
	static const struct {
		const char *in;
		size_t      len;
		int         rc;
	} cases[] = {
		{ L("cpu  1 2 3 4\n"), 0 },                   /* Linux 2.4 */
		{ L("cpu  1 2 3\n"), -1 },                    /* too few */
		{ L("cpu  1 2 3 4 5 6 7 8 9 10 11\n"), -1 },  /* too many */
		{ L("cpu  1 2 x 4\n"), -1 },
		{ L("cpu  18446744073709551616 0 0 0\n"), -1 },
		{ L("cpu0 1 2 3 4\n"), -1 },                  /* no total */
		{ L(""), -1 },
		{ L("cpu  1 2 3 4\nctxt abc\n"), -1 },
		{ L("cpu  1 2 3 4\nctxt 5 6\n"), -1 },
		{ L("cpu  1 2 3 4\nintr 5 6 7\n"), 0 },
		{ L("cpu  1 2 3 4\ncpu99999999999 1 2 3 4\n"), -1 },
		{ L("cpu  1 2 3 4\nsoftirq x y\n"), 0 },      /* ignored */
		{ L("cpu  1 2 3 4"), 0 },                     /* no newline */
		{ L("cpu\n"), -1 },
	};
	struct host_stat *st = malloc(sizeof(*st));
	size_t i;

	(void)state;
	assert_non_null(st);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = hostp_stat(cases[i].in, cases[i].len, st);
		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': rc %d, want %d", i, cases[i].in,
			    rc, cases[i].rc);
	}
	free(st);
}

/* More cpuN lines than HOST_CPU_MAX: counted, the rest not kept. */
static void
test_stat_many_cpus(void **state)
{
	struct host_stat *st = malloc(sizeof(*st));
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, "cpu  1 2 3 4 5 6 7 8 9 10\n"), 0);
	for (i = 0; i < HOST_CPU_MAX + 10; i++)
		assert_int_equal(buf_printf(&b, "cpu%d 1 2 3 4 0 0 0 0 0 0\n",
		    i), 0);
	assert_int_equal(hostp_stat(b.data, b.len, st), 0);
	assert_int_equal(st->ncpu, HOST_CPU_MAX);
	assert_int_equal(st->ncpu_lines, HOST_CPU_MAX + 10);
	assert_int_equal(st->total.t[HCPU_GUEST_NICE], 10);
	buf_free(&b);
	free(st);
}

/* ---- CPU percentages (Telegraf's arithmetic) ---------------------------- */

static void
test_cpu_usage(void **state)
{
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	struct host_cpu_ticks a = { -1, { 100, 50, 30, 800, 10, 0, 5, 5, 20, 10 } };
	struct host_cpu_ticks b = { -1, { 160, 60, 50, 900, 20, 0, 5, 5, 40, 15 } };
	double pct[HCPU_NMODES];

	(void)state;
	/* Δ: user 60 nice 10 system 20 idle 100 iowait 10 irq 0 softirq 0
	 * steal 0 -> total 200 (guest 20, guest_nice 5 not added). */
	assert_int_equal(hostp_cpu_usage(&a, &b, pct), 0);
	assert_near(pct[HCPU_USER], 100.0 * (60 - 20) / 200, 1e-9);
	assert_near(pct[HCPU_NICE], 100.0 * (10 - 5) / 200, 1e-9);
	assert_near(pct[HCPU_SYSTEM], 10.0, 1e-9);
	assert_near(pct[HCPU_IDLE], 50.0, 1e-9);
	assert_near(pct[HCPU_IOWAIT], 5.0, 1e-9);
	assert_near(pct[HCPU_GUEST], 10.0, 1e-9);
	assert_near(pct[HCPU_GUEST_NICE], 2.5, 1e-9);
	/* Nothing elapsed: no figure (Telegraf skips it too). */
	assert_int_equal(hostp_cpu_usage(&a, &a, pct), -1);
	/* A counter went backwards (CPU hot-unplug and back): none. */
	assert_int_equal(hostp_cpu_usage(&b, &a, pct), -1);
	/* Guest counted before user (the kernel's order of updates): 0. */
	b.t[HCPU_GUEST] = 200;
	assert_int_equal(hostp_cpu_usage(&a, &b, pct), 0);
	assert_near(pct[HCPU_USER], 0.0, 1e-9);
}

/* ---- /proc/meminfo and mem ---------------------------------------------- */

static void
test_meminfo_6_18(void **state)
{
	struct host_meminfo mi;
	struct host_mem m;
	size_t len;
	char *s = fixture("linux-6.18/meminfo", &len);

	(void)state;
	assert_int_equal(hostp_meminfo(s, len, &mi), 0);
	assert_true(mi.have & (1ull << HM_MemAvailable));
	assert_true(mi.have & (1ull << HM_Active_file));
	assert_true(mi.v[HM_MemTotal] > 0);
	assert_int_equal(mi.v[HM_MemTotal] % 1024, 0);
	assert_int_equal(mi.v[HM_HugePages_Total], 0);
	assert_int_equal(mi.v[HM_Hugepagesize], 2048 * KB);
	hostp_mem_derive(&mi, 0, 0, &m);
	assert_int_equal(m.available, mi.v[HM_MemAvailable]);
	assert_int_equal(m.cached, mi.v[HM_Cached] + mi.v[HM_SReclaimable]);
	assert_int_equal(m.used, mi.v[HM_MemTotal] - mi.v[HM_MemFree] -
	    mi.v[HM_Buffers] - mi.v[HM_Cached] - mi.v[HM_SReclaimable]);
	assert_near(m.used_percent, 100.0 * (double)m.used /
	    (double)m.total, 1e-9);
	free(s);
}

/* 3.10: no MemAvailable; gopsutil's estimate from the low watermarks. */
static void
test_meminfo_3_10(void **state)
{
	struct host_meminfo mi;
	struct host_mem m;
	uint64_t low, wm, want, cache, slab;
	size_t len;
	char *s = fixture("linux-3.10/meminfo", &len);
	char *z = fixture("linux-3.10/zoneinfo", &len);

	(void)state;
	assert_int_equal(hostp_meminfo(s, strlen(s), &mi), 0);
	assert_false(mi.have & (1ull << HM_MemAvailable));
	assert_int_equal(mi.v[HM_MemTotal], 3882464 * KB);
	assert_int_equal(mi.v[HM_VmallocTotal], 34359738367ull * KB);
	assert_int_equal(hostp_zoneinfo_low(z, len, &low), 0);
	assert_int_equal(low, 83 + 14938);
	wm = low * 4096;
	hostp_mem_derive(&mi, wm, 1, &m);
	/* free - wm + (file - min(file/2, wm)) + (srecl - min(srecl/2, wm)) */
	cache = (1276036 + 834012) * KB;
	cache -= cache / 2 < wm ? cache / 2 : wm;
	slab = 283948 * KB;
	slab -= slab / 2 < wm ? slab / 2 : wm;
	want = 220560 * KB - wm + cache + slab;
	assert_int_equal(m.available, want);
	assert_int_equal(m.cached, (2013072 + 283948) * KB);
	assert_int_equal(m.used, (3882464 - 220560 - 119480 - 2013072 -
	    283948) * KB);
	/* Without zoneinfo: free + cached. */
	hostp_mem_derive(&mi, 0, 0, &m);
	assert_int_equal(m.available, (220560 + 2013072 + 283948) * KB);
	free(s);
	free(z);
}

/* 2.6.18: not even Active(file): free + cached. */
static void
test_meminfo_2_6_18(void **state)
{
	struct host_meminfo mi;
	struct host_mem m;
	size_t len;
	char *s = fixture("linux-2.6.18/meminfo", &len);

	(void)state;
	assert_int_equal(hostp_meminfo(s, len, &mi), 0);
	hostp_mem_derive(&mi, 12345, 1, &m);
	assert_int_equal(m.available, (143896 + 593224) * KB);
	assert_int_equal(m.used, (1027524 - 143896 - 98684 - 593224) * KB);
	assert_int_equal(mi.v[HM_HighTotal], 122880 * KB);
	free(s);
}

static void
test_meminfo_hostile(void **state)
{
	static const struct {
		const char *in;
		size_t      len;
		int         rc;
	} cases[] = {
		{ L("MemTotal: 10 kB\nMemFree: 5 kB\n"), 0 },
		{ L("MemTotal: 10 kB\n"), -1 },                 /* no MemFree */
		{ L("MemTotal 10 kB\nMemFree: 5 kB\n"), -1 },
		{ L("MemTotal: ten kB\nMemFree: 5 kB\n"), -1 },
		{ L("MemTotal: 10 MB\nMemFree: 5 kB\n"), -1 },
		{ L("MemTotal: 18014398509481984 kB\nMemFree: 5 kB\n"), -1 },
		{ L("MemTotal: 10 kB\nMemFree: 5 kB\nNew_Key: 7 kB\n"), 0 },
		{ L(": 10 kB\n"), -1 },
		{ L(""), -1 },
	};
	struct host_meminfo mi;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = hostp_meminfo(cases[i].in, cases[i].len, &mi);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
	}
	assert_string_equal(hostp_mem_node_name(HM_Active_anon), "Active_anon");
	assert_string_equal(hostp_mem_key_name(HM_Active_anon), "Active(anon)");
	assert_int_equal(hostp_mem_key_is_bytes(HM_HugePages_Free), 0);
}

/* ---- vmstat, loadavg, uptime -------------------------------------------- */

static void
test_small_files(void **state)
{
	struct host_load l;
	uint64_t in, out;
	double up;
	size_t len;
	char *s;

	(void)state;
	s = fixture("linux-6.18/vmstat", &len);
	assert_int_equal(hostp_vmstat_swap(s, len, &in, &out), 0);
	assert_int_equal(in, 0);
	free(s);
	s = fixture("linux-2.6.18/vmstat", &len);
	assert_int_equal(hostp_vmstat_swap(s, len, &in, &out), 0);
	assert_int_equal(in, 17);
	assert_int_equal(out, 41);
	free(s);
	assert_int_equal(hostp_vmstat_swap(L("pswpin 1\n"), &in, &out), -1);
	assert_int_equal(hostp_vmstat_swap(L("pswpin x\npswpout 1\n"), &in,
	    &out), -1);

	s = fixture("linux-6.18/loadavg", &len);
	assert_int_equal(hostp_loadavg(s, len, &l), 0);
	assert_near(l.load1, 2.89, 1e-9);
	assert_near(l.load15, 0.48, 1e-9);
	assert_int_equal(l.runnable, 1);
	assert_int_equal(l.threads, 146);
	free(s);
	assert_int_equal(hostp_loadavg(L("0.20 0.18 0.12 1/80 11206\n"), &l), 0);
	assert_near(l.load5, 0.18, 1e-9);
	assert_int_equal(hostp_loadavg(L("0.20 0.18\n"), &l), -1);
	assert_int_equal(hostp_loadavg(L("0.20 0.18 0.12 1-80 1\n"), &l), -1);
	assert_int_equal(hostp_loadavg(L("-1 0.18 0.12 1/80 1\n"), &l), -1);
	assert_int_equal(hostp_loadavg(L("1. 0.18 0.12 1/80 1\n"), &l), -1);

	s = fixture("linux-6.18/uptime", &len);
	assert_int_equal(hostp_uptime(s, len, &up), 0);
	assert_near(up, 445.42, 1e-9);
	free(s);
	assert_int_equal(hostp_uptime(L("12x 3\n"), &up), -1);
	assert_int_equal(hostp_uptime(L("18446744073709551615.9 1\n"), &up), -1);
	assert_int_equal(hostp_uptime(L("999999999999.99 1\n"), &up), 0);
	assert_int_equal(hostp_uptime(L(""), &up), -1);
}

/* ---- diskstats ---------------------------------------------------------- */

static void
test_diskstats(void **state)
{
	struct host_diskstats *d = malloc(sizeof(*d));
	size_t len;
	char *s;

	(void)state;
	assert_non_null(d);
	s = fixture("linux-6.18/diskstats", &len);
	assert_int_equal(hostp_diskstats(s, len, d), 0);
	assert_int_equal(d->n, 10);
	assert_string_equal(d->d[8].name, "vda");
	assert_int_equal(d->d[8].major, 254);
	assert_int_equal(d->d[8].reads, 41666);
	assert_int_equal(d->d[8].sectors_read, 2857018);
	assert_int_equal(d->d[8].write_ms, 69153);
	assert_int_equal(d->d[8].io_ms, 69992);
	assert_int_equal(d->d[8].weighted_ms, 278961);
	free(s);
	s = fixture("linux-3.10/diskstats", &len);
	assert_int_equal(hostp_diskstats(s, len, d), 0);
	assert_int_equal(d->n, 4);
	assert_string_equal(d->d[3].name, "dm-0");
	assert_int_equal(d->d[3].weighted_ms, 20020420);
	free(s);
	s = fixture("linux-2.6.18/diskstats", &len);
	assert_int_equal(hostp_diskstats(s, len, d), 0);
	assert_int_equal(d->n, 3);
	assert_int_equal(d->d[1].reads, 35486);        /* 4-field partition */
	assert_int_equal(d->d[1].sectors_read, 38030);
	assert_int_equal(d->d[1].writes, 38030);
	assert_int_equal(d->d[1].sectors_written, 38030);
	assert_int_equal(d->d[1].io_ms, 0);
	free(s);
	assert_int_equal(hostp_diskstats(L("8 0 sda 1 2 3\n"), d), -1);
	assert_int_equal(hostp_diskstats(L("8 0 sda 1 2 3 4 5 6 7 8 9 10 x\n"),
	    d), -1);
	assert_int_equal(hostp_diskstats(L("8 x sda 1 2 3 4\n"), d), -1);
	assert_int_equal(hostp_diskstats(L("8 0\n"), d), -1);
	/* A name too long is skipped and counted, the rest kept. */
	assert_int_equal(hostp_diskstats(L("8 0 a234567890123456789012345678901234 1 2 3 4\n"
	    "8 1 sdb 1 2 3 4\n"), d), 0);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->skipped, 1);
	free(d);
}

/* ---- net/dev ------------------------------------------------------------ */

static void
test_netdev(void **state)
{
	struct host_netdev *n = malloc(sizeof(*n));
	size_t len;
	char *s;

	(void)state;
	assert_non_null(n);
	s = fixture("linux-6.18/net/dev", &len);
	assert_int_equal(hostp_netdev(s, len, n), 0);
	assert_int_equal(n->n, 4);
	assert_string_equal(n->i[0].name, "lo");
	assert_int_equal(n->i[0].rx_bytes, 3944204);
	assert_int_equal(n->i[0].tx_packets, 12035);
	assert_string_equal(n->i[3].name, "eth0");
	assert_int_equal(n->i[3].rx_bytes, 173668836);
	assert_int_equal(n->i[3].tx_bytes, 162652);
	free(s);
	s = fixture("linux-3.10/net/dev", &len);
	assert_int_equal(hostp_netdev(s, len, n), 0);
	assert_int_equal(n->n, 3);
	assert_int_equal(n->i[1].tx_colls, 427);
	assert_int_equal(n->i[2].rx_errs, 1);
	free(s);
	/* Wide counters leave no blank after the colon (2.6 kernels). */
	assert_int_equal(hostp_netdev(L("h\nh\n  eth0:4294967296 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), n), 0);
	assert_int_equal(n->n, 1);
	assert_string_equal(n->i[0].name, "eth0");
	assert_int_equal(n->i[0].rx_bytes, 4294967296ull);
	assert_int_equal(n->i[0].tx_compressed, 16);
	assert_int_equal(hostp_netdev(L("h\nh\n  lo: 1 2 3\n"), n), -1);
	assert_int_equal(hostp_netdev(L("h\nh\n  lo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"), n), -1);
	assert_int_equal(hostp_netdev(L("h\n"), n), -1);
	assert_int_equal(hostp_netdev(L("h\nh\n"), n), 0);
	assert_int_equal(n->n, 0);
	free(n);
}

/* ---- mountinfo ---------------------------------------------------------- */

static void
test_mountinfo(void **state)
{
	static const char odd[] =
	    "36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:2 - ext3 /dev/root rw\n"
	    "garbage\n"
	    "37 35 0:50 / /media/ro ro,relatime - fuse.sshfs user@host:/x rw\n"
	    "38 35 0:51 / /x rw - \n";
	struct host_mount m;
	size_t pos = 0, len;
	int r, n = 0, root = 0;
	char *s;

	(void)state;
	s = fixture("linux-6.18/self/mountinfo", &len);
	while ((r = hostp_mountinfo_next(s, len, &pos, &m)) != 0) {
		assert_int_equal(r, 1);
		n++;
		if (strcmp(m.path, "/") == 0) {
			root = 1;
			assert_string_equal(m.fstype, "ext4");
			assert_string_equal(m.device, "/dev/vda");
			assert_int_equal(m.major, 254);
			assert_int_equal(m.ro, 0);
		}
	}
	assert_int_equal(n, 20);
	assert_true(root);
	free(s);

	pos = 0;
	assert_int_equal(hostp_mountinfo_next(L(odd), &pos, &m), 1);
	assert_string_equal(m.path, "/mnt/my disk");
	assert_string_equal(m.device, "/dev/root");
	assert_int_equal(hostp_mountinfo_next(L(odd), &pos, &m), -1);
	assert_int_equal(hostp_mountinfo_next(L(odd), &pos, &m), 1);
	assert_string_equal(m.fstype, "fuse.sshfs");
	assert_string_equal(m.device, "user@host:/x");
	assert_int_equal(m.ro, 1);
	assert_int_equal(hostp_mountinfo_next(L(odd), &pos, &m), -1);
	assert_int_equal(hostp_mountinfo_next(L(odd), &pos, &m), 0);
}

/* ---- /proc/<pid>/stat and the processes counts -------------------------- */

static void
test_pid_stat(void **state)
{
	struct host_procs p;
	uint64_t threads;
	size_t len;
	char st, *s;

	(void)state;
	s = fixture("linux-6.18/1/stat", &len);
	assert_int_equal(hostp_pid_stat(s, len, &st, &threads), 0);
	assert_int_equal(st, 'S');
	assert_int_equal(threads, 13);
	free(s);
	s = fixture("linux-6.18/42/stat", &len);
	assert_int_equal(hostp_pid_stat(s, len, &st, &threads), 0);
	assert_int_equal(st, 'R');
	assert_int_equal(threads, 1);
	free(s);
	assert_int_equal(hostp_pid_stat(L("7 (a) b) (c) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 3 0\n"),
	    &st, &threads), 0);
	assert_int_equal(st, 'Z');
	assert_int_equal(threads, 3);
	assert_int_equal(hostp_pid_stat(L("7 (a) S 1 2\n"), &st, &threads), -1);
	assert_int_equal(hostp_pid_stat(L("7 a S 1 2\n"), &st, &threads), -1);
	assert_int_equal(hostp_pid_stat(L("7 (a) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 3\n"),
	    &st, &threads), -1);

	memset(&p, 0, sizeof(p));
	hostp_procs_add(&p, 'R', 1);
	hostp_procs_add(&p, 'S', 4);
	hostp_procs_add(&p, 'D', 1);
	hostp_procs_add(&p, 'Z', 1);
	hostp_procs_add(&p, 't', 1);
	hostp_procs_add(&p, 'I', 1);
	hostp_procs_add(&p, '?', 1);
	assert_int_equal(p.total, 7);
	assert_int_equal(p.total_threads, 10);
	assert_int_equal(p.running + p.sleeping + p.blocked + p.zombies +
	    p.stopped + p.idle + p.unknown, 7);
}

/* ---- glob lists --------------------------------------------------------- */

static void
test_globs(void **state)
{
	static const struct {
		const char *list, *name;
		int         want;
	} cases[] = {
		{ "", "eth0", 1 },
		{ "!lo,!veth*,!docker*", "eth0", 1 },
		{ "!lo,!veth*,!docker*", "veth12ab", 0 },
		{ "!lo,!veth*,!docker*", "lo", 0 },
		{ "eth*", "eth0", 1 },
		{ "eth*", "lo", 0 },
		{ "!eth1, eth*", "eth1", 0 },             /* first match wins */
		{ "!eth1, eth*", "eth2", 1 },
		{ "!loop*,!sd*[0-9]", "sda", 1 },
		{ "!loop*,!sd*[0-9]", "sda1", 0 },
		{ "!loop*,!sd*[0-9]", "loop7", 0 },
		{ "!nvme*p[0-9]*", "nvme0n1", 1 },
		{ "!nvme*p[0-9]*", "nvme0n1p2", 0 },
	};
	struct host_globs g;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(hostp_globs_parse(cases[i].list, &g), 0);
		if (hostp_globs_match(&g, cases[i].name) != cases[i].want)
			fail_msg("'%s' on '%s': want %d", cases[i].list,
			    cases[i].name, cases[i].want);
	}
	assert_int_equal(hostp_globs_parse("a,,b", &g), -1);
	assert_int_equal(hostp_globs_parse("!", &g), -1);
	assert_int_equal(hostp_globs_parse(
	    "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,1,2,3,4,5,6,7",
	    &g), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_fixtures),
		cmocka_unit_test(test_stat_hostile),
		cmocka_unit_test(test_stat_many_cpus),
		cmocka_unit_test(test_cpu_usage),
		cmocka_unit_test(test_meminfo_6_18),
		cmocka_unit_test(test_meminfo_3_10),
		cmocka_unit_test(test_meminfo_2_6_18),
		cmocka_unit_test(test_meminfo_hostile),
		cmocka_unit_test(test_small_files),
		cmocka_unit_test(test_diskstats),
		cmocka_unit_test(test_netdev),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_pid_stat),
		cmocka_unit_test(test_globs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
