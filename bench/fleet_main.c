/*
 * bench/fleet — one hoist-scaler against a simulated cluster
 * (bench/fleet_standin.py: a Marathon with injected latency and agent
 * hosts on 127.1.X.Y, some slow), run by bench/fleet.sh.
 *
 *   fleet fleet    RULES TASKS HOSTS MARATHON_MS SLOW_PCT MURL APORT ROUNDS
 *   fleet per_rule RULES TASKS HOSTS MARATHON_MS SLOW_PCT MURL APORT SAMPLE
 *
 * fleet: RULES rules /bench/fleet/app-NNNNN (threshold 80/20 on CPU,
 *   confirm_cycles 1, warmup 0), ROUNDS rounds of round_run() 30 s apart
 *   with the daemon's defaults (agent_timeout_ms 2000, agent_concurrency
 *   64, max_scale_requests_per_round 20); prints the median round's wall
 *   and CPU time, the peak RSS over the rounds, and the first round's
 *   requests as the stand-in counted them.
 * per_rule: the design before fleet rounds (each rule reads its app, then
 *   its agents, in turn: the orchestrator without its bulk read) on
 *   SAMPLE rules spread over the RULES apps, one round, the figures
 *   scaled by RULES / SAMPLE.
 *
 * The rules are written as DIR/state.json (the format before the store,
 * which state_open() migrates into per-app nodes in one batch): quicker
 * than thousands of state_put() calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "marathon/marathon.h"
#include "scaler/round.h"
#include "tests/lib/rmtree.h"

#define ROUNDS_MAX 16
#define STATE_TEXT_MAX (64u << 20)

struct cfg {
	int         per_rule;
	uint64_t    rules, tasks, hosts, marathon_ms, slow_pct, rounds;
	const char *murl;
	uint64_t    aport;
};

static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000LL + ((int64_t)ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000LL;
}

/* VmHWM in MB; reset_peak() starts a new peak (Linux clear_refs 5). */
static double
peak_rss_mb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtod(line + 6, NULL);
	fclose(f);
	return kb / 1024.0;
}

static void
reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

/* The stand-in's request counters; DELETE resets them. */
static void
standin_stats(const struct cfg *c, int reset, uint64_t *mreq, uint64_t *areq)
{
	struct http_client *h = http_client_new();
	struct http_request rq;
	struct http_response resp;
	char url[256];
	const char *p;

	snprintf(url, sizeof(url), "%s/_stats", c->murl);
	memset(&rq, 0, sizeof(rq));
	rq.method = reset ? "DELETE" : "GET";
	rq.url = url;
	http_response_init(&resp);
	if (h == NULL || http_do(h, &rq, &resp) != HTTP_OK || resp.status !=
	    200)
		fatalx("%s: no stats", url);
	p = strstr(resp.body.data, "\"marathon_requests\": ");
	*mreq = p ? strtoull(p + 21, NULL, 10) : 0;
	p = strstr(resp.body.data, "\"agent_requests\": ");
	*areq = p ? strtoull(p + 18, NULL, 10) : 0;
	http_response_free(&resp);
	http_client_free(h);
}

/* DIR/state.json with one rule per app of `which` (n of them). */
static struct state *
write_state(char *dir, size_t dirlen, const uint64_t *which, size_t n)
{
	struct buf b;
	struct state *st;
	char path[128], err[512];
	FILE *f;
	size_t i;

	snprintf(dir, dirlen, "/tmp/hoist-bench-fleet.XXXXXX");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	buf_init(&b, STATE_TEXT_MAX);
	buf_puts(&b, "{\"version\": 1, \"apps\": [");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s{\"rule\": {\"app_id\": \"/bench/fleet/app-"
		    "%05llu\", \"min_instances\": 1, \"max_instances\": 50, "
		    "\"confirm_cycles\": 1, \"warmup_s\": 0, \"cpu\": "
		    "{\"above\": 80, \"below\": 20}}}", i ? ", " : "",
		    (unsigned long long)which[i]);
	if (buf_puts(&b, "]}\n") != 0)
		fatalx("state too large");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	if (f == NULL || fwrite(b.data, 1, b.len, f) != b.len || fclose(f))
		fatal("%s", path);
	buf_free(&b);
	st = state_open(dir, err, sizeof(err));
	if (st == NULL)
		fatalx("%s", err);
	return st;
}

static void
drop_state(struct state *st, const char *dir)
{
	state_close(st);
	rmtree(dir);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* One measured setup: rounds over the rules of `which`. */
struct result {
	int64_t  wall[ROUNDS_MAX], cpu[ROUNDS_MAX];
	uint64_t mreq, areq, scaled;
	int64_t  phase_ms[4];     /* the first round's */
	double   rss_mb, base_mb;
};

static void
run(const struct cfg *c, const uint64_t *which, size_t n, int nrounds,
    int per_rule, struct result *res)
{
	static struct orch_ops ops;
	char dir[64], err[512];
	struct state *st = write_state(dir, sizeof(dir), which, n);
	struct decisions *dec = decisions_new(1000);
	struct scaler_stats stats;
	struct marathon_options mo;
	struct source_options so;
	struct marathon *m;
	struct orch orch;
	struct round_ctx rc;
	uint64_t z;
	int i;

	memset(&mo, 0, sizeof(mo));
	mo.url = c->murl;
	mo.timeout_ms = 10000;
	m = marathon_new(&mo, err, sizeof(err));
	if (m == NULL)
		fatalx("%s", err);
	memset(&so, 0, sizeof(so));
	so.kind = "agents";
	so.agent_port = (int)c->aport;
	so.timeout_ms = 2000;
	so.concurrency = 64;
	ops = orch_marathon_ops;
	if (per_rule)
		ops.snapshot = NULL;   /* the design before fleet rounds */
	orch.ops = &ops;
	orch.ctx = m;
	memset(&stats, 0, sizeof(stats));
	memset(&rc, 0, sizeof(rc));
	rc.orch = &orch;
	rc.source = source_new(&so, err, sizeof(err));
	rc.state = st;
	rc.decisions = dec;
	rc.stats = &stats;
	rc.interval_s = 30;
	if (rc.source == NULL)
		fatalx("%s", err);
	memset(res, 0, sizeof(*res));
	standin_stats(c, 1, &z, &z);
	reset_peak();
	res->base_mb = peak_rss_mb();
	for (i = 0; i < nrounds; i++) {
		int64_t t0 = now_mono_ns(), c0 = cpu_ns();

		round_run(&rc, 1800000000LL + 30 * i, 1000000 + 30 * i);
		res->wall[i] = now_mono_ns() - t0;
		res->cpu[i] = cpu_ns() - c0;
		if (i == 0) {
			standin_stats(c, 0, &res->mreq, &res->areq);
			res->scaled = atomic_load(&stats.scale_requests);
			res->phase_ms[0] = atomic_load(
			    &stats.last_round_marathon_ms);
			res->phase_ms[1] = atomic_load(
			    &stats.last_round_agents_ms);
			res->phase_ms[2] = atomic_load(&stats.last_round_eval_ms);
			res->phase_ms[3] = atomic_load(
			    &stats.last_round_writes_ms);
		}
	}
	res->rss_mb = peak_rss_mb();
	round_ctx_free(&rc);
	source_free(rc.source);
	marathon_free(m);
	decisions_free(dec);
	drop_state(st, dir);
}

static void
bench_fleet(const struct cfg *c)
{
	uint64_t *which = calloc(c->rules, sizeof(*which));
	struct result r;
	size_t i;
	int nr = (int)c->rounds;

	if (which == NULL)
		fatalx("out of memory");
	for (i = 0; i < c->rules; i++)
		which[i] = i;
	run(c, which, c->rules, nr, 0, &r);
	qsort(r.wall, (size_t)nr, sizeof(r.wall[0]), cmp_i64);
	qsort(r.cpu, (size_t)nr, sizeof(r.cpu[0]), cmp_i64);
	printf("scaler_fleet rules=%llu tasks=%llu hosts=%llu marathon_ms=%llu"
	    " slow_hosts=%llu%% round_ms=%.0f cpu_ms=%.0f rss_mb=%.1f "
	    "marathon_requests=%llu (1 + %llu scaled) agent_requests=%llu "
	    "(median of %d rounds; requests and phases of the first: "
	    "marathon %lld ms, agents %lld, evaluation %lld, writes %lld; "
	    "rss before the rounds %.1f MB)\n",
	    (unsigned long long)c->rules, (unsigned long long)c->tasks,
	    (unsigned long long)c->hosts, (unsigned long long)c->marathon_ms,
	    (unsigned long long)c->slow_pct, (double)r.wall[nr / 2] / 1e6,
	    (double)r.cpu[nr / 2] / 1e6, r.rss_mb,
	    (unsigned long long)r.mreq, (unsigned long long)r.scaled,
	    (unsigned long long)r.areq, nr, (long long)r.phase_ms[0],
	    (long long)r.phase_ms[1], (long long)r.phase_ms[2],
	    (long long)r.phase_ms[3], r.base_mb);
	free(which);
}

static void
bench_per_rule(const struct cfg *c)
{
	uint64_t k = c->rounds, *which = calloc(k, sizeof(*which));
	double f = (double)c->rules / (double)k;
	struct result r;
	size_t i;

	if (which == NULL || k == 0 || k > c->rules)
		fatalx("bad sample");
	/* Spread over the apps, off the placement's period. */
	for (i = 0; i < k; i++)
		which[i] = (i * (c->rules / k) + i) % c->rules;
	qsort(which, k, sizeof(*which), cmp_i64);
	run(c, which, k, 1, 1, &r);
	printf("scaler_fleet_per_rule rules=%llu tasks=%llu hosts=%llu "
	    "marathon_ms=%llu slow_hosts=%llu%% round_ms=%.0f cpu_ms=%.0f "
	    "marathon_requests=%.0f agent_requests=%.0f (the design before "
	    "fleet rounds: %llu rules measured, %.0f ms, scaled by %.0f)\n",
	    (unsigned long long)c->rules, (unsigned long long)c->tasks,
	    (unsigned long long)c->hosts, (unsigned long long)c->marathon_ms,
	    (unsigned long long)c->slow_pct, (double)r.wall[0] / 1e6 * f,
	    (double)r.cpu[0] / 1e6 * f, (double)r.mreq * f,
	    (double)r.areq * f, (unsigned long long)k,
	    (double)r.wall[0] / 1e6, f);
	free(which);
}

int
main(int argc, char **argv)
{
	struct cfg c;
	uint64_t *nums[] = { &c.rules, &c.tasks, &c.hosts, &c.marathon_ms,
	    &c.slow_pct };
	size_t i;

	log_init("bench-fleet", LOGL_WARN);
	memset(&c, 0, sizeof(c));
	if (argc != 10 || (strcmp(argv[1], "fleet") != 0 &&
	    strcmp(argv[1], "per_rule") != 0))
		fatalx("usage: fleet fleet|per_rule RULES TASKS HOSTS "
		    "MARATHON_MS SLOW_PCT MURL APORT ROUNDS|SAMPLE");
	c.per_rule = strcmp(argv[1], "per_rule") == 0;
	for (i = 0; i < ARRAY_LEN(nums); i++)
		if (parse_u64(argv[2 + i], nums[i]) != 0)
			fatalx("bad number '%s'", argv[2 + i]);
	c.murl = argv[7];
	if (parse_u64(argv[8], &c.aport) != 0 || c.aport == 0 ||
	    c.aport > 65535 || parse_u64(argv[9], &c.rounds) != 0 ||
	    c.rounds == 0 || (!c.per_rule && c.rounds > ROUNDS_MAX) ||
	    c.rules == 0)
		fatalx("bad arguments");
	if (http_global_init() != 0)
		fatalx("libcurl");
	if (c.per_rule)
		bench_per_rule(&c);
	else
		bench_fleet(&c);
	http_global_cleanup();
	return 0;
}
