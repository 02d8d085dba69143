/*
 * store.h — where hoist-scaler's rules and per-app safety state live,
 * behind one ops table.  scaler/state.c owns the in-memory copy every
 * reader uses (REST, the round) and is the only caller of these ops; a
 * backend only stores bytes under names:
 *
 *   local      (store_local.c)  a directory: DIR/rules/<name>.json and
 *              DIR/state/<name>.json, each written atomically (temp file,
 *              fsync, rename, directory fsync); docs/state-format.md.
 *   zookeeper  (issue 13)       PATH/rules/<name> and PATH/state/<name>,
 *              each written with the version it read (compare-and-set).
 *
 * <name> is the app id encoded by store_encode_id() ("/shop/web" is
 * "shop%2Fweb"): one node per app and kind, so a change costs one small
 * write whatever the number of rules.
 *
 * Nodes:
 *   rules/<name>  the rule JSON, exactly as GET /v1/rules/{id} shows it
 *                 (rules_to_cjson / rules_from_cjson).
 *   state/<name>  the app's safety state: {"version": 1, "app_id": ...,
 *                 "last_up_s", "last_down_s", "streak_dir", "streak_n",
 *                 "recs": [[t, n], ...], "events": [[t, delta], ...]}
 *                 (store_encode_state / store_decode_state).
 * A state node without its rule node is ignored (a delete that crashed
 * half way); a rule without a state node starts with an empty history.
 *
 * Versions: every node has one (ZooKeeper's stat.version; the local
 * backend, the only writer of its directory by the lock file, counts
 * from 0 at start-up).  A write names the version it expects:
 * STORE_VERSION_NONE (create: the node must not exist), the version last
 * read (replace or delete exactly that), or STORE_VERSION_ANY.
 *
 * Threads: open, load_all and close run on the thread that owns the
 * state; apply and refresh run on one thread at a time (the state's
 * writer thread), never concurrently with each other.  The listener may
 * be called from the backend's own thread (a watch firing) at any time
 * between the end of load_all and the return of close.  Initialise a
 * struct store_ops with designated initializers: fields may be added.
 */
#ifndef HOIST_STORE_H
#define HOIST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "scaler/policy.h"
#include "scaler/rules.h"

/* Largest node (a rule or a state document), bytes. */
#define STORE_NODE_MAX     RULES_BODY_MAX
/* An encoded app id (store_encode_id), bytes incl. the NUL. */
#define STORE_NAME_MAX     (3 * RULES_APP_ID_MAX)
#define STORE_ERR_MAX      384

#define STORE_VERSION_NONE (-1)   /* the node does not exist */
#define STORE_VERSION_ANY  (-2)   /* no compare: write over anything */

enum store_kind {
	STORE_RULE = 0,            /* rules/<name> */
	STORE_STATE = 1,           /* state/<name> */
};
#define STORE_KINDS 2

/* Append-only; strings in store_strerror(). */
enum store_result {
	STORE_OK = 0,
	STORE_E_NOT_FOUND,         /* delete / compare of a missing node */
	STORE_E_EXISTS,            /* create of a node that exists */
	STORE_E_CONFLICT,          /* the node's version is another one */
	STORE_E_UNAVAILABLE,       /* no session or quorum: retry later */
	STORE_E_IO,                /* the write failed (disk, server) */
	STORE_E_NOMEM,
	STORE_E_TOO_BIG,           /* data over STORE_NODE_MAX */
};

/* Health of the backend, as the listener hears it. */
enum store_health {
	STORE_HEALTH_OK = 0,       /* reads current, writes accepted */
	STORE_HEALTH_STALE,        /* reads from the last known copy;
	                            * writes fail STORE_E_UNAVAILABLE */
};

/*
 * One write: a put (data != NULL) or a delete (data == NULL) of one node,
 * compared against `version`.  The caller fills the first part; apply()
 * fills the results of every item, each on its own (a failed item does
 * not stop the others; a backend that writes a batch atomically gives
 * them all the same result).
 */
struct store_write {
	enum store_kind   kind;
	char              app_id[RULES_APP_ID_MAX];  /* normalized */
	const char       *data;      /* borrowed; NULL: delete */
	size_t            len;
	int64_t           version;   /* expected; STORE_VERSION_* or read */
	/* results */
	enum store_result result;
	int64_t           new_version;  /* after a put; NONE after a delete */
	char              err[STORE_ERR_MAX]; /* names the node's path */
};

/* One node as load_all() and a watch hand it over; borrowed for the
 * call. */
struct store_node {
	enum store_kind kind;
	const char     *app_id;     /* decoded from the name, normalized */
	const char     *where;      /* path for messages: the file, znode */
	const char     *data;       /* NULL in a watch event: deleted */
	size_t          len;
	int64_t         version;
};

/* The state's side: what the backend tells it.  Every callback may be
 * NULL; the struct is copied at open. */
struct store_listener {
	/* A node read (load_all) or changed by another writer (watch). */
	void  (*node)(void *arg, const struct store_node *n);
	/* A node that cannot be read or whose name does not decode: the
	 * state logs it with `where`, counts it and serves the others. */
	void  (*bad)(void *arg, const char *where, const char *why);
	/* The backend's health changed. */
	void  (*health)(void *arg, enum store_health h);
	void   *arg;
};

struct store_ops {
	const char *name;           /* "local", "zookeeper" */
	/*
	 * Open the store named by spec (local: a directory, created if
	 * missing and locked for the life of the context; zookeeper: the
	 * zk:// URL).  Returns the backend's context, or NULL with err.
	 */
	void *(*open)(const char *spec, const struct store_listener *l,
		char *err, size_t errlen);
	/*
	 * Hand every node of both kinds to l->node (rules before states),
	 * and every unreadable one to l->bad, then start watching (a
	 * backend with other writers).  -1 with err only when the store as
	 * a whole cannot be read: the scaler then refuses to start.
	 * The local backend migrates a DIR/state.json here (state.h).
	 */
	int   (*load_all)(void *ctx, char *err, size_t errlen);
	/*
	 * Apply n writes in order.  Returns when each is durable or has
	 * failed (result, err).  May block (disk, network): never called
	 * on the REST thread.
	 */
	void  (*apply)(void *ctx, struct store_write *w, size_t n);
	void  (*close)(void *ctx);          /* NULL ok */
	/*
	 * Optional (NULL: none).  Read one node again and hand it to
	 * l->node (data NULL when it is gone).  The state calls it on its
	 * writer thread after apply() gave that node STORE_E_CONFLICT or
	 * STORE_E_EXISTS: a watch event for a node with a write of ours in
	 * flight is ignored (that write decides), so this is how the copy
	 * learns what the other writer stored.
	 */
	void  (*refresh)(void *ctx, enum store_kind k, const char *app_id);
	/*
	 * How often the state may write, in the background, history changes
	 * that record no scale (confirmation streak, stabilization window:
	 * every app, every round), in seconds.  0: every change is written
	 * at the round's end and waited for (a store shared by scalers that
	 * fail over to each other wants the new leader to see the last
	 * round).  The local backend: 60.
	 */
	unsigned lazy_s;
};

/* store.c — the codecs and names every backend shares (pure) */
const char *store_strerror(enum store_result r);
/* "rules" or "state": the folder (local) or child node (zookeeper). */
const char *store_kind_dir(enum store_kind k);
/*
 * An app id ("/shop/web") as a file or node name ("shop%2Fweb"): the
 * leading '/' dropped, every byte but [a-z0-9.-] written %XX (upper-case
 * hex).  0, or -1 when it does not fit in outlen.
 */
int   store_encode_id(const char *app_id, char *out, size_t outlen);
/*
 * The inverse, strict: only the canonical form of a valid Marathon app
 * id decodes (anything else, e.g. "%2f", "A", "x%", is -1 with why).
 */
int   store_decode_id(const char *name, size_t len, char *app_id,
	size_t idlen, char *why, size_t whylen);
/* A rule node: the JSON text (malloc'ed, NUL-terminated), or NULL. */
char *store_encode_rule(const struct rule *r, size_t *len);
/* 0, or -1 with why ("min_instances: is required"). */
int   store_decode_rule(const char *data, size_t len, struct rule *r,
	char *why, size_t whylen);
/* A state node of app_id: the JSON text (malloc'ed), or NULL. */
char *store_encode_state(const char *app_id,
	const struct policy_history *h, size_t *len);
/* 0, or -1 with why naming the field (".recs[2][0]: ..."). */
int   store_decode_state(const char *data, size_t len, const char *app_id,
	struct policy_history *h, char *why, size_t whylen);
/* The history as a cJSON object (the state node without "version" and
 * "app_id"; state.json's "history"), and back (NULL json: empty). */
void *store_history_to_cjson(const struct policy_history *h);
int   store_history_from_cjson(const void *json, struct policy_history *h,
	char *why, size_t whylen);

/* store_local.c */
extern const struct store_ops store_local_ops;

#endif
