/*
 * asserts.h — what cmocka 1.1 lacks: equality of doubles that prints both
 * values on failure (assert_float_equal converts to float).  Include it
 * after <cmocka.h>.
 */
#ifndef HOIST_TEST_ASSERTS_H
#define HOIST_TEST_ASSERTS_H

/* Exact comparison: the two sides must be the same double. */
#define assert_double_equal(a, b) \
	asserts_double((double)(a), (double)(b), 1, #a, #b, __FILE__, __LINE__)
#define assert_double_not_equal(a, b) \
	asserts_double((double)(a), (double)(b), 0, #a, #b, __FILE__, __LINE__)

static inline void
asserts_double(double a, double b, int want_equal, const char *as,
    const char *bs, const char *file, int line)
{
	if ((a == b) == want_equal)
		return;
	print_error("%s %s %s: %.17g %s %.17g\n", as, want_equal ? "==" : "!=",
	    bs, a, want_equal ? "!=" : "==", b);
	_fail(file, line);
}

#endif
