/*
 * test_util.c — common/util: the shared binary search and line/column
 * helpers (used by the scaler's state and decisions, and by the JSON
 * error messages of rules and hoist-deploy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

struct item {
	int  pad;
	char key[16];
};

static void
test_bsearch(void **state)
{
	static const struct item v[] = {
		{ 1, "/a" }, { 2, "/b" }, { 3, "/b/c" }, { 4, "/x" },
	};
	static const struct { const char *key; long want; } cases[] = {
		{ "/a", 0 }, { "/b", 1 }, { "/b/c", 2 }, { "/x", 3 },
		{ "/", -1 },          /* before everything: insert at 0 */
		{ "/aa", -2 },        /* between /a and /b: insert at 1 */
		{ "/c", -4 },         /* insert at 3 */
		{ "/z", -5 },         /* after everything: insert at 4 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("case %zu: %s\n", i, cases[i].key);
		assert_int_equal(str_bsearch(v, ARRAY_LEN(v), sizeof(v[0]),
		    offsetof(struct item, key), cases[i].key), cases[i].want);
	}
	assert_int_equal(str_bsearch(v, 0, sizeof(v[0]),
	    offsetof(struct item, key), "/a"), -1);
}

static void
test_line_col(void **state)
{
	static const char text[] = "{\n  \"a\": 1,\n\n x";
	static const struct { size_t off; unsigned line, col; } cases[] = {
		{ 0, 1, 1 }, { 1, 1, 2 }, { 2, 2, 1 }, { 4, 2, 3 },
		{ 12, 3, 1 }, { 13, 4, 1 }, { 14, 4, 2 },
	};
	unsigned line, col;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("case %zu\n", i);
		text_line_col(text, cases[i].off, &line, &col);
		assert_int_equal(line, cases[i].line);
		assert_int_equal(col, cases[i].col);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bsearch),
		cmocka_unit_test(test_line_col),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
