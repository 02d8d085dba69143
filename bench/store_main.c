/*
 * bench/store — what a rule change costs a running hoist-scaler, and
 * what it does to /healthz (bench/store.sh starts the scaler, old and
 * new, and calls this once per figure).
 *
 *   store LABEL URL FIRST COUNT
 *
 * POSTs COUNT rules /bench/app-FIRST ... over one keep-alive connection,
 * one after the other, each waiting for its answer (201), while a second
 * thread GETs /healthz on its own connection every millisecond; before
 * the POSTs, 300 /healthz alone give the idle figures.  Prints
 *
 *   scaler_store LABEL rules=FIRST+COUNT post_ms_mean=... post_ms_last100=...
 *     post_ms_p99=... healthz_idle_ms p50=... p99=... max=...
 *     healthz_during_posts_ms p50=... p99=... max=... n=...
 *
 * post_ms_last100 is the mean of the last 100 POSTs: the cost of a
 * change at FIRST+COUNT rules.
 *
 *   store flush DIR
 *
 * Opens the state in DIR (seeded by bench/store.sh: a state.json, so the
 * open includes its migration), then times the round's state_flush after
 * a usual round (every app's stabilization window moved: written in the
 * background, so the flush returns at once; background_write_ms is until
 * the last node is durable) and after the worst one (every app scaled:
 * the flush waits for all of them).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "scaler/state.h"

#define PROBES_MAX  (1u << 20)
#define IDLE_PROBES 300

struct probe {
	const char   *url;
	double       *ms;          /* samples */
	size_t        n;
	atomic_int    stop;
	int           failures;
};

static double
one_get(struct http_client *c, const char *url, int *failed)
{
	struct http_request rq;
	struct http_response resp;
	int64_t t0;
	double ms;

	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.timeout_ms = 30000;
	http_response_init(&resp);
	t0 = now_mono_ns();
	if (http_do(c, &rq, &resp) != HTTP_OK || resp.status != 200)
		(*failed)++;
	ms = (double)(now_mono_ns() - t0) / 1e6;
	http_response_free(&resp);
	return ms;
}

static void *
probe_main(void *arg)
{
	struct probe *p = arg;
	struct http_client *c = http_client_new();
	struct timespec ms1 = { 0, 1000000L };

	while (!atomic_load(&p->stop) && p->n < PROBES_MAX) {
		p->ms[p->n++] = one_get(c, p->url, &p->failures);
		nanosleep(&ms1, NULL);
	}
	http_client_free(c);
	return NULL;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* p50, p99 and max of v (sorted in place). */
static void
pct(double *v, size_t n, double *p50, double *p99, double *max)
{
	*p50 = *p99 = *max = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), dcmp);
	*p50 = v[n / 2];
	*p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	*max = v[n - 1];
}

static double
post(struct http_client *c, const char *url, uint64_t i)
{
	struct http_request rq;
	struct http_response resp;
	char body[512];
	int64_t t0;

	snprintf(body, sizeof(body), "{\"app_id\":\"/bench/app-%llu\","
	    "\"min_instances\":1,\"max_instances\":50,\"mode\":\"target\","
	    "\"cpu\":{\"target\":60},\"warmup_s\":0}", (unsigned long long)i);
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.headers[0] = "Content-Type: application/json";
	rq.timeout_ms = 60000;
	http_response_init(&resp);
	t0 = now_mono_ns();
	if (http_do(c, &rq, &resp) != HTTP_OK || resp.status != 201)
		fatalx("POST rule %llu: %ld %s", (unsigned long long)i,
		    resp.status, resp.body.data ? resp.body.data : resp.error);
	http_response_free(&resp);
	return (double)(now_mono_ns() - t0) / 1e6;
}

/* Give every app a new history (a recorded scale when `scaled`). */
static void
touch_all(struct state *st, int64_t t, int scaled)
{
	struct policy_history h;
	struct rule *rules;
	size_t n = state_rules(st, &rules), i;

	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.last_up_s = scaled ? t : 0;
		h.recs[0].t = t;
		h.recs[0].n = 3;
		h.nrecs = 1;
		state_set_history(st, rules[i].app_id, &h);
	}
	free(rules);
}

static void
bench_flush(const char *dir)
{
	struct state_stats ss;
	struct timespec ms1 = { 0, 1000000L };
	char err[512];
	struct state *st;
	int64_t t0, t1, t2, t3;

	t0 = now_mono_ns();
	st = state_open(dir, err, sizeof(err));
	if (st == NULL)
		fatalx("%s", err);
	t1 = now_mono_ns();
	/* A usual round: every window moved, nothing scaled. */
	touch_all(st, 1700000000, 0);
	t2 = now_mono_ns();
	if (state_flush(st, err, sizeof(err)) != STATE_OK)
		fatalx("flush: %s", err);
	t3 = now_mono_ns();
	do {
		nanosleep(&ms1, NULL);
		state_get_stats(st, &ss);
	} while (ss.pending > 0);
	printf("scaler_store impl=new rules=%zu open_ms=%.0f "
	    "round_flush_windows_ms=%.1f background_write_ms=%.0f",
	    state_count(st), (double)(t1 - t0) / 1e6,
	    (double)(t3 - t2) / 1e6, (double)(now_mono_ns() - t2) / 1e6);
	/* The worst round: every app scaled. */
	touch_all(st, 1700000030, 1);
	t2 = now_mono_ns();
	if (state_flush(st, err, sizeof(err)) != STATE_OK)
		fatalx("flush: %s", err);
	printf(" round_flush_all_scaled_ms=%.0f\n",
	    (double)(now_mono_ns() - t2) / 1e6);
	state_close(st);
}

int
main(int argc, char **argv)
{
	char hz[256], rules[256];
	uint64_t first, count, i;
	struct probe p;
	struct http_client *c;
	pthread_t t;
	double *pm, sum = 0, last = 0, i50, i99, imax, h50, h99, hmax, p50,
	    p99, pmax;
	int idle_fail = 0;

	log_init("bench-store", LOGL_WARN);
	if (argc == 3 && strcmp(argv[1], "flush") == 0) {
		bench_flush(argv[2]);
		return 0;
	}
	if (argc != 5 || parse_u64(argv[3], &first) != 0 ||
	    parse_u64(argv[4], &count) != 0 || count == 0 || count > 100000)
		fatalx("usage: store LABEL URL FIRST COUNT | store flush DIR");
	if (http_global_init() != 0)
		fatalx("libcurl");
	snprintf(hz, sizeof(hz), "%s/healthz", argv[2]);
	snprintf(rules, sizeof(rules), "%s/v1/rules", argv[2]);
	memset(&p, 0, sizeof(p));
	p.url = hz;
	p.ms = calloc(PROBES_MAX, sizeof(*p.ms));
	pm = calloc(count, sizeof(*pm));
	if (p.ms == NULL || pm == NULL)
		fatalx("out of memory");
	c = http_client_new();
	for (i = 0; i < IDLE_PROBES; i++)
		p.ms[i] = one_get(c, hz, &idle_fail);
	pct(p.ms, IDLE_PROBES, &i50, &i99, &imax);
	if (pthread_create(&t, NULL, probe_main, &p) != 0)
		fatalx("pthread_create");
	for (i = 0; i < count; i++) {
		pm[i] = post(c, rules, first + i);
		sum += pm[i];
		if (i + 100 >= count)
			last += pm[i];
	}
	atomic_store(&p.stop, 1);
	pthread_join(t, NULL);
	pct(p.ms, p.n, &h50, &h99, &hmax);
	pct(pm, count, &p50, &p99, &pmax);
	printf("scaler_store %s rules=%llu+%llu post_ms_mean=%.2f "
	    "post_ms_last100=%.2f post_ms_p99=%.2f post_ms_max=%.1f "
	    "healthz_idle_ms p50=%.2f p99=%.2f max=%.2f "
	    "healthz_during_posts_ms p50=%.2f p99=%.2f max=%.2f n=%zu "
	    "failed=%d\n", argv[1], (unsigned long long)first,
	    (unsigned long long)count, sum / (double)count,
	    last / (double)(count < 100 ? count : 100), p99, pmax, i50, i99,
	    imax, h50, h99, hmax, p.n, p.failures + idle_fail);
	http_client_free(c);
	free(p.ms);
	free(pm);
	return 0;
}
