/*
 * test_marathon_bulk.c — the streamed bulk read (marathon/marathon_bulk.c)
 * on documents built from the Marathon fixtures: the same apps whatever
 * the pieces the reply arrives in (every split point, byte by byte);
 * every truncation refused; not JSON, another shape, an app that does not
 * decode, a reply over the cap and text after the document refused with
 * a reason; strings holding braces and quotes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "marathon/marathon.h"
#include "tests/lib/fixture.h"

struct seen {
	size_t apps, tasks;
	char   first[MARATHON_ID_MAX];
	char   dep[MARATHON_DEPLOYMENT_MAX];
};

static int
on_app(const struct marathon_app *a, void *ud)
{
	struct seen *s = ud;

	if (s->apps++ == 0) {
		snprintf(s->first, sizeof(s->first), "%s", a->id);
		if (a->n_deployments > 0)
			snprintf(s->dep, sizeof(s->dep), "%s",
			    a->deployments[0]);
	}
	s->tasks += a->n_tasks;
	return 0;
}

/* {"apps": [the fixture's app, the same with a brace in a string]}. */
static char *
document(size_t *len)
{
	size_t flen;
	char *app = fixture_read("marathon/v2_app_get_with_tasks.json",
	    &flen), *start, *end;
	struct buf b;

	assert_non_null(app);
	start = strchr(app, ':') + 1;        /* the value of "app" */
	end = strrchr(app, '}');             /* the wrapper's brace */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_printf(&b, "{\"apps\" : [%.*s, {\"id\": "
	    "\"/x/y\", \"cmd\": \"echo '}]\\\" {[\", \"instances\": 2, "
	    "\"tasks\": []}]}\n", (int)(end - start), start), 0);
	free(app);
	*len = b.len;
	return buf_steal(&b, len);
}

static int
feed(const char *doc, size_t len, size_t split, size_t cap, struct seen *s,
    char *err, size_t errlen)
{
	struct marathon_bulk b;
	int rc;

	memset(s, 0, sizeof(*s));
	marathon_bulk_init(&b, cap, on_app, s);
	rc = marathon_bulk_feed(&b, doc, split);
	if (rc == 0)
		rc = marathon_bulk_feed(&b, doc + split, len - split);
	if (rc == 0)
		rc = marathon_bulk_finish(&b);
	snprintf(err, errlen, "%s", b.err);
	marathon_bulk_free(&b);
	return rc;
}

static void
test_splits(void **state)
{
	size_t len, i;
	char *doc = document(&len), err[256];
	struct seen s;
	struct marathon_bulk b;

	(void)state;
	for (i = 0; i <= len; i++) {
		assert_int_equal(feed(doc, len, i, 1 << 20, &s, err,
		    sizeof(err)), 0);
		assert_int_equal(s.apps, 2);
		assert_int_equal(s.tasks, 2);
		assert_string_equal(s.first, "/toggle");
		assert_string_equal(s.dep,
		    "44c4ed48-ee53-4e0f-82dc-4df8b2a69057");
	}
	memset(&s, 0, sizeof(s));
	marathon_bulk_init(&b, 1 << 20, on_app, &s);
	for (i = 0; i < len; i++)
		assert_int_equal(marathon_bulk_feed(&b, doc + i, 1), 0);
	assert_int_equal(marathon_bulk_finish(&b), 0);
	assert_int_equal(s.apps, 2);
	marathon_bulk_free(&b);
	free(doc);
}

/* Every cut of the reply is refused: never a partial snapshot. */
static void
test_truncated(void **state)
{
	size_t len, i;
	char *doc = document(&len), err[256];
	struct seen s;

	(void)state;
	while (len > 0 && doc[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++) {
		assert_int_equal(feed(doc, i, i / 2, 1 << 20, &s, err,
		    sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(feed(doc, len - 1, 3, 1 << 20, &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	free(doc);
}

static void
test_bad(void **state)
{
	static const struct { const char *doc, *why; } cases[] = {
		{ "<html>502 Bad Gateway</html>", "not JSON" },
		{ "{\"message\": \"x\"}", "unexpected key" },
		{ "{\"apps\": {}}", "not an array" },
		{ "{\"apps\": [1]}", "apps[0] is not an object" },
		{ "{\"apps\": [{\"id\": \"/a\"}]}", "missing \"instances\"" },
		{ "{\"apps\": [{\"id\": \"/a\", \"instances\": 1}] x",
		  "unexpected key after" },
		{ "{\"apps\": []} {}", "text after" },
		{ "{\"apps\": [{\"id\": \"/a\", \"instances\": 1,}]}",
		  "not JSON" },
		{ "{\"apps\": [{\"id\": \"/a\" \"instances\": 1}]}",
		  "not JSON" },
	};
	struct seen s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(feed(cases[i].doc, strlen(cases[i].doc), 1,
		    1 << 20, &s, err, sizeof(err)), -1);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    cases[i].why);
	}
	assert_int_equal(feed("{\"apps\":[]}", 11, 5, 1 << 20, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s.apps, 0);
}

/* Over the cap: refused, however the bytes arrive. */
static void
test_cap(void **state)
{
	size_t len;
	char *doc = document(&len), err[256];
	struct seen s;

	(void)state;
	assert_int_equal(feed(doc, len, len / 2, len - 1, &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "over"));
	assert_int_equal(feed(doc, len, 0, len, &s, err, sizeof(err)), 0);
	free(doc);
}

/* Nesting deeper than the splitter allows is refused, not recursed. */
static void
test_deep(void **state)
{
	struct buf b;
	struct seen s;
	char err[256];
	int i;

	(void)state;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "{\"apps\":[{\"id\":\"/a\",\"instances\":1,\"x\":");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	assert_int_equal(feed(b.data, b.len, 7, 1 << 20, &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "deeper"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
