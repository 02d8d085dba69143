/*
 * zkha_impl.h — the insides of zkha.h shared by zkha.c (session,
 * driver, status, -n), zkha_elect.c (election steps, fencing check) and
 * zkha_store.c (the store backend).  Not for other modules.
 *
 * Locks: `mu` guards everything marked (mu); `hl` guards the handle:
 * read-locked around every call on it, write-locked only by the driver
 * to replace it after an expiry.  Never take `hl` while holding `mu`
 * for longer than a pointer copy; never call the store listener with
 * `mu` held.
 */
#ifndef HOIST_ZKHA_IMPL_H
#define HOIST_ZKHA_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The synchronous calls of the multi-threaded client. */
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include "scaler/leader.h"
#include "scaler/store.h"
#include "scaler/zkha.h"
#include "scaler/zkpath.h"

#define ZKHA_PATH_MAX (ZKPATH_ROOT_MAX + 16 + STORE_NAME_MAX)

enum zkha_job_kind {
	ZKHA_JOB_EV,          /* a leader event (session, watch) */
	ZKHA_JOB_CHILDREN,    /* PATH/rules or /state: children changed */
	ZKHA_JOB_NODE,        /* one node changed or went */
};

struct zkha_job {
	struct zkha_job   *next;
	enum zkha_job_kind kind;
	enum leader_ev     ev;
	char               path[];  /* CHILDREN, NODE */
};

/* The context of one handle's callbacks: a stale handle's generation
 * no longer matches z->gen. */
struct zkha_hctx {
	struct zkha *z;
	uint64_t     gen;
};

/* A node name we know under PATH/<kind>/ and its version (bad: -3). */
struct zkha_known {
	char   *name;
	int64_t ver;
};

struct zkha_kset {
	struct zkha_known *v;
	size_t             n, cap;
};

#define ZKHA_VER_BAD (-3)

struct zkha {
	pthread_mutex_t   mu;
	pthread_cond_t    cv;
	pthread_rwlock_t  hl;
	zhandle_t        *zh;              /* (hl) */
	struct zkha_hctx *hctx;            /* (hl) */
	uint64_t          gen;             /* (mu) */
	struct zkpath_url url;
	char             *url_text;
	char              id[ZKPATH_ID_MAX];
	char              token[ZKPATH_TOKEN_MAX];
	char              auth[ZKHA_AUTH_MAX];
	long              timeout_ms;
	int               read_only;       /* zkha_options; set at start */
	char              dir[STORE_KINDS][ZKPATH_ROOT_MAX + 16];
	char              leader_dir[ZKPATH_ROOT_MAX + 16];
	/* the queue and the driver */
	struct zkha_job  *head, *tail;     /* (mu) */
	int               stop;            /* (mu) */
	pthread_t         thread;
	int               thread_started;
	int               paths_ok;        /* driver: this session */
	int64_t           reopen_at_ms;    /* driver: after an expiry */
	long              backoff_ms;      /* driver */
	struct complain   down_log;        /* driver */
	int64_t           down_since_s;    /* driver */
	/* election */
	struct leader     l;               /* (mu) */
	char              names[LEADER_CHILDREN_MAX][ZKPATH_TOKEN_MAX + 16];
	                                   /* driver: last listing */
	char              own[ZKHA_PATH_MAX];   /* (mu) our node, "" */
	int64_t           session_id;      /* (mu) of the last CONNECTED */
	struct zkha_status st;             /* (mu) */
	/* store */
	struct store_listener sl;          /* (mu) */
	int               open;            /* (mu) store opened */
	int               live;            /* (mu) load_all returned */
	int               loading;         /* (mu) a full read runs */
	int               need_load;       /* (mu) new session: read all */
	struct zkha_kset  known[STORE_KINDS];  /* (mu) */
};

/* zkha.c */
struct zkha       *zkha_impl_current(void);
void               zkha_push_ev(struct zkha *z, enum leader_ev ev);
void               zkha_push_path(struct zkha *z, int kind,
	const char *path);
int                zkha_is_current(struct zkha *z, const void *ctx);
const char        *zkha_strerror(int rc);
int                zkha_ensure_paths(struct zkha *z, char *err,
	size_t errlen);
struct ACL_vector *zkha_acl(struct zkha *z);

/* zkha_elect.c */
/* Feed one event to the election and carry out what it asks. */
void               zkha_elect_feed(struct zkha *z, enum leader_ev ev);

/* zkha_store.c */
/* Read PATH/rules and PATH/state: every node (full) or the new ones,
 * watches set; deletions reported.  0 or -1 (not connected). */
int                zkha_store_sync(struct zkha *z, int full);
/* One job of kind CHILDREN or NODE. */
void               zkha_store_job(struct zkha *z, const struct zkha_job *j);
/* The listener's health (NULL-safe, no lock held). */
void               zkha_store_health(struct zkha *z, enum store_health h);
void               zkha_store_free(struct zkha *z);

#endif
