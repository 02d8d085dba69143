/*
 * docker_decode.c — pure decoding of Docker Engine API replies; see
 * docker.h.  Nothing here does I/O, reads a clock or keeps state.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "collector/docker.h"
#include "common/rfc3339.h"
#include "common/util.h"

static const char *const docker_errstr[] = {
	[DOCKER_OK] = "ok",
	[DOCKER_E_JSON] = "reply is not valid JSON",
	[DOCKER_E_SHAPE] = "reply has an unexpected shape",
	[DOCKER_E_NOMEM] = "out of memory",
	[DOCKER_E_ARG] = "bad argument",
	[DOCKER_E_TOO_LONG] = "a name, image or id is longer than hoist keeps",
};

const char *
docker_strerror(enum docker_result r)
{
	if ((size_t)r < ARRAY_LEN(docker_errstr) && docker_errstr[r] != NULL)
		return docker_errstr[r];
	return "unknown error";
}

int
docker_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		if (i >= DOCKER_ID_MAX)
			return 0;
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Copy at most n bytes of src (which need not be NUL-terminated there);
 * -1 when they did not all fit (dst then holds a cut copy). */
static int
copy_span(char *dst, size_t size, const char *src, size_t n)
{
	int rc = 0;

	if (size == 0)
		return -1;
	if (n >= size) {
		n = size - 1;
		rc = -1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return rc;
}

/* Both or -1: a cut image or version is a different one. */
static int
fits(size_t image_n, size_t imagelen, size_t version_n, size_t versionlen)
{
	return image_n < imagelen && version_n < versionlen ? 0 : -1;
}

int
docker_split_image(const char *ref, char *image, size_t imagelen,
    char *version, size_t versionlen)
{
	const char *at, *colon, *p;
	size_t namelen;
	int a, b;

	if (ref == NULL || ref[0] == '\0')
		return fits(str_copy(image, "", imagelen), imagelen,
		    str_copy(version, "unknown", versionlen), versionlen);
	/* Started by image id: the whole reference is the image. */
	if (strncmp(ref, "sha256:", 7) == 0 && strchr(ref, '/') == NULL)
		return fits(str_copy(image, ref, imagelen), imagelen,
		    str_copy(version, "unknown", versionlen), versionlen);
	at = strchr(ref, '@');
	namelen = at != NULL ? (size_t)(at - ref) : strlen(ref);
	/* A tag is a ':' after the last '/', so "host:5000/name" has none. */
	colon = NULL;
	for (p = ref; p < ref + namelen; p++) {
		if (*p == '/')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	if (colon != NULL && colon + 1 < ref + namelen) {
		a = copy_span(image, imagelen, ref, (size_t)(colon - ref));
		b = copy_span(version, versionlen, colon + 1,
		    namelen - (size_t)(colon + 1 - ref));
		return a == 0 && b == 0 ? 0 : -1;
	}
	if (colon != NULL)      /* "name:" with an empty tag */
		namelen = (size_t)(colon - ref);
	a = copy_span(image, imagelen, ref, namelen);
	b = str_copy(version, at != NULL && at[1] != '\0' ? at + 1 :
	    "latest", versionlen) < versionlen ? 0 : -1;
	return a == 0 && b == 0 ? 0 : -1;
}

enum docker_result
docker_labels_parse(const char *csv, struct docker_labels *out, char *err,
    size_t errlen)
{
	const char *p, *end;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (csv == NULL)
		return DOCKER_OK;
	for (p = csv; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		if (n >= DOCKER_LABEL_KEY_MAX) {
			snprintf(err, errlen, "label_include: pattern longer "
			    "than %d bytes", DOCKER_LABEL_KEY_MAX - 1);
			return DOCKER_E_ARG;
		}
		if (out->n >= DOCKER_LABEL_PATTERNS_MAX) {
			snprintf(err, errlen, "label_include: more than %d "
			    "patterns", DOCKER_LABEL_PATTERNS_MAX);
			return DOCKER_E_ARG;
		}
		(void)copy_span(out->pat[out->n++], DOCKER_LABEL_KEY_MAX, p,
		    n);                 /* fits: checked above */
	}
	return DOCKER_OK;
}

int
docker_labels_match(const struct docker_labels *inc, const char *key)
{
	uint32_t i;
	size_t n;

	if (inc == NULL || key == NULL)
		return 0;
	for (i = 0; i < inc->n; i++) {
		n = strlen(inc->pat[i]);
		if (n > 0 && inc->pat[i][n - 1] == '*') {
			if (strncmp(key, inc->pat[i], n - 1) == 0)
				return 1;
		} else if (strcmp(key, inc->pat[i]) == 0)
			return 1;
	}
	return 0;
}

void
docker_meta_free_labels(struct container_meta *meta)
{
	uint32_t i;

	if (meta == NULL)
		return;
	for (i = 0; i < meta->nlabels && i < LABELS_MAX; i++) {
		free(meta->labels[i].key);
		free(meta->labels[i].value);
		meta->labels[i].key = NULL;
		meta->labels[i].value = NULL;
	}
	meta->nlabels = 0;
}

/* Append one owned label; the value is cut at DOCKER_LABEL_VALUE_MAX. */
static int
add_label(struct container_meta *meta, const char *key, const char *value)
{
	struct label *l;

	if (meta->nlabels >= LABELS_MAX)
		return 0;
	l = &meta->labels[meta->nlabels];
	l->key = strdup(key);
	l->value = strndup(value, DOCKER_LABEL_VALUE_MAX - 1);
	if (l->key == NULL || l->value == NULL) {
		free(l->key);
		free(l->value);
		l->key = l->value = NULL;
		return -1;
	}
	meta->nlabels++;
	return 0;
}

int
docker_meta_copy(struct container_meta *dst, const struct container_meta *src)
{
	uint32_t i;

	docker_meta_free_labels(dst);
	STR_COPY_ARRAY(dst->name, src->name);
	STR_COPY_ARRAY(dst->image, src->image);
	STR_COPY_ARRAY(dst->version, src->version);
	STR_COPY_ARRAY(dst->marathon_app_id, src->marathon_app_id);
	STR_COPY_ARRAY(dst->mesos_task_id, src->mesos_task_id);
	STR_COPY_ARRAY(dst->state, src->state);
	dst->pid = src->pid;
	dst->started_ns = src->started_ns;
	for (i = 0; i < src->nlabels && i < LABELS_MAX; i++)
		if (add_label(dst, src->labels[i].key, src->labels[i].value))
			return -1;
	return 0;
}

static const char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* NULL as ""; -1 when src does not fit (dst is then left empty: a cut
 * name or id would be another one). */
static int
copy_str(char *dst, size_t size, const char *src)
{
	if (str_copy(dst, src != NULL ? src : "", size) < size)
		return 0;
	dst[0] = '\0';
	return -1;
}

/* Find "KEY=value" in an array of strings; returns value or NULL. */
static const char *
env_get(const cJSON *env, const char *key)
{
	const cJSON *e;
	size_t n = strlen(key);

	if (!cJSON_IsArray(env))
		return NULL;
	cJSON_ArrayForEach(e, env) {
		if (cJSON_IsString(e) && strncmp(e->valuestring, key, n) == 0 &&
		    e->valuestring[n] == '=')
			return e->valuestring + n + 1;
	}
	return NULL;
}

/* Config: image, labels, and the two Mesos/Marathon ids. */
static enum docker_result
decode_config(const cJSON *config, const struct docker_labels *inc,
    struct container_meta *meta)
{
	const cJSON *labels, *env, *l;
	const char *v;

	if (docker_split_image(json_str(config, "Image"), meta->image,
	    sizeof(meta->image), meta->version, sizeof(meta->version)) != 0)
		return DOCKER_E_TOO_LONG;
	labels = cJSON_GetObjectItemCaseSensitive(config, "Labels");
	env = cJSON_GetObjectItemCaseSensitive(config, "Env");
	if (!cJSON_IsObject(labels))
		labels = NULL;
	if ((v = json_str(labels, "MARATHON_APP_ID")) == NULL)
		v = env_get(env, "MARATHON_APP_ID");
	if (copy_str(meta->marathon_app_id, sizeof(meta->marathon_app_id),
	    v) != 0)
		return DOCKER_E_TOO_LONG;
	if ((v = json_str(labels, "MESOS_TASK_ID")) == NULL)
		v = env_get(env, "MESOS_TASK_ID");
	if (copy_str(meta->mesos_task_id, sizeof(meta->mesos_task_id), v) != 0)
		return DOCKER_E_TOO_LONG;
	if (labels == NULL)
		return DOCKER_OK;
	cJSON_ArrayForEach(l, labels) {
		if (!cJSON_IsString(l) || l->string == NULL ||
		    strlen(l->string) >= DOCKER_LABEL_KEY_MAX ||
		    !docker_labels_match(inc, l->string))
			continue;
		if (add_label(meta, l->string, l->valuestring))
			return DOCKER_E_NOMEM;
	}
	return DOCKER_OK;
}

static void
decode_state(const cJSON *state, struct container_meta *meta)
{
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(state, "Pid");

	/* An unknown state (too long: left empty) only means "not
	 * compared". */
	(void)copy_str(meta->state, sizeof(meta->state),
	    json_str(state, "Status"));
	if (cJSON_IsNumber(pid) && pid->valuedouble >= 0 &&
	    pid->valuedouble <= INT_MAX)
		meta->pid = (int)pid->valuedouble;
	if (rfc3339_parse(json_str(state, "StartedAt"),
	    &meta->started_ns) != 0)
		meta->started_ns = 0;
}

enum docker_result
docker_decode_inspect(const char *json, size_t len,
    const struct docker_labels *inc, struct container_meta *meta)
{
	enum docker_result res = DOCKER_OK;
	const char *id, *name;
	cJSON *root;

	memset(meta, 0, sizeof(*meta));
	root = cJSON_ParseWithLength(json, len);
	if (root == NULL) {
		res = DOCKER_E_JSON;
		goto out;
	}
	id = json_str(root, "Id");
	if (!cJSON_IsObject(root) || !docker_id_valid(id)) {
		res = DOCKER_E_SHAPE;
		goto out;
	}
	meta->runtime = RUNTIME_DOCKER;
	str_copy_trunc(meta->id, id, sizeof(meta->id)); /* valid: fits */
	name = json_str(root, "Name");
	if (name != NULL && name[0] == '/')
		name++;
	if (copy_str(meta->name, sizeof(meta->name), name) != 0) {
		res = DOCKER_E_TOO_LONG;
		goto out;
	}
	res = decode_config(cJSON_GetObjectItemCaseSensitive(root, "Config"),
	    inc, meta);
	if (res != DOCKER_OK)
		goto out;
	decode_state(cJSON_GetObjectItemCaseSensitive(root, "State"), meta);
out:
	cJSON_Delete(root);
	if (res != DOCKER_OK) {
		docker_meta_free_labels(meta);
		memset(meta, 0, sizeof(*meta));
	}
	return res;
}

/* The primary name: the first without a second '/' (a link alias looks
 * like "/web/db"), else the first string. */
static const char *
list_name(const cJSON *names)
{
	const cJSON *n;
	const char *first = NULL;

	if (!cJSON_IsArray(names))
		return NULL;
	cJSON_ArrayForEach(n, names) {
		if (!cJSON_IsString(n))
			continue;
		if (first == NULL)
			first = n->valuestring;
		if (strchr(n->valuestring + (n->valuestring[0] == '/'),
		    '/') == NULL)
			return n->valuestring;
	}
	return first;
}

enum docker_result
docker_decode_list(const char *json, size_t len, size_t max,
    struct docker_list_entry **out, size_t *n, size_t *skipped)
{
	enum docker_result res = DOCKER_OK;
	struct docker_list_entry *v = NULL, *e;
	const cJSON *c;
	const char *id, *name;
	size_t cnt = 0, skip = 0, want;
	cJSON *root;

	*out = NULL;
	*n = 0;
	if (skipped != NULL)
		*skipped = 0;
	root = cJSON_ParseWithLength(json, len);
	if (root == NULL) {
		res = DOCKER_E_JSON;
		goto out;
	}
	if (!cJSON_IsArray(root)) {
		res = DOCKER_E_SHAPE;
		goto out;
	}
	want = (size_t)cJSON_GetArraySize(root);
	if (want > max)
		want = max;
	v = calloc(want > 0 ? want : 1, sizeof(*v));
	if (v == NULL) {
		res = DOCKER_E_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(c, root) {
		id = json_str(c, "Id");
		if (!cJSON_IsObject(c) || !docker_id_valid(id)) {
			skip++;
			continue;
		}
		if (cnt >= want)
			break;
		e = &v[cnt++];
		str_copy_trunc(e->id, id, sizeof(e->id)); /* valid: fits */
		name = list_name(cJSON_GetObjectItemCaseSensitive(c, "Names"));
		if (name != NULL && name[0] == '/')
			name++;
		/* Too long: left empty (the name only pairs Mesos tasks
		 * with their container; a cut one could pair the wrong). */
		(void)copy_str(e->name, sizeof(e->name), name);
		(void)copy_str(e->state, sizeof(e->state),
		    json_str(c, "State"));
	}
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	cJSON_Delete(root);
	if (skipped != NULL)
		*skipped = skip;
	return res;
}
