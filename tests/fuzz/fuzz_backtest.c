/*
 * fuzz_backtest.c — libFuzzer harness for the InfluxDB 1.x /query reply a
 * backtest reads its trace from (backtest_decode_influx(),
 * scaler/backtest_influx.c), then the replay over whatever it stored.
 *
 * Also the REST body of POST /v1/rules/{id}/backtest
 * (backtest_request_from_json()) and a time as --from/--to take it
 * (backtest_parse_time()): what they accept is in range.
 *
 * Input: the reply body, decoded into a 60-step trace at 10 s steps.
 * Checked: every stored figure is a number from 0 to POLICY_PCT_MAX and
 * lies inside its task's life; the trace's count of figures is right
 * (a bucket given twice is stored once); the replay of a threshold rule over the trace either
 * reports no data or produces one simulated count per step inside
 * [min, max] once scaled, with every timeline entry a scale.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "scaler/backtest.h"
#include "tests/fuzz/fuzzlib.h"

#define FROM 1700000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_trace(const struct backtest_trace *tr, int got)
{
	size_t k, i, n = 0;
	int m;

	for (k = 0; k < tr->ntasks; k++) {
		const struct backtest_task *t = &tr->tasks[k];

		if (t->n > 0 && t->first + t->n > tr->nsteps)
			abort();
		for (m = 0; m < 2; m++)
			for (i = 0; i < t->n; i++) {
				float f = t->fig[m][i];

				if (isnan(f))
					continue;
				if (!(f >= 0 && f <= POLICY_PCT_MAX))
					abort();
				n++;
			}
	}
	/* got counts values taken, a bucket given twice included. */
	if (n != tr->figures || (got >= 0 && (size_t)got < n))
		abort();
}

static void
replay(const struct backtest_trace *tr)
{
	static const char rule[] = "{\"app_id\":\"/a\",\"min_instances\":1,"
	    "\"max_instances\":6,\"cpu\":{\"above\":80,\"below\":20},"
	    "\"mem\":{\"above\":80,\"below\":20},\"confirm_cycles\":1,"
	    "\"warmup_s\":0}";
	struct backtest_options o = { .scale_delay_s = 10 };
	struct backtest_result res;
	struct rules_error re;
	struct rule r;
	char err[256];
	size_t i;

	if (rules_from_json(rule, sizeof(rule) - 1, NULL, &r, &re) != 0)
		abort();
	if (backtest_run(&r, tr, &o, &res, err, sizeof(err)) != BACKTEST_OK)
		return;
	for (i = 0; i < res.nevents; i++) {
		const struct policy_decision *d = &res.events[i].d;

		if (d->action != POLICY_SCALE || d->desired < 1 ||
		    d->desired > 6)
			abort();
	}
	for (i = 0; i < tr->nsteps; i++)
		if (res.sim[i] < 0 || res.actual[i] < 0)
			abort();
	backtest_result_free(&res);
}

static void
request(const char *text, size_t size)
{
	struct backtest_request rq;
	char err[256], field[80], ts[RFC3339_MAX];
	int64_t t;

	if (backtest_request_from_json(text, size, "/a", FROM, &rq, field,
	    sizeof(field), err, sizeof(err)) == 0) {
		if (rq.from_s <= 0 || rq.to_s <= 0 || rq.step_s < 0 ||
		    rq.step_s > BACKTEST_STEP_MAX || rq.scale_delay_s < 0 ||
		    rq.scale_delay_s > BACKTEST_DELAY_MAX ||
		    (rq.has_rule && strcmp(rq.rule.app_id, "/a") != 0))
			abort();
		/* The outputs print times in ns: must not overflow (UBSan). */
		rfc3339_format(ts, sizeof(ts), rq.from_s * 1000000000, 0);
		rfc3339_format(ts, sizeof(ts), rq.to_s * 1000000000, 0);
	} else if (err[0] == '\0')
		abort();
	if (backtest_parse_time(text, FROM, &t) == 0) {
		if (t <= 0 || t > BACKTEST_TIME_MAX)
			abort();
		rfc3339_format(ts, sizeof(ts), t * 1000000000, 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backtest_trace tr;
	char *text = fuzz_strdup(data, size), err[256];
	int got;

	if (text == NULL)
		return 0;
	if (backtest_trace_init(&tr, FROM, FROM + 600, 10, 1000, err,
	    sizeof(err)) != BACKTEST_OK)
		abort();
	got = backtest_decode_influx(text, size, &tr, err, sizeof(err));
	if (got < -2 || (got < 0 && err[0] == '\0'))
		abort();
	check_trace(&tr, got);
	if (got >= 0)
		replay(&tr);
	request(text, size);
	backtest_trace_free(&tr);
	free(text);
	return 0;
}
