/*
 * backtest_cli.c — `hoist-scaler backtest`: the flags, the stored rule,
 * the outputs (see hoist-scaler(8), BACKTEST).  Exit 0; 1 when InfluxDB
 * or the rule's store cannot answer or a file cannot be written; 2 for
 * bad input (flags, rule, range, no data, no stored rule).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/buf.h"
#include "common/util.h"
#include "scaler/backtest.h"
#include "scaler/state.h"
#include "scaler/store.h"

#define CLI_OUT_MAX (256u << 20)
#define BACKTEST_STATE_FILE_MAX (64u << 20)  /* an old state.json */

static const struct {
	const char *name;
	size_t      off;
} cli_flags[] = {
	{ "app", offsetof(struct backtest_cli, app) },
	{ "rule", offsetof(struct backtest_cli, rule_file) },
	{ "from", offsetof(struct backtest_cli, from) },
	{ "to", offsetof(struct backtest_cli, to) },
	{ "step", offsetof(struct backtest_cli, step) },
	{ "format", offsetof(struct backtest_cli, format) },
	{ "plot", offsetof(struct backtest_cli, plot) },
	{ "scale-delay", offsetof(struct backtest_cli, scale_delay) },
	{ "scale_delay", offsetof(struct backtest_cli, scale_delay) },
};

/* Is argv[i] one of ours?  Sets *slot and *value (NULL: in argv[i+1]). */
static int
cli_flag(struct backtest_cli *cli, const char *arg, const char ***slot,
    const char **value)
{
	size_t i, n;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	arg += 2;
	for (i = 0; i < ARRAY_LEN(cli_flags); i++) {
		n = strlen(cli_flags[i].name);
		if (strncmp(arg, cli_flags[i].name, n) != 0 ||
		    (arg[n] != '\0' && arg[n] != '='))
			continue;
		*slot = (const char **)(void *)((char *)cli + cli_flags[i].off);
		*value = arg[n] == '=' ? arg + n + 1 : NULL;
		return 1;
	}
	return 0;
}

int
backtest_cli_split(int argc, char **argv, struct backtest_cli *cli,
    char **rest, int *nrest, char *err, size_t errlen)
{
	const char **slot, *value;
	int i;

	memset(cli, 0, sizeof(*cli));
	*nrest = 0;
	rest[(*nrest)++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!cli_flag(cli, argv[i], &slot, &value)) {
			rest[(*nrest)++] = argv[i];
			continue;
		}
		if (value == NULL) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value",
				    argv[i]);
				return -1;
			}
			value = argv[++i];
		}
		*slot = value;
	}
	return 0;
}

/* The app's rule from the old single file DIR/state.json (a state
 * directory not yet migrated); 0, 1 not there, or -1 with err. */
static int
legacy_rule(const char *dir, const char *app, struct rule *r, char *err,
    size_t errlen)
{
	char path[4096];
	struct rules_error re;
	const cJSON *it;
	cJSON *root = NULL;
	char *text = NULL;
	size_t len;
	int ret = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	if (read_file(path, BACKTEST_STATE_FILE_MAX, &text, &len) != 0)
		return 1;
	root = cJSON_ParseWithLength(text, len);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "apps")) {
		const cJSON *rj = cJSON_GetObjectItemCaseSensitive(it, "rule");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rj,
		    "app_id");

		if (!cJSON_IsString(id) || strcmp(id->valuestring, app) != 0)
			continue;
		ret = 0;
		if (rules_from_cjson(rj, app, r, &re) != 0) {
			snprintf(err, errlen, "%.400s: the rule of %.256s: %s: "
			    "%.200s", path, app, re.field, re.error);
			ret = -1;
		}
		break;
	}
	cJSON_Delete(root);
	free(text);
	return ret;
}

/*
 * The app's stored rule, read from the local store's node
 * DIR/rules/<name>.json (docs/state-format.md) without the directory's
 * lock (the running daemon holds it), or from an older DIR/state.json.
 * 0 or -1 with err.
 */
static int
stored_rule(const char *dir, const char *app, struct rule *r, char *err,
    size_t errlen)
{
	char name[STORE_NAME_MAX], path[4096], why[256];
	char *text = NULL;
	size_t len;
	int rc;

	if (store_encode_id(app, name, sizeof(name)) != 0) {
		snprintf(err, errlen, "%.256s: no stored rule", app);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/%s.json", dir,
	    store_kind_dir(STORE_RULE), name);
	if (read_file(path, RULES_BODY_MAX, &text, &len) == 0) {
		rc = store_decode_rule(text, len, r, why, sizeof(why));
		free(text);
		if (rc == 0 && strcmp(r->app_id, app) == 0)
			return 0;
		snprintf(err, errlen, "%.400s: %s", path, rc == 0 ?
		    "names another app" : why);
		return -1;
	}
	rc = legacy_rule(dir, app, r, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "no --rule and no stored rule for %.256s "
		    "in %.400s (a local state directory; give --rule FILE)",
		    app, dir);
	return rc == 0 ? 0 : -1;
}

/*
 * What a store backend's listener saw of the app's rule node.  Static:
 * the backend may call the listener from its own thread until the
 * session stops, which the caller does after backtest_cli_run() returns
 * (store.h's listener outlives close; one backtest per process).
 */
static struct {
	pthread_mutex_t mu;
	char            app[RULES_APP_ID_MAX];
	char            name[STORE_NAME_MAX];  /* the app's node name */
	int             found;      /* 1 rule read, -1 the node is bad */
	int             stale;      /* the backend said STORE_HEALTH_STALE */
	struct rule     r;
	char            why[STORE_ERR_MAX + 256];
} pick = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
pick_node(void *arg, const struct store_node *n)
{
	struct rule r;
	char why[256];
	int rc;

	(void)arg;
	if (n->kind != STORE_RULE || n->app_id == NULL)
		return;
	pthread_mutex_lock(&pick.mu);
	if (strcmp(n->app_id, pick.app) != 0) {
		pthread_mutex_unlock(&pick.mu);
		return;
	}
	pick.found = 0;                 /* a delete (data NULL) */
	if (n->data != NULL) {
		rc = store_decode_rule(n->data, n->len, &r, why, sizeof(why));
		if (rc == 0 && strcmp(r.app_id, pick.app) != 0)
			str_copy_trunc(why, "names another app", sizeof(why));
		pick.found = rc == 0 && strcmp(r.app_id, pick.app) == 0 ?
		    1 : -1;
		if (pick.found == 1)
			pick.r = r;
		else
			snprintf(pick.why, sizeof(pick.why), "%.300s: %s",
			    n->where, why);
	}
	pthread_mutex_unlock(&pick.mu);
}

/* A node the backend could not hand over (too large): ours if its path
 * ends in rules/<name>. */
static void
pick_bad(void *arg, const char *where, const char *why)
{
	char tail[STORE_NAME_MAX + 16];
	size_t wl = strlen(where), tl;

	(void)arg;
	pthread_mutex_lock(&pick.mu);
	snprintf(tail, sizeof(tail), "/%s/%s", store_kind_dir(STORE_RULE),
	    pick.name);
	tl = strlen(tail);
	if (wl >= tl && strcmp(where + wl - tl, tail) == 0) {
		pick.found = -1;
		snprintf(pick.why, sizeof(pick.why), "%.300s: %.300s", where,
		    why);
	}
	pthread_mutex_unlock(&pick.mu);
}

static void
pick_health(void *arg, enum store_health h)
{
	(void)arg;
	pthread_mutex_lock(&pick.mu);
	pick.stale = h == STORE_HEALTH_STALE;
	pthread_mutex_unlock(&pick.mu);
}

static int
backend_rule(const struct backtest_store *src, const char *app,
    struct rule *r, char *err, size_t errlen)
{
	const struct store_listener l = { pick_node, pick_bad, pick_health,
	    NULL };
	char e2[512];
	void *ctx;
	int ret, lrc;

	pthread_mutex_lock(&pick.mu);
	str_copy_trunc(pick.app, app, sizeof(pick.app));
	if (store_encode_id(app, pick.name, sizeof(pick.name)) != 0)
		pick.name[0] = '\0';
	pick.found = 0;
	pick.stale = 0;
	pick.why[0] = '\0';
	pthread_mutex_unlock(&pick.mu);
	e2[0] = '\0';
	if ((ctx = src->ops->open(src->spec, &l, e2, sizeof(e2))) == NULL) {
		snprintf(err, errlen, "the %s store %.300s: %.400s",
		    src->ops->name, src->spec, e2);
		return -2;
	}
	lrc = src->ops->load_all(ctx, e2, sizeof(e2));
	if (src->ops->close != NULL)
		src->ops->close(ctx);
	pthread_mutex_lock(&pick.mu);
	if (lrc != 0 || pick.stale) {
		snprintf(err, errlen, "the %s store %.300s is out of reach or "
		    "refuses reads%s%.300s: cannot read the rule of %.256s "
		    "(give --rule FILE)",
		    src->ops->name, src->spec, lrc != 0 ? ": " : "",
		    lrc != 0 ? e2 : "", app);
		ret = -2;
	} else if (pick.found == 1) {
		*r = pick.r;
		ret = 0;
	} else if (pick.found < 0) {
		snprintf(err, errlen, "the stored rule of %.256s: %s", app,
		    pick.why);
		ret = -1;
	} else {
		snprintf(err, errlen, "no --rule and no stored rule for %.256s "
		    "in the %s store %.300s (give --rule FILE)", app,
		    src->ops->name, src->spec);
		ret = -1;
	}
	pthread_mutex_unlock(&pick.mu);
	return ret;
}

int
backtest_stored_rule(const struct backtest_store *src, const char *app,
    struct rule *r, char *err, size_t errlen)
{
	if (src->ops != NULL)
		return backend_rule(src, app, r, err, errlen);
	return stored_rule(src->spec, app, r, err, errlen);
}

static int
cli_number(const char *s, const char *name, int64_t lo, int64_t hi,
    int64_t *out, char *err, size_t errlen)
{
	if (parse_i64(s, out) != 0 || *out < lo || *out > hi) {
		snprintf(err, errlen, "--%s: '%s' is not a whole number of "
		    "seconds from %lld to %lld", name, s, (long long)lo,
		    (long long)hi);
		return -1;
	}
	return 0;
}

/* Flags to a request; 0, or -1 (bad input) or -2 (the store out of
 * reach) with err. */
static int
cli_request(const struct backtest_cli *cli, const struct backtest_store *src,
    struct backtest_request *rq, char *err, size_t errlen)
{
	char app[RULES_APP_ID_MAX];
	struct rules_error re;
	int64_t now = now_realtime_ns() / 1000000000;
	char *text = NULL;
	size_t len;
	int rc;

	backtest_request_init(rq);
	if (cli->app == NULL || cli->from == NULL || cli->to == NULL) {
		snprintf(err, errlen, "--app, --from and --to are required");
		return -1;
	}
	if (str_copy(app, cli->app, sizeof(app)) >= sizeof(app) ||
	    rules_normalize_app_id(app, sizeof(app)) != 0) {
		snprintf(err, errlen, "--app: '%.300s' is not a Marathon app "
		    "id", cli->app);
		return -1;
	}
	if (backtest_parse_time(cli->from, now, &rq->from_s) != 0 ||
	    backtest_parse_time(cli->to, now, &rq->to_s) != 0) {
		snprintf(err, errlen, "--from/--to: not a time (RFC 3339, unix "
		    "seconds, now, now-DURATION with s, m, h, d or w)");
		return -1;
	}
	if ((cli->step != NULL && cli_number(cli->step, "step", 1,
	    BACKTEST_STEP_MAX, &rq->step_s, err, errlen) != 0) ||
	    (cli->scale_delay != NULL && cli_number(cli->scale_delay,
	    "scale-delay", 0, BACKTEST_DELAY_MAX, &rq->scale_delay_s, err,
	    errlen) != 0))
		return -1;
	if (cli->rule_file == NULL)
		return backtest_stored_rule(src, app, &rq->rule, err, errlen);
	if (read_file(cli->rule_file, RULES_BODY_MAX, &text, &len) != 0) {
		snprintf(err, errlen, "--rule: cannot read %.400s", cli->rule_file);
		return -1;
	}
	rc = rules_from_json(text, len, app, &rq->rule, &re);
	free(text);
	if (rc != 0)
		snprintf(err, errlen, "--rule %.400s: %s%s%.200s", cli->rule_file,
		    re.field, re.field[0] ? ": " : "", re.error);
	return rc;
}

static int
write_out(const char *path, const struct buf *b)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int ok;

	if (f == NULL) {
		fprintf(stderr, "hoist-scaler backtest: cannot write %s\n",
		    path);
		return -1;
	}
	ok = fwrite(b->data ? b->data : "", 1, b->len, f) == b->len;
	ok &= path ? fclose(f) == 0 : fflush(f) == 0;
	if (!ok)
		fprintf(stderr, "hoist-scaler backtest: cannot write %s\n",
		    path ? path : "the output");
	return ok ? 0 : -1;
}

/* The chosen format on stdout and the plot; 0, or -1 (told). */
static int
cli_output(const struct backtest_cli *cli, const struct backtest_request *rq,
    const struct backtest_outcome *oc)
{
	struct backtest_options o = { .scale_delay_s = rq->scale_delay_s };
	const char *fmt = cli->format ? cli->format : "text";
	struct buf b;
	int rc = 0;

	buf_init(&b, CLI_OUT_MAX);
	if (strcmp(fmt, "json") == 0) {
		cJSON *j = backtest_to_cjson(&rq->rule, &oc->tr, &o, &oc->res);
		char *t = cJSON_Print(j);

		rc = t == NULL || buf_puts(&b, t) != 0 ||
		    buf_putc(&b, '\n') != 0 ? -1 : 0;
		free(t);
		cJSON_Delete(j);
	} else if (strcmp(fmt, "lp") == 0)
		rc = backtest_to_lp(&rq->rule, &oc->res, &b);
	else
		rc = backtest_to_text(&rq->rule, &oc->tr, &o, &oc->res, &b);
	if (rc == 0)
		rc = write_out(NULL, &b);
	if (rc == 0 && cli->plot != NULL) {
		buf_reset(&b);
		rc = backtest_to_svg(&rq->rule, &oc->tr, &oc->res, &b);
		if (rc == 0)
			rc = write_out(cli->plot, &b);
	}
	buf_free(&b);
	return rc;
}

int
backtest_cli_run(const struct backtest_cli *cli,
    const struct backtest_env *env, const struct backtest_store *src)
{
	struct backtest_request rq;
	struct backtest_outcome oc;
	const char *fmt = cli->format ? cli->format : "text";
	char err[1024];
	int rc;

	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "lp") != 0) {
		fprintf(stderr, "hoist-scaler backtest: --format: '%s' is not "
		    "text, json or lp\n", fmt);
		return 2;
	}
	if ((rc = cli_request(cli, src, &rq, err, sizeof(err))) != 0) {
		fprintf(stderr, "hoist-scaler backtest: %s\n", err);
		return rc == -2 ? 1 : 2;
	}
	rc = backtest_execute(env, &rq, &oc, err, sizeof(err));
	if (rc != BACKTEST_OK) {
		fprintf(stderr, "hoist-scaler backtest: %s: %s\n",
		    backtest_status_str(rc), err);
		return rc == BACKTEST_E_INPUT ? 2 : 1;
	}
	fprintf(stderr, "hoist-scaler backtest: %s: %zu steps, %zu tasks, "
	    "%zu figures; influxdb query %.3f s, replay %.3f s\n",
	    rq.rule.app_id, oc.tr.nsteps, oc.tr.ntasks, oc.tr.figures,
	    oc.query_s, oc.replay_s);
	rc = cli_output(cli, &rq, &oc) == 0 ? 0 : 1;
	backtest_outcome_free(&oc);
	return rc;
}
