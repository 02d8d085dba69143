/*
 * test_sink_status.c — the reply decision table against the real InfluxDB
 * reply bodies in tests/fixtures/influxdb, the backoff, and the
 * pure helpers the InfluxDB sinks share (URLs, batches, gzip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/util.h"
#include "sinks/sink_http.h"
#include "sinks/sink_status.h"
#include "tests/lib/fixture.h"

/* tests/fixtures/influxdb/<name>; the caller frees. */
static char *
fixture(const char *name, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "influxdb/%s", name);
	return fixture_read(rel, len);
}

struct status_case {
	const char       *file;
	long              status;
	enum sink_outcome outcome;
	enum sink_action  action;
	int64_t           dropped, written;
	const char       *message_has;
};

/* Every write_v1_* and write_v2_* reply, with the status the docs give. */
static const struct status_case status_cases[] = {
	{ "write_v1_400_bad_timestamp.json", 400, SINK_OUT_REJECTED,
	  SINK_ACT_DROP, -1, -1, "bad timestamp" },
	{ "write_v1_400_field_type_conflict.json", 400, SINK_OUT_REJECTED,
	  SINK_ACT_DROP, -1, -1, "field type conflict" },
	{ "write_v1_400_partial_write_doc.json", 400, SINK_OUT_PARTIAL,
	  SINK_ACT_DONE, 1, -1, "partial write: invalid field name" },
	{ "write_v1_401_authorization_failed.json", 401, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "authorization failed" },
	{ "write_v1_404_database_not_found.json", 404, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "database not found: \"mydb1\"" },
	{ "write_v1_413_too_large.json", 413, SINK_OUT_TOO_LARGE,
	  SINK_ACT_SPLIT, -1, -1, "Request Entity Too Large" },
	{ "write_v1_500_rp_not_found.json", 500, SINK_OUT_SERVER,
	  SINK_ACT_RETRY, -1, -1, "retention policy not found: myrp" },
	{ "write_v2_400_cloud_schema_partial_write.json", 400,
	  SINK_OUT_PARTIAL, SINK_ACT_DONE, -1, 2, "partial write error" },
	{ "write_v2_400_org_not_found.json", 400, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "organization not found" },
	{ "write_v2_401_unauthorized.json", 401, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "unauthorized access" },
	{ "write_v2_404_bucket-not-found.json", 404, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "bucket \"air_sensor\" not found" },
	{ "write_v2_404_org-not-found.json", 404, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "organization name \"my-org\" not found" },
	{ "write_v2_404_orgID-not-found.json", 404, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, -1, "organization not found" },
	{ "write_v2_413_oss.json", 413, SINK_OUT_TOO_LARGE, SINK_ACT_SPLIT,
	  -1, -1, "points batch is too large" },
};

static void
test_fixtures(void **state)
{
	struct sink_verdict v;
	size_t i, len;
	char *body;

	(void)state;
	for (i = 0; i < ARRAY_LEN(status_cases); i++) {
		const struct status_case *c = &status_cases[i];
		body = fixture(c->file, &len);
		sink_status_decide(HTTP_OK, c->status, body, len, -1, NULL, &v);
		if (v.outcome != c->outcome || v.action != c->action ||
		    v.dropped != c->dropped || v.written != c->written ||
		    strstr(v.message, c->message_has) == NULL)
			fail_msg("%s: got %s/%d dropped=%lld written=%lld "
			    "message '%s'", c->file,
			    sink_outcome_name(v.outcome), (int)v.action,
			    (long long)v.dropped, (long long)v.written,
			    v.message);
		assert_int_equal(v.retry_after_ms, -1);
		free(body);
	}
}

/* The 2.x doc gives only the message of a 422 rejected-points reply;
 * the body is {"code":"unprocessable entity","message":...}. */
static void
test_v2_422_partial(void **state)
{
	struct sink_verdict v;
	cJSON *o = cJSON_CreateObject();
	char *msg, *body;
	size_t len;

	(void)state;
	msg = fixture("write_v2_422_partial_write_message_doc.txt", &len);
	str_rtrim(msg);
	cJSON_AddStringToObject(o, "code", "unprocessable entity");
	cJSON_AddStringToObject(o, "message", msg);
	body = cJSON_PrintUnformatted(o);
	sink_status_decide(HTTP_OK, 422, body, strlen(body), -1, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_PARTIAL);
	assert_int_equal(v.action, SINK_ACT_DONE);
	assert_int_equal(v.dropped, 4);
	assert_non_null(strstr(v.message, "failure writing points"));
	/* A 422 without "partial write" is a plain rejection. */
	sink_status_decide(HTTP_OK, 422, "{\"code\":\"unprocessable entity\","
	    "\"message\":\"nope\"}", 47, -1, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_REJECTED);
	assert_int_equal(v.action, SINK_ACT_DROP);
	cJSON_free(body);
	cJSON_Delete(o);
	free(msg);
}

struct plain_case {
	enum http_result  res;
	long              status;
	const char       *body;
	long              retry_after_s;
	enum sink_outcome outcome;
	enum sink_action  action;
	int64_t           retry_after_ms;
	const char       *message;
};

static const struct plain_case plain_cases[] = {
	{ HTTP_OK, 204, "", -1, SINK_OUT_OK, SINK_ACT_DONE, -1, "" },
	{ HTTP_OK, 200, "{}", -1, SINK_OUT_OK, SINK_ACT_DONE, -1, "{}" },
	{ HTTP_OK, 403, "{\"error\":\"forbidden\"}", -1, SINK_OUT_CONFIG,
	  SINK_ACT_RETRY, -1, "forbidden" },
	{ HTTP_OK, 429, "", 7, SINK_OUT_THROTTLED, SINK_ACT_RETRY, 7000, "" },
	{ HTTP_OK, 429, "", -1, SINK_OUT_THROTTLED, SINK_ACT_RETRY, -1, "" },
	{ HTTP_OK, 503, "<html>\nbusy</html>", 2, SINK_OUT_THROTTLED,
	  SINK_ACT_RETRY, 2000, "<html> busy</html>" },
	{ HTTP_OK, 503, "", -1, SINK_OUT_THROTTLED, SINK_ACT_RETRY, -1, "" },
	{ HTTP_OK, 502, "bad gateway", 5, SINK_OUT_SERVER, SINK_ACT_RETRY, -1,
	  "bad gateway" },
	{ HTTP_OK, 500, "{\"error\":\"timeout\"}", -1, SINK_OUT_SERVER,
	  SINK_ACT_RETRY, -1, "timeout" },
	{ HTTP_OK, 301, "", -1, SINK_OUT_SERVER, SINK_ACT_RETRY, -1, "" },
	{ HTTP_OK, 405, "", -1, SINK_OUT_REJECTED, SINK_ACT_DROP, -1, "" },
	{ HTTP_E_CONNECT, 0, NULL, -1, SINK_OUT_NETWORK, SINK_ACT_RETRY, -1,
	  "cannot connect" },
	{ HTTP_E_TIMEOUT, 0, NULL, -1, SINK_OUT_NETWORK, SINK_ACT_RETRY, -1,
	  "timed out" },
};

static void
test_plain(void **state)
{
	struct sink_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(plain_cases); i++) {
		const struct plain_case *c = &plain_cases[i];
		sink_status_decide(c->res, c->status, c->body,
		    c->body ? strlen(c->body) : 0, c->retry_after_s, NULL, &v);
		if (v.outcome != c->outcome || v.action != c->action ||
		    v.retry_after_ms != c->retry_after_ms ||
		    strcmp(v.message, c->message) != 0)
			fail_msg("case %zu (status %ld): got %s/%d ra=%lld "
			    "'%s'", i, c->status, sink_outcome_name(v.outcome),
			    (int)v.action, (long long)v.retry_after_ms,
			    v.message);
	}
	/* libcurl's words win over the generic string. */
	sink_status_decide(HTTP_E_CONNECT, 0, NULL, 0, -1,
	    "Failed to connect to 127.0.0.1 port 1", &v);
	assert_string_equal(v.message, "Failed to connect to 127.0.0.1 port 1");
	assert_string_equal(sink_outcome_name(SINK_OUT_COUNT), "unknown");
	assert_string_equal(sink_outcome_name(SINK_OUT_TOO_LARGE), "too_large");
}

/* Replies no InfluxDB sends but a proxy or a broken server might. */
static void
test_hostile(void **state)
{
	struct sink_verdict v;
	char big[20000];
	const char *nt = "{\"error\":\"partial write: x dropped=3\"}"
	    "dropped=9";

	(void)state;
	/* Only `len` bytes are read: the trailing "dropped=9" is not. */
	sink_status_decide(HTTP_OK, 400, nt, strlen(nt) - 9, -1, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_PARTIAL);
	assert_int_equal(v.dropped, 3);
	/* A huge count saturates instead of overflowing. */
	sink_status_decide(HTTP_OK, 400, "partial write dropped="
	    "99999999999999999999999999", 48, -1, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_PARTIAL);
	assert_true(v.dropped > 0);
	/* "(N written)" with no '(' before the digits is not a count. */
	sink_status_decide(HTTP_OK, 400, "partial write error 2 written)",
	    30, -1, NULL, &v);
	assert_int_equal(v.written, -1);
	/* An embedded NUL ends the message. */
	sink_status_decide(HTTP_OK, 400, "abc\0partial write", 17, -1, NULL,
	    &v);
	assert_int_equal(v.outcome, SINK_OUT_REJECTED);
	assert_string_equal(v.message, "abc");
	/* A long body is cut to one log line without control characters. */
	memset(big, 'a', sizeof(big));
	big[10] = '\n';
	big[11] = '\t';
	sink_status_decide(HTTP_OK, 500, big, sizeof(big), -1, NULL, &v);
	assert_int_equal(strlen(v.message), SINK_VERDICT_MSG_MAX - 1);
	assert_null(strchr(v.message, '\n'));
	assert_null(strchr(v.message, '\t'));
	/* JSON whose error is not a string: the raw body is the message. */
	sink_status_decide(HTTP_OK, 401, "{\"error\":42}", 12, -1, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_CONFIG);
	assert_string_equal(v.message, "{\"error\":42}");
	/* A NULL body with a status. */
	sink_status_decide(HTTP_OK, 204, NULL, 0, 5, NULL, &v);
	assert_int_equal(v.outcome, SINK_OUT_OK);
	assert_int_equal(v.retry_after_ms, -1);
}

static void
test_backoff(void **state)
{
	/* attempt -> the range [d/2, d] */
	static const struct { unsigned attempt; int64_t lo, hi; } c[] = {
		{ 1, 250, 500 }, { 2, 500, 1000 }, { 3, 1000, 2000 },
		{ 6, 8000, 16000 }, { 7, 15000, 30000 }, { 8, 15000, 30000 },
		{ 100, 15000, 30000 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(c); i++) {
		assert_int_equal(sink_backoff_ms(c[i].attempt, 0), c[i].lo);
		assert_int_equal(sink_backoff_ms(c[i].attempt,
		    (uint32_t)(c[i].hi - c[i].lo)), c[i].hi);
		assert_in_range(sink_backoff_ms(c[i].attempt, 0xdeadbeefu),
		    c[i].lo, c[i].hi);
	}
}

static void
test_batch_split(void **state)
{
	static const struct { const char *in; size_t cut; } c[] = {
		{ "a\nb\n", 2 },
		{ "aaaa\nb\nc\nd\n", 5 },
		{ "aaaa\nbb\nc\nd\n", 8 },
		{ "a\nbbbbbbbbbbbb\n", 2 },
		{ "aaaaaaaaaaaa\nb\n", 13 },
		{ "a\nb\nc\nd\n", 4 },
		{ "only one line\n", 14 },
		{ "x", 1 },
	};
	uint64_t n;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(c); i++)
		if (sink_batch_split(c[i].in, strlen(c[i].in)) != c[i].cut)
			fail_msg("split '%s': got %zu want %zu", c[i].in,
			    sink_batch_split(c[i].in, strlen(c[i].in)),
			    c[i].cut);
	assert_int_equal(sink_batch_take("a\nb\nc\n", 6, 2, &n), 4);
	assert_int_equal(n, 2);
	assert_int_equal(sink_batch_take("a\nb\nc\n", 6, 5, &n), 6);
	assert_int_equal(n, 3);
	assert_int_equal(sink_batch_take("a\nb\nc\n", 6, 3, &n), 6);
	assert_int_equal(n, 3);
}

static void
test_urls(void **state)
{
	char base[256], path[256], err[256], url[256];
	const char *kv[] = { "db", "my db", "rp", "", "precision", "ns", NULL };
	const char *kv2[] = { "rp", "", "db", "a&b=c/é", NULL };

	(void)state;
	assert_int_equal(sink_http_split_url("http://127.0.0.1:8086/hoist",
	    base, sizeof(base), path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(base, "http://127.0.0.1:8086");
	assert_string_equal(path, "hoist");
	assert_int_equal(sink_http_split_url("https://h/org/bucket", base,
	    sizeof(base), path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(base, "https://h");
	assert_string_equal(path, "org/bucket");
	assert_int_equal(sink_http_split_url("ftp://h/x", base, sizeof(base),
	    path, sizeof(path), err, sizeof(err)), -1);
	assert_int_equal(sink_http_split_url("http://u:secret@h/x", base,
	    sizeof(base), path, sizeof(path), err, sizeof(err)), -1);
	assert_null(strstr(err, "secret"));
	assert_int_equal(sink_http_split_url("http:///x", base, sizeof(base),
	    path, sizeof(path), err, sizeof(err)), -1);
	assert_int_equal(sink_http_build_url(url, sizeof(url), "http://h:1",
	    "/write", kv), 0);
	assert_string_equal(url, "http://h:1/write?db=my%20db&precision=ns");
	assert_int_equal(sink_http_build_url(url, sizeof(url), "http://h:1",
	    "/write", kv2), 0);
	assert_string_equal(url, "http://h:1/write?db=a%26b%3Dc%2F%C3%A9");
	assert_int_equal(sink_http_build_url(url, 12, "http://h:1",
	    "/write", kv), -1);
}

static void
test_gzip(void **state)
{
	struct buf in, out;
	char *back;
	uLongf backlen;
	z_stream z;
	int i;

	(void)state;
	buf_init(&in, 1 << 20);
	buf_init(&out, 1 << 20);
	for (i = 0; i < 2000; i++)
		assert_int_equal(buf_printf(&in, "cpu,host=h%d usage=%d.5 "
		    "16000000000%08d\n", i % 7, i, i), 0);
	assert_int_equal(sink_gzip(in.data, in.len, &out), 0);
	/* RFC 1952 magic, deflate, and much smaller. */
	assert_int_equal((unsigned char)out.data[0], 0x1f);
	assert_int_equal((unsigned char)out.data[1], 0x8b);
	assert_int_equal(out.data[2], 8);
	assert_true(out.len < in.len / 4);
	back = malloc(in.len + 1);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)out.data;
	z.avail_in = (uInt)out.len;
	z.next_out = (Bytef *)back;
	z.avail_out = (uInt)in.len + 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	backlen = z.total_out;
	inflateEnd(&z);
	assert_int_equal(backlen, in.len);
	assert_memory_equal(back, in.data, in.len);
	/* An empty body is a valid gzip stream too. */
	assert_int_equal(sink_gzip("", 0, &out), 0);
	assert_true(out.len >= 18);
	free(back);
	buf_free(&in);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_v2_422_partial),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_batch_split),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
