/*
 * zkha.h — hoist-scaler's high availability on ZooKeeper: one session
 * (the C client, libzookeeper_mt), the leader election of leader.h run
 * on it, the fencing check before each scale request, and the store
 * backend (store.h) that keeps the rules and safety state in nodes under
 * PATH with watches.
 *
 * Tree under PATH (the `zookeeper` URL's path):
 *
 *   PATH/rules/<name>    the rule JSON             (store.h, one per app)
 *   PATH/state/<name>    the app's safety state    (store.h, one per app)
 *   PATH/leader/n_<instance id>~<random>_<seq>     ephemeral sequential:
 *                        the candidates; the lowest leads
 *
 * Every node hoist creates gets the ACL "creator: all" when
 * zookeeper_auth_file is set (digest user:password: only that identity
 * may read or write), else world:anyone (a warning at start-up).
 *
 * Threads: the C client's I/O and completion threads; one driver thread
 * of ours (zkha_start) that takes the session's events and the watches'
 * notifications from a queue and does every election step and every
 * re-read of a node; the caller's threads for the store's apply (the
 * state's writer), zkha_may_act (the round) and zkha_status (REST).
 * Every function here is thread-safe.
 *
 * Start-up: zkha_start returns at once; the session connects in the
 * background, retried with backoff, and nothing falls back to a local
 * state dir.  Until the first connection zkha_status says
 * ever_connected = 0 (REST's /healthz answers 503).
 *
 * One per process: store_zk_ops.open() finds the instance zkha_start()
 * made (the store interface passes only a spec, the URL).
 */
#ifndef HOIST_ZKHA_H
#define HOIST_ZKHA_H

#include <stddef.h>
#include <stdint.h>

#include "scaler/leader.h"
#include "scaler/store.h"
#include "scaler/zkpath.h"

#define ZKHA_AUTH_MAX 512

struct zkha_options {
	const char *url;                 /* zk://HOST:PORT[,...]/PATH */
	long        session_timeout_ms;  /* 1000 .. 600000 */
	const char *auth;                /* "user:password", NULL or "" */
	const char *instance_id;         /* zkpath_valid_id() */
	/*
	 * 1: an observer (hoist-scaler backtest reading a rule): no
	 * election, no node created (PATH and its children not made; a
	 * missing folder reads as empty), every store write refused.
	 */
	int         read_only;
};

struct zkha_status {
	enum leader_role role;
	int      connected;              /* session connected now */
	int      ever_connected;         /* since start-up */
	int      loaded;                 /* rules and state read once */
	char     instance_id[ZKPATH_ID_MAX];
	char     leader_id[ZKPATH_ID_MAX];  /* "" when unknown */
	uint64_t gains;                  /* times this one became leader */
	uint64_t losses;
	uint64_t sessions;               /* sessions established */
	uint64_t expired;                /* sessions lost */
	uint64_t fenced;                 /* scale requests the check stopped */
	uint64_t bad_nodes;              /* nodes reported to the state */
};

struct zkha;

/* zkha.c */
/* Parse the URL, start the session and the driver thread; NULL with err
 * for a bad URL or option (nothing is started then). */
struct zkha *zkha_start(const struct zkha_options *o, char *err,
	size_t errlen);
void         zkha_stop(struct zkha *z);                   /* NULL ok */
void         zkha_status(struct zkha *z, struct zkha_status *out);
/* A round's token (leader.h): 0 when this instance does not lead. */
uint64_t     zkha_round_token(struct zkha *z);
/*
 * Right before a scale request: 1 when the token is still good, the
 * session connected and this instance's election node still there and
 * owned by this session (a synchronous exists: one round trip), else 0.
 */
int          zkha_may_act(struct zkha *z, uint64_t token);
/*
 * hoist-scaler -n: connect within wait_ms, create PATH and its children
 * if missing, read PATH's ACL (with auth: nobody but the identity may
 * write; without: a warning), and create and delete a probe node.  0, or
 * -1 with err.  Logs what it found.
 */
int          zkha_check(struct zkha *z, long wait_ms, char *err,
	size_t errlen);
/*
 * --import-state DIR: copy the local state dir's rules and safety state
 * into ZooKeeper (nodes created where missing; existing ones kept and
 * logged).  0, or -1 with err.  (zkha_import.c)
 */
int          zkha_import(struct zkha *z, const char *dir, char *err,
	size_t errlen);
/* The URL's path and hosts as parsed. */
const struct zkpath_url *zkha_url(const struct zkha *z);

/* The store backend over the running instance (store.h). */
extern const struct store_ops store_zk_ops;

#endif
