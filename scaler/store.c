/*
 * store.c — see store.h: the names and codecs every backend shares.
 * Pure: no I/O.  The history decoder is the one state.json used (moved
 * here from state.c); the rule decoder is rules_from_cjson.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/util.h"
#include "scaler/store.h"

static const char *const result_names[] = {
	[STORE_OK] = "ok",
	[STORE_E_NOT_FOUND] = "no such node",
	[STORE_E_EXISTS] = "the node exists",
	[STORE_E_CONFLICT] = "changed by another writer",
	[STORE_E_UNAVAILABLE] = "the store is not available",
	[STORE_E_IO] = "cannot write the store",
	[STORE_E_NOMEM] = "out of memory",
	[STORE_E_TOO_BIG] = "the node is too large",
};

const char *
store_strerror(enum store_result r)
{
	if ((size_t)r < ARRAY_LEN(result_names))
		return result_names[r];
	return "unknown";
}

const char *
store_kind_dir(enum store_kind k)
{
	return k == STORE_STATE ? "state" : "rules";
}

/* ---- names ---- */

static int
plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '-';
}

int
store_encode_id(const char *app_id, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)app_id;
	size_t o = 0;

	if (*p == '/')
		p++;
	for (; *p != '\0'; p++) {
		if (plain_byte(*p)) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)*p;
			continue;
		}
		if (o + 3 >= outlen)
			return -1;
		out[o++] = '%';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 15];
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;          /* lower case is not canonical */
}

int
store_decode_id(const char *name, size_t len, char *app_id, size_t idlen,
    char *why, size_t whylen)
{
	char id[RULES_APP_ID_MAX], again[STORE_NAME_MAX];
	size_t i, o = 0;

	if (len == 0 || len >= STORE_NAME_MAX) {
		snprintf(why, whylen, "name is empty or too long");
		return -1;
	}
	id[o++] = '/';
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (o + 1 >= sizeof(id))
			goto bad;
		if (name[i] != '%') {
			id[o++] = name[i];
			continue;
		}
		if (i + 2 >= len || (hi = hex_val(name[i + 1])) < 0 ||
		    (lo = hex_val(name[i + 2])) < 0)
			goto bad;
		id[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	id[o] = '\0';
	/* Canonical only: a valid app id whose encoding is this name. */
	if (memchr(id, '\0', o) != NULL || rules_normalize_app_id(id,
	    sizeof(id)) != 0 || store_encode_id(id, again,
	    sizeof(again)) != 0 || strlen(again) != len ||
	    memcmp(again, name, len) != 0 || strlen(id) + 1 > idlen)
		goto bad;
	memcpy(app_id, id, strlen(id) + 1);
	return 0;
bad:
	snprintf(why, whylen, "name is not an encoded Marathon app id");
	return -1;
}

/* ---- rules ---- */

char *
store_encode_rule(const struct rule *r, size_t *len)
{
	cJSON *o = rules_to_cjson(r);
	char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (text != NULL)
		*len = strlen(text);
	return text;
}

int
store_decode_rule(const char *data, size_t len, struct rule *r, char *why,
    size_t whylen)
{
	struct rules_error re;

	if (rules_from_json(data, len, NULL, r, &re) != 0) {
		snprintf(why, whylen, "%s%s%s", re.field, re.field[0] ? ": " :
		    "", re.error);
		return -1;
	}
	return 0;
}

/* ---- state ---- */

static cJSON *
pairs_to_json(const int64_t *t, const int *v, size_t stride, int n)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; a != NULL && i < n; i++) {
		cJSON *p = cJSON_CreateArray();
		const int64_t *tt = (const int64_t *)(const void *)
		    ((const char *)t + i * stride);
		const int *vv = (const int *)(const void *)
		    ((const char *)v + i * stride);

		if (p == NULL)
			break;
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)*tt));
		cJSON_AddItemToArray(p, cJSON_CreateNumber(*vv));
		cJSON_AddItemToArray(a, p);
	}
	return a;
}

void *
store_history_to_cjson(const struct policy_history *h)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "last_up_s", (double)h->last_up_s);
	cJSON_AddNumberToObject(o, "last_down_s", (double)h->last_down_s);
	cJSON_AddNumberToObject(o, "streak_dir", h->streak_dir);
	cJSON_AddNumberToObject(o, "streak_n", h->streak_n);
	cJSON_AddItemToObject(o, "recs", pairs_to_json(&h->recs[0].t,
	    &h->recs[0].n, sizeof(h->recs[0]), h->nrecs));
	cJSON_AddItemToObject(o, "events", pairs_to_json(&h->events[0].t,
	    &h->events[0].delta, sizeof(h->events[0]), h->nevents));
	return o;
}

char *
store_encode_state(const char *app_id, const struct policy_history *h,
    size_t *len)
{
	cJSON *o = store_history_to_cjson(h);
	char *text = NULL;

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "app_id", app_id);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text != NULL)
		*len = strlen(text);
	return text;
}

/*
 * Every number in the history is range-checked as a double before it
 * becomes an integer: converting a double outside the target type's range
 * is undefined behaviour (a record [17001111111111111000, 1] once reached
 * an (int64_t) cast).  Times are unix seconds in [0, STORE_TIME_MAX].
 */
#define STORE_TIME_MAX 1e15

/* A number in [lo, hi] (NaN fails); on error, why names it. */
static int
get_num(const cJSON *v, const char *field, double lo, double hi,
    double *out, char *why, size_t whylen)
{
	if (!cJSON_IsNumber(v)) {
		snprintf(why, whylen, "%s: must be a number", field);
		return -1;
	}
	if (!(v->valuedouble >= lo && v->valuedouble <= hi)) {
		snprintf(why, whylen, "%s: %g is outside %g to %g", field,
		    v->valuedouble, lo, hi);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

static int
get_int(const cJSON *o, const char *k, double lo, double hi, double *out,
    char *why, size_t whylen)
{
	char f[64];

	snprintf(f, sizeof(f), ".%s", k);
	return get_num(cJSON_GetObjectItemCaseSensitive(o, k), f, lo, hi, out,
	    why, whylen);
}

/*
 * Decode [[t, n], ...] (array `name`) into up to max pairs: t a time, n
 * a count or delta in [-RULES_MAX_INSTANCES - 1, 2 * RULES_MAX_INSTANCES
 * + 1].
 */
static int
pairs_from_json(const cJSON *a, const char *name, int max, int64_t *t,
    int *v, size_t stride, int *n, char *why, size_t whylen)
{
	const cJSON *p;
	char f[64];
	double x, y;
	int i = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > max) {
		snprintf(why, whylen, ".%s: must be an array of at most %d "
		    "pairs", name, max);
		return -1;
	}
	cJSON_ArrayForEach(p, a) {
		if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2) {
			snprintf(why, whylen, ".%s[%d]: must be a pair", name,
			    i);
			return -1;
		}
		snprintf(f, sizeof(f), ".%s[%d][0]", name, i);
		if (get_num(cJSON_GetArrayItem(p, 0), f, 0, STORE_TIME_MAX, &x,
		    why, whylen) != 0)
			return -1;
		snprintf(f, sizeof(f), ".%s[%d][1]", name, i);
		if (get_num(cJSON_GetArrayItem(p, 1), f,
		    -RULES_MAX_INSTANCES - 1, RULES_MAX_INSTANCES * 2 + 1, &y,
		    why, whylen) != 0)
			return -1;
		*(int64_t *)(void *)((char *)t + i * stride) = (int64_t)x;
		*(int *)(void *)((char *)v + i * stride) = (int)y;
		i++;
	}
	*n = i;
	return 0;
}

int
store_history_from_cjson(const void *json, struct policy_history *h,
    char *why, size_t whylen)
{
	const cJSON *o = json;
	double d;

	memset(h, 0, sizeof(*h));
	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, ": must be an object");
		return -1;
	}
	if (get_int(o, "last_up_s", 0, STORE_TIME_MAX, &d, why, whylen) != 0)
		return -1;
	h->last_up_s = (int64_t)d;
	if (get_int(o, "last_down_s", 0, STORE_TIME_MAX, &d, why,
	    whylen) != 0)
		return -1;
	h->last_down_s = (int64_t)d;
	if (get_int(o, "streak_dir", -1, 1, &d, why, whylen) != 0)
		return -1;
	h->streak_dir = (int)d;
	if (get_int(o, "streak_n", 0, 1e9, &d, why, whylen) != 0)
		return -1;
	h->streak_n = (int)d;
	if (pairs_from_json(cJSON_GetObjectItemCaseSensitive(o, "recs"),
	    "recs", POLICY_REC_MAX, &h->recs[0].t, &h->recs[0].n,
	    sizeof(h->recs[0]), &h->nrecs, why, whylen) != 0)
		return -1;
	return pairs_from_json(cJSON_GetObjectItemCaseSensitive(o, "events"),
	    "events", POLICY_EVENTS_MAX, &h->events[0].t,
	    &h->events[0].delta, sizeof(h->events[0]), &h->nevents, why,
	    whylen);
}

int
store_decode_state(const char *data, size_t len, const char *app_id,
    struct policy_history *h, char *why, size_t whylen)
{
	const char *end = NULL;
	const cJSON *id;
	cJSON *o;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	if (len > STORE_NODE_MAX) {
		snprintf(why, whylen, "larger than %u bytes", STORE_NODE_MAX);
		return -1;
	}
	o = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (o == NULL) {
		snprintf(why, whylen, "invalid JSON near byte %zu",
		    end != NULL && end >= data ? (size_t)(end - data) :
		    (size_t)0);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(o, "app_id");
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "not an object");
		goto out;
	}
	if (!cJSON_IsString(id) || strcmp(id->valuestring, app_id) != 0) {
		snprintf(why, whylen, ".app_id: must be \"%s\"", app_id);
		goto out;
	}
	ret = store_history_from_cjson(o, h, why, whylen);
out:
	cJSON_Delete(o);
	return ret;
}
