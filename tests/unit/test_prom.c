/*
 * test_prom.c — the Prometheus exposition against a known table: exact
 * lines for a known container, label escaping, families written whole,
 * figures without their `have` bit left out, the collector's own metrics.
 *
 * With HOIST_PROM_OUT=<path> in the environment, the exposition of the
 * fixture table is also written to that file, for
 * tests/integration/api_promtool.sh to run `promtool check metrics` on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "collector/prom.h"

#define L0 "{id=\"" FIX_ID0 "\",name=\"web-1\",image=\"registry.example/shop/web\"," \
	"marathon_app_id=\"/shop/web\",mesos_task_id=\"shop_web.t1\"}"
#define L2 "{id=\"" FIX_ID2 "\",name=\"plain\",image=\"busybox\"," \
	"container_label_com_example_note=\"say \\\"hi\\\"\\\\ and\\nbye\"," \
	"container_label_team=\"ops\""

static char *
render(struct container_table *t)
{
	struct buf b;
	char *s;
	size_t len;

	buf_init(&b, 1u << 20);
	assert_int_equal(prom_render(t, &b), 0);
	s = buf_steal(&b, &len);
	assert_non_null(s);
	return s;
}

/* Is `line` a whole line of text? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

static void
test_known_container_lines(void **state)
{
	static const char *const want[] = {
		"# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.",
		"# TYPE container_cpu_usage_seconds_total counter",
		"container_cpu_usage_seconds_total" L0 " 12.5",
		"container_cpu_user_seconds_total" L0 " 10",
		"container_cpu_system_seconds_total" L0 " 2.5",
		"container_cpu_cfs_periods_total" L0 " 1000",
		"container_cpu_cfs_throttled_periods_total" L0 " 25",
		"container_cpu_cfs_throttled_seconds_total" L0 " 1.5",
		"container_spec_cpu_quota" L0 " 50000",
		"container_spec_cpu_period" L0 " 100000",
		"container_memory_usage_bytes" L0 " 150994944",
		"container_memory_working_set_bytes" L0 " 134217728",
		"container_memory_rss" L0 " 104857600",
		"container_memory_cache" L0 " 31457280",
		"container_spec_memory_limit_bytes" L0 " 536870912",
		"container_threads" L0 " 17",
		"container_threads_max" L0 " 1024",
		"container_start_time_seconds" L0 " 1795665600",
		"# TYPE container_memory_failcnt gauge",
		"container_cpu_usage_seconds_total" L2 "} 1.23456789",
	};
	struct container_table t;
	char *s;
	size_t i;

	(void)state;
	fix_table_init(&t);
	/* One figure that only c[0] has, to see its family appear. */
	t.c[0]->cur.have |= HAVE_MEM_FAILCNT;
	t.c[0]->cur.mem.failcnt = 9;
	s = render(&t);
	for (i = 0; i < ARRAY_LEN(want); i++)
		if (!has_line(s, want[i]))
			fail_msg("missing line: %s", want[i]);
	assert_true(has_line(s, "container_memory_failcnt" L0 " 9"));
	free(s);
	fix_table_free(&t);
}

static void
test_label_escaping_and_extra_labels(void **state)
{
	static const char *const want[] = {
		"container_network_receive_bytes_total" L2 ",interface=\"eth0\"} 1000",
		"container_network_receive_bytes_total" L2 ",interface=\"eth1\"} 5",
		"container_network_receive_packets_dropped_total" L2 ",interface=\"eth0\"} 2",
		"container_network_transmit_errors_total" L2 ",interface=\"eth0\"} 3",
		"container_fs_reads_bytes_total" L2 ",device=\"8:0\"} 4096",
		"container_fs_writes_total" L2 ",device=\"8:0\"} 2",
		"container_oom_events_total" L2 "} 2",
		"container_memory_swap" L2 "} 0",
	};
	struct container_table t;
	char *s;
	size_t i;

	(void)state;
	fix_table_init(&t);
	s = render(&t);
	for (i = 0; i < ARRAY_LEN(want); i++)
		if (!has_line(s, want[i]))
			fail_msg("missing line: %s", want[i]);
	free(s);
	fix_table_free(&t);
}

/* Table-driven: the escaper on its own. */
static void
test_escape_label_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "a\\b", "a\\\\b" },
		{ "a\nb", "a\\nb" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "tab\tstays", "tab\tstays" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xff" "byte", "bad\xef\xbf\xbd" "byte" },
		{ "cut\xc3", "cut\xef\xbf\xbd" },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		buf_reset(&b);
		assert_int_equal(prom_escape_label(&b, cases[i].in), 0);
		assert_string_equal(b.len ? b.data : "", cases[i].out);
	}
	buf_free(&b);
}

/* A family without any series is left out, HELP and TYPE too; a
 * container without a `have` bit has no series in that family. */
static void
test_missing_figures_left_out(void **state)
{
	struct container_table t;
	char *s;

	(void)state;
	fix_table_init(&t);
	s = render(&t);
	/* Nobody has failcnt, max_usage, PSI: no family. */
	assert_null(strstr(s, "container_memory_failcnt"));
	assert_null(strstr(s, "container_memory_max_usage_bytes"));
	assert_null(strstr(s, "container_pressure_"));
	/* The plain container has no limit and no throttling figures. */
	assert_null(strstr(s, "container_spec_memory_limit_bytes{id=\"" FIX_ID2));
	assert_null(strstr(s, "container_spec_cpu_quota{id=\"" FIX_ID2));
	assert_null(strstr(s, "container_cpu_user_seconds_total{id=\"" FIX_ID2));
	/* Only the plain container has network figures. */
	assert_null(strstr(s, "container_network_receive_bytes_total{id=\"" FIX_ID0));
	free(s);
	fix_table_free(&t);
}

/* Each family's HELP and TYPE appear once, before all its series, and
 * its series are contiguous. */
static void
test_families_whole(void **state)
{
	struct container_table t;
	char *s, *line, *save = NULL;
	char seen[64][96];
	char cur[96] = "";
	size_t nseen = 0, i, n;

	(void)state;
	fix_table_init(&t);
	s = render(&t);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0 ||
		    strncmp(line, "# TYPE ", 7) == 0)
			continue;
		n = strcspn(line, "{ ");
		assert_true(n < sizeof(cur));
		if (strncmp(line, cur, n) == 0 && cur[n] == '\0')
			continue;
		for (i = 0; i < nseen; i++)
			if (strncmp(seen[i], line, n) == 0 && seen[i][n] == '\0')
				fail_msg("family %.*s is split", (int)n, line);
		assert_true(nseen < ARRAY_LEN(seen));
		memcpy(seen[nseen], line, n);
		seen[nseen][n] = '\0';
		memcpy(cur, line, n);
		cur[n] = '\0';
		nseen++;
	}
	assert_true(nseen > 30);
	free(s);
	fix_table_free(&t);
}

static void
test_collector_health(void **state)
{
	static const char *const want[] = {
		"# TYPE hoist_collector_sweeps_total counter",
		"hoist_collector_sweeps_total 42",
		"hoist_collector_sweep_duration_seconds 0.0125",
		"hoist_collector_containers 4",
		"hoist_collector_points_written_total 1600",
		"hoist_collector_points_dropped_total 3",
		"hoist_collector_points_spooled_total 7",
		"hoist_collector_spool_bytes 65536",
		"hoist_collector_errors_total{kind=\"cgroup_read\"} 1",
		"hoist_collector_errors_total{kind=\"docker\"} 2",
		"hoist_collector_errors_total{kind=\"output\"} 0",
		"hoist_collector_last_sweep_timestamp_seconds 1795669200",
		"hoist_collector_start_time_seconds 1795668780",
	};
	struct container_table t;
	char *s;
	size_t i;

	(void)state;
	fix_table_init(&t);
	s = render(&t);
	for (i = 0; i < ARRAY_LEN(want); i++)
		if (!has_line(s, want[i]))
			fail_msg("missing line: %s", want[i]);
	free(s);
	fix_table_free(&t);
}

/* A buffer too small: -1, and nothing left behind. */
static void
test_cap_rolls_back(void **state)
{
	struct container_table t;
	struct buf b;

	(void)state;
	fix_table_init(&t);
	buf_init(&b, 2000);
	assert_int_equal(buf_puts(&b, "keep"), 0);
	assert_int_equal(prom_render(&t, &b), -1);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	buf_free(&b);
	fix_table_free(&t);
}

/* An empty table still gives the collector's own metrics. */
static void
test_empty_table(void **state)
{
	struct container_table t;
	char *s;

	(void)state;
	memset(&t, 0, sizeof(t));
	s = render(&t);
	assert_null(strstr(s, "container_"));
	assert_true(has_line(s, "hoist_collector_sweeps_total 0"));
	free(s);
}

/* For the promtool integration test: write the exposition out. */
static void
test_write_for_promtool(void **state)
{
	const char *path = getenv("HOIST_PROM_OUT");
	struct container_table t;
	FILE *f;
	char *s;

	(void)state;
	assert_non_null(path);
	fix_table_init(&t);
	t.c[0]->cur.have |= HAVE_MEM_FAILCNT | HAVE_MEM_MAX_USAGE |
	    HAVE_CPU_PSI | HAVE_MEM_PSI;
	t.c[2]->cur.have |= HAVE_IO_PSI;
	s = render(&t);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(s, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	free(s);
	fix_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_container_lines),
		cmocka_unit_test(test_label_escaping_and_extra_labels),
		cmocka_unit_test(test_escape_label_table),
		cmocka_unit_test(test_missing_figures_left_out),
		cmocka_unit_test(test_families_whole),
		cmocka_unit_test(test_collector_health),
		cmocka_unit_test(test_cap_rolls_back),
		cmocka_unit_test(test_empty_table),
	};
	/* Only when api_promtool.sh asks for the file (HOIST_PROM_OUT). */
	const struct CMUnitTest dump[] = {
		cmocka_unit_test(test_write_for_promtool),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	if (getenv("HOIST_PROM_OUT") != NULL)
		r |= cmocka_run_group_tests(dump, NULL, NULL);
	return r;
}
