/*
 * test_state.c — rules and history survive a close/open, the file is
 * replaced atomically, a corrupt file refuses start-up with the path and
 * the reason, and a second opener of the same directory is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "scaler/state.h"

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
	char p[300];

	(void)state;
	snprintf(p, sizeof(p), "%s/" STATE_FILE, dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/" STATE_FILE ".tmp", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/" STATE_LOCK_FILE, dir);
	unlink(p);
	rmdir(dir);
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
	/* A directory in the way of the temp file makes the write fail. */
	snprintf(tmp, sizeof(tmp), "%s/" STATE_FILE ".tmp", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	make_rule(&r, "/b", 2);
	assert_int_equal(state_put(st, &r, 0, &created, err, sizeof(err)),
	    STATE_E_IO);
	assert_non_null(strstr(err, ".tmp"));
	assert_int_equal(state_count(st), 0);
	rmdir(tmp);
	state_close(st);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
