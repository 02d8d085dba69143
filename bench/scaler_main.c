/*
 * bench/scaler — hoist-scaler's costs.
 *
 *   scaler [ROUNDS]                       the pure engine and the REST API
 *   scaler ROUNDS MARATHON_URL AGENT_PORT  also one evaluation round of
 *                                         1000 rules against a Marathon
 *                                         (stand-in) and agents on loopback
 *
 * engine: 1000 rules (half threshold, half target, cpu and mem), 10 tasks
 *   each with figures that wander, ROUNDS evaluations of every rule;
 *   prints decisions per second (wall) and CPU per decision.
 * rest: 1000 rules in a state dir, GET /v1/rules over one keep-alive
 *   connection for about two seconds; requests per second.
 * round: round_run() over 1000 rules /bench/app-N: one Marathon GET and
 *   one agent GET per rule (one task host), policy, decisions; wall and
 *   CPU time of the whole round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "marathon/marathon.h"
#include "scaler/policy.h"
#include "scaler/rest.h"
#include "scaler/round.h"
#include "tests/lib/rmtree.h"

#define NRULES 1000
#define NTASKS 10

static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000LL + ((int64_t)ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000LL;
}

static uint32_t seed = 12345;

static double
rnd(double lo, double hi)
{
	seed = seed * 1103515245u + 12345u;
	return lo + (hi - lo) * ((seed >> 8) & 0xffff) / 65535.0;
}

static void
make_rule(struct rule *r, int i)
{
	char j[512];
	struct rules_error e;

	if (i % 2 == 0)
		snprintf(j, sizeof(j), "{\"app_id\":\"/bench/app-%d\","
		    "\"min_instances\":1,\"max_instances\":50,"
		    "\"cpu\":{\"above\":80,\"below\":20},\"mem\":{\"above\":85,"
		    "\"below\":10},\"confirm_cycles\":2,\"warmup_s\":0}", i);
	else
		snprintf(j, sizeof(j), "{\"app_id\":\"/bench/app-%d\","
		    "\"min_instances\":1,\"max_instances\":50,\"mode\":"
		    "\"target\",\"cpu\":{\"target\":60},\"mem\":{\"target\":70},"
		    "\"warmup_s\":0}",
		    i);
	if (rules_from_json(j, strlen(j), NULL, r, &e) != 0)
		fatalx("bench rule: %s (%s)", e.error, e.field);
}

static void
bench_engine(int rounds)
{
	struct rule *rules = calloc(NRULES, sizeof(*rules));
	struct policy_history *h = calloc(NRULES, sizeof(*h));
	int *inst = calloc(NRULES, sizeof(*inst));
	struct policy_task tasks[NTASKS];
	struct policy_decision d;
	struct policy_input in;
	int64_t t0, c0, wall, cpu, now = 1700000000;
	long scales = 0, n = 0;
	int i, k, rd;

	if (rules == NULL || h == NULL || inst == NULL)
		fatalx("out of memory");
	for (i = 0; i < NRULES; i++) {
		make_rule(&rules[i], i);
		inst[i] = NTASKS;
	}
	t0 = now_mono_ns();
	c0 = cpu_ns();
	for (rd = 0; rd < rounds; rd++, now += 10) {
		for (i = 0; i < NRULES; i++) {
			double base = rnd(5, 95);

			for (k = 0; k < NTASKS; k++) {
				tasks[k].started_s = now - 600;
				tasks[k].healthy = 1;
				tasks[k].has_cpu = k != 3;
				tasks[k].cpu = base + rnd(-5, 5);
				tasks[k].has_mem = 1;
				tasks[k].mem = rnd(20, 60);
			}
			memset(&in, 0, sizeof(in));
			in.instances = in.running = inst[i];
			in.tasks = tasks;
			in.ntasks = NTASKS;
			policy_evaluate(&rules[i], &in, &h[i], now, &d);
			if (d.action == POLICY_SCALE) {
				policy_record_scale(&h[i], now, d.current,
				    d.desired);
				scales++;
			}
			n++;
		}
	}
	wall = now_mono_ns() - t0;
	cpu = cpu_ns() - c0;
	printf("scaler engine decisions_per_s=%.0f rules=%d tasks_per_rule=%d "
	    "evaluations=%ld scales=%ld cpu_ns_per_decision=%.0f\n",
	    (double)n * 1e9 / (double)wall, NRULES, NTASKS, n, scales,
	    (double)cpu / (double)n);
	free(rules);
	free(h);
	free(inst);
}

static struct state *
bench_state(char *dir, size_t dirlen)
{
	struct state *st;
	struct rule r;
	char err[512];
	int i, created;

	snprintf(dir, dirlen, "/tmp/hoist-bench-scaler.XXXXXX");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	st = state_open(dir, err, sizeof(err));
	if (st == NULL)
		fatalx("%s", err);
	for (i = 0; i < NRULES; i++) {
		make_rule(&r, i);
		if (state_put(st, &r, 1, &created, err, sizeof(err)) != STATE_OK)
			fatalx("%s", err);
	}
	return st;
}

static void
drop_state(struct state *st, const char *dir)
{
	state_close(st);
	rmtree(dir);
}

static void
bench_rest(void)
{
	char dir[64], url[128], err[512];
	struct state *st = bench_state(dir, sizeof(dir));
	struct decisions *dec = decisions_new(0);
	struct scaler_stats stats;
	struct rest_config cfg;
	struct rest *rest;
	struct http_client *c = http_client_new();
	struct http_request rq;
	struct http_response resp;
	int64_t t0, c0, wall;
	long n = 0;
	size_t bytes = 0;

	memset(&stats, 0, sizeof(stats));
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1:0";
	cfg.token = "bench";
	cfg.state = st;
	cfg.decisions = dec;
	cfg.stats = &stats;
	rest = rest_start(&cfg, err, sizeof(err));
	if (rest == NULL)
		fatalx("%s", err);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/rules",
	    rest_port(rest));
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.headers[0] = "Authorization: Bearer bench";
	http_response_init(&resp);
	t0 = now_mono_ns();
	c0 = cpu_ns();
	while (now_mono_ns() - t0 < 2000000000LL) {
		if (http_do(c, &rq, &resp) != HTTP_OK || resp.status != 200)
			fatalx("GET /v1/rules failed: %ld %s", resp.status,
			    resp.error);
		bytes = resp.body.len;
		n++;
	}
	wall = now_mono_ns() - t0;
	printf("scaler rest get_rules_per_s=%.0f rules=%d body_bytes=%zu "
	    "cpu_ms_per_request=%.3f (client and server in one process)\n",
	    (double)n * 1e9 / (double)wall, NRULES, bytes,
	    (double)(cpu_ns() - c0) / 1e6 / (double)n);
	http_response_free(&resp);
	http_client_free(c);
	rest_stop(rest);
	decisions_free(dec);
	drop_state(st, dir);
}

static void
bench_round(const char *marathon_url, int agent_port)
{
	char dir[64], err[512];
	struct state *st = bench_state(dir, sizeof(dir));
	struct decisions *dec = decisions_new(2 * NRULES);
	struct scaler_stats stats;
	struct marathon_options mo;
	struct source_options so;
	struct marathon *m;
	struct orch orch;
	struct round_ctx rc;
	int64_t t0, c0, wall, cpu;
	uint64_t counts[STATS_ACTIONS];
	int i;

	memset(&mo, 0, sizeof(mo));
	mo.url = marathon_url;
	m = marathon_new(&mo, err, sizeof(err));
	if (m == NULL)
		fatalx("%s", err);
	memset(&so, 0, sizeof(so));
	so.kind = "agents";
	so.agent_port = agent_port;
	so.timeout_ms = 5000;
	memset(&stats, 0, sizeof(stats));
	memset(&rc, 0, sizeof(rc));
	orch.ops = &orch_marathon_ops;
	orch.ctx = m;
	rc.orch = &orch;
	rc.source = source_new(&so, err, sizeof(err));
	rc.state = st;
	rc.decisions = dec;
	rc.stats = &stats;
	rc.interval_s = 30;
	rc.dry_run = 1;   /* measure the reads and decisions, not Marathon */
	if (rc.source == NULL)
		fatalx("%s", err);
	t0 = now_mono_ns();
	c0 = cpu_ns();
	round_run(&rc, now_realtime_ns() / 1000000000LL,
	    now_mono_ns() / 1000000000LL);
	wall = now_mono_ns() - t0;
	cpu = cpu_ns() - c0;
	for (i = 0; i < STATS_ACTIONS; i++)
		counts[i] = atomic_load(&stats.decisions[i]);
	printf("scaler round rules=%d wall_ms=%.1f cpu_ms=%.1f "
	    "metric_fetch_errors=%llu decisions none=%llu dry_run=%llu "
	    "deferred=%llu error=%llu\n", NRULES, (double)wall / 1e6,
	    (double)cpu / 1e6,
	    (unsigned long long)atomic_load(&stats.metric_fetch_errors),
	    (unsigned long long)counts[POLICY_NONE],
	    (unsigned long long)counts[POLICY_DRY_RUN],
	    (unsigned long long)counts[POLICY_DEFERRED],
	    (unsigned long long)counts[POLICY_ERROR]);
	round_ctx_free(&rc);
	source_free(rc.source);
	marathon_free(m);
	decisions_free(dec);
	drop_state(st, dir);
}

int
main(int argc, char **argv)
{
	uint64_t rounds = 200, port = 0;

	log_init("bench-scaler", LOGL_WARN);
	if (argc > 1 && parse_u64(argv[1], &rounds) != 0)
		fatalx("usage: scaler [ROUNDS [MARATHON_URL AGENT_PORT]]");
	if (http_global_init() != 0)
		fatalx("libcurl");
	bench_engine((int)rounds);
	bench_rest();
	if (argc > 3) {
		if (parse_u64(argv[3], &port) != 0 || port == 0 ||
		    port > 65535)
			fatalx("bad agent port '%s'", argv[3]);
		bench_round(argv[2], (int)port);
	}
	http_global_cleanup();
	return 0;
}
