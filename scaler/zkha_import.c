/*
 * zkha_import.c — hoist-scaler --import-state DIR: copy the rules and
 * safety state of a local state dir (store_local.c's layout, or an older
 * state.json, which the local store migrates on open) into ZooKeeper,
 * once.  Each node is created only where none exists: a rule already in
 * ZooKeeper is kept, and said so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/state.h"
#include "scaler/zkha_impl.h"

struct tally {
	size_t created, kept, failed;
};

#define IMPORT_BATCH 256     /* apps per apply: 512 writes in flight */

/* The rule and state node of one app into w[0..2) (texts malloc'ed). */
static int
import_prepare(struct state *local, const struct rule *r,
    struct store_write *w)
{
	struct policy_history h;
	size_t k;

	memset(w, 0, 2 * sizeof(*w));
	if (state_get(local, r->app_id, NULL, &h) != STATE_OK)
		memset(&h, 0, sizeof(h));
	w[0].data = store_encode_rule(r, &w[0].len);
	w[1].data = store_encode_state(r->app_id, &h, &w[1].len);
	for (k = 0; k < 2; k++) {
		w[k].kind = k == 0 ? STORE_RULE : STORE_STATE;
		STR_COPY_ARRAY(w[k].app_id, r->app_id);
		w[k].version = STORE_VERSION_NONE;   /* created, never over */
	}
	return w[0].data != NULL && w[1].data != NULL ? 0 : -1;
}

/* Apps all[0..n) in one apply; tally each app by its rule node. */
static void
import_batch(void *ctx, struct state *local, const struct rule *all,
    size_t n, struct store_write *w, struct tally *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (import_prepare(local, &all[i], &w[2 * i]) != 0)
			break;
	if (i < n) {
		log_warnx("import: out of memory at %s: %zu rule(s) not "
		    "copied", all[i].app_id, n);
		t->failed += n;
		n = i + 1;       /* what was prepared, to free */
		goto out;
	}
	store_zk_ops.apply(ctx, w, 2 * n);
	for (i = 0; i < n; i++) {
		const struct store_write *rw = &w[2 * i], *sw = &w[2 * i + 1];

		if (rw->result == STORE_OK) {
			t->created++;
		} else if (rw->result == STORE_E_EXISTS) {
			log_info("import: %s: a rule exists in ZooKeeper; kept",
			    all[i].app_id);
			t->kept++;
		} else {
			log_warnx("import: %s: %s", all[i].app_id, rw->err);
			t->failed++;
		}
		if (sw->result != STORE_OK && sw->result != STORE_E_EXISTS)
			log_warnx("import: %s: state: %s", all[i].app_id,
			    sw->err);
	}
out:
	for (i = 0; i < 2 * n; i++)
		free((char *)(uintptr_t)w[i].data);
}

int
zkha_import(struct zkha *z, const char *dir, char *err, size_t errlen)
{
	struct store_listener none;
	struct tally t = { 0, 0, 0 };
	struct state *local;
	struct rule *all = NULL;
	struct store_write *w;
	struct stat sb;
	void *ctx;
	size_t n, i;
	int64_t t0;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "import_state: %s is not a directory",
		    dir);
		return -1;
	}
	if ((local = state_open(dir, err, errlen)) == NULL)
		return -1;
	t0 = now_mono_ns();
	memset(&none, 0, sizeof(none));
	if ((ctx = store_zk_ops.open(z->url_text, &none, err, errlen)) ==
	    NULL || store_zk_ops.load_all(ctx, err, errlen) != 0) {
		state_close(local);
		return -1;
	}
	n = state_rules(local, &all);
	w = calloc(2 * IMPORT_BATCH, sizeof(*w));
	for (i = 0; w != NULL && i < n; i += IMPORT_BATCH)
		import_batch(ctx, local, &all[i], n - i < IMPORT_BATCH ?
		    n - i : IMPORT_BATCH, w, &t);
	if (w == NULL)
		t.failed = n;
	free(w);
	free(all);
	store_zk_ops.close(ctx);
	state_close(local);
	log_info("import: %zu rule(s) from %s: %zu copied to %s, %zu kept "
	    "(already there), %zu failed, in %lld ms", n, dir, t.created,
	    z->url.root, t.kept, t.failed,
	    (long long)((now_mono_ns() - t0) / 1000000));
	if (t.failed > 0) {
		snprintf(err, errlen, "import_state: %zu rule(s) not copied",
		    t.failed);
		return -1;
	}
	return 0;
}
