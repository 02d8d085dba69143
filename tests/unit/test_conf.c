/*
 * test_conf.c — common/conf: the one config grammar, with and without
 * sections (hoist-deploy's [DC ENV]; the daemons have none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/util.h"

struct sect {
	char name[64];
	char url[CONF_STR_MAX];
};

struct settings {
	char        str[CONF_STR_MAX];
	int64_t     n;
	int         flag;
	struct sect s[4];
	int         ns;
};

#define O(f) offsetof(struct settings, f)
static const struct conf_opt opts[] = {
	{ "str", 0, CONF_STR, O(str), 0, 0, "def", NULL, NULL },
	{ "n", 0, CONF_INT, O(n), 1, 10, "5", NULL, NULL },
	{ "flag", 0, CONF_BOOL, O(flag), 0, 0, "no", NULL, NULL },
};
static const struct conf_opt sect_opts[] = {
	{ "url", 0, CONF_STR, offsetof(struct sect, url), 0, 0, NULL, NULL,
	  NULL },
};

static void *
open_sect(void *settings, const char *header, char *msg, size_t msglen)
{
	struct settings *st = settings;

	if (strchr(header, ' ') != NULL || st->ns >= 4) {
		snprintf(msg, msglen, "bad section [%s]", header);
		return NULL;
	}
	str_copy_trunc(st->s[st->ns].name, header, sizeof(st->s[0].name));
	return &st->s[st->ns++];
}

static const struct conf_sections sections = {
	.opts = sect_opts, .nopts = ARRAY_LEN(sect_opts), .open = open_sect,
};

static void
test_sections(void **state)
{
	static const char text[] =
	    "# top\n"
	    "str = \"a # b\"   # a comment after the quotes\n"
	    "n = 7   # comment\n"
	    "[ one ]  # trailing comment\n"
	    "url = http://one\n"
	    "\n"
	    "[two]\n"
	    "url = http://two\n";
	static struct settings st;
	char err[512];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(conf_defaults(opts, ARRAY_LEN(opts), &st, err,
	    sizeof(err)), 0);
	assert_int_equal(conf_load_text(opts, ARRAY_LEN(opts), &sections, &st,
	    "t.conf", text, err, sizeof(err)), 0);
	assert_string_equal(st.str, "a # b");
	assert_int_equal(st.n, 7);
	assert_int_equal(st.ns, 2);
	assert_string_equal(st.s[0].name, "one");
	assert_string_equal(st.s[0].url, "http://one");
	assert_string_equal(st.s[1].name, "two");
	assert_string_equal(st.s[1].url, "http://two");
}

static void
test_errors(void **state)
{
	static const struct {
		int         with_sections;
		const char *text, *want;
	} cases[] = {
		/* The daemons' files have no sections: '[' is an error. */
		{ 0, "[one]\n", "t.conf:1: expected 'key = value'" },
		{ 1, "[one]\nstr = x\n", "t.conf:2: unknown key 'str' (in a "
		  "section)" },
		{ 1, "url = x\n", "t.conf:1: unknown key 'url' (before any "
		  "section)" },
		{ 1, "[a b]\n", "t.conf:1: bad section [a b]" },
		{ 1, "[one\n", "t.conf:1: a section header is \"[NAME]\"" },
		{ 1, "[one] x\n", "t.conf:1: text after the section header" },
		{ 0, "str = \"a\" b\n", "t.conf:1: text after the quoted "
		  "value" },
		{ 0, "str = \"a\nb\"\n", "t.conf:1: unterminated quoted "
		  "value" },
		{ 0, "n = 11\n", "t.conf:1: bad value '11' for n: want an integer "
		  "from 1 to 10" },
		{ 0, "x\n", "t.conf:1: expected 'key = value'" },
	};
	static struct settings st;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		memset(&st, 0, sizeof(st));
		err[0] = '\0';
		print_message("case %zu\n", i);
		assert_int_equal(conf_load_text(opts, ARRAY_LEN(opts),
		    cases[i].with_sections ? &sections : NULL, &st, "t.conf",
		    cases[i].text, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].want);
	}
	/* Empty text is an empty file. */
	assert_int_equal(conf_load_text(opts, ARRAY_LEN(opts), NULL, &st,
	    "t.conf", "", err, sizeof(err)), 0);
}

/* The table as man/check-keys.py reads it: exact bytes, scope last. */
static void
test_dump_keys(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	conf_dump_keys(opts, ARRAY_LEN(opts), NULL, f);
	conf_dump_keys(sect_opts, ARRAY_LEN(sect_opts), "section", f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text,
	    "str\tstring\tdef\t-\t-\n"
	    "n\tinteger\t5\t1\t10\n"
	    "flag\tboolean\tno\t-\t-\n"
	    "url\tstring\t-\t-\t-\tsection\n");
	free(text);
}

/* --dump-config-keys alone: reported as dump_keys and help, nothing read
 * (not even the default file); with anything else it is no option. */
static void
test_dump_flag(void **state)
{
	char a0[] = "prog", a1[] = "--dump-config-keys", a2[] = "-v";
	char *argv[] = { a0, a1, a2, NULL };
	static struct settings st;
	struct conf_cli cli;
	char err[512];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(conf_defaults(opts, ARRAY_LEN(opts), &st, err,
	    sizeof(err)), 0);
	assert_int_equal(conf_parse_args(opts, ARRAY_LEN(opts), &st, 2, argv,
	    "/nonexistent/hoist-test.conf", &cli, err, sizeof(err)), 0);
	assert_int_equal(cli.dump_keys, 1);
	assert_int_equal(cli.help, 1);
	assert_null(cli.config_path);
	assert_string_equal(st.str, "def");
	assert_int_equal(conf_parse_args(opts, ARRAY_LEN(opts), &st, 3, argv,
	    NULL, &cli, err, sizeof(err)), -1);
	assert_int_equal(cli.dump_keys, 0);
}

/* --version: reported in cli.version, no config file is read (the one
 * named does not exist), the other flags are left alone. */
static void
test_version_flag(void **state)
{
	char a0[] = "prog", a1[] = "-c", a2[] = "/nonexistent/hoist.conf",
	    a3[] = "--version", a4[] = "--n", a5[] = "7", v[] = "-v";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	static struct settings st;
	struct conf_cli cli;
	char err[256];

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(conf_defaults(opts, ARRAY_LEN(opts), &st, err,
	    sizeof(err)), 0);
	assert_int_equal(conf_parse_args(opts, ARRAY_LEN(opts), &st, 6, argv,
	    NULL, &cli, err, sizeof(err)), 0);
	assert_int_equal(cli.version, 1);
	assert_int_equal(cli.help, 0);
	assert_int_equal(st.n, 5);
	/* Without it, the missing file is an error and version stays 0. */
	argv[3] = v;
	assert_int_equal(conf_parse_args(opts, ARRAY_LEN(opts), &st, 6, argv,
	    NULL, &cli, err, sizeof(err)), -1);
	assert_int_equal(cli.version, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_flag),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dump_keys),
		cmocka_unit_test(test_dump_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
