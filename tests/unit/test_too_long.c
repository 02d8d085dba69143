/*
 * test_too_long.c — values from the outside that would be wrong if cut
 * (issue 9 §3): an over-long URL in a config file or on the command line,
 * an over-long output spec, an over-long cgroup root, InfluxDB source URL
 * or database are clear errors, never a silently shorter value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/cgroup.h"
#include "common/conf.h"
#include "common/util.h"
#include "scaler/source.h"
#include "sinks/sink.h"

struct settings {
	char             url[CONF_STR_MAX];
	struct conf_list output;
};

static const struct conf_opt opts[] = {
	{ "url", 0, CONF_STR, offsetof(struct settings, url), 0, 0, "",
	  "URL", "a URL" },
	{ "output", 0, CONF_LIST, offsetof(struct settings, output), 0, 0,
	  NULL, "SPEC", "outputs" },
};

/* A string of n bytes: "http://h/" then 'a's. */
static char *
long_url(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, 'a', n);
	memcpy(s, "http://h/", 9);
	s[n] = '\0';
	return s;
}

static void
test_conf_str_too_long(void **state)
{
	struct settings st;
	char err[256], *fits = long_url(CONF_STR_MAX - 1);
	char *over = long_url(CONF_STR_MAX);

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(conf_set(opts, 2, &st, "url", fits, err,
	    sizeof(err)), 0);
	assert_string_equal(st.url, fits);
	assert_int_equal(conf_set(opts, 2, &st, "url", over, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(conf_set(opts, 2, &st, "output", over, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(st.output.n, 0);
	free(fits);
	free(over);
}

/* The same through a config file: the error names the file and line. */
static void
test_conf_file_too_long(void **state)
{
	char path[] = "/tmp/hoist-test-conf.XXXXXX", err[512];
	char *over = long_url(CONF_STR_MAX + 100);
	struct settings st;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "# a comment\nurl = %s\n", over);
	fclose(f);
	memset(&st, 0, sizeof(st));
	assert_int_equal(conf_load_file(opts, 2, &st, path, err,
	    sizeof(err)), -1);
	print_message("%s\n", err);
	assert_non_null(strstr(err, path));
	assert_string_equal(st.url, "");
	unlink(path);
	free(over);
}

/* An output spec longer than a sink keeps is refused, not cut. */
static void
test_sink_spec_too_long(void **state)
{
	struct sink_options so;
	struct sink s;
	char err[256], spec[sizeof(s.spec) + 16];
	struct sink *k;

	(void)state;
	memset(&so, 0, sizeof(so));
	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	memcpy(spec, "file:/tmp/", 10);
	k = sink_open(spec, &so, err, sizeof(err));
	assert_null(k);
	assert_non_null(strstr(err, "too long"));
}

static void
test_cgroup_root_too_long(void **state)
{
	struct cg_layout_info li;
	char root[CG_PATH_MAX + 64], err[256];
	size_t n = 0;

	(void)state;
	/* A real directory reached through a path over CG_PATH_MAX: "/tmp"
	 * followed by many "/." components. */
	n = (size_t)snprintf(root, sizeof(root), "/tmp");
	while (n + 2 < sizeof(root) - 1) {
		memcpy(root + n, "/.", 2);
		n += 2;
	}
	root[n] = '\0';
	assert_int_equal(cgroup_detect(root, &li, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
}

static void
test_source_influx_too_long(void **state)
{
	struct source_options o;
	char err[256], db[300], *url = long_url(2000);

	(void)state;
	memset(db, 'd', sizeof(db) - 1);
	db[sizeof(db) - 1] = '\0';
	memset(&o, 0, sizeof(o));
	o.kind = "influxdb";
	o.influx_url = "http://127.0.0.1:8086";
	o.influx_db = db;
	assert_null(source_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "bytes"));
	o.influx_db = "hoist";
	o.influx_url = url;
	assert_null(source_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "bytes"));
	free(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_str_too_long),
		cmocka_unit_test(test_conf_file_too_long),
		cmocka_unit_test(test_sink_spec_too_long),
		cmocka_unit_test(test_cgroup_root_too_long),
		cmocka_unit_test(test_source_influx_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
