/*
 * leader.h — leader election and fencing as a pure state machine (no
 * I/O, no clock, no threads): the ZooKeeper recipe with ephemeral
 * sequential nodes under PATH/leader/, each candidate watching only its
 * predecessor (no herd effect).  The shell (scaler/zkstore.c) feeds it
 * what ZooKeeper said (events) and carries out the one command each
 * step returns; the unit test feeds it every event order with a fake.
 *
 * Leadership, in words:
 *   - an instance is the leader only while its session is connected,
 *     its election node exists and is the lowest of PATH/leader/, and
 *     it has re-read the rules and safety state since it got there
 *     (LEADER_CMD_LOAD, answered with LEADER_EV_LOADED);
 *   - CONNECTING (connection lost, session maybe alive), EXPIRED, or
 *     its node gone: it stops being the leader at once, before any
 *     other work (as Curator's leadership is lost on SUSPENDED); it
 *     becomes the leader again only through a new listing and a new
 *     load;
 *   - every gain and every loss bumps `epoch`.  A round takes a token
 *     (leader_round_token) when it starts and asks leader_may_act()
 *     before each scale request: a loss during the round, even one won
 *     back at once, makes the token stale, so a round that began under
 *     one leadership never acts under another.
 *
 * Role for /v1/status: leader | follower (connected, not leading) |
 * no-quorum (not connected: no session, CONNECTING, or EXPIRED).
 *
 * Not thread-safe: the shell holds its lock around every call.
 */
#ifndef HOIST_LEADER_H
#define HOIST_LEADER_H

#include <stddef.h>
#include <stdint.h>

#define LEADER_CHILDREN_MAX 64   /* candidates looked at in a listing */

enum leader_role {
	LEADER_ROLE_NO_QUORUM,
	LEADER_ROLE_FOLLOWER,
	LEADER_ROLE_LEADER,
};

enum leader_ev {
	LEADER_EV_CONNECTED,     /* session (re)connected */
	LEADER_EV_CONNECTING,    /* connection lost; the session may live */
	LEADER_EV_EXPIRED,       /* session gone: its ephemeral node too */
	LEADER_EV_CREATED,       /* our node was created: seq */
	LEADER_EV_CREATE_FAILED,
	LEADER_EV_CHILDREN,      /* listing of PATH/leader/: children */
	LEADER_EV_LIST_FAILED,
	LEADER_EV_PRED_EXISTS,   /* watch set on the predecessor */
	LEADER_EV_PRED_GONE,     /* predecessor deleted (watch or exists) */
	LEADER_EV_OWN_GONE,      /* our node is not there (check or watch) */
	LEADER_EV_LOADED,        /* state re-read for the term `epoch` */
	LEADER_EV_LOAD_FAILED,
	LEADER_EV_TICK,          /* about once a second: retry what failed */
};

/* One election node as the shell read it. */
struct leader_child {
	int64_t seq;
	int     mine;            /* its token is this instance's */
	int     id_index;        /* the shell's index (e.g. into names) */
};

struct leader_event {
	enum leader_ev             kind;
	int64_t                    seq;       /* CREATED, PRED_EXISTS */
	uint64_t                   epoch;     /* LOADED, LOAD_FAILED */
	const struct leader_child *children;  /* CHILDREN (borrowed) */
	size_t                     nchildren;
};

enum leader_cmd_kind {
	LEADER_CMD_NONE,
	LEADER_CMD_CREATE,       /* create PATH/leader/n_TOKEN_ (ephemeral,
	                          * sequential) -> CREATED / CREATE_FAILED */
	LEADER_CMD_LIST,         /* list PATH/leader/ -> CHILDREN / LIST_FAILED */
	LEADER_CMD_WATCH,        /* exists+watch on seq -> PRED_EXISTS or
	                          * PRED_GONE (now or later) */
	LEADER_CMD_LOAD,         /* re-read everything -> LOADED (epoch) or
	                          * LOAD_FAILED */
};

struct leader_cmd {
	enum leader_cmd_kind kind;
	int64_t              seq;      /* WATCH: the predecessor */
	int                  id_index; /* WATCH: its child's id_index */
	uint64_t             epoch;    /* LOAD: echo it in LOADED */
};

struct leader {
	int      connected;
	int      ever_connected;
	int64_t  seq;            /* our node, -1 none */
	int      lowest;         /* ours is the lowest of the last listing */
	int      loaded;         /* re-read in this term */
	int      busy;           /* a command is out; its answer pending */
	uint64_t epoch;          /* bumped on every gain and loss */
	uint64_t gains;          /* times this instance became the leader */
	uint64_t losses;
	int      leader_index;   /* id_index of the lowest child, -1 */
	int64_t  watching;       /* predecessor's seq, -1 */
};

/* leader.c */
void             leader_init(struct leader *l);
/* Feed one event; *cmd is what the shell must do next (often NONE). */
void             leader_step(struct leader *l, const struct leader_event *ev,
	struct leader_cmd *cmd);
enum leader_role leader_role(const struct leader *l);
const char      *leader_role_str(enum leader_role r);
/* A round's token: the epoch while leading, 0 otherwise. */
uint64_t         leader_round_token(const struct leader *l);
/* May a round holding `token` send a scale request now?  1 or 0. */
int              leader_may_act(const struct leader *l, uint64_t token);

#endif
