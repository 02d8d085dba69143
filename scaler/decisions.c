/*
 * decisions.c — see decisions.h.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "common/rfc3339.h"
#include "common/util.h"
#include "scaler/decisions.h"
#include "sinks/lp.h"

struct decisions {
	pthread_mutex_t          mu;
	struct policy_decision  *ring;
	size_t                   cap, head, n;    /* head: next slot */
	struct policy_decision  *last;           /* sorted by app_id */
	size_t                   nlast, caplast;
};

struct decisions *
decisions_new(size_t cap)
{
	struct decisions *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->cap = cap ? cap : DECISIONS_DEFAULT_CAP;
	d->ring = calloc(d->cap, sizeof(*d->ring));
	if (d->ring == NULL) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->mu, NULL);
	return d;
}

void
decisions_free(struct decisions *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->mu);
	free(d->ring);
	free(d->last);
	free(d);
}

size_t
decisions_capacity(const struct decisions *d)
{
	return d->cap;
}

/* Index in d->last, or -(insertion point) - 1. */
static long
find_last(const struct decisions *d, const char *app_id)
{
	return str_bsearch(d->last, d->nlast, sizeof(d->last[0]),
	    offsetof(struct policy_decision, app_id), app_id);
}

static void
set_last(struct decisions *d, const struct policy_decision *dec)
{
	long at = find_last(d, dec->app_id);
	size_t i;

	if (at >= 0) {
		d->last[at] = *dec;
		return;
	}
	if (d->nlast == d->caplast) {
		size_t ncap = d->caplast ? d->caplast * 2 : 16;
		struct policy_decision *nl = realloc(d->last,
		    ncap * sizeof(*nl));

		if (nl == NULL)
			return;   /* status goes without it; the ring has it */
		d->last = nl;
		d->caplast = ncap;
	}
	i = (size_t)(-at - 1);
	memmove(&d->last[i + 1], &d->last[i], (d->nlast - i) *
	    sizeof(*d->last));
	d->last[i] = *dec;
	d->nlast++;
}

void
decisions_add(struct decisions *d, const struct policy_decision *dec)
{
	pthread_mutex_lock(&d->mu);
	d->ring[d->head] = *dec;
	d->head = (d->head + 1) % d->cap;
	if (d->n < d->cap)
		d->n++;
	set_last(d, dec);
	pthread_mutex_unlock(&d->mu);
}

size_t
decisions_query(struct decisions *d, const char *app_id, size_t limit,
    struct policy_decision *out)
{
	size_t k, got = 0;

	pthread_mutex_lock(&d->mu);
	for (k = 0; k < d->n && got < limit; k++) {
		size_t i = (d->head + d->cap - 1 - k) % d->cap;

		if (app_id != NULL && strcmp(d->ring[i].app_id, app_id) != 0)
			continue;
		out[got++] = d->ring[i];
	}
	pthread_mutex_unlock(&d->mu);
	return got;
}

int
decisions_last(struct decisions *d, const char *app_id,
    struct policy_decision *out)
{
	long at;
	int ret = -1;

	pthread_mutex_lock(&d->mu);
	at = find_last(d, app_id);
	if (at >= 0) {
		*out = d->last[at];
		ret = 0;
	}
	pthread_mutex_unlock(&d->mu);
	return ret;
}

void
decisions_forget(struct decisions *d, const char *app_id)
{
	long at;

	pthread_mutex_lock(&d->mu);
	at = find_last(d, app_id);
	if (at >= 0) {
		memmove(&d->last[at], &d->last[at + 1],
		    (d->nlast - (size_t)at - 1) * sizeof(*d->last));
		d->nlast--;
	}
	pthread_mutex_unlock(&d->mu);
}

void *
decisions_to_cjson(const struct policy_decision *dec)
{
	cJSON *o = cJSON_CreateObject();
	char ts[RFC3339_MAX];

	if (o == NULL)
		return NULL;
	rfc3339_format(ts, sizeof(ts), dec->time_s * 1000000000, 0);
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddNumberToObject(o, "time_s", (double)dec->time_s);
	cJSON_AddStringToObject(o, "app_id", dec->app_id);
	cJSON_AddNumberToObject(o, "current", dec->current);
	cJSON_AddNumberToObject(o, "desired", dec->desired);
	cJSON_AddNumberToObject(o, "running", dec->running);
	cJSON_AddStringToObject(o, "action", policy_action_str(dec->action));
	cJSON_AddStringToObject(o, "reason", dec->reason);
	if (dec->has_cpu)
		cJSON_AddNumberToObject(o, "cpu", dec->cpu);
	else
		cJSON_AddNullToObject(o, "cpu");
	if (dec->has_mem)
		cJSON_AddNumberToObject(o, "mem", dec->mem);
	else
		cJSON_AddNullToObject(o, "mem");
	cJSON_AddNumberToObject(o, "tasks_with_metrics",
	    dec->tasks_with_metrics);
	cJSON_AddNumberToObject(o, "tasks_total", dec->tasks_total);
	if (dec->scaler[0] != '\0')
		cJSON_AddStringToObject(o, "scaler", dec->scaler);
	return o;
}

int
decisions_to_lp(const struct policy_decision *dec, struct buf *out)
{
	struct lp p;

	lp_begin(&p, out, "hoist_scaling");
	lp_tag(&p, "app_id", dec->app_id);
	lp_tag(&p, "action", policy_action_str(dec->action));
	if (dec->scaler[0] != '\0')
		lp_tag(&p, "scaler", dec->scaler);
	lp_field_i(&p, "current", dec->current);
	lp_field_i(&p, "desired", dec->desired);
	lp_field_i(&p, "running", dec->running);
	lp_field_s(&p, "reason", dec->reason);
	if (dec->has_cpu)
		lp_field_f(&p, "cpu", dec->cpu);
	if (dec->has_mem)
		lp_field_f(&p, "mem", dec->mem);
	lp_field_i(&p, "tasks_with_metrics", dec->tasks_with_metrics);
	lp_field_i(&p, "tasks_total", dec->tasks_total);
	return lp_end(&p, dec->time_s * 1000000000LL);
}
