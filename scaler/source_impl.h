/*
 * source_impl.h — what the source kinds (source_agents.c,
 * source_influxdb.c) share with source.c: the struct source itself and
 * the HTTP transfers, all run at once through one libcurl multi handle.
 * Private to the source layer.
 */
#ifndef HOIST_SOURCE_IMPL_H
#define HOIST_SOURCE_IMPL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "common/buf.h"
#include "scaler/policy.h"
#include "scaler/source.h"

struct source {
	const struct source_ops *ops;
	struct source_options    o;      /* defaults applied; no strings */
	/* Credentials the kind's init sets for every request. */
	char                     userpwd[512];      /* basic auth "u:p" */
	char                     auth_header[600];  /* "Authorization: ..." */
	CURLM                   *multi;
	void                    *priv;   /* the kind's own, owned */
};

/* One request of a round. */
struct xfer {
	CURL       *easy;
	struct buf  body;
	char        url[1200];
	const char *host;
	struct curl_slist *headers;
	int         done;
	CURLcode    cc;
	long        status;
};

/*
 * Task id -> index into a task array, open addressing (fleet rounds
 * match up to tens of thousands of tasks: no scan per reply task).
 */
struct source_task_index {
	size_t *slots;     /* task index + 1; 0 = empty */
	size_t  nslots;    /* a power of two */
};

/* source.c */
uint64_t source_hash(const char *p);          /* FNV-1a, 64 bits */
int   source_index_build(struct source_task_index *ix,
	const struct source_task *tasks, size_t n);
/* The first task with Mesos task id `id`, or -1. */
long  source_index_find(const struct source_task_index *ix,
	const struct source_task *tasks, const char *id);
void  source_index_free(struct source_task_index *ix);
/* Run every transfer, at most `cap` at once (each bounded by its own
 * timeout); x[i].easy is made here from x[i].url.  done (NULL: none)
 * is called with each transfer as it ends, so its body can be used and
 * freed at once rather than all bodies held to the end. */
void  source_run_window(struct source *s, struct xfer *x, size_t nx,
	size_t cap, void (*done)(struct xfer *x, void *ud), void *ud);
/* An easy handle for x->url with s's timeouts and credentials, writing
 * into x->body; NULL when libcurl cannot make one. */
CURL *source_xfer_easy(struct source *s, struct xfer *x);
/* Run every transfer to its end (each bounded by its own timeout). */
void  source_run_all(struct source *s, struct xfer *x, size_t nx);
/* 0 when the transfer gave a 200, else -1 with err set. */
int   source_xfer_ok(const struct xfer *x, char *err, size_t errlen);

/* The task with Mesos task id `id`, or NULL (both decoders use it). */
static inline struct source_task *
find_task(struct source_task *tasks, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tasks[i].task->id, id) == 0)
			return &tasks[i];
	return NULL;
}

/*
 * One percentage figure of task st from JSON value v (named `field` for
 * the log).  Returns 1 with *out set for a number inside [0,
 * POLICY_PCT_MAX]; 0 for null or absent (no figure); 0 for anything else,
 * which is also counted in st->invalid (see source.h): a huge figure once
 * reached the policy's double-to-int conversion.
 */
static inline int
take_pct(struct source_task *st, const char *field, const cJSON *v,
    double *out)
{
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= POLICY_PCT_MAX) {
		*out = v->valuedouble;
		return 1;
	}
	if (st->invalid++ == 0) {
		st->invalid_field = field;
		st->invalid_value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
	return 0;
}

#endif
