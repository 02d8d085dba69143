/*
 * test_jsonw.c — the streaming JSON writer: escaping (table), doubles
 * that read back exactly, commas and nesting, null for NaN, sticky
 * failure at the buffer's cap.  Every output is also parsed by cJSON.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "asserts.h"

#include "collector/jsonw.h"
#include "common/util.h"

static void
test_escape_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "q\"b\\", "q\\\"b\\\\" },
		{ "nl\ncr\rtab\t", "nl\\ncr\\rtab\\t" },
		{ "\x01\x1f", "\\u0001\\u001f" },
		{ "del\x7f", "del\x7f" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "bad\xff", "bad\\ufffd" },
		{ "lone\x80", "lone\\ufffd" },
		{ "overlong\xc0\xaf", "overlong\\ufffd\\ufffd" },
		{ "cut\xe2\x82", "cut\\ufffd\\ufffd" },
		{ "surrogate\xed\xa0\x80", "surrogate\\ufffd\\ufffd\\ufffd" },
		{ "toobig\xf4\x90\x80\x80", "toobig\\ufffd\\ufffd\\ufffd\\ufffd" },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		buf_reset(&b);
		assert_int_equal(jsonw_escape(&b, cases[i].in), 0);
		if (strcmp(b.len ? b.data : "", cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, b.data);
	}
	buf_free(&b);
}

static void
test_doubles_round_trip(void **state)
{
	static const struct {
		double      v;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 1, "1" }, { 0.1, "0.1" }, { 60, "60" },
		{ 12.5, "12.5" }, { 1.23456789, "1.23456789" },
		{ 1.0 / 3.0, "0.3333333333333333" }, { -2.5, "-2.5" },
		{ 1e21, "1e+21" }, { 1795669200, "1795669200" },
	};
	char num[JSONW_DOUBLE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		jsonw_fmt_double(num, sizeof(num), cases[i].v);
		assert_string_equal(num, cases[i].text);
		assert_double_equal(strtod(num, NULL), cases[i].v);
	}
	jsonw_fmt_double(num, sizeof(num), NAN);
	assert_string_equal(num, "NaN");
	jsonw_fmt_double(num, sizeof(num), -INFINITY);
	assert_string_equal(num, "-Inf");
}

static void
test_structure(void **state)
{
	struct buf b;
	struct jsonw w;
	cJSON *j;

	(void)state;
	buf_init(&b, 4096);
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_kv_str(&w, "a", "x");
	jsonw_kv_u64(&w, "big", UINT64_MAX);
	jsonw_kv_i64(&w, "neg", -5);
	jsonw_kv_double(&w, "nan", NAN);
	jsonw_kv_double_or_null(&w, "undef", 0, 3.0);
	jsonw_key(&w, "empty");
	jsonw_str_or_null(&w, "");
	jsonw_key(&w, "arr");
	jsonw_arr_begin(&w);
	jsonw_bool(&w, 1);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_double(&w, 0.5);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	assert_false(w.failed);
	assert_string_equal(b.data, "{\"a\":\"x\",\"big\":18446744073709551615,"
	    "\"neg\":-5,\"nan\":null,\"undef\":null,\"empty\":null,"
	    "\"arr\":[true,{},[],0.5]}");
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	cJSON_Delete(j);
	buf_free(&b);
}

/* At the cap: failed is set, and stays set. */
static void
test_cap_is_sticky(void **state)
{
	struct buf b;
	struct jsonw w;

	(void)state;
	buf_init(&b, 10);
	jsonw_init(&w, &b);
	jsonw_arr_begin(&w);
	jsonw_str(&w, "0123456789");
	assert_true(w.failed);
	assert_int_equal(w.err, ENOSPC);
	jsonw_arr_end(&w);
	assert_true(w.failed);
	assert_true(b.len <= 10);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_doubles_round_trip),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_cap_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
