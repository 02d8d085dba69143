/*
 * test_sink_influxdb.c — the InfluxDB 1.x and 2.x sinks against a stand-in
 * server on 127.0.0.1 (tests/lib/standin_http.h): the exact request bytes,
 * gzip bodies, 413 halving, Retry-After, partial writes, rejected batches,
 * and the spool taking over while the server fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "common/conf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "sinks/sink.h"
#include "tests/lib/standin_http.h"

static const char two_points[] =
    "airSensors,sensor_id=TLM0201 temperature=73.97038159354763,"
    "humidity=35.23103248356096,co=0.48445310567793615 1630424257000000000\n"
    "airSensors,sensor_id=TLM0202 temperature=75.30007505999716,"
    "humidity=35.651929918691714,co=0.5141876544505826 1630424257000000000\n";

struct fx {
	char                tmp[64];
	struct sink_options o;
	struct standin      sv;
	int                 sv_started;
	struct sink        *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	str_copy_trunc(f->tmp, "/tmp/hoist-sinktest-XXXXXX", sizeof(f->tmp));
	if (mkdtemp(f->tmp) == NULL)
		return -1;
	if (conf_defaults(sink_conf_opts, sink_conf_nopts, &f->o, err,
	    sizeof(err)) != 0)
		return -1;
	f->o.gzip = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sink_close(f->s);
	if (f->sv_started)
		standin_stop(&f->sv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->tmp);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
start(struct fx *f, standin_fn fn)
{
	assert_int_equal(standin_start(&f->sv, fn, f, 1), 0);
	f->sv_started = 1;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	/* Credential files must be private (common/secret.h). */
	assert_int_equal(chmod(path, 0600), 0);
}

static void __attribute__((format(printf, 2, 3)))
open_sink(struct fx *f, const char *fmt, ...)
{
	char spec[512], err[256] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spec, sizeof(spec), fmt, ap);
	va_end(ap);
	f->s = sink_open(spec, &f->o, err, sizeof(err));
	if (f->s == NULL)
		fail_msg("sink_open %s: %s", spec, err);
}

static void
wait_requests(struct fx *f, int n, int timeout_ms)
{
	int i;

	for (i = 0; i < timeout_ms / 10 && standin_count(&f->sv) < n; i++)
		usleep(10000);
}

static void
reply_204(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)n; (void)r;
	out->status = 204;
}

/* InfluxDB 2.x: the whole request, byte for byte. */
static void
test_v2_exact(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	char path[128], want[1024];

	start(f, reply_204);
	snprintf(path, sizeof(path), "%s/token", f->tmp);
	write_file(path, "s3cr3t-T0ken==\n");
	str_copy_trunc(f->o.influxdb2_token_file, path, CONF_STR_MAX);
	open_sink(f, "influxdb2:http://127.0.0.1:%d/my-org/my bucket", f->sv.port);
	assert_int_equal(sink_write(f->s, two_points, strlen(two_points)), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	assert_int_equal(standin_count(&f->sv), 1);
	snprintf(want, sizeof(want),
	    "POST /api/v2/write?org=my-org&bucket=my%%20bucket&precision=ns "
	    "HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Accept: */*\r\n"
	    "Authorization: Token s3cr3t-T0ken==\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", f->sv.port, strlen(two_points));
	assert_string_equal(f->sv.reqs[0].head, want);
	assert_int_equal(f->sv.reqs[0].body_len, strlen(two_points));
	assert_memory_equal(f->sv.reqs[0].body, two_points,
	    strlen(two_points));
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 2);
	assert_int_equal(st.points_dropped, 0);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.outcomes[SINK_OUT_OK], 1);
	assert_int_equal(st.bytes_written, strlen(two_points));
}

/* InfluxDB 1.x: CREATE DATABASE first, then the write with basic auth. */
static void
test_v1_exact(void **state)
{
	struct fx *f = *state;
	char path[128], want[1024];
	const char *body = "q=CREATE%20DATABASE%20%22hoist%22";

	start(f, reply_204);
	snprintf(path, sizeof(path), "%s/pw", f->tmp);
	write_file(path, "pa:ss\n");
	str_copy_trunc(f->o.influxdb_password_file, path, CONF_STR_MAX);
	str_copy_trunc(f->o.influxdb_user, "writer", CONF_STR_MAX);
	str_copy_trunc(f->o.influxdb_rp, "two weeks", CONF_STR_MAX);
	f->o.influxdb_create_db = 1;
	open_sink(f, "influxdb:http://127.0.0.1:%d/hoist", f->sv.port);
	assert_int_equal(sink_write(f->s, two_points, strlen(two_points)), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	assert_int_equal(standin_count(&f->sv), 2);
	/* base64("writer:pa:ss") = d3JpdGVyOnBhOnNz */
	snprintf(want, sizeof(want),
	    "POST /query HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Authorization: Basic d3JpdGVyOnBhOnNz\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", f->sv.port, strlen(body));
	assert_string_equal(f->sv.reqs[0].head, want);
	assert_string_equal(f->sv.reqs[0].body, body);
	snprintf(want, sizeof(want),
	    "POST /write?db=hoist&rp=two%%20weeks&precision=ns HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Authorization: Basic d3JpdGVyOnBhOnNz\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", f->sv.port, strlen(two_points));
	assert_string_equal(f->sv.reqs[1].head, want);
	assert_memory_equal(f->sv.reqs[1].body, two_points,
	    strlen(two_points));
}

static void
test_open_errors(void **state)
{
	struct fx *f = *state;
	char err[256], path[128];

	assert_null(sink_open("influxdb2:http://127.0.0.1:1/org/b", &f->o,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "influxdb2_token_file"));
	snprintf(path, sizeof(path), "%s/token", f->tmp);
	write_file(path, "tok\n");
	str_copy_trunc(f->o.influxdb2_token_file, path, CONF_STR_MAX);
	assert_null(sink_open("influxdb2:http://127.0.0.1:1/orgonly", &f->o,
	    err, sizeof(err)));
	assert_null(sink_open("influxdb:http://127.0.0.1:1/", &f->o, err,
	    sizeof(err)));
	assert_null(sink_open("influxdb:http://127.0.0.1:1/a/b", &f->o, err,
	    sizeof(err)));
	str_copy_trunc(f->o.influxdb_precision, "s", CONF_STR_MAX);
	assert_null(sink_open("influxdb:http://127.0.0.1:1/db", &f->o, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "precision"));
	str_copy_trunc(f->o.influxdb_precision, "ns", CONF_STR_MAX);
	str_copy_trunc(f->o.influxdb_password_file, "/nonexistent/pw",
	    CONF_STR_MAX);
	str_copy_trunc(f->o.influxdb_user, "u", CONF_STR_MAX);
	assert_null(sink_open("influxdb:http://127.0.0.1:1/db", &f->o, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/pw"));
}

static int
inflate_all(const char *in, size_t len, char *out, size_t outlen,
    size_t *got)
{
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)outlen;
	r = inflate(&z, Z_FINISH);
	*got = z.total_out;
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

static void
test_gzip_body(void **state)
{
	struct fx *f = *state;
	struct buf lines;
	char *back;
	size_t got;
	int i;

	start(f, reply_204);
	buf_init(&lines, 1 << 20);
	for (i = 0; i < 500; i++)
		assert_int_equal(buf_printf(&lines, "m,host=a,ct=c%d v=%di "
		    "%lld\n", i % 10, i, 1700000000000000000LL + i), 0);
	f->o.gzip = 1;
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, lines.data, lines.len), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	assert_int_equal(standin_count(&f->sv), 1);
	assert_non_null(strstr(f->sv.reqs[0].head,
	    "\r\nContent-Encoding: gzip\r\n"));
	assert_true(f->sv.reqs[0].body_len < lines.len / 4);
	back = malloc(lines.len + 16);
	assert_int_equal(inflate_all(f->sv.reqs[0].body, f->sv.reqs[0].body_len,
	    back, lines.len + 16, &got), 0);
	assert_int_equal(got, lines.len);
	assert_memory_equal(back, lines.data, lines.len);
	free(back);
	buf_free(&lines);
}

/* 413 for any body of more than two lines. */
static void
reply_413_over_2(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)n;
	out->status = sink_count_lines(r->body, r->body_len) > 2 ? 413 : 204;
	if (out->status == 413)
		str_copy_trunc(out->body,
		    "{\"error\":\"Request Entity Too Large\"}",
		    sizeof(out->body));
}

static void
test_413_halving(void **state)
{
	struct fx *f = *state;
	static const char lines[] = "m v=1i 1\nm v=2i 2\nm v=3i 3\nm v=4i 4\n"
	    "m v=5i 5\nm v=6i 6\nm v=7i 7\nm v=8i 8\n";
	/* 8 (413) -> 4 (413) -> 2, 2 -> 4 (413) -> 2, 2 */
	static const int want_lines[] = { 8, 4, 2, 2, 4, 2, 2 };
	struct sink_stats st;
	struct buf got;
	int i;

	start(f, reply_413_over_2);
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, lines, strlen(lines)), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	assert_int_equal(standin_count(&f->sv), 7);
	buf_init(&got, 4096);
	for (i = 0; i < 7; i++) {
		assert_int_equal(sink_count_lines(f->sv.reqs[i].body,
		    f->sv.reqs[i].body_len), want_lines[i]);
		if (want_lines[i] == 2)
			buf_append(&got, f->sv.reqs[i].body,
			    f->sv.reqs[i].body_len);
	}
	/* Every line accepted exactly once, in order. */
	assert_string_equal(got.data, lines);
	buf_free(&got);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 8);
	assert_int_equal(st.points_dropped, 0);
	assert_int_equal(st.outcomes[SINK_OUT_TOO_LARGE], 3);
	assert_int_equal(st.outcomes[SINK_OUT_OK], 4);
}

static void
reply_413(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)n; (void)r;
	out->status = 413;
}

/* A single line the server still refuses is dropped and counted. */
static void
test_413_single_line(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;

	start(f, reply_413);
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "a v=1i 1\nb v=2i 2\n", 18), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	assert_int_equal(standin_count(&f->sv), 3);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 0);
	assert_int_equal(st.points_dropped, 2);
	assert_int_equal(st.retries, 0);
}

static struct timespec retry_times[4];

static void
reply_429_then_ok(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)r;
	if (n < 4)
		clock_gettime(CLOCK_MONOTONIC, &retry_times[n]);
	if (n == 0) {
		out->status = 429;
		str_copy_trunc(out->headers, "Retry-After: 2\r\n",
		    sizeof(out->headers));
	} else
		out->status = 204;
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Retry-After: 2 is honoured (the backoff alone would be 0.25-0.5 s). */
static void
test_retry_after(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	double d;

	start(f, reply_429_then_ok);
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "m v=1i 1\n", 9), 0);
	wait_requests(f, 2, 5000);
	assert_int_equal(standin_count(&f->sv), 2);
	d = elapsed(&retry_times[0], &retry_times[1]);
	if (d < 1.9 || d > 3.5)
		fail_msg("retry came after %.2f s, want ~2 s", d);
	assert_int_equal(sink_flush(f->s, 2000), 0);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.outcomes[SINK_OUT_THROTTLED], 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.points_written, 1);
	assert_string_equal(f->sv.reqs[1].body, "m v=1i 1\n");
}

static void
reply_partial(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)n; (void)r;
	out->status = 400;
	str_copy_trunc(out->body,
	    "{\"error\":\"partial write: invalid field name: "
	    "input field \\\"time\\\" on measurement \\\"mymeas\\\" is invalid "
	    "dropped=1\"}", sizeof(out->body));
}

static void
reply_bad(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)n; (void)r;
	out->status = 400;
	str_copy_trunc(out->body, "{\"error\":\"unable to parse 'x': bad "
	    "timestamp\"}", sizeof(out->body));
}

/* Partial write: no resend, one point dropped, the others written; a
 * plain 400: the batch is dropped, no resend. */
static void
test_partial_and_rejected(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;

	start(f, reply_partial);
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "m v=1i 1\nm time=2i 2\nm v=3i 3\n",
	    30), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	usleep(300000);
	assert_int_equal(standin_count(&f->sv), 1);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 2);
	assert_int_equal(st.points_dropped, 1);
	assert_int_equal(st.outcomes[SINK_OUT_PARTIAL], 1);
	sink_close(f->s);
	f->s = NULL;
	standin_stop(&f->sv);
	f->sv_started = 0;

	start(f, reply_bad);
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "m v=1i 1\nm v=2i x\n", 18), 0);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	usleep(300000);
	assert_int_equal(standin_count(&f->sv), 1);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 0);
	assert_int_equal(st.points_dropped, 2);
	assert_int_equal(st.outcomes[SINK_OUT_REJECTED], 1);
	assert_int_equal(st.retries, 0);
}

/* 401 twice (an operator fixing the token), then 204: nothing lost, the
 * failed batches went through the spool and came back in order. */
static void
reply_401_twice(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	(void)sv; (void)r;
	out->status = n < 2 ? 401 : 204;
	if (n < 2)
		str_copy_trunc(out->body,
		    "{\"error\":\"authorization failed\"}",
		    sizeof(out->body));
}

static void
test_outage_spool(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	struct buf got;
	int i;

	start(f, reply_401_twice);
	snprintf(f->o.spool_dir, CONF_STR_MAX, "%s/spool", f->tmp);
	f->o.flush_interval_ms = 50;
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "m v=1i 1\n", 9), 0);
	wait_requests(f, 1, 2000);
	/* While it backs off, more lines come: they go to the spool. */
	assert_int_equal(sink_write(f->s, "m v=2i 2\n", 9), 0);
	assert_int_equal(sink_write(f->s, "m v=3i 3\n", 9), 0);
	wait_requests(f, 4, 8000);
	/* Up to 10 s for the replay to be counted (valgrind on a loaded
	 * machine is slow; the event, not the time, is what is tested). */
	for (i = 0; i < 500; i++) {
		sink_get_stats(f->s, &st);
		if (st.points_written == 3)
			break;
		usleep(20000);
	}
	assert_int_equal(st.points_written, 3);
	assert_int_equal(st.points_dropped, 0);
	assert_true(st.points_spooled >= 3);
	assert_int_equal(st.points_replayed, st.points_spooled);
	assert_int_equal(st.outcomes[SINK_OUT_CONFIG], 2);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.spool_bytes, 0);
	buf_init(&got, 4096);
	for (i = 0; i < f->sv.nreqs; i++)
		if (i >= 2)
			buf_append(&got, f->sv.reqs[i].body,
			    f->sv.reqs[i].body_len);
	assert_string_equal(got.data, "m v=1i 1\nm v=2i 2\nm v=3i 3\n");
	buf_free(&got);
}

/* Nothing listening: sink_close() spools the queue, a new sink replays
 * it once the server is there. */
static void
test_close_spools_then_replays(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	char spec[128], err[256];
	int i;

	snprintf(f->o.spool_dir, CONF_STR_MAX, "%s/spool", f->tmp);
	f->o.flush_interval_ms = 10000;
	start(f, reply_204);
	snprintf(spec, sizeof(spec), "influxdb:http://127.0.0.1:%d/db",
	    f->sv.port);
	f->s = sink_open(spec, &f->o, err, sizeof(err));
	assert_non_null(f->s);
	assert_int_equal(sink_write(f->s, "m v=1i 1\nm v=2i 2\n", 18), 0);
	/* The interval is long, so nothing was sent yet: close spools. */
	sink_close(f->s);
	f->s = NULL;
	assert_int_equal(standin_count(&f->sv), 0);
	f->o.flush_interval_ms = 50;
	f->s = sink_open(spec, &f->o, err, sizeof(err));
	assert_non_null(f->s);
	wait_requests(f, 1, 3000);
	for (i = 0; i < 100; i++) {
		sink_get_stats(f->s, &st);
		if (st.points_replayed == 2)
			break;
		usleep(20000);
	}
	assert_int_equal(st.points_replayed, 2);
	assert_int_equal(st.points_written, 2);
	assert_string_equal(f->sv.reqs[0].body, "m v=1i 1\nm v=2i 2\n");
}

/* No spool, no server: flush gives up in time and says so. */
static void
test_no_spool_drop_counted(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	char err[256];

	f->o.http_timeout_ms = 500;
	f->s = sink_open("influxdb:http://127.0.0.1:1/db", &f->o, err,
	    sizeof(err));
	assert_non_null(f->s);
	assert_int_equal(sink_write(f->s, "m v=1i 1\n", 9), 0);
	/* The batch is held in memory for the next attempt: not flushed. */
	assert_int_equal(sink_flush(f->s, 300), -1);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, 0);
	assert_true(st.outcomes[SINK_OUT_NETWORK] >= 1);
	assert_true(st.retries >= 1);
	assert_int_equal(st.points_dropped, 0);
}

/*
 * The first request is held unanswered until the test opens the gate (or,
 * so that a broken sink cannot hang the run, until 30 s have passed); the
 * test reads slow_answered to know whether the reply has gone out yet.
 */
static atomic_int slow_gate_open;
static atomic_int slow_answered;

static void
reply_slow(struct standin *sv, int n, const struct standin_req *r,
    struct standin_reply *out)
{
	int64_t until = now_mono_ns() + 30 * 1000000000LL;

	(void)sv; (void)r;
	if (n == 0) {
		while (!atomic_load(&slow_gate_open) && now_mono_ns() < until)
			usleep(1000);
		atomic_store(&slow_answered, 1);
	}
	out->status = 204;
}

/*
 * A server that does not answer does not slow sink_write() (the sweep):
 * 200 writes all return while the first request is still unanswered --
 * an event, not a time, so the check holds under valgrind and on a loaded
 * machine, and fails whenever a write waits for the network (the writes
 * would then end only after the reply, 30 s later).  Past
 * queue_max_bytes new lines are refused and counted as dropped.
 */
static void
test_write_never_blocks(void **state)
{
	struct fx *f = *state;
	struct sink_stats st;
	char line[64];
	int i, refused = 0;

	atomic_store(&slow_gate_open, 0);
	atomic_store(&slow_answered, 0);
	start(f, reply_slow);
	f->o.flush_interval_ms = 10;
	f->o.queue_max_bytes = 2000;
	open_sink(f, "influxdb:http://127.0.0.1:%d/db", f->sv.port);
	assert_int_equal(sink_write(f->s, "m v=0i 0\n", 9), 0);
	wait_requests(f, 1, 2000);
	assert_int_equal(standin_count(&f->sv), 1);
	for (i = 1; i <= 200; i++) {
		snprintf(line, sizeof(line), "m v=%di %d\n", i, i);
		if (sink_write(f->s, line, strlen(line)) != 0)
			refused++;
	}
	if (atomic_load(&slow_answered))
		fail_msg("200 writes returned only after the server answered: "
		    "sink_write() waits for the network");
	assert_int_equal(standin_count(&f->sv), 1);
	atomic_store(&slow_gate_open, 1);
	sink_get_stats(f->s, &st);
	assert_true(refused > 0);
	assert_int_equal(st.points_dropped, (uint64_t)refused);
	assert_true(st.queue_bytes <= 2000);
	assert_int_equal(sink_flush(f->s, 5000), 0);
	sink_get_stats(f->s, &st);
	assert_int_equal(st.points_written, (uint64_t)(201 - refused));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gzip_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_413_halving, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_413_single_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_after, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_partial_and_rejected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_spool, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_spools_then_replays,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_spool_drop_counted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_never_blocks,
		    setup, teardown),
	};
	int rc;

	log_init("test_sink_influxdb", 0);
	http_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_cleanup();
	return rc;
}
