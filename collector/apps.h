/*
 * apps.h — per-Marathon-app figures over the containers of this host.
 *
 * A container belongs to an app when its meta.marathon_app_id is not
 * empty.  App ids are compared without their leading slashes, so
 * "/shop/web" and "shop/web" name the same app (Marathon writes the
 * absolute form; an HTTP path gives the other).
 *
 * What "percent of limit" means here, for one task:
 *   cpu: rates.cpu_percent_of_limit — CPU time used over the last
 *        interval as a percent of the CPU quota (100 = every core of the
 *        limit busy).  Defined only with rates.valid and rates.has_limit.
 *   mem: 100 * cur.mem.working_set / cur.mem.limit.  Defined only when
 *        the sample has HAVE_MEM_USAGE and HAVE_MEM_LIMIT and limit > 0.
 * A task whose figure is undefined (no limit, or only one sample so far)
 * is left out of that figure's mean and max, and `n` says how many tasks
 * went into them.  With n == 0 there is no mean and no max.
 *
 * Everything here is pure: no locks, no clock, no I/O.  The caller holds
 * the table's lock for as long as it uses an index built from it.
 */
#ifndef HOIST_APPS_H
#define HOIST_APPS_H

#include <stddef.h>

#include "collector/container.h"

/* One figure over an app's tasks. */
struct apps_stat {
	size_t n;           /* tasks that have the figure */
	double mean, max;   /* valid only with n > 0 */
};

struct apps_summary {
	size_t           tasks;   /* containers of the app on this host */
	struct apps_stat cpu;     /* cpu percent of limit */
	struct apps_stat mem;     /* memory percent of limit */
};

/*
 * The containers that belong to an app, sorted by app id and then by
 * mesos task id, so each app is one run [first, first + count).
 */
struct apps_index {
	const struct container **c;   /* owned array; the containers borrowed */
	size_t n;
};

/* apps.c */
/* The per-task figures as defined above; 1 when defined, else 0. */
int  apps_task_cpu(const struct container *c, double *pct);
int  apps_task_mem(const struct container *c, double *pct);
/* Compare app ids as the index does (leading slashes ignored). */
int  apps_id_cmp(const char *a, const char *b);
/*
 * Build the index over c[0..n).  The containers are borrowed: the index
 * is valid only while they are not changed or freed (under the table's
 * lock).  Returns 0, or -1 when out of memory (ix left empty).
 */
int  apps_index_build(struct apps_index *ix, struct container *const *c,
	size_t n);
void apps_index_free(struct apps_index *ix);    /* NULL ok; leaves it empty */
/*
 * Walk the apps: start with *pos = 0; each call gives the next app's run
 * and returns 1, or returns 0 at the end.
 */
int  apps_next(const struct apps_index *ix, size_t *pos, size_t *first,
	size_t *count);
/* Find one app's run; 1 when found, else 0. */
int  apps_find(const struct apps_index *ix, const char *app_id,
	size_t *first, size_t *count);
/* Task count, mean and max over tasks[0..n). */
void apps_summarize(const struct container *const *tasks, size_t n,
	struct apps_summary *s);

#endif
