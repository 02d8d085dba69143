/*
 * fuzz_rules.c — libFuzzer harness for the rule JSON the scaler's REST
 * API accepts (PUT /v1/rules/{app_id}, POST /v1/rules) and reads back
 * from state.json: rules_from_json() with and without the app id from
 * the URL, and rules_normalize_app_id().
 *
 * Input: optionally a first line "/app/id" (the id from the URL), then
 * the body.  Checked properties: an accepted rule passes
 * rules_validate(); encoding it (rules_to_cjson) and decoding the text
 * again gives a rule that encodes to the very same text; a normalised app
 * id normalises to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "scaler/rules.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rule as compact JSON text (malloc'd), or abort. */
static char *
encode(const struct rule *r)
{
	cJSON *j = rules_to_cjson(r);
	char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (s == NULL)
		abort();
	return s;
}

static void
round_trip(const struct rule *r)
{
	struct rules_error e;
	struct rule again;
	char *a, *b;

	if (rules_validate(r, &e) != 0)
		abort();
	a = encode(r);
	if (rules_from_json(a, strlen(a), NULL, &again, &e) != 0)
		abort();    /* what we write we must read */
	b = encode(&again);
	if (strcmp(a, b) != 0)
		abort();
	cJSON_free(a);
	cJSON_free(b);
}

static void
app_id(const char *s)
{
	char id[RULES_APP_ID_MAX], again[RULES_APP_ID_MAX];

	if (strlen(s) >= sizeof(id))
		return;
	memcpy(id, s, strlen(s) + 1);
	if (rules_normalize_app_id(id, sizeof(id)) != 0)
		return;
	memcpy(again, id, sizeof(id));
	if (rules_normalize_app_id(again, sizeof(again)) != 0 ||
	    strcmp(again, id) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size), *body, *path = NULL, *nl;
	struct rules_error e;
	struct rule r;

	if (text == NULL)
		return 0;
	body = text;
	if (text[0] == '/' && (nl = memchr(text, '\n', size)) != NULL) {
		*nl = '\0';
		path = text;
		body = nl + 1;
		app_id(path);
	}
	if (rules_from_json(body, size - (size_t)(body - text), path, &r,
	    &e) == 0)
		round_trip(&r);
	else if (e.error[0] == '\0')
		abort();    /* an error must say what is wrong */
	free(text);
	return 0;
}
