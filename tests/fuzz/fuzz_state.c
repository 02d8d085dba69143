/*
 * fuzz_state.c — libFuzzer harness for the scaler's state file,
 * DIR/state.json (scaler/state.c): the rules and each app's history, read
 * by state_open() at start-up.
 *
 * Input: the file's bytes, written to state.json in a private folder
 * (under /dev/shm when there is one, so the fsyncs cost nothing; removed
 * at exit).  Checked properties: a file that loads, once rewritten by the
 * scaler itself (history set again, state_flush), loads again with the
 * same rules and histories; a file that does not load gives an error that
 * names the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "scaler/state.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[128], lock[128], tmp[128];

static void
cleanup(void)
{
	unlink(file);
	unlink(lock);
	unlink(tmp);
	rmdir(dir);
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
	snprintf(lock, sizeof(lock), "%s/" STATE_LOCK_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s/" STATE_FILE ".tmp", dir);
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

/* Rewrite what loaded, load it again, compare. */
static void
rewrite(struct state *st)
{
	struct policy_history h, h2;
	struct rule *rules = NULL, r2;
	char err[512];
	size_t n = state_rules(st, &rules), i;

	for (i = 0; i < n; i++) {
		if (state_get(st, rules[i].app_id, NULL, &h) != STATE_OK ||
		    state_set_history(st, rules[i].app_id, &h) != STATE_OK)
			abort();
	}
	if (n > 0 && state_flush(st, err, sizeof(err)) != STATE_OK)
		abort();
	state_close(st);
	st = state_open(dir, err, sizeof(err));
	if (st == NULL || state_count(st) != n)
		abort();    /* what we write we must read */
	for (i = 0; i < n; i++) {
		if (state_get(st, rules[i].app_id, &r2, &h2) != STATE_OK ||
		    r2.min_instances != rules[i].min_instances ||
		    r2.max_instances != rules[i].max_instances)
			abort();
	}
	state_close(st);
	free(rules);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st;
	char err[512];

	if (setup() != 0 || write_file(data, size) != 0)
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
