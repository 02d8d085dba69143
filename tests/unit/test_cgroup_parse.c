/*
 * test_cgroup_parse.c — collector/cgroup_parse: every cgp_* parser, table
 * driven, against the captured samples in tests/fixtures/cgroup/
 * and hostile input: "max", empty input, garbage, numbers that do not fit
 * in 64 bits, negative numbers, unknown keys, truncated lines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "asserts.h"

#include "collector/cgroup_parse.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

/* A literal and its length, for the (buf, len) parsers. */
#define L(s) s, sizeof(s) - 1

/* tests/fixtures/cgroup/<rel>; the caller frees. */
static char *
cgroup_fixture(const char *rel, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "cgroup/%s", rel);
	return fixture_read(path, len);
}

/* ---- cgp_u64 / cgp_i64 ------------------------------------------------ */

struct u64_case {
	const char *in;
	int         allow_max;
	int         rc;
	uint64_t    want;
	int         is_max;
};

static void
test_u64(void **state)
{
	static const struct u64_case cases[] = {
		{ "12345\n", 0, 0, 12345, 0 },
		{ "0\n", 0, 0, 0, 0 },
		{ "8904704", 0, 0, 8904704, 0 },          /* no newline */
		{ " 7 \n", 0, 0, 7, 0 },
		{ "18446744073709551615\n", 0, 0, UINT64_MAX, 0 },
		{ "max\n", 1, 0, UINT64_MAX, 1 },
		{ "max", 1, 0, UINT64_MAX, 1 },
		{ "max\n", 0, -1, 0, 0 },                 /* "max" not allowed */
		{ "maximum\n", 1, -1, 0, 0 },
		{ "max 5\n", 1, -1, 0, 0 },
		{ "18446744073709551616\n", 0, -1, 0, 0 },  /* 2^64 */
		{ "99999999999999999999999\n", 0, -1, 0, 0 },
		{ "-1\n", 0, -1, 0, 0 },
		{ "", 0, -1, 0, 0 },
		{ "\n", 0, -1, 0, 0 },
		{ "abc\n", 0, -1, 0, 0 },
		{ "12 34\n", 0, -1, 0, 0 },
		{ "12abc\n", 0, -1, 0, 0 },
		{ "0x10\n", 0, -1, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct u64_case *c = &cases[i];
		uint64_t v = 42;
		int is_max = -1;
		int rc = cgp_u64(c->in, strlen(c->in), &v, c->allow_max,
		    &is_max);

		if (rc != c->rc)
			fail_msg("cgp_u64(\"%s\"): rc %d, want %d", c->in, rc,
			    c->rc);
		if (rc == 0) {
			assert_int_equal(v, c->want);
			assert_int_equal(is_max, c->is_max);
		}
	}
	/* The length is respected: digits past len are not read. */
	{
		uint64_t v;
		assert_int_equal(cgp_u64("123456", 3, &v, 0, NULL), 0);
		assert_int_equal(v, 123);
	}
}

struct i64_case {
	const char *in;
	int         rc;
	int64_t     want;
};

static void
test_i64(void **state)
{
	static const struct i64_case cases[] = {
		{ "-1\n", 0, -1 },
		{ "50000\n", 0, 50000 },
		{ "0\n", 0, 0 },
		{ "9223372036854775807\n", 0, INT64_MAX },
		{ "-9223372036854775807\n", 0, -INT64_MAX },
		{ "9223372036854775808\n", -1, 0 },
		{ "18446744073709551616\n", -1, 0 },
		{ "--1\n", -1, 0 },
		{ "-\n", -1, 0 },
		{ "", -1, 0 },
		{ "max\n", -1, 0 },
		{ "1x\n", -1, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t v = 42;
		int rc = cgp_i64(cases[i].in, strlen(cases[i].in), &v);

		if (rc != cases[i].rc)
			fail_msg("cgp_i64(\"%s\"): rc %d, want %d",
			    cases[i].in, rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(v, cases[i].want);
	}
}

/* ---- cgp_flat --------------------------------------------------------- */

struct flat3 { uint64_t a, b, c; };
static const struct cgp_key k3[] = {
	CGP_KEY("total_cache", struct flat3, a),
	CGP_KEY("total_rss", struct flat3, b),
	CGP_KEY("total_inactive_file", struct flat3, c),
};

static void
test_flat_memory_stat_sample(void **state)
{
	struct flat3 f = { 0, 0, 0 };
	uint64_t found = 99;
	size_t len;
	char *s = cgroup_fixture("v1-sample/memory.stat", &len);

	(void)state;
	/* Dozens of keys we do not ask for: ignored, not errors. */
	assert_int_equal(cgp_flat(s, len, k3, ARRAY_LEN(k3), &f, &found), 0);
	assert_int_equal(found, 7);
	assert_int_equal(f.a, 8388608);
	assert_int_equal(f.b, 81920);
	assert_int_equal(f.c, 8388608);
	free(s);

	s = cgroup_fixture("docs/v1-memory.stat.docker-runmetrics-doc.txt", &len);
	memset(&f, 0, sizeof(f));
	assert_int_equal(cgp_flat(s, len, k3, ARRAY_LEN(k3), &f, &found), 0);
	assert_int_equal(found, 7);
	assert_int_equal(f.a, 11492564992ULL);
	assert_int_equal(f.b, 1930993664ULL);
	assert_int_equal(f.c, 7003344896ULL);
	free(s);
}

struct flat_case {
	const char *in;
	int         rc;
	uint64_t    found;
	uint64_t    a, b, c;
};

static void
test_flat_table(void **state)
{
	static const struct flat_case cases[] = {
		{ "total_cache 1\ntotal_rss 2\ntotal_inactive_file 3\n", 0,
		    7, 1, 2, 3 },
		/* The last line may lack its newline. */
		{ "total_cache 1\ntotal_rss 2", 0, 3, 1, 2, 0 },
		/* Unknown keys, including ones that share a prefix. */
		{ "total_cache_x 5\ntotal 6\nnew_key 7\ntotal_rss 2\n", 0,
		    2, 0, 2, 0 },
		{ "", 0, 0, 0, 0, 0 },
		{ "total_cache 18446744073709551615\n", 0, 1, UINT64_MAX,
		    0, 0 },
		{ "total_cache 18446744073709551616\n", -1, 0, 0, 0, 0 },
		{ "total_cache -5\n", -1, 0, 0, 0, 0 },
		{ "total_cache\n", -1, 0, 0, 0, 0 },       /* no value */
		{ "total_cache \n", -1, 0, 0, 0, 0 },
		{ "total_cache", -1, 0, 0, 0, 0 },          /* truncated */
		{ "total_cache 12x\n", -1, 0, 0, 0, 0 },
		{ "total_cache 1 2\n", -1, 0, 0, 0, 0 },
		{ " 5\n", -1, 0, 0, 0, 0 },                 /* no key */
		{ "84\n", -1, 0, 0, 0, 0 },
		{ "\n", -1, 0, 0, 0, 0 },
		{ "rss eighty\n", -1, 0, 0, 0, 0 },
		/* Garbage after good lines still fails the whole file. */
		{ "total_cache 1\ngarbage\n", -1, 0, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct flat_case *c = &cases[i];
		struct flat3 f = { 0, 0, 0 };
		uint64_t found = 99;
		int rc = cgp_flat(c->in, strlen(c->in), k3, ARRAY_LEN(k3),
		    &f, &found);

		if (rc != c->rc)
			fail_msg("cgp_flat case %zu: rc %d, want %d", i, rc,
			    c->rc);
		if (rc != 0)
			continue;
		assert_int_equal(found, c->found);
		assert_int_equal(f.a, c->a);
		assert_int_equal(f.b, c->b);
		assert_int_equal(f.c, c->c);
	}
}

static void
test_flat_v1_cpu_stat_sample(void **state)
{
	struct t { uint64_t periods, throttled, time; } v = { 0, 0, 0 };
	static const struct cgp_key k[] = {
		CGP_KEY("nr_periods", struct t, periods),
		CGP_KEY("nr_throttled", struct t, throttled),
		CGP_KEY("throttled_time", struct t, time),
	};
	uint64_t found;
	size_t len;
	char *s = cgroup_fixture("v1-sample/cpu.stat", &len);

	(void)state;
	/* nr_bursts / burst_time of newer kernels are ignored. */
	assert_int_equal(cgp_flat(s, len, k, ARRAY_LEN(k), &v, &found), 0);
	assert_int_equal(found, 7);
	assert_int_equal(v.periods, 13);
	assert_int_equal(v.throttled, 10);
	assert_int_equal(v.time, 215620526);
	free(s);
}

/* ---- cgp_percpu ------------------------------------------------------- */

static void
test_percpu(void **state)
{
	uint64_t out[4], sum = 0;
	uint32_t n = 99;
	size_t len;
	char *s = cgroup_fixture("v1-sample/cpuacct.usage_percpu", &len);

	(void)state;
	/* The real file ends "... 296809785 \n": a trailing space. */
	assert_int_equal(cgp_percpu(s, len, out, 4, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 346362111);
	assert_int_equal(out[1], 296809785);
	/* More CPUs than room: the first `max` are kept; the sum is of
	 * every CPU (cpuacct.usage of the same sample: 643171896). */
	assert_int_equal(cgp_percpu(s, len, out, 1, &n, &sum), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 346362111);
	assert_int_equal(sum, 643171896);
	free(s);
	/* A sum past 2^64 - 1 is an error, not a wrapped number. */
	assert_int_equal(cgp_percpu(L("18446744073709551615 1\n"), out, 4,
	    &n, &sum), -1);
	assert_int_equal(cgp_percpu(L("18446744073709551615 0\n"), out, 4,
	    &n, &sum), 0);
	assert_int_equal(sum, UINT64_MAX);

	assert_int_equal(cgp_percpu(L("1 2 3 4\n"), out, 4, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(out[3], 4);
	assert_int_equal(cgp_percpu(L("5"), out, 4, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cgp_percpu(L(""), out, 4, &n, NULL), -1);
	assert_int_equal(cgp_percpu(L(" \n"), out, 4, &n, NULL), -1);
	assert_int_equal(cgp_percpu(L("1 abc\n"), out, 4, &n, NULL), -1);
	assert_int_equal(cgp_percpu(L("1 -2\n"), out, 4, &n, NULL), -1);
	assert_int_equal(cgp_percpu(L("1 18446744073709551616\n"), out, 4,
	    &n, NULL), -1);
	assert_int_equal(cgp_percpu(L("1 2\n3\n"), out, 4, &n, NULL), -1);
}

/* ---- cgp_cpu_max ------------------------------------------------------ */

struct cpumax_case {
	const char *in;
	int         rc;
	int64_t     quota;
	uint64_t    period;
};

static void
test_cpu_max(void **state)
{
	static const struct cpumax_case cases[] = {
		{ "max 100000\n", 0, -1, 100000 },
		{ "50000 100000\n", 0, 50000, 100000 },
		{ "150000 100000", 0, 150000, 100000 },
		{ "max\n", -1, 0, 0 },
		{ "50000\n", -1, 0, 0 },
		{ "50000 0\n", -1, 0, 0 },
		{ "50000 max\n", -1, 0, 0 },
		{ "-1 100000\n", -1, 0, 0 },
		{ "50000  100000\n", -1, 0, 0 },
		{ "50000 100000 7\n", -1, 0, 0 },
		{ "18446744073709551616 100000\n", -1, 0, 0 },
		{ "9223372036854775808 100000\n", -1, 0, 0 },
		{ "", -1, 0, 0 },
		{ "garbage\n", -1, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t q = 7;
		uint64_t p = 7;
		int rc = cgp_cpu_max(cases[i].in, strlen(cases[i].in), &q, &p);

		if (rc != cases[i].rc)
			fail_msg("cgp_cpu_max(\"%s\"): rc %d, want %d",
			    cases[i].in, rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(q, cases[i].quota);
			assert_int_equal(p, cases[i].period);
		}
	}
}

/* ---- cgp_blkio_v1 ----------------------------------------------------- */

static void
test_blkio_v1_sample(void **state)
{
	struct blkio_stats io;
	size_t len;
	char *s;

	(void)state;
	memset(&io, 0, sizeof(io));
	s = cgroup_fixture("v1-sample/blkio.throttle.io_service_bytes_recursive",
	    &len);
	assert_int_equal(cgp_blkio_v1(s, len, &io, 0), 0);
	free(s);
	s = cgroup_fixture("v1-sample/blkio.throttle.io_serviced_recursive",
	    &len);
	assert_int_equal(cgp_blkio_v1(s, len, &io, 1), 0);
	free(s);
	/* Sync/Async/Discard/Total per device are not Read/Write. */
	assert_int_equal(io.ndev, 1);
	assert_int_equal(io.dev[0].major, 254);
	assert_int_equal(io.dev[0].minor, 0);
	assert_int_equal(io.dev[0].read_bytes, 16777216);
	assert_int_equal(io.dev[0].write_bytes, 16777216);
	assert_int_equal(io.dev[0].read_ops, 32);
	assert_int_equal(io.dev[0].write_ops, 16);
	assert_int_equal(io.total.read_bytes, 16777216);
	assert_int_equal(io.total.write_bytes, 16777216);
	assert_int_equal(io.total.read_ops, 32);
	assert_int_equal(io.total.write_ops, 16);
}

static void
test_blkio_v1_table(void **state)
{
	static const char *const bad[] = {
		"254:0 Read x\n",
		"254 Read 1\n",
		"254:0 Read\n",
		"254:0 Read 18446744073709551616\n",
		"254:0 Read -1\n",
		"254:0\n",
		"Total abc\n",
		"Total 5 6\n",
		"garbage\n",
		"4294967296:0 Read 1\n",            /* major > 32 bits */
	};
	struct blkio_stats io;
	char many[1024];
	size_t i, off = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&io, 0, sizeof(io));
		if (cgp_blkio_v1(bad[i], strlen(bad[i]), &io, 0) != -1)
			fail_msg("cgp_blkio_v1(\"%s\") accepted", bad[i]);
	}
	/* No throttle rule: the kernel prints only "Total 0". */
	memset(&io, 0, sizeof(io));
	assert_int_equal(cgp_blkio_v1(L("Total 0\n"), &io, 0), 0);
	assert_int_equal(io.ndev, 0);
	assert_int_equal(cgp_blkio_v1(L(""), &io, 0), 0);
	/* Unknown operations are ignored. */
	assert_int_equal(cgp_blkio_v1(L("8:0 Frobnicate 7\n8:0 Read 3\n"),
	    &io, 0), 0);
	assert_int_equal(io.total.read_bytes, 3);
	/* More devices than BLKIO_DEV_MAX: all still count in the total. */
	memset(&io, 0, sizeof(io));
	for (i = 0; i < BLKIO_DEV_MAX + 3; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "8:%zu Read 10\n8:%zu Write 1\n", i, i);
	assert_int_equal(cgp_blkio_v1(many, off, &io, 0), 0);
	assert_int_equal(io.ndev, BLKIO_DEV_MAX);
	assert_int_equal(io.total.read_bytes, 10 * (BLKIO_DEV_MAX + 3));
	assert_int_equal(io.total.write_bytes, BLKIO_DEV_MAX + 3);
	assert_int_equal(io.dev[BLKIO_DEV_MAX - 1].read_bytes, 10);
}

/* ---- cgp_io_stat ------------------------------------------------------ */

static void
test_io_stat(void **state)
{
	static const char *const bad[] = {
		"8:0 rbytes=1 wios=\n",
		"8:0 rbytes=x\n",
		"8:0 rbytes\n",
		"8:0 rbytes=18446744073709551616\n",
		"8:0 rbytes=-1\n",
		"8 rbytes=1\n",
		"garbage\n",
		"8:0 rbytes=1x\n",
	};
	struct blkio_stats io;
	size_t len, i;
	char *s = cgroup_fixture("docs/v2-io.stat.kernel-doc.txt", &len);

	(void)state;
	memset(&io, 0, sizeof(io));
	assert_int_equal(cgp_io_stat(s, len, &io), 0);
	free(s);
	assert_int_equal(io.ndev, 2);
	assert_int_equal(io.dev[0].major, 8);
	assert_int_equal(io.dev[0].minor, 16);
	assert_int_equal(io.dev[0].read_bytes, 1459200);
	assert_int_equal(io.dev[0].write_bytes, 314773504);
	assert_int_equal(io.dev[0].read_ops, 192);
	assert_int_equal(io.dev[0].write_ops, 353);
	assert_int_equal(io.dev[1].minor, 0);
	assert_int_equal(io.dev[1].read_bytes, 90430464);
	assert_int_equal(io.dev[1].write_ops, 1252);
	/* dbytes/dios (discards) are not reads or writes. */
	assert_int_equal(io.total.read_bytes, 1459200 + 90430464);
	assert_int_equal(io.total.write_bytes, 314773504 + 299008000);
	assert_int_equal(io.total.read_ops, 192 + 8950);
	assert_int_equal(io.total.write_ops, 353 + 1252);

	memset(&io, 0, sizeof(io));
	assert_int_equal(cgp_io_stat(L(""), &io), 0);     /* no I/O yet */
	assert_int_equal(io.ndev, 0);
	assert_int_equal(cgp_io_stat(L("8:0 rbytes=5 newkey=9"), &io), 0);
	assert_int_equal(io.total.read_bytes, 5);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&io, 0, sizeof(io));
		if (cgp_io_stat(bad[i], strlen(bad[i]), &io) != -1)
			fail_msg("cgp_io_stat(\"%s\") accepted", bad[i]);
	}
}

/* ---- cgp_psi ---------------------------------------------------------- */

static void
test_psi(void **state)
{
	static const char *const bad[] = {
		"",
		"some avg10=1.53 avg60=0.87 avg300=0.25\n",       /* truncated */
		"some avg10=1.53 avg60=0.87 total=5\n",
		"some avg10=x avg60=0.87 avg300=0.25 total=5\n",
		"some avg10=-1.00 avg60=0.87 avg300=0.25 total=5\n",
		"some avg10=1. avg60=0.87 avg300=0.25 total=5\n",
		"some avg10=1.53 avg60=0.87 avg300=0.25 total=18446744073709551616\n",
		"half avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0 extra=1\n",
		"garbage\n",
	};
	struct psi p;
	size_t i;

	(void)state;
	assert_int_equal(cgp_psi(L(
	    "some avg10=1.53 avg60=0.87 avg300=0.25 total=1845123\n"
	    "full avg10=0.40 avg60=0.10 avg300=0.02 total=402311\n"), &p), 0);
	assert_true(p.some.avg10 > 1.5299);
	assert_true(p.some.avg10 < 1.5301);
	assert_true(p.some.avg60 > 0.8699);
	assert_true(p.some.avg60 < 0.8701);
	assert_true(p.some.avg300 > 0.2499);
	assert_true(p.some.avg300 < 0.2501);
	assert_int_equal(p.some.total_us, 1845123);
	assert_true(p.full.avg10 > 0.3999);
	assert_true(p.full.avg10 < 0.4001);
	assert_int_equal(p.full.total_us, 402311);
	/* Before Linux 5.13, cpu.pressure had only the "some" line. */
	assert_int_equal(cgp_psi(L(
	    "some avg10=100.00 avg60=0.00 avg300=0.00 total=7"), &p), 0);
	assert_double_equal(p.some.avg10, 100.0);
	assert_int_equal(p.full.total_us, 0);
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (cgp_psi(bad[i], strlen(bad[i]), &p) != -1)
			fail_msg("cgp_psi(\"%s\") accepted", bad[i]);
}

/* ---- cgp_net_dev ------------------------------------------------------ */

/* /proc/<pid>/net/dev of a container with lo and eth0, as the kernel
 * prints it (net/core/net-procfs.c: dev_seq_printf_stats). */
static const char net_dev[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
    "    lo:    1200      12    0    0    0     0          0         0     1200      12    0    0    0     0       0          0\n"
    "  eth0: 5338042    3617    1    2    0     0          0         0   648123     812    3    4    0     0       0          0\n";

static void
test_net_dev(void **state)
{
	struct net_stats n;
	char many[4096];
	size_t off, i;
	int hdr = (int)(strstr(net_dev, "    lo:") - net_dev);

	(void)state;
	assert_int_equal(cgp_net_dev(net_dev, sizeof(net_dev) - 1, &n), 0);
	assert_int_equal(n.nif, 2);
	assert_string_equal(n.ifs[0].name, "lo");
	assert_string_equal(n.ifs[1].name, "eth0");
	assert_int_equal(n.ifs[1].rx_bytes, 5338042);
	assert_int_equal(n.ifs[1].rx_packets, 3617);
	assert_int_equal(n.ifs[1].rx_errors, 1);
	assert_int_equal(n.ifs[1].rx_dropped, 2);
	assert_int_equal(n.ifs[1].tx_bytes, 648123);
	assert_int_equal(n.ifs[1].tx_packets, 812);
	assert_int_equal(n.ifs[1].tx_errors, 3);
	assert_int_equal(n.ifs[1].tx_dropped, 4);
	assert_string_equal(n.total.name, "total");
	assert_int_equal(n.total.rx_bytes, 5338042 + 1200);
	assert_int_equal(n.total.tx_bytes, 648123 + 1200);
	assert_int_equal(n.total.rx_packets, 3617 + 12);

	/* Headers only: no interface, not an error. */
	assert_int_equal(cgp_net_dev(net_dev, (size_t)hdr, &n), 0);
	assert_int_equal(n.nif, 0);
	assert_int_equal(cgp_net_dev(L(""), &n), -1);
	/* A line cut short, a missing colon, garbage, overflow. */
	off = (size_t)snprintf(many, sizeof(many), "%.*s%s", hdr, net_dev,
	    "  eth0: 1 2 3\n");
	assert_int_equal(cgp_net_dev(many, off, &n), -1);
	off = (size_t)snprintf(many, sizeof(many), "%.*s%s", hdr, net_dev,
	    "  eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
	assert_int_equal(cgp_net_dev(many, off, &n), -1);
	off = (size_t)snprintf(many, sizeof(many), "%.*s%s", hdr, net_dev,
	    "  eth0: 18446744073709551616 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
	assert_int_equal(cgp_net_dev(many, off, &n), -1);
	off = (size_t)snprintf(many, sizeof(many), "%.*s%s", hdr, net_dev,
	    "  averyveryverylongifname: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
	assert_int_equal(cgp_net_dev(many, off, &n), -1);
	/* More interfaces than NET_IF_MAX: all count in the total. */
	off = (size_t)snprintf(many, sizeof(many), "%.*s", hdr, net_dev);
	for (i = 0; i < NET_IF_MAX + 2; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "veth%zu: 100 1 0 0 0 0 0 0 10 1 0 0 0 0 0 0\n", i);
	assert_int_equal(cgp_net_dev(many, off, &n), 0);
	assert_int_equal(n.nif, NET_IF_MAX);
	assert_int_equal(n.total.rx_bytes, 100 * (NET_IF_MAX + 2));
	assert_int_equal(n.total.tx_bytes, 10 * (NET_IF_MAX + 2));
}

/* Filter for cgp_net_dev_filtered: every interface but lo. */
static int
not_lo(void *arg, const char *name)
{
	int *calls = arg;

	(*calls)++;
	return strcmp(name, "lo") != 0;
}

static void
test_net_dev_filtered(void **state)
{
	struct net_stats n;
	char bad[1024];
	size_t off;
	int calls = 0, hdr = (int)(strstr(net_dev, "    lo:") - net_dev);

	(void)state;
	/* lo left out of the list and of the total; eth0 as it is. */
	assert_int_equal(cgp_net_dev_filtered(net_dev, sizeof(net_dev) - 1,
	    &n, not_lo, &calls), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(n.nif, 1);
	assert_string_equal(n.ifs[0].name, "eth0");
	assert_int_equal(n.ifs[0].rx_bytes, 5338042);
	assert_int_equal(n.total.rx_bytes, 5338042);
	assert_int_equal(n.total.tx_packets, 812);
	/* lo alone: nothing listed, a zero total, not an error. */
	off = (size_t)snprintf(bad, sizeof(bad), "%.*s", (int)(strstr(net_dev,
	    "  eth0:") - net_dev), net_dev);
	assert_int_equal(cgp_net_dev_filtered(bad, off, &n, not_lo, &calls),
	    0);
	assert_int_equal(n.nif, 0);
	assert_int_equal(n.total.rx_bytes, 0);
	/* A malformed line is an error even for an interface left out. */
	off = (size_t)snprintf(bad, sizeof(bad), "%.*s%s", hdr, net_dev,
	    "    lo: 1 2 3\n");
	assert_int_equal(cgp_net_dev_filtered(bad, off, &n, not_lo, &calls),
	    -1);
}

/* ---- cgp_proc_stat ---------------------------------------------------- */

static void
test_proc_stat(void **state)
{
	uint64_t total = 0;
	uint32_t ncpu = 0;
	size_t len;
	char *s = cgroup_fixture("host-proc-stat-cpu-lines.txt", &len);

	(void)state;
	/* "cpu  31619 0 22904 27914 1486 0 95 319 0 0": Docker adds up
	 * user nice system idle iowait irq softirq (strings.Fields()[1:8],
	 * steal and guest left out) and scales ticks to ns. */
	assert_int_equal(cgp_proc_stat(s, len, 100, &total, &ncpu), 0);
	assert_int_equal(total, (31619ULL + 0 + 22904 + 27914 + 1486 + 0 + 95) *
	    10000000ULL);
	assert_int_equal(ncpu, 2);
	assert_int_equal(cgp_proc_stat(s, len, 0, &total, &ncpu), -1);
	free(s);

	assert_int_equal(cgp_proc_stat(L("cpu  1 2 3 4 5 6 7 8 9 10\n"),
	    1000, &total, &ncpu), 0);
	assert_int_equal(total, 28ULL * 1000000ULL);
	assert_int_equal(ncpu, 0);
	assert_int_equal(cgp_proc_stat(L(
	    "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 1 1 1 1 1 1\ncpu1 0 1 2 0 0 0 0\n"
	    "cpu2 1 2 3 4 5 6 7\nintr 1 2 3\n"), 100, &total, &ncpu), 0);
	assert_int_equal(ncpu, 3);
	assert_int_equal(cgp_proc_stat(L("cpu0 1 2 3 4 5 6 7\n"), 100, &total,
	    &ncpu), -1);
	assert_int_equal(cgp_proc_stat(L(""), 100, &total, &ncpu), -1);
	assert_int_equal(cgp_proc_stat(L("cpu  x\n"), 100, &total, &ncpu),
	    -1);
	assert_int_equal(cgp_proc_stat(L("cpu  18446744073709551616 0 0 0 0 0 0\n"),
	    100, &total, &ncpu), -1);
	/* Sums that would wrap instead of counting (issue 9). */
	assert_int_equal(cgp_proc_stat(L("cpu  18446744073709551615 1 0 0 0 0 "
	    "0\n"), 100, &total, &ncpu), -1);
	assert_int_equal(cgp_proc_stat(L("cpu  184467440737095517 0 0 0 0 0 "
	    "0\n"), 100, &total, &ncpu), -1);
	assert_int_equal(cgp_proc_stat(L("cpu  18446744073 0 0 0 0 0 0\n"), 100,
	    &total, &ncpu), 0);
	assert_int_equal(total, 184467440730000000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_flat_memory_stat_sample),
		cmocka_unit_test(test_flat_table),
		cmocka_unit_test(test_flat_v1_cpu_stat_sample),
		cmocka_unit_test(test_percpu),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_blkio_v1_sample),
		cmocka_unit_test(test_blkio_v1_table),
		cmocka_unit_test(test_io_stat),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_net_dev),
		cmocka_unit_test(test_net_dev_filtered),
		cmocka_unit_test(test_proc_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
