/*
 * zkha_elect.c — the election's commands (leader.h) carried out on the
 * session, and the fencing check before a scale request.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/zkha_impl.h"

/* The election's predecessor changed or went: list again. */
static void
pred_watcher(zhandle_t *zh, int type, int state, const char *path,
    void *ctx)
{
	struct zkha_hctx *h = ctx;

	(void)zh;
	(void)state;
	(void)path;
	if (type == ZOO_SESSION_EVENT || type == ZOO_NOTWATCHING_EVENT ||
	    !zkha_is_current(h->z, ctx))
		return;
	zkha_push_ev(h->z, LEADER_EV_PRED_GONE);
}

/* Say when this instance starts or stops leading, and who leads;
 * caller holds mu. */
static void
publish(struct zkha *z, enum leader_role before)
{
	enum leader_role now = leader_role(&z->l);
	char tok[ZKPATH_TOKEN_MAX];
	int64_t seq;

	z->st.role = now;
	z->st.gains = z->l.gains;
	z->st.losses = z->l.losses;
	z->st.leader_id[0] = '\0';
	if (z->l.leader_index >= 0 && z->l.leader_index < LEADER_CHILDREN_MAX &&
	    zkpath_election_parse(z->names[z->l.leader_index], &seq, tok,
	    sizeof(tok)) == 0 && zkpath_token_id(tok, z->st.leader_id,
	    sizeof(z->st.leader_id)) != 0)
		z->st.leader_id[0] = '\0';
	if (before != LEADER_ROLE_LEADER && now == LEADER_ROLE_LEADER)
		log_info("zookeeper: this instance (%s) leads now (node %s)",
		    z->id, z->own);
	else if (before == LEADER_ROLE_LEADER && now != LEADER_ROLE_LEADER)
		log_warnx("zookeeper: this instance (%s) no longer leads "
		    "(%s): scale requests stop", z->id, leader_role_str(now));
}

static int
do_create(struct zkha *z, int64_t *seq)
{
	char path[ZKHA_PATH_MAX], out[ZKHA_PATH_MAX], tok[ZKPATH_TOKEN_MAX];
	const char *base;
	int rc;

	snprintf(path, sizeof(path), "%s/n_%s_", z->leader_dir, z->token);
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_create(z->zh, path, z->id,
	    (int)strlen(z->id), zkha_acl(z), ZOO_EPHEMERAL_SEQUENTIAL, out,
	    (int)sizeof(out));
	pthread_rwlock_unlock(&z->hl);
	if (rc != ZOK) {
		log_warnx("zookeeper: cannot create the election node under "
		    "%s: %s", z->leader_dir, zkha_strerror(rc));
		return -1;
	}
	base = strrchr(out, '/');
	if (base == NULL || zkpath_election_parse(base + 1, seq, tok,
	    sizeof(tok)) != 0)
		return -1;
	log_debug("zookeeper: election node %s", out);
	return 0;
}

/* List PATH/leader/ into kids (and z->names). */
static int
do_list(struct zkha *z, struct leader_child *kids, size_t *n)
{
	struct String_vector sv;
	char tok[ZKPATH_TOKEN_MAX];
	int rc, i;
	int64_t seq;

	*n = 0;
	memset(&sv, 0, sizeof(sv));
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_get_children(z->zh,
	    z->leader_dir, 0, &sv);
	pthread_rwlock_unlock(&z->hl);
	if (rc != ZOK) {
		log_debug("zookeeper: list %s: %s", z->leader_dir,
		    zkha_strerror(rc));
		return -1;
	}
	for (i = 0; i < sv.count && *n < LEADER_CHILDREN_MAX; i++) {
		if (zkpath_election_parse(sv.data[i], &seq, tok,
		    sizeof(tok)) != 0 || strlen(sv.data[i]) >=
		    sizeof(z->names[0]))
			continue;   /* not a candidate of ours */
		str_copy_trunc(z->names[*n], sv.data[i], sizeof(z->names[0]));
		kids[*n].seq = seq;
		kids[*n].mine = strcmp(tok, z->token) == 0;
		kids[*n].id_index = (int)*n;
		if (kids[*n].mine) {
			pthread_mutex_lock(&z->mu);
			snprintf(z->own, sizeof(z->own), "%s/%s",
			    z->leader_dir, sv.data[i]);
			pthread_mutex_unlock(&z->mu);
		}
		(*n)++;
	}
	deallocate_String_vector(&sv);
	return 0;
}

static enum leader_ev
do_watch(struct zkha *z, int idx)
{
	char path[ZKHA_PATH_MAX];
	struct Stat stat;
	int rc;

	if (idx < 0 || idx >= LEADER_CHILDREN_MAX)
		return LEADER_EV_LIST_FAILED;
	snprintf(path, sizeof(path), "%s/%s", z->leader_dir, z->names[idx]);
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_wexists(z->zh, path,
	    pred_watcher, z->hctx, &stat);
	pthread_rwlock_unlock(&z->hl);
	if (rc == ZOK)
		return LEADER_EV_PRED_EXISTS;
	if (rc == ZNONODE)
		return LEADER_EV_PRED_GONE;
	return LEADER_EV_LIST_FAILED;
}

struct sync_wait {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             done, rc;
};

static void
sync_done(int rc, const char *value, const void *data)
{
	struct sync_wait *w = (struct sync_wait *)(uintptr_t)data;

	(void)value;
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	w->rc = rc;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/*
 * Before leading: catch up with every change the server had made when
 * we became the lowest (a sync, then every queued notification read),
 * so the state copy has the old leader's last writes.
 */
static int
do_load(struct zkha *z)
{
	struct sync_wait w;
	int rc;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pthread_rwlock_rdlock(&z->hl);
	rc = z->zh == NULL ? ZINVALIDSTATE : zoo_async(z->zh, z->url.root,
	    sync_done, &w);
	pthread_rwlock_unlock(&z->hl);
	/* The client completes every call it took: with the answer, or
	 * with ZCONNECTIONLOSS within its receive timeout. */
	pthread_mutex_lock(&w.mu);
	while (rc == ZOK && !w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	if (rc == ZOK)
		rc = w.rc;
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	if (rc != ZOK) {
		log_debug("zookeeper: sync %s: %s", z->url.root,
		    zkha_strerror(rc));
		return -1;
	}
	return zkha_store_sync(z, 0);
}

static void
run(struct zkha *z, const struct leader_cmd *cmd, struct leader_event *ev,
    struct leader_child *kids)
{
	size_t n;

	memset(ev, 0, sizeof(*ev));
	ev->seq = -1;
	switch (cmd->kind) {
	case LEADER_CMD_CREATE:
		ev->kind = do_create(z, &ev->seq) == 0 ? LEADER_EV_CREATED :
		    LEADER_EV_CREATE_FAILED;
		return;
	case LEADER_CMD_LIST:
		if (do_list(z, kids, &n) != 0) {
			ev->kind = LEADER_EV_LIST_FAILED;
			return;
		}
		ev->kind = LEADER_EV_CHILDREN;
		ev->children = kids;
		ev->nchildren = n;
		return;
	case LEADER_CMD_WATCH:
		ev->kind = do_watch(z, cmd->id_index);
		ev->seq = cmd->seq;
		return;
	case LEADER_CMD_LOAD:
		ev->kind = do_load(z) == 0 ? LEADER_EV_LOADED :
		    LEADER_EV_LOAD_FAILED;
		ev->epoch = cmd->epoch;
		return;
	case LEADER_CMD_NONE:
		break;
	}
}

void
zkha_elect_feed(struct zkha *z, enum leader_ev kind)
{
	struct leader_child kids[LEADER_CHILDREN_MAX];
	struct leader_event ev;
	struct leader_cmd cmd;
	enum leader_role before;
	int guard = 0;

	if (z->read_only)       /* an observer never stands */
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.seq = -1;
	for (;;) {
		pthread_mutex_lock(&z->mu);
		before = leader_role(&z->l);
		leader_step(&z->l, &ev, &cmd);
		if (z->l.seq < 0)
			z->own[0] = '\0';
		publish(z, before);
		pthread_mutex_unlock(&z->mu);
		if (cmd.kind == LEADER_CMD_NONE || ++guard > 32)
			return;
		run(z, &cmd, &ev, kids);
	}
}

uint64_t
zkha_round_token(struct zkha *z)
{
	uint64_t t;

	pthread_mutex_lock(&z->mu);
	t = leader_round_token(&z->l);
	pthread_mutex_unlock(&z->mu);
	return t;
}

int
zkha_may_act(struct zkha *z, uint64_t token)
{
	char own[ZKHA_PATH_MAX];
	const clientid_t *cid;
	struct Stat stat;
	int ok, rc = ZINVALIDSTATE;
	int64_t sid = 0;

	pthread_mutex_lock(&z->mu);
	ok = leader_may_act(&z->l, token) && z->own[0] != '\0';
	STR_COPY_ARRAY(own, z->own);
	pthread_mutex_unlock(&z->mu);
	if (ok) {
		pthread_rwlock_rdlock(&z->hl);
		if (z->zh != NULL) {
			rc = zoo_exists(z->zh, own, 0, &stat);
			cid = zoo_client_id(z->zh);
			sid = cid != NULL ? cid->client_id : 0;
		}
		pthread_rwlock_unlock(&z->hl);
		if (rc == ZNONODE)
			zkha_push_ev(z, LEADER_EV_OWN_GONE);
		ok = rc == ZOK && stat.ephemeralOwner == sid;
	}
	pthread_mutex_lock(&z->mu);
	ok = ok && leader_may_act(&z->l, token);
	if (!ok && token != 0)
		z->st.fenced++;
	pthread_mutex_unlock(&z->mu);
	if (!ok && token != 0)
		log_warnx("zookeeper: scale request not sent: this instance "
		    "(%s) is not the leader it was when the round began "
		    "(exists %s: %s)", z->id, own[0] ? own : "(none)",
		    rc == ZINVALIDSTATE ? "not asked" : zkha_strerror(rc));
	return ok;
}
