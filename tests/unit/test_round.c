/*
 * test_round.c — one evaluation through a fake orchestrator: a scale is
 * sent once and remembered; a 409 lock turns it into `deferred`; a
 * deployment in progress sends nothing; dry-run sends nothing; a 401
 * becomes an `error` with the status and message, and the app is backed
 * off (skipped until the retry time, then tried again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/lib/rmtree.h"
#include "asserts.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "common/util.h"
#include "scaler/round.h"

struct fake {
	int              instances, running, deploying;
	int              ntasks;      /* tasks t0, t1 ... on 127.0.0.1 */
	enum orch_result get_res, scale_res;
	long             status;
	int              scale_calls, get_calls, last_n;
};

static enum orch_result
f_get(void *ctx, const char *app_id, struct orch_app *out,
    struct orch_status *st)
{
	struct fake *f = ctx;

	(void)app_id;
	f->get_calls++;
	if (f->get_res != ORCH_OK) {
		st->status = f->status;
		str_copy_trunc(st->message, "Unauthorized",
		    sizeof(st->message));
		return f->get_res;
	}
	out->instances = f->instances;
	out->running = f->running;
	out->ndeployments = f->deploying;
	if (f->ntasks > 0) {
		static const char *const ids[] = { "t0", "t1", "t2", "t3",
		    "t4", "t5", "t6", "t7" };
		struct orch_task t[8];
		int i, ok;

		assert_true(f->ntasks <= 8);
		memset(t, 0, sizeof(t));
		for (i = 0; i < f->ntasks; i++) {
			t[i].id = ids[i];
			t[i].host = "127.0.0.1";
			t[i].healthy = 1;
			t[i].started_s = 1;
		}
		out->tasks = orch_tasks_dup(t, (size_t)f->ntasks, &ok);
		if (!ok)
			return ORCH_E_NOMEM;
		out->ntasks = (size_t)f->ntasks;
	}
	if (f->deploying)
		str_copy_trunc(out->deployment_id, "dep-1",
		    sizeof(out->deployment_id));
	return ORCH_OK;
}

static enum orch_result
f_scale(void *ctx, const char *app_id, int n, struct orch_status *st)
{
	struct fake *f = ctx;

	(void)app_id;
	f->scale_calls++;
	f->last_n = n;
	if (f->scale_res == ORCH_E_LOCKED) {
		st->status = 409;
		str_copy_trunc(st->deployment_id, "5cd987cd",
		    sizeof(st->deployment_id));
		return ORCH_E_LOCKED;
	}
	str_copy_trunc(st->deployment_id, "dep-new", sizeof(st->deployment_id));
	f->instances = n;
	f->running = n;
	return f->scale_res;
}

static const struct orch_ops fake_ops = {
	.name = "fake", .get_app = f_get, .scale = f_scale,
};

struct fx {
	char                dir[64];
	struct fake         fk;
	struct orch         orch;
	struct state       *st;
	struct decisions   *dec;
	struct source      *src;
	struct scaler_stats stats;
	struct round_ctx    rc;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct source_options so = { .kind = "agents" };
	struct rule r;
	struct rules_error re;
	char err[256];
	int created;
	static const char rule[] = "{\"app_id\":\"/shop/web\","
	    "\"min_instances\":3,\"max_instances\":6,"
	    "\"cpu\":{\"above\":80,\"below\":20}}";

	snprintf(f->dir, sizeof(f->dir), "/tmp/hoist-test-round.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->orch.ops = &fake_ops;
	f->orch.ctx = &f->fk;
	f->st = state_open(f->dir, err, sizeof(err));
	f->dec = decisions_new(16);
	f->src = source_new(&so, err, sizeof(err));
	if (f->st == NULL || f->dec == NULL || f->src == NULL)
		return -1;
	if (rules_from_json(rule, strlen(rule), NULL, &r, &re) != 0 ||
	    state_put(f->st, &r, 1, &created, err, sizeof(err)) != STATE_OK)
		return -1;
	f->rc.orch = &f->orch;
	f->rc.source = f->src;
	f->rc.state = f->st;
	f->rc.decisions = f->dec;
	f->rc.stats = &f->stats;
	f->rc.interval_s = 10;
	/* Two instances, below min_instances 3: a scale without metrics. */
	f->fk.instances = f->fk.running = 2;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	round_ctx_free(&f->rc);
	source_free(f->src);
	decisions_free(f->dec);
	state_close(f->st);
	rmtree(f->dir);
	free(f);
	return 0;
}

static void
last(struct fx *f, struct policy_decision *d)
{
	assert_int_equal(decisions_last(f->dec, "/shop/web", d), 0);
}

static void
test_scale(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	struct policy_history h;

	round_run(&f->rc, 1000, 1000);
	last(f, &d);
	assert_int_equal(d.action, POLICY_SCALE);
	assert_int_equal(d.current, 2);
	assert_int_equal(d.desired, 3);
	assert_non_null(strstr(d.reason, "deployment dep-new"));
	assert_int_equal(f->fk.scale_calls, 1);
	assert_int_equal(f->fk.last_n, 3);
	assert_int_equal(state_get(f->st, "/shop/web", NULL, &h), STATE_OK);
	assert_int_equal(h.last_up_s, 1000);
	assert_int_equal(h.nevents, 1);
	/* Next round: at 3 now, no metrics -> none, nothing sent. */
	round_run(&f->rc, 1010, 1010);
	last(f, &d);
	assert_int_equal(d.action, POLICY_NONE);
	assert_int_equal(f->fk.scale_calls, 1);
	assert_int_equal(atomic_load(&f->stats.decisions[POLICY_SCALE]), 1);
	assert_int_equal(atomic_load(&f->stats.rounds), 2);
}

/* A fake leadership: the token a round gets, what may_act says. */
struct fake_leader {
	uint64_t token;
	int      allow;
	int      asked;
	uint64_t asked_with;
};

static uint64_t
fl_token(void *ctx)
{
	return ((struct fake_leader *)ctx)->token;
}

static int
fl_may_act(void *ctx, uint64_t token)
{
	struct fake_leader *l = ctx;

	l->asked++;
	l->asked_with = token;
	return l->allow;
}

/* A follower's round does nothing at all. */
static void
test_follower(void **state)
{
	struct fx *f = *state;
	struct fake_leader fl = { 0, 1, 0, 0 };
	struct round_leader rl = { fl_token, fl_may_act, &fl };
	struct policy_decision d;

	f->rc.leader = &rl;
	round_run(&f->rc, 1000, 1000);
	assert_int_equal(f->fk.get_calls, 0);
	assert_int_equal(f->fk.scale_calls, 0);
	assert_int_equal(decisions_last(f->dec, "/shop/web", &d), -1);
	/* Leading: it runs, asks with its token, scales, tags the record. */
	fl.token = 7;
	STR_COPY_ARRAY(f->rc.scaler_id, "scaler-a");
	round_run(&f->rc, 1010, 1010);
	assert_int_equal(fl.asked, 1);
	assert_int_equal(fl.asked_with, 7);
	assert_int_equal(f->fk.scale_calls, 1);
	last(f, &d);
	assert_int_equal(d.action, POLICY_SCALE);
	assert_string_equal(d.scaler, "scaler-a");
}

/*
 * Leadership lost between the round's start and the scale request: the
 * request is not sent, the decision is deferred, the app's history is
 * not written (the new leader owns it) and the rest of the round is
 * skipped.
 */
static void
test_fenced(void **state)
{
	struct fx *f = *state;
	struct fake_leader fl = { 9, 0, 0, 0 };
	struct round_leader rl = { fl_token, fl_may_act, &fl };
	struct policy_decision d;
	struct policy_history h;
	struct rules_error re;
	struct rule r;
	char err[256];
	int created;
	static const char rule[] = "{\"app_id\":\"/shop/zz\","
	    "\"min_instances\":3,\"max_instances\":6,"
	    "\"cpu\":{\"above\":80,\"below\":20}}";

	assert_int_equal(rules_from_json(rule, strlen(rule), NULL, &r, &re),
	    0);
	assert_int_equal(state_put(f->st, &r, 1, &created, err, sizeof(err)),
	    STATE_OK);
	f->rc.leader = &rl;
	round_run(&f->rc, 1000, 1000);
	assert_int_equal(fl.asked, 1);
	assert_int_equal(fl.asked_with, 9);
	assert_int_equal(f->fk.scale_calls, 0);
	assert_int_equal(f->fk.get_calls, 1);   /* /shop/zz not evaluated */
	last(f, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason, "fenced"));
	assert_int_equal(d.desired, d.current);
	assert_int_equal(state_get(f->st, "/shop/web", NULL, &h), STATE_OK);
	assert_int_equal(h.last_up_s, 0);
	assert_int_equal(h.nevents, 0);
	assert_int_equal(decisions_last(f->dec, "/shop/zz", &d), -1);
	assert_int_equal(atomic_load(&f->stats.scale_requests), 0);
}

static void
test_locked(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	struct policy_history h;

	f->fk.scale_res = ORCH_E_LOCKED;
	round_run(&f->rc, 1000, 1000);
	last(f, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason, "locked by deployment 5cd987cd "
	    "(HTTP 409)"));
	assert_int_equal(state_get(f->st, "/shop/web", NULL, &h), STATE_OK);
	assert_int_equal(h.last_up_s, 0);
	/* Retried on the very next round, not backed off. */
	round_run(&f->rc, 1001, 1001);
	assert_int_equal(f->fk.scale_calls, 2);
}

static void
test_deploying(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;

	f->fk.deploying = 1;
	round_run(&f->rc, 1000, 1000);
	last(f, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason, "deployment dep-1 in progress"));
	assert_int_equal(f->fk.scale_calls, 0);
}

static void
test_dry_run(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;

	f->rc.dry_run = 1;
	round_run(&f->rc, 1000, 1000);
	last(f, &d);
	assert_int_equal(d.action, POLICY_DRY_RUN);
	assert_int_equal(d.desired, 3);
	assert_int_equal(f->fk.scale_calls, 0);
}

static void
test_error_backoff(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;

	f->fk.get_res = ORCH_E_AUTH;
	f->fk.status = 401;
	round_run(&f->rc, 1000, 1000);
	last(f, &d);
	assert_int_equal(d.action, POLICY_ERROR);
	assert_string_equal(d.reason, "fake get app: HTTP 401 (not "
	    "authorized): Unauthorized");
	assert_int_equal(f->fk.get_calls, 1);
	round_run(&f->rc, 1009, 1009);        /* inside the first gap (10 s) */
	assert_int_equal(f->fk.get_calls, 1);
	round_run(&f->rc, 1010, 1010);
	assert_int_equal(f->fk.get_calls, 2);
	round_run(&f->rc, 1029, 1029);        /* second gap: 20 s */
	assert_int_equal(f->fk.get_calls, 2);
	f->fk.get_res = ORCH_OK;
	round_run(&f->rc, 1030, 1030);
	assert_int_equal(f->fk.get_calls, 3);
	last(f, &d);
	assert_int_equal(d.action, POLICY_SCALE);
	round_run(&f->rc, 1031, 1031);        /* recovered: no more backoff */
	assert_int_equal(f->fk.get_calls, 4);
	assert_int_equal(atomic_load(&f->stats.orchestrator_errors), 2);
}

/*
 * Issue 9 §3: the per-app error backoff runs on the monotonic clock.  A
 * wall clock stepped back an hour does not keep the app backed off for
 * that hour, one stepped forward does not cut the backoff short; the
 * records still carry the (stepped) wall clock.
 */
static void
test_backoff_wall_step(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;

	f->fk.get_res = ORCH_E_AUTH;
	f->fk.status = 401;
	round_run(&f->rc, 100000, 1000);       /* first gap: 10 s */
	assert_int_equal(f->fk.get_calls, 1);
	round_run(&f->rc, 100000 - 3600, 1010); /* wall back an hour */
	assert_int_equal(f->fk.get_calls, 2);
	last(f, &d);
	assert_int_equal(d.time_s, 100000 - 3600);
	round_run(&f->rc, 100000 + 3600, 1020); /* forward; gap 20 s */
	assert_int_equal(f->fk.get_calls, 2);
	round_run(&f->rc, 100000 + 3610, 1030);
	assert_int_equal(f->fk.get_calls, 3);
}

/* A sink that takes the lines (refuse == 0) or refuses them, counting
 * like the real ones: accepted points as written, refused as dropped. */
struct fake_sink {
	struct sink s;
	int         refuse;
	int         writes;
};

static int
fs_write(struct sink *s, const char *lines, size_t len)
{
	struct fake_sink *f = (struct fake_sink *)s;
	uint64_t n = sink_count_lines(lines, len);

	f->writes++;
	if (f->refuse) {
		s->stats.points_dropped += n;
		return -1;
	}
	s->stats.points_written += n;
	return 0;
}

static const struct sink_ops fake_sink_ops = {
	.name = "fake", .write = fs_write,
};

/* Issue 9 §3: a decision point an output refuses is counted, not lost
 * silently; the outputs' own counters reach the stats, and survive the
 * outputs being replaced (SIGHUP). */
static void
test_output_refused(void **state)
{
	struct fx *f = *state;
	struct fake_sink good = { .s = { .ops = &fake_sink_ops } };
	struct fake_sink bad = { .s = { .ops = &fake_sink_ops }, .refuse = 1 };
	struct fake_sink fresh = { .s = { .ops = &fake_sink_ops } };
	struct sink *both[2] = { &good.s, &bad.s }, *fresh_p = &fresh.s;

	str_copy_trunc(bad.s.spec, "file:/nonexistent/x.lp",
	    sizeof(bad.s.spec));
	round_set_sinks(&f->rc, both, 2);
	round_run(&f->rc, 1000, 1000);
	assert_int_equal(good.writes, 1);
	assert_int_equal(bad.writes, 1);
	assert_int_equal(atomic_load(&f->stats.output_refused), 1);
	assert_int_equal(atomic_load(&f->stats.output_points_written), 1);
	assert_int_equal(atomic_load(&f->stats.output_points_dropped), 1);
	assert_int_equal(atomic_load(&f->stats.decision_points_lost), 1);
	assert_int_equal(atomic_load(&f->stats.decision_encode_errors), 0);
	assert_int_equal(atomic_load(&f->stats.outputs), 2);
	/* Outputs replaced (a reload opens new ones): the totals keep
	 * what the old ones counted. */
	round_set_sinks(&f->rc, &fresh_p, 1);
	round_run(&f->rc, 1010, 1010);
	assert_int_equal(bad.writes, 1);
	assert_int_equal(fresh.writes, 1);
	assert_int_equal(atomic_load(&f->stats.output_points_written), 2);
	assert_int_equal(atomic_load(&f->stats.output_points_dropped), 1);
	assert_int_equal(atomic_load(&f->stats.decision_points_lost), 1);
	assert_int_equal(atomic_load(&f->stats.outputs), 1);
}

/* An agent whose task t0 reports 1e22 % and t1 50 %. */
static enum MHD_Result
agent(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	static const char body[] = "{\"tasks\":[{\"mesos_task_id\":\"t0\","
	    "\"cpu_percent_of_limit\":1e22},{\"mesos_task_id\":\"t1\","
	    "\"cpu_percent_of_limit\":50}]}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls; (void)url; (void)method; (void)version; (void)upload;
	(void)upload_size; (void)con_cls;
	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * A figure outside 0..1000 % is rejected and counted
 * (hoist_scaler_metric_invalid_total); its task counts as without metric.
 */
static void
test_invalid_metric(void **state)
{
	struct fx *f = *state;
	struct source_options so = { .kind = "agents",
	    .timeout_ms = 2000 };
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	struct policy_decision dec;
	char err[256];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    agent, NULL, MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_END);
	assert_non_null(d);
	so.agent_port = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT)->port;
	source_free(f->src);
	f->src = source_new(&so, err, sizeof(err));
	assert_non_null(f->src);
	f->rc.source = f->src;
	f->fk.instances = f->fk.running = f->fk.ntasks = 3;
	round_run(&f->rc, 1000, 1000);
	last(f, &dec);
	assert_int_equal(atomic_load(&f->stats.metric_invalid), 1);
	assert_int_equal(atomic_load(&f->stats.metric_fetch_errors), 0);
	assert_int_equal(dec.tasks_total, 3);
	assert_int_equal(dec.tasks_with_metrics, 1);
	assert_true(dec.has_cpu);
	assert_double_equal(dec.cpu, 50);
	assert_int_equal(dec.action, POLICY_NONE);
	round_run(&f->rc, 1010, 1010);
	assert_int_equal(atomic_load(&f->stats.metric_invalid), 2);
	MHD_stop_daemon(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follower, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deploying, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backoff_wall_step, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_output_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_metric, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
