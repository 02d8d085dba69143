/*
 * bench/sink_main.c — points per second the InfluxDB sink formats into
 * requests, gzips and sends, end to end through its queue and thread.
 *
 *     build/bench/sink [-n POINTS] [-g 0|1] INFLUX_URL|- [NULL_URL|-]
 *
 * INFLUX_URL: "http://HOST:PORT/DB" of a running InfluxDB 1.x (the
 * database is created); "-" skips that case.  NULL_URL: an HTTP endpoint
 * that only reads the body ("http://HOST:PORT/DB"); "-" or absent: one is
 * started in this process on 127.0.0.1 (tests/lib/standin_http.h).
 * Prints one line per case:
 *
 *     sink target=influxdb points=200000 gzip=1 seconds=1.234 points_per_s=...
 *     sink target=null points=200000 gzip=1 seconds=0.321 points_per_s=...
 *
 * The clock runs from the first sink_write() to the end of sink_flush(),
 * i.e. until the server acknowledged the last batch.  Exit status 1 when a
 * case did not deliver every point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "sinks/lp.h"
#include "sinks/sink.h"
#include "sinks/sink_http.h"
#include "tests/lib/standin_http.h"

#define SWEEP_POINTS 1000       /* points per sink_write(), like a sweep */

/* Points shaped like the collector's container_cpu lines. */
static int
make_points(struct buf *out, long n)
{
	struct lp p;
	int64_t ts = 1700000000000000000LL;
	char id[65];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%064ld", i % 200);
		lp_begin(&p, out, "container_cpu");
		lp_tag(&p, "container_name", id + 52);
		lp_tag(&p, "host", "bench-host-01");
		lp_tag(&p, "runtime", "docker");
		lp_tag(&p, "cpu", "cpu-total");
		lp_field_i(&p, "usage_total", 689130000 + i);
		lp_field_i(&p, "usage_in_usermode", 617836000 + i);
		lp_field_i(&p, "usage_in_kernelmode", 71294000);
		lp_field_f(&p, "usage_percent", (double)(i % 1000) / 7.0);
		lp_field_s(&p, "container_id", id);
		if (lp_end(&p, ts + (i / 200) * 1000000000LL) != 1)
			return -1;
	}
	return 0;
}

static int
run_case(const char *target, const char *url, const struct buf *points,
    long n, int gzip)
{
	struct sink_options o;
	struct sink_stats st;
	struct sink *s;
	char spec[1200], err[256];
	const char *p = points->data, *end = points->data + points->len;
	int64_t t0, t1;
	int rc = 1;

	if (conf_defaults(sink_conf_opts, sink_conf_nopts, &o, err,
	    sizeof(err)) != 0)
		return 1;
	o.gzip = gzip;
	o.influxdb_create_db = 1;
	o.queue_max_bytes = (int64_t)points->len + 1024;
	o.http_timeout_ms = 30000;
	snprintf(spec, sizeof(spec), "influxdb:%s", url);
	s = sink_open(spec, &o, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "sink %s: %s\n", target, err);
		return 1;
	}
	t0 = now_mono_ns();
	while (p < end) {
		uint64_t k;
		size_t take = sink_batch_take(p, (size_t)(end - p),
		    SWEEP_POINTS, &k);
		if (sink_write(s, p, take) != 0)
			goto out;
		p += take;
	}
	if (sink_flush(s, 120000) != 0)
		goto out;
	t1 = now_mono_ns();
	sink_get_stats(s, &st);
	printf("sink target=%s points=%ld gzip=%d requests=%llu seconds=%.3f "
	    "points_per_s=%.0f\n", target, n, gzip,
	    (unsigned long long)st.requests, (double)(t1 - t0) / 1e9,
	    (double)n / ((double)(t1 - t0) / 1e9));
	fflush(stdout);
	if (st.points_written == (uint64_t)n)
		rc = 0;
	else
		fprintf(stderr, "sink %s: %llu of %ld points written\n", target,
		    (unsigned long long)st.points_written, n);
out:
	sink_close(s);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sink [-n POINTS] [-g 0|1] INFLUX_URL|- "
	    "[NULL_URL|-]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct standin null_srv;
	struct buf points;
	char null_url[128];
	const char *influx, *nurl = NULL;
	uint64_t n = 200000, g = 1;
	int i = 1, rc = 0, started = 0;

	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i += 2)
		if (strcmp(argv[i], "-n") == 0 && parse_u64(argv[i + 1], &n) == 0
		    && n > 0 && n <= 5000000)
			continue;
		else if (strcmp(argv[i], "-g") == 0 &&
		    parse_u64(argv[i + 1], &g) == 0 && g <= 1)
			continue;
		else
			usage();
	if (i >= argc)
		usage();
	influx = argv[i];
	if (i + 1 < argc && strcmp(argv[i + 1], "-") != 0)
		nurl = argv[i + 1];
	log_init("bench-sink", 0);
	http_global_init();
	buf_init(&points, 1u << 30);
	if (make_points(&points, (long)n) != 0) {
		fprintf(stderr, "cannot build the points\n");
		return 1;
	}
	if (strcmp(influx, "-") != 0)
		rc |= run_case("influxdb", influx, &points, (long)n, (int)g);
	if (nurl == NULL) {
		if (standin_start(&null_srv, NULL, NULL, 0) != 0) {
			fprintf(stderr, "cannot start the null endpoint\n");
			return 1;
		}
		started = 1;
		snprintf(null_url, sizeof(null_url),
		    "http://127.0.0.1:%d/null", null_srv.port);
		nurl = null_url;
	}
	rc |= run_case("null", nurl, &points, (long)n, (int)g);
	if (started)
		standin_stop(&null_srv);
	buf_free(&points);
	http_global_cleanup();
	return rc;
}
