/*
 * fuzz_marathon_bulk.c — libFuzzer harness for the streamed bulk read of
 * every app (marathon/marathon_bulk.c): the reply of
 * GET /v2/apps?embed=apps.tasks&embed=apps.deployments, fed whole, in two
 * pieces split where the first byte says, and byte by byte, with a cap
 * from the second byte.  However it is cut, the outcome (whole or not,
 * how many apps, how many tasks) must be the same: a difference aborts.
 *
 * Built by `make fuzz` (build-fuzz/fuzz_marathon_bulk), run by
 * `make fuzz-smoke`; `make unit` replays tests/fuzz/corpus/marathon_bulk/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "marathon/marathon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct count {
	size_t apps, tasks;
};

static int
on_app(const struct marathon_app *a, void *ud)
{
	struct count *c = ud;

	c->apps++;
	c->tasks += a->n_tasks;
	return 0;
}

/* Feed text[0..n) in the pieces `step` (0: split at `at`) gives. */
static int
run(const char *text, size_t n, size_t at, size_t step, size_t cap,
    struct count *c)
{
	struct marathon_bulk b;
	size_t i;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	marathon_bulk_init(&b, cap, on_app, c);
	if (step == 0) {
		rc = marathon_bulk_feed(&b, text, at);
		if (rc == 0)
			rc = marathon_bulk_feed(&b, text + at, n - at);
	} else {
		for (i = 0; i < n && rc == 0; i += step)
			rc = marathon_bulk_feed(&b, text + i,
			    n - i < step ? n - i : step);
	}
	if (rc == 0)
		rc = marathon_bulk_finish(&b);
	if (rc != 0 && b.err[0] == '\0')
		abort();                /* a failure always says why */
	marathon_bulk_free(&b);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count whole, split, bytes;
	size_t at, cap;
	int a, b, c;

	if (size < 2)
		return 0;
	at = data[0] % (size - 1);
	cap = data[1] < 8 ? 16 + (size_t)data[1] * 64 : 1u << 20;
	data += 2;
	size -= 2;
	a = run((const char *)data, size, 0, 0, cap, &whole);
	b = run((const char *)data, size, at < size ? at : size, 0, cap,
	    &split);
	c = run((const char *)data, size, 0, 1, cap, &bytes);
	if (a != b || a != c || (a == 0 && (whole.apps != split.apps ||
	    whole.apps != bytes.apps || whole.tasks != split.tasks ||
	    whole.tasks != bytes.tasks)))
		abort();
	return 0;
}
