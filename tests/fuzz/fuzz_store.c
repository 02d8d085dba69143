/*
 * fuzz_store.c — libFuzzer harness for what the scaler reads back from
 * its per-app store (scaler/store.c): node names (store_decode_id: a
 * file name in DIR/rules/ or DIR/state/, a znode name under PATH) and
 * state nodes (store_decode_state; rule nodes are rules_from_json, which
 * tests/fuzz/fuzz_rules.c covers).
 *
 * Input: a first line, the name; the rest, a state node of the app that
 * name decodes to ("/a" when it does not decode).  Checked properties: a
 * name that decodes is the canonical encoding of its id (encoding the id
 * gives the very same name) and the id is a normalised Marathon app id; a
 * state node that decodes, encoded again, decodes to the same history,
 * which encodes to the very same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scaler/store.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *name, size_t len, char *id, size_t idlen)
{
	char again[STORE_NAME_MAX], norm[RULES_APP_ID_MAX], why[128];

	if (store_decode_id(name, len, id, idlen, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();    /* a refusal says why */
		memcpy(id, "/a", 3);
		return;
	}
	if (store_encode_id(id, again, sizeof(again)) != 0 ||
	    strlen(again) != len || memcmp(again, name, len) != 0)
		abort();
	memcpy(norm, id, strlen(id) + 1);
	if (rules_normalize_app_id(norm, sizeof(norm)) != 0 ||
	    strcmp(norm, id) != 0)
		abort();
}

static void
check_state(const char *data, size_t len, const char *id)
{
	struct policy_history h, h2;
	char why[256], *a, *b;
	size_t alen, blen;

	if (store_decode_state(data, len, id, &h, why, sizeof(why)) != 0)
		return;
	a = store_encode_state(id, &h, &alen);
	if (a == NULL)
		abort();
	if (store_decode_state(a, alen, id, &h2, why, sizeof(why)) != 0)
		abort();    /* what we write we must read */
	b = store_encode_state(id, &h2, &blen);
	if (b == NULL || alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl;
	char id[RULES_APP_ID_MAX];
	size_t nlen;

	nl = memchr(p, '\n', size);
	nlen = nl != NULL ? (size_t)(nl - p) : size;
	if (memchr(p, '\0', nlen) != NULL)
		return 0;       /* a name never holds a NUL */
	check_name(p, nlen, id, sizeof(id));
	if (nl != NULL)
		check_state(nl + 1, size - nlen - 1, id);
	return 0;
}
