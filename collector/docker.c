/*
 * docker.c — the Docker metadata cache and its background thread; see
 * docker.h.
 *
 * The cache is a small array of entries, one per Docker id, searched
 * linearly (a host runs hundreds of containers, not millions).  An entry
 * comes from the periodic list (it then has a name, for the Mesos
 * mapping) or from a lookup of an id the list has not shown yet.  It gets
 * its metadata (`meta`) when the thread has inspected it.
 *
 * Locking: d->lock guards everything below it in struct docker except the
 * fields marked "thread only".  Nobody holds it during I/O: the thread
 * copies an id out, unlocks, asks Docker, decodes, and locks again to
 * store the result (or to drop it, if the entry was forgotten meanwhile).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "collector/docker.h"
#include "common/docker_api.h"
#include "common/log.h"
#include "common/util.h"

#define DOCKER_BACKOFF_MIN_MS  500

struct entry {
	char     id[DOCKER_ID_MAX + 1];
	char     name[CONTAINER_NAME_MAX];  /* from the list, or "" */
	int      want;          /* an inspection is wanted */
	int      inflight;      /* the thread is inspecting it now */
	int      listed;        /* some list has shown it */
	int64_t  due_ns;        /* mono: not inspected before this */
	int64_t  added_ns;      /* mono */
	uint64_t list_gen;      /* the last list that showed it */
	struct container_meta *meta;   /* owned; NULL until inspected */
};

struct docker {
	pthread_mutex_t lock;
	pthread_cond_t  wake;           /* work queued, or stop */
	pthread_t       thread;
	int             stop;
	struct entry  **e;              /* owned */
	size_t          n, cap;
	uint64_t        list_gen;
	int64_t         next_list_ns;   /* mono */
	int64_t         down_until_ns;  /* mono: no request before this */
	long            backoff_ms;
	struct docker_stats st;

	/* Set by docker_new, read-only afterwards. */
	struct docker_options o;
	struct docker_labels inc;

	/* Thread only. */
	struct docker_api   *api;       /* owned */
	struct http_response resp;
	struct complain      c_down, c_reply;
};

void
docker_options_init(struct docker_options *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = DOCKER_TIMEOUT_MS_DEFAULT;
	o->connect_timeout_ms = DOCKER_CONNECT_MS_DEFAULT;
	o->refresh_ms = DOCKER_REFRESH_MS_DEFAULT;
	o->retry_ms = DOCKER_RETRY_MS_DEFAULT;
	o->label_include = NULL;
}

int
docker_url_disabled(const char *url)
{
	return url == NULL || url[0] == '\0' || strcmp(url, "none") == 0;
}

static struct entry *
find(struct docker *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->e[i]->id, id) == 0)
			return d->e[i];
	return NULL;
}

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	docker_meta_free_labels(e->meta);
	free(e->meta);
	free(e);
}

/* Add an entry for `id`; NULL when the cache is full or memory is out. */
static struct entry *
add(struct docker *d, const char *id, int64_t now)
{
	struct entry **ne, *e;
	size_t ncap;

	if (d->n >= DOCKER_CACHE_MAX)
		return NULL;
	if (d->n == d->cap) {
		ncap = d->cap ? d->cap * 2 : 64;
		ne = realloc(d->e, ncap * sizeof(*ne));
		if (ne == NULL)
			return NULL;
		d->e = ne;
		d->cap = ncap;
	}
	if (strlen(id) >= sizeof(e->id))
		return NULL;            /* not a Docker id: never cut one */
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	str_copy_trunc(e->id, id, sizeof(e->id));   /* checked */
	e->added_ns = now;
	d->e[d->n++] = e;
	d->st.cached = d->n;
	return e;
}

static void
remove_at(struct docker *d, size_t i)
{
	entry_free(d->e[i]);
	d->e[i] = d->e[--d->n];
	d->st.cached = d->n;
}

/* Wait on d->wake until `until_ns` (mono) at most; d->lock held. */
static void
wait_until(struct docker *d, int64_t until_ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(until_ns / 1000000000);
	ts.tv_nsec = (long)(until_ns % 1000000000);
	pthread_cond_timedwait(&d->wake, &d->lock, &ts);
}

enum fetch {
	FETCH_OK,         /* 200 with a body in d->resp */
	FETCH_NOT_FOUND,  /* 404 */
	FETCH_FAIL,       /* counted and logged; try again later */
	FETCH_DOWN,       /* no reply; the daemon is backed off */
};

/* Count a failed request as its kind; d->lock held. */
static void
count_transport_error(struct docker *d, enum http_result r, int64_t now)
{
	d->st.errors++;
	if (r == HTTP_E_TIMEOUT)
		d->st.timeouts++;
	else if (r == HTTP_E_CONNECT)
		d->st.connect_errors++;
	if (r != HTTP_E_TIMEOUT && r != HTTP_E_CONNECT &&
	    r != HTTP_E_PROTOCOL)
		return;
	d->st.up = 0;
	d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 :
	    DOCKER_BACKOFF_MIN_MS;
	if (d->backoff_ms > d->o.refresh_ms)
		d->backoff_ms = d->o.refresh_ms;
	d->down_until_ns = now + (int64_t)d->backoff_ms * 1000000;
}

/* What fetch() asks for. */
enum fetch_what { FETCH_LIST, FETCH_INSPECT };

/* One GET; thread only, d->lock not held.  `path` is for messages. */
static enum fetch
fetch(struct docker *d, enum fetch_what what, const char *id,
    const char *path)
{
	struct docker_api_limits lim;
	enum http_result r;
	int64_t now;
	long status;

	lim.timeout_ms = d->o.timeout_ms;
	lim.connect_timeout_ms = d->o.connect_timeout_ms;
	if (what == FETCH_LIST) {
		lim.max_body = DOCKER_LIST_BODY_MAX;
		r = docker_api_list(d->api, &lim, &d->resp);
	} else {
		lim.max_body = DOCKER_INSPECT_BODY_MAX;
		r = docker_api_inspect(d->api, id, &lim, &d->resp);
	}
	now = now_mono_ns();
	status = d->resp.status;

	pthread_mutex_lock(&d->lock);
	d->st.requests++;
	if (r != HTTP_OK) {
		count_transport_error(d, r, now);
		pthread_mutex_unlock(&d->lock);
		complain(&d->c_down, now / 1000000000,
		    "docker: GET %s on %s: %s (%s)", path,
		    docker_api_where(d->api), http_strerror(r),
		    d->resp.error);
		return r == HTTP_E_TIMEOUT || r == HTTP_E_CONNECT ||
		    r == HTTP_E_PROTOCOL ? FETCH_DOWN : FETCH_FAIL;
	}
	d->st.up = 1;
	d->backoff_ms = 0;
	if (status != 200 && status != 404) {
		d->st.errors++;
		d->st.http_errors++;
	}
	if (status == 404)
		d->st.not_found++;
	pthread_mutex_unlock(&d->lock);

	complain_recovered(&d->c_down, "docker: %s answers again",
	    docker_api_where(d->api));
	if (status == 200)
		return FETCH_OK;
	if (status == 404)
		return FETCH_NOT_FOUND;
	complain(&d->c_reply, now / 1000000000,
	    "docker: GET %s: HTTP status %ld", path, status);
	return FETCH_FAIL;
}

/* A reply that did not decode: count it and log it (with backoff). */
static void
decode_failed(struct docker *d, const char *path, enum docker_result r)
{
	pthread_mutex_lock(&d->lock);
	d->st.errors++;
	d->st.decode_errors++;
	pthread_mutex_unlock(&d->lock);
	complain(&d->c_reply, now_mono_ns() / 1000000000,
	    "docker: GET %s: %s", path, docker_strerror(r));
}

/*
 * Store what the list says under one new generation, then drop entries
 * that it no longer shows (only those a list showed before, or that were
 * inspected, and that existed when the list was asked for: a container
 * started since is kept).  d->lock held.
 */
static void
merge_list(struct docker *d, const struct docker_list_entry *v, size_t n,
    int64_t asked_ns)
{
	struct entry *e;
	uint64_t gen = ++d->list_gen;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((e = find(d, v[i].id)) == NULL &&
		    (e = add(d, v[i].id, asked_ns)) == NULL)
			continue;
		e->listed = 1;
		e->list_gen = gen;
		STR_COPY_ARRAY(e->name, v[i].name);
		/* It stopped or restarted: say so now, and ask again for
		 * the new pid and start time. */
		if (e->meta != NULL && v[i].state[0] != '\0' &&
		    strcasecmp(v[i].state, e->meta->state) != 0) {
			STR_COPY_ARRAY(e->meta->state, v[i].state);
			e->want = 1;
			e->due_ns = 0;
		}
	}
	for (i = d->n; i-- > 0;) {
		e = d->e[i];
		if (e->list_gen != gen && !e->inflight &&
		    e->added_ns < asked_ns && (e->listed || e->meta != NULL))
			remove_at(d, i);
	}
	d->st.lists++;
}

static void
refresh_list(struct docker *d)
{
	static const char path[] = "/containers/json?all=1";
	struct docker_list_entry *v = NULL;
	enum docker_result r;
	int64_t asked_ns = now_mono_ns();
	enum fetch f;
	size_t n = 0;

	if ((f = fetch(d, FETCH_LIST, NULL, path)) != FETCH_OK) {
		/* No reply: list again as soon as the backoff allows, so
		 * names and the Mesos mapping come back quickly. */
		if (f == FETCH_DOWN) {
			pthread_mutex_lock(&d->lock);
			d->next_list_ns = 0;
			pthread_mutex_unlock(&d->lock);
		}
		return;
	}
	r = docker_decode_list(d->resp.body.data, d->resp.body.len,
	    DOCKER_LIST_MAX, &v, &n, NULL);
	if (r != DOCKER_OK) {
		decode_failed(d, path, r);
		return;
	}
	pthread_mutex_lock(&d->lock);
	merge_list(d, v, n, asked_ns);
	pthread_mutex_unlock(&d->lock);
	free(v);
}

/* Inspect one id and store the outcome in its entry. */
static void
inspect(struct docker *d, const char *id)
{
	struct container_meta *m = NULL;
	enum docker_result r = DOCKER_OK;
	enum fetch f;
	struct entry *e;
	char path[DOCKER_ID_MAX + 32];
	int64_t now;

	snprintf(path, sizeof(path), "/containers/%s/json", id);
	f = fetch(d, FETCH_INSPECT, id, path);
	if (f == FETCH_OK) {
		m = calloc(1, sizeof(*m));
		r = m == NULL ? DOCKER_E_NOMEM :
		    docker_decode_inspect(d->resp.body.data,
		    d->resp.body.len, &d->inc, m);
		if (r != DOCKER_OK) {
			decode_failed(d, path, r);
			free(m);
			m = NULL;
		}
	} else if (f == FETCH_NOT_FOUND)
		log_debug("docker: no container %s", id);
	now = now_mono_ns();

	pthread_mutex_lock(&d->lock);
	e = find(d, id);
	if (e == NULL) {                /* forgotten meanwhile */
		pthread_mutex_unlock(&d->lock);
		docker_meta_free_labels(m);
		free(m);
		return;
	}
	e->inflight = 0;
	if (m != NULL) {
		docker_meta_free_labels(e->meta);
		free(e->meta);
		e->meta = m;
		d->st.inspects++;
	} else {
		/* Ask again: at once when the daemon did not answer (the
		 * daemon-wide backoff paces it), later when it said no. */
		e->want = 1;
		e->due_ns = f == FETCH_DOWN ? 0 : now +
		    (int64_t)d->o.retry_ms * 1000000;
	}
	pthread_mutex_unlock(&d->lock);
}

/* The entry to inspect next, if one is due; else *next_ns is lowered to
 * when one will be.  d->lock held. */
static struct entry *
pick_due(struct docker *d, int64_t now, int64_t *next_ns)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < d->n; i++) {
		e = d->e[i];
		if (!e->want || e->inflight)
			continue;
		if (e->due_ns <= now)
			return e;
		if (e->due_ns < *next_ns)
			*next_ns = e->due_ns;
	}
	return NULL;
}

static void *
docker_thread(void *arg)
{
	struct docker *d = arg;
	struct entry *e;
	char id[DOCKER_ID_MAX + 1];
	int64_t now, next;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		now = now_mono_ns();
		if (now < d->down_until_ns) {
			wait_until(d, d->down_until_ns);
			continue;
		}
		if (now >= d->next_list_ns) {
			d->next_list_ns = now +
			    (int64_t)d->o.refresh_ms * 1000000;
			pthread_mutex_unlock(&d->lock);
			refresh_list(d);
			pthread_mutex_lock(&d->lock);
			continue;
		}
		next = d->next_list_ns;
		if ((e = pick_due(d, now, &next)) != NULL) {
			e->want = 0;
			e->inflight = 1;
			STR_COPY_ARRAY(id, e->id);
			pthread_mutex_unlock(&d->lock);
			inspect(d, id);
			pthread_mutex_lock(&d->lock);
			continue;
		}
		wait_until(d, next);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void
clamp_options(struct docker_options *o)
{
	if (o->timeout_ms <= 0)
		o->timeout_ms = DOCKER_TIMEOUT_MS_DEFAULT;
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = DOCKER_CONNECT_MS_DEFAULT;
	if (o->connect_timeout_ms > o->timeout_ms)
		o->connect_timeout_ms = o->timeout_ms;
	if (o->refresh_ms <= 0)
		o->refresh_ms = DOCKER_REFRESH_MS_DEFAULT;
	if (o->refresh_ms < DOCKER_BACKOFF_MIN_MS)
		o->refresh_ms = DOCKER_BACKOFF_MIN_MS;
	if (o->retry_ms <= 0)
		o->retry_ms = DOCKER_RETRY_MS_DEFAULT;
	o->label_include = NULL;        /* parsed into d->inc */
}

struct docker *
docker_new(const char *url, const struct docker_options *o, char *err,
    size_t errlen)
{
	struct docker *d = NULL;
	pthread_condattr_t ca;
	int locks = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (docker_url_disabled(url)) {
		snprintf(err, errlen, "docker: disabled");
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "docker: out of memory");
		goto fail;
	}
	if (o != NULL)
		d->o = *o;
	else
		docker_options_init(&d->o);
	http_response_init(&d->resp);
	if (docker_labels_parse(o != NULL ? o->label_include : NULL, &d->inc,
	    err, errlen) != DOCKER_OK ||
	    (d->api = docker_api_new(url, err, errlen)) == NULL)
		goto fail;
	clamp_options(&d->o);
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wake, &ca);
	pthread_condattr_destroy(&ca);
	locks = 1;
	if ((errno = pthread_create(&d->thread, NULL, docker_thread, d))) {
		snprintf(err, errlen, "docker: cannot start thread: %s",
		    strerror(errno));
		goto fail;
	}
	return d;
fail:
	if (d != NULL) {
		if (locks) {
			pthread_cond_destroy(&d->wake);
			pthread_mutex_destroy(&d->lock);
		}
		docker_api_free(d->api);
		http_response_free(&d->resp);
		free(d);
	}
	return NULL;
}

void
docker_free(struct docker *d)
{
	size_t i;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = 1;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	for (i = 0; i < d->n; i++)
		entry_free(d->e[i]);
	free(d->e);
	docker_api_free(d->api);
	http_response_free(&d->resp);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int
docker_lookup(struct docker *d, const char *id, struct container_meta *meta)
{
	struct entry *e;
	int found = 0;

	if (d == NULL || !docker_id_valid(id))
		return 0;
	pthread_mutex_lock(&d->lock);
	e = find(d, id);
	if (e != NULL && e->meta != NULL) {
		/* A label that cannot be copied (no memory) is left out;
		 * the rest is still good. */
		(void)docker_meta_copy(meta, e->meta);
		found = 1;
	} else if (e == NULL) {
		if ((e = add(d, id, now_mono_ns())) != NULL) {
			e->want = 1;
			pthread_cond_signal(&d->wake);
		}
	} else if (!e->want && !e->inflight) {
		e->want = 1;            /* listed, never asked for */
		e->due_ns = 0;
		pthread_cond_signal(&d->wake);
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

/* "mesos-<id>" or "mesos-<agent>.<id>". */
static int
mesos_name_is(const char *name, const char *mesos_id)
{
	size_t n = strlen(name), m = strlen(mesos_id);

	if (strncmp(name, "mesos-", 6) != 0 || m == 0)
		return 0;
	name += 6;
	n -= 6;
	if (strcmp(name, mesos_id) == 0)
		return 1;
	return n > m && name[n - m - 1] == '.' &&
	    strcmp(name + n - m, mesos_id) == 0;
}

int
docker_find_mesos(struct docker *d, const char *mesos_id, char *docker_id,
    size_t len)
{
	size_t i;
	int found = 0;

	if (d == NULL || mesos_id == NULL)
		return 0;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n; i++) {
		if (mesos_name_is(d->e[i]->name, mesos_id)) {
			/* A cut id would name no container: not found. */
			found = str_copy(docker_id, d->e[i]->id, len) < len;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

void
docker_forget(struct docker *d, const char *id)
{
	size_t i;

	if (d == NULL || id == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n; i++) {
		if (strcmp(d->e[i]->id, id) == 0) {
			remove_at(d, i);
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

void
docker_get_stats(struct docker *d, struct docker_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	*out = d->st;
	pthread_mutex_unlock(&d->lock);
}
