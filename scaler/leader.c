/*
 * leader.c — see leader.h.
 */
#include <string.h>

#include "scaler/leader.h"

void
leader_init(struct leader *l)
{
	memset(l, 0, sizeof(*l));
	l->seq = -1;
	l->watching = -1;
	l->leader_index = -1;
}

enum leader_role
leader_role(const struct leader *l)
{
	if (!l->connected)
		return LEADER_ROLE_NO_QUORUM;
	if (l->seq >= 0 && l->lowest && l->loaded)
		return LEADER_ROLE_LEADER;
	return LEADER_ROLE_FOLLOWER;
}

const char *
leader_role_str(enum leader_role r)
{
	switch (r) {
	case LEADER_ROLE_LEADER:
		return "leader";
	case LEADER_ROLE_FOLLOWER:
		return "follower";
	case LEADER_ROLE_NO_QUORUM:
		break;
	}
	return "no-quorum";
}

uint64_t
leader_round_token(const struct leader *l)
{
	return leader_role(l) == LEADER_ROLE_LEADER ? l->epoch : 0;
}

int
leader_may_act(const struct leader *l, uint64_t token)
{
	return token != 0 && leader_role(l) == LEADER_ROLE_LEADER &&
	    l->epoch == token;
}

/* Stop leading (or trying to) at once: a new epoch voids every token
 * and every LOAD still out. */
static void
lose(struct leader *l)
{
	if (leader_role(l) == LEADER_ROLE_LEADER)
		l->losses++;
	if (l->lowest)
		l->epoch++;
	l->lowest = 0;
	l->loaded = 0;
}

static void
cmd_set(struct leader_cmd *cmd, enum leader_cmd_kind k)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = k;
}

/* A listing: find our node, the lowest and our predecessor. */
static void
on_children(struct leader *l, const struct leader_event *ev,
    struct leader_cmd *cmd)
{
	const struct leader_child *mine = NULL, *low = NULL, *pred = NULL;
	size_t i;

	for (i = 0; i < ev->nchildren; i++) {
		const struct leader_child *c = &ev->children[i];

		if (c->seq < 0)
			continue;
		if (low == NULL || c->seq < low->seq)
			low = c;
		if (c->mine && (mine == NULL || c->seq < mine->seq))
			mine = c;
	}
	l->leader_index = low != NULL ? low->id_index : -1;
	if (mine == NULL) {
		/* Never created, or gone (deleted, or the create failed). */
		lose(l);
		l->seq = -1;
		if (l->connected)
			cmd_set(cmd, LEADER_CMD_CREATE);
		return;
	}
	l->seq = mine->seq;
	for (i = 0; i < ev->nchildren; i++) {
		const struct leader_child *c = &ev->children[i];

		if (c->seq >= 0 && c->seq < mine->seq &&
		    (pred == NULL || c->seq > pred->seq))
			pred = c;
	}
	if (pred != NULL) {
		lose(l);
		cmd_set(cmd, LEADER_CMD_WATCH);
		cmd->seq = pred->seq;
		cmd->id_index = pred->id_index;
		return;
	}
	l->watching = -1;
	if (l->lowest && l->loaded)
		return;        /* still the lowest: nothing changed */
	if (!l->lowest)
		l->epoch++;    /* a new term */
	l->lowest = 1;
	l->loaded = 0;
	cmd_set(cmd, LEADER_CMD_LOAD);
	cmd->epoch = l->epoch;
}

/* TICK: retry whatever failed, if nothing is out. */
static void
on_tick(struct leader *l, struct leader_cmd *cmd)
{
	if (!l->connected || l->busy)
		return;
	if (l->lowest && !l->loaded) {
		cmd_set(cmd, LEADER_CMD_LOAD);
		cmd->epoch = l->epoch;
	} else if (l->seq < 0 || (!l->lowest && l->watching < 0)) {
		cmd_set(cmd, LEADER_CMD_LIST);
	}
}

/* The session's own events. */
static void
on_session(struct leader *l, enum leader_ev kind, struct leader_cmd *cmd)
{
	switch (kind) {
	case LEADER_EV_CONNECTED:
		l->connected = 1;
		l->ever_connected = 1;
		cmd_set(cmd, LEADER_CMD_LIST);
		return;
	case LEADER_EV_CONNECTING:
		lose(l);
		l->connected = 0;
		l->watching = -1;
		return;
	default:   /* EXPIRED */
		lose(l);
		l->connected = 0;
		l->seq = -1;
		l->watching = -1;
		l->leader_index = -1;
		return;
	}
}

void
leader_step(struct leader *l, const struct leader_event *ev,
    struct leader_cmd *cmd)
{
	int answer = 1;

	cmd_set(cmd, LEADER_CMD_NONE);
	switch (ev->kind) {
	case LEADER_EV_CONNECTED:
	case LEADER_EV_CONNECTING:
	case LEADER_EV_EXPIRED:
		on_session(l, ev->kind, cmd);
		break;
	case LEADER_EV_CREATED:
		l->seq = ev->seq;
		if (l->connected)
			cmd_set(cmd, LEADER_CMD_LIST);
		break;
	case LEADER_EV_CHILDREN:
		l->busy = 0;
		on_children(l, ev, cmd);
		break;
	case LEADER_EV_PRED_EXISTS:
		l->watching = ev->seq >= 0 ? ev->seq : 0;
		break;
	case LEADER_EV_PRED_GONE:
		l->watching = -1;
		if (l->connected)
			cmd_set(cmd, LEADER_CMD_LIST);
		break;
	case LEADER_EV_OWN_GONE:
		lose(l);
		l->seq = -1;
		if (l->connected)
			cmd_set(cmd, LEADER_CMD_LIST);
		break;
	case LEADER_EV_LOADED:
		if (ev->epoch == l->epoch && l->lowest && l->connected &&
		    l->seq >= 0 && !l->loaded) {
			l->loaded = 1;
			l->gains++;
		}
		break;
	case LEADER_EV_TICK:
		answer = 0;
		on_tick(l, cmd);
		break;
	case LEADER_EV_CREATE_FAILED:
	case LEADER_EV_LIST_FAILED:
	case LEADER_EV_LOAD_FAILED:
		break;
	}
	if (answer || cmd->kind != LEADER_CMD_NONE)
		l->busy = cmd->kind != LEADER_CMD_NONE;
}
