/*
 * zkha_import.c — hoist-scaler --import-state DIR: copy the rules and
 * safety state of a local state dir (store_local.c's layout, or an older
 * state.json, which the local store migrates on open) into ZooKeeper,
 * once.  Each node is created only where none exists: a rule already in
 * ZooKeeper is kept, and said so.
 */
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

/* One app's rule and state node, created if missing. */
static void
import_one(void *ctx, struct state *local, const struct rule *r,
    struct tally *t)
{
	struct store_write w[2];
	struct policy_history h;
	char *rule_text, *state_text = NULL;
	size_t rlen = 0, slen = 0, k;

	memset(w, 0, sizeof(w));
	if (state_get(local, r->app_id, NULL, &h) != STATE_OK)
		memset(&h, 0, sizeof(h));
	rule_text = store_encode_rule(r, &rlen);
	state_text = store_encode_state(r->app_id, &h, &slen);
	if (rule_text == NULL || state_text == NULL) {
		log_warnx("import: %s: out of memory", r->app_id);
		t->failed++;
		goto out;
	}
	for (k = 0; k < 2; k++) {
		w[k].kind = k == 0 ? STORE_RULE : STORE_STATE;
		STR_COPY_ARRAY(w[k].app_id, r->app_id);
		w[k].data = k == 0 ? rule_text : state_text;
		w[k].len = k == 0 ? rlen : slen;
		w[k].version = STORE_VERSION_NONE;
	}
	store_zk_ops.apply(ctx, w, 2);
	if (w[0].result == STORE_OK) {
		t->created++;
	} else if (w[0].result == STORE_E_EXISTS) {
		log_info("import: %s: a rule exists in ZooKeeper; kept",
		    r->app_id);
		t->kept++;
	} else {
		log_warnx("import: %s: %s", r->app_id, w[0].err);
		t->failed++;
	}
	if (w[1].result != STORE_OK && w[1].result != STORE_E_EXISTS)
		log_warnx("import: %s: state: %s", r->app_id, w[1].err);
out:
	free(rule_text);
	free(state_text);
}

int
zkha_import(struct zkha *z, const char *dir, char *err, size_t errlen)
{
	struct store_listener none;
	struct tally t = { 0, 0, 0 };
	struct state *local;
	struct rule *all = NULL;
	struct stat sb;
	void *ctx;
	size_t n, i;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "import_state: %s is not a directory",
		    dir);
		return -1;
	}
	if ((local = state_open(dir, err, errlen)) == NULL)
		return -1;
	memset(&none, 0, sizeof(none));
	if ((ctx = store_zk_ops.open(z->url_text, &none, err, errlen)) ==
	    NULL || store_zk_ops.load_all(ctx, err, errlen) != 0) {
		state_close(local);
		return -1;
	}
	n = state_rules(local, &all);
	for (i = 0; i < n; i++)
		import_one(ctx, local, &all[i], &t);
	free(all);
	store_zk_ops.close(ctx);
	state_close(local);
	log_info("import: %zu rule(s) from %s: %zu copied to %s, %zu kept "
	    "(already there), %zu failed", n, dir, t.created, z->url.root,
	    t.kept, t.failed);
	if (t.failed > 0) {
		snprintf(err, errlen, "import_state: %zu rule(s) not copied",
		    t.failed);
		return -1;
	}
	return 0;
}
