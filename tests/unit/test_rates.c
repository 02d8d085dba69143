/*
 * test_rates.c — collector/rates: CPU percent exactly as the docker CLI
 * computes it, checked with the numbers of Docker's own stats example
 * (tests/fixtures/docker/container_stats_v1.47_cgroupv1.json),
 * percent of a CPU quota, memory percent with and without a limit,
 * network and block I/O rates, and the cases with no valid rate.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "asserts.h"

#include <cjson/cJSON.h>

#include "collector/rates.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

#define GiB (1024ULL * 1024 * 1024)

static void
assert_close(double got, double want)
{
	double tol = fabs(want) * 1e-9 + 1e-12;

	if (fabs(got - want) > tol)
		fail_msg("got %.17g, want %.17g", got, want);
}

static cJSON *
stats_fixture(void)
{
	char *data;
	cJSON *j;

	data = fixture_read("docker/container_stats_v1.47_cgroupv1.json", NULL);
	j = cJSON_Parse(data);
	free(data);
	assert_non_null(j);
	return j;
}

static double
num(const cJSON *root, const char *a, const char *b, const char *c)
{
	const cJSON *j = cJSON_GetObjectItem(root, a);

	if (b != NULL)
		j = cJSON_GetObjectItem(j, b);
	if (c != NULL)
		j = cJSON_GetObjectItem(j, c);
	assert_non_null(j);
	assert_true(cJSON_IsNumber(j));
	return j->valuedouble;
}

/* A sample with only CPU counters. */
static void
cpu_sample(struct sample *s, int64_t mono_ns, uint64_t usage_ns,
    uint64_t host_ns, uint32_t ncpu)
{
	memset(s, 0, sizeof(*s));
	s->mono_ns = mono_ns;
	s->cpu.usage_ns = usage_ns;
	s->host_cpu_ns = host_ns;
	s->online_cpus = ncpu;
	s->have = HAVE_CPU_USAGE;
}

/* docker stats: (cpu_delta / system_delta) * online_cpus * 100. */
static void
test_docker_cpu_percent(void **state)
{
	cJSON *j = stats_fixture();
	double cur_usage = num(j, "cpu_stats", "cpu_usage", "total_usage");
	double pre_usage = num(j, "precpu_stats", "cpu_usage", "total_usage");
	double cur_sys = num(j, "cpu_stats", "system_cpu_usage", NULL);
	double pre_sys = num(j, "precpu_stats", "system_cpu_usage", NULL);
	double ncpu = num(j, "cpu_stats", "online_cpus", NULL);
	double want = (cur_usage - pre_usage) / (cur_sys - pre_sys) * ncpu *
	    100.0;
	struct sample prev, cur;
	struct sample_prev pv;
	struct rates r;

	(void)state;
	/* The example's numbers, so a change of fixture shows up here. */
	assert_double_equal(cur_usage - pre_usage, 121359.0);
	assert_double_equal(ncpu, 4.0);
	cpu_sample(&prev, 1000000000, (uint64_t)pre_usage, (uint64_t)pre_sys,
	    4);
	cpu_sample(&cur, 2000000000, (uint64_t)cur_usage, (uint64_t)cur_sys,
	    (uint32_t)ncpu);
	memset(&pv, 0, sizeof(pv));
	rates_remember(&prev, &pv);
	assert_true(pv.valid);
	rates_compute(&cur, &pv, 0, &r);
	assert_true(r.valid);
	assert_close(r.cpu_percent, want);
	assert_close(r.cpu_percent, 121359.0 / 729814450000000.0 * 400.0);
	assert_false(r.has_limit);
	assert_double_equal(r.cpu_percent_of_limit, 0);
	cJSON_Delete(j);
}

/* Docker's memory percent: (usage - total_inactive_file) / limit. */
static void
test_docker_mem_percent(void **state)
{
	cJSON *j = stats_fixture();
	double usage = num(j, "memory_stats", "usage", NULL);
	double inactive = num(j, "memory_stats", "stats",
	    "total_inactive_file");
	double limit = num(j, "memory_stats", "limit", NULL);
	struct sample s;
	struct sample_prev pv;
	struct rates r;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&pv, 0, sizeof(pv));
	s.have = HAVE_MEM_USAGE | HAVE_MEM_LIMIT;
	s.mem.usage = (uint64_t)usage;
	s.mem.working_set = (uint64_t)(usage - inactive);
	s.mem.limit = (uint64_t)limit;
	rates_compute(&s, &pv, 8 * GiB, &r);
	assert_close(r.mem_percent, (usage - inactive) / limit * 100.0);
	assert_close(r.mem_percent, 6537216.0 / 67108864.0 * 100.0);
	/* No previous sample: memory percent is there, rates are not. */
	assert_false(r.valid);
	assert_int_equal(rates_mem_limit(&s, 8 * GiB), 67108864);
	cJSON_Delete(j);
}

struct mem_case {
	uint32_t have;
	uint64_t limit, host;
	uint64_t want_limit;
};

static void
test_mem_limit_table(void **state)
{
	static const struct mem_case cases[] = {
		/* A real limit below host RAM. */
		{ HAVE_MEM_USAGE | HAVE_MEM_LIMIT, 1 * GiB, 8 * GiB, 1 * GiB },
		/* No limit: host RAM stands in, as Docker's stats. */
		{ HAVE_MEM_USAGE, 0, 8 * GiB, 8 * GiB },
		/* A limit above host RAM cannot be reached. */
		{ HAVE_MEM_USAGE | HAVE_MEM_LIMIT, 64 * GiB, 8 * GiB, 8 * GiB },
		/* A stale limit without its have bit is not used. */
		{ HAVE_MEM_USAGE, 1 * GiB, 8 * GiB, 8 * GiB },
		/* Host RAM unknown. */
		{ HAVE_MEM_USAGE | HAVE_MEM_LIMIT, 1 * GiB, 0, 1 * GiB },
		{ HAVE_MEM_USAGE, 0, 0, 0 },
	};
	struct sample s;
	struct sample_prev pv;
	struct rates r;
	size_t i;

	(void)state;
	memset(&pv, 0, sizeof(pv));
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		memset(&s, 0, sizeof(s));
		s.have = cases[i].have;
		s.mem.limit = cases[i].limit;
		s.mem.working_set = GiB / 2;
		assert_int_equal(rates_mem_limit(&s, cases[i].host),
		    cases[i].want_limit);
		rates_compute(&s, &pv, cases[i].host, &r);
		if (cases[i].want_limit == 0)
			assert_double_equal(r.mem_percent, 0);
		else
			assert_close(r.mem_percent, (double)(GiB / 2) /
			    (double)cases[i].want_limit * 100.0);
	}
	/* No memory usage read: no percent. */
	memset(&s, 0, sizeof(s));
	s.have = HAVE_MEM_LIMIT;
	s.mem.limit = GiB;
	rates_compute(&s, &pv, 8 * GiB, &r);
	assert_double_equal(r.mem_percent, 0);
}

/* cpu.cfs_quota_us 50000 / period 100000 = half a core. */
static void
test_quota_percent(void **state)
{
	struct sample prev, cur;
	struct sample_prev pv;
	struct rates r;

	(void)state;
	/* 2 CPUs, 2 s: the host counts 4 s of CPU time; the container
	 * used 1 s of it = 50 % of one core = 100 % of its quota. */
	cpu_sample(&prev, 10000000000LL, 5000000000ULL, 100000000000ULL, 2);
	cpu_sample(&cur, 12000000000LL, 6000000000ULL, 104000000000ULL, 2);
	cur.have |= HAVE_CPU_QUOTA;
	cur.cpu.quota_us = 50000;
	cur.cpu.period_us = 100000;
	memset(&pv, 0, sizeof(pv));
	rates_remember(&prev, &pv);
	rates_compute(&cur, &pv, 0, &r);
	assert_true(r.valid);
	assert_true(r.has_limit);
	assert_close(r.limit_cores, 0.5);
	assert_close(r.cpu_percent, 50.0);
	assert_close(r.cpu_percent_of_limit, 100.0);
	/* 1.5 cores of quota. */
	cur.cpu.quota_us = 150000;
	rates_compute(&cur, &pv, 0, &r);
	assert_close(r.limit_cores, 1.5);
	assert_close(r.cpu_percent_of_limit, 50.0 / 1.5);
	/* Quota numbers without the have bit (quota "max"): no limit. */
	cur.have &= ~HAVE_CPU_QUOTA;
	rates_compute(&cur, &pv, 0, &r);
	assert_false(r.has_limit);
	assert_double_equal(r.cpu_percent_of_limit, 0);
	assert_close(r.cpu_percent, 50.0);
}

struct invalid_case {
	const char *why;
	int         prev_valid;
	int64_t     prev_mono, cur_mono;
	uint64_t    prev_usage, cur_usage;
	uint64_t    prev_host, cur_host;
	uint32_t    cur_have;
};

static void
test_invalid(void **state)
{
	static const struct invalid_case cases[] = {
		{ "no previous sample", 0, 1000, 2000, 10, 20, 100, 200,
		    HAVE_CPU_USAGE },
		{ "usage went backwards", 1, 1000, 2000, 20, 10, 100, 200,
		    HAVE_CPU_USAGE },
		{ "host counter went backwards", 1, 1000, 2000, 10, 20, 200,
		    100, HAVE_CPU_USAGE },
		{ "host counter stood still", 1, 1000, 2000, 10, 20, 100, 100,
		    HAVE_CPU_USAGE },
		{ "no time passed", 1, 2000, 2000, 10, 20, 100, 200,
		    HAVE_CPU_USAGE },
		{ "clock went backwards", 1, 3000, 2000, 10, 20, 100, 200,
		    HAVE_CPU_USAGE },
		{ "no usage this sweep", 1, 1000, 2000, 10, 20, 100, 200, 0 },
	};
	struct sample cur;
	struct sample_prev pv;
	struct rates r;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct invalid_case *c = &cases[i];

		memset(&pv, 0, sizeof(pv));
		pv.valid = c->prev_valid;
		pv.mono_ns = c->prev_mono;
		pv.cpu_usage_ns = c->prev_usage;
		pv.host_cpu_ns = c->prev_host;
		cpu_sample(&cur, c->cur_mono, c->cur_usage, c->cur_host, 2);
		cur.have = c->cur_have | HAVE_NET | HAVE_BLKIO;
		cur.net.total.rx_bytes = 1000;
		cur.blkio.total.read_bytes = 1000;
		memset(&r, 0xff, sizeof(r));
		rates_compute(&cur, &pv, 0, &r);
		if (r.valid)
			fail_msg("%s: valid", c->why);
		assert_double_equal(r.cpu_percent, 0);
		assert_double_equal(r.net_rx_bps, 0);
		assert_double_equal(r.blk_read_bps, 0);
	}
	/* A sample without CPU usage is no base for the next one. */
	memset(&cur, 0, sizeof(cur));
	cur.mono_ns = 5;
	rates_remember(&cur, &pv);
	assert_false(pv.valid);
}

static void
test_net_blk_rates(void **state)
{
	struct sample prev, cur;
	struct sample_prev pv;
	struct rates r;

	(void)state;
	cpu_sample(&prev, 1000000000, 100, 1000, 1);
	prev.have |= HAVE_NET | HAVE_BLKIO;
	prev.net.total.rx_bytes = 1000;
	prev.net.total.tx_bytes = 500;
	prev.blkio.total.read_bytes = 4096;
	prev.blkio.total.write_bytes = 8192;
	memset(&pv, 0, sizeof(pv));
	rates_remember(&prev, &pv);
	assert_int_equal(pv.net_rx, 1000);
	assert_int_equal(pv.net_tx, 500);
	assert_int_equal(pv.blk_read, 4096);
	assert_int_equal(pv.blk_write, 8192);

	/* 2.5 s later. */
	cpu_sample(&cur, 3500000000LL, 200, 2000, 1);
	cur.have |= HAVE_NET | HAVE_BLKIO;
	cur.net.total.rx_bytes = 1000 + 25000;
	cur.net.total.tx_bytes = 500 + 2500;
	cur.blkio.total.read_bytes = 4096 + 1048576;
	cur.blkio.total.write_bytes = 8192;
	rates_compute(&cur, &pv, 0, &r);
	assert_true(r.valid);
	assert_close(r.net_rx_bps, 10000.0);
	assert_close(r.net_tx_bps, 1000.0);
	assert_close(r.blk_read_bps, 1048576.0 / 2.5);
	assert_double_equal(r.blk_write_bps, 0);
	/* Counters that went backwards (an interface re-created) give 0,
	 * never a huge wrapped rate. */
	cur.net.total.rx_bytes = 10;
	cur.blkio.total.write_bytes = 0;
	rates_compute(&cur, &pv, 0, &r);
	assert_true(r.valid);
	assert_double_equal(r.net_rx_bps, 0);
	assert_double_equal(r.blk_write_bps, 0);
	assert_close(r.net_tx_bps, 1000.0);
	/* Without the have bits there is no rate. */
	cur.have &= ~(HAVE_NET | HAVE_BLKIO);
	rates_compute(&cur, &pv, 0, &r);
	assert_true(r.valid);
	assert_double_equal(r.net_tx_bps, 0);
	assert_double_equal(r.blk_read_bps, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_cpu_percent),
		cmocka_unit_test(test_docker_mem_percent),
		cmocka_unit_test(test_mem_limit_table),
		cmocka_unit_test(test_quota_percent),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_net_blk_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
