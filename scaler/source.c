/*
 * source.c — see source.h: the kinds by name, the wrappers, and the HTTP
 * transfers the kinds share (source_impl.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/buf.h"
#include "common/util.h"
#include "scaler/source_impl.h"

static const struct source_ops *const source_types[] = {
	&source_agents_ops,
	&source_influxdb_ops,
};

const struct source_ops *
source_ops_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(source_types); i++)
		if (strcmp(source_types[i]->name, name) == 0)
			return source_types[i];
	return NULL;
}

void
source_kinds(char *out, size_t outlen)
{
	size_t i, n = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < ARRAY_LEN(source_types) && n < outlen; i++) {
		int r = snprintf(out + n, outlen - n, "%s%s", i ? ", " : "",
		    source_types[i]->name);

		if (r < 0)
			break;
		n += (size_t)r;
	}
}

const char *
source_name(const struct source *s)
{
	return s->ops->name;
}

/* ---- transfers ---- */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;

	if (buf_append(b, p, size * nmemb) != 0)
		return 0;   /* over the cap: fail the transfer */
	return size * nmemb;
}

struct source *
source_new(const struct source_options *o, char *err, size_t errlen)
{
	const struct source_ops *ops = source_ops_find(o->kind ? o->kind : "");
	struct source *s;
	char kinds[128];

	if (ops == NULL) {
		source_kinds(kinds, sizeof(kinds));
		snprintf(err, errlen, "'%.64s' is not a source (%s)",
		    o->kind ? o->kind : "", kinds);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	s->o = *o;
	/* Only numbers are kept: the strings are borrowed for this call. */
	s->o.kind = NULL;
	s->o.agent_token = NULL;
	s->o.influx_url = s->o.influx_db = NULL;
	s->o.influx_user = s->o.influx_password = NULL;
	if (s->o.agent_port <= 0)
		s->o.agent_port = SOURCE_AGENT_PORT;
	if (s->o.timeout_ms <= 0)
		s->o.timeout_ms = 2000;
	if (s->o.window_s <= 0)
		s->o.window_s = 60;
	if (s->o.concurrency <= 0)
		s->o.concurrency = 64;
	s->multi = curl_multi_init();
	if (s->multi == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto fail;
	}
	/* Idle connections kept between requests (and rounds): no more
	 * than run at once, so a thousand hosts never hold a thousand
	 * descriptors. */
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS,
	    (long)s->o.concurrency);
	if (ops->init(s, o, err, errlen) != 0)
		goto fail;
	return s;
fail:
	source_free(s);
	return NULL;
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	if (s->ops->free != NULL)
		s->ops->free(s);
	curl_multi_cleanup(s->multi);
	explicit_bzero(s->userpwd, sizeof(s->userpwd));
	explicit_bzero(s->auth_header, sizeof(s->auth_header));
	free(s);
}

CURL *
source_xfer_easy(struct source *s, struct xfer *x)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &x->body);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (s->userpwd[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, s->userpwd);
	}
	if (s->auth_header[0] != '\0') {
		x->headers = curl_slist_append(NULL, s->auth_header);
		if (x->headers == NULL) {
			curl_easy_cleanup(e);
			return NULL;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	}
	return e;
}

void
source_run_all(struct source *s, struct xfer *x, size_t nx)
{
	int running = 0, left;
	size_t i;
	CURLMsg *m;

	for (i = 0; i < nx; i++)
		if (x[i].easy != NULL)
			curl_multi_add_handle(s->multi, x[i].easy);
	do {
		if (curl_multi_perform(s->multi, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(s->multi, NULL, 0, 200, NULL);
	} while (running > 0);
	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct xfer *xp = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &xp);
		if (xp == NULL)
			continue;
		xp->done = 1;
		xp->cc = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &xp->status);
	}
	for (i = 0; i < nx; i++)
		if (x[i].easy != NULL) {
			curl_multi_remove_handle(s->multi, x[i].easy);
			curl_easy_cleanup(x[i].easy);
			x[i].easy = NULL;
		}
	for (i = 0; i < nx; i++) {
		curl_slist_free_all(x[i].headers);
		x[i].headers = NULL;
	}
}

int
source_xfer_ok(const struct xfer *x, char *err, size_t errlen)
{
	if (x->easy == NULL && !x->done) {
		snprintf(err, errlen, "%s: cannot start the request", x->url);
		return -1;
	}
	if (!x->done || x->cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", x->url, x->done ?
		    curl_easy_strerror(x->cc) : "not finished");
		return -1;
	}
	if (x->status != 200) {
		snprintf(err, errlen, "%s: HTTP %ld", x->url, x->status);
		return -1;
	}
	return 0;
}

int
source_fetch(struct source *s, const char *app_id, struct source_task *tasks,
    size_t n, char *err, size_t errlen)
{
	size_t i;

	err[0] = '\0';
	for (i = 0; i < n; i++) {
		tasks[i].has_cpu = tasks[i].has_mem = 0;
		tasks[i].cpu = tasks[i].mem = 0;
		tasks[i].invalid = 0;
		tasks[i].invalid_field = NULL;
		tasks[i].invalid_value = 0;
	}
	if (n == 0)
		return 0;
	return s->ops->fetch(s, app_id, tasks, n, err, errlen);
}

int
source_has_fetch_all(const struct source *s)
{
	return s->ops->fetch_all != NULL;
}

int
source_fetch_all(struct source *s, struct source_task *tasks, size_t n,
    struct source_round *r, char *err, size_t errlen)
{
	size_t i;

	err[0] = '\0';
	memset(r, 0, sizeof(*r));
	if (s->ops->fetch_all == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		tasks[i].has_cpu = tasks[i].has_mem = 0;
		tasks[i].cpu = tasks[i].mem = 0;
		tasks[i].invalid = 0;
		tasks[i].invalid_field = NULL;
		tasks[i].invalid_value = 0;
	}
	if (n == 0)
		return 0;
	return s->ops->fetch_all(s, tasks, n, r, err, errlen);
}

uint64_t
source_hash(const char *p)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	return h;
}

int
source_index_build(struct source_task_index *ix,
    const struct source_task *tasks, size_t n)
{
	size_t sz = 16, i;

	while (sz < 2 * n + 1)
		sz *= 2;
	ix->slots = calloc(sz, sizeof(*ix->slots));
	ix->nslots = ix->slots != NULL ? sz : 0;
	if (ix->slots == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t k = (size_t)source_hash(tasks[i].task->id) & (sz - 1);

		while (ix->slots[k] != 0 && strcmp(tasks[ix->slots[k] -
		    1].task->id, tasks[i].task->id) != 0)
			k = (k + 1) & (sz - 1);
		if (ix->slots[k] == 0)
			ix->slots[k] = i + 1;
	}
	return 0;
}

long
source_index_find(const struct source_task_index *ix,
    const struct source_task *tasks, const char *id)
{
	size_t k;

	if (ix->nslots == 0)
		return -1;
	k = (size_t)source_hash(id) & (ix->nslots - 1);
	while (ix->slots[k] != 0) {
		if (strcmp(tasks[ix->slots[k] - 1].task->id, id) == 0)
			return (long)(ix->slots[k] - 1);
		k = (k + 1) & (ix->nslots - 1);
	}
	return -1;
}

void
source_index_free(struct source_task_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->nslots = 0;
}

/* Start x[*next] .. while fewer than cap run; returns how many run. */
static size_t
window_fill(struct source *s, struct xfer *x, size_t nx, size_t *next,
    size_t running, size_t cap)
{
	while (running < cap && *next < nx) {
		struct xfer *xp = &x[(*next)++];

		xp->easy = source_xfer_easy(s, xp);
		if (xp->easy == NULL)
			continue;       /* reported by source_xfer_ok() */
		if (curl_multi_add_handle(s->multi, xp->easy) != CURLM_OK) {
			curl_easy_cleanup(xp->easy);
			xp->easy = NULL;
			continue;
		}
		running++;
	}
	return running;
}

void
source_run_window(struct source *s, struct xfer *x, size_t nx, size_t cap,
    void (*done)(struct xfer *x, void *ud), void *ud)
{
	size_t next = 0, active = 0;
	int still = 0, left;
	CURLMsg *m;

	active = window_fill(s, x, nx, &next, active, cap);
	while (active > 0) {
		if (curl_multi_perform(s->multi, &still) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
			struct xfer *xp = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    &xp);
			if (xp == NULL)
				continue;
			xp->done = 1;
			xp->cc = m->data.result;
			curl_easy_getinfo(xp->easy, CURLINFO_RESPONSE_CODE,
			    &xp->status);
			curl_multi_remove_handle(s->multi, xp->easy);
			curl_easy_cleanup(xp->easy);
			xp->easy = NULL;
			curl_slist_free_all(xp->headers);
			xp->headers = NULL;
			active--;
			if (done != NULL)
				done(xp, ud);
		}
		active = window_fill(s, x, nx, &next, active, cap);
		if (active > 0 && still > 0)
			curl_multi_poll(s->multi, NULL, 0, 200, NULL);
	}
	/* Only after a multi failure: whatever is left, unfinished. */
	for (next = 0; next < nx; next++) {
		int was = x[next].easy != NULL || !x[next].done;

		if (x[next].easy != NULL) {
			curl_multi_remove_handle(s->multi, x[next].easy);
			curl_easy_cleanup(x[next].easy);
			x[next].easy = NULL;
		}
		curl_slist_free_all(x[next].headers);
		x[next].headers = NULL;
		if (was && done != NULL)
			done(&x[next], ud);
	}
}
