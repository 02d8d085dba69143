/*
 * marathon_decode.c — the pure half of marathon.h: id rules, URLs, and
 * decoders for Marathon's documented reply bodies.  No I/O, no clock.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/util.h"
#include "marathon/marathon.h"

static const char *const marathon_errstr[] = {
	[MARATHON_OK] = "ok",
	[MARATHON_E_LOCKED] = "app locked by a deployment in progress",
	[MARATHON_E_CONFLICT] = "conflict",
	[MARATHON_E_UNAUTHORIZED] = "unauthorized (check the credentials)",
	[MARATHON_E_FORBIDDEN] = "forbidden (the user may not do this)",
	[MARATHON_E_NOT_FOUND] = "not found",
	[MARATHON_E_INVALID] = "definition refused as invalid",
	[MARATHON_E_SERVER] = "Marathon server error",
	[MARATHON_E_TRANSPORT] = "cannot reach Marathon",
	[MARATHON_E_DECODE] = "unexpected reply from Marathon",
	[MARATHON_E_BAD_ID] = "invalid app id",
	[MARATHON_E_NOMEM] = "out of memory",
	[MARATHON_E_CONFIG] = "bad Marathon client configuration",
};

const char *
marathon_strerror(enum marathon_result r)
{
	if ((size_t)r < ARRAY_LEN(marathon_errstr) && marathon_errstr[r] != NULL)
		return marathon_errstr[r];
	return "unknown error";
}

/* --- ids and URLs ------------------------------------------------------ */

/* One dot-separated label: [a-z0-9] at both ends, [a-z0-9-] inside. */
static int
label_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
			return 0;
	}
	return 1;
}

static int
segment_valid(const char *s, size_t n)
{
	size_t start = 0, i;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!label_valid(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

int
marathon_id_valid(const char *id, char *err, size_t errlen)
{
	const char *p, *seg;
	size_t n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (id == NULL || id[0] == '\0' || (id[0] == '/' && id[1] == '\0')) {
		if (err != NULL)
			snprintf(err, errlen, "app id is empty");
		return 0;
	}
	if (strlen(id) + 2 > MARATHON_ID_MAX) {
		if (err != NULL)
			snprintf(err, errlen, "app id longer than %d bytes",
			    MARATHON_ID_MAX - 2);
		return 0;
	}
	p = id[0] == '/' ? id + 1 : id;
	for (;;) {
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0) {
			if (err != NULL)
				snprintf(err, errlen, "app id '%s' has an empty "
				    "segment", id);
			return 0;
		}
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.')) {
			if (err != NULL)
				snprintf(err, errlen, "app id '%s': relative "
				    "segments '.' and '..' are not accepted", id);
			return 0;
		}
		if (!segment_valid(seg, n)) {
			if (err != NULL)
				snprintf(err, errlen, "app id '%s': segment "
				    "'%.*s' must be lowercase letters, digits, "
				    "'-' and '.', starting and ending with a "
				    "letter or digit", id, (int)n, seg);
			return 0;
		}
		if (*p == '\0')
			return 1;
		p++;
	}
}

int
marathon_id_normalize(const char *id, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char tmp[MARATHON_ID_MAX + 1];
	size_t n;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (id == NULL || strlen(id) + 2 > sizeof(tmp)) {
		if (err != NULL)
			snprintf(err, errlen, "app id missing or longer than "
			    "%d bytes", MARATHON_ID_MAX - 2);
		return -1;
	}
	r = snprintf(tmp, sizeof(tmp), "%s%s", id[0] == '/' ? "" : "/", id);
	n = r < 0 ? 0 : (size_t)r;
	if (n > 2 && tmp[n - 1] == '/' && tmp[n - 2] != '/')
		tmp[--n] = '\0';
	if (!marathon_id_valid(tmp, err, errlen))
		return -1;
	if (n + 1 > outlen) {
		if (err != NULL)
			snprintf(err, errlen, "app id '%s' too long", tmp);
		return -1;
	}
	memcpy(out, tmp, n + 1);
	return 0;
}

int
marathon_id_canonical(const char *id, char *out, size_t outlen)
{
	return marathon_id_normalize(id, out, outlen, NULL, 0);
}

int
marathon_app_url(const char *base, const char *id, const char *suffix,
    char *out, size_t outlen)
{
	char canon[MARATHON_ID_MAX];
	size_t blen;
	int n;

	if (base == NULL || marathon_id_canonical(id, canon, sizeof(canon)) != 0)
		return -1;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (blen > (size_t)INT32_MAX)
		return -1;
	n = snprintf(out, outlen, "%.*s/v2/apps%s%s", (int)blen, base, canon,
	    suffix != NULL ? suffix : "");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* --- small cJSON helpers ----------------------------------------------- */

static cJSON *
parse(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON *root;

	if (body == NULL || len == 0) {
		snprintf(err, errlen, "empty body");
		return NULL;
	}
	/* Bodies end with a NUL at len (struct buf and read_file() promise
	 * it): parsing len + 1 bytes strictly refuses trailing garbage. */
	root = body[len] == '\0' ?
	    cJSON_ParseWithLengthOpts(body, len + 1, NULL, 1) :
	    cJSON_ParseWithLength(body, len);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		long off = at != NULL && at >= body && at <= body + len ?
		    (long)(at - body) : -1;
		snprintf(err, errlen, "not JSON (error near byte %ld)", off);
	}
	return root;
}

/*
 * Copy the string member `key` of obj into dst.  Absent or null: dst = ""
 * and 0 (or -1 when required).  Not a string, or too long: -1.
 */
static int
get_str(const cJSON *obj, const char *key, char *dst, size_t size,
    int required, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	dst[0] = '\0';
	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			snprintf(err, errlen, "missing \"%s\"", key);
		return required ? -1 : 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		snprintf(err, errlen, "\"%s\" is not a string", key);
		return -1;
	}
	if (str_copy(dst, v->valuestring, size) >= size) {
		snprintf(err, errlen, "\"%s\" is too long", key);
		dst[0] = '\0';
		return -1;
	}
	return 0;
}

/* A whole non-negative count; absent = 0. */
static int
get_count(const cJSON *obj, const char *key, long *out, char *err,
    size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > 1e9 ||
	    v->valuedouble != floor(v->valuedouble)) {
		snprintf(err, errlen, "\"%s\" is not a count", key);
		return -1;
	}
	*out = (long)v->valuedouble;
	return 0;
}

static double
get_double(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return 0;
	return v->valuedouble;
}

/* deployments: [{"id": "..."}] into ids[]; extra entries are dropped. */
static int
get_deployment_ids(const cJSON *obj, char ids[][MARATHON_DEPLOYMENT_MAX],
    int *n, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "deployments");
	const cJSON *d;

	*n = 0;
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "\"deployments\" is not an array");
		return -1;
	}
	cJSON_ArrayForEach(d, arr) {
		if (*n >= MARATHON_DEPLOYMENTS_MAX)
			break;
		if (!cJSON_IsObject(d) || get_str(d, "id", ids[*n],
		    MARATHON_DEPLOYMENT_MAX, 1, err, errlen) != 0) {
			snprintf(err, errlen, "deployments[%d] has no string id",
			    *n);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* --- errors ------------------------------------------------------------ */

static enum marathon_result
result_for_status(long status)
{
	if (status >= 200 && status < 300)
		return MARATHON_OK;
	switch (status) {
	case 400:
	case 422:
		return MARATHON_E_INVALID;
	case 401:
		return MARATHON_E_UNAUTHORIZED;
	case 403:
		return MARATHON_E_FORBIDDEN;
	case 404:
		return MARATHON_E_NOT_FOUND;
	case 409:
		return MARATHON_E_CONFLICT;
	default:
		return MARATHON_E_SERVER;
	}
}

/* "message; /path: error, error; /path2: error" into st->message. */
static void
format_message(const cJSON *root, struct marathon_status *st)
{
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(root, "details");
	const cJSON *d, *e;
	struct buf b;
	char *s;

	buf_init(&b, sizeof(st->message) - 1);
	if (cJSON_IsString(msg))
		(void)buf_puts(&b, msg->valuestring);
	if (cJSON_IsArray(details)) {
		cJSON_ArrayForEach(d, details) {
			const cJSON *path = cJSON_GetObjectItemCaseSensitive(d, "path");
			const cJSON *errs = cJSON_GetObjectItemCaseSensitive(d, "errors");
			const char *sep = ": ";

			if (buf_printf(&b, "; %s", cJSON_IsString(path) ?
			    path->valuestring : "?") != 0)
				break;
			if (!cJSON_IsArray(errs))
				continue;
			cJSON_ArrayForEach(e, errs) {
				if (cJSON_IsString(e) && buf_printf(&b, "%s%s", sep,
				    e->valuestring) != 0)
					break;
				sep = ", ";
			}
		}
	}
	s = b.data != NULL ? b.data : "";
	str_copy_trunc(st->message, s, sizeof(st->message));
	buf_free(&b);
}

enum marathon_result
marathon_decode_error(long status, const char *body, size_t len,
    struct marathon_status *st)
{
	enum marathon_result r = result_for_status(status);
	char err[128];
	cJSON *root = NULL;
	size_t i;

	st->status = status;
	st->message[0] = '\0';
	st->n_deployments = 0;
	if (body != NULL && len > 0)
		root = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(root)) {
		format_message(root, st);
		if (get_deployment_ids(root, st->deployments, &st->n_deployments,
		    err, sizeof(err)) != 0)
			st->n_deployments = 0;
	} else if (body != NULL && len > 0) {
		/* Not JSON (a proxy's HTML page, "pong"): keep one line of it. */
		for (i = 0; i < len && i + 1 < sizeof(st->message); i++) {
			char c = body[i];
			if (c == '\n' || c == '\r' || c == '\0')
				break;
			st->message[i] = isprint((unsigned char)c) ? c : '?';
		}
		st->message[i] = '\0';
	}
	if (r == MARATHON_E_CONFLICT && st->n_deployments > 0)
		r = MARATHON_E_LOCKED;
	cJSON_Delete(root);
	return r;
}

/* --- apps -------------------------------------------------------------- */

void
marathon_app_free(struct marathon_app *a)
{
	if (a == NULL)
		return;
	free(a->tasks);
	memset(a, 0, sizeof(*a));
}

void
marathon_apps_free(struct marathon_app *apps, size_t n)
{
	size_t i;

	if (apps == NULL)
		return;
	for (i = 0; i < n; i++)
		marathon_app_free(&apps[i]);
	free(apps);
}

static enum marathon_health
task_health(const cJSON *t)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(t, "healthCheckResults");
	const cJSON *h;
	int seen = 0;

	if (!cJSON_IsArray(arr))
		return MARATHON_HEALTH_NONE;
	cJSON_ArrayForEach(h, arr) {
		seen = 1;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "alive")))
			return MARATHON_HEALTH_FAILING;
	}
	return seen ? MARATHON_HEALTH_ALIVE : MARATHON_HEALTH_NONE;
}

static int
decode_task(const cJSON *t, struct marathon_task *out, char *err,
    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(t)) {
		snprintf(err, errlen, "task is not an object");
		return -1;
	}
	if (get_str(t, "id", out->id, sizeof(out->id), 1, err, errlen) != 0 ||
	    get_str(t, "host", out->host, sizeof(out->host), 0, err, errlen) != 0 ||
	    get_str(t, "state", out->state, sizeof(out->state), 0, err, errlen) != 0 ||
	    get_str(t, "startedAt", out->started_at, sizeof(out->started_at), 0,
	    err, errlen) != 0 ||
	    get_str(t, "version", out->version, sizeof(out->version), 0, err,
	    errlen) != 0)
		return -1;
	out->health = task_health(t);
	return 0;
}

static enum marathon_result
decode_tasks(const cJSON *app, struct marathon_app *out, char *err,
    size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(app, "tasks");
	const cJSON *t;
	int n;

	if (arr == NULL || cJSON_IsNull(arr))
		return MARATHON_OK;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "\"tasks\" is not an array");
		return MARATHON_E_DECODE;
	}
	n = cJSON_GetArraySize(arr);
	if (n <= 0)
		return MARATHON_OK;
	if (n > MARATHON_TASKS_MAX) {
		snprintf(err, errlen, "%d tasks, more than %d", n,
		    MARATHON_TASKS_MAX);
		return MARATHON_E_DECODE;
	}
	out->tasks = calloc((size_t)n, sizeof(*out->tasks));
	if (out->tasks == NULL)
		return MARATHON_E_NOMEM;
	cJSON_ArrayForEach(t, arr) {
		char terr[128];

		if (decode_task(t, &out->tasks[out->n_tasks], terr,
		    sizeof(terr)) != 0) {
			snprintf(err, errlen, "tasks[%zu]: %s", out->n_tasks, terr);
			return MARATHON_E_DECODE;
		}
		out->n_tasks++;
	}
	return MARATHON_OK;
}

static enum marathon_result
decode_app_object(const cJSON *app, struct marathon_app *out, char *err,
    size_t errlen)
{
	const cJSON *vi, *hc;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(app)) {
		snprintf(err, errlen, "app is not an object");
		return MARATHON_E_DECODE;
	}
	if (get_str(app, "id", out->id, sizeof(out->id), 1, err, errlen) != 0 ||
	    get_str(app, "version", out->version, sizeof(out->version), 0, err,
	    errlen) != 0 ||
	    get_count(app, "instances", &out->instances, err, errlen) != 0 ||
	    get_count(app, "tasksRunning", &out->tasks_running, err, errlen) != 0 ||
	    get_count(app, "tasksHealthy", &out->tasks_healthy, err, errlen) != 0 ||
	    get_count(app, "tasksUnhealthy", &out->tasks_unhealthy, err,
	    errlen) != 0 ||
	    get_count(app, "tasksStaged", &out->tasks_staged, err, errlen) != 0 ||
	    get_deployment_ids(app, out->deployments, &out->n_deployments, err,
	    errlen) != 0)
		return MARATHON_E_DECODE;
	if (!cJSON_HasObjectItem(app, "instances")) {
		snprintf(err, errlen, "missing \"instances\"");
		return MARATHON_E_DECODE;
	}
	vi = cJSON_GetObjectItemCaseSensitive(app, "versionInfo");
	if (cJSON_IsObject(vi) && get_str(vi, "lastConfigChangeAt",
	    out->config_version, sizeof(out->config_version), 0, err,
	    errlen) != 0)
		return MARATHON_E_DECODE;
	hc = cJSON_GetObjectItemCaseSensitive(app, "healthChecks");
	out->has_health_checks = cJSON_IsArray(hc) && cJSON_GetArraySize(hc) > 0;
	out->cpus = get_double(app, "cpus");
	out->mem = get_double(app, "mem");
	return decode_tasks(app, out, err, errlen);
}

enum marathon_result
marathon_decode_app(const char *body, size_t len, struct marathon_app *out,
    char *err, size_t errlen)
{
	enum marathon_result r;
	cJSON *root;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, err, errlen);
	if (root == NULL)
		return MARATHON_E_DECODE;
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "app"))) {
		snprintf(err, errlen, "no \"app\" object");
		r = MARATHON_E_DECODE;
		goto out;
	}
	r = decode_app_object(cJSON_GetObjectItemCaseSensitive(root, "app"), out,
	    err, errlen);
out:
	cJSON_Delete(root);
	return r;
}

enum marathon_result
marathon_decode_app_object(const char *body, size_t len,
    struct marathon_app *out, char *err, size_t errlen)
{
	enum marathon_result r;
	cJSON *root;

	memset(out, 0, sizeof(*out));
	root = parse(body, len, err, errlen);
	if (root == NULL)
		return MARATHON_E_DECODE;
	r = decode_app_object(root, out, err, errlen);
	cJSON_Delete(root);
	return r;
}

enum marathon_result
marathon_decode_apps(const char *body, size_t len, struct marathon_app **apps,
    size_t *n, char *err, size_t errlen)
{
	enum marathon_result r = MARATHON_OK;
	const cJSON *arr, *a;
	cJSON *root;
	int count;

	*apps = NULL;
	*n = 0;
	root = parse(body, len, err, errlen);
	if (root == NULL)
		return MARATHON_E_DECODE;
	arr = cJSON_GetObjectItemCaseSensitive(root, "apps");
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "no \"apps\" array");
		r = MARATHON_E_DECODE;
		goto out;
	}
	count = cJSON_GetArraySize(arr);
	if (count > MARATHON_LIST_MAX) {
		snprintf(err, errlen, "%d apps, more than %d", count,
		    MARATHON_LIST_MAX);
		r = MARATHON_E_DECODE;
		goto out;
	}
	if (count == 0)
		goto out;
	*apps = calloc((size_t)count, sizeof(**apps));
	if (*apps == NULL) {
		r = MARATHON_E_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(a, arr) {
		char aerr[160];

		r = decode_app_object(a, &(*apps)[*n], aerr, sizeof(aerr));
		(*n)++;         /* counted even on failure: its tasks are freed */
		if (r != MARATHON_OK) {
			snprintf(err, errlen, "apps[%zu]: %s", *n - 1, aerr);
			goto out;
		}
	}
out:
	if (r != MARATHON_OK) {
		marathon_apps_free(*apps, *n);
		*apps = NULL;
		*n = 0;
	}
	cJSON_Delete(root);
	return r;
}

/* --- deployments and versions ------------------------------------------ */

enum marathon_result
marathon_decode_deployment_result(const char *body, size_t len,
    struct marathon_status *st)
{
	enum marathon_result r = MARATHON_OK;
	char err[128];
	cJSON *root;

	st->deployment_id[0] = st->version[0] = '\0';
	root = parse(body, len, err, sizeof(err));
	if (!cJSON_IsObject(root) ||
	    get_str(root, "deploymentId", st->deployment_id,
	    sizeof(st->deployment_id), 1, err, sizeof(err)) != 0 ||
	    get_str(root, "version", st->version, sizeof(st->version), 1, err,
	    sizeof(err)) != 0) {
		if (root != NULL && !cJSON_IsObject(root))
			snprintf(err, sizeof(err), "not an object");
		snprintf(st->message, sizeof(st->message), "deployment result: %s",
		    err);
		r = MARATHON_E_DECODE;
	}
	cJSON_Delete(root);
	return r;
}

static int
decode_deployment(const cJSON *d, struct marathon_deployment *out, char *err,
    size_t errlen)
{
	const cJSON *apps, *a, *ca;
	long step = 0, total = 0;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(d)) {
		snprintf(err, errlen, "not an object");
		return -1;
	}
	if (get_str(d, "id", out->id, sizeof(out->id), 1, err, errlen) != 0 ||
	    get_str(d, "version", out->version, sizeof(out->version), 0, err,
	    errlen) != 0 ||
	    get_count(d, "currentStep", &step, err, errlen) != 0 ||
	    get_count(d, "totalSteps", &total, err, errlen) != 0)
		return -1;
	out->current_step = (int)step;
	out->total_steps = (int)total;
	apps = cJSON_GetObjectItemCaseSensitive(d, "affectedApps");
	if (cJSON_IsArray(apps)) {
		cJSON_ArrayForEach(a, apps) {
			if (out->n_apps >= (int)ARRAY_LEN(out->apps))
				break;
			if (!cJSON_IsString(a) || str_copy(out->apps[out->n_apps],
			    a->valuestring, MARATHON_ID_MAX) >= MARATHON_ID_MAX) {
				snprintf(err, errlen, "bad affectedApps entry");
				return -1;
			}
			out->n_apps++;
		}
	}
	ca = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d,
	    "currentActions"), 0);
	if (cJSON_IsObject(ca))
		(void)get_str(ca, "action", out->action, sizeof(out->action), 0,
		    err, errlen);
	return 0;
}

enum marathon_result
marathon_decode_deployments(const char *body, size_t len,
    struct marathon_deployment **deps, size_t *n, char *err, size_t errlen)
{
	enum marathon_result r = MARATHON_OK;
	const cJSON *d;
	cJSON *root;
	int count;

	*deps = NULL;
	*n = 0;
	root = parse(body, len, err, errlen);
	if (root == NULL)
		return MARATHON_E_DECODE;
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "deployments: not an array");
		r = MARATHON_E_DECODE;
		goto out;
	}
	count = cJSON_GetArraySize(root);
	if (count > MARATHON_LIST_MAX) {
		snprintf(err, errlen, "%d deployments, more than %d", count,
		    MARATHON_LIST_MAX);
		r = MARATHON_E_DECODE;
		goto out;
	}
	if (count == 0)
		goto out;
	*deps = calloc((size_t)count, sizeof(**deps));
	if (*deps == NULL) {
		r = MARATHON_E_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(d, root) {
		char derr[128];

		if (decode_deployment(d, &(*deps)[*n], derr, sizeof(derr)) != 0) {
			snprintf(err, errlen, "deployments[%zu]: %s", *n, derr);
			r = MARATHON_E_DECODE;
			goto out;
		}
		(*n)++;
	}
out:
	if (r != MARATHON_OK) {
		free(*deps);
		*deps = NULL;
		*n = 0;
	}
	cJSON_Delete(root);
	return r;
}

int
marathon_deployment_affects(const struct marathon_deployment *dep,
    const char *id)
{
	char want[MARATHON_ID_MAX], have[MARATHON_ID_MAX];
	int i;

	if (marathon_id_canonical(id, want, sizeof(want)) != 0)
		return 0;
	for (i = 0; i < dep->n_apps; i++)
		if (marathon_id_canonical(dep->apps[i], have, sizeof(have)) == 0 &&
		    strcmp(want, have) == 0)
			return 1;
	return 0;
}

enum marathon_result
marathon_decode_versions(const char *body, size_t len,
    char (**versions)[MARATHON_VERSION_MAX], size_t *n, char *err,
    size_t errlen)
{
	enum marathon_result r = MARATHON_OK;
	const cJSON *arr, *v;
	cJSON *root;
	int count;

	*versions = NULL;
	*n = 0;
	root = parse(body, len, err, errlen);
	if (root == NULL)
		return MARATHON_E_DECODE;
	arr = cJSON_GetObjectItemCaseSensitive(root, "versions");
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "no \"versions\" array");
		r = MARATHON_E_DECODE;
		goto out;
	}
	count = cJSON_GetArraySize(arr);
	if (count > MARATHON_LIST_MAX) {
		snprintf(err, errlen, "%d versions, more than %d", count,
		    MARATHON_LIST_MAX);
		r = MARATHON_E_DECODE;
		goto out;
	}
	if (count == 0)
		goto out;
	*versions = calloc((size_t)count, sizeof(**versions));
	if (*versions == NULL) {
		r = MARATHON_E_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v) || str_copy((*versions)[*n],
		    v->valuestring, MARATHON_VERSION_MAX) >= MARATHON_VERSION_MAX) {
			snprintf(err, errlen, "versions[%zu] is not a version "
			    "string", *n);
			r = MARATHON_E_DECODE;
			goto out;
		}
		(*n)++;
	}
out:
	if (r != MARATHON_OK) {
		free(*versions);
		*versions = NULL;
		*n = 0;
	}
	cJSON_Delete(root);
	return r;
}
