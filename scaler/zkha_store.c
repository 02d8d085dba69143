/*
 * zkha_store.c — the ZooKeeper backend of store.h on the zkha session:
 * PATH/rules/<name> and PATH/state/<name>, read with watches (a child
 * watch on each folder, a data watch on each node), written with the
 * version the state read (compare-and-set).  A node whose name does not
 * decode, or that is larger than STORE_NODE_MAX, is reported to the
 * state's listener as bad with its path (the state counts it and serves
 * the others); its content is decoded and validated by the state.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/zkha_impl.h"

/* A read buffer: one byte more than a node may hold (so a larger node
 * shows), and the NUL. */
#define ZKHA_BUF (STORE_NODE_MAX + 2)

/* ---- the names we know, per kind (under mu) ---- */

static long
kfind(const struct zkha_kset *ks, const char *name)
{
	size_t lo = 0, hi = ks->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ks->v[mid].name, name);

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
kset_put(struct zkha_kset *ks, const char *name, int64_t ver)
{
	long at = kfind(ks, name);
	char *copy;

	if (at >= 0) {
		ks->v[at].ver = ver;
		return 0;
	}
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 64;
		struct zkha_known *nv = realloc(ks->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		ks->v = nv;
		ks->cap = ncap;
	}
	if ((copy = strdup(name)) == NULL)
		return -1;
	at = -at - 1;
	memmove(&ks->v[at + 1], &ks->v[at], (ks->n - (size_t)at) *
	    sizeof(*ks->v));
	ks->v[at].name = copy;
	ks->v[at].ver = ver;
	ks->n++;
	return 0;
}

static void
kset_del(struct zkha_kset *ks, const char *name)
{
	long at = kfind(ks, name);

	if (at < 0)
		return;
	free(ks->v[at].name);
	memmove(&ks->v[at], &ks->v[at + 1], (ks->n - (size_t)at - 1) *
	    sizeof(*ks->v));
	ks->n--;
}

void
zkha_store_free(struct zkha *z)
{
	size_t k, i;

	for (k = 0; k < STORE_KINDS; k++) {
		for (i = 0; i < z->known[k].n; i++)
			free(z->known[k].v[i].name);
		free(z->known[k].v);
		memset(&z->known[k], 0, sizeof(z->known[k]));
	}
}

/* ---- watches ---- */

static void
node_watcher(zhandle_t *zh, int type, int state, const char *path,
    void *ctx)
{
	struct zkha_hctx *h = ctx;

	(void)zh;
	(void)state;
	if (type == ZOO_SESSION_EVENT || type == ZOO_NOTWATCHING_EVENT ||
	    path == NULL || !zkha_is_current(h->z, ctx))
		return;
	zkha_push_path(h->z, type == ZOO_CHILD_EVENT ? ZKHA_JOB_CHILDREN :
	    ZKHA_JOB_NODE, path);
}

/* "PATH/rules/NAME" -> kind and NAME (borrowed from path); 0 or -1. */
static int
split(const struct zkha *z, const char *path, int *kind, const char **name)
{
	size_t k, n;

	for (k = 0; k < STORE_KINDS; k++) {
		n = strlen(z->dir[k]);
		if (strncmp(path, z->dir[k], n) == 0 && path[n] == '/' &&
		    path[n + 1] != '\0' && strchr(path + n + 1, '/') == NULL) {
			*kind = (int)k;
			*name = path + n + 1;
			return 0;
		}
	}
	return -1;
}

void
zkha_store_health(struct zkha *z, enum store_health h)
{
	struct store_listener l;
	int open;

	pthread_mutex_lock(&z->mu);
	l = z->sl;
	open = z->open;
	pthread_mutex_unlock(&z->mu);
	if (open && l.health != NULL)
		l.health(l.arg, h);
}

static void
report_bad(struct zkha *z, const char *path, const char *why)
{
	struct store_listener l;
	int open;

	pthread_mutex_lock(&z->mu);
	l = z->sl;
	open = z->open;
	z->st.bad_nodes++;
	pthread_mutex_unlock(&z->mu);
	if (open && l.bad != NULL)
		l.bad(l.arg, path, why);
}

/*
 * A node read (data, its version, its full length) or gone (data NULL):
 * tell the listener unless it is what we knew already (or `force`: the
 * state asked for it again, refresh).
 */
static void
deliver_node(struct zkha *z, int k, const char *name, const char *path,
    const char *data, size_t len, int64_t ver, int force)
{
	char app[RULES_APP_ID_MAX], why[320];
	struct store_listener l;
	struct store_node n;
	long at;
	int open;

	pthread_mutex_lock(&z->mu);
	at = kfind(&z->known[k], name);
	if (!force && ((data != NULL && at >= 0 &&
	    z->known[k].v[at].ver == ver) || (data == NULL && at < 0))) {
		pthread_mutex_unlock(&z->mu);
		return;
	}
	if (data == NULL)
		kset_del(&z->known[k], name);
	else if (kset_put(&z->known[k], name, ver) != 0)
		log_warnx("zookeeper: out of memory noting %s", path);
	l = z->sl;
	open = z->open;
	pthread_mutex_unlock(&z->mu);
	if (!open || l.node == NULL ||
	    store_decode_id(name, strlen(name), app, sizeof(app), why,
	    sizeof(why)) != 0)
		return;   /* a bad name was reported when it appeared */
	if (data != NULL && len > STORE_NODE_MAX) {
		snprintf(why, sizeof(why), "%zu bytes: more than the %u a "
		    "node may hold", len, (unsigned)STORE_NODE_MAX);
		report_bad(z, path, why);
		return;
	}
	memset(&n, 0, sizeof(n));
	n.kind = (enum store_kind)k;
	n.app_id = app;
	n.where = path;
	n.data = data;
	n.len = len;
	n.version = ver;
	l.node(l.arg, &n);
}

static void
deliver(struct zkha *z, int k, const char *name, const char *path,
    const char *data, size_t len, int64_t ver)
{
	deliver_node(z, k, name, path, data, len, ver, 0);
}

/* Read one node with a data watch and deliver it (or its absence). */
static int
read_node(struct zkha *z, int k, const char *name, char *buf, int force)
{
	char path[ZKHA_PATH_MAX];
	struct Stat stat;
	int rc, blen = STORE_NODE_MAX + 1;

	snprintf(path, sizeof(path), "%s/%s", z->dir[k], name);
	memset(&stat, 0, sizeof(stat));
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_wget(z->zh, path,
	    node_watcher, z->hctx, buf, &blen, &stat);
	pthread_rwlock_unlock(&z->hl);
	if (rc == ZNONODE) {
		deliver_node(z, k, name, path, NULL, 0, STORE_VERSION_NONE,
		    force);
		return 0;
	}
	if (rc != ZOK) {
		log_debug("zookeeper: read %s: %s", path, zkha_strerror(rc));
		return -1;
	}
	if (blen < 0)
		blen = 0;       /* a node without data */
	buf[blen] = '\0';
	deliver_node(z, k, name, path, buf, stat.dataLength > blen ?
	    (size_t)stat.dataLength : (size_t)blen, stat.version, force);
	return 0;
}

/* A name that is not an encoded app id: say so once. */
static int
name_ok(struct zkha *z, int k, const char *name)
{
	char app[RULES_APP_ID_MAX], why[256], path[ZKHA_PATH_MAX];
	long at;

	if (store_decode_id(name, strlen(name), app, sizeof(app), why,
	    sizeof(why)) == 0)
		return 1;
	pthread_mutex_lock(&z->mu);
	at = kfind(&z->known[k], name);
	if (at < 0 && kset_put(&z->known[k], name, ZKHA_VER_BAD) != 0)
		at = 0;  /* out of memory: report it the next time */
	pthread_mutex_unlock(&z->mu);
	if (at < 0) {
		snprintf(path, sizeof(path), "%s/%s", z->dir[k], name);
		report_bad(z, path, why);
	}
	return 0;
}

static int
scmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every known name the listing no longer has: gone. */
static void
deliver_gone(struct zkha *z, int k, struct String_vector *sv)
{
	char path[ZKHA_PATH_MAX], **gone = NULL;
	size_t i, n = 0;

	pthread_mutex_lock(&z->mu);
	for (i = 0; i < z->known[k].n; i++) {
		char *key = z->known[k].v[i].name;

		if (bsearch(&key, sv->data, (size_t)sv->count, sizeof(char *),
		    scmp) != NULL)
			continue;
		if (gone == NULL && (gone = calloc(z->known[k].n,
		    sizeof(*gone))) == NULL)
			break;
		gone[n] = strdup(key);
		if (gone[n] != NULL)
			n++;
	}
	pthread_mutex_unlock(&z->mu);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", z->dir[k], gone[i]);
		deliver(z, k, gone[i], path, NULL, 0, STORE_VERSION_NONE);
		free(gone[i]);
	}
	free(gone);
}

/*
 * Many nodes at once: up to ZKHA_WINDOW reads in flight (zoo_awget, a
 * data watch each), so 10,000 nodes cost a few round trips' worth of
 * time, not 10,000.  The answers are delivered in the order asked.
 */
#define ZKHA_WINDOW 512

struct slot {
	int          rc, done;
	char        *data;        /* malloc'ed copy, at most STORE_NODE_MAX */
	size_t       len;         /* the node's full length */
	int64_t      ver;
	struct batch *b;
};

struct batch {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	size_t          pending;
};

static void
slot_done(int rc, const char *value, int value_len, const struct Stat *stat,
    const void *data)
{
	struct slot *s = (struct slot *)(uintptr_t)data;
	struct batch *b = s->b;

	s->rc = rc;
	if (rc == ZOK) {
		s->len = value_len > 0 ? (size_t)value_len : 0;
		s->ver = stat != NULL ? stat->version : 0;
		if (s->len <= STORE_NODE_MAX && (s->data = malloc(s->len +
		    1)) != NULL) {
			if (s->len > 0)
				memcpy(s->data, value, s->len);
			s->data[s->len] = '\0';
		} else if (s->len <= STORE_NODE_MAX) {
			s->rc = ZSYSTEMERROR;     /* out of memory */
		}
	}
	pthread_mutex_lock(&b->mu);
	s->done = 1;
	b->pending--;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* Deliver one answered slot; -1 when the read failed (not connected). */
static int
slot_deliver(struct zkha *z, int k, const char *name, struct slot *s)
{
	static const char huge[1] = "";
	char path[ZKHA_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", z->dir[k], name);
	if (s->rc == ZNONODE) {
		deliver(z, k, name, path, NULL, 0, STORE_VERSION_NONE);
		return 0;
	}
	if (s->rc != ZOK) {
		log_debug("zookeeper: read %s: %s", path, zkha_strerror(s->rc));
		return -1;
	}
	/* Too large: delivered with its length only (reported bad). */
	deliver(z, k, name, path, s->data != NULL ? s->data : huge, s->len,
	    s->ver);
	return 0;
}

/* Read names[0..n) of kind k; 0, or -1 when some read failed. */
static int
read_many(struct zkha *z, int k, char **names, size_t n)
{
	struct slot *s = calloc(n ? n : 1, sizeof(*s));
	char path[ZKHA_PATH_MAX];
	struct batch b;
	size_t i, from;
	int ret = 0, rc;

	if (s == NULL)
		return -1;
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	for (from = 0; from < n; from += ZKHA_WINDOW) {
		size_t to = from + ZKHA_WINDOW < n ? from + ZKHA_WINDOW : n;

		b.pending = 0;
		pthread_rwlock_rdlock(&z->hl);
		for (i = from; i < to; i++) {
			s[i].b = &b;
			snprintf(path, sizeof(path), "%s/%s", z->dir[k],
			    names[i]);
			pthread_mutex_lock(&b.mu);
			b.pending++;
			pthread_mutex_unlock(&b.mu);
			rc = z->zh == NULL ? ZINVALIDSTATE : zoo_awget(z->zh,
			    path, node_watcher, z->hctx, slot_done, &s[i]);
			if (rc != ZOK) {   /* not queued: no completion */
				pthread_mutex_lock(&b.mu);
				b.pending--;
				s[i].rc = rc;
				s[i].done = 1;
				pthread_mutex_unlock(&b.mu);
			}
		}
		pthread_rwlock_unlock(&z->hl);
		/* Every queued call completes (answer or connection loss). */
		pthread_mutex_lock(&b.mu);
		while (b.pending > 0)
			pthread_cond_wait(&b.cv, &b.mu);
		pthread_mutex_unlock(&b.mu);
		for (i = from; i < to; i++) {
			if (ret == 0 && slot_deliver(z, k, names[i], &s[i]) != 0)
				ret = -1;
			free(s[i].data);
		}
	}
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	free(s);
	return ret;
}

static int
sync_kind(struct zkha *z, int k, int full)
{
	struct String_vector sv;
	char **want;
	size_t nwant = 0;
	int rc, i, ret;
	long at;

	memset(&sv, 0, sizeof(sv));
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_wget_children(z->zh,
	    z->dir[k], node_watcher, z->hctx, &sv);
	pthread_rwlock_unlock(&z->hl);
	if (rc == ZNONODE && z->read_only)
		rc = ZOK;          /* not made (an observer makes nothing) */
	if (rc == ZNOAUTH && z->read_only)   /* a command: it gives up soon */
		log_warnx("zookeeper: %s: not readable by this identity "
		    "(check zookeeper_auth_file)", z->dir[k]);
	if (rc != ZOK) {
		log_debug("zookeeper: list %s: %s", z->dir[k],
		    zkha_strerror(rc));
		return -1;
	}
	qsort(sv.data, (size_t)sv.count, sizeof(char *), scmp);
	want = calloc(sv.count > 0 ? (size_t)sv.count : 1, sizeof(*want));
	if (want == NULL) {
		deallocate_String_vector(&sv);
		return -1;
	}
	for (i = 0; i < sv.count; i++) {
		if (!full) {
			pthread_mutex_lock(&z->mu);
			at = kfind(&z->known[k], sv.data[i]);
			pthread_mutex_unlock(&z->mu);
			if (at >= 0)
				continue;
		}
		if (name_ok(z, k, sv.data[i]))
			want[nwant++] = sv.data[i];
	}
	ret = read_many(z, k, want, nwant);
	if (ret == 0)
		deliver_gone(z, k, &sv);
	free(want);
	deallocate_String_vector(&sv);
	return ret;
}

int
zkha_store_sync(struct zkha *z, int full)
{
	/* Rules before states (store.h). */
	return sync_kind(z, STORE_RULE, full) == 0 &&
	    sync_kind(z, STORE_STATE, full) == 0 ? 0 : -1;
}

void
zkha_store_job(struct zkha *z, const struct zkha_job *j)
{
	const char *name;
	char *buf;
	size_t k;
	int kind;

	if (j->kind == ZKHA_JOB_CHILDREN) {
		for (k = 0; k < STORE_KINDS; k++)
			if (strcmp(j->path, z->dir[k]) == 0)
				break;
		if (k < STORE_KINDS && sync_kind(z, (int)k, 0) != 0)
			log_debug("zookeeper: %s not listed", j->path);
		return;
	}
	if (split(z, j->path, &kind, &name) != 0 || !name_ok(z, kind, name) ||
	    (buf = malloc(ZKHA_BUF)) == NULL)
		return;
	if (read_node(z, kind, name, buf, 0) != 0)
		log_debug("zookeeper: %s not read", j->path);
	free(buf);
}

/*
 * store_ops.refresh: after a conflict the state ignored the watch event
 * (its own write was in flight), so the node is read and handed over
 * again whatever version we noted.
 */
static void
zk_refresh(void *ctx, enum store_kind k, const char *app_id)
{
	struct zkha *z = ctx;
	char name[STORE_NAME_MAX], *buf;

	if (store_encode_id(app_id, name, sizeof(name)) != 0 ||
	    (buf = malloc(ZKHA_BUF)) == NULL)
		return;
	if (read_node(z, (int)k, name, buf, 1) != 0)
		log_warnx("zookeeper: %s/%s not read again after a conflict "
		    "(not connected); the next watch event brings it",
		    z->dir[k], name);
	free(buf);
}

/* ---- the ops ---- */

static void *
zk_open(const char *spec, const struct store_listener *l, char *err,
    size_t errlen)
{
	struct zkha *z = zkha_impl_current();

	if (z == NULL) {
		snprintf(err, errlen, "zookeeper: no session (zkha_start)");
		return NULL;
	}
	if (strcmp(spec, z->url_text) != 0) {
		snprintf(err, errlen, "zookeeper: %s is not the session's URL",
		    spec);
		return NULL;
	}
	pthread_mutex_lock(&z->mu);
	z->sl = *l;
	z->open = 1;
	pthread_mutex_unlock(&z->mu);
	zkha_push_ev(z, LEADER_EV_TICK);   /* read everything soon */
	return z;
}

/*
 * Wait up to ZKHA_LOAD_WAIT_MS (or the session timeout, if shorter) for
 * the session to connect, and then as long as the first full read takes
 * (the driver does it as soon as the session connects).  Not connected
 * by then: start anyway with nothing, stale, so the API can say so
 * (/healthz 503); the nodes come as watch events once it connects.
 */
#define ZKHA_LOAD_WAIT_MS 2000

static int
zk_load_all(void *ctx, char *err, size_t errlen)
{
	struct zkha *z = ctx;
	long wait_ms = z->timeout_ms < ZKHA_LOAD_WAIT_MS ? z->timeout_ms :
	    ZKHA_LOAD_WAIT_MS;
	int64_t until = now_mono_ns() + (int64_t)wait_ms * 1000000;
	struct timespec ts;
	int loaded;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&z->mu);
	while ((!z->st.loaded && now_mono_ns() < until) || z->loading) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&z->cv, &z->mu, &ts);
	}
	z->live = 1;
	loaded = z->st.loaded;
	pthread_mutex_unlock(&z->mu);
	if (!loaded) {
		log_warnx("zookeeper: %s not reached within %ld ms; serving "
		    "no rules (reads stale, writes refused, /healthz 503) "
		    "until it is", z->url.hosts, wait_ms);
		zkha_store_health(z, STORE_HEALTH_STALE);
	}
	return 0;
}

/* A result code of the client as a store result. */
static enum store_result
map_rc(int rc)
{
	if (rc == ZOK)
		return STORE_OK;
	if (rc == ZNONODE)
		return STORE_E_NOT_FOUND;
	if (rc == ZNODEEXISTS)
		return STORE_E_EXISTS;
	if (rc == ZBADVERSION)
		return STORE_E_CONFLICT;
	if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT ||
	    rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE || rc == ZCLOSING ||
	    rc == ZSESSIONMOVED)
		return STORE_E_UNAVAILABLE;
	return STORE_E_IO;
}

/*
 * Writes go out together too (zoo_acreate / zoo_aset / zoo_adelete, all
 * of a batch in flight at once), each compared against its version; the
 * results are read when every one has answered.
 */
struct wslot {
	int           rc;
	int64_t       ver;
	struct batch *b;
};

static void
wslot_finish(struct wslot *s, int rc)
{
	struct batch *b = s->b;

	pthread_mutex_lock(&b->mu);
	s->rc = rc;
	b->pending--;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

static void
wdone_stat(int rc, const struct Stat *stat, const void *data)
{
	struct wslot *s = (struct wslot *)(uintptr_t)data;

	if (rc == ZOK && stat != NULL)
		s->ver = stat->version;
	wslot_finish(s, rc);
}

static void
wdone_string(int rc, const char *value, const void *data)
{
	struct wslot *s = (struct wslot *)(uintptr_t)data;

	(void)value;
	if (rc == ZOK)
		s->ver = 0;      /* a new node's first version */
	wslot_finish(s, rc);
}

static void
wdone_void(int rc, const void *data)
{
	wslot_finish((struct wslot *)(uintptr_t)data, rc);
}

static void
wdone_ignore(int rc, const struct Stat *stat, const void *data)
{
	(void)rc;
	(void)stat;
	(void)data;
}

/* Send write w (path) without waiting; caller holds hl (read). */
static int
send_write(struct zkha *z, const char *path, const struct store_write *w,
    struct wslot *s)
{
	if (z->zh == NULL)
		return ZINVALIDSTATE;
	if (w->data == NULL)
		return zoo_adelete(z->zh, path, w->version >= 0 ?
		    (int)w->version : -1, wdone_void, s);
	if (w->version == STORE_VERSION_NONE)
		return zoo_acreate(z->zh, path, w->data, (int)w->len,
		    zkha_acl(z), 0, wdone_string, s);
	return zoo_aset(z->zh, path, w->data, (int)w->len, w->version ==
	    STORE_VERSION_ANY ? -1 : (int)w->version, wdone_stat, s);
}

/* The answer of one write into w; a STORE_VERSION_ANY put of a missing
 * node is created now. */
static void
finish_write(struct zkha *z, struct store_write *w, const char *name,
    struct wslot *s)
{
	char path[ZKHA_PATH_MAX];
	int rc = s->rc;

	snprintf(path, sizeof(path), "%s/%s", z->dir[w->kind], name);
	pthread_rwlock_rdlock(&z->hl);
	if (rc == ZNONODE && w->data != NULL &&
	    w->version == STORE_VERSION_ANY && z->zh != NULL) {
		rc = zoo_create(z->zh, path, w->data, (int)w->len,
		    zkha_acl(z), 0, NULL, 0);
		s->ver = 0;
	}
	/* A node we made: watch it like the others. */
	if (rc == ZOK && w->data != NULL && s->ver == 0 && z->zh != NULL)
		(void)zoo_awexists(z->zh, path, node_watcher, z->hctx,
		    wdone_ignore, NULL);
	pthread_rwlock_unlock(&z->hl);
	w->result = map_rc(rc);
	w->new_version = w->data != NULL && rc == ZOK ? s->ver :
	    STORE_VERSION_NONE;
	if (rc != ZOK) {
		snprintf(w->err, sizeof(w->err), "zookeeper: %.200s: %.80s%s",
		    path, zkha_strerror(rc), w->result == STORE_E_UNAVAILABLE ?
		    " (no quorum or not connected; retry later)" : "");
		return;
	}
	pthread_mutex_lock(&z->mu);
	if (w->data != NULL)
		(void)kset_put(&z->known[w->kind], name, s->ver);
	else
		kset_del(&z->known[w->kind], name);
	pthread_mutex_unlock(&z->mu);
}

/* Refused before it is sent: 0, or -1 with w's result and err set. */
static int
precheck(struct zkha *z, struct store_write *w, char *name, int connected)
{
	if (store_encode_id(w->app_id, name, STORE_NAME_MAX) != 0) {
		w->result = STORE_E_IO;
		snprintf(w->err, sizeof(w->err), "%s: the id does not fit a "
		    "node name", w->app_id);
		return -1;
	}
	if (w->data != NULL && w->len > STORE_NODE_MAX) {
		w->result = STORE_E_TOO_BIG;
		snprintf(w->err, sizeof(w->err), "%.150s/%.150s: %zu bytes",
		    z->dir[w->kind], name, w->len);
		return -1;
	}
	if (z->read_only) {
		w->result = STORE_E_IO;
		snprintf(w->err, sizeof(w->err), "zookeeper: %.150s/%.150s not "
		    "written: a read-only session", z->dir[w->kind], name);
		return -1;
	}
	if (!connected) {
		w->result = STORE_E_UNAVAILABLE;
		snprintf(w->err, sizeof(w->err), "zookeeper: %.150s/%.150s not "
		    "written: no quorum (not connected); retry later",
		    z->dir[w->kind], name);
		return -1;
	}
	return 0;
}

static void
zk_apply(void *ctx, struct store_write *w, size_t n)
{
	struct zkha *z = ctx;
	struct wslot *s = calloc(n ? n : 1, sizeof(*s));
	char (*names)[STORE_NAME_MAX] = calloc(n ? n : 1, sizeof(*names));
	char path[ZKHA_PATH_MAX];
	struct batch b;
	size_t i;
	int connected, rc, *skip = calloc(n ? n : 1, sizeof(*skip));

	pthread_mutex_lock(&z->mu);
	connected = z->st.connected;
	pthread_mutex_unlock(&z->mu);
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	b.pending = 0;
	pthread_rwlock_rdlock(&z->hl);
	for (i = 0; i < n; i++) {
		w[i].err[0] = '\0';
		w[i].new_version = STORE_VERSION_NONE;
		if (s == NULL || names == NULL || skip == NULL) {
			w[i].result = STORE_E_NOMEM;
			snprintf(w[i].err, sizeof(w[i].err), "out of memory");
			continue;
		}
		if ((skip[i] = precheck(z, &w[i], names[i], connected)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", z->dir[w[i].kind],
		    names[i]);
		s[i].b = &b;
		s[i].ver = STORE_VERSION_NONE;
		pthread_mutex_lock(&b.mu);
		b.pending++;
		pthread_mutex_unlock(&b.mu);
		/* The answer may come before send_write returns: its rc
		 * goes to the slot only when nothing was queued. */
		if ((rc = send_write(z, path, &w[i], &s[i])) != ZOK) {
			pthread_mutex_lock(&b.mu);
			b.pending--;
			s[i].rc = rc;
			pthread_mutex_unlock(&b.mu);
		}
	}
	pthread_rwlock_unlock(&z->hl);
	/* The client answers every call it queued (or fails it). */
	pthread_mutex_lock(&b.mu);
	while (b.pending > 0)
		pthread_cond_wait(&b.cv, &b.mu);
	pthread_mutex_unlock(&b.mu);
	for (i = 0; s != NULL && names != NULL && skip != NULL && i < n; i++)
		if (!skip[i])
			finish_write(z, &w[i], names[i], &s[i]);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	free(s);
	free(names);
	free(skip);
}

static void
zk_close(void *ctx)
{
	struct zkha *z = ctx;

	if (z == NULL)
		return;
	pthread_mutex_lock(&z->mu);
	z->open = 0;
	z->live = 0;
	pthread_mutex_unlock(&z->mu);
}

const struct store_ops store_zk_ops = {
	.name = "zookeeper",
	.open = zk_open,
	.load_all = zk_load_all,
	.apply = zk_apply,
	.close = zk_close,
	.refresh = zk_refresh,
};
