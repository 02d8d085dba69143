/*
 * test_collector.c — collector/collector: whole sweeps over the fixture
 * trees (no Docker): every container found once, its points formatted,
 * rates valid from the second sweep, errors of the hostile tree counted
 * in the health figures, and a container deleted between sweeps counted
 * as vanished and then dropped.  The v1 and hybrid trees are used: they
 * have no cgroup.procs, so no real /proc/<pid> of this machine is read.
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

#include "collector/collector.h"
#include "common/buf.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

#define D1 "67157c5cecd20437a69824140230ca44a1f45535ff4192ffb9116c4dd279269d"
#define D2 "fd2c9610d3c827148f3d849901b6b33dbac06d93076b7ffa84fe94d156ab2136"
#define D5 "e558c54e685c85406a619a6b8f3618acb2700693c2c1d52fbaa9b1eb17ad67c8"
#define M1 "b7b23460-7b51-5313-8b69-53f2f8207606"

static void
init_percpu(struct collector *c, const char *root, int percpu)
{
	struct collector_options o;
	char err[256] = "";

	memset(&o, 0, sizeof(o));
	o.cgroup_root = root;
	o.hostname = "h1";
	o.schema = SCHEMA_HOIST;
	o.percpu = percpu;
	o.fd_budget = 256;
	if (collector_init(c, &o, NULL, err, sizeof(err)) != 0)
		fail_msg("collector_init(%s): %s", root, err);
}

static void
init(struct collector *c, const char *root)
{
	init_percpu(c, root, 1);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static const struct container *
find(const struct collector *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->table.n; i++)
		if (strcmp(c->table.c[i]->meta.id, id) == 0)
			return c->table.c[i];
	return NULL;
}

static void
test_sweep_v1(void **state)
{
	struct collector c;
	struct buf out;
	const struct container *k;
	char root[512];
	int n;

	(void)state;
	init(&c, fixture_path(root, sizeof(root), "cgroup/v1"));
	buf_init(&out, 1 << 20);
	n = collector_sweep(&c, 1700000000000000000LL, &out);
	assert_true(n > 0);
	assert_int_equal(c.table.n, 3);
	assert_int_equal(c.table.health.containers, 3);
	assert_int_equal(c.table.health.err_cgroup_read, 0);
	assert_int_equal(c.table.health.err_cgroup_parse, 0);
	/* One status point per container, one cpu-total each. */
	assert_int_equal(count(out.data, "container_status,"), 3);
	assert_int_equal(count(out.data, ",cpu=cpu-total "), 3);
	assert_int_equal(count(out.data, "container_id=\"" D1 "\""),
	    count(out.data, "container_name=" D1 ","));
	assert_int_equal(count(out.data, "\n"), (size_t)n);
	assert_non_null(strstr(out.data, ",runtime=mesos,cpu=cpu-total "));
	k = find(&c, D1);
	assert_non_null(k);
	assert_string_equal(k->cgroup_path, "docker/" D1);
	assert_int_equal(k->cur.cpu.usage_ns, 643171896);
	assert_int_equal(k->cur.mem.working_set, 8904704 - 8388608);
	assert_false(k->rates.valid);          /* first sweep */
	assert_non_null(find(&c, D2));
	assert_non_null(find(&c, M1));

	/* Second sweep: nothing new; counters did not move, so the CPU
	 * percent is valid and zero (if the host counter moved). */
	buf_reset(&out);
	n = collector_sweep(&c, 1700000010000000000LL, &out);
	assert_true(n > 0);
	assert_int_equal(c.table.n, 3);
	k = find(&c, D1);
	if (k->cur.host_cpu_ns > k->prev.host_cpu_ns) {
		assert_true(k->rates.valid);
		assert_double_equal(k->rates.cpu_percent, 0);
	}
	assert_true(k->rates.has_limit);
	assert_double_equal(k->rates.limit_cores, 0.5);
	assert_non_null(strstr(out.data, " 1700000010000000000\n"));
	/* No output: a priming sweep appends nothing. */
	assert_int_equal(collector_sweep(&c, 1, NULL), 0);
	buf_reset(&out);
	assert_int_equal(collector_health_point(&c, "h1", 5, &out), 1);
	assert_non_null(strstr(out.data, "hoist_collector,host=h1 "));
	assert_non_null(strstr(out.data, ",containers=3i,sweeps=3i,"));
	buf_free(&out);
	collector_free(&c);
}

static void
test_sweep_hybrid_and_bad(void **state)
{
	struct collector c;
	struct buf out;
	char root[512];

	(void)state;
	init(&c, fixture_path(root, sizeof(root), "cgroup/hybrid"));
	buf_init(&out, 1 << 20);
	assert_true(collector_sweep(&c, 1000, &out) > 0);
	assert_int_equal(c.table.n, 1);
	assert_non_null(strstr(out.data, "pressure_some_avg10=12.5,"));
	assert_non_null(strstr(out.data, "container_id=\"" D5 "\""));
	collector_free(&c);

	/* percpu off: cpuacct.usage is read (not usage_percpu), and it is
	 * empty. */
	init_percpu(&c, fixture_path(root, sizeof(root), "cgroup/bad/v1"), 0);
	buf_reset(&out);
	assert_true(collector_sweep(&c, 1000, &out) > 0);
	assert_int_equal(c.table.n, 1);
	assert_int_equal(c.table.health.err_cgroup_parse, 3);
	assert_int_equal(c.table.health.err_cgroup_read, 1);
	/* The metrics that did read are still written. */
	assert_non_null(strstr(out.data, "usage_in_usermode="));
	assert_null(strstr(out.data, "usage_total="));
	assert_null(strstr(out.data, "throttling_periods="));
	collector_free(&c);

	/* percpu on: cpuacct.usage is not read; the total is the sum of
	 * usage_percpu, so the empty cpuacct.usage costs nothing. */
	init(&c, fixture_path(root, sizeof(root), "cgroup/bad/v1"));
	buf_reset(&out);
	assert_true(collector_sweep(&c, 1000, &out) > 0);
	assert_int_equal(c.table.health.err_cgroup_parse, 2);
	assert_int_equal(c.table.health.err_cgroup_read, 1);
	assert_non_null(strstr(out.data, "usage_total=643171896i,"));
	collector_free(&c);
	buf_free(&out);
}

static void
test_sweep_vanished(void **state)
{
	static const char *const ctrls[] = { "cpu", "cpuacct", "memory",
	    "blkio", "pids" };
	char tmp[64], root[128], src[512], cmd[1024];
	struct collector c;
	struct buf out;
	size_t i;

	(void)state;
	str_copy_trunc(tmp, "/tmp/hoist-coll-XXXXXX", sizeof(tmp));
	assert_non_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "cp -R '%s' %s/",
	    fixture_path(src, sizeof(src), "cgroup/v1"), tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(root, sizeof(root), "%s/v1", tmp);
	init(&c, root);
	/* Budget 1: files are opened on demand, so a deleted directory
	 * shows as on cgroupfs (see test_cgroup_tree.c). */
	cgroup_set_fd_budget(1);
	buf_init(&out, 1 << 20);
	assert_true(collector_sweep(&c, 1000, &out) > 0);
	assert_int_equal(c.table.n, 3);
	for (i = 0; i < ARRAY_LEN(ctrls); i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s/docker/%s'", root,
		    ctrls[i], D1);
		assert_int_equal(system(cmd), 0);
	}
	buf_reset(&out);
	assert_true(collector_sweep(&c, 2000, &out) > 0);
	/* Discovery no longer finds it (its cpuacct directory is gone):
	 * it is dropped, with no line, no error and its files closed. */
	assert_null(strstr(out.data, D1));
	assert_null(find(&c, D1));
	assert_int_equal(c.table.n, 2);
	assert_int_equal(c.table.health.err_cgroup_read +
	    c.table.health.err_cgroup_parse, 0);
	collector_free(&c);
	buf_free(&out);
	cgroup_set_fd_budget(4096);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_v1),
		cmocka_unit_test(test_sweep_hybrid_and_bad),
		cmocka_unit_test(test_sweep_vanished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
