/*
 * test_fleet.c — fleet rounds (scaler/round.c with scaler/bounds.c)
 * through a fake orchestrator with a bulk read and real agents: ten agent
 * hosts 127.0.0.2 .. 127.0.0.11 on one port (libmicrohttpd, one daemon
 * per address, answering GET /v1/apps for the tasks placed on the
 * address the request names), some of them down (nothing listens) or
 * slow (a socket that never accepts).
 *
 *   - 50 apps want to scale at once, max_scale_requests_per_round 20:
 *     exactly 20 PUTs, the most loaded first, 30 `deferred` naming the
 *     bound; the next rounds go on with the rest; 1 Marathon read and one
 *     request per agent host per round.
 *   - an app missing from the snapshot (deleted): `error` "app not
 *     found", no PUT, the others go on.
 *   - a deployment that started between the snapshot and the PUT: 409
 *     -> `deferred`.
 *   - apps deploying in the snapshot count toward
 *     max_concurrent_deployments: only the difference is sent.
 *   - the bulk read fails: every rule `error` naming the cause, no PUT.
 *   - 2 of 10 hosts down and 1 slow: their tasks count as without
 *     metrics, the round costs one timeout, not one per app.
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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/util.h"
#include "scaler/round.h"
#include "tests/lib/rmtree.h"

#define NAPPS  50
#define NHOSTS 10
#define NOW    1000000

struct fapp {
	char id[64];
	int  instances;
	double cpu;          /* every task's figure */
	int  gone;           /* missing from the snapshot */
	int  deploying;      /* a deployment holds it in the snapshot */
	int  lock_on_put;    /* 409 on the PUT */
};

struct fake {
	pthread_mutex_t  mu;
	struct fapp      apps[NAPPS];
	enum orch_result snap_res;
	int              snapshots, puts;
	char             put_order[NAPPS][64];
};

static void
task_of(int app, int k, char *id, size_t idlen, char *host, size_t hostlen)
{
	snprintf(id, idlen, "fleet_app-%02d.t%d", app, k);
	snprintf(host, hostlen, "127.0.0.%d", 2 + (app * 2 + k) % NHOSTS);
}

static enum orch_result
f_get(void *ctx, const char *app_id, struct orch_app *out,
    struct orch_status *st)
{
	(void)ctx; (void)app_id; (void)out; (void)st;
	return ORCH_E_SERVER;   /* a fleet round never reads app by app */
}

static enum orch_result
f_scale(void *ctx, const char *app_id, int n, struct orch_status *st)
{
	struct fake *f = ctx;
	enum orch_result r = ORCH_OK;
	int i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < NAPPS; i++) {
		if (strcmp(f->apps[i].id, app_id) != 0)
			continue;
		if (f->apps[i].lock_on_put) {
			st->status = 409;
			str_copy_trunc(st->deployment_id, "dep-race",
			    sizeof(st->deployment_id));
			r = ORCH_E_LOCKED;
		} else {
			f->apps[i].instances = n;
		}
	}
	str_copy_trunc(f->put_order[f->puts % NAPPS], app_id, 64);
	f->puts++;
	pthread_mutex_unlock(&f->mu);
	return r;
}

static enum orch_result
f_snapshot(void *ctx, const char *filter, size_t max_bytes,
    struct orch_snapshot *out, struct orch_status *st)
{
	struct fake *f = ctx;
	int i, k;

	(void)max_bytes;
	pthread_mutex_lock(&f->mu);
	f->snapshots++;
	assert_string_equal(filter, "/fleet/");
	if (f->snap_res != ORCH_OK) {
		str_copy_trunc(st->message, "GET /v2/apps: Connection refused",
		    sizeof(st->message));
		pthread_mutex_unlock(&f->mu);
		return f->snap_res;
	}
	for (i = 0; i < NAPPS; i++) {
		struct orch_snap_app a;
		struct orch_task t[2];
		char tid[2][64], th[2][64];

		if (f->apps[i].gone)
			continue;
		memset(&a, 0, sizeof(a));
		memset(t, 0, sizeof(t));
		str_copy_trunc(a.id, f->apps[i].id, sizeof(a.id));
		a.instances = a.running = f->apps[i].instances;
		if (f->apps[i].deploying) {
			a.ndeployments = 1;
			str_copy_trunc(a.deployment_id, "dep-other",
			    sizeof(a.deployment_id));
		}
		for (k = 0; k < 2; k++) {
			/* orch_snapshot_add() copies the strings. */
			task_of(i, k, tid[k], sizeof(tid[k]), th[k],
			    sizeof(th[k]));
			t[k].id = tid[k];
			t[k].host = th[k];
			t[k].healthy = 1;
			t[k].started_s = 1;
		}
		assert_int_equal(orch_snapshot_add(out, &a, t, 2), 0);
	}
	pthread_mutex_unlock(&f->mu);
	return ORCH_OK;
}

static const struct orch_ops fake_ops = {
	.name = "fake", .get_app = f_get, .scale = f_scale,
	.snapshot = f_snapshot,
};

/* GET /v1/apps on the host the Host header names: that host's tasks. */
static enum MHD_Result
agent(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct fake *f = cls;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Host");
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct buf b;
	char host[64];
	int i, k, n = 0;

	(void)method; (void)version; (void)upload; (void)upload_size;
	(void)con_cls;
	snprintf(host, sizeof(host), "%s", h != NULL ? h : "");
	if (strchr(host, ':') != NULL)
		*strchr(host, ':') = '\0';
	buf_init(&b, 1 << 20);
	buf_puts(&b, "[");
	pthread_mutex_lock(&f->mu);
	for (i = 0; i < NAPPS && strcmp(url, "/v1/apps") == 0; i++)
		for (k = 0; k < 2; k++) {
			char id[64], th[64];

			task_of(i, k, id, sizeof(id), th, sizeof(th));
			if (strcmp(th, host) != 0)
				continue;
			buf_printf(&b, "%s{\"id\":\"%s\",\"tasks\":[{\"mesos_"
			    "task_id\":\"%s\",\"cpu_percent_of_limit\":%g,"
			    "\"mem_percent_of_limit\":null}]}", n++ ? "," : "",
			    f->apps[i].id, id, f->apps[i].cpu);
		}
	pthread_mutex_unlock(&f->mu);
	buf_puts(&b, "]");
	r = MHD_create_response_from_buffer(b.len, b.data,
	    MHD_RESPMEM_MUST_COPY);
	buf_free(&b);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

struct fx {
	char                dir[64];
	struct fake         fk;
	struct orch         orch;
	struct state       *st;
	struct decisions   *dec;
	struct source      *src;
	struct scaler_stats stats;
	struct round_ctx    rc;
	struct MHD_Daemon  *mhd[NHOSTS];
	int                 slow_fd;
	int                 port;
};

static struct MHD_Daemon *
serve_on(struct fx *f, int host, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(2 + host));
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
	    NULL, agent, &f->fk, MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_END);
}

/* A host that accepts connections into its backlog, never answering. */
static int
slow_on(int host, int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(2 + host));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 64), 0);
	return fd;
}

/* Hosts: `down` of them refuse (nothing listens), `slow` never answer,
 * the rest serve; then the agents source on their port. */
static void
start_hosts(struct fx *f, int down, int slow, long timeout_ms)
{
	struct source_options so = { .kind = "agents" };
	char err[256];
	int h;

	f->mhd[0] = serve_on(f, 0, 0);
	assert_non_null(f->mhd[0]);
	f->port = MHD_get_daemon_info(f->mhd[0],
	    MHD_DAEMON_INFO_BIND_PORT)->port;
	f->slow_fd = -1;
	for (h = 1; h < NHOSTS; h++) {
		if (h >= NHOSTS - down)
			continue;                   /* down */
		if (slow > 0 && h == NHOSTS - down - 1) {
			f->slow_fd = slow_on(h, f->port);
			continue;
		}
		f->mhd[h] = serve_on(f, h, f->port);
		assert_non_null(f->mhd[h]);
	}
	so.agent_port = f->port;
	so.timeout_ms = timeout_ms;
	f->src = source_new(&so, err, sizeof(err));
	assert_non_null(f->src);
	f->rc.source = f->src;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	int i, created;

	snprintf(f->dir, sizeof(f->dir), "/tmp/hoist-test-fleet.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	pthread_mutex_init(&f->fk.mu, NULL);
	f->orch.ops = &fake_ops;
	f->orch.ctx = &f->fk;
	f->st = state_open(f->dir, err, sizeof(err));
	f->dec = decisions_new(1000);
	if (f->st == NULL || f->dec == NULL)
		return -1;
	for (i = 0; i < NAPPS; i++) {
		char j[256];
		struct rule r;
		struct rules_error re;

		snprintf(f->fk.apps[i].id, sizeof(f->fk.apps[i].id),
		    "/fleet/app-%02d", i);
		f->fk.apps[i].instances = 2;
		f->fk.apps[i].cpu = 81 + i;    /* app-49 the most loaded */
		snprintf(j, sizeof(j), "{\"app_id\":\"%s\",\"min_instances\":"
		    "1,\"max_instances\":100,\"confirm_cycles\":1,"
		    "\"cpu\":{\"above\":80,\"below\":20}}", f->fk.apps[i].id);
		if (rules_from_json(j, strlen(j), NULL, &r, &re) != 0 ||
		    state_put(f->st, &r, 1, &created, err, sizeof(err)) !=
		    STATE_OK)
			return -1;
	}
	f->rc.orch = &f->orch;
	f->rc.state = f->st;
	f->rc.decisions = f->dec;
	f->rc.stats = &f->stats;
	f->rc.interval_s = 30;
	f->rc.max_requests = 20;
	f->rc.max_deployments = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int h;

	for (h = 0; h < NHOSTS; h++)
		if (f->mhd[h] != NULL)
			MHD_stop_daemon(f->mhd[h]);
	if (f->slow_fd >= 0)
		close(f->slow_fd);
	round_ctx_free(&f->rc);
	source_free(f->src);
	decisions_free(f->dec);
	state_close(f->st);
	rmtree(f->dir);
	pthread_mutex_destroy(&f->fk.mu);
	free(f);
	return 0;
}

static void
last(struct fx *f, int app, struct policy_decision *d)
{
	assert_int_equal(decisions_last(f->dec, f->fk.apps[app].id, d), 0);
}

static void
test_fifty(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	int i;

	start_hosts(f, 0, 0, 2000);
	round_run(&f->rc, NOW, NOW);
	assert_int_equal(f->fk.snapshots, 1);
	assert_int_equal(f->fk.puts, 20);
	for (i = 0; i < 20; i++)   /* most loaded first: 49, 48, ... 30 */
		assert_string_equal(f->fk.put_order[i], f->fk.apps[49 - i].id);
	for (i = 0; i < NAPPS; i++) {
		last(f, i, &d);
		assert_int_equal(d.action, i >= 30 ? POLICY_SCALE :
		    POLICY_DEFERRED);
		assert_int_equal(d.tasks_with_metrics, 2);
		if (i < 30)
			assert_non_null(strstr(d.reason,
			    "max_scale_requests_per_round 20 reached"));
	}
	assert_int_equal(atomic_load(&f->stats.last_round_marathon_requests),
	    21);
	assert_int_equal(atomic_load(&f->stats.last_round_hosts), NHOSTS);
	assert_int_equal(atomic_load(&f->stats.last_round_hosts_failed), 0);
	assert_int_equal(atomic_load(&f->stats.last_round_deferred_bounds),
	    30);
	assert_int_equal(atomic_load(&f->stats.last_round_fleet), 1);
	/* Next rounds (inside the 60 s cooldown of those scaled): the 20
	 * scaled wait, the next 20 go, then the last 10. */
	round_run(&f->rc, NOW + 20, NOW + 20);
	assert_int_equal(f->fk.puts, 40);
	assert_string_equal(f->fk.put_order[20], f->fk.apps[29].id);
	assert_string_equal(f->fk.put_order[39], f->fk.apps[10].id);
	round_run(&f->rc, NOW + 40, NOW + 40);
	assert_int_equal(f->fk.puts, 50);
	assert_int_equal(f->fk.snapshots, 3);
	assert_int_equal(atomic_load(&f->stats.agent_requests), 3 * NHOSTS);
	for (i = 0; i < NAPPS; i++)
		assert_int_equal(f->fk.apps[i].instances, 3);
}

/* A fake leadership for the fencing check (round.h: struct round_leader). */
struct fake_leader {
	uint64_t token;
	int      allow;
	int      asked;
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

	assert_int_equal(token, l->token);
	l->asked++;
	return l->allow;
}

/*
 * Fleet rounds are fenced too: a follower's round reads nothing; a
 * leader that lost the lead before its batch of scale requests sends
 * none of them (each decision deferred, naming the fencing), and the
 * decisions carry the scaler's id.
 */
static void
test_fenced(void **state)
{
	struct fx *f = *state;
	struct fake_leader fl = { 0, 0, 0 };
	struct round_leader rl = { fl_token, fl_may_act, &fl };
	struct policy_decision d;
	int i;

	start_hosts(f, 0, 0, 2000);
	f->rc.leader = &rl;
	STR_COPY_ARRAY(f->rc.scaler_id, "scaler-b");
	round_run(&f->rc, NOW, NOW);            /* a follower */
	assert_int_equal(f->fk.snapshots, 0);
	assert_int_equal(f->fk.puts, 0);
	assert_int_equal(fl.asked, 0);
	fl.token = 5;                           /* leads, then is fenced */
	round_run(&f->rc, NOW + 1, NOW + 1);
	assert_int_equal(f->fk.snapshots, 1);
	assert_int_equal(f->fk.puts, 0);
	assert_true(fl.asked >= 1);
	assert_int_equal(atomic_load(&f->stats.scale_requests), 0);
	for (i = 30; i < NAPPS; i++) {          /* the 20 within the bound */
		last(f, i, &d);
		assert_int_equal(d.action, POLICY_DEFERRED);
		assert_non_null(strstr(d.reason, "fenced"));
		assert_int_equal(d.desired, d.current);
		assert_string_equal(d.scaler, "scaler-b");
	}
	fl.allow = 1;                           /* leads again: it scales */
	round_run(&f->rc, NOW + 2, NOW + 2);
	assert_int_equal(f->fk.puts, 20);
}

static void
test_missing_and_locked(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	int i;

	start_hosts(f, 0, 0, 2000);
	f->rc.max_requests = 100;
	f->fk.apps[7].gone = 1;          /* deleted since the rule */
	f->fk.apps[9].lock_on_put = 1;   /* a deployment since the read */
	round_run(&f->rc, NOW, NOW);
	assert_int_equal(f->fk.puts, NAPPS - 1);
	for (i = 0; i < f->fk.puts; i++)
		assert_string_not_equal(f->fk.put_order[i], f->fk.apps[7].id);
	last(f, 7, &d);
	assert_int_equal(d.action, POLICY_ERROR);
	assert_non_null(strstr(d.reason, "app not found"));
	last(f, 9, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason, "locked by deployment dep-race"));
	assert_int_equal(f->fk.apps[9].instances, 2);
	last(f, 8, &d);
	assert_int_equal(d.action, POLICY_SCALE);
	assert_int_equal(f->fk.apps[8].instances, 3);
}

/* 10 apps deploying, max_concurrent_deployments 15: 5 PUTs, the most
 * loaded of the others; the deploying ones are deferred by the policy. */
static void
test_deployment_bound(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	int i;

	start_hosts(f, 0, 0, 2000);
	f->rc.max_deployments = 15;
	for (i = 40; i < NAPPS; i++)
		f->fk.apps[i].deploying = 1;
	round_run(&f->rc, NOW, NOW);
	assert_int_equal(f->fk.puts, 5);
	for (i = 0; i < 5; i++)   /* 39, 38 ... 35 */
		assert_string_equal(f->fk.put_order[i], f->fk.apps[39 - i].id);
	last(f, 45, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason, "dep-other"));
	last(f, 34, &d);
	assert_int_equal(d.action, POLICY_DEFERRED);
	assert_non_null(strstr(d.reason,
	    "max_concurrent_deployments 15 reached"));
}

static void
test_error_round(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	int i;

	start_hosts(f, 0, 0, 2000);
	f->fk.snap_res = ORCH_E_TRANSPORT;
	round_run(&f->rc, NOW, NOW);
	assert_int_equal(f->fk.puts, 0);
	for (i = 0; i < NAPPS; i++) {
		last(f, i, &d);
		assert_int_equal(d.action, POLICY_ERROR);
		assert_non_null(strstr(d.reason, "bulk read: no reply: GET "
		    "/v2/apps: Connection refused"));
	}
	assert_int_equal(atomic_load(&f->stats.last_round_marathon_requests),
	    1);
	assert_int_equal(atomic_load(&f->stats.last_round_hosts), 0);
	assert_int_equal(atomic_load(&f->stats.marathon_bulk_errors), 1);
	/* The next round retries, and scales. */
	f->fk.snap_res = ORCH_OK;
	round_run(&f->rc, NOW + 30, NOW + 30);
	assert_int_equal(f->fk.puts, 20);
}

/* 20 % of the hosts down and one slow: one timeout for the round. */
static void
test_hosts_down(void **state)
{
	struct fx *f = *state;
	struct policy_decision d;
	int i, k, without = 0;

	start_hosts(f, 2, 1, 300);
	round_run(&f->rc, NOW, NOW);
	assert_int_equal(atomic_load(&f->stats.last_round_hosts), NHOSTS);
	assert_int_equal(atomic_load(&f->stats.last_round_hosts_failed), 3);
	/* One timeout (300 ms), not one per app (50 x 300 ms). */
	assert_true(atomic_load(&f->stats.last_round_ms) < 1500);
	assert_true(atomic_load(&f->stats.last_round_agents_ms) >= 250);
	for (i = 0; i < NAPPS; i++) {
		int bad = 0;

		for (k = 0; k < 2; k++) {
			int h = (i * 2 + k) % NHOSTS;

			bad += h >= NHOSTS - 3;  /* the 2 down, the slow one */
		}
		last(f, i, &d);
		assert_int_equal(d.tasks_total, 2);
		assert_int_equal(d.tasks_with_metrics, 2 - bad);
		without += bad;
	}
	assert_true(without > 0);
}

/* The id filter of the bulk read: the rules' common group, or none. */
static void
test_id_filter(void **state)
{
	static const struct { const char *a, *b, *want; } cases[] = {
		{ "/shop/web", "/shop/api", "/shop/" },
		{ "/shop/web", "/shop/web2", "/shop/" },
		{ "/a/b/c", "/a/b/d", "/a/b/" },
		{ "/a/b/c", "/a/x", "/a/" },
		{ "/web", "/wex", "" },
		{ "/shop/web", "/other/web", "" },
	};
	struct rule r[2];
	char out[RULES_APP_ID_MAX];
	size_t i;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		str_copy_trunc(r[0].app_id, cases[i].a, sizeof(r[0].app_id));
		str_copy_trunc(r[1].app_id, cases[i].b, sizeof(r[1].app_id));
		round_id_filter(r, 2, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	round_id_filter(r, 0, out, sizeof(out));
	assert_string_equal(out, "");
	str_copy_trunc(r[0].app_id, "/shop/a", sizeof(r[0].app_id));
	str_copy_trunc(r[1].app_id, "/shop/b", sizeof(r[1].app_id));
	round_id_filter(r, 2, out, 7);
	assert_string_equal(out, "/shop/");
	round_id_filter(r, 2, out, 6);      /* does not fit: no filter */
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_filter),
		cmocka_unit_test_setup_teardown(test_fifty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_locked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deployment_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_error_round, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hosts_down, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
