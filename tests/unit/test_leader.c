/*
 * test_leader.c — the election and fencing state machine (scaler/leader.c)
 * against a fake ZooKeeper: a node table with sequence numbers, sessions
 * that connect, drop (CONNECTING) and expire, exists-watches that fire
 * when a node is deleted.  Each instance's events wait in its own queue,
 * so a scheduler decides the order in which the instances see them.
 *
 * Proved:
 *   - the start-up sequence with one disruption (every kind) injected at
 *     every position, and with two at every pair of positions: the
 *     instance ends as the leader, and no token taken before a loss is
 *     ever good again;
 *   - three instances, 3000 seeded random schedules of crashes, dropped
 *     connections, expiries, deleted nodes, ticks and rounds: at no step
 *     do two instances pass the check a scale request makes (a token
 *     still good, and its node there on the server); once everything is
 *     delivered and connected, exactly one leader, the owner of the
 *     lowest node, and the others follow;
 *   - no herd: each follower watches only its predecessor;
 *   - events arriving during a round (between the token and the
 *     request) stop the round's requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "scaler/leader.h"

#define NI      3     /* instances */
#define NODES   256
#define QMAX    64

struct fnode {
	int64_t seq;
	int     owner;       /* instance */
	int     session;     /* the owner's session number */
	int     alive;
	int     watchers;    /* bit per instance watching it */
};

struct inst {
	struct leader   l;
	int             session;     /* number; 0 none */
	int             up;          /* session alive on the server */
	int             link;        /* connection up */
	struct leader_event q[QMAX];
	int             nq;
	int             watches_set; /* WATCH commands issued */
};

struct fake {
	struct fnode nodes[NODES];
	int          nnodes;
	int64_t      next_seq;
	int          next_session;
	struct inst  in[NI];
};

static void
push(struct inst *in, enum leader_ev kind, int64_t seq, uint64_t epoch)
{
	struct leader_event *e;

	assert_true(in->nq < QMAX);
	e = &in->q[in->nq++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->seq = seq;
	e->epoch = epoch;
}

static void
node_delete(struct fake *f, int k)
{
	int i;

	if (!f->nodes[k].alive)
		return;
	f->nodes[k].alive = 0;
	for (i = 0; i < NI; i++)
		if (f->nodes[k].watchers & (1 << i)) {
			struct inst *w = &f->in[i];

			/* A watch belongs to a session: gone with it. */
			if (w->up)
				push(w, LEADER_EV_PRED_GONE, -1, 0);
		}
	f->nodes[k].watchers = 0;
}

static int
node_find(const struct fake *f, int64_t seq)
{
	int k;

	for (k = 0; k < f->nnodes; k++)
		if (f->nodes[k].alive && f->nodes[k].seq == seq)
			return k;
	return -1;
}

/* Carry out one command of instance i against the fake server; the
 * answer goes to the front of nothing: it is handled at once, as the
 * shell's driver does (commands are synchronous there). */
static void
run_cmd(struct fake *f, int i, const struct leader_cmd *c,
    struct leader_event *ans, struct leader_child *kids)
{
	struct inst *in = &f->in[i];
	int k, n = 0;

	memset(ans, 0, sizeof(*ans));
	if (!in->link || !in->up) {
		ans->kind = c->kind == LEADER_CMD_CREATE ?
		    LEADER_EV_CREATE_FAILED : c->kind == LEADER_CMD_LIST ?
		    LEADER_EV_LIST_FAILED : c->kind == LEADER_CMD_LOAD ?
		    LEADER_EV_LOAD_FAILED : LEADER_EV_LIST_FAILED;
		ans->epoch = c->epoch;
		return;
	}
	switch (c->kind) {
	case LEADER_CMD_CREATE:
		assert_true(f->nnodes < NODES);
		f->nodes[f->nnodes] = (struct fnode){ f->next_seq++, i,
		    in->session, 1, 0 };
		ans->kind = LEADER_EV_CREATED;
		ans->seq = f->nodes[f->nnodes++].seq;
		return;
	case LEADER_CMD_LIST:
		for (k = 0; k < f->nnodes; k++) {
			if (!f->nodes[k].alive)
				continue;
			kids[n].seq = f->nodes[k].seq;
			kids[n].mine = f->nodes[k].owner == i &&
			    f->nodes[k].session == in->session;
			kids[n].id_index = f->nodes[k].owner;
			n++;
		}
		ans->kind = LEADER_EV_CHILDREN;
		ans->children = kids;
		ans->nchildren = (size_t)n;
		return;
	case LEADER_CMD_WATCH:
		in->watches_set++;
		k = node_find(f, c->seq);
		if (k < 0) {
			ans->kind = LEADER_EV_PRED_GONE;
			return;
		}
		f->nodes[k].watchers |= 1 << i;
		ans->kind = LEADER_EV_PRED_EXISTS;
		ans->seq = c->seq;
		return;
	case LEADER_CMD_LOAD:
		ans->kind = LEADER_EV_LOADED;
		ans->epoch = c->epoch;
		return;
	case LEADER_CMD_NONE:
		break;
	}
}

/* Feed ev to instance i and run the commands it leads to. */
static void
feed(struct fake *f, int i, const struct leader_event *ev)
{
	struct leader_child kids[LEADER_CHILDREN_MAX];
	struct leader_event ans, cur = *ev;
	struct leader_cmd c;
	int guard = 0;

	for (;;) {
		leader_step(&f->in[i].l, &cur, &c);
		if (c.kind == LEADER_CMD_NONE)
			return;
		assert_true(++guard < 100);
		run_cmd(f, i, &c, &ans, kids);
		cur = ans;
	}
}

/* Deliver instance i's oldest queued event; 0 when none. */
static int
deliver(struct fake *f, int i)
{
	struct inst *in = &f->in[i];
	struct leader_event ev;

	if (in->nq == 0)
		return 0;
	ev = in->q[0];
	memmove(&in->q[0], &in->q[1], (size_t)(in->nq - 1) * sizeof(ev));
	in->nq--;
	feed(f, i, &ev);
	return 1;
}

static void
connect_inst(struct fake *f, int i)
{
	struct inst *in = &f->in[i];

	if (!in->up) {
		in->session = ++f->next_session;
		in->up = 1;
	}
	in->link = 1;
	push(in, LEADER_EV_CONNECTED, -1, 0);
}

/* The connection drops; the session lives on the server. */
static void
drop_inst(struct fake *f, int i)
{
	f->in[i].link = 0;
	push(&f->in[i], LEADER_EV_CONNECTING, -1, 0);
}

/* The server expires the session: its nodes and watches go.  The
 * instance hears EXPIRED only when its link is back (as in ZooKeeper). */
static void
expire_inst(struct fake *f, int i, int tell)
{
	struct inst *in = &f->in[i];
	int k;

	if (!in->up)
		return;
	in->up = 0;
	for (k = 0; k < f->nnodes; k++)
		f->nodes[k].watchers &= ~(1 << i);
	for (k = 0; k < f->nnodes; k++)
		if (f->nodes[k].owner == i && f->nodes[k].session ==
		    in->session)
			node_delete(f, k);
	in->link = 0;
	if (tell)
		push(in, LEADER_EV_EXPIRED, -1, 0);
}

static void
fake_init(struct fake *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->next_seq = 1;
	for (i = 0; i < NI; i++)
		leader_init(&f->in[i].l);
}

/* What a scale request checks: the token, then its node on the server
 * (the synchronous exists before each PUT). */
static int
passes_check(const struct fake *f, int i, uint64_t token)
{
	const struct inst *in = &f->in[i];

	return leader_may_act(&in->l, token) && in->up && in->link &&
	    node_find(f, in->l.seq) >= 0;
}

/* ---- one instance: the start-up with injected disruptions ---- */

enum disrupt { D_NONE, D_DROP, D_RECONNECT, D_EXPIRE, D_OWN_GONE, D_TICK,
	D_PRED_GONE, D_MAX };

static void
disrupt(struct fake *f, enum disrupt d)
{
	struct inst *in = &f->in[0];
	int k;

	switch (d) {
	case D_DROP:
		drop_inst(f, 0);
		break;
	case D_RECONNECT:
		drop_inst(f, 0);
		connect_inst(f, 0);
		break;
	case D_EXPIRE:
		expire_inst(f, 0, 1);
		break;
	case D_OWN_GONE:   /* an operator deletes the node */
		for (k = 0; k < f->nnodes; k++)
			if (f->nodes[k].owner == 0)
				node_delete(f, k);
		push(in, LEADER_EV_OWN_GONE, -1, 0);
		break;
	case D_TICK:
		push(in, LEADER_EV_TICK, -1, 0);
		break;
	case D_PRED_GONE:  /* a stray watch event */
		push(in, LEADER_EV_PRED_GONE, -1, 0);
		break;
	default:
		break;
	}
}

/* Step-by-step start-up: each step delivers one event or runs one
 * command, so a disruption can land between any two. */
static void
settle(struct fake *f)
{
	int i, moved, rounds = 0;

	do {
		moved = 0;
		for (i = 0; i < NI; i++) {
			struct inst *in = &f->in[i];

			if ((!in->up || !in->link) && in->nq == 0) {
				connect_inst(f, i);
				moved = 1;
			}
			while (deliver(f, i))
				moved = 1;
			if (in->l.connected) {
				push(in, LEADER_EV_TICK, -1, 0);
				while (deliver(f, i))
					;
			}
		}
		assert_true(++rounds < 50);
	} while (moved);
}

/*
 * One instance, a start-up of `steps` single deliveries; disruptions d1
 * at step p1 and d2 at step p2.  A token taken when the instance first
 * leads must go stale at the first loss, for good.
 */
static void
run_one(enum disrupt d1, int p1, enum disrupt d2, int p2)
{
	struct fake f;
	struct inst *in;
	uint64_t token = 0;
	int step, lost_after_token = 0;
	uint64_t losses0;

	fake_init(&f);
	in = &f.in[0];
	f.in[1].up = f.in[2].up = 1;   /* the others stay out of it */
	f.in[1].link = f.in[2].link = 1;
	connect_inst(&f, 0);
	for (step = 0; step < 12; step++) {
		if (step == p1)
			disrupt(&f, d1);
		if (step == p2)
			disrupt(&f, d2);
		if (token == 0)
			token = leader_round_token(&in->l);
		losses0 = in->l.losses;
		deliver(&f, 0);
		if (token != 0 && (in->l.losses > losses0 ||
		    !leader_may_act(&in->l, token)))
			lost_after_token = 1;
		if (lost_after_token)
			assert_false(leader_may_act(&in->l, token));
	}
	/* Whatever happened, it ends as the leader once all is heard. */
	while (deliver(&f, 0))
		;
	f.in[1].nq = f.in[2].nq = 0;
	if (!in->up || !in->link)
		connect_inst(&f, 0);
	while (deliver(&f, 0))
		;
	push(in, LEADER_EV_TICK, -1, 0);
	push(in, LEADER_EV_TICK, -1, 0);
	while (deliver(&f, 0))
		;
	assert_int_equal(leader_role(&in->l), LEADER_ROLE_LEADER);
	assert_true(passes_check(&f, 0, leader_round_token(&in->l)));
	if (lost_after_token)
		assert_false(leader_may_act(&in->l, token));
}

static void
test_startup_every_position(void **state)
{
	int d1, d2, p1, p2, cases = 0;

	(void)state;
	for (d1 = D_NONE; d1 < D_MAX; d1++)
		for (p1 = 0; p1 < 10; p1++) {
			run_one((enum disrupt)d1, p1, D_NONE, -1);
			cases++;
			for (d2 = D_DROP; d2 < D_MAX; d2++)
				for (p2 = p1; p2 < 10; p2++) {
					run_one((enum disrupt)d1, p1,
					    (enum disrupt)d2, p2);
					cases++;
				}
		}
	print_message("%d start-up orders\n", cases);
}

/* ---- the plain recipe ---- */

static void
test_three_one_leader_no_herd(void **state)
{
	struct fake f;
	int i, leaders = 0;

	(void)state;
	fake_init(&f);
	for (i = 0; i < NI; i++)
		connect_inst(&f, i);
	settle(&f);
	for (i = 0; i < NI; i++) {
		enum leader_role r = leader_role(&f.in[i].l);

		leaders += r == LEADER_ROLE_LEADER;
		if (r != LEADER_ROLE_LEADER)
			assert_int_equal(r, LEADER_ROLE_FOLLOWER);
		/* every instance knows who leads: the lowest node's owner */
		assert_int_equal(f.in[i].l.leader_index, 0);
	}
	assert_int_equal(leaders, 1);
	assert_int_equal(leader_role(&f.in[0].l), LEADER_ROLE_LEADER);
	/* No herd: each node has at most one watcher, its successor. */
	for (i = 0; i < f.nnodes; i++)
		assert_true(__builtin_popcount((unsigned)
		    f.nodes[i].watchers) <= 1);
	/* The leader crashes: only its successor hears of it. */
	expire_inst(&f, 0, 0);
	assert_int_equal(f.in[1].nq, 1);
	assert_int_equal(f.in[2].nq, 0);
	deliver(&f, 1);
	assert_int_equal(leader_role(&f.in[1].l), LEADER_ROLE_LEADER);
	assert_int_equal(f.in[1].l.gains, 1);
	assert_int_equal(leader_role(&f.in[2].l), LEADER_ROLE_FOLLOWER);
	/* The old leader comes back: as a follower, behind the others. */
	settle(&f);
	assert_int_equal(leader_role(&f.in[0].l), LEADER_ROLE_FOLLOWER);
	assert_int_equal(leader_role(&f.in[1].l), LEADER_ROLE_LEADER);
	assert_int_equal(f.in[0].l.leader_index, 1);
}

/* Events that arrive during a round stop its requests. */
static void
test_events_during_round(void **state)
{
	static const enum leader_ev evs[] = { LEADER_EV_CONNECTING,
		LEADER_EV_EXPIRED, LEADER_EV_OWN_GONE };
	struct fake f;
	struct leader_event ev;
	uint64_t token;
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_LEN(evs); k++) {
		print_message("case %zu\n", k);
		fake_init(&f);
		f.in[1].up = f.in[2].up = 1;   /* left out of it */
		f.in[1].link = f.in[2].link = 1;
		connect_inst(&f, 0);
		settle(&f);
		token = leader_round_token(&f.in[0].l);
		assert_true(token != 0);
		assert_true(leader_may_act(&f.in[0].l, token));
		memset(&ev, 0, sizeof(ev));
		ev.kind = evs[k];
		if (evs[k] != LEADER_EV_CONNECTING)
			expire_inst(&f, 0, 0);
		feed(&f, 0, &ev);
		assert_int_equal(f.in[0].l.losses, 1);
		assert_false(leader_may_act(&f.in[0].l, token));
		/* Won back before the round's next request: still stale. */
		if (evs[k] != LEADER_EV_OWN_GONE) {
			f.in[0].nq = 0;
			connect_inst(&f, 0);
		}
		settle(&f);
		assert_int_equal(leader_role(&f.in[0].l), LEADER_ROLE_LEADER);
		assert_false(leader_may_act(&f.in[0].l, token));
		assert_true(leader_may_act(&f.in[0].l,
		    leader_round_token(&f.in[0].l)));
	}
}

/* A LOADED for an older term never makes a leader. */
static void
test_stale_load(void **state)
{
	struct leader l;
	struct leader_event ev;
	struct leader_cmd c;
	struct leader_child me = { 5, 1, 0 };
	uint64_t e;

	(void)state;
	leader_init(&l);
	assert_int_equal(leader_role(&l), LEADER_ROLE_NO_QUORUM);
	memset(&ev, 0, sizeof(ev));
	ev.kind = LEADER_EV_CONNECTED;
	leader_step(&l, &ev, &c);
	assert_int_equal(c.kind, LEADER_CMD_LIST);
	ev.kind = LEADER_EV_CHILDREN;
	ev.children = &me;
	ev.nchildren = 1;
	leader_step(&l, &ev, &c);
	assert_int_equal(c.kind, LEADER_CMD_LOAD);
	e = c.epoch;
	assert_int_equal(leader_role(&l), LEADER_ROLE_FOLLOWER);
	ev.kind = LEADER_EV_CONNECTING;
	leader_step(&l, &ev, &c);
	ev.kind = LEADER_EV_CONNECTED;
	leader_step(&l, &ev, &c);
	ev.kind = LEADER_EV_LOADED;     /* the old load's answer, late */
	ev.epoch = e;
	leader_step(&l, &ev, &c);
	assert_int_equal(leader_role(&l), LEADER_ROLE_FOLLOWER);
	ev.kind = LEADER_EV_CHILDREN;
	leader_step(&l, &ev, &c);
	assert_int_equal(c.kind, LEADER_CMD_LOAD);
	assert_true(c.epoch != e);
	ev.kind = LEADER_EV_LOADED;
	ev.epoch = c.epoch;
	leader_step(&l, &ev, &c);
	assert_int_equal(leader_role(&l), LEADER_ROLE_LEADER);
	assert_string_equal(leader_role_str(leader_role(&l)), "leader");
	assert_string_equal(leader_role_str(LEADER_ROLE_NO_QUORUM),
	    "no-quorum");
}

/* ---- random schedules ---- */

static uint64_t rng;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng >> 33) % n);
}

static void
random_step(struct fake *f, uint64_t tokens[NI])
{
	int i = (int)rnd(NI), k;

	switch (rnd(12)) {
	case 0:
		if (f->in[i].link)
			drop_inst(f, i);
		break;
	case 1:
		expire_inst(f, i, 1);   /* crash or long pause */
		break;
	case 2:
		if (!f->in[i].link)
			connect_inst(f, i);
		break;
	case 3:
		for (k = 0; k < f->nnodes; k++)
			if (f->nodes[k].alive && f->nodes[k].owner == i) {
				node_delete(f, k);
				push(&f->in[i], LEADER_EV_OWN_GONE, -1, 0);
				break;
			}
		break;
	case 4:
		push(&f->in[i], LEADER_EV_TICK, -1, 0);
		break;
	case 5:   /* a round starts */
		tokens[i] = leader_round_token(&f->in[i].l);
		break;
	default:
		deliver(f, i);
		break;
	}
}

static void
test_random_schedules(void **state)
{
	int s, step, i;

	(void)state;
	for (s = 0; s < 3000; s++) {
		struct fake f;
		uint64_t tokens[NI] = { 0, 0, 0 };
		int leaders;

		rng = (uint64_t)s * 7919 + 1;
		fake_init(&f);
		for (i = 0; i < NI; i++)
			connect_inst(&f, i);
		for (step = 0; step < 120; step++) {
			int acting = 0;

			random_step(&f, tokens);
			for (i = 0; i < NI; i++)
				acting += passes_check(&f, i, tokens[i]);
			if (acting > 1)
				fail_msg("seed %d step %d: %d instances may "
				    "scale", s, step, acting);
		}
		settle(&f);
		leaders = 0;
		for (i = 0; i < NI; i++) {
			if (leader_role(&f.in[i].l) != LEADER_ROLE_LEADER) {
				assert_int_equal(leader_role(&f.in[i].l),
				    LEADER_ROLE_FOLLOWER);
				continue;
			}
			leaders++;
			/* the leader owns the lowest node alive */
			for (step = 0; step < f.nnodes; step++)
				if (f.nodes[step].alive)
					break;
			assert_int_equal(f.nodes[step].owner, i);
		}
		if (leaders != 1)
			fail_msg("seed %d: %d leaders after settling", s,
			    leaders);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_load),
		cmocka_unit_test(test_three_one_leader_no_herd),
		cmocka_unit_test(test_events_during_round),
		cmocka_unit_test(test_startup_every_position),
		cmocka_unit_test(test_random_schedules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
