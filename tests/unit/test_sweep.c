/*
 * test_collector.c — the sweep on a v1 fixture tree made in a temporary
 * folder (150 docker/<id> groups): with a flush callback the line
 * protocol comes out in chunks of whole lines near flush_bytes, and all
 * the chunks together hold the same series as one unchunked sweep; the
 * discovery burst's array is given back after the first sweep; a stat
 * file that stops parsing is counted every sweep, and recovers.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "collector/collector.h"
#include "common/buf.h"
#include "common/util.h"

#define NGROUPS     150
#define FLUSH_BYTES 4096
#define TS          1700000000000000000LL

static char root[64];

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* ROOT/CTRL/docker/<64 hex digits ending in i>. */
static void
group_dir(char *out, size_t size, const char *ctrl, int i)
{
	snprintf(out, size, "%s/%s/docker/c0ffeec0ffeec0ffeec0ffeec0ffeec0ffee"
	    "c0ffeec0ffeec0ffeec0ff%06d", root, ctrl, i);
}

static void
make_tree(void)
{
	static const char *const ctrls[] = { "cpuacct", "memory" };
	char dir[512];
	size_t k;
	int i;

	str_copy_trunc(root, "/tmp/hoist-test-collector.XXXXXX", sizeof(root));
	assert_non_null(mkdtemp(root));
	for (k = 0; k < 2; k++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, ctrls[k]);
		assert_int_equal(mkdir(dir, 0755), 0);
		snprintf(dir, sizeof(dir), "%s/%s/docker", root, ctrls[k]);
		assert_int_equal(mkdir(dir, 0755), 0);
		for (i = 0; i < NGROUPS; i++) {
			group_dir(dir, sizeof(dir), ctrls[k], i);
			assert_int_equal(mkdir(dir, 0755), 0);
			if (k == 0) {
				put_file(dir, "cpuacct.usage", "123456789\n");
				put_file(dir, "cpuacct.usage_percpu",
				    "100000000 23456789 \n");
			} else {
				put_file(dir, "memory.usage_in_bytes",
				    "10485760\n");
				put_file(dir, "memory.limit_in_bytes",
				    "268435456\n");
			}
		}
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	(void)state;
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
	return 0;
}

/* What the flush callback saw. */
struct chunks {
	struct buf all;          /* every chunk, in order */
	int        n;
	size_t     max_len;
	int        bad_end;      /* a chunk not ending with a newline */
};

static void
on_flush(void *arg, struct buf *out)
{
	struct chunks *ch = arg;

	ch->n++;
	if (out->len > ch->max_len)
		ch->max_len = out->len;
	if (out->len == 0 || out->data[out->len - 1] != '\n')
		ch->bad_end = 1;
	assert_int_equal(buf_append(&ch->all, out->data, out->len), 0);
	buf_reset(out);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The series keys (measurement and tags: what comes before the first
 * space) of the lines of text, sorted: the order of readdir is not ours,
 * and field values move between two runs (the host's CPU time from
 * /proc/stat, and whether it moved at all decides which rates exist).
 */
static char **
sorted_series(char *text, size_t *n)
{
	char **v = NULL, *p, *save = NULL;
	size_t cap = 0;

	*n = 0;
	for (p = strtok_r(text, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		p[strcspn(p, " ")] = '\0';
		v[(*n)++] = p;
	}
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

/* Two sweeps (the first primes the rates); the second's points. */
static int
run(struct chunks *ch, struct buf *out)
{
	struct collector_options o;
	struct collector c;
	char err[256];
	int points;

	memset(&o, 0, sizeof(o));
	o.cgroup_root = root;
	o.hostname = "testhost";
	o.schema = SCHEMA_HOIST;
	o.percpu = 1;
	if (ch != NULL) {
		o.flush = on_flush;
		o.flush_arg = ch;
		o.flush_bytes = FLUSH_BYTES;
	}
	if (collector_init(&c, &o, NULL, err, sizeof(err)) != 0)
		fail_msg("collector_init: %s", err);
	assert_int_equal(collector_sweep(&c, TS - 1000000000LL, NULL), 0);
	assert_int_equal(c.table.n, NGROUPS);
	/* The start-up burst outgrew the kept size: given back. */
	assert_null(c.fresh);
	assert_int_equal(c.capfresh, 0);
	points = collector_sweep(&c, TS, out);
	collector_free(&c);
	return points;
}

static void
test_chunked_sweep_same_lines(void **state)
{
	struct chunks ch;
	struct buf whole, rest;
	char **a, **b;
	size_t na, nb, i;
	int pw, pc;

	(void)state;
	make_tree();
	buf_init(&whole, 64 << 20);
	buf_init(&rest, 64 << 20);
	memset(&ch, 0, sizeof(ch));
	buf_init(&ch.all, 64 << 20);

	pw = run(NULL, &whole);
	pc = run(&ch, &rest);
	assert_true(pw >= 2 * NGROUPS);
	assert_int_equal(pc, pw);
	/* Several chunks of whole lines, none much past flush_bytes (one
	 * container's points are a few hundred bytes here), and what was
	 * left for the caller is under flush_bytes. */
	assert_true(whole.len > 4 * FLUSH_BYTES);
	assert_true(ch.n >= (int)(whole.len / (2 * FLUSH_BYTES)));
	assert_false(ch.bad_end);
	assert_true(ch.max_len < FLUSH_BYTES + 2048);
	assert_true(rest.len < FLUSH_BYTES);
	assert_int_equal(buf_append(&ch.all, rest.data ? rest.data : "",
	    rest.len), 0);

	/* The same series, each once per sweep, as many as points. */
	a = sorted_series(whole.data, &na);
	b = sorted_series(ch.all.data, &nb);
	assert_int_equal(na, (size_t)pw);
	assert_int_equal(nb, na);
	for (i = 0; i < na; i++) {
		assert_string_equal(a[i], b[i]);
		if (i > 0)
			assert_string_not_equal(b[i - 1], b[i]);
	}
	free(a);
	free(b);
	buf_free(&whole);
	buf_free(&rest);
	buf_free(&ch.all);
}

/*
 * A stat file that stops parsing is counted every sweep (and logged with
 * backoff), and reading it again later is fine: the complain state the
 * cgroup layer makes on a file's first failure, and frees with it.
 */
static void
test_parse_errors_counted(void **state)
{
	struct collector_options o;
	struct collector c;
	char err[256], dir[512];
	struct buf out;
	int i;

	(void)state;
	make_tree();
	group_dir(dir, sizeof(dir), "cpuacct", 7);
	put_file(dir, "cpuacct.usage", "not a number\n");
	memset(&o, 0, sizeof(o));
	o.cgroup_root = root;
	o.hostname = "testhost";
	o.schema = SCHEMA_HOIST;
	if (collector_init(&c, &o, NULL, err, sizeof(err)) != 0)
		fail_msg("collector_init: %s", err);
	buf_init(&out, 64 << 20);
	for (i = 1; i <= 3; i++) {
		buf_reset(&out);
		assert_true(collector_sweep(&c, TS + i, &out) > 0);
		assert_int_equal(c.table.health.err_cgroup_parse, i);
		assert_int_equal(c.table.health.err_cgroup_read, 0);
	}
	put_file(dir, "cpuacct.usage", "42\n");
	buf_reset(&out);
	assert_true(collector_sweep(&c, TS + 4, &out) > 0);
	assert_int_equal(c.table.health.err_cgroup_parse, 3);
	assert_non_null(strstr(out.data, "usage_total=42i"));
	collector_free(&c);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_chunked_sweep_same_lines,
		    teardown),
		cmocka_unit_test_teardown(test_parse_errors_counted, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
