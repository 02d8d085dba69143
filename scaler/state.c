/*
 * state.c — see state.h.  The apps live in an array of pointers sorted
 * by app id (a change moves pointers, not entries); the versions the
 * store reported live in a second sorted array, so that a delete can
 * name the version of a node whose rule memory already forgot.
 *
 * The writer thread takes a batch of queued jobs (a prefix of the queue
 * in which no node appears twice, so each write can name the version the
 * previous one produced), sets each write's expected version, applies
 * the batch without the mutex, then records versions, rolls back what
 * failed and calls the callbacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/state.h"

struct entry {
	struct rule           rule;      /* first: app_id at offset 0 */
	struct policy_history hist;
	uint64_t              seq;       /* the last change of the rule */
	int                   hist_dirty; /* DIRTY_*: to write at a flush */
};

/*
 * A history change that records a scale (last scale times, rate-limit
 * events) is URGENT: state_flush() waits for it.  One that only moves
 * the confirmation streak or the stabilization window (every round, for
 * every app) is LAZY: written in the background, at most one such write
 * in flight and one started every store_ops.lazy_s seconds, its apps
 * coalesced.  A store with lazy_s 0 has every change URGENT.
 */
#define DIRTY_LAZY   1
#define DIRTY_URGENT 2

/* The versions the store last reported for an app's nodes. */
struct vnode {
	char    app_id[RULES_APP_ID_MAX];  /* first */
	int64_t ver[STORE_KINDS];
	int     pending[STORE_KINDS];  /* our writes queued or in flight */
};

/* A sorted array of pointers to structs that start with an app id. */
struct parr {
	void  **p;
	size_t  n, cap;
};

enum job_type { JOB_PUT, JOB_DELETE, JOB_FLUSH };

struct job {
	struct job            *next;
	enum job_type          type;
	struct store_write    *w;        /* n; data owned */
	size_t                 n;
	int                    ready;    /* a flush is encoding its data */
	int                    level;    /* a flush: DIRTY_* it writes */
	int                    detached; /* a lazy flush: nobody waits */
	/* put and delete: the app before the change, for a rollback */
	char                   app_id[RULES_APP_ID_MAX];
	int                    had;
	struct rule            prior;
	struct policy_history  prior_hist;
	state_done_fn          done;
	void                  *arg;
	/* results */
	int                    finished;
	enum state_result      result;
	char                   err[512];
};

/* A state node read at start-up, attached once the rules are sorted. */
struct loaded {
	char                  app_id[RULES_APP_ID_MAX];
	struct policy_history hist;
};

struct state {
	pthread_mutex_t         mu;
	pthread_cond_t          work_cv;   /* the writer waits for jobs */
	pthread_cond_t          done_cv;   /* waiters wait for results */
	const struct store_ops *ops;
	void                   *ctx;
	struct parr             e;         /* struct entry * */
	struct parr             v;         /* struct vnode * */
	struct job             *head, *tail;
	uint64_t                seq;
	int                     stopping, writer_on, loading;
	int                     lazy_inflight;  /* a detached flush queued */
	int64_t                 lazy_last_ns;   /* when it was queued */
	pthread_t               writer;
	struct loaded          *ld;        /* start-up only */
	size_t                  nld, capld;
	struct state_stats      stats;
};

#define E(st, i) ((struct entry *)(st)->e.p[i])
#define V(st, i) ((struct vnode *)(st)->v.p[i])

static const char *const result_names[] = {
	[STATE_OK] = "ok",
	[STATE_E_NOT_FOUND] = "no rule for that app",
	[STATE_E_EXISTS] = "a rule for that app exists",
	[STATE_E_FULL] = "too many rules",
	[STATE_E_IO] = "cannot write the state store",
	[STATE_E_NOMEM] = "out of memory",
	[STATE_PENDING] = "pending",
	[STATE_E_CONFLICT] = "changed by another writer",
	[STATE_E_UNAVAILABLE] = "the state store is not available",
};

const char *
state_strerror(enum state_result r)
{
	if ((size_t)r < ARRAY_LEN(result_names))
		return result_names[r];
	return "unknown";
}

/* ---- sorted pointer arrays ---- */

/* Index of key, or -(insertion point) - 1. */
static long
pfind(const struct parr *a, const char *key)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp((const char *)a->p[mid], key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static int
pinsert(struct parr *a, size_t at, void *x)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		void **np = realloc(a->p, ncap * sizeof(*np));

		if (np == NULL)
			return -1;
		a->p = np;
		a->cap = ncap;
	}
	memmove(&a->p[at + 1], &a->p[at], (a->n - at) * sizeof(*a->p));
	a->p[at] = x;
	a->n++;
	return 0;
}

static void
premove(struct parr *a, size_t at)
{
	free(a->p[at]);
	memmove(&a->p[at], &a->p[at + 1], (a->n - at - 1) * sizeof(*a->p));
	a->n--;
}

static int
pcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- entries and versions (under mu) ---- */

static struct entry *
efind(struct state *st, const char *app_id)
{
	long at = pfind(&st->e, app_id);

	return at >= 0 ? E(st, at) : NULL;
}

/* Insert a new entry for r with history h (NULL: empty). */
static struct entry *
einsert(struct state *st, const struct rule *r,
    const struct policy_history *h)
{
	long at = pfind(&st->e, r->app_id);
	struct entry *x;

	if (at >= 0)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->rule = *r;
	if (h != NULL)
		x->hist = *h;
	x->seq = ++st->seq;
	if (pinsert(&st->e, (size_t)(-at - 1), x) != 0) {
		free(x);
		return NULL;
	}
	return x;
}

static void
eremove(struct state *st, const char *app_id)
{
	long at = pfind(&st->e, app_id);

	if (at >= 0)
		premove(&st->e, (size_t)at);
}

static int64_t
vget(struct state *st, enum store_kind k, const char *app_id)
{
	long at = pfind(&st->v, app_id);

	return at >= 0 ? V(st, at)->ver[k] : STORE_VERSION_NONE;
}

/* Drop x when it holds nothing.  Under mu. */
static void
vtrim(struct state *st, struct vnode *x)
{
	long at;

	if (x->ver[0] != STORE_VERSION_NONE ||
	    x->ver[1] != STORE_VERSION_NONE || x->pending[0] != 0 ||
	    x->pending[1] != 0)
		return;
	at = pfind(&st->v, x->app_id);
	if (at >= 0)
		premove(&st->v, (size_t)at);
}

/* The vnode of app_id, created (nothing known) when `create`. */
static struct vnode *
vnode_of(struct state *st, const char *app_id, int create)
{
	long at = pfind(&st->v, app_id);
	struct vnode *x;

	if (at >= 0)
		return V(st, at);
	if (!create || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	str_copy_trunc(x->app_id, app_id, sizeof(x->app_id));
	x->ver[0] = x->ver[1] = STORE_VERSION_NONE;
	if (pinsert(&st->v, (size_t)(-at - 1), x) != 0) {
		free(x);
		return NULL;
	}
	return x;
}

static void
vset(struct state *st, enum store_kind k, const char *app_id, int64_t ver)
{
	struct vnode *x = vnode_of(st, app_id, ver != STORE_VERSION_NONE);

	if (x == NULL)
		return;
	x->ver[k] = ver;
	vtrim(st, x);
}

/* Count our writes of a node: +1 queued, -1 done.  Under mu. */
static void
vpending(struct state *st, const struct store_write *w, int d)
{
	struct vnode *x = vnode_of(st, w->app_id, d > 0);

	if (x == NULL)
		return;
	x->pending[w->kind] += d;
	vtrim(st, x);
}

static int
vbusy(struct state *st, enum store_kind k, const char *app_id)
{
	struct vnode *x = vnode_of(st, app_id, 0);

	return x != NULL && x->pending[k] > 0;
}

/* ---- the store's listener: start-up and watch events ---- */

static void
on_bad(void *arg, const char *where, const char *why)
{
	struct state *st = arg;

	log_warnx("state: %s: %s (skipped; the other apps are served)",
	    where, why);
	pthread_mutex_lock(&st->mu);
	st->stats.bad_nodes++;
	pthread_mutex_unlock(&st->mu);
}

static void
on_health(void *arg, enum store_health h)
{
	struct state *st = arg;

	pthread_mutex_lock(&st->mu);
	st->stats.stale = h == STORE_HEALTH_STALE;
	pthread_mutex_unlock(&st->mu);
}

/* At start-up: appended unsorted, sorted by state_open_store. */
static void
load_node(struct state *st, const struct store_node *n,
    const struct rule *r, const struct policy_history *h)
{
	struct vnode *v = calloc(1, sizeof(*v));
	struct entry *x = NULL;

	if (v == NULL || pinsert(&st->v, st->v.n, v) != 0) {
		free(v);
		return;
	}
	str_copy_trunc(v->app_id, n->app_id, sizeof(v->app_id));
	v->ver[0] = v->ver[1] = STORE_VERSION_NONE;
	v->ver[n->kind] = n->version;
	if (n->kind == STORE_STATE) {
		if (st->nld == st->capld) {
			size_t ncap = st->capld ? st->capld * 2 : 64;
			struct loaded *nl = realloc(st->ld, ncap *
			    sizeof(*nl));

			if (nl == NULL)
				return;
			st->ld = nl;
			st->capld = ncap;
		}
		str_copy_trunc(st->ld[st->nld].app_id, n->app_id, sizeof(st->ld[st->nld].app_id));
		st->ld[st->nld++].hist = *h;
		return;
	}
	if (st->e.n >= STATE_RULES_MAX) {
		st->stats.bad_nodes++;
		log_warnx("state: %s: more than %d rules (skipped)", n->where,
		    STATE_RULES_MAX);
		return;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL || pinsert(&st->e, st->e.n, x) != 0) {
		free(x);
		return;
	}
	x->rule = *r;
	x->seq = ++st->seq;
}

/* A change another writer made: newer than what we know, or ignored. */
static void
watch_node(struct state *st, const struct store_node *n,
    const struct rule *r, const struct policy_history *h)
{
	struct entry *x = efind(st, n->app_id);

	/* Our own write in flight decides (its compare-and-set fails if
	 * another writer came first; then the backend refreshes). */
	if (vbusy(st, n->kind, n->app_id))
		return;
	if (n->data != NULL && n->version <= vget(st, n->kind, n->app_id))
		return;         /* our own write, or older news */
	vset(st, n->kind, n->app_id, n->data != NULL ? n->version :
	    STORE_VERSION_NONE);
	if (n->kind == STORE_STATE) {
		if (x != NULL) {
			x->hist = n->data != NULL ? *h : x->hist;
			x->hist_dirty = 0;
		}
		return;
	}
	if (n->data == NULL) {
		eremove(st, n->app_id);
		return;
	}
	if (x != NULL) {
		x->rule = *r;
		x->seq = ++st->seq;
	} else if (st->e.n < STATE_RULES_MAX)
		einsert(st, r, NULL);
}

static void
on_node(void *arg, const struct store_node *n)
{
	struct state *st = arg;
	struct policy_history h;
	struct rule r;
	char why[640];

	memset(&h, 0, sizeof(h));
	if (n->data != NULL && (n->kind == STORE_RULE ?
	    store_decode_rule(n->data, n->len, &r, why, sizeof(why)) :
	    store_decode_state(n->data, n->len, n->app_id, &h, why,
	    sizeof(why))) != 0) {
		on_bad(st, n->where, why);
		return;
	}
	if (n->data != NULL && n->kind == STORE_RULE &&
	    strcmp(r.app_id, n->app_id) != 0) {
		snprintf(why, sizeof(why), "app_id: \"%s\" is not the app "
		    "the name says (%s)", r.app_id, n->app_id);
		on_bad(st, n->where, why);
		return;
	}
	pthread_mutex_lock(&st->mu);
	if (st->loading)
		load_node(st, n, &r, &h);
	else
		watch_node(st, n, &r, &h);
	pthread_mutex_unlock(&st->mu);
}

/* After load_all: sort, merge the versions, attach the histories. */
static void
load_finish(struct state *st)
{
	size_t i, o;

	if (st->e.n > 1)        /* qsort must not see a NULL array */
		qsort(st->e.p, st->e.n, sizeof(*st->e.p), pcmp);
	if (st->v.n > 1)
		qsort(st->v.p, st->v.n, sizeof(*st->v.p), pcmp);
	for (i = 0, o = 0; i < st->v.n; i++) {
		if (o > 0 && strcmp(V(st, o - 1)->app_id,
		    V(st, i)->app_id) == 0) {
			struct vnode *a = V(st, o - 1), *b = V(st, i);

			a->ver[0] = b->ver[0] > a->ver[0] ? b->ver[0] :
			    a->ver[0];
			a->ver[1] = b->ver[1] > a->ver[1] ? b->ver[1] :
			    a->ver[1];
			free(b);
			continue;
		}
		st->v.p[o++] = st->v.p[i];
	}
	st->v.n = o;
	for (i = 0; i < st->nld; i++) {
		struct entry *x = efind(st, st->ld[i].app_id);

		if (x != NULL)
			x->hist = st->ld[i].hist;
		else
			log_debug("state: the history of %s has no rule; "
			    "ignored", st->ld[i].app_id);
	}
	free(st->ld);
	st->ld = NULL;
	st->nld = st->capld = 0;
}

/* ---- the writer ---- */

static enum state_result
from_store(enum store_result r)
{
	switch (r) {
	case STORE_OK:
		return STATE_OK;
	case STORE_E_NOT_FOUND:
		return STATE_E_NOT_FOUND;
	case STORE_E_EXISTS:
	case STORE_E_CONFLICT:
		return STATE_E_CONFLICT;
	case STORE_E_UNAVAILABLE:
		return STATE_E_UNAVAILABLE;
	case STORE_E_NOMEM:
		return STATE_E_NOMEM;
	default:
		return STATE_E_IO;
	}
}

/* Does job j write a node one of the taken jobs writes? */
static int
collides(struct job *const *taken, size_t nt, const struct job *j)
{
	size_t t, a, b;

	for (t = 0; t < nt; t++)
		for (a = 0; a < j->n; a++)
			for (b = 0; b < taken[t]->n; b++)
				if (j->w[a].kind == taken[t]->w[b].kind &&
				    strcmp(j->w[a].app_id,
				    taken[t]->w[b].app_id) == 0)
					return 1;
	return 0;
}

/* Pop a prefix of the queue (see the top comment).  Under mu. */
static size_t
take_batch(struct state *st, struct job **batch)
{
	size_t nb = 0, i;

	while (st->head != NULL && st->head->ready && nb < STATE_BATCH_JOBS &&
	    !collides(batch, nb, st->head)) {
		struct job *j = st->head;

		st->head = j->next;
		if (st->head == NULL)
			st->tail = NULL;
		j->next = NULL;
		for (i = 0; i < j->n; i++)
			j->w[i].version = vget(st, j->w[i].kind,
			    j->w[i].app_id);
		batch[nb++] = j;
	}
	return nb;
}

/* The store's ops take one array: a single job's, or a copy. */
static void
apply_batch(struct state *st, struct job **batch, size_t nb)
{
	struct store_write *all;
	size_t total = 0, i, k, o;

	if (nb == 1) {
		st->ops->apply(st->ctx, batch[0]->w, batch[0]->n);
		return;
	}
	for (i = 0; i < nb; i++)
		total += batch[i]->n;
	all = malloc(total * sizeof(*all));
	if (all == NULL) {
		for (i = 0; i < nb; i++)
			st->ops->apply(st->ctx, batch[i]->w, batch[i]->n);
		return;
	}
	for (i = 0, o = 0; i < nb; i++)
		for (k = 0; k < batch[i]->n; k++)
			all[o++] = batch[i]->w[k];
	st->ops->apply(st->ctx, all, total);
	for (i = 0, o = 0; i < nb; i++)
		for (k = 0; k < batch[i]->n; k++)
			batch[i]->w[k] = all[o++];
	free(all);
}

/* The next queued put or delete of app_id, or NULL.  Under mu. */
static struct job *
next_change(struct state *st, const char *app_id)
{
	struct job *j;

	for (j = st->head; j != NULL; j = j->next)
		if (j->type != JOB_FLUSH && strcmp(j->app_id, app_id) == 0)
			return j;
	return NULL;
}

/*
 * A put or delete failed: memory goes back to the app as it was before
 * it, unless a later change is queued, which then inherits that "before"
 * (its own rollback restores what the store really holds).  Under mu.
 */
static void
roll_back(struct state *st, struct job *j)
{
	struct job *later = next_change(st, j->app_id);
	struct entry *x;

	if (later != NULL) {
		later->had = j->had;
		later->prior = j->prior;
		later->prior_hist = j->prior_hist;
		return;
	}
	if (!j->had) {
		eremove(st, j->app_id);
		return;
	}
	x = efind(st, j->app_id);
	if (x == NULL)
		x = einsert(st, &j->prior, &j->prior_hist);
	if (x == NULL)
		return;
	x->rule = j->prior;
	x->seq = ++st->seq;
	if (j->type == JOB_DELETE) {
		x->hist = j->prior_hist;
		x->hist_dirty = DIRTY_URGENT;  /* its node may be gone */
	}
}

/* Record one job's results.  Under mu. */
static void
record_job(struct state *st, struct job *j)
{
	size_t i;

	j->result = STATE_OK;
	for (i = 0; i < j->n; i++) {
		struct store_write *w = &j->w[i];

		vpending(st, w, -1);
		if (w->result == STORE_OK || (w->data == NULL &&
		    w->result == STORE_E_NOT_FOUND)) {
			st->stats.writes++;
			vset(st, w->kind, w->app_id, w->data != NULL ?
			    w->new_version : STORE_VERSION_NONE);
			continue;
		}
		st->stats.write_errors++;
		if (j->type == JOB_FLUSH) {
			struct entry *x = efind(st, w->app_id);

			if (x != NULL && x->hist_dirty < j->level)
				x->hist_dirty = j->level;
		}
		if (j->result == STATE_OK) {
			j->result = from_store(w->result);
			STR_COPY_ARRAY(j->err, w->err);
		}
	}
	if (j->result != STATE_OK && j->type != JOB_FLUSH)
		roll_back(st, j);
	st->stats.pending--;
}

static void
free_job(struct job *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++)
		free((char *)(uintptr_t)j->w[i].data);
	free(j->w);
	free(j);
}

/* Another writer came first: have the backend hand us its version. */
static void
refresh_conflicts(struct state *st, const struct job *j)
{
	size_t i;

	if (st->ops->refresh == NULL)
		return;
	for (i = 0; i < j->n; i++)
		if (j->w[i].result == STORE_E_CONFLICT ||
		    j->w[i].result == STORE_E_EXISTS)
			st->ops->refresh(st->ctx, j->w[i].kind,
			    j->w[i].app_id);
}

static void
run_batch(struct state *st, struct job **batch, size_t nb)
{
	size_t i;
	int detached;

	apply_batch(st, batch, nb);
	pthread_mutex_lock(&st->mu);
	for (i = 0; i < nb; i++)
		record_job(st, batch[i]);
	pthread_mutex_unlock(&st->mu);
	for (i = 0; i < nb; i++)
		refresh_conflicts(st, batch[i]);
	for (i = 0; i < nb; i++) {
		struct job *j = batch[i];

		if (j->type != JOB_FLUSH) {
			if (j->done != NULL)
				j->done(j->arg, j->result, j->err);
			free_job(j);
			continue;
		}
		/* The flusher owns the job: hand it back (a detached one
		 * is ours to free). */
		pthread_mutex_lock(&st->mu);
		detached = j->detached;
		j->finished = 1;     /* a waiter may free j from here on */
		if (detached)
			st->lazy_inflight = 0;
		pthread_cond_broadcast(&st->done_cv);
		pthread_mutex_unlock(&st->mu);
		if (detached)
			free_job(j);
	}
}

static void *
writer_main(void *arg)
{
	struct state *st = arg;
	struct job *batch[STATE_BATCH_JOBS];
	size_t nb;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		nb = take_batch(st, batch);
		if (nb == 0) {
			if (st->stopping && st->head == NULL)
				break;
			pthread_cond_wait(&st->work_cv, &st->mu);
			continue;
		}
		pthread_mutex_unlock(&st->mu);
		run_batch(st, batch, nb);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Under mu. */
static void
enqueue(struct state *st, struct job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		vpending(st, &j->w[i], 1);
	j->next = NULL;
	if (st->tail != NULL)
		st->tail->next = j;
	else
		st->head = j;
	st->tail = j;
	st->stats.pending++;
	pthread_cond_signal(&st->work_cv);
}

static struct job *
new_job(enum job_type type, size_t n)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->type = type;
	j->n = n;
	j->ready = 1;
	j->w = n > 0 ? calloc(n, sizeof(*j->w)) : NULL;
	if (n > 0 && j->w == NULL) {
		free(j);
		return NULL;
	}
	return j;
}

/* ---- open and close ---- */

static void flush_all(struct state *st);

struct state *
state_open(const char *dir, char *err, size_t errlen)
{
	return state_open_store(&store_local_ops, dir, err, errlen);
}

struct state *
state_open_store(const struct store_ops *ops, const char *spec, char *err,
    size_t errlen)
{
	struct store_listener l;
	struct state *st;

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work_cv, NULL);
	pthread_cond_init(&st->done_cv, NULL);
	st->ops = ops;
	memset(&l, 0, sizeof(l));
	l.node = on_node;
	l.bad = on_bad;
	l.health = on_health;
	l.arg = st;
	st->ctx = ops->open(spec, &l, err, errlen);
	if (st->ctx == NULL)
		goto fail;
	st->loading = 1;
	if (ops->load_all(st->ctx, err, errlen) != 0)
		goto fail;
	pthread_mutex_lock(&st->mu);
	load_finish(st);
	st->loading = 0;
	pthread_mutex_unlock(&st->mu);
	if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
		snprintf(err, errlen, "cannot start the state writer thread");
		goto fail;
	}
	st->writer_on = 1;
	return st;
fail:
	state_close(st);
	return NULL;
}

void
state_close(struct state *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->writer_on) {
		flush_all(st);
		pthread_mutex_lock(&st->mu);
		st->stopping = 1;
		pthread_cond_signal(&st->work_cv);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->writer, NULL);
	}
	if (st->ctx != NULL)
		st->ops->close(st->ctx);
	for (i = 0; i < st->e.n; i++)
		free(st->e.p[i]);
	for (i = 0; i < st->v.n; i++)
		free(st->v.p[i]);
	free(st->e.p);
	free(st->v.p);
	free(st->ld);
	pthread_cond_destroy(&st->done_cv);
	pthread_cond_destroy(&st->work_cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* ---- reads ---- */

size_t
state_count(struct state *st)
{
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->e.n;
	pthread_mutex_unlock(&st->mu);
	return n;
}

void
state_get_stats(struct state *st, struct state_stats *s)
{
	pthread_mutex_lock(&st->mu);
	*s = st->stats;
	pthread_mutex_unlock(&st->mu);
}

enum state_result
state_get(struct state *st, const char *app_id, struct rule *r,
    struct policy_history *h)
{
	enum state_result res = STATE_E_NOT_FOUND;
	struct entry *x;

	pthread_mutex_lock(&st->mu);
	x = efind(st, app_id);
	if (x != NULL) {
		if (r != NULL)
			*r = x->rule;
		if (h != NULL)
			*h = x->hist;
		res = STATE_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return res;
}

size_t
state_rules(struct state *st, struct rule **out)
{
	size_t i, n;

	*out = NULL;
	pthread_mutex_lock(&st->mu);
	n = st->e.n;
	if (n > 0)
		*out = malloc(n * sizeof(**out));
	if (*out == NULL)
		n = 0;
	for (i = 0; i < n; i++)
		(*out)[i] = E(st, i)->rule;
	pthread_mutex_unlock(&st->mu);
	return n;
}

/* ---- changes ---- */

enum state_result
state_put_async(struct state *st, const struct rule *r, int create_only,
    int *created, state_done_fn done, void *arg, char *err, size_t errlen)
{
	struct job *j = new_job(JOB_PUT, 1);
	enum state_result res = STATE_PENDING;
	struct entry *x;

	*created = 0;
	if (j == NULL || (j->w[0].data = store_encode_rule(r,
	    &j->w[0].len)) == NULL) {
		free_job(j);
		snprintf(err, errlen, "out of memory");
		return STATE_E_NOMEM;
	}
	j->w[0].kind = STORE_RULE;
	STR_COPY_ARRAY(j->w[0].app_id, r->app_id);
	STR_COPY_ARRAY(j->app_id, r->app_id);
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&st->mu);
	x = efind(st, r->app_id);
	if (x != NULL && create_only) {
		res = STATE_E_EXISTS;
		snprintf(err, errlen, "a rule for %s exists", r->app_id);
	} else if (x != NULL) {
		j->had = 1;
		j->prior = x->rule;
		x->rule = *r;
		x->seq = ++st->seq;
	} else if (st->e.n >= STATE_RULES_MAX) {
		res = STATE_E_FULL;
		snprintf(err, errlen, "at most %d rules", STATE_RULES_MAX);
	} else if (einsert(st, r, NULL) == NULL) {
		res = STATE_E_NOMEM;
		snprintf(err, errlen, "out of memory");
	} else
		*created = 1;
	if (res == STATE_PENDING)
		enqueue(st, j);
	pthread_mutex_unlock(&st->mu);
	if (res != STATE_PENDING)
		free_job(j);
	return res;
}

enum state_result
state_delete_async(struct state *st, const char *app_id,
    state_done_fn done, void *arg, char *err, size_t errlen)
{
	struct job *j = new_job(JOB_DELETE, 2);
	enum state_result res = STATE_PENDING;
	struct entry *x;

	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		return STATE_E_NOMEM;
	}
	j->w[0].kind = STORE_RULE;
	j->w[1].kind = STORE_STATE;
	str_copy_trunc(j->w[0].app_id, app_id, sizeof(j->w[0].app_id));
	str_copy_trunc(j->w[1].app_id, app_id, sizeof(j->w[1].app_id));
	str_copy_trunc(j->app_id, app_id, sizeof(j->app_id));
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&st->mu);
	x = efind(st, app_id);
	if (x == NULL) {
		res = STATE_E_NOT_FOUND;
		snprintf(err, errlen, "no rule for %s", app_id);
	} else {
		j->had = 1;
		j->prior = x->rule;
		j->prior_hist = x->hist;
		eremove(st, app_id);
		enqueue(st, j);
	}
	pthread_mutex_unlock(&st->mu);
	if (res != STATE_PENDING)
		free_job(j);
	return res;
}

/* The blocking forms wait on done_cv for their own result. */
struct waiter {
	struct state      *st;
	int                done;
	enum state_result  r;
	char               err[512];
};

static void
waiter_done(void *arg, enum state_result r, const char *err)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->st->mu);
	w->r = r;
	str_copy_trunc(w->err, err, sizeof(w->err));
	w->done = 1;
	pthread_cond_broadcast(&w->st->done_cv);
	pthread_mutex_unlock(&w->st->mu);
}

static enum state_result
wait_for(struct state *st, struct waiter *w, enum state_result r, char *err,
    size_t errlen)
{
	if (r != STATE_PENDING)
		return r;
	pthread_mutex_lock(&st->mu);
	while (!w->done)
		pthread_cond_wait(&st->done_cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
	if (w->r != STATE_OK)
		snprintf(err, errlen, "%s", w->err);
	return w->r;
}

enum state_result
state_put(struct state *st, const struct rule *r, int create_only,
    int *created, char *err, size_t errlen)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	w.st = st;
	return wait_for(st, &w, state_put_async(st, r, create_only, created,
	    waiter_done, &w, err, errlen), err, errlen);
}

enum state_result
state_delete(struct state *st, const char *app_id, char *err,
    size_t errlen)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	w.st = st;
	return wait_for(st, &w, state_delete_async(st, app_id, waiter_done,
	    &w, err, errlen), err, errlen);
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

/* Does b record a scale a does not (times, rate-limit events)? */
static int
scale_changed(const struct policy_history *a, const struct policy_history *b)
{
	int i;

	if (a->last_up_s != b->last_up_s || a->last_down_s != b->last_down_s ||
	    a->nevents != b->nevents)
		return 1;
	for (i = 0; i < a->nevents; i++)
		if (a->events[i].t != b->events[i].t ||
		    a->events[i].delta != b->events[i].delta)
			return 1;
	return 0;
}

enum state_result
state_set_history(struct state *st, const char *app_id,
    const struct policy_history *h)
{
	enum state_result res = STATE_E_NOT_FOUND;
	struct entry *x;

	pthread_mutex_lock(&st->mu);
	x = efind(st, app_id);
	if (x != NULL) {
		if (!hist_equal(&x->hist, h)) {
			int level = st->ops->lazy_s == 0 ||
			    scale_changed(&x->hist, h) ? DIRTY_URGENT :
			    DIRTY_LAZY;

			x->hist = *h;
			if (x->hist_dirty < level)
				x->hist_dirty = level;
		}
		res = STATE_OK;
	}
	pthread_mutex_unlock(&st->mu);
	return res;
}

/*
 * Queue one job with every history dirty at `level` or above, in queue
 * order (a delete queued later is applied later), and encode the nodes
 * with the mutex released; the writer waits for `ready`.  Under mu; NULL
 * when nothing changed or out of memory.
 */
static struct job *
flush_queue(struct state *st, int level, struct policy_history **hs)
{
	size_t i, n = 0, o = 0;
	struct job *j;

	*hs = NULL;
	for (i = 0; i < st->e.n; i++)
		n += E(st, i)->hist_dirty >= level;
	if (n == 0 || (j = new_job(JOB_FLUSH, n)) == NULL)
		return NULL;
	*hs = malloc(n * sizeof(**hs));
	if (*hs == NULL) {
		free_job(j);
		return NULL;
	}
	for (i = 0; i < st->e.n; i++) {
		struct entry *x = E(st, i);

		if (x->hist_dirty < level)
			continue;
		x->hist_dirty = 0;
		j->w[o].kind = STORE_STATE;
		STR_COPY_ARRAY(j->w[o].app_id, x->rule.app_id);
		(*hs)[o++] = x->hist;
	}
	j->ready = 0;
	j->level = level;
	enqueue(st, j);
	return j;
}

/* Encode a queued flush's nodes (mutex released). */
static void
flush_encode(struct job *j, struct policy_history *hs)
{
	size_t i;

	for (i = 0; j != NULL && i < j->n; i++)
		j->w[i].data = store_encode_state(j->w[i].app_id, &hs[i],
		    &j->w[i].len);
	free(hs);
}

/* Out of memory while encoding: those apps stay dirty for the next
 * flush, their writes leave the job.  Under mu. */
static void
drop_unencoded(struct state *st, struct job *j)
{
	size_t i, o = 0;

	for (i = 0; i < j->n; i++) {
		struct entry *x;

		if (j->w[i].data != NULL) {
			if (o != i)
				j->w[o] = j->w[i];
			o++;
			continue;
		}
		st->stats.write_errors++;
		vpending(st, &j->w[i], -1);
		x = efind(st, j->w[i].app_id);
		if (x != NULL && x->hist_dirty < j->level)
			x->hist_dirty = j->level;
	}
	j->n = o;
	j->ready = 1;
}

/* The result of a waited-for flush job, and free it.  Under mu, which
 * it releases while it waits. */
static enum state_result
flush_wait(struct state *st, struct job *j, char *err, size_t errlen)
{
	enum state_result res;

	while (!j->finished)
		pthread_cond_wait(&st->done_cv, &st->mu);
	res = j->result;
	if (res != STATE_OK)
		snprintf(err, errlen, "%s", j->err);
	free_job(j);
	return res;
}

enum state_result
state_flush(struct state *st, char *err, size_t errlen)
{
	struct policy_history *hu = NULL, *hl = NULL;
	enum state_result res = STATE_OK;
	struct job *u, *l = NULL;

	pthread_mutex_lock(&st->mu);
	u = flush_queue(st, DIRTY_URGENT, &hu);
	if (!st->lazy_inflight && (st->lazy_last_ns == 0 || now_mono_ns() -
	    st->lazy_last_ns >= (int64_t)st->ops->lazy_s * 1000000000LL) &&
	    (l = flush_queue(st, DIRTY_LAZY, &hl)) != NULL) {
		l->detached = 1;
		st->lazy_inflight = 1;
		st->lazy_last_ns = now_mono_ns();
	}
	pthread_mutex_unlock(&st->mu);
	flush_encode(u, hu);
	flush_encode(l, hl);
	pthread_mutex_lock(&st->mu);
	if (u != NULL)
		drop_unencoded(st, u);
	if (l != NULL)
		drop_unencoded(st, l);     /* the writer frees it */
	pthread_cond_signal(&st->work_cv);
	if (u != NULL)
		res = flush_wait(st, u, err, errlen);
	pthread_mutex_unlock(&st->mu);
	return res;
}

/* Everything dirty, waited for (state_close). */
static void
flush_all(struct state *st)
{
	struct policy_history *hs;
	char err[512];
	struct job *j;

	pthread_mutex_lock(&st->mu);
	while (st->lazy_inflight)
		pthread_cond_wait(&st->done_cv, &st->mu);
	j = flush_queue(st, DIRTY_LAZY, &hs);
	pthread_mutex_unlock(&st->mu);
	if (j == NULL)
		return;
	flush_encode(j, hs);
	pthread_mutex_lock(&st->mu);
	drop_unencoded(st, j);
	pthread_cond_signal(&st->work_cv);
	if (flush_wait(st, j, err, sizeof(err)) != STATE_OK)
		log_warnx("state: histories not saved: %s", err);
	pthread_mutex_unlock(&st->mu);
}
