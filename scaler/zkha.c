/*
 * zkha.c — see zkha.h.  The session and its handle, the driver thread
 * with its queue, the election steps, the fencing check and -n.  The
 * store backend's reads and writes are in zkha_store.c (zkha_impl.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/zkha.h"
#include "scaler/zkha_impl.h"

/* The one instance store_zk_ops.open() finds (zkha.h). */
static pthread_mutex_t current_mu = PTHREAD_MUTEX_INITIALIZER;
static struct zkha *current;

struct zkha *
zkha_impl_current(void)
{
	struct zkha *z;

	pthread_mutex_lock(&current_mu);
	z = current;
	pthread_mutex_unlock(&current_mu);
	return z;
}

const struct zkpath_url *
zkha_url(const struct zkha *z)
{
	return &z->url;
}

/* ---- the queue ---- */

static void
push(struct zkha *z, struct zkha_job *j)
{
	pthread_mutex_lock(&z->mu);
	if (z->tail != NULL)
		z->tail->next = j;
	else
		z->head = j;
	z->tail = j;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
}

void
zkha_push_ev(struct zkha *z, enum leader_ev ev)
{
	struct zkha_job *j = calloc(1, sizeof(*j) + 1);

	if (j == NULL) {
		log_warnx("zookeeper: out of memory: event %d lost", (int)ev);
		return;
	}
	j->kind = ZKHA_JOB_EV;
	j->ev = ev;
	push(z, j);
}

void
zkha_push_path(struct zkha *z, int kind, const char *path)
{
	size_t n = strlen(path);
	struct zkha_job *j = calloc(1, sizeof(*j) + n + 1);

	if (j == NULL) {
		log_warnx("zookeeper: out of memory: change of %s not read",
		    path);
		return;
	}
	j->kind = kind;
	memcpy(j->path, path, n + 1);
	push(z, j);
}

/* ---- the handle ---- */

/* Is this callback from the current handle?  (Old ones may still call
 * while they close.) */
int
zkha_is_current(struct zkha *z, const void *ctx)
{
	const struct zkha_hctx *h = ctx;
	int r;

	pthread_mutex_lock(&z->mu);
	r = h != NULL && h->gen == z->gen;
	pthread_mutex_unlock(&z->mu);
	return r;
}

static void
session_watcher(zhandle_t *zh, int type, int state, const char *path,
    void *ctx)
{
	struct zkha_hctx *h = ctx;
	struct zkha *z = h->z;

	(void)zh;
	(void)path;
	if (type != ZOO_SESSION_EVENT || !zkha_is_current(z, ctx))
		return;
	if (state == ZOO_CONNECTED_STATE) {
		zkha_push_ev(z, LEADER_EV_CONNECTED);
	} else if (state == ZOO_EXPIRED_SESSION_STATE) {
		zkha_push_ev(z, LEADER_EV_EXPIRED);
	} else if (state == ZOO_AUTH_FAILED_STATE) {
		log_warnx("zookeeper: authentication failed (check "
		    "zookeeper_auth_file)");
		zkha_push_ev(z, LEADER_EV_EXPIRED);
	} else {
		zkha_push_ev(z, LEADER_EV_CONNECTING);
	}
}

static void
client_log(const char *msg)
{
	log_debug("zookeeper client: %s", msg);
}

/* A new handle (session); the old one must be closed.  Driver only. */
static int
session_open(struct zkha *z)
{
	struct zkha_hctx *h = calloc(1, sizeof(*h));
	zhandle_t *zh;

	if (h == NULL)
		return -1;
	h->z = z;
	pthread_mutex_lock(&z->mu);
	h->gen = ++z->gen;
	pthread_mutex_unlock(&z->mu);
	zh = zookeeper_init2(z->url.hosts, session_watcher,
	    (int)z->timeout_ms, NULL, h, 0, client_log);
	if (zh == NULL) {
		log_warn("zookeeper: cannot start a session with %s",
		    z->url.hosts);
		free(h);
		return -1;
	}
	if (z->auth[0] != '\0')
		zoo_add_auth(zh, "digest", z->auth, (int)strlen(z->auth),
		    NULL, NULL);
	pthread_rwlock_wrlock(&z->hl);
	z->zh = zh;
	z->hctx = h;
	pthread_rwlock_unlock(&z->hl);
	z->paths_ok = 0;
	return 0;
}

static void
session_close(struct zkha *z)
{
	struct zkha_hctx *h;

	pthread_mutex_lock(&z->mu);
	z->gen++;                   /* the old handle's callbacks: ignored */
	pthread_mutex_unlock(&z->mu);
	pthread_rwlock_wrlock(&z->hl);
	if (z->zh != NULL)
		zookeeper_close(z->zh);
	h = z->hctx;
	z->zh = NULL;
	z->hctx = NULL;
	pthread_rwlock_unlock(&z->hl);
	free(h);
}

/* ZooKeeper's result as words. */
const char *
zkha_strerror(int rc)
{
	const char *s = zerror(rc);

	return s != NULL ? s : "unknown error";
}

/* Create one node if missing (no data); ZOK or the error. */
static int
create_missing(struct zkha *z, const char *path)
{
	int rc;

	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_create(z->zh, path, NULL,
	    -1, zkha_acl(z), 0, NULL, 0);
	pthread_rwlock_unlock(&z->hl);
	return rc == ZNODEEXISTS ? ZOK : rc;
}

/* PATH (and each node above it), PATH/rules, /state, /leader. */
int
zkha_ensure_paths(struct zkha *z, char *err, size_t errlen)
{
	char p[ZKPATH_ROOT_MAX + 16];
	const char *kids[] = { "rules", "state", "leader" };
	size_t i;
	int rc;

	for (i = 1; z->url.root[i - 1] != '\0'; i++) {
		if (z->url.root[i] != '/' && z->url.root[i] != '\0')
			continue;
		memcpy(p, z->url.root, i);
		p[i] = '\0';
		if ((rc = create_missing(z, p)) != ZOK)
			goto fail;
	}
	for (i = 0; i < ARRAY_LEN(kids); i++) {
		snprintf(p, sizeof(p), "%s/%s", z->url.root, kids[i]);
		if ((rc = create_missing(z, p)) != ZOK)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "zookeeper: cannot create %s: %s", p,
	    zkha_strerror(rc));
	return -1;
}

struct ACL_vector *
zkha_acl(struct zkha *z)
{
	return z->auth[0] != '\0' ? &ZOO_CREATOR_ALL_ACL :
	    &ZOO_OPEN_ACL_UNSAFE;
}

/* ---- the driver thread ---- */

static int64_t
mono_ms(void)
{
	return now_mono_ns() / 1000000;
}

/* Read every node (a new session: the watches went with the old one). */
static void
full_load(struct zkha *z)
{
	int64_t t0 = mono_ms();
	size_t nr, ns;
	int rc;

	pthread_mutex_lock(&z->mu);
	z->loading = 1;
	pthread_mutex_unlock(&z->mu);
	rc = zkha_store_sync(z, 1);
	pthread_mutex_lock(&z->mu);
	z->loading = 0;
	if (rc == 0) {
		z->need_load = 0;
		z->st.loaded = 1;
	}
	nr = z->known[STORE_RULE].n;
	ns = z->known[STORE_STATE].n;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	if (rc == 0) {
		log_info("zookeeper: read %zu rule and %zu state nodes under "
		    "%s in %lld ms", nr, ns, z->url.root,
		    (long long)(mono_ms() - t0));
		zkha_store_health(z, STORE_HEALTH_OK);
	}
}

/* Read everything if the store is open and a read is due. */
static void
maybe_load(struct zkha *z)
{
	int due;

	pthread_mutex_lock(&z->mu);
	due = z->st.connected && z->open && z->need_load && !z->loading;
	pthread_mutex_unlock(&z->mu);
	if (due)
		full_load(z);
}

static void
on_connected(struct zkha *z)
{
	const clientid_t *cid;
	int64_t sid = 0;
	char err[512];

	pthread_rwlock_rdlock(&z->hl);
	cid = z->zh != NULL ? zoo_client_id(z->zh) : NULL;
	sid = cid != NULL ? cid->client_id : 0;
	pthread_rwlock_unlock(&z->hl);
	pthread_mutex_lock(&z->mu);
	if (sid != z->session_id) {
		z->st.sessions++;
		z->session_id = sid;
		log_info("zookeeper: session 0x%llx with %s (timeout %ld ms)",
		    (unsigned long long)sid, z->url.hosts, z->timeout_ms);
	}
	z->st.connected = 1;
	z->st.ever_connected = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	complain_recovered(&z->down_log, "zookeeper: connected to %s again",
	    z->url.hosts);
	z->down_since_s = 0;
	if (!z->paths_ok && !z->read_only) {
		if (zkha_ensure_paths(z, err, sizeof(err)) == 0)
			z->paths_ok = 1;
		else
			log_warnx("%s", err);
	}
	maybe_load(z);
	pthread_mutex_lock(&z->mu);
	sid = z->st.loaded;
	pthread_mutex_unlock(&z->mu);
	if (sid)
		zkha_store_health(z, STORE_HEALTH_OK);
	zkha_elect_feed(z, LEADER_EV_CONNECTED);
}

static void
on_lost(struct zkha *z, enum leader_ev ev)
{
	pthread_mutex_lock(&z->mu);
	z->st.connected = 0;
	if (ev == LEADER_EV_EXPIRED) {
		z->st.expired++;
		z->need_load = 1;
	}
	pthread_mutex_unlock(&z->mu);
	/* Stop leading first: nothing else comes before it. */
	zkha_elect_feed(z, ev);
	zkha_store_health(z, STORE_HEALTH_STALE);
	if (z->down_since_s == 0)
		z->down_since_s = now_mono_ns() / 1000000000LL;
	if (ev == LEADER_EV_EXPIRED) {
		log_warnx("zookeeper: session expired; starting a new one");
		session_close(z);
		z->reopen_at_ms = mono_ms();
	}
}

static void
tick(struct zkha *z)
{
	int64_t now = mono_ms();
	int connected;

	if (z->zh == NULL && now >= z->reopen_at_ms) {
		if (session_open(z) == 0) {
			z->backoff_ms = 0;
		} else {
			z->backoff_ms = z->backoff_ms ? z->backoff_ms * 2 :
			    500;
			if (z->backoff_ms > 30000)
				z->backoff_ms = 30000;
			z->reopen_at_ms = now + z->backoff_ms;
		}
	}
	pthread_mutex_lock(&z->mu);
	connected = z->st.connected;
	pthread_mutex_unlock(&z->mu);
	if (!connected) {
		if (z->down_since_s == 0)
			z->down_since_s = now / 1000;
	}
	/* A connection being made is not an outage: say so from 2 s. */
	if (!connected && now / 1000 - z->down_since_s >= 2) {
		complain(&z->down_log, now / 1000, "zookeeper: not connected "
		    "to %s for %llds (no quorum: no scaling, stale reads, "
		    "writes refused)", z->url.hosts,
		    (long long)(now / 1000 - z->down_since_s));
	}
	maybe_load(z);
	zkha_elect_feed(z, LEADER_EV_TICK);
}

static void
handle(struct zkha *z, const struct zkha_job *j)
{
	int loaded;

	if (j->kind != ZKHA_JOB_EV) {
		pthread_mutex_lock(&z->mu);
		loaded = z->st.loaded && !z->need_load;
		pthread_mutex_unlock(&z->mu);
		if (loaded)      /* else a full read comes */
			zkha_store_job(z, j);
		return;
	}
	switch (j->ev) {
	case LEADER_EV_CONNECTED:
		on_connected(z);
		return;
	case LEADER_EV_CONNECTING:
	case LEADER_EV_EXPIRED:
		on_lost(z, j->ev);
		return;
	case LEADER_EV_TICK:
		tick(z);
		return;
	default:
		zkha_elect_feed(z, j->ev);
		return;
	}
}

static void *
driver(void *arg)
{
	struct zkha *z = arg;
	struct zkha_job *j;
	struct timespec ts;
	int64_t next_tick = mono_ms() + 1000;

	for (;;) {
		pthread_mutex_lock(&z->mu);
		if (!z->stop && z->head == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&z->cv, &z->mu, &ts);
		}
		if (z->stop) {
			pthread_mutex_unlock(&z->mu);
			return NULL;
		}
		j = z->head;
		if (j != NULL) {
			z->head = j->next;
			if (z->head == NULL)
				z->tail = NULL;
		}
		pthread_mutex_unlock(&z->mu);
		if (j != NULL)
			handle(z, j);
		free(j);
		if (mono_ms() >= next_tick) {
			tick(z);
			next_tick = mono_ms() + 1000;
		}
	}
}

/* ---- start, stop, status ---- */

static int
check_options(const struct zkha_options *o, struct zkpath_url *u,
    char *err, size_t errlen)
{
	char e2[300];

	if (zkpath_parse_url(o->url, u, e2, sizeof(e2)) != 0) {
		snprintf(err, errlen, "zookeeper: %s", e2);
		return -1;
	}
	if (o->session_timeout_ms < 1000 || o->session_timeout_ms > 600000) {
		snprintf(err, errlen, "zookeeper_session_timeout_ms: %ld is "
		    "outside 1000 to 600000", o->session_timeout_ms);
		return -1;
	}
	if (!zkpath_valid_id(o->instance_id)) {
		snprintf(err, errlen, "zookeeper_instance_id '%.64s': 1 to %d "
		    "bytes of a-z, A-Z, 0-9, '.', '_', ':', '-'",
		    o->instance_id, ZKPATH_ID_MAX - 1);
		return -1;
	}
	if (o->auth != NULL && o->auth[0] != '\0' &&
	    (strlen(o->auth) >= ZKHA_AUTH_MAX || strchr(o->auth, ':') == NULL ||
	    o->auth[0] == ':')) {
		snprintf(err, errlen, "zookeeper_auth_file: the first line "
		    "must be user:password (at most %d bytes)",
		    ZKHA_AUTH_MAX - 1);
		return -1;
	}
	return 0;
}

static struct zkha *
alloc_zkha(const struct zkha_options *o, const struct zkpath_url *u)
{
	struct zkha *z = calloc(1, sizeof(*z));
	unsigned char rnd[4];
	size_t k;

	if (z == NULL || (z->url_text = strdup(o->url)) == NULL) {
		free(z);
		return NULL;
	}
	z->url = *u;
	str_copy_trunc(z->id, o->instance_id, sizeof(z->id));
	STR_COPY_ARRAY(z->st.instance_id, z->id);
	if (o->auth != NULL)
		str_copy_trunc(z->auth, o->auth, sizeof(z->auth));
	z->timeout_ms = o->session_timeout_ms;
	z->read_only = o->read_only != 0;
	if (getentropy(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0, sizeof(rnd));
	snprintf(z->token, sizeof(z->token), "%s~%02x%02x%02x%02x%04x",
	    z->id, rnd[0], rnd[1], rnd[2], rnd[3],
	    (unsigned)(getpid() & 0xffff));
	for (k = 0; k < STORE_KINDS; k++)
		snprintf(z->dir[k], sizeof(z->dir[k]), "%s/%s", z->url.root,
		    store_kind_dir((enum store_kind)k));
	snprintf(z->leader_dir, sizeof(z->leader_dir), "%s/leader",
	    z->url.root);
	leader_init(&z->l);
	z->need_load = 1;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	pthread_rwlock_init(&z->hl, NULL);
	return z;
}

struct zkha *
zkha_start(const struct zkha_options *o, char *err, size_t errlen)
{
	struct zkpath_url u;
	struct zkha *z;

	if (check_options(o, &u, err, errlen) != 0)
		return NULL;
	if ((z = alloc_zkha(o, &u)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	zoo_set_debug_level(log_get_verbosity() >= 2 ? ZOO_LOG_LEVEL_INFO :
	    ZOO_LOG_LEVEL_WARN);
	if (session_open(z) != 0) {
		snprintf(err, errlen, "zookeeper: cannot start a session "
		    "with %s", z->url.hosts);
		zkha_stop(z);
		return NULL;
	}
	if (pthread_create(&z->thread, NULL, driver, z) != 0) {
		snprintf(err, errlen, "zookeeper: cannot start its thread");
		zkha_stop(z);
		return NULL;
	}
	z->thread_started = 1;
	pthread_mutex_lock(&current_mu);
	current = z;
	pthread_mutex_unlock(&current_mu);
	if (z->auth[0] == '\0' && !z->read_only)
		log_warnx("zookeeper: no zookeeper_auth_file: the nodes under "
		    "%s are open to every client (world:anyone)", z->url.root);
	return z;
}

void
zkha_stop(struct zkha *z)
{
	struct zkha_job *j;

	if (z == NULL)
		return;
	pthread_mutex_lock(&current_mu);
	if (current == z)
		current = NULL;
	pthread_mutex_unlock(&current_mu);
	if (z->thread_started) {
		pthread_mutex_lock(&z->mu);
		z->stop = 1;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		pthread_join(z->thread, NULL);
	}
	/* Closing the session deletes our election node at once: a
	 * follower takes over without waiting for the timeout. */
	session_close(z);
	while ((j = z->head) != NULL) {
		z->head = j->next;
		free(j);
	}
	zkha_store_free(z);
	explicit_bzero(z->auth, sizeof(z->auth));
	pthread_rwlock_destroy(&z->hl);
	pthread_cond_destroy(&z->cv);
	pthread_mutex_destroy(&z->mu);
	free(z->url_text);
	free(z);
}

void
zkha_status(struct zkha *z, struct zkha_status *out)
{
	pthread_mutex_lock(&z->mu);
	*out = z->st;
	out->role = leader_role(&z->l);
	pthread_mutex_unlock(&z->mu);
}

/* ---- -n ---- */

/* With auth: no one but a digest identity may change anything. */
static int
check_acl(struct zkha *z, char *err, size_t errlen)
{
	struct ACL_vector acl;
	struct Stat stat;
	int rc, i, mine = 0, open = 0;

	memset(&acl, 0, sizeof(acl));
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_get_acl(z->zh, z->url.root,
	    &acl, &stat);
	pthread_rwlock_unlock(&z->hl);
	if (rc != ZOK) {
		snprintf(err, errlen, "zookeeper: ACL of %s: %s", z->url.root,
		    zkha_strerror(rc));
		return -1;
	}
	for (i = 0; i < acl.count; i++) {
		const struct ACL *a = &acl.data[i];

		if (strcmp(a->id.scheme, "digest") == 0 &&
		    (a->perms & ZOO_PERM_WRITE))
			mine = 1;
		else if (a->perms & (ZOO_PERM_WRITE | ZOO_PERM_CREATE |
		    ZOO_PERM_DELETE | ZOO_PERM_ADMIN))
			open = 1;
	}
	deallocate_ACL_vector(&acl);
	if (z->auth[0] == '\0') {
		log_warnx("zookeeper: %s may be changed by every client (no "
		    "zookeeper_auth_file)", z->url.root);
		return 0;
	}
	if (!mine || open) {
		snprintf(err, errlen, "zookeeper: the ACL of %s %s", z->url.root,
		    !mine ? "gives no digest identity write access" :
		    "lets identities other than the digest one change it");
		return -1;
	}
	return 0;
}

/* Create and delete an ephemeral node under PATH/leader. */
static int
probe(struct zkha *z, char *err, size_t errlen)
{
	char path[ZKHA_PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/probe-%s", z->leader_dir, z->token);
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_create(z->zh, path, NULL, -1,
	    zkha_acl(z), ZOO_EPHEMERAL, NULL, 0);
	if (rc == ZOK)
		rc = zoo_delete(z->zh, path, -1);
	pthread_rwlock_unlock(&z->hl);
	if (rc != ZOK) {
		snprintf(err, errlen, "zookeeper: cannot write %s: %s", path,
		    zkha_strerror(rc));
		return -1;
	}
	return 0;
}

int
zkha_check(struct zkha *z, long wait_ms, char *err, size_t errlen)
{
	int64_t until = mono_ms() + wait_ms;
	struct timespec ts;
	int up;

	pthread_mutex_lock(&z->mu);
	while (!(up = z->st.connected) && mono_ms() < until) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&z->cv, &z->mu, &ts);
	}
	pthread_mutex_unlock(&z->mu);
	if (!up) {
		snprintf(err, errlen, "zookeeper: %s not reached within %ld ms",
		    z->url.hosts, wait_ms);
		return -1;
	}
	if (zkha_ensure_paths(z, err, errlen) != 0 ||
	    check_acl(z, err, errlen) != 0 || probe(z, err, errlen) != 0)
		return -1;
	log_info("zookeeper: %s reached; %s and its children exist, the ACL "
	    "is as expected and a node can be written", z->url.hosts,
	    z->url.root);
	return 0;
}
