/*
 * rules.c — see rules.h.  The JSON keys are one table (name, kind,
 * offset, bounds), so decoding, range checks and encoding agree.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/util.h"
#include "marathon/marathon.h"
#include "scaler/rules.h"

enum field_kind { F_APP_ID, F_INT, F_I64, F_DOUBLE, F_BOOL, F_MODE,
    F_TRIGGER, F_METRIC };

struct field {
	const char     *name;
	enum field_kind kind;
	size_t          offset;
	double          min, max;
};

static const struct field fields[] = {
	{ "app_id", F_APP_ID, offsetof(struct rule, app_id), 0, 0 },
	{ "min_instances", F_INT, offsetof(struct rule, min_instances),
	  0, RULES_MAX_INSTANCES },
	{ "max_instances", F_INT, offsetof(struct rule, max_instances),
	  1, RULES_MAX_INSTANCES },
	{ "mode", F_MODE, offsetof(struct rule, mode), 0, 0 },
	{ "cpu", F_METRIC, offsetof(struct rule, cpu), 0, 0 },
	{ "mem", F_METRIC, offsetof(struct rule, mem), 0, 0 },
	{ "trigger", F_TRIGGER, offsetof(struct rule, trigger), 0, 0 },
	{ "step", F_INT, offsetof(struct rule, step), 1, RULES_MAX_INSTANCES },
	{ "confirm_cycles", F_INT, offsetof(struct rule, confirm_cycles),
	  1, 100 },
	{ "tolerance", F_DOUBLE, offsetof(struct rule, tolerance), 0, 0.9 },
	{ "stabilization_s", F_I64, offsetof(struct rule, stabilization_s),
	  0, 3600 },
	{ "scale_up_max_percent", F_INT,
	  offsetof(struct rule, scale_up_max_percent), 1, 1000 },
	{ "scale_up_max_instances", F_INT,
	  offsetof(struct rule, scale_up_max_instances), 1,
	  RULES_MAX_INSTANCES },
	{ "scale_down_max_percent", F_INT,
	  offsetof(struct rule, scale_down_max_percent), 1, 100 },
	{ "rate_period_s", F_I64, offsetof(struct rule, rate_period_s),
	  1, 3600 },
	{ "cooldown_up_s", F_I64, offsetof(struct rule, cooldown_up_s),
	  0, 86400 },
	{ "cooldown_down_s", F_I64, offsetof(struct rule, cooldown_down_s),
	  0, 86400 },
	{ "warmup_s", F_I64, offsetof(struct rule, warmup_s), 0, 86400 },
	{ "dry_run", F_BOOL, offsetof(struct rule, dry_run), 0, 0 },
	{ "paused", F_BOOL, offsetof(struct rule, paused), 0, 0 },
};

void
rules_defaults(struct rule *r)
{
	memset(r, 0, sizeof(*r));
	r->mode = RULES_MODE_THRESHOLD;
	r->trigger = RULES_TRIGGER_ANY;
	r->step = 1;
	r->confirm_cycles = 2;
	r->tolerance = 0.1;
	r->stabilization_s = 300;
	r->scale_up_max_percent = 100;
	r->scale_up_max_instances = 4;
	r->scale_down_max_percent = 50;
	r->rate_period_s = 60;
	r->cooldown_up_s = 60;
	r->cooldown_down_s = 120;
	r->warmup_s = 60;
}

const char *
rules_mode_str(enum rules_mode m)
{
	return m == RULES_MODE_TARGET ? "target" : "threshold";
}

const char *
rules_trigger_str(enum rules_trigger t)
{
	return t == RULES_TRIGGER_ALL ? "all" : "any";
}

static int
fail(struct rules_error *err, const char *field, const char *msg)
{
	snprintf(err->error, sizeof(err->error), "%s", msg);
	snprintf(err->field, sizeof(err->field), "%s", field);
	return -1;
}

int
rules_normalize_app_id(char *id, size_t size)
{
	char tmp[RULES_APP_ID_MAX];

	if (marathon_id_normalize(id, tmp, sizeof(tmp), NULL, 0) != 0 ||
	    strlen(tmp) + 1 > size)
		return -1;
	str_copy_trunc(id, tmp, size);
	return 0;
}

static int
check_pct(double v, int allow_zero, int allow_100)
{
	if (!isfinite(v))
		return -1;
	if (v < 0 || (v == 0 && !allow_zero) || v > 100 ||
	    (v == 100 && !allow_100))
		return -1;
	return 0;
}

static int
validate_metric(const struct rule *r, const struct rules_metric *m,
    const char *name, struct rules_error *err)
{
	char f[64];

	if (!m->enabled)
		return 0;
	if (r->mode == RULES_MODE_THRESHOLD) {
		snprintf(f, sizeof(f), "%s.above", name);
		if (check_pct(m->above, 0, 1) != 0)
			return fail(err, f, "must be a percentage above 0 and "
			    "at most 100");
		snprintf(f, sizeof(f), "%s.below", name);
		if (check_pct(m->below, 1, 0) != 0)
			return fail(err, f, "must be a percentage from 0 to "
			    "below 100");
		if (!(m->below < m->above))
			return fail(err, f, "below must be less than above");
	} else {
		snprintf(f, sizeof(f), "%s.target", name);
		if (check_pct(m->target, 0, 1) != 0)
			return fail(err, f, "must be a percentage above 0 and "
			    "at most 100");
	}
	return 0;
}

int
rules_validate(const struct rule *r, struct rules_error *err)
{
	char id[RULES_APP_ID_MAX];
	size_t i;

	memset(err, 0, sizeof(*err));
	STR_COPY_ARRAY(id, r->app_id);
	if (r->app_id[0] == '\0')
		return fail(err, "app_id", "is required");
	if (rules_normalize_app_id(id, sizeof(id)) != 0 ||
	    strcmp(id, r->app_id) != 0)
		return fail(err, "app_id", "must be an absolute Marathon app "
		    "id: '/'-separated segments of a-z, 0-9, '-' and '.'");
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		const struct field *f = &fields[i];
		const char *p = (const char *)r + f->offset;
		double v;

		if (f->kind == F_INT)
			v = *(const int *)(const void *)p;
		else if (f->kind == F_I64)
			v = (double)*(const int64_t *)(const void *)p;
		else if (f->kind == F_DOUBLE)
			v = *(const double *)(const void *)p;
		else
			continue;
		if (!isfinite(v) || v < f->min || v > f->max) {
			char msg[128];
			snprintf(msg, sizeof(msg), "must be from %g to %g",
			    f->min, f->max);
			return fail(err, f->name, msg);
		}
	}
	if (r->min_instances > r->max_instances)
		return fail(err, "max_instances",
		    "must be at least min_instances");
	if (!r->cpu.enabled && !r->mem.enabled)
		return fail(err, "cpu", "a rule needs a cpu or a mem block");
	if (validate_metric(r, &r->cpu, "cpu", err) != 0 ||
	    validate_metric(r, &r->mem, "mem", err) != 0)
		return -1;
	return 0;
}

static int
want_number(const cJSON *v, const char *name, double *out,
    struct rules_error *err)
{
	if (!cJSON_IsNumber(v))
		return fail(err, name, "must be a number");
	*out = v->valuedouble;
	return 0;
}

static int
want_integer(const cJSON *v, const char *name, double *out,
    struct rules_error *err)
{
	if (want_number(v, name, out, err) != 0)
		return -1;
	if (*out != floor(*out) || fabs(*out) > 1e15)
		return fail(err, name, "must be a whole number");
	return 0;
}

/* How many members of obj are named key (JSON allows repeats; we don't). */
static int
count_key(const cJSON *obj, const char *key)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, obj)
		if (strcmp(it->string, key) == 0)
			n++;
	return n;
}

static int
decode_metric(const cJSON *obj, const char *name, enum rules_mode mode,
    struct rules_metric *m, struct rules_error *err)
{
	const cJSON *it;
	char f[64];
	int have_above = 0, have_below = 0, have_target = 0;

	if (!cJSON_IsObject(obj))
		return fail(err, name, "must be an object");
	memset(m, 0, sizeof(*m));
	m->enabled = 1;
	cJSON_ArrayForEach(it, obj) {
		double *dst;

		snprintf(f, sizeof(f), "%s.%s", name, it->string);
		if (count_key(obj, it->string) > 1)
			return fail(err, f, "appears more than once");
		if (strcmp(it->string, "above") == 0) {
			dst = &m->above;
			have_above = 1;
		} else if (strcmp(it->string, "below") == 0) {
			dst = &m->below;
			have_below = 1;
		} else if (strcmp(it->string, "target") == 0) {
			dst = &m->target;
			have_target = 1;
		} else
			return fail(err, f, "unknown field");
		if (want_number(it, f, dst, err) != 0)
			return -1;
	}
	if (mode == RULES_MODE_THRESHOLD) {
		snprintf(f, sizeof(f), "%s.target", name);
		if (have_target)
			return fail(err, f, "target is for mode \"target\"; "
			    "threshold mode takes above and below");
		snprintf(f, sizeof(f), "%s.%s", name, have_above ? "below" :
		    "above");
		if (!have_above || !have_below)
			return fail(err, f, "is required in threshold mode");
	} else {
		snprintf(f, sizeof(f), "%s.%s", name, have_above ? "above" :
		    "below");
		if (have_above || have_below)
			return fail(err, f, "above/below are for mode "
			    "\"threshold\"; target mode takes target");
		snprintf(f, sizeof(f), "%s.target", name);
		if (!have_target)
			return fail(err, f, "is required in target mode");
	}
	return 0;
}

static const struct field *
find_field(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* Decode one scalar field (everything but the metric blocks). */
static int
decode_field(const struct field *f, const cJSON *v, struct rule *r,
    struct rules_error *err)
{
	char *p = (char *)r + f->offset;
	double d = 0;   /* set by want_*(); gcc -O1 (TSan) cannot tell */

	switch (f->kind) {
	case F_APP_ID:
		if (!cJSON_IsString(v))
			return fail(err, f->name, "must be a string");
		if (strlen(v->valuestring) >= RULES_APP_ID_MAX - 1)
			return fail(err, f->name, "is too long");
		str_copy_trunc(r->app_id, v->valuestring, sizeof(r->app_id));
		if (rules_normalize_app_id(r->app_id, sizeof(r->app_id)) != 0)
			return fail(err, f->name, "must be a Marathon app id: "
			    "'/'-separated segments of a-z, 0-9, '-' and '.'");
		return 0;
	case F_INT:
	case F_I64:
		if (want_integer(v, f->name, &d, err) != 0)
			return -1;
		if (d < f->min || d > f->max) {
			char msg[128];
			snprintf(msg, sizeof(msg), "must be from %g to %g",
			    f->min, f->max);
			return fail(err, f->name, msg);
		}
		if (f->kind == F_INT)
			*(int *)(void *)p = (int)d;
		else
			*(int64_t *)(void *)p = (int64_t)d;
		return 0;
	case F_DOUBLE:
		if (want_number(v, f->name, &d, err) != 0)
			return -1;
		*(double *)(void *)p = d;
		return 0;
	case F_BOOL:
		if (!cJSON_IsBool(v))
			return fail(err, f->name, "must be true or false");
		*(int *)(void *)p = cJSON_IsTrue(v);
		return 0;
	case F_MODE:
		if (cJSON_IsString(v) && strcmp(v->valuestring, "threshold")
		    == 0)
			r->mode = RULES_MODE_THRESHOLD;
		else if (cJSON_IsString(v) && strcmp(v->valuestring,
		    "target") == 0)
			r->mode = RULES_MODE_TARGET;
		else
			return fail(err, f->name, "must be \"threshold\" or "
			    "\"target\"");
		return 0;
	case F_TRIGGER:
		if (cJSON_IsString(v) && strcmp(v->valuestring, "any") == 0)
			r->trigger = RULES_TRIGGER_ANY;
		else if (cJSON_IsString(v) && strcmp(v->valuestring, "all")
		    == 0)
			r->trigger = RULES_TRIGGER_ALL;
		else
			return fail(err, f->name, "must be \"any\" or \"all\"");
		return 0;
	case F_METRIC:
		break;
	}
	return 0;
}

int
rules_from_cjson(const void *json, const char *path_app_id, struct rule *r,
    struct rules_error *err)
{
	const cJSON *obj = json, *it, *v;
	int have_min = 0, have_max = 0;

	memset(err, 0, sizeof(*err));
	rules_defaults(r);
	if (!cJSON_IsObject(obj))
		return fail(err, "", "the body must be a JSON object");
	/* Every key is known and appears once; mode first, since the metric
	 * blocks are read according to it. */
	cJSON_ArrayForEach(it, obj) {
		if (find_field(it->string) == NULL)
			return fail(err, it->string, "unknown field");
		if (count_key(obj, it->string) > 1)
			return fail(err, it->string, "appears more than once");
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "mode");
	if (v != NULL && decode_field(find_field("mode"), v, r, err) != 0)
		return -1;
	cJSON_ArrayForEach(it, obj) {
		const struct field *f = find_field(it->string);

		if (f->kind == F_METRIC) {
			if (decode_metric(it, f->name, r->mode,
			    (struct rules_metric *)(void *)((char *)r +
			    f->offset), err) != 0)
				return -1;
			continue;
		}
		if (decode_field(f, it, r, err) != 0)
			return -1;
		if (strcmp(f->name, "min_instances") == 0)
			have_min = 1;
		if (strcmp(f->name, "max_instances") == 0)
			have_max = 1;
	}
	if (path_app_id != NULL) {
		char pid[RULES_APP_ID_MAX];

		if (strlen(path_app_id) >= sizeof(pid) - 1)
			return fail(err, "app_id", "is too long");
		str_copy_trunc(pid, path_app_id, sizeof(pid));
		if (rules_normalize_app_id(pid, sizeof(pid)) != 0)
			return fail(err, "app_id", "the app id in the path is "
			    "not a Marathon app id");
		if (r->app_id[0] != '\0' && strcmp(pid, r->app_id) != 0)
			return fail(err, "app_id", "differs from the app id in "
			    "the path");
		STR_COPY_ARRAY(r->app_id, pid);
	}
	if (r->app_id[0] == '\0')
		return fail(err, "app_id", "is required");
	if (!have_min)
		return fail(err, "min_instances", "is required");
	if (!have_max)
		return fail(err, "max_instances", "is required");
	return rules_validate(r, err);
}

/*
 * cJSON decodes the escape \u0000 into a NUL byte and then reads the
 * string as a C string, so "/u1\u0000evil" would become "/u1" and a key
 * "cpu\u0000x" would become "cpu".  Rewrite each such escape (inside a
 * string, not after a backslash escape) to \u007f in place: the same
 * length, and a byte that no key, app id, mode or trigger may hold, so
 * the field that carries it is refused by name.  Returns how many were
 * rewritten.
 */
static size_t
defuse_nul_escapes(char *text, size_t len)
{
	size_t i, n = 0;
	int in_string = 0;

	for (i = 0; i < len; i++) {
		if (!in_string) {
			in_string = text[i] == '"';
			continue;
		}
		if (text[i] == '"') {
			in_string = 0;
			continue;
		}
		if (text[i] != '\\' || i + 1 >= len)
			continue;
		if (text[i + 1] == 'u' && len - i >= 6 &&
		    memcmp(text + i + 2, "0000", 4) == 0) {
			memcpy(text + i + 2, "007f", 4);
			n++;
		}
		i++;    /* the escaped character */
	}
	return n;
}

/* The byte offset of the first byte after `end` that is not JSON
 * whitespace, or len when only whitespace follows the document. */
static size_t
trailing_junk(const char *text, size_t len, const char *end)
{
	size_t off = (size_t)(end - text);

	while (off < len && (text[off] == ' ' || text[off] == '\t' ||
	    text[off] == '\n' || text[off] == '\r'))
		off++;
	return off;
}

static int
json_error(struct rules_error *err, const char *text, size_t len,
    size_t off, const char *what)
{
	unsigned line, col;

	if (off > len)
		off = len;
	text_line_col(text, off, &line, &col);
	snprintf(err->error, sizeof(err->error), "%s at line %u column %u "
	    "(byte %zu)", what, line, col, off);
	err->field[0] = '\0';
	return -1;
}

int
rules_from_json(const char *text, size_t len, const char *path_app_id,
    struct rule *r, struct rules_error *err)
{
	const char *end = NULL;
	cJSON *json = NULL;
	char *copy = NULL;
	size_t off, nuls;
	int ret = -1;

	memset(err, 0, sizeof(*err));
	rules_defaults(r);
	if (len > RULES_BODY_MAX)
		return fail(err, "", "the body is too large");
	copy = malloc(len + 1);
	if (copy == NULL)
		return fail(err, "", "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	nuls = defuse_nul_escapes(copy, len);
	json = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	if (json == NULL) {
		off = end != NULL && end >= copy ? (size_t)(end - copy) : 0;
		json_error(err, copy, len, off, "invalid JSON");
		goto out;
	}
	/* "{...} xyz" and "{...}\0garbage" are not one JSON document. */
	off = trailing_junk(copy, len, end);
	if (off < len) {
		json_error(err, copy, len, off, "junk after the JSON document");
		goto out;
	}
	ret = rules_from_cjson(json, path_app_id, r, err);
	if (nuls > 0) {
		/* Every string field refuses the DEL it became; say why. */
		if (ret == 0)
			fail(err, "", "a string holds \\u0000");
		else
			snprintf(err->error, sizeof(err->error), "holds "
			    "\\u0000 (a NUL), which no key or value may");
		ret = -1;
	}
out:
	cJSON_Delete(json);
	free(copy);
	return ret;
}

static void
add_metric(cJSON *o, const char *name, const struct rule *r,
    const struct rules_metric *m)
{
	cJSON *b;

	if (!m->enabled)
		return;
	b = cJSON_AddObjectToObject(o, name);
	if (b == NULL)
		return;
	if (r->mode == RULES_MODE_THRESHOLD) {
		cJSON_AddNumberToObject(b, "above", m->above);
		cJSON_AddNumberToObject(b, "below", m->below);
	} else
		cJSON_AddNumberToObject(b, "target", m->target);
}

void *
rules_to_cjson(const struct rule *r)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		const struct field *f = &fields[i];
		const char *p = (const char *)r + f->offset;

		switch (f->kind) {
		case F_APP_ID:
			cJSON_AddStringToObject(o, f->name, r->app_id);
			break;
		case F_INT:
			cJSON_AddNumberToObject(o, f->name,
			    *(const int *)(const void *)p);
			break;
		case F_I64:
			cJSON_AddNumberToObject(o, f->name,
			    (double)*(const int64_t *)(const void *)p);
			break;
		case F_DOUBLE:
			cJSON_AddNumberToObject(o, f->name,
			    *(const double *)(const void *)p);
			break;
		case F_BOOL:
			cJSON_AddBoolToObject(o, f->name,
			    *(const int *)(const void *)p);
			break;
		case F_MODE:
			cJSON_AddStringToObject(o, f->name,
			    rules_mode_str(r->mode));
			break;
		case F_TRIGGER:
			cJSON_AddStringToObject(o, f->name,
			    rules_trigger_str(r->trigger));
			break;
		case F_METRIC:
			add_metric(o, f->name, r, (const struct rules_metric *)
			    (const void *)p);
			break;
		}
	}
	return o;
}
