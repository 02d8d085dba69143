/*
 * test_state.c — the state over the local store: rules and history
 * survive a close/open; a second opener of the same directory is
 * refused; a state.json of older versions is migrated (and one that does
 * not load refuses start-up with the path and the reason); a temp file
 * left by a crash is removed and its node kept; a corrupt node is
 * reported with its path, counted and skipped while the others are
 * served; a failed write is rolled back; a large batch (one syncfs)
 * lands whole; the writer thread under concurrent changes, reads and
 * flushes (TSan: make SANITIZE=thread).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "scaler/state.h"
#include "tests/lib/rmtree.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hoist-test-state.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	rmtree(dir);
	return 0;
}

static void
make_rule(struct rule *r, const char *id, int max)
{
	char j[512];
	struct rules_error e;

	snprintf(j, sizeof(j), "{\"app_id\":\"%s\",\"min_instances\":1,"
	    "\"max_instances\":%d,\"cpu\":{\"above\":70,\"below\":10}}", id,
	    max);
	assert_int_equal(rules_from_json(j, strlen(j), NULL, r, &e), 0);
}

static void
write_state(const char *text)
{
	char p[300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/" STATE_FILE, dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_persist(void **state)
{
	struct state *st;
	struct rule r, got, *all;
	struct policy_history h, gh;
	char err[512];
	int created;
	size_t n;

	(void)state;
	st = state_open(dir, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(state_count(st), 0);
	make_rule(&r, "/shop/web", 5);
	assert_int_equal(state_put(st, &r, 1, &created, err, sizeof(err)),
	    STATE_OK);
	assert_true(created);
	assert_int_equal(state_put(st, &r, 1, &created, err, sizeof(err)),
	    STATE_E_EXISTS);
	make_rule(&r, "/shop/web", 9);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_OK);
	assert_false(created);
	make_rule(&r, "/a", 3);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_OK);
	make_rule(&r, "/zz/top", 4);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_OK);
	assert_int_equal(state_delete(st, "/zz/top", err, sizeof(err)),
	    STATE_OK);
	assert_int_equal(state_delete(st, "/zz/top", err, sizeof(err)),
	    STATE_E_NOT_FOUND);

	memset(&h, 0, sizeof(h));
	h.last_up_s = 1234;
	h.last_down_s = 99;
	h.streak_dir = -1;
	h.streak_n = 2;
	h.recs[0].t = 1000;
	h.recs[0].n = 7;
	h.recs[1].t = 1010;
	h.recs[1].n = 6;
	h.nrecs = 2;
	h.events[0].t = 1200;
	h.events[0].delta = -3;
	h.nevents = 1;
	assert_int_equal(state_set_history(st, "/shop/web", &h), STATE_OK);
	assert_int_equal(state_set_history(st, "/nope", &h),
	    STATE_E_NOT_FOUND);
	assert_int_equal(state_flush(st, err, sizeof(err)), STATE_OK);
	state_close(st);

	st = state_open(dir, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(state_count(st), 2);
	n = state_rules(st, &all);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].app_id, "/a");
	assert_string_equal(all[1].app_id, "/shop/web");
	free(all);
	assert_int_equal(state_get(st, "/shop/web", &got, &gh), STATE_OK);
	assert_int_equal(got.max_instances, 9);
	assert_int_equal(gh.last_up_s, 1234);
	assert_int_equal(gh.last_down_s, 99);
	assert_int_equal(gh.streak_dir, -1);
	assert_int_equal(gh.streak_n, 2);
	assert_int_equal(gh.nrecs, 2);
	assert_int_equal(gh.recs[1].t, 1010);
	assert_int_equal(gh.recs[1].n, 6);
	assert_int_equal(gh.nevents, 1);
	assert_int_equal(gh.events[0].delta, -3);
	/* A window-only change is written in the background, and at the
	 * latest when the state closes. */
	gh.recs[2].t = 1020;
	gh.recs[2].n = 5;
	gh.nrecs = 3;
	assert_int_equal(state_set_history(st, "/shop/web", &gh), STATE_OK);
	assert_int_equal(state_flush(st, err, sizeof(err)), STATE_OK);
	state_close(st);
	st = state_open(dir, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(state_get(st, "/shop/web", NULL, &gh), STATE_OK);
	assert_int_equal(gh.nrecs, 3);
	assert_int_equal(gh.recs[2].n, 5);
	gh.recs[3].t = 1030;
	gh.recs[3].n = 1;
	gh.nrecs = 4;
	assert_int_equal(state_set_history(st, "/shop/web", &gh), STATE_OK);
	state_close(st);
	st = state_open(dir, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(state_get(st, "/shop/web", NULL, &gh), STATE_OK);
	assert_int_equal(gh.nrecs, 4);
	/* Replacing a rule keeps its history. */
	make_rule(&r, "/shop/web", 11);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_OK);
	assert_int_equal(state_get(st, "/shop/web", NULL, &gh), STATE_OK);
	assert_int_equal(gh.last_up_s, 1234);
	state_close(st);
}

static void
test_lock(void **state)
{
	struct state *a, *b;
	char err[512];

	(void)state;
	a = state_open(dir, err, sizeof(err));
	assert_non_null(a);
	b = state_open(dir, err, sizeof(err));
	assert_null(b);
	assert_non_null(strstr(err, "/lock: locked"));
	state_close(a);
	b = state_open(dir, err, sizeof(err));
	assert_non_null(b);
	state_close(b);
}

#define RULE_A "{\"app_id\":\"/a\",\"min_instances\":1," \
	"\"max_instances\":2,\"cpu\":{\"above\":9,\"below\":1}}"
#define HIST_OK "{\"last_up_s\":0,\"last_down_s\":0,\"streak_dir\":0," \
	"\"streak_n\":0,"

static void
test_corrupt(void **state)
{
	static const struct { const char *text, *want; } t[] = {
		{ "{\"version\":1,\"apps\":[", "invalid JSON near byte" },
		{ "[]", "no \"apps\" array" },
		{ "{\"apps\":[{\"rule\":{\"app_id\":\"/a\"}}]}",
		  "apps[0].rule: min_instances: is required" },
		{ "{\"apps\":[{\"rule\":{\"app_id\":\"/a\",\"min_instances\":1,"
		  "\"max_instances\":2,\"cpu\":{\"above\":9,\"below\":1}},"
		  "\"history\":{\"last_up_s\":\"x\"}}]}",
		  "apps[0].history.last_up_s: must be a number" },
		/* Each number of the history is range-checked before it
		 * becomes an integer (issue 9: this time reached an
		 * (int64_t) cast, undefined behaviour). */
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":" HIST_OK
		  "\"recs\":[[17001111111111111000,1]],\"events\":[]}}]}",
		  "apps[0].history.recs[0][0]: 1.70011e+19 is outside 0 to "
		  "1e+15" },
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":" HIST_OK
		  "\"recs\":[],\"events\":[[1000,1],[-1e300,1]]}}]}",
		  "apps[0].history.events[1][0]: -1e+300 is outside 0 to "
		  "1e+15" },
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":" HIST_OK
		  "\"recs\":[[1000,1e10]],\"events\":[]}}]}",
		  "apps[0].history.recs[0][1]: 1e+10 is outside -10001 to "
		  "20001" },
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":" HIST_OK
		  "\"recs\":[[1000]],\"events\":[]}}]}",
		  "apps[0].history.recs[0]: must be a pair" },
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":"
		  "{\"last_up_s\":1e300}}]}",
		  "apps[0].history.last_up_s: 1e+300 is outside 0 to 1e+15" },
		{ "{\"apps\":[{\"rule\":" RULE_A ",\"history\":5}]}",
		  "apps[0].history: must be an object" },
		{ "{\"apps\":[{\"rule\":{\"app_id\":\"/a\",\"min_instances\":1,"
		  "\"max_instances\":2,\"cpu\":{\"above\":9,\"below\":1}}},"
		  "{\"rule\":{\"app_id\":\"/a\",\"min_instances\":1,"
		  "\"max_instances\":2,\"cpu\":{\"above\":9,\"below\":1}}}]}",
		  "/a appears twice" },
	};
	char err[512], path[300];
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	for (i = 0; i < ARRAY_LEN(t); i++) {
		write_state(t[i].text);
		assert_null(state_open(dir, err, sizeof(err)));
		if (strstr(err, path) == NULL || strstr(err, t[i].want) ==
		    NULL) {
			print_error("case %zu: '%s'\n", i, err);
			fail();
		}
	}
}

static void
test_write_failure_rolls_back(void **state)
{
	struct state *st;
	struct rule r;
	char err[512], tmp[300];
	int created;

	(void)state;
	st = state_open(dir, err, sizeof(err));
	assert_non_null(st);
	make_rule(&r, "/a", 2);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_OK);
	/* A directory in the way of the temp file makes the write fail. */
	snprintf(tmp, sizeof(tmp), "%s/rules/b.json.tmp", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	make_rule(&r, "/b", 2);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_E_IO);
	assert_non_null(strstr(err, tmp));
	assert_int_equal(state_count(st), 1);
	/* A replaced rule comes back as it was. */
	snprintf(tmp, sizeof(tmp), "%s/rules/a.json.tmp", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	make_rule(&r, "/a", 7);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_E_IO);
	assert_int_equal(state_get(st, "/a", &r, NULL), STATE_OK);
	assert_int_equal(r.max_instances, 2);
	rmdir(tmp);
	state_close(st);
}

/* Run fn with stderr going to a file; return what it wrote (static). */
static const char *
capture(void (*fn)(void *), void *arg)
{
	static char out[8192];
	char p[300];
	int fd, saved;
	ssize_t n;

	snprintf(p, sizeof(p), "%s.log", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(p);
	return out;
}

static void
write_file(const char *rel, const char *text)
{
	char p[300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
exists(const char *rel)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return access(p, F_OK) == 0;
}

static struct state *opened;

static void
open_it(void *arg)
{
	char err[512];

	(void)arg;
	opened = state_open(dir, err, sizeof(err));
	if (opened == NULL)
		print_error("open: %s\n", err);
}

static void
test_migrate(void **state)
{
	struct policy_history h;
	struct state_stats ss;
	struct rule r;
	char want[400];
	const char *log;

	(void)state;
	write_state("{\"version\":1,\"apps\":[{\"rule\":" RULE_A ","
	    "\"history\":" HIST_OK "\"recs\":[[1000,2]],\"events\":"
	    "[[990,1]]}},{\"rule\":{\"app_id\":\"/shop/web\","
	    "\"min_instances\":1,\"max_instances\":5,\"cpu\":{\"above\":70,"
	    "\"below\":10}}}]}");
	log = capture(open_it, NULL);
	assert_non_null(opened);
	snprintf(want, sizeof(want), "migrated 2 rules from %s/state.json",
	    dir);
	if (strstr(log, want) == NULL || strstr(log, "state.json.migrated") ==
	    NULL) {
		print_error("log: '%s'\n", log);
		fail();
	}
	assert_int_equal(state_count(opened), 2);
	assert_int_equal(state_get(opened, "/a", &r, &h), STATE_OK);
	assert_int_equal(r.max_instances, 2);
	assert_int_equal(h.nrecs, 1);
	assert_int_equal(h.recs[0].n, 2);
	assert_int_equal(h.events[0].t, 990);
	state_get_stats(opened, &ss);
	assert_int_equal(ss.bad_nodes, 0);
	state_close(opened);
	assert_false(exists("state.json"));
	assert_true(exists("state.json.migrated"));
	assert_true(exists("rules/a.json"));
	assert_true(exists("rules/shop%2Fweb.json"));
	assert_true(exists("state/a.json"));
	/* The next start reads the new layout, and migrates nothing. */
	log = capture(open_it, NULL);
	assert_non_null(opened);
	assert_null(strstr(log, "migrated"));
	assert_int_equal(state_count(opened), 2);
	assert_int_equal(state_get(opened, "/a", NULL, &h), STATE_OK);
	assert_int_equal(h.events[0].delta, 1);
	state_close(opened);
}

static void
test_crash_leftovers(void **state)
{
	struct state_stats ss;
	struct rule r, got;
	char err[512];
	int created;

	(void)state;
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	make_rule(&r, "/shop/web", 5);
	assert_int_equal(state_put(opened, &r, 1, &created, err,
	    sizeof(err)), STATE_OK);
	state_close(opened);
	/* A crash in the middle of a replace: the new version's temp file,
	 * half written.  The node is its old self; the temp file goes. */
	write_file("rules/shop%2Fweb.json.tmp", "{\"app_id\":\"/shop/w");
	write_file("state/shop%2Fweb.json.tmp", "");
	(void)capture(open_it, NULL);
	assert_non_null(opened);
	assert_int_equal(state_get(opened, "/shop/web", &got, NULL),
	    STATE_OK);
	assert_int_equal(got.max_instances, 5);
	state_get_stats(opened, &ss);
	assert_int_equal(ss.bad_nodes, 0);
	state_close(opened);
	assert_false(exists("rules/shop%2Fweb.json.tmp"));
	assert_false(exists("state/shop%2Fweb.json.tmp"));
}

static void
test_corrupt_nodes(void **state)
{
	static const struct { const char *file, *text, *want; } t[] = {
		{ "rules/b.json", "{\"app_id\":\"/b\",", "invalid JSON" },
		{ "rules/c.json", "{\"app_id\":\"/c\"}",
		  "min_instances: is required" },
		{ "rules/d.json", RULE_A, "is not the app the name says" },
		{ "rules/Bad.json", RULE_A, "not an encoded Marathon app id" },
		{ "rules/e%2f.json", RULE_A, "not an encoded Marathon app id" },
		{ "rules/notes.txt", "x", "not a node file" },
		{ "state/a.json", "{\"app_id\":\"/a\",\"last_up_s\":-5}",
		  ".last_up_s: -5 is outside" },
	};
	struct state_stats ss;
	struct policy_history h;
	struct rule r;
	char err[512], want[400];
	const char *log;
	int created;
	size_t i;

	(void)state;
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	make_rule(&r, "/a", 3);
	assert_int_equal(state_put(opened, &r, 1, &created, err,
	    sizeof(err)), STATE_OK);
	make_rule(&r, "/z", 4);
	assert_int_equal(state_put(opened, &r, 1, &created, err,
	    sizeof(err)), STATE_OK);
	state_close(opened);
	for (i = 0; i < ARRAY_LEN(t); i++)
		write_file(t[i].file, t[i].text);
	log = capture(open_it, NULL);
	assert_non_null(opened);
	for (i = 0; i < ARRAY_LEN(t); i++) {
		snprintf(want, sizeof(want), "%s/%s: ", dir, t[i].file);
		if (strstr(log, want) == NULL || strstr(log, t[i].want) ==
		    NULL) {
			print_error("case %zu: want '%s' ... '%s' in '%s'\n", i,
			    want, t[i].want, log);
			fail();
		}
	}
	state_get_stats(opened, &ss);
	assert_int_equal(ss.bad_nodes, ARRAY_LEN(t));
	/* The good ones are served; /a without its (bad) history. */
	assert_int_equal(state_count(opened), 2);
	assert_int_equal(state_get(opened, "/a", &r, &h), STATE_OK);
	assert_int_equal(r.max_instances, 3);
	assert_int_equal(h.nrecs, 0);
	assert_int_equal(state_get(opened, "/z", NULL, NULL), STATE_OK);
	state_close(opened);
}

/* A batch larger than the local store's per-file fsync limit (one
 * syncfs): every node lands. */
static void
test_batch(void **state)
{
	struct policy_history h;
	struct rule r;
	char err[512], id[64];
	int i, created;

	(void)state;
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "/b/app-%d", i);
		make_rule(&r, id, 5);
		assert_int_equal(state_put(opened, &r, 1, &created, err,
		    sizeof(err)), STATE_OK);
		memset(&h, 0, sizeof(h));
		h.last_up_s = 1000 + i;
		assert_int_equal(state_set_history(opened, id, &h), STATE_OK);
	}
	assert_int_equal(state_flush(opened, err, sizeof(err)), STATE_OK);
	state_close(opened);
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	assert_int_equal(state_count(opened), 30);
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "/b/app-%d", i);
		assert_int_equal(state_get(opened, id, NULL, &h), STATE_OK);
		assert_int_equal(h.last_up_s, 1000 + i);
	}
	state_close(opened);
	assert_true(exists("state/b%2Fapp-29.json"));
}

/* TSan: changes, reads and flushes from several threads at once. */
struct worker {
	struct state *st;
	int           id;
	int           fails;   /* checked by the main thread */
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct policy_history h;
	struct rule r, *all;
	char id[64], err[512];
	int i, created;

	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "/w%d/app-%d", w->id, i % 10);
		make_rule(&r, id, 2 + i % 5);
		if (w->id == 0) {
			/* The round's side: histories and flushes. */
			memset(&h, 0, sizeof(h));
			h.last_up_s = i;
			state_set_history(w->st, "/w1/app-1", &h);
			w->fails += state_flush(w->st, err, sizeof(err)) !=
			    STATE_OK;
			state_rules(w->st, &all);
			free(all);
			continue;
		}
		w->fails += state_put(w->st, &r, 0, &created, err,
		    sizeof(err)) != STATE_OK;
		if (i % 3 == 0)
			w->fails += state_delete(w->st, id, err,
			    sizeof(err)) != STATE_OK;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct worker w[4];
	pthread_t t[4];
	char err[512];
	int i;

	(void)state;
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	for (i = 0; i < 4; i++) {
		w[i].st = opened;
		w[i].id = i;
		w[i].fails = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_main,
		    &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].fails, 0);
	}
	i = (int)state_count(opened);
	assert_int_equal(i, 3 * 6);    /* app-1,2,4,5,7,8 of w1..w3 */
	state_close(opened);
	opened = state_open(dir, err, sizeof(err));
	assert_non_null(opened);
	/* Each writer left app-1..app-9 but the ones deleted last. */
	assert_int_equal((int)state_count(opened), i);
	state_close(opened);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_rolls_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftovers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_nodes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
