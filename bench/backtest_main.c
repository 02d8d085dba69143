/*
 * backtest_main.c — the backtest's replay cost (scaler/backtest.c):
 * 7 days at 10 s steps (60480 steps) for an app with 50 tasks, built in
 * memory, replayed with a target rule; prints the replay's wall time and
 * the process's peak RSS (trace + result + replay).
 *
 *   build/bench/backtest                 the replay line
 *   build/bench/backtest svg FILE        the plot of docs/backtest-example.svg:
 *                                        two days at 60 s steps, 10 tasks
 *   build/bench/backtest lp FROM DIR     write the same trace as the
 *                                        collector's line protocol into
 *                                        DIR/trace-N.lp (100000 lines a
 *                                        file), for bench/backtest.sh's
 *                                        InfluxDB query line
 *
 * The load: every task at 30 + 25 sin(2 pi t / 1 day) % CPU plus a
 * deterministic jitter of +-5, memory 40 %; a spike to 95 % for 20
 * minutes each day at noon.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/util.h"
#include "scaler/backtest.h"

#define STEPS  60480
#define STEP   10
#define TASKS  50
#define FROM0  1700006400LL   /* a UTC midnight */

static double
load(int64_t t, int task)
{
	int64_t day = t % 86400;
	uint32_t h = (uint32_t)(t * 2654435761u) ^ (uint32_t)task * 40503u;

	if (day >= 43200 && day < 43200 + 1200)
		return 95;
	return 30 + 25 * sin(2 * M_PI * (double)day / 86400) +
	    (double)(h % 1000) / 100.0 - 5;
}

static int
write_lp(int64_t from, const char *dir)
{
	char path[4096];
	FILE *f = NULL;
	long lines = 0, file = 0;
	int64_t s;
	int k;

	for (s = 0; s < STEPS; s++) {
		int64_t t = from + s * STEP + 3;

		for (k = 0; k < TASKS; k++) {
			if (lines % 100000 == 0) {
				if (f != NULL && fclose(f) != 0)
					return 1;
				snprintf(path, sizeof(path), "%s/trace-%04ld.lp",
				    dir, file++);
				f = fopen(path, "w");
				if (f == NULL)
					return 1;
			}
			fprintf(f, "container_cpu,marathon_app_id=/bench/web,"
			    "mesos_task_id=bench_web.t%02d,cpu=cpu-total "
			    "usage_percent_of_limit=%.2f %lld000000000\n"
			    "container_mem,marathon_app_id=/bench/web,"
			    "mesos_task_id=bench_web.t%02d usage_percent=40 "
			    "%lld000000000\n", k, load(t, k), (long long)t, k,
			    (long long)t);
			lines += 2;
		}
	}
	return f != NULL && fclose(f) != 0;
}

/* The trace of `steps` steps of `step` s for `tasks` tasks. */
static int
fill(struct backtest_trace *tr, int64_t steps, int64_t step, int tasks)
{
	char id[64];
	int64_t s;
	long k;
	int i;

	for (i = 0; i < tasks; i++) {
		snprintf(id, sizeof(id), "bench_web.t%02d", i);
		k = backtest_trace_task(tr, id);
		for (s = 0; s < steps; s++) {
			int64_t t = tr->from_s + s * step;

			if (backtest_trace_set(tr, k, BACKTEST_CPU, t,
			    load(t + 3, i)) < 0 || backtest_trace_set(tr, k,
			    BACKTEST_MEM, t, 40) < 0)
				return -1;
		}
	}
	return 0;
}

/* The example plot: a threshold rule over two days, 10 tasks. */
static int
example_svg(const char *path)
{
	static const char rule_json[] = "{\"app_id\":\"/shop/web\","
	    "\"min_instances\":4,\"max_instances\":24,"
	    "\"cpu\":{\"above\":70,\"below\":30},\"step\":2,"
	    "\"confirm_cycles\":3}";
	struct backtest_options o = { .scale_delay_s = 30 };
	struct backtest_trace tr;
	struct backtest_result res;
	struct rules_error re;
	struct rule r;
	struct buf b;
	char err[256];
	FILE *f;
	int rc = 1;

	if (rules_from_json(rule_json, sizeof(rule_json) - 1, NULL, &r,
	    &re) != 0 || backtest_trace_init(&tr, FROM0, FROM0 + 2 * 86400,
	    60, BACKTEST_MAX_POINTS_DEFAULT, err, sizeof(err)) != 0 ||
	    fill(&tr, 2 * 1440, 60, 10) != 0 ||
	    backtest_run(&r, &tr, &o, &res, err, sizeof(err)) != 0)
		return 1;
	buf_init(&b, 16u << 20);
	f = fopen(path, "w");
	if (f != NULL && backtest_to_svg(&r, &tr, &res, &b) == 0 &&
	    fwrite(b.data, 1, b.len, f) == b.len)
		rc = 0;
	if (f != NULL && fclose(f) != 0)
		rc = 1;
	buf_free(&b);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char rule_json[] = "{\"app_id\":\"/bench/web\","
	    "\"min_instances\":2,\"max_instances\":200,\"mode\":\"target\","
	    "\"cpu\":{\"target\":50},\"mem\":{\"target\":80}}";
	struct backtest_options o = { .scale_delay_s = 30 };
	struct backtest_trace tr;
	struct backtest_result res;
	struct rules_error re;
	struct rusage ru;
	struct rule r;
	char err[256];
	int64_t t0, t1;

	if (argc == 3 && strcmp(argv[1], "svg") == 0)
		return example_svg(argv[2]);
	if (argc == 4 && strcmp(argv[1], "lp") == 0) {
		int64_t from;

		if (parse_i64(argv[2], &from) != 0)
			return 2;
		return write_lp(from, argv[3]);
	}
	if (rules_from_json(rule_json, sizeof(rule_json) - 1, NULL, &r,
	    &re) != 0 || backtest_trace_init(&tr, FROM0, FROM0 +
	    (int64_t)STEPS * STEP, STEP, BACKTEST_MAX_POINTS_DEFAULT, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "bench backtest: set-up failed\n");
		return 1;
	}
	t0 = now_mono_ns();
	if (fill(&tr, STEPS, STEP, TASKS) != 0)
		return 1;
	t1 = now_mono_ns();
	if (backtest_run(&r, &tr, &o, &res, err, sizeof(err)) != BACKTEST_OK) {
		fprintf(stderr, "bench backtest: %s\n", err);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("scaler backtest replay steps=%d step_s=%d tasks=%d "
	    "replay_s=%.3f trace_build_s=%.3f peak_rss_mb=%.1f scale_ups=%d "
	    "scale_downs=%d (goal: replay_s <= 2, peak_rss_mb <= 200)\n",
	    STEPS, STEP, TASKS, (double)(now_mono_ns() - t1) / 1e9,
	    (double)(t1 - t0) / 1e9, (double)ru.ru_maxrss / 1024.0,
	    res.sum.scale_ups, res.sum.scale_downs);
	backtest_result_free(&res);
	backtest_trace_free(&tr);
	return 0;
}
