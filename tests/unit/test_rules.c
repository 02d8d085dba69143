/*
 * test_rules.c — rule decoding and validation: every error names its
 * field, defaults are the documented ones, and encode/decode round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asserts.h"
#include <cJSON.h>

#include "common/util.h"
#include "scaler/rules.h"

#define BASE "\"app_id\":\"/shop/web\",\"min_instances\":2," \
	"\"max_instances\":20,"
#define OKCPU "\"cpu\":{\"above\":80,\"below\":20}"

struct vcase {
	const char *json;
	const char *path_id;   /* NULL: POST form */
	const char *field;     /* expected field */
	const char *error;     /* substring of the message */
};

static const struct vcase bad[] = {
	{ "[1]", NULL, "", "JSON object" },
	{ "{", NULL, "", "invalid JSON at line 1 column 1 (byte 0)" },
	{ "{\n\"app_id\": \"/a\",\n  x}", NULL, "", "line 3 column 4 (byte 21)" },
	{ "{" OKCPU ",\"min_instances\":1,\"max_instances\":2}", NULL,
	  "app_id", "required" },
	{ "{\"app_id\":\"\"," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", NULL, "app_id", "Marathon app id" },
	{ "{\"app_id\":\"/Shop\"," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", NULL, "app_id", "Marathon app id" },
	{ "{\"app_id\":\"/a//b\"," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", NULL, "app_id", "Marathon app id" },
	{ "{\"app_id\":\"/a/../b\"," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", NULL, "app_id", "Marathon app id" },
	{ "{\"app_id\":7," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", NULL, "app_id", "string" },
	{ "{\"app_id\":\"/a\"," OKCPU ",\"min_instances\":1,"
	  "\"max_instances\":2}", "/b", "app_id", "differs" },
	{ "{\"app_id\":\"/a\"," OKCPU ",\"max_instances\":2}", NULL,
	  "min_instances", "required" },
	{ "{\"app_id\":\"/a\"," OKCPU ",\"min_instances\":2}", NULL,
	  "max_instances", "required" },
	{ "{" BASE OKCPU ",\"bogus\":1}", NULL, "bogus", "unknown field" },
	{ "{" BASE OKCPU ",\"step\":1,\"step\":2}", NULL, "step",
	  "more than once" },
	{ "{\"app_id\":\"/a\",\"min_instances\":5,\"max_instances\":4,"
	  OKCPU "}", NULL, "max_instances", "at least min_instances" },
	{ "{\"app_id\":\"/a\",\"min_instances\":-1,\"max_instances\":4,"
	  OKCPU "}", NULL, "min_instances", "from 0 to 10000" },
	{ "{\"app_id\":\"/a\",\"min_instances\":0,\"max_instances\":0,"
	  OKCPU "}", NULL, "max_instances", "from 1 to 10000" },
	{ "{\"app_id\":\"/a\",\"min_instances\":0,\"max_instances\":10001,"
	  OKCPU "}", NULL, "max_instances", "from 1 to 10000" },
	{ "{\"app_id\":\"/a\",\"min_instances\":1.5,\"max_instances\":4,"
	  OKCPU "}", NULL, "min_instances", "whole number" },
	{ "{\"app_id\":\"/a\",\"min_instances\":\"1\",\"max_instances\":4,"
	  OKCPU "}", NULL, "min_instances", "number" },
	{ "{" BASE "\"mode\":\"fast\"," OKCPU "}", NULL, "mode",
	  "\"threshold\" or \"target\"" },
	{ "{" BASE "\"trigger\":\"some\"," OKCPU "}", NULL, "trigger",
	  "\"any\" or \"all\"" },
	{ "{" BASE "\"dry_run\":1," OKCPU "}", NULL, "dry_run",
	  "true or false" },
	{ "{" BASE "\"paused\":\"no\"," OKCPU "}", NULL, "paused",
	  "true or false" },
	{ "{" BASE "\"step\":0," OKCPU "}", NULL, "step", "from 1" },
	{ "{" BASE "\"confirm_cycles\":0," OKCPU "}", NULL, "confirm_cycles",
	  "from 1 to 100" },
	{ "{" BASE "\"tolerance\":0.95," OKCPU "}", NULL, "tolerance",
	  "from 0 to 0.9" },
	{ "{" BASE "\"tolerance\":-0.1," OKCPU "}", NULL, "tolerance",
	  "from 0 to 0.9" },
	{ "{" BASE "\"stabilization_s\":3601," OKCPU "}", NULL,
	  "stabilization_s", "from 0 to 3600" },
	{ "{" BASE "\"scale_up_max_percent\":0," OKCPU "}", NULL,
	  "scale_up_max_percent", "from 1 to 1000" },
	{ "{" BASE "\"scale_up_max_instances\":0," OKCPU "}", NULL,
	  "scale_up_max_instances", "from 1" },
	{ "{" BASE "\"scale_down_max_percent\":101," OKCPU "}", NULL,
	  "scale_down_max_percent", "from 1 to 100" },
	{ "{" BASE "\"rate_period_s\":0," OKCPU "}", NULL, "rate_period_s",
	  "from 1 to 3600" },
	{ "{" BASE "\"cooldown_up_s\":-5," OKCPU "}", NULL, "cooldown_up_s",
	  "from 0 to 86400" },
	{ "{" BASE "\"cooldown_down_s\":86401," OKCPU "}", NULL,
	  "cooldown_down_s", "from 0 to 86400" },
	{ "{" BASE "\"warmup_s\":1e9," OKCPU "}", NULL, "warmup_s",
	  "from 0 to 86400" },
	{ "{" BASE "\"step\":2}", NULL, "cpu", "cpu or a mem block" },
	{ "{" BASE "\"cpu\":5}", NULL, "cpu", "object" },
	{ "{" BASE "\"cpu\":{\"above\":80,\"below\":20,\"x\":1}}", NULL,
	  "cpu.x", "unknown field" },
	{ "{" BASE "\"cpu\":{\"above\":\"80\",\"below\":20}}", NULL,
	  "cpu.above", "number" },
	{ "{" BASE "\"cpu\":{\"below\":20}}", NULL, "cpu.above",
	  "required in threshold mode" },
	{ "{" BASE "\"mem\":{\"above\":20}}", NULL, "mem.below",
	  "required in threshold mode" },
	{ "{" BASE "\"cpu\":{\"target\":50}}", NULL, "cpu.target",
	  "threshold mode takes above and below" },
	{ "{" BASE "\"cpu\":{\"above\":101,\"below\":20}}", NULL,
	  "cpu.above", "at most 100" },
	{ "{" BASE "\"cpu\":{\"above\":0,\"below\":0}}", NULL, "cpu.above",
	  "above 0" },
	{ "{" BASE "\"cpu\":{\"above\":80,\"below\":-1}}", NULL,
	  "cpu.below", "from 0" },
	{ "{" BASE "\"mem\":{\"above\":50,\"below\":50}}", NULL,
	  "mem.below", "less than above" },
	{ "{" BASE "\"mem\":{\"above\":50,\"below\":60}}", NULL,
	  "mem.below", "less than above" },
	{ "{" BASE "\"mode\":\"target\",\"cpu\":{\"above\":80}}", NULL,
	  "cpu.above", "target mode takes target" },
	{ "{" BASE "\"mode\":\"target\",\"cpu\":{}}", NULL, "cpu.target",
	  "required in target mode" },
	{ "{" BASE "\"mode\":\"target\",\"mem\":{\"target\":0}}", NULL,
	  "mem.target", "above 0" },
	{ "{" BASE "\"mode\":\"target\",\"mem\":{\"target\":100.5}}", NULL,
	  "mem.target", "at most 100" },
};

static void
test_validation_errors(void **state)
{
	struct rule r;
	struct rules_error e;
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		const struct vcase *c = &bad[i];
		int rc = rules_from_json(c->json, strlen(c->json), c->path_id,
		    &r, &e);

		if (rc != -1 || strcmp(e.field, c->field) != 0 ||
		    strstr(e.error, c->error) == NULL) {
			print_error("%s: got rc %d field '%s' error '%s', "
			    "want field '%s' error ~ '%s'\n", c->json, rc,
			    e.field, e.error, c->field, c->error);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_defaults(void **state)
{
	static const char j[] = "{" BASE OKCPU "}";
	struct rule r;
	struct rules_error e;

	(void)state;
	assert_int_equal(rules_from_json(j, strlen(j), NULL, &r, &e), 0);
	assert_string_equal(r.app_id, "/shop/web");
	assert_int_equal(r.min_instances, 2);
	assert_int_equal(r.max_instances, 20);
	assert_int_equal(r.mode, RULES_MODE_THRESHOLD);
	assert_int_equal(r.trigger, RULES_TRIGGER_ANY);
	assert_int_equal(r.step, 1);
	assert_int_equal(r.confirm_cycles, 2);
	assert_true(r.tolerance > 0.0999);
	assert_true(r.tolerance < 0.1001);
	assert_int_equal(r.stabilization_s, 300);
	assert_int_equal(r.scale_up_max_percent, 100);
	assert_int_equal(r.scale_up_max_instances, 4);
	assert_int_equal(r.scale_down_max_percent, 50);
	assert_int_equal(r.rate_period_s, 60);
	assert_int_equal(r.cooldown_up_s, 60);
	assert_int_equal(r.cooldown_down_s, 120);
	assert_int_equal(r.warmup_s, 60);
	assert_int_equal(r.dry_run, 0);
	assert_int_equal(r.paused, 0);
	assert_true(r.cpu.enabled);
	assert_false(r.mem.enabled);
	assert_double_equal(r.cpu.above, 80);
	assert_double_equal(r.cpu.below, 20);
}

static void
test_path_id(void **state)
{
	static const char j[] = "{\"min_instances\":1,\"max_instances\":3,"
	    OKCPU "}";
	static const char j2[] = "{\"app_id\":\"shop/web/\","
	    "\"min_instances\":1,\"max_instances\":3," OKCPU "}";
	struct rule r;
	struct rules_error e;

	(void)state;
	assert_int_equal(rules_from_json(j, strlen(j), "shop/web", &r, &e),
	    0);
	assert_string_equal(r.app_id, "/shop/web");
	/* The body's id is normalised before comparing with the path's. */
	assert_int_equal(rules_from_json(j2, strlen(j2), "/shop/web", &r,
	    &e), 0);
	assert_string_equal(r.app_id, "/shop/web");
}

static void
test_normalize(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "/a", "/a" }, { "a", "/a" }, { "/a/b/", "/a/b" },
		{ "/shop.v2/web-1", "/shop.v2/web-1" },
		{ "/", NULL }, { "", NULL }, { "/a//b", NULL },
		{ "/A", NULL }, { "/a b", NULL }, { "/a/./b", NULL },
		{ "/a/..", NULL }, { "//", NULL }, { "/-a", NULL },
		{ "/a-", NULL }, { "/a/b.", NULL },
	};
	char buf[RULES_APP_ID_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(t); i++) {
		str_copy_trunc(buf, t[i].in, sizeof(buf));
		if (t[i].out == NULL) {
			if (rules_normalize_app_id(buf, sizeof(buf)) != -1) {
				print_error("'%s' accepted\n", t[i].in);
				fail();
			}
		} else {
			assert_int_equal(rules_normalize_app_id(buf,
			    sizeof(buf)), 0);
			assert_string_equal(buf, t[i].out);
		}
	}
}

static void
test_roundtrip(void **state)
{
	static const char j[] = "{" BASE "\"mode\":\"target\","
	    "\"cpu\":{\"target\":60},\"mem\":{\"target\":70},"
	    "\"tolerance\":0.2,\"stabilization_s\":120,\"dry_run\":true,"
	    "\"paused\":true,\"warmup_s\":5,\"cooldown_up_s\":7}";
	struct rule a, b;
	struct rules_error e;
	cJSON *o;
	char *text;

	(void)state;
	assert_int_equal(rules_from_json(j, strlen(j), NULL, &a, &e), 0);
	o = rules_to_cjson(&a);
	assert_non_null(o);
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cpu"),
	    "above"));
	assert_string_equal(cJSON_GetObjectItem(o, "mode")->valuestring,
	    "target");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_int_equal(rules_from_json(text, strlen(text), NULL, &b, &e),
	    0);
	free(text);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(b.dry_run);
	assert_true(b.paused);
	assert_double_equal(b.mem.target, 70);
}

/*
 * Hostile bodies (issue 10 §5): a \u0000 that cJSON would cut a string
 * at, duplicate keys in the metric blocks and at the top, and bytes after
 * the document.  Each is a 400 naming the field (or null for the body).
 */
static const struct {
	const char *json;
	size_t      len;        /* 0: strlen */
	const char *field, *error;
} hostile[] = {
	{ "{\"app_id\":\"/u1\\u0000evil\",\"min_instances\":1,"
	  "\"max_instances\":5," OKCPU "}", 0, "app_id", "\\u0000" },
	{ "{" BASE "\"cpu\\u0000x\":{\"above\":80,\"below\":20}}", 0,
	  "cpu\x7fx", "\\u0000" },
	{ "{" BASE "\"mode\":\"target\\u0000x\",\"cpu\":{\"target\":50}}", 0,
	  "mode", "\\u0000" },
	{ "{" BASE "\"cpu\":{\"above\":80,\"below\":20,\"above\":90}}", 0,
	  "cpu.above", "more than once" },
	{ "{" BASE "\"mem\":{\"above\":80,\"below\":20,\"below\":10}}", 0,
	  "mem.below", "more than once" },
	{ "{" BASE OKCPU ",\"min_instances\":2}", 0, "min_instances",
	  "more than once" },
	{ "{" BASE OKCPU "} xyz", 0, "", "junk after the JSON document at "
	  "line 1" },
	{ "{" BASE OKCPU "}\0garbage", sizeof("{" BASE OKCPU "}\0garbage") - 1,
	  "", "junk after" },
	{ "{" BASE OKCPU "}{}", 0, "", "junk after" },
};

static void
test_hostile_bodies(void **state)
{
	struct rule r;
	struct rules_error e;
	size_t i, len;
	int rc, failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(hostile); i++) {
		len = hostile[i].len ? hostile[i].len : strlen(hostile[i].json);
		rc = rules_from_json(hostile[i].json, len, NULL, &r, &e);
		if (rc != -1 || strcmp(e.field, hostile[i].field) != 0 ||
		    strstr(e.error, hostile[i].error) == NULL) {
			print_error("case %zu %s: rc %d field '%s' error '%s'\n",
			    i, hostile[i].json, rc, e.field, e.error);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	/* Whitespace after the document is not junk. */
	{
		static const char ok[] = "{" BASE OKCPU "} \r\n\t";

		assert_int_equal(rules_from_json(ok, strlen(ok), NULL, &r, &e),
		    0);
		assert_string_equal(r.app_id, "/shop/web");
	}
}

static void
test_body_too_large(void **state)
{
	size_t n = RULES_BODY_MAX + 1;
	char *big = malloc(n);
	struct rule r;
	struct rules_error e;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(rules_from_json(big, n, NULL, &r, &e), -1);
	assert_non_null(strstr(e.error, "too large"));
	free(big);
}

/* "/abcdefghi/abcdefghi/..." of exactly n bytes, ending in a letter. */
static void
long_app_id(char *out, size_t n)
{
	static const char pat[] = "abcdefghi/";
	size_t i;

	out[0] = '/';
	for (i = 1; i < n; i++)
		out[i] = pat[(i - 1) % (sizeof(pat) - 1)];
	if (out[n - 1] == '/')
		out[n - 1] = 'x';
	out[n] = '\0';
}

/*
 * Issue 9 §3: an app id longer than a rule keeps is refused with an
 * error on app_id, in the body and in the path; it never becomes a cut
 * (and so another app's) id.  The longest that fits is taken whole.
 */
static void
test_app_id_too_long(void **state)
{
	char id[RULES_APP_ID_MAX + 64], j[RULES_APP_ID_MAX + 256];
	struct rules_error e;
	struct rule r;

	(void)state;
	long_app_id(id, RULES_APP_ID_MAX - 2);
	snprintf(j, sizeof(j), "{\"app_id\":\"%s\",\"min_instances\":1,"
	    "\"max_instances\":2,\"cpu\":{\"above\":80,\"below\":20}}",
	    id);
	assert_int_equal(rules_from_json(j, strlen(j), NULL, &r, &e), 0);
	assert_string_equal(r.app_id, id);
	assert_int_equal(rules_from_json(j, strlen(j), id, &r, &e), 0);

	long_app_id(id, RULES_APP_ID_MAX + 10);
	snprintf(j, sizeof(j), "{\"app_id\":\"%s\",\"min_instances\":1,"
	    "\"max_instances\":2,\"cpu\":{\"above\":80,\"below\":20}}",
	    id);
	assert_int_equal(rules_from_json(j, strlen(j), NULL, &r, &e), -1);
	assert_string_equal(e.field, "app_id");
	assert_non_null(strstr(e.error, "too long"));
	snprintf(j, sizeof(j), "{\"min_instances\":1,\"max_instances\":2,"
	    "\"cpu\":{\"above\":80,\"below\":20}}");
	assert_int_equal(rules_from_json(j, strlen(j), id, &r, &e), -1);
	assert_string_equal(e.field, "app_id");
	assert_non_null(strstr(e.error, "too long"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_path_id),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_app_id_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
