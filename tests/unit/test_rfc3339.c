/*
 * test_rfc3339.c — common/rfc3339: the one RFC 3339 parser and formatter,
 * with tables of cases (offsets, fractions, leap days and seconds, edges,
 * garbage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rfc3339.h"
#include "common/util.h"

#define S(x) ((int64_t)(x) * 1000000000LL)

static void
test_parse(void **state)
{
	static const struct {
		const char *s;
		int         rc;
		int64_t     ns;
	} cases[] = {
		/* Docker's and Marathon's forms. */
		{ "2015-01-06T15:47:32.072697474Z", 0, S(1420559252) + 72697474 },
		{ "2014-09-13T00:24:46.959Z", 0, S(1410567886) + 959000000 },
		{ "2015-01-06T15:47:32Z", 0, S(1420559252) },
		/* Offsets. */
		{ "2015-01-06T17:47:32.5+02:00", 0, S(1420559252) + 500000000 },
		{ "2015-01-06T14:47:32-01:00", 0, S(1420559252) },
		{ "2015-01-06T21:17:32+05:30", 0, S(1420559252) },
		{ "2015-01-06T15:47:32+00:00", 0, S(1420559252) },
		{ "2015-01-06T15:47:32-00:00", 0, S(1420559252) },
		{ "2015-01-07T15:46:32+23:59", 0, S(1420559252) },
		/* Lower-case t and z (RFC 3339 5.6, note). */
		{ "2015-01-06t15:47:32z", 0, S(1420559252) },
		/* Fractions: one digit, nine, more than nine (cut). */
		{ "1970-01-01T00:00:00.1Z", 0, 100000000 },
		{ "1970-01-01T00:00:00.000000001Z", 0, 1 },
		{ "2000-02-29T23:59:59.1234567891234Z", 0, S(951868799) + 123456789 },
		/* Leap days and seconds, edges. */
		{ "2024-02-29T00:00:00Z", 0, S(1709164800) },
		{ "2000-02-29T00:00:00Z", 0, S(951782400) },
		{ "2016-12-31T23:59:60Z", 0, S(1483228800) },
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "1970-01-01T00:59:59+01:00", 0, 0 },    /* before 1970 */
		{ "0001-01-01T00:00:00Z", 0, 0 },         /* Docker: never */
		{ "2262-04-11T23:47:15Z", 0, S(9223372035LL) },
		{ "9999-12-31T23:59:59Z", -1, 0 },         /* past int64 ns */
		/* Impossible dates and clocks. */
		{ "2023-02-29T00:00:00Z", -1, 0 },
		{ "1900-02-29T00:00:00Z", -1, 0 },
		{ "2015-04-31T00:00:00Z", -1, 0 },
		{ "2015-13-06T15:47:32Z", -1, 0 },
		{ "2015-00-06T15:47:32Z", -1, 0 },
		{ "2015-01-00T15:47:32Z", -1, 0 },
		{ "2015-01-06T24:00:00Z", -1, 0 },
		{ "2015-01-06T23:60:00Z", -1, 0 },
		{ "2015-01-06T23:59:61Z", -1, 0 },
		{ "2015-01-06T15:47:32+24:00", -1, 0 },
		{ "2015-01-06T15:47:32+01:60", -1, 0 },
		/* Garbage. */
		{ "2015-01-06 15:47:32Z", -1, 0 },
		{ "2015-01-06T15:47:32", -1, 0 },
		{ "2015-01-06T15:47:32.Z", -1, 0 },
		{ "2015-01-06T15:47:32Zjunk", -1, 0 },
		{ "2015-01-06T15:47:32+0100", -1, 0 },
		{ "2015-01-06T15:47:32+01", -1, 0 },
		{ "2015-01-06T15:47:3", -1, 0 },
		{ "2015-1-06T15:47:32Z", -1, 0 },
		{ "+2015-01-06T15:47:32Z", -1, 0 },
		{ "2015-01-06T15:47:32.5.5Z", -1, 0 },
		{ "2015-01-06", -1, 0 },
		{ "", -1, 0 },
		{ NULL, -1, 0 },
	};
	int64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ns = 42;
		print_message("case %zu: %s\n", i, cases[i].s ? cases[i].s :
		    "(null)");
		assert_int_equal(rfc3339_parse(cases[i].s, &ns), cases[i].rc);
		assert_int_equal(ns, cases[i].ns);
	}
}

static void
test_format(void **state)
{
	static const struct {
		int64_t     ns;
		int         digits;
		const char *want;
	} cases[] = {
		{ S(1420559252) + 72697474, 0, "2015-01-06T15:47:32Z" },
		{ S(1420559252) + 72697474, 3, "2015-01-06T15:47:32.072Z" },
		{ S(1420559252) + 72697474, 6, "2015-01-06T15:47:32.072697Z" },
		{ S(1420559252) + 72697474, 9, "2015-01-06T15:47:32.072697474Z" },
		{ S(1420559252) + 999999999, 3, "2015-01-06T15:47:32.999Z" },
		{ S(1420559252), 5, "2015-01-06T15:47:32Z" },   /* 5: as 0 */
		{ 0, 3, "1970-01-01T00:00:00.000Z" },
		{ -5, 0, "1970-01-01T00:00:00Z" },
		{ S(951868799), 0, "2000-02-29T23:59:59Z" },
		{ S(1709164800), 0, "2024-02-29T00:00:00Z" },
		{ S(1483228799), 0, "2016-12-31T23:59:59Z" },
		{ INT64_MAX, 9, "2262-04-11T23:47:16.854775807Z" },
	};
	char buf[RFC3339_MAX];
	int64_t back;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(rfc3339_format(buf, sizeof(buf), cases[i].ns,
		    cases[i].digits), strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
		/* What it writes, it reads back (to its last whole second
		 * that fits in int64 nanoseconds). */
		assert_int_equal(rfc3339_parse(buf, &back),
		    cases[i].ns < S(9223372036LL) ? 0 : -1);
	}
	/* Too small: "" and 0. */
	assert_int_equal(rfc3339_format(buf, 20, 0, 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(rfc3339_format(buf, 21, 0, 0), 20);
	/* Round trip at nanosecond precision. */
	assert_int_equal(rfc3339_format(buf, sizeof(buf), S(1420559252) + 1,
	    9), 30);
	assert_int_equal(rfc3339_parse(buf, &back), 0);
	assert_int_equal(back, S(1420559252) + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
