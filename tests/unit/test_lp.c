/*
 * test_lp.c — sinks/lp: line-protocol escaping per element, checked the
 * way InfluxDB reads it.  The test carries a small line-protocol reader
 * that follows InfluxDB 1.x's documented rules (models/points.go): an
 * element ends at a separator not preceded by a backslash; measurements
 * unescape "\," and "\ "; tag keys, tag values and field keys also "\=";
 * string fields "\"" and "\\".  The reader is first checked against every
 * case of InfluxDB's own parse tests (tests/fixtures/influxdb/
 * parse_cases_points_test_1x.json), then our builder's output is read
 * back with it.  Then exact bytes: the documentation's special-characters
 * example, number forms, rollbacks.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "asserts.h"

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/util.h"
#include "sinks/lp.h"
#include "tests/lib/fixture.h"
#include "tests/lib/lp_reader.h"

/* ---- helpers ------------------------------------------------------------ */

/* tests/fixtures/influxdb/<rel>; the caller frees. */
static char *
influx_fixture(const char *rel, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "influxdb/%s", rel);
	return fixture_read(path, len);
}

static cJSON *
influx_json(const char *rel)
{
	size_t len;
	char *s = influx_fixture(rel, &len);
	cJSON *j = cJSON_Parse(s);

	free(s);
	assert_non_null(j);
	return j;
}

static const struct lpr_kv *
lpr_find(const struct lpr_kv *kv, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return &kv[i];
	return NULL;
}

/* Does pt hold exactly what the JSON case says InfluxDB decodes? */
static void
check_point(const struct lpr_point *pt, const cJSON *c, const char *what)
{
	const cJSON *tags = cJSON_GetObjectItem(c, "tags");
	const cJSON *fields = cJSON_GetObjectItem(c, "fields");
	const cJSON *ts = cJSON_GetObjectItem(c, "timestamp_ns");
	const cJSON *it;
	const char *meas = cJSON_GetObjectItem(c, "measurement")->valuestring;

	if (strcmp(pt->meas, meas) != 0)
		fail_msg("%s: measurement \"%s\", want \"%s\"", what, pt->meas,
		    meas);
	assert_int_equal(pt->ntags, cJSON_GetArraySize(tags));
	cJSON_ArrayForEach(it, tags) {
		const struct lpr_kv *t = lpr_find(pt->tags, pt->ntags,
		    it->string);
		if (t == NULL || strcmp(t->val, it->valuestring) != 0)
			fail_msg("%s: tag \"%s\" = \"%s\", want \"%s\"", what,
			    it->string, t ? t->val : "(none)",
			    it->valuestring);
	}
	assert_int_equal(pt->nfields, cJSON_GetArraySize(fields));
	cJSON_ArrayForEach(it, fields) {
		const char *type = cJSON_GetObjectItem(it, "type")->valuestring;
		const cJSON *v = cJSON_GetObjectItem(it, "value");
		const struct lpr_kv *f = lpr_find(pt->fields, pt->nfields,
		    it->string);

		if (f == NULL)
			fail_msg("%s: no field \"%s\"", what, it->string);
		if (strcmp(type, "string") == 0) {
			assert_int_equal(f->type, 's');
			if (strcmp(f->val, v->valuestring) != 0)
				fail_msg("%s: field %s = \"%s\", want \"%s\"",
				    what, it->string, f->val, v->valuestring);
		} else if (strcmp(type, "integer") == 0) {
			assert_int_equal(f->type, 'i');
			assert_int_equal(strtoll(f->val, NULL, 10),
			    (long long)v->valuedouble);
		} else if (strcmp(type, "float") == 0) {
			assert_int_equal(f->type, 'f');
			assert_double_equal(strtod(f->val, NULL),
			    v->valuedouble);
		} else if (strcmp(type, "boolean") == 0) {
			assert_int_equal(f->type, 'b');
		} else
			fail_msg("%s: unknown type %s", what, type);
	}
	assert_int_equal(pt->ts, (int64_t)(ts ? ts->valuedouble : 0));
}

/* ---- InfluxDB's own parse cases ----------------------------------------- */

/* The reader agrees with InfluxDB on every case of its test suite. */
static void
test_reader_matches_influxdb(void **state)
{
	cJSON *all = influx_json("parse_cases_points_test_1x.json");
	const cJSON *c;
	struct lpr_point pt;
	int n = 0;

	(void)state;
	cJSON_ArrayForEach(c, all) {
		const char *line = cJSON_GetObjectItem(c, "line")->valuestring;
		if (lpr_parse(line, strlen(line), &pt) != 0)
			fail_msg("reader refused \"%s\"", line);
		check_point(&pt, c, line);
		n++;
	}
	assert_true(n >= 20);
	cJSON_Delete(all);
}

/* Each case built with lp_* from its decoded parts reads back the same. */
static void
test_build_parse_cases(void **state)
{
	cJSON *all = influx_json("parse_cases_points_test_1x.json");
	const cJSON *c, *it;
	struct lpr_point pt;
	struct buf b;
	struct lp p;

	(void)state;
	buf_init(&b, 1 << 16);
	cJSON_ArrayForEach(c, all) {
		const cJSON *ts = cJSON_GetObjectItem(c, "timestamp_ns");

		buf_reset(&b);
		lp_begin(&p, &b,
		    cJSON_GetObjectItem(c, "measurement")->valuestring);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(c, "tags"))
			lp_tag(&p, it->string, it->valuestring);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(c, "fields")) {
			const char *type =
			    cJSON_GetObjectItem(it, "type")->valuestring;
			const cJSON *v = cJSON_GetObjectItem(it, "value");

			if (strcmp(type, "string") == 0)
				lp_field_s(&p, it->string, v->valuestring);
			else if (strcmp(type, "integer") == 0)
				lp_field_i(&p, it->string,
				    (int64_t)v->valuedouble);
			else if (strcmp(type, "float") == 0)
				lp_field_f(&p, it->string, v->valuedouble);
			else
				lp_field_b(&p, it->string, cJSON_IsTrue(v));
		}
		assert_int_equal(lp_end(&p, ts && ts->valuedouble != 0 ?
		    (int64_t)ts->valuedouble : -1), 1);
		assert_int_equal(b.data[b.len - 1], '\n');
		if (lpr_parse(b.data, b.len, &pt) != 0)
			fail_msg("our line \"%s\" does not parse", b.data);
		check_point(&pt, c, b.data);
	}
	buf_free(&b);
	cJSON_Delete(all);
}

/* The documentation's example, byte for byte. */
static void
test_doc_special_chars(void **state)
{
	cJSON *want = influx_json(
	    "line_protocol_v1_doc_special_chars.expected.json");
	const cJSON *it;
	size_t len;
	char *lp_text = influx_fixture("line_protocol_v1_doc_special_chars.lp",
	    &len);
	struct buf b;
	struct lp p;

	(void)state;
	buf_init(&b, 4096);
	lp_begin(&p, &b, cJSON_GetObjectItem(want, "measurement")->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(want, "tags"))
		lp_tag(&p, it->string, it->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(want, "fields"))
		lp_field_s(&p, it->string, it->valuestring);
	assert_int_equal(lp_end(&p, -1), 1);
	if (lp_text[len - 1] != '\n')
		assert_int_equal(b.len, len + 1);
	else
		assert_int_equal(b.len, len);
	assert_memory_equal(b.data, lp_text, b.len - 1);
	buf_free(&b);
	free(lp_text);
	cJSON_Delete(want);
}

/* ---- hostile names read back ------------------------------------------ */

static void
test_hostile_round_trip(void **state)
{
	static const char *const names[] = {
		"plain", "a b", "a,b", "a=b", "a\\b", "a\\", "a\\\\\\",
		"a\\,b", "a\\ b", "a\\=b", "\\,", "\\\\,", "x\\ y=z,k=v",
		"=", ",", " ", " lead", "a\nb", "a\r\nb\t", "a\\\nb",
		"\\n", "quo\"te", "é🚀 ünï", "#comment", "a  b,,c==d",
	};
	char want[LPR_STR];
	struct lpr_point pt;
	struct buf b;
	struct lp p;
	size_t i;

	(void)state;
	buf_init(&b, 1 << 14);
	for (i = 0; i < ARRAY_LEN(names); i++) {
		const char *s = names[i];

		/* A measurement starting with '#' is never written (InfluxDB
		 * would skip the line as a comment): see test_unwritable. */
		buf_reset(&b);
		lp_begin(&p, &b, s[0] == '#' ? "m" : s);
		lp_tag(&p, s, s);
		lp_tag(&p, "k2", s);
		lp_field_i(&p, s, 7);
		lp_field_s(&p, "str", s);
		lp_field_i(&p, "after", 1);
		assert_int_equal(lp_end(&p, 1234), 1);
		/* One line: outside the string field (where InfluxDB
		 * takes a raw newline), the only newline ends the line. */
		if (strchr(s, '\n') == NULL)
			assert_ptr_equal(memchr(b.data, '\n', b.len),
			    b.data + b.len - 1);
		if (lpr_parse(b.data, b.len, &pt) != 0)
			fail_msg("name \"%s\": line \"%s\" does not parse", s,
			    b.data);
		ident_expect(s[0] == '#' ? "m" : s, want, sizeof(want));
		if (strcmp(pt.meas, want) != 0)
			fail_msg("name \"%s\": measurement \"%s\"", s, pt.meas);
		ident_expect(s, want, sizeof(want));
		assert_int_equal(pt.ntags, 2);
		assert_string_equal(pt.tags[0].key, want);
		assert_string_equal(pt.tags[0].val, want);
		assert_string_equal(pt.tags[1].key, "k2");
		assert_string_equal(pt.tags[1].val, want);
		assert_int_equal(pt.nfields, 3);
		assert_string_equal(pt.fields[0].key, want);
		assert_string_equal(pt.fields[0].val, "7");
		/* A string field keeps every byte, newline included. */
		assert_string_equal(pt.fields[1].val, s);
		assert_int_equal(pt.fields[1].type, 's');
		assert_string_equal(pt.fields[2].key, "after");
		assert_int_equal(pt.ts, 1234);
	}
	buf_free(&b);
}

/*
 * A measurement with no line-protocol form — empty once escaped, or
 * starting with '#', which InfluxDB skips as a comment line — rolls the
 * point back (found by fuzz_lp; kept in tests/fuzz/corpus/lp/).  The
 * buffer keeps the lines before it.
 */
static void
test_unwritable(void **state)
{
	static const char *const bad[] = { "", "\\", "\\\\\\", "#", "#cpu",
	    "#\\ x" };
	struct buf b;
	struct lp p;
	size_t i;

	(void)state;
	buf_init(&b, 1 << 12);
	lp_begin(&p, &b, "ok");
	lp_field_i(&p, "v", 1);
	assert_int_equal(lp_end(&p, 5), 1);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		lp_begin(&p, &b, bad[i]);
		lp_tag(&p, "host", "a");
		lp_field_i(&p, "v", 1);
		if (lp_end(&p, 5) != 0)
			fail_msg("measurement \"%s\" was written", bad[i]);
		assert_string_equal(b.data, "ok v=1i 5\n");
	}
	/* '#' inside a name is an ordinary byte. */
	lp_begin(&p, &b, "c#1");
	lp_field_i(&p, "v", 1);
	assert_int_equal(lp_end(&p, 5), 1);
	assert_string_equal(b.data, "ok v=1i 5\nc#1 v=1i 5\n");
	buf_free(&b);
}

/* ---- exact bytes ------------------------------------------------------- */

struct bytes_case {
	const char *name;
	void      (*fill)(struct lp *p);
	int         rc;
	const char *want;
};

static void f_ints(struct lp *p)
{
	lp_field_i(p, "a", 0);
	lp_field_i(p, "b", -5);
	lp_field_i(p, "c", INT64_MIN);
	lp_field_i(p, "d", INT64_MAX);
	lp_field_u(p, "e", UINT64_MAX);     /* clamped: 1.x has no 'u' */
	lp_field_u(p, "f", 18446744073709551ULL);
}
static void f_nan(struct lp *p)
{
	lp_field_f(p, "nan", NAN);
	lp_field_f(p, "inf", INFINITY);
	lp_field_f(p, "ninf", -INFINITY);
	lp_field_fixed(p, "fnan", NAN, 2);
	lp_field_fixed(p, "finf", INFINITY, 2);
	lp_field_i(p, "ok", 1);
	lp_field_f(p, "nan2", NAN);
}
static void f_only_nan(struct lp *p)
{
	lp_tag(p, "t", "v");
	lp_field_f(p, "nan", NAN);
	lp_field_fixed(p, "inf", -INFINITY, 4);
}
static void f_none(struct lp *p)
{
	lp_tag(p, "t", "v");
}
static void f_floats(struct lp *p)
{
	lp_field_f(p, "a", 0.1);
	lp_field_f(p, "b", 1.0 / 3.0);
	lp_field_f(p, "c", 1e300);
	lp_field_f(p, "d", -2.5);
	lp_field_f(p, "e", 3.0);
}
static void f_fixed(struct lp *p)
{
	lp_field_fixed(p, "a", 0.00005, 4);     /* rounds up */
	lp_field_fixed(p, "b", 0.00004, 4);     /* rounds to 0 */
	lp_field_fixed(p, "c", 12.5, 4);
	lp_field_fixed(p, "d", -3.25, 2);
	lp_field_fixed(p, "e", -0.00001, 4);    /* no "-0" */
	lp_field_fixed(p, "f", 100.0, 4);
	lp_field_fixed(p, "g", 99.99999, 4);
	lp_field_fixed(p, "h", 1e12, 4);        /* too big: lp_field_f */
	lp_field_fixed(p, "i", -1.5e12, 2);
	lp_field_fixed(p, "j", 0.1, 7);         /* decimals > 6 */
	lp_field_fixed(p, "k", 2.5, 0);
	lp_field_fixed(p, "l", 0.123456, 6);
}
static void f_misc(struct lp *p)
{
	lp_tag(p, "empty", "");
	lp_tag(p, "", "nokey");
	lp_tag(p, "null", NULL);
	lp_tag(p, "bs", "\\\\");           /* escapes to nothing */
	lp_tag(p, "host", "h1");
	lp_field_b(p, "up", 1);
	lp_field_b(p, "down", 0);
	lp_field_s(p, "s", "say \"hi\" \\o/");
	lp_field_s(p, "null", NULL);
	lp_field_i(p, "", 3);              /* no key: left out */
	lp_field_i(p, "\\", 4);
}
static void f_escapes(struct lp *p)
{
	lp_tag(p, "k,e y=", "v,a l=u\\");
	lp_tag(p, "nl", "a\nb\rc\td");
	lp_field_i(p, "f ,=", 1);
}

static void
test_bytes(void **state)
{
	static const struct bytes_case cases[] = {
		{ "m", f_ints, 1, "m a=0i,b=-5i,c=-9223372036854775808i,"
		    "d=9223372036854775807i,e=9223372036854775807i,"
		    "f=18446744073709551i 42\n" },
		{ "m", f_nan, 1, "m ok=1i 42\n" },
		{ "m", f_only_nan, 0, "" },
		{ "m", f_none, 0, "" },
		{ "m", f_floats, 1, "m a=0.1,b=0.33333333333333331,c=1e+300,"
		    "d=-2.5,e=3 42\n" },
		{ "m", f_fixed, 1, "m a=0.0001,b=0,c=12.5,d=-3.25,e=0,f=100,"
		    "g=100,h=1000000000000,i=-1500000000000,j=0.1,k=3,"
		    "l=0.123456 42\n" },
		{ "m", f_misc, 1, "m,host=h1 up=true,down=false,"
		    "s=\"say \\\"hi\\\" \\\\o/\" 42\n" },
		{ "m e,a=s\\", f_escapes, 1, "m\\ e\\,a=s,k\\,e\\ y\\==v\\,a\\ "
		    "l\\=u,nl=a\\nb\\rc\\td f\\ \\,\\==1i 42\n" },
	};
	struct buf b;
	struct lp p;
	size_t i;

	(void)state;
	buf_init(&b, 4096);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int rc;

		buf_reset(&b);
		buf_puts(&b, "prev 1\n");
		lp_begin(&p, &b, cases[i].name);
		cases[i].fill(&p);
		rc = lp_end(&p, 42);
		if (rc != cases[i].rc)
			fail_msg("case %zu: lp_end %d, want %d", i, rc,
			    cases[i].rc);
		/* A rolled-back point leaves what was there before. */
		assert_int_equal(strncmp(b.data, "prev 1\n", 7), 0);
		if (strcmp(b.data + 7, cases[i].want) != 0)
			fail_msg("case %zu:\n got  \"%s\"\n want \"%s\"", i,
			    b.data + 7, cases[i].want);
		assert_int_equal(b.len, 7 + strlen(cases[i].want));
	}
	buf_free(&b);
}

static void
test_timestamp_and_raw(void **state)
{
	struct buf b;
	struct lp p;

	(void)state;
	buf_init(&b, 1024);
	lp_begin(&p, &b, "m");
	lp_field_i(&p, "v", 1);
	assert_int_equal(lp_end(&p, -1), 1);            /* server stamps */
	lp_begin(&p, &b, "m");
	lp_field_i(&p, "v", 2);
	assert_int_equal(lp_end(&p, 0), 1);
	lp_begin_raw(&p, &b, "cpu,host=a\\ b,x=y", 17);
	lp_tag(&p, "z", "1");
	lp_field_i(&p, "v", 3);
	assert_int_equal(lp_end(&p, 1700000000123456789LL), 1);
	assert_string_equal(b.data, "m v=1i\nm v=2i 0\n"
	    "cpu,host=a\\ b,x=y,z=1 v=3i 1700000000123456789\n");
	buf_free(&b);
}

/* A point that does not fit is rolled back whole, at every size. */
static void
test_buffer_full(void **state)
{
	static const char full[] = "container_cpu,host=h1,name=n\\ 1 "
	    "usage_total=123456789i,pct=12.5,id=\"abc\" 1700000000000000000\n";
	struct buf b;
	struct lp p;
	size_t cap;
	int rc;

	(void)state;
	for (cap = 0; cap <= sizeof(full) + 8; cap++) {
		buf_init(&b, 8 + cap);
		assert_int_equal(buf_puts(&b, "keep 1\n"), 0);
		lp_begin(&p, &b, "container_cpu");
		lp_tag(&p, "host", "h1");
		lp_tag(&p, "name", "n 1");
		lp_field_u(&p, "usage_total", 123456789);
		lp_field_fixed(&p, "pct", 12.5, 4);
		lp_field_s(&p, "id", "abc");
		rc = lp_end(&p, 1700000000000000000LL);
		if (7 + sizeof(full) - 1 <= 8 + cap) {
			assert_int_equal(rc, 1);
			assert_string_equal(b.data + 7, full);
		} else {
			if (rc != -1)
				fail_msg("cap %zu: rc %d", cap, rc);
			assert_int_equal(b.len, 7);
			assert_string_equal(b.data, "keep 1\n");
		}
		buf_free(&b);
	}
}

static void
test_escapers(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(lp_escape_measurement(&b, "a,b c=d\\"), 0);
	assert_string_equal(b.data, "a\\,b\\ c=d");
	buf_reset(&b);
	assert_int_equal(lp_escape_key(&b, "a,b c=d\\\\"), 0);
	assert_string_equal(b.data, "a\\,b\\ c\\=d");
	buf_reset(&b);
	assert_int_equal(lp_escape_string(&b, "say \"hi\" \\o/ a,b=c d\n"), 0);
	assert_string_equal(b.data, "say \\\"hi\\\" \\\\o/ a,b=c d\n");
	buf_reset(&b);
	assert_int_equal(lp_escape_key(&b, ""), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	/* Full buffer: -1, nothing half-written by that call. */
	buf_init(&b, 4);
	assert_int_equal(lp_escape_key(&b, "abcdef"), -1);
	assert_true(b.len <= 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_matches_influxdb),
		cmocka_unit_test(test_build_parse_cases),
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_doc_special_chars),
		cmocka_unit_test(test_hostile_round_trip),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_timestamp_and_raw),
		cmocka_unit_test(test_buffer_full),
		cmocka_unit_test(test_escapers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
