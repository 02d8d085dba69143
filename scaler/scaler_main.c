/*
 * scaler_main.c — hoist-scaler: scaling rules over REST, applied to
 * Marathon apps.
 *
 *   hoist-scaler [-hnv] [-c FILE] [-i SEC] [-l ADDR:PORT] [-m URL]
 *                [-o SPEC]... [-s DIR] [--dry-run] [--KEY VALUE]...
 *
 * Every flag is also a config-file key (common/conf.h).  Runs until
 * SIGTERM or SIGINT; SIGHUP reloads the configuration (the command line
 * still wins) and keeps the old one when the new one is invalid.
 *
 * Exit status: 0 after SIGTERM/SIGINT or a good -n check; 1 when start-up
 * fails (state dir locked or corrupt, cannot listen); 2 for a bad command
 * line or configuration.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/notify.h"
#include "common/secret.h"
#include "common/startup.h"
#include "common/util.h"
#include "marathon/marathon.h"
#include "scaler/backtest.h"
#include "scaler/orch.h"
#include "scaler/rest.h"
#include "scaler/round.h"
#include "scaler/sched.h"
#include "scaler/source.h"
#include "scaler/zkha.h"
#include "sinks/sink.h"

#define DEFAULT_CONFIG "/etc/hoist/scaler.conf"
#define OPTS_MAX       80

struct settings {
	char             listen[CONF_STR_MAX];
	char             marathon[CONF_STR_MAX];
	char             marathon_user[CONF_STR_MAX];
	char             marathon_password_file[CONF_STR_MAX];
	char             marathon_token_file[CONF_STR_MAX];
	char             marathon_ca_file[CONF_STR_MAX];
	int64_t          marathon_timeout_ms;
	int64_t          marathon_max_reply_mb;
	int64_t          agent_concurrency;
	int64_t          max_scale_requests_per_round;
	int64_t          max_concurrent_deployments;
	char             state_dir[CONF_STR_MAX];
	int64_t          interval;
	int              dry_run;
	char             source[CONF_STR_MAX];
	int64_t          agent_port;
	char             agent_token_file[CONF_STR_MAX];
	int64_t          agent_timeout_ms;
	char             source_influxdb_url[CONF_STR_MAX];
	char             source_influxdb_db[CONF_STR_MAX];
	char             source_influxdb_user[CONF_STR_MAX];
	char             source_influxdb_password_file[CONF_STR_MAX];
	int64_t          source_window_s;
	int64_t          decisions_max;
	char             zookeeper[CONF_STR_MAX];
	int64_t          zookeeper_session_timeout_ms;
	char             zookeeper_auth_file[CONF_STR_MAX];
	char             zookeeper_instance_id[CONF_STR_MAX];
	char             import_state[CONF_STR_MAX];
	int64_t          backtest_max_points;
	struct conf_list output;
	struct sink_options sink;
	struct httpd_settings api;
};

#define S(f) offsetof(struct settings, f)
static const struct conf_opt scaler_opts[] = {
	{ "listen", 'l', CONF_STR, S(listen), 0, 0, "127.0.0.1:9110",
	  "ADDR:PORT", "REST API address ([::1]:PORT for IPv6)" },
	{ "marathon", 'm', CONF_STR, S(marathon), 0, 0,
	  "http://127.0.0.1:8080", "URL", "Marathon base URL" },
	{ "marathon_user", 0, CONF_STR, S(marathon_user), 0, 0, "", "USER",
	  "HTTP basic auth user for Marathon" },
	{ "marathon_password_file", 0, CONF_STR, S(marathon_password_file),
	  0, 0, "", "FILE", "its password (first line of FILE)" },
	{ "marathon_token_file", 0, CONF_STR, S(marathon_token_file), 0, 0,
	  "", "FILE", "DC/OS token sent as \"Authorization: token=...\"" },
	{ "marathon_ca_file", 0, CONF_STR, S(marathon_ca_file), 0, 0, "",
	  "FILE", "CA bundle for an https Marathon URL" },
	{ "marathon_timeout_ms", 0, CONF_INT, S(marathon_timeout_ms), 100,
	  120000, "5000", "MS", "one Marathon request, whole" },
	{ "marathon_max_reply_mb", 0, CONF_INT, S(marathon_max_reply_mb), 1,
	  4096, "256", "MB", "largest bulk read of every app (else an error "
	  "round)" },
	{ "agent_concurrency", 0, CONF_INT, S(agent_concurrency), 1, 4096,
	  "64", "N", "agent hosts asked at once in a round" },
	{ "max_scale_requests_per_round", 0, CONF_INT,
	  S(max_scale_requests_per_round), 1, 10000, "20", "N",
	  "scale requests sent per round; the rest wait (most loaded first)" },
	{ "max_concurrent_deployments", 0, CONF_INT,
	  S(max_concurrent_deployments), 1, 100000, "50", "N",
	  "no scale request while this many apps are deploying" },
	{ "state_dir", 's', CONF_STR, S(state_dir), 0, 0,
	  "/var/lib/hoist-scaler", "DIR",
	  "rules and safety state (state.json, lock)" },
	{ "interval", 'i', CONF_INT, S(interval), 1, 3600, "30", "SEC",
	  "seconds between evaluation rounds" },
	{ "dry_run", 0, CONF_BOOL, S(dry_run), 0, 0, "no", NULL,
	  "decide and record, never scale" },
	{ "source", 0, CONF_STR, S(source), 0, 0, "agents", "NAME",
	  "where metrics come from: agents or influxdb" },
	{ "agent_port", 0, CONF_INT, S(agent_port), 1, 65535, "9108", "PORT",
	  "port of the collectors' HTTP API on each task host" },
	{ "agent_token_file", 0, CONF_STR, S(agent_token_file), 0, 0, "",
	  "FILE", "Bearer token for the collectors' API (first line)" },
	{ "agent_timeout_ms", 0, CONF_INT, S(agent_timeout_ms), 50, 60000,
	  "2000", "MS", "one agent (or InfluxDB) request, whole" },
	{ "source_influxdb_url", 0, CONF_STR, S(source_influxdb_url), 0, 0,
	  "", "URL", "InfluxDB 1.x to query (source influxdb)" },
	{ "source_influxdb_db", 0, CONF_STR, S(source_influxdb_db), 0, 0,
	  "hoist", "DB", "database the collectors write to" },
	{ "source_influxdb_user", 0, CONF_STR, S(source_influxdb_user), 0, 0,
	  "", "USER", "InfluxDB user for queries" },
	{ "source_influxdb_password_file", 0, CONF_STR,
	  S(source_influxdb_password_file), 0, 0, "", "FILE",
	  "its password (first line of FILE)" },
	{ "source_window_s", 0, CONF_INT, S(source_window_s), 1, 3600, "60",
	  "SEC", "InfluxDB: mean over this many seconds" },
	{ "decisions_max", 0, CONF_INT, S(decisions_max), 10, 1000000,
	  "1000", "N", "decisions kept for GET /v1/decisions" },
	{ "zookeeper", 0, CONF_STR, S(zookeeper), 0, 0, "",
	  "zk://HOST:PORT[,HOST:PORT...]/PATH", "rules, state and leader "
	  "election in ZooKeeper (instead of state_dir; docs/ha.md)" },
	{ "zookeeper_session_timeout_ms", 0, CONF_INT,
	  S(zookeeper_session_timeout_ms), 1000, 600000, "10000", "MS",
	  "ZooKeeper session timeout: a dead leader is replaced after it" },
	{ "zookeeper_auth_file", 0, CONF_STR, S(zookeeper_auth_file), 0, 0,
	  "", "FILE", "digest user:password (first line); only that "
	  "identity may write hoist's nodes" },
	{ "zookeeper_instance_id", 0, CONF_STR, S(zookeeper_instance_id), 0,
	  0, "", "ID", "this scaler's name in the election (default "
	  "HOSTNAME:PORT)" },
	{ "import_state", 0, CONF_STR, S(import_state), 0, 0, "", "DIR",
	  "copy the rules and state of a local state dir into ZooKeeper, "
	  "then exit" },
	{ "backtest_max_points", 0, CONF_INT, S(backtest_max_points), 1,
	  10000000, "100000", "N",
	  "most steps one backtest may replay (CLI and REST)" },
	{ "output", 'o', CONF_LIST, S(output), 0, 0, NULL, "SPEC",
	  "where decisions go as line protocol (hoist_scaling): stdout | "
	  "file:PATH | influxdb:URL | influxdb2:URL (repeatable; default "
	  "none)" },
};
#undef S

static size_t
build_table(struct conf_opt *opts, size_t max)
{
	size_t n = 0;

	conf_table_append(opts, &n, max, scaler_opts, ARRAY_LEN(scaler_opts),
	    0);
	conf_table_append(opts, &n, max, httpd_conf_opts, httpd_conf_nopts,
	    offsetof(struct settings, api));
	conf_table_append(opts, &n, max, sink_conf_opts, sink_conf_nopts,
	    offsetof(struct settings, sink));
	return n;
}

/* Everything built from the settings that SIGHUP may replace. */
struct runtime {
	struct marathon *marathon;
	struct orch      orch;
	struct source   *source;
	struct sink     *sinks[ROUND_SINKS_MAX];
	size_t           nsinks;
	char             token[REST_TOKEN_MAX];
};

static void
runtime_free(struct runtime *rt)
{
	size_t i;

	marathon_free(rt->marathon);
	source_free(rt->source);
	for (i = 0; i < rt->nsinks; i++)
		sink_close(rt->sinks[i]);
	explicit_bzero(rt->token, sizeof(rt->token));
	memset(rt, 0, sizeof(*rt));
}

/* The zookeeper URL and instance id, checked with the configuration. */
static int
check_zookeeper(const struct settings *st, char *err, size_t errlen)
{
	struct zkpath_url u;
	char e2[300];

	if (st->zookeeper[0] == '\0')
		return 0;
	if (zkpath_parse_url(st->zookeeper, &u, e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "zookeeper: %s", e2);
		return -1;
	}
	if (st->zookeeper_instance_id[0] != '\0' &&
	    !zkpath_valid_id(st->zookeeper_instance_id)) {
		snprintf(err, errlen, "zookeeper_instance_id '%.64s': 1 to %d "
		    "bytes of a-z, A-Z, 0-9, '.', '_', ':', '-'",
		    st->zookeeper_instance_id, ZKPATH_ID_MAX - 1);
		return -1;
	}
	return 0;
}

static int
check_settings(const struct settings *st, char *err, size_t errlen)
{
	char kinds[128];

	if (st->marathon[0] == '\0') {
		snprintf(err, errlen, "marathon: a URL is required");
		return -1;
	}
	if (st->state_dir[0] == '\0' && st->zookeeper[0] == '\0') {
		snprintf(err, errlen, "state_dir: a directory is required");
		return -1;
	}
	if (check_zookeeper(st, err, errlen) != 0)
		return -1;
	if (st->import_state[0] != '\0' && st->zookeeper[0] == '\0') {
		snprintf(err, errlen, "import_state: needs zookeeper (where "
		    "to copy the state to)");
		return -1;
	}
	if (st->marathon_user[0] != '\0' && st->marathon_password_file[0] ==
	    '\0') {
		snprintf(err, errlen, "marathon_user needs "
		    "marathon_password_file");
		return -1;
	}
	if (st->marathon_user[0] != '\0' && st->marathon_token_file[0] !=
	    '\0') {
		snprintf(err, errlen, "marathon_user and marathon_token_file "
		    "exclude each other");
		return -1;
	}
	/* What a kind needs (influxdb: a URL) its init checks. */
	if (source_ops_find(st->source) == NULL) {
		source_kinds(kinds, sizeof(kinds));
		snprintf(err, errlen, "source: '%.64s' is not one of %s",
		    st->source, kinds);
		return -1;
	}
	if (st->output.n > ROUND_SINKS_MAX) {
		snprintf(err, errlen, "output: at most %d", ROUND_SINKS_MAX);
		return -1;
	}
	return 0;
}

static int
read_secret(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	out[0] = '\0';
	if (path[0] == '\0')
		return 0;
	return secret_read_buf(path, out, outlen, err, errlen);
}

static int
runtime_build(const struct settings *st, struct runtime *rt, char *err,
    size_t errlen)
{
	struct marathon_options mo;
	struct source_options so;
	char pw[512], atok[REST_TOKEN_MAX], e2[512];
	size_t i;

	memset(rt, 0, sizeof(*rt));
	if (check_settings(st, err, errlen) != 0)
		return -1;
	memset(&mo, 0, sizeof(mo));
	mo.url = st->marathon;
	mo.user = st->marathon_user[0] ? st->marathon_user : NULL;
	mo.password_file = st->marathon_password_file[0] ?
	    st->marathon_password_file : NULL;
	mo.token_file = st->marathon_token_file[0] ?
	    st->marathon_token_file : NULL;
	mo.ca_file = st->marathon_ca_file[0] ? st->marathon_ca_file : NULL;
	mo.timeout_ms = (long)st->marathon_timeout_ms;
	rt->marathon = marathon_new(&mo, e2, sizeof(e2));
	if (rt->marathon == NULL) {
		snprintf(err, errlen, "marathon: %s", e2);
		goto fail;
	}
	rt->orch.ops = &orch_marathon_ops;
	rt->orch.ctx = rt->marathon;

	if (read_secret(st->source_influxdb_password_file, pw, sizeof(pw), e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "source_influxdb_password_file: %s", e2);
		goto fail;
	}
	if (read_secret(st->agent_token_file, atok, sizeof(atok), e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "agent_token_file: %s", e2);
		explicit_bzero(pw, sizeof(pw));
		goto fail;
	}
	memset(&so, 0, sizeof(so));
	so.agent_token = atok;
	so.kind = st->source;
	so.agent_port = (int)st->agent_port;
	so.timeout_ms = (long)st->agent_timeout_ms;
	so.influx_url = st->source_influxdb_url;
	so.influx_db = st->source_influxdb_db;
	so.influx_user = st->source_influxdb_user;
	so.influx_password = pw;
	so.window_s = (long)st->source_window_s;
	so.concurrency = (int)st->agent_concurrency;
	rt->source = source_new(&so, e2, sizeof(e2));
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(atok, sizeof(atok));
	if (rt->source == NULL) {
		snprintf(err, errlen, "source: %s", e2);
		goto fail;
	}
	if (read_secret(st->api.api_token_file, rt->token, sizeof(rt->token), e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "api_token_file: %s", e2);
		goto fail;
	}
	for (i = 0; i < (size_t)st->output.n; i++) {
		rt->sinks[i] = sink_open(st->output.v[i], &st->sink, e2,
		    sizeof(e2));
		if (rt->sinks[i] == NULL) {
			snprintf(err, errlen, "output %s: %s", st->output.v[i],
			    e2);
			goto fail;
		}
		rt->nsinks++;
	}
	return 0;
fail:
	runtime_free(rt);
	return -1;
}

static void
apply(const struct settings *st, struct runtime *rt, struct round_ctx *rc,
    struct scaler_stats *stats)
{
	rc->orch = &rt->orch;
	rc->source = rt->source;
	rc->dry_run = st->dry_run;
	rc->interval_s = st->interval;
	rc->max_reply_bytes = (size_t)st->marathon_max_reply_mb << 20;
	rc->max_requests = (int)st->max_scale_requests_per_round;
	rc->max_deployments = (int)st->max_concurrent_deployments;
	round_set_sinks(rc, rt->sinks, rt->nsinks);
	atomic_store(&stats->interval_s, st->interval);
	atomic_store(&stats->dry_run, st->dry_run);
}

/* SIGHUP: build everything anew; keep the old on any error. */
static void
reload(const struct startup *su, int argc, char **argv, struct settings *st,
    struct runtime *rt, struct round_ctx *rc, struct rest *rest,
    struct scaler_stats *stats)
{
	struct settings *nst = malloc(sizeof(*nst));
	struct runtime nrt;
	struct conf_cli cli;
	char err[1024];

	if (nst == NULL) {
		log_warnx("reload: out of memory; keeping the old "
		    "configuration");
		return;
	}
	if (startup_load(su, nst, sizeof(*nst), nst->sink.hostname,
	    sizeof(nst->sink.hostname), argc, argv, &cli, err,
	    sizeof(err)) != 0 || runtime_build(nst, &nrt, err,
	    sizeof(err)) != 0) {
		log_warnx("reload: %s; keeping the old configuration", err);
		free(nst);
		return;
	}
	if (strcmp(nst->listen, st->listen) != 0 ||
	    strcmp(nst->api.api_tls_cert, st->api.api_tls_cert) != 0 ||
	    strcmp(nst->api.api_tls_key, st->api.api_tls_key) != 0 ||
	    nst->api.api_max_connections != st->api.api_max_connections ||
	    nst->api.api_timeout_s != st->api.api_timeout_s ||
	    strcmp(nst->state_dir, st->state_dir) != 0 ||
	    nst->decisions_max != st->decisions_max ||
	    strcmp(nst->zookeeper, st->zookeeper) != 0 ||
	    nst->zookeeper_session_timeout_ms !=
	    st->zookeeper_session_timeout_ms ||
	    strcmp(nst->zookeeper_auth_file, st->zookeeper_auth_file) != 0 ||
	    strcmp(nst->zookeeper_instance_id, st->zookeeper_instance_id) != 0)
		log_warnx("reload: listen, api_tls_*, api_max_connections, "
		    "api_timeout_s, state_dir, decisions_max and zookeeper* "
		    "take effect at the next restart");
	STR_COPY_ARRAY(nst->zookeeper, st->zookeeper);
	nst->zookeeper_session_timeout_ms = st->zookeeper_session_timeout_ms;
	STR_COPY_ARRAY(nst->zookeeper_auth_file, st->zookeeper_auth_file);
	STR_COPY_ARRAY(nst->zookeeper_instance_id, st->zookeeper_instance_id);
	STR_COPY_ARRAY(nst->listen, st->listen);
	STR_COPY_ARRAY(nst->api.api_tls_cert, st->api.api_tls_cert);
	STR_COPY_ARRAY(nst->api.api_tls_key, st->api.api_tls_key);
	nst->api.api_max_connections = st->api.api_max_connections;
	nst->api.api_timeout_s = st->api.api_timeout_s;
	STR_COPY_ARRAY(nst->state_dir, st->state_dir);
	nst->decisions_max = st->decisions_max;
	runtime_free(rt);
	*rt = nrt;
	*st = *nst;
	free(nst);
	rest_set_token(rest, rt->token);
	apply(st, rt, rc, stats);
	log_info("configuration reloaded");
}

/* The backtest's view of the settings (CLI and REST); 0 or -1 with err. */
static int
backtest_env_fill(const struct settings *st, struct backtest_env *env,
    char *err, size_t errlen)
{
	char e2[512];

	memset(env, 0, sizeof(*env));
	STR_COPY_ARRAY(env->influx_url, st->source_influxdb_url);
	if (str_copy(env->influx_db, st->source_influxdb_db,
	    sizeof(env->influx_db)) >= sizeof(env->influx_db) ||
	    str_copy(env->influx_user, st->source_influxdb_user,
	    sizeof(env->influx_user)) >= sizeof(env->influx_user)) {
		snprintf(err, errlen, "source_influxdb_db or _user too long");
		return -1;
	}
	if (read_secret(st->source_influxdb_password_file, env->influx_password,
	    sizeof(env->influx_password), e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "source_influxdb_password_file: %s", e2);
		return -1;
	}
	env->interval_s = st->interval;
	env->max_points = st->backtest_max_points;
	return 0;
}

static struct zkha *zk_start(const struct settings *st, int read_only,
	char *err, size_t errlen);

/*
 * hoist-scaler backtest --app ID --from T --to T [...]: the backtest's
 * own flags (backtest_cli.c), the rest are the scaler's (-c FILE,
 * --KEY VALUE) for the InfluxDB settings, interval, and where the stored
 * rule is: zookeeper (a read-only session: no election, nothing
 * written) or else state_dir.
 */
static int
backtest_main(int argc, char **argv)
{
	static struct settings st;
	struct conf_opt opts[OPTS_MAX];
	struct startup su = { .progname = "hoist-scaler backtest",
	    .default_config = DEFAULT_CONFIG, .opts = opts };
	struct backtest_cli bc;
	struct backtest_env env;
	struct backtest_store src = { NULL, NULL };
	struct zkha *zk = NULL;
	struct conf_cli cli;
	char err[1024], **rest;
	int nrest, ret = 2;

	memset(&cli, 0, sizeof(cli));
	su.nopts = build_table(opts, OPTS_MAX);
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (rest == NULL)
		return 1;
	if (backtest_cli_split(argc, argv, &bc, rest, &nrest, err,
	    sizeof(err)) != 0 || startup_load(&su, &st, sizeof(st),
	    st.sink.hostname, sizeof(st.sink.hostname), nrest, rest, &cli,
	    err, sizeof(err)) != 0 || backtest_env_fill(&st, &env, err,
	    sizeof(err)) != 0 || cli.help) {
		if (!cli.help)
			fprintf(stderr, "hoist-scaler backtest: %s\n", err);
		fprintf(cli.help ? stdout : stderr, "usage: hoist-scaler "
		    "backtest --app ID [--rule FILE] --from TIME --to TIME "
		    "[--step SEC] [--format text|json|lp] [--plot FILE.svg] "
		    "[--scale-delay SEC] [-c FILE] [--KEY VALUE]...\n"
		    "(see hoist-scaler(8), BACKTEST)\n");
		ret = cli.help ? 0 : 2;
		goto out;
	}
	ret = 1;
	if (startup_http_init() != 0)
		goto out;
	src.spec = st.state_dir;
	if (bc.rule_file == NULL && st.zookeeper[0] != '\0') {
		if ((zk = zk_start(&st, 1, err, sizeof(err))) == NULL) {
			fprintf(stderr, "hoist-scaler backtest: %s\n", err);
			ret = 2;
			startup_end();
			goto out;
		}
		src.ops = &store_zk_ops;
		src.spec = st.zookeeper;
	}
	ret = backtest_cli_run(&bc, &env, &src);
	zkha_stop(zk);
	startup_end();
out:
	explicit_bzero(&env, sizeof(env));
	free(rest);
	return ret;
}

/* Everything run() builds after the settings; torn down in daemon_free(). */
struct daemon {
	struct settings     st;
	struct runtime      rt;
	struct round_ctx    rc;
	struct scaler_stats stats;
	struct state       *state;     /* owned */
	struct decisions   *dec;       /* owned */
	struct rest        *rest;      /* owned */
	struct zkha        *zk;        /* owned; NULL: the local store */
	struct round_leader leader;    /* over zk */
	struct backtest_env bt;        /* for POST .../backtest */
	atomic_int          bt_busy;   /* backtests running (REST) */
	atomic_int          bt_cancel; /* set at stop: they end early */
};

/* Signals are taken synchronously by the main thread only: block them
 * before any thread starts so the REST thread never gets one. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	notify_wedge_hook();
}

/* This instance's name in the election: zookeeper_instance_id as given
 * (zkha_start() checks it, length included), or HOSTNAME:PORT
 * (HOSTNAME:0-PID when the port is chosen at start) built in out. */
static const char *
instance_id(const struct settings *st, char *out, size_t outlen)
{
	const char *port = strrchr(st->listen, ':');

	port = port != NULL ? port + 1 : "";
	if (st->zookeeper_instance_id[0] != '\0')
		return st->zookeeper_instance_id;
	if (strcmp(port, "0") == 0)
		snprintf(out, outlen, "%.64s:0-%ld", st->sink.hostname,
		    (long)getpid());
	else
		snprintf(out, outlen, "%.64s:%.8s", st->sink.hostname, port);
	return out;
}

/* The ZooKeeper session (zkha.h); read_only: an observer (backtest).
 * NULL with err. */
static struct zkha *
zk_start(const struct settings *st, int read_only, char *err, size_t errlen)
{
	struct zkha_options o;
	char auth[ZKHA_AUTH_MAX], id[ZKPATH_ID_MAX], e2[512];
	struct zkha *z;

	if (read_secret(st->zookeeper_auth_file, auth, sizeof(auth), e2,
	    sizeof(e2)) != 0) {
		snprintf(err, errlen, "zookeeper_auth_file: %s", e2);
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.url = st->zookeeper;
	o.session_timeout_ms = (long)st->zookeeper_session_timeout_ms;
	o.auth = auth;
	o.instance_id = instance_id(st, id, sizeof(id));
	o.read_only = read_only;
	z = zkha_start(&o, err, errlen);
	explicit_bzero(auth, sizeof(auth));
	return z;
}

/* round.h's leadership over zkha.h. */
static uint64_t
ha_token(void *ctx)
{
	return zkha_round_token(ctx);
}

static int
ha_may_act(void *ctx, uint64_t token)
{
	return zkha_may_act(ctx, token);
}

/* The state: in ZooKeeper, or in the local state dir. */
static struct state *
open_state(struct daemon *d, char *err, size_t errlen)
{
	struct zkha_status zs;

	if (d->st.zookeeper[0] == '\0')
		return state_open(d->st.state_dir, err, errlen);
	if (d->zk == NULL && (d->zk = zk_start(&d->st, 0, err, errlen)) == NULL)
		return NULL;
	zkha_status(d->zk, &zs);
	STR_COPY_ARRAY(d->rc.scaler_id, zs.instance_id);
	d->leader.token = ha_token;
	d->leader.may_act = ha_may_act;
	d->leader.ctx = d->zk;
	d->rc.leader = &d->leader;
	return state_open_store(&store_zk_ops, d->st.zookeeper, err, errlen);
}

/* State, decisions and the REST API; 0 or -1 (logged). */
static int
daemon_open(struct daemon *d)
{
	struct rest_config acfg;
	char err[1024];

	d->state = open_state(d, err, sizeof(err));
	if (d->state == NULL) {
		log_warnx("state: %s", err);
		return -1;
	}
	d->dec = decisions_new((size_t)d->st.decisions_max);
	if (d->dec == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	memset(&acfg, 0, sizeof(acfg));
	acfg.listen = d->st.listen;
	acfg.token = d->rt.token;
	acfg.tls_cert_file = d->st.api.api_tls_cert;
	acfg.tls_key_file = d->st.api.api_tls_key;
	acfg.max_connections = (unsigned)d->st.api.api_max_connections;
	acfg.timeout_s = (unsigned)d->st.api.api_timeout_s;
	acfg.state = d->state;
	acfg.decisions = d->dec;
	acfg.stats = &d->stats;
	acfg.zk = d->zk;
	if (backtest_env_fill(&d->st, &d->bt, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	d->bt.busy = &d->bt_busy;
	d->bt.cancel = &d->bt_cancel;
	acfg.backtest = &d->bt;
	d->rest = rest_start(&acfg, err, sizeof(err));
	if (d->rest == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	d->rc.state = d->state;
	d->rc.decisions = d->dec;
	d->rc.stats = &d->stats;
	apply(&d->st, &d->rt, &d->rc, &d->stats);
	log_info("listening on %s (port %d), %zu rules from %s, marathon %s, "
	    "every %llds%s", d->st.listen, rest_port(d->rest),
	    state_count(d->state), d->st.zookeeper[0] != '\0' ?
	    d->st.zookeeper : d->st.state_dir, d->st.marathon,
	    (long long)d->st.interval, d->st.dry_run ? ", dry run" : "");
	return 0;
}

/* A round every --interval; SIGHUP reloads; until SIGTERM/SIGINT. */
static void
daemon_loop(struct daemon *d, const struct startup *su, int argc,
    char **argv, const sigset_t *set)
{
	int64_t wd_ns = (int64_t)notify_watchdog_interval_ns();
	struct sched sch;

	/* Rounds are spaced on the monotonic clock (sched.h). */
	sched_init(&sch, &sched_system_clock, d->st.interval);
	for (;;) {
		int64_t now, wait_ns;
		struct timespec ts;
		siginfo_t si;
		int sig;

		notify_watchdog();
		if (sched_due(&sch, &now, &wait_ns)) {
			round_run(&d->rc, now, now_mono_ns() / 1000000000LL);
			atomic_store(&d->stats.next_round_s,
			    sched_next_wall_s(&sch));
			continue;
		}
		/* Wake at least every half WatchdogSec for the keep-alive. */
		if (wd_ns > 0 && wait_ns > wd_ns)
			wait_ns = wd_ns;
		ts.tv_sec = (time_t)(wait_ns / 1000000000LL);
		ts.tv_nsec = (long)(wait_ns % 1000000000LL);
		sig = sigtimedwait(set, &si, &ts);
		if (sig == SIGHUP) {
			reload(su, argc, argv, &d->st, &d->rt, &d->rc, d->rest,
			    &d->stats);
			sched_set_interval(&sch, d->st.interval);
		} else if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: exiting", sig);
			notify_stopping();
			return;
		}
	}
}

/* Stop the API, save the state, free everything; NULL members are fine. */
static void
daemon_free(struct daemon *d)
{
	char err[1024];

	atomic_store(&d->bt_cancel, 1);    /* running backtests end */
	rest_stop(d->rest);
	if (d->state != NULL && state_flush(d->state, err, sizeof(err)) !=
	    STATE_OK)
		log_warnx("state not saved: %s", err);
	state_close(d->state);
	zkha_stop(d->zk);   /* after the state: its last writes */
	decisions_free(d->dec);
	explicit_bzero(&d->bt, sizeof(d->bt));
	round_ctx_free(&d->rc);
	runtime_free(&d->rt);
}

/* -n and --import-state: the parts that need ZooKeeper, not the
 * daemon.  The exit status. */
static int
zk_tasks(struct daemon *d, const struct conf_cli *cli)
{
	char err[1024];

	if (d->st.zookeeper[0] == '\0')
		return startup_check_ok();
	if ((d->zk = zk_start(&d->st, 0, err, sizeof(err))) == NULL)
		return startup_config_error(cli, err);
	if (zkha_check(d->zk, (long)d->st.zookeeper_session_timeout_ms, err,
	    sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	if (cli->check_only)
		return startup_check_ok();
	if (zkha_import(d->zk, d->st.import_state, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct daemon d;       /* large: off the stack */
	struct conf_opt opts[OPTS_MAX];
	/* The usage line mirrors the SYNOPSIS of man/hoist-scaler.8. */
	struct startup su = { .progname = "hoist-scaler",
	    .synopsis = "[-hnv] [-c FILE] [-i SEC] "
	    "[-l ADDR:PORT] [-m URL] [-o SPEC]... [-s DIR] [--dry-run] "
	    "[--KEY VALUE]...\n       hoist-scaler backtest --app ID "
	    "[--rule FILE] --from TIME --to TIME [--step SEC] "
	    "[--format text|json|lp] [--plot FILE.svg] [--scale-delay SEC] "
	    "[-c FILE] [--KEY VALUE]...",
	    .default_config = DEFAULT_CONFIG, .opts = opts };
	struct conf_cli cli;
	sigset_t set;
	char err[1024];
	int ret;

	if (argc > 1 && strcmp(argv[1], "backtest") == 0)
		return backtest_main(argc - 1, argv + 1);
	/* conf_parse_args() takes "--state-dir" and "--state_dir" alike. */
	su.nopts = build_table(opts, OPTS_MAX);
	ret = startup_begin(&su, &d.st, sizeof(d.st), d.st.sink.hostname,
	    sizeof(d.st.sink.hostname), argc, argv, &cli);
	if (ret >= 0)
		return ret;
	/* Before runtime_build(): it starts the outputs' threads, which must
	 * inherit the blocked mask.  A thread that does not block SIGTERM
	 * takes it whenever the main thread is not in sigtimedwait(), and
	 * SIGTERM's default action then kills the scaler (exit 143, queued
	 * decision points lost), as a suite run saw. */
	block_signals(&set);
	if (runtime_build(&d.st, &d.rt, err, sizeof(err)) != 0) {
		ret = startup_config_error(&cli, err);
		goto out;
	}
	if (cli.check_only || d.st.import_state[0] != '\0') {
		ret = zk_tasks(&d, &cli);
		goto out;
	}
	ret = 1;
	if (daemon_open(&d) != 0)
		goto out;
	/* State loaded and the API listening: ready. */
	if (notify_ready() < 0)
		log_warn("sd_notify READY");
	daemon_loop(&d, &su, argc, argv, &set);
	ret = 0;
out:
	daemon_free(&d);
	startup_end();
	return ret;
}
