/*
 * state.c — see state.h.  The apps live in one array sorted by app id.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "common/util.h"
#include "scaler/state.h"

struct entry {
	struct rule           rule;
	struct policy_history hist;
};

struct state {
	pthread_mutex_t  mu;
	char             dir[1024];
	char             path[1100];
	int              lock_fd;
	struct entry    *e;
	size_t           n, cap;
	int              dirty;
};

static const char *const result_names[] = {
	[STATE_OK] = "ok",
	[STATE_E_NOT_FOUND] = "no rule for that app",
	[STATE_E_EXISTS] = "a rule for that app exists",
	[STATE_E_FULL] = "too many rules",
	[STATE_E_IO] = "cannot write the state file",
	[STATE_E_NOMEM] = "out of memory",
};

const char *
state_strerror(enum state_result r)
{
	if ((size_t)r < ARRAY_LEN(result_names))
		return result_names[r];
	return "unknown";
}

/* Index of app_id, or -(insertion point) - 1. */
static long
find(const struct state *st, const char *app_id)
{
	return str_bsearch(st->e, st->n, sizeof(st->e[0]),
	    offsetof(struct entry, rule.app_id), app_id);
}

static int
insert_at(struct state *st, size_t at, const struct rule *r)
{
	if (st->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		struct entry *ne = realloc(st->e, ncap * sizeof(*ne));

		if (ne == NULL)
			return -1;
		st->e = ne;
		st->cap = ncap;
	}
	memmove(&st->e[at + 1], &st->e[at], (st->n - at) * sizeof(*st->e));
	memset(&st->e[at], 0, sizeof(*st->e));
	st->e[at].rule = *r;
	st->n++;
	return 0;
}

static void
remove_at(struct state *st, size_t at)
{
	memmove(&st->e[at], &st->e[at + 1], (st->n - at - 1) *
	    sizeof(*st->e));
	st->n--;
}

/* ---- encoding ---- */

static cJSON *
pairs_to_json(const int64_t *t, const int *v, size_t stride_t,
    size_t stride_v, int n)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; a != NULL && i < n; i++) {
		cJSON *p = cJSON_CreateArray();
		const int64_t *tt = (const int64_t *)(const void *)
		    ((const char *)t + i * stride_t);
		const int *vv = (const int *)(const void *)
		    ((const char *)v + i * stride_v);

		if (p == NULL)
			break;
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)*tt));
		cJSON_AddItemToArray(p, cJSON_CreateNumber(*vv));
		cJSON_AddItemToArray(a, p);
	}
	return a;
}

static cJSON *
history_to_json(const struct policy_history *h)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "last_up_s", (double)h->last_up_s);
	cJSON_AddNumberToObject(o, "last_down_s", (double)h->last_down_s);
	cJSON_AddNumberToObject(o, "streak_dir", h->streak_dir);
	cJSON_AddNumberToObject(o, "streak_n", h->streak_n);
	cJSON_AddItemToObject(o, "recs", pairs_to_json(&h->recs[0].t,
	    &h->recs[0].n, sizeof(h->recs[0]), sizeof(h->recs[0]),
	    h->nrecs));
	cJSON_AddItemToObject(o, "events", pairs_to_json(&h->events[0].t,
	    &h->events[0].delta, sizeof(h->events[0]), sizeof(h->events[0]),
	    h->nevents));
	return o;
}

static char *
encode(const struct state *st)
{
	cJSON *root = cJSON_CreateObject(), *apps;
	char *text = NULL;
	size_t i;

	if (root == NULL)
		return NULL;
	cJSON_AddNumberToObject(root, "version", 1);
	apps = cJSON_AddArrayToObject(root, "apps");
	if (apps == NULL)
		goto out;
	for (i = 0; i < st->n; i++) {
		cJSON *a = cJSON_CreateObject(), *r, *h;

		if (a == NULL)
			goto out;
		cJSON_AddItemToArray(apps, a);
		r = rules_to_cjson(&st->e[i].rule);
		h = history_to_json(&st->e[i].hist);
		if (r == NULL || h == NULL) {
			cJSON_Delete(r);
			cJSON_Delete(h);
			goto out;
		}
		cJSON_AddItemToObject(a, "rule", r);
		cJSON_AddItemToObject(a, "history", h);
	}
	text = cJSON_Print(root);
out:
	cJSON_Delete(root);
	return text;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write the file atomically; caller holds the mutex. */
static enum state_result
save(struct state *st, char *err, size_t errlen)
{
	char tmp[1200], *text;
	enum state_result res = STATE_E_IO;
	int fd = -1, dfd = -1;

	text = encode(st);
	if (text == NULL) {
		snprintf(err, errlen, "cannot encode the state: out of memory");
		return STATE_E_NOMEM;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) != 0 ||
	    write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, st->path) != 0) {
		snprintf(err, errlen, "rename %s: %s", st->path,
		    strerror(errno));
		goto out;
	}
	dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, errlen, "%s: %s", st->dir, strerror(errno));
		goto out;
	}
	st->dirty = 0;
	res = STATE_OK;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	free(text);
	return res;
}

/* ---- decoding ---- */

/*
 * Every number in the history is range-checked as a double before it
 * becomes an integer: converting a double outside the target type's range
 * is undefined behaviour (a record [17001111111111111000, 1] once reached
 * an (int64_t) cast).  Times are unix seconds in [0, STATE_TIME_MAX].
 */
#define STATE_TIME_MAX 1e15

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
		if (get_num(cJSON_GetArrayItem(p, 0), f, 0, STATE_TIME_MAX, &x,
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

/* On error, why names the field below "history" (".recs[2][0]: ...")
 * and says what is wrong with it. */
static int
history_from_json(const cJSON *o, struct policy_history *h, char *why,
    size_t whylen)
{
	double d;

	memset(h, 0, sizeof(*h));
	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, ": must be an object");
		return -1;
	}
	if (get_int(o, "last_up_s", 0, STATE_TIME_MAX, &d, why, whylen) != 0)
		return -1;
	h->last_up_s = (int64_t)d;
	if (get_int(o, "last_down_s", 0, STATE_TIME_MAX, &d, why,
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

static int
load(struct state *st, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	const char *end = NULL;
	cJSON *root = NULL;
	const cJSON *apps, *a;
	int ret = -1, i = 0;

	if (read_file(st->path, STATE_FILE_MAX, &text, &len) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", st->path, strerror(errno));
		return -1;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		snprintf(err, errlen, "%s: invalid JSON near byte %zu",
		    st->path, end != NULL && end >= text ? (size_t)(end - text)
		    : (size_t)0);
		goto out;
	}
	apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(apps)) {
		snprintf(err, errlen, "%s: not a hoist-scaler state file "
		    "(no \"apps\" array)", st->path);
		goto out;
	}
	cJSON_ArrayForEach(a, apps) {
		struct rules_error re;
		struct rule r;
		char why[256];
		long at;

		if (rules_from_cjson(cJSON_GetObjectItemCaseSensitive(a,
		    "rule"), NULL, &r, &re) != 0) {
			snprintf(err, errlen, "%s: apps[%d].rule: %s%s%s",
			    st->path, i, re.field, re.field[0] ? ": " : "",
			    re.error);
			goto out;
		}
		at = find(st, r.app_id);
		if (at >= 0) {
			snprintf(err, errlen, "%s: apps[%d]: %s appears twice",
			    st->path, i, r.app_id);
			goto out;
		}
		if (st->n >= STATE_RULES_MAX ||
		    insert_at(st, (size_t)(-at - 1), &r) != 0) {
			snprintf(err, errlen, "%s: too many rules", st->path);
			goto out;
		}
		if (history_from_json(cJSON_GetObjectItemCaseSensitive(a,
		    "history"), &st->e[-at - 1].hist, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: apps[%d].history%s",
			    st->path, i, why);
			goto out;
		}
		i++;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	free(text);
	return ret;
}

struct state *
state_open(const char *dir, char *err, size_t errlen)
{
	struct state *st;
	char lock[1100];

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->lock_fd = -1;
	pthread_mutex_init(&st->mu, NULL);
	if (strlen(dir) >= sizeof(st->dir) - 16) {
		snprintf(err, errlen, "state dir path too long");
		goto fail;
	}
	str_copy_trunc(st->dir, dir, sizeof(st->dir));
	snprintf(st->path, sizeof(st->path), "%s/%s", dir, STATE_FILE);
	snprintf(lock, sizeof(lock), "%s/%s", dir, STATE_LOCK_FILE);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		goto fail;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s: %s (another hoist-scaler uses "
		    "this state dir?)", lock, errno == EWOULDBLOCK ?
		    "locked" : strerror(errno));
		goto fail;
	}
	if (load(st, err, errlen) != 0)
		goto fail;
	return st;
fail:
	state_close(st);
	return NULL;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	pthread_mutex_destroy(&st->mu);
	free(st->e);
	free(st);
}

size_t
state_count(struct state *st)
{
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->n;
	pthread_mutex_unlock(&st->mu);
	return n;
}

enum state_result
state_get(struct state *st, const char *app_id, struct rule *r,
    struct policy_history *h)
{
	enum state_result res = STATE_E_NOT_FOUND;
	long at;

	pthread_mutex_lock(&st->mu);
	at = find(st, app_id);
	if (at >= 0) {
		if (r != NULL)
			*r = st->e[at].rule;
		if (h != NULL)
			*h = st->e[at].hist;
		res = STATE_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return res;
}

enum state_result
state_put(struct state *st, const struct rule *r, int create_only,
    int *created, char *err, size_t errlen)
{
	enum state_result res;
	struct rule old;
	long at;

	*created = 0;
	pthread_mutex_lock(&st->mu);
	at = find(st, r->app_id);
	if (at >= 0 && create_only) {
		res = STATE_E_EXISTS;
		snprintf(err, errlen, "a rule for %s exists", r->app_id);
		goto out;
	}
	if (at >= 0) {
		old = st->e[at].rule;
		st->e[at].rule = *r;
		res = save(st, err, errlen);
		if (res != STATE_OK)
			st->e[at].rule = old;
		goto out;
	}
	if (st->n >= STATE_RULES_MAX) {
		res = STATE_E_FULL;
		snprintf(err, errlen, "at most %d rules", STATE_RULES_MAX);
		goto out;
	}
	at = -at - 1;
	if (insert_at(st, (size_t)at, r) != 0) {
		res = STATE_E_NOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	res = save(st, err, errlen);
	if (res != STATE_OK)
		remove_at(st, (size_t)at);
	else
		*created = 1;
out:
	pthread_mutex_unlock(&st->mu);
	return res;
}

enum state_result
state_delete(struct state *st, const char *app_id, char *err,
    size_t errlen)
{
	enum state_result res = STATE_E_NOT_FOUND;
	struct entry saved;
	long at;

	pthread_mutex_lock(&st->mu);
	at = find(st, app_id);
	if (at < 0) {
		snprintf(err, errlen, "no rule for %s", app_id);
		goto out;
	}
	saved = st->e[at];
	remove_at(st, (size_t)at);
	res = save(st, err, errlen);
	if (res != STATE_OK && insert_at(st, (size_t)at, &saved.rule) == 0)
		st->e[at].hist = saved.hist;
out:
	pthread_mutex_unlock(&st->mu);
	return res;
}

size_t
state_rules(struct state *st, struct rule **out)
{
	size_t i, n;

	*out = NULL;
	pthread_mutex_lock(&st->mu);
	n = st->n;
	if (n > 0)
		*out = malloc(n * sizeof(**out));
	if (*out == NULL)
		n = 0;
	for (i = 0; i < n; i++)
		(*out)[i] = st->e[i].rule;
	pthread_mutex_unlock(&st->mu);
	return n;
}

/* Field by field: struct padding may hold anything. */
static int
hist_equal(const struct policy_history *a, const struct policy_history *b)
{
	int i;

	if (a->last_up_s != b->last_up_s || a->last_down_s != b->last_down_s ||
	    a->streak_dir != b->streak_dir || a->streak_n != b->streak_n ||
	    a->nrecs != b->nrecs || a->nevents != b->nevents)
		return 0;
	for (i = 0; i < a->nrecs; i++)
		if (a->recs[i].t != b->recs[i].t ||
		    a->recs[i].n != b->recs[i].n)
			return 0;
	for (i = 0; i < a->nevents; i++)
		if (a->events[i].t != b->events[i].t ||
		    a->events[i].delta != b->events[i].delta)
			return 0;
	return 1;
}

enum state_result
state_set_history(struct state *st, const char *app_id,
    const struct policy_history *h)
{
	enum state_result res = STATE_E_NOT_FOUND;
	long at;

	pthread_mutex_lock(&st->mu);
	at = find(st, app_id);
	if (at >= 0) {
		if (!hist_equal(&st->e[at].hist, h)) {
			st->e[at].hist = *h;
			st->dirty = 1;
		}
		res = STATE_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return res;
}

enum state_result
state_flush(struct state *st, char *err, size_t errlen)
{
	enum state_result res = STATE_OK;

	pthread_mutex_lock(&st->mu);
	if (st->dirty)
		res = save(st, err, errlen);
	pthread_mutex_unlock(&st->mu);
	return res;
}
