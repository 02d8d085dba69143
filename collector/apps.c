/*
 * apps.c — see apps.h.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/apps.h"

int
apps_task_cpu(const struct container *c, double *pct)
{
	*pct = 0;
	if (!c->rates.valid || !c->rates.has_limit)
		return 0;
	*pct = c->rates.cpu_percent_of_limit;
	return 1;
}

int
apps_task_mem(const struct container *c, double *pct)
{
	const uint32_t need = HAVE_MEM_USAGE | HAVE_MEM_LIMIT;

	*pct = 0;
	if ((c->cur.have & need) != need || c->cur.mem.limit == 0)
		return 0;
	*pct = 100.0 * (double)c->cur.mem.working_set /
	    (double)c->cur.mem.limit;
	return 1;
}

static const char *
skip_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return s;
}

int
apps_id_cmp(const char *a, const char *b)
{
	return strcmp(skip_slashes(a), skip_slashes(b));
}

static int
by_app_then_task(const void *pa, const void *pb)
{
	const struct container *a = *(const struct container *const *)pa;
	const struct container *b = *(const struct container *const *)pb;
	int r = apps_id_cmp(a->meta.marathon_app_id, b->meta.marathon_app_id);

	if (r != 0)
		return r;
	r = strcmp(a->meta.mesos_task_id, b->meta.mesos_task_id);
	if (r != 0)
		return r;
	return strcmp(a->meta.id, b->meta.id);
}

int
apps_index_build(struct apps_index *ix, struct container *const *c, size_t n)
{
	size_t i, k = 0;

	ix->c = NULL;
	ix->n = 0;
	if (n == 0)
		return 0;
	ix->c = calloc(n, sizeof(*ix->c));
	if (ix->c == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (c[i]->meta.marathon_app_id[0] != '\0' &&
		    skip_slashes(c[i]->meta.marathon_app_id)[0] != '\0')
			ix->c[k++] = c[i];
	ix->n = k;
	qsort(ix->c, ix->n, sizeof(*ix->c), by_app_then_task);
	return 0;
}

void
apps_index_free(struct apps_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->c);
	ix->c = NULL;
	ix->n = 0;
}

int
apps_next(const struct apps_index *ix, size_t *pos, size_t *first,
    size_t *count)
{
	size_t i = *pos, j;

	if (i >= ix->n)
		return 0;
	for (j = i + 1; j < ix->n; j++)
		if (apps_id_cmp(ix->c[i]->meta.marathon_app_id,
		    ix->c[j]->meta.marathon_app_id) != 0)
			break;
	*first = i;
	*count = j - i;
	*pos = j;
	return 1;
}

int
apps_find(const struct apps_index *ix, const char *app_id, size_t *first,
    size_t *count)
{
	size_t lo = 0, hi = ix->n, mid, end;

	*first = *count = 0;
	/* Lower bound: the first entry whose app id is not below app_id. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (apps_id_cmp(ix->c[mid]->meta.marathon_app_id, app_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->n; end++)
		if (apps_id_cmp(ix->c[end]->meta.marathon_app_id, app_id) != 0)
			break;
	if (end == lo)
		return 0;
	*first = lo;
	*count = end - lo;
	return 1;
}

static void
stat_add(struct apps_stat *s, double v)
{
	if (s->n == 0 || v > s->max)
		s->max = v;
	/* Accumulate the sum in mean; divided once at the end. */
	s->mean += v;
	s->n++;
}

void
apps_summarize(const struct container *const *tasks, size_t n,
    struct apps_summary *s)
{
	size_t i;
	double v;

	memset(s, 0, sizeof(*s));
	s->tasks = n;
	for (i = 0; i < n; i++) {
		if (apps_task_cpu(tasks[i], &v))
			stat_add(&s->cpu, v);
		if (apps_task_mem(tasks[i], &v))
			stat_add(&s->mem, v);
	}
	if (s->cpu.n > 0)
		s->cpu.mean /= (double)s->cpu.n;
	if (s->mem.n > 0)
		s->mem.mean /= (double)s->mem.n;
}
