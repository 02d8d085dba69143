/*
 * fuzz_state.c — libFuzzer harness for the scaler's single state file of
 * older versions, DIR/state.json: the rules and each app's history, which
 * state_open() migrates at start-up into the per-app store
 * (scaler/store_local.c; tests/fuzz/fuzz_store.c has the per-app nodes).
 *
 * Input: the file's bytes, written to state.json in a private folder
 * (under /dev/shm when there is one, so the fsyncs cost nothing; emptied
 * before each input, removed at exit).  Checked properties: a file that
 * loads (is migrated) loads again from the nodes it was migrated to with
 * the same rules and histories; a file that does not load gives an error
 * that names the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "scaler/state.h"
#include "tests/fuzz/fuzzlib.h"
#include "tests/lib/rmtree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[128];

static void
cleanup(void)
{
	rmtree(dir);
}

static int
setup(void)
{
	if (dir[0] != '\0')
		return 0;
	log_set_verbosity(-1);
	snprintf(dir, sizeof(dir), "%s/hoist-fuzz-state.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/" STATE_FILE, dir);
	atexit(cleanup);
	return 0;
}

static int
write_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(file, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Load again from the nodes the migration wrote, compare. */
static void
rewrite(struct state *st)
{
	struct policy_history *h, h2;
	struct rule *rules = NULL, r2;
	char err[512];
	size_t n = state_rules(st, &rules), i;

	h = calloc(n + 1, sizeof(*h));
	if (h == NULL)
		abort();
	for (i = 0; i < n; i++)
		if (state_get(st, rules[i].app_id, NULL, &h[i]) != STATE_OK)
			abort();
	state_close(st);
	st = state_open(dir, err, sizeof(err));
	if (st == NULL || state_count(st) != n)
		abort();    /* what we write we must read */
	for (i = 0; i < n; i++) {
		if (state_get(st, rules[i].app_id, &r2, &h2) != STATE_OK ||
		    r2.min_instances != rules[i].min_instances ||
		    r2.max_instances != rules[i].max_instances ||
		    h2.last_up_s != h[i].last_up_s ||
		    h2.last_down_s != h[i].last_down_s ||
		    h2.streak_n != h[i].streak_n ||
		    h2.nrecs != h[i].nrecs || h2.nevents != h[i].nevents)
			abort();
	}
	state_close(st);
	free(rules);
	free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st;
	char err[512];

	if (setup() != 0)
		return 0;
	rmtree(dir);
	if (mkdir(dir, 0700) != 0 || write_file(data, size) != 0)
		return 0;
	st = state_open(dir, err, sizeof(err));
	if (st == NULL) {
		if (strstr(err, dir) == NULL)
			abort();    /* the error names the file */
		return 0;
	}
	rewrite(st);
	return 0;
}
