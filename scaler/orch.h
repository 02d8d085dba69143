/*
 * orch.h — the orchestrator interface: everything hoist-scaler needs from
 * the scheduler that runs the apps, and nothing more.  The scaler acts
 * only through it (ARCHITECTURE.md), so another orchestrator is one more
 * file: a const struct orch_ops (orch_marathon.c is Marathon's).
 *
 * Callers go through orch_get_app() / orch_scale(), never o->ops.
 */
#ifndef HOIST_ORCH_H
#define HOIST_ORCH_H

#include <stddef.h>
#include <stdint.h>

#define ORCH_ID_MAX       256
#define ORCH_MESSAGE_MAX  512

/* Append-only; strings in orch_strerror(). */
enum orch_result {
	ORCH_OK = 0,
	ORCH_E_LOCKED,      /* a deployment holds the app: wait, never force */
	ORCH_E_NOT_FOUND,
	ORCH_E_AUTH,        /* 401 / 403 */
	ORCH_E_SERVER,      /* 5xx, refused body, unexpected status */
	ORCH_E_TRANSPORT,   /* no reply */
	ORCH_E_DECODE,      /* a reply that is not the documented shape */
	ORCH_E_NOMEM,
};

/* A running task.  id and host point into the block that holds the
 * task array (orch_tasks_dup()): one malloc per app, freed with it. */
struct orch_task {
	const char *id;               /* Mesos task id (MESOS_TASK_ID) */
	const char *host;             /* agent host name or address */
	int     healthy;              /* 1 alive, 0 failing, -1 no checks */
	int64_t started_s;            /* unix seconds; 0 = not started */
};

struct orch_app {
	int               instances;  /* desired count */
	int               running;    /* tasks running */
	int               ndeployments;
	char              deployment_id[64]; /* the first one */
	struct orch_task *tasks;      /* owned, with their strings (one
	                               * block, orch_tasks_dup()); free with
	                               * orch_app_free() */
	size_t            ntasks;
};

/*
 * Every app of the orchestrator (or of an id filter) at one instant,
 * read in one request: the fleet round's view (round.h).  Apps in a
 * flat array, each with its running tasks in an array of its own (no
 * array of every task to grow and copy); an app is found by id through an
 * open-addressing hash index (orch_snapshot_find()), never by a scan.
 * Filled only through orch_snapshot_add() then orch_snapshot_index();
 * freed with orch_snapshot_free().
 */
struct orch_snap_app {
	char   id[ORCH_ID_MAX];           /* canonical: "/shop/web" */
	int    instances, running, ndeployments;
	char   deployment_id[64];
	struct orch_task *tasks;          /* owned by the snapshot */
	size_t ntasks;
};

struct orch_snapshot {
	struct orch_snap_app *apps;       /* owned, all of these */
	size_t                napps, capapps;
	size_t                ntasks;     /* over every app */
	size_t               *slots;      /* app index + 1; 0 = empty */
	size_t                nslots;     /* a power of two > 2 * napps */
	size_t                deploying;  /* apps a deployment holds */
};

/* The outcome of one call: HTTP status and the orchestrator's words. */
struct orch_status {
	long status;
	char message[ORCH_MESSAGE_MAX];
	char deployment_id[64];       /* locked by / started by */
};

struct orch_ops {
	const char *name;
	/* Fill `out` (cleared by the wrapper first). */
	enum orch_result (*get_app)(void *ctx, const char *app_id,
	    struct orch_app *out, struct orch_status *st);
	/* Set the instance count; never forced past a deployment. */
	enum orch_result (*scale)(void *ctx, const char *app_id, int n,
	    struct orch_status *st);
	/* scale() for n apps at once (res[i], st[i] for ids[i]); NULL:
	 * the wrapper calls scale() n times. */
	void (*scale_many)(void *ctx, size_t n, const char *const *ids,
	    const int *to, enum orch_result *res, struct orch_status *st);
	/* Every app whose id contains id_filter (NULL: every app) in one
	 * read of at most max_bytes, into `out` (empty; indexed by the
	 * wrapper).  NULL when the orchestrator cannot: rounds then read
	 * app by app.  Anything but ORCH_OK leaves no snapshot. */
	enum orch_result (*snapshot)(void *ctx, const char *id_filter,
	    size_t max_bytes, struct orch_snapshot *out,
	    struct orch_status *st);
};

struct orch {
	const struct orch_ops *ops;
	void                  *ctx;   /* the implementation's, borrowed */
};

/* The implementations, one per file. */
/* orch_marathon.c: ctx is a struct marathon * (marathon/marathon.h). */
extern const struct orch_ops orch_marathon_ops;

/* orch.c */
enum orch_result orch_get_app(const struct orch *o, const char *app_id,
	struct orch_app *out, struct orch_status *st);
enum orch_result orch_scale(const struct orch *o, const char *app_id, int n,
	struct orch_status *st);
/*
 * Copies of t[0..n) and of their strings in one malloc'ed block (the
 * array first, the strings after it; free() it whole); a NULL id or
 * host becomes "".  NULL when n is 0 or out of memory (*ok then 0).
 */
struct orch_task *orch_tasks_dup(const struct orch_task *t, size_t n,
	int *ok);
/* Scale n apps, at once when the orchestrator can (st[] cleared). */
void             orch_scale_many(const struct orch *o, size_t n,
	const char *const *ids, const int *to, enum orch_result *res,
	struct orch_status *st);
void             orch_app_free(struct orch_app *a);   /* NULL ok */
int              orch_has_snapshot(const struct orch *o);
/* ops->snapshot, then the index; on failure `out` is left empty. */
enum orch_result orch_snapshot(const struct orch *o, const char *id_filter,
	size_t max_bytes, struct orch_snapshot *out, struct orch_status *st);
/* Append one app and copies of its tasks (orch_tasks_dup(): the
 * caller's strings may go); -1 out of memory. */
int              orch_snapshot_add(struct orch_snapshot *s,
	const struct orch_snap_app *app, const struct orch_task *tasks,
	size_t ntasks);
/* Build the hash index over the apps added; -1 out of memory. */
int              orch_snapshot_index(struct orch_snapshot *s);
/* The app with canonical id `id`, or NULL (the first of duplicates). */
const struct orch_snap_app *orch_snapshot_find(const struct orch_snapshot *s,
	const char *id);
/* The app as struct orch_app; its tasks are borrowed from s (do not
 * orch_app_free() it). */
void             orch_snapshot_view(const struct orch_snapshot *s,
	const struct orch_snap_app *a, struct orch_app *out);
void             orch_snapshot_free(struct orch_snapshot *s); /* NULL ok */
const char      *orch_name(const struct orch *o);
const char      *orch_strerror(enum orch_result r);

#endif
