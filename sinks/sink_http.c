/*
 * sink_http.c — the queue, thread, retry loop and spool shared by the
 * InfluxDB 1.x and 2.x sinks (see sink_http.h).
 *
 * The output's thread loops over these steps, in this order:
 *   1. While the server is failing (a retry is scheduled) or the spool
 *      still holds data, whatever the sweep queued goes to the spool in
 *      records of at most batch_size points: memory stays small, the data
 *      survives a kill -9, and the spool is replayed ahead of newer data.
 *   2. When the retry time has come, the spool is replayed one record at a
 *      time, oldest first; a record is acknowledged (removed) only after
 *      the server took it.
 *   3. With the spool empty, a batch is sent from the queue when it holds
 *      batch_size points or its oldest line waited flush_interval_ms.
 * Every reply goes through sink_status_decide(); a batch that fails with a
 * retryable outcome goes to the spool (or, without a spool, is held in
 * memory and tried again first).
 *
 * What can be lost: with a spool, only the lines queued in memory in the
 * instant before a kill -9 (the queue is spooled as soon as the server
 * fails, and at most one flush interval of lines waits while it works),
 * and a batch whose request is in flight when the process dies.  What can
 * be doubled: a batch the server stored whose reply never arrived is sent
 * again; InfluxDB stores one point per series, field set and timestamp,
 * so the resend overwrites identical values and changes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "sinks/sink_http.h"
#include "sinks/sink_status.h"
#include "sinks/spool.h"

struct http_sink {
	struct sink_http_target t;
	char              ca[CONF_STR_MAX], cert[CONF_STR_MAX];
	char              key[CONF_STR_MAX];
	struct http_tls   tls;
	uint64_t          batch_size;
	int64_t           flush_ns;
	long              timeout_ms;
	int               gzip;

	pthread_t         thread;
	int               started;
	pthread_mutex_t   mu;
	pthread_cond_t    wake;   /* to the thread: lines queued, stop, flush */
	pthread_cond_t    idle;   /* from the thread: the queue went empty */
	/* Under mu. */
	struct buf        queue;
	uint64_t          queue_points;
	int64_t           first_ns;  /* when the oldest queued line came */
	int               stop, flushing, busy;
	size_t            held_bytes;  /* mirror of held.len for flush */
	struct sink_stats st;
	struct complain   c_queue;

	/* The thread's own. */
	struct http_client  *client;
	struct http_response resp;
	struct buf           work, held, gz;
	uint64_t             held_points;
	struct spool        *spool;
	uint64_t             spool_dropped_seen;
	int64_t              retry_at_ns;  /* 0: no failure pending */
	unsigned             attempts;
	int                  db_created;
	uint32_t             rng;
	struct complain      c_out[SINK_OUT_COUNT];
	struct complain      c_spool;
};

static uint32_t
next_rand(struct http_sink *h)
{
	/* xorshift32: jitter only, no need for more. */
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 17;
	h->rng ^= h->rng << 5;
	return h->rng;
}

static int64_t
now_s(void)
{
	return now_mono_ns() / 1000000000;
}

static void
stat_add(struct http_sink *h, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&h->mu);
	*counter += n;
	pthread_mutex_unlock(&h->mu);
}

/* Copy the spool's gauges and counters into the sink's stats. */
static void
sync_spool_stats(struct http_sink *h)
{
	struct spool_stats ss;

	if (h->spool == NULL)
		return;
	spool_get_stats(h->spool, &ss);
	pthread_mutex_lock(&h->mu);
	h->st.spool_bytes = ss.bytes;
	h->st.spool_corrupt = ss.corrupt_records;
	h->st.spool_segments_dropped = ss.segments_dropped;
	h->st.points_dropped += ss.points_dropped - h->spool_dropped_seen;
	pthread_mutex_unlock(&h->mu);
	h->spool_dropped_seen = ss.points_dropped;
}

/* One POST of `len` bytes of lines; the verdict says what happened. */
static void
post(struct http_sink *h, const char *url, const char *body, size_t len,
    int form, struct sink_verdict *v)
{
	struct http_request req;
	enum http_result res;
	size_t nh = 0;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.timeout_ms = h->timeout_ms;
	req.max_body = 64 * 1024;
	req.tls = &h->tls;
	req.userpwd = h->t.userpwd[0] ? h->t.userpwd : NULL;
	if (h->t.auth_header[0])
		req.headers[nh++] = h->t.auth_header;
	req.headers[nh++] = form ? "Content-Type: application/x-www-form-urlencoded"
	    : "Content-Type: text/plain; charset=utf-8";
	req.body = body;
	req.body_len = len;
	if (h->gzip && !form && sink_gzip(body, len, &h->gz) == 0) {
		req.headers[nh++] = "Content-Encoding: gzip";
		req.body = h->gz.data;
		req.body_len = h->gz.len;
	}
	res = http_do(h->client, &req, &h->resp);
	sink_status_decide(res, h->resp.status, h->resp.body.data,
	    h->resp.body.len, h->resp.retry_after_s, h->resp.error, v);
}

/* CREATE DATABASE (1.x) before the first write and after a 404. */
static void
create_db(struct http_sink *h)
{
	struct sink_verdict v;

	if (h->t.create_url[0] == '\0' || h->db_created)
		return;
	post(h, h->t.create_url, h->t.create_body, strlen(h->t.create_body),
	    1, &v);
	stat_add(h, &h->st.requests, 1);
	if (v.outcome == SINK_OUT_OK) {
		h->db_created = 1;
		log_info("%s: database created (or already there)",
		    h->t.label);
	} else
		complain(&h->c_out[SINK_OUT_CONFIG], now_s(),
		    "%s: CREATE DATABASE failed (%s): %s", h->t.label,
		    sink_outcome_name(v.outcome), v.message);
}

/* Count a reply and log it (once, then with growing gaps). */
static void
account(struct http_sink *h, const struct sink_verdict *v, uint64_t points,
    size_t len)
{
	uint64_t dropped = 0, written = 0;
	long status = h->resp.status;
	int64_t t = now_s();
	char code[32] = "", what[96];
	int k;

	if (v->action == SINK_ACT_DONE && v->outcome == SINK_OUT_OK)
		written = points;
	else if (v->outcome == SINK_OUT_PARTIAL) {
		/* When the reply does not say how many, assume one line. */
		if (v->dropped >= 0)
			dropped = (uint64_t)v->dropped;
		else if (v->written >= 0 && (uint64_t)v->written <= points)
			dropped = points - (uint64_t)v->written;
		else
			dropped = 1;
		if (dropped > points)
			dropped = points;
		written = points - dropped;
	} else if (v->action == SINK_ACT_DROP)
		dropped = points;
	pthread_mutex_lock(&h->mu);
	h->st.requests++;
	h->st.outcomes[v->outcome]++;
	h->st.points_written += written;
	h->st.points_dropped += dropped;
	if (written > 0)
		h->st.bytes_written += len;
	if (v->outcome != SINK_OUT_OK)
		h->st.write_errors++;
	pthread_mutex_unlock(&h->mu);
	if (v->outcome == SINK_OUT_OK) {
		/* "Recovered" is news after failures that kept the data;
		 * after dropped batches it is not: start those afresh. */
		for (k = 0; k < SINK_OUT_COUNT; k++)
			if (k == SINK_OUT_REJECTED || k == SINK_OUT_PARTIAL)
				memset(&h->c_out[k], 0, sizeof(h->c_out[k]));
			else
				complain_recovered(&h->c_out[k], "%s: writing "
				    "again after %s failures", h->t.label,
				    sink_outcome_name((enum sink_outcome)k));
		return;
	}
	if (v->action == SINK_ACT_SPLIT)
		return;         /* logged when a single line still fails */
	if (status > 0)
		snprintf(code, sizeof(code), " (HTTP %ld)", status);
	if (v->action == SINK_ACT_RETRY)
		str_copy_trunc(what, "keeping the data, will retry",
		    sizeof(what));
	else
		snprintf(what, sizeof(what), "%llu of %llu points dropped%s",
		    (unsigned long long)dropped, (unsigned long long)points,
		    v->outcome == SINK_OUT_PARTIAL ? ", the server kept the "
		    "others" : "");
	complain(&h->c_out[v->outcome], t, "%s: %s%s: %s; %s", h->t.label,
	    sink_outcome_name(v->outcome), code, v->message, what);
}

/*
 * Send a block of whole lines, halving it on 413 down to single lines (a
 * single line still too large is dropped and counted).  Returns
 * SINK_ACT_DONE when the whole block was dealt with, or SINK_ACT_RETRY
 * with *handled = the bytes before the part that must be tried again and
 * *v the verdict that stopped it.
 */
static enum sink_action
send_lines(struct http_sink *h, const char *lines, size_t len,
    size_t *handled, struct sink_verdict *v)
{
	uint64_t points = sink_count_lines(lines, len);
	size_t mid, sub = 0;

	*handled = 0;
	post(h, h->t.write_url, lines, len, 0, v);
	account(h, v, points, len);
	switch (v->action) {
	case SINK_ACT_DONE:
	case SINK_ACT_DROP:
		*handled = len;
		return SINK_ACT_DONE;
	case SINK_ACT_RETRY:
		return SINK_ACT_RETRY;
	case SINK_ACT_SPLIT:
		break;
	}
	mid = sink_batch_split(lines, len);
	if (mid >= len) {
		complain(&h->c_out[SINK_OUT_TOO_LARGE], now_s(), "%s: a single "
		    "line of %zu bytes is too large for the server: dropped",
		    h->t.label, len);
		stat_add(h, &h->st.points_dropped, points);
		*handled = len;
		return SINK_ACT_DONE;
	}
	if (send_lines(h, lines, mid, &sub, v) == SINK_ACT_RETRY) {
		*handled = sub;
		return SINK_ACT_RETRY;
	}
	if (send_lines(h, lines + mid, len - mid, &sub, v) == SINK_ACT_RETRY) {
		*handled = mid + sub;
		return SINK_ACT_RETRY;
	}
	*handled = len;
	return SINK_ACT_DONE;
}

static void
schedule_retry(struct http_sink *h, const struct sink_verdict *v)
{
	int64_t ms;

	h->attempts++;
	ms = v->retry_after_ms >= 0 ? v->retry_after_ms :
	    sink_backoff_ms(h->attempts, next_rand(h));
	h->retry_at_ns = now_mono_ns() + ms * 1000000;
	if (v->outcome == SINK_OUT_CONFIG)
		h->db_created = 0;
	stat_add(h, &h->st.retries, 1);
	log_debug("%s: next attempt in %lld ms", h->t.label, (long long)ms);
}

static void
delivered(struct http_sink *h)
{
	h->attempts = 0;
	h->retry_at_ns = 0;
}

/* Put lines in the spool, batch_size points a record; without a spool (or
 * when it refuses) they are counted dropped. */
static void
spool_lines(struct http_sink *h, const char *lines, size_t len)
{
	uint64_t n;
	size_t take;

	while (len > 0) {
		take = sink_batch_take(lines, len, h->batch_size, &n);
		if (h->spool != NULL && spool_append(h->spool, lines, take,
		    (uint32_t)n) == 0)
			stat_add(h, &h->st.points_spooled, n);
		else {
			complain(&h->c_spool, now_s(), "%s: cannot keep %llu "
			    "points (%s): dropped", h->t.label,
			    (unsigned long long)n, h->spool ? "spool write "
			    "failed" : "no spool_dir");
			stat_add(h, &h->st.points_dropped, n);
		}
		lines += take;
		len -= take;
	}
	sync_spool_stats(h);
}

/* Replay the oldest spool record. */
static void
replay_one(struct http_sink *h)
{
	const char *data;
	size_t len, handled;
	uint32_t points;
	struct sink_verdict v;
	int r;

	r = spool_peek(h->spool, &data, &len, &points);
	if (r <= 0) {
		sync_spool_stats(h);
		return;
	}
	create_db(h);
	if (send_lines(h, data, len, &handled, &v) == SINK_ACT_RETRY) {
		/* The record stays; any part already taken is sent again
		 * (harmless: see the top of this file). */
		schedule_retry(h, &v);
		return;
	}
	spool_ack(h->spool);
	stat_add(h, &h->st.points_replayed, points);
	delivered(h);
	sync_spool_stats(h);
}

/* Send h->work (a batch from the queue, or the held batch). */
static void
send_new(struct http_sink *h, struct buf *b)
{
	struct sink_verdict v;
	size_t handled;

	create_db(h);
	if (send_lines(h, b->data, b->len, &handled, &v) == SINK_ACT_DONE) {
		delivered(h);
		buf_reset(b);
		return;
	}
	schedule_retry(h, &v);
	if (h->spool != NULL) {
		spool_lines(h, b->data + handled, b->len - handled);
		buf_reset(b);
	} else if (b != &h->held) {
		buf_reset(&h->held);
		if (buf_append(&h->held, b->data + handled,
		    b->len - handled) != 0)
			spool_lines(h, b->data + handled, b->len - handled);
		buf_reset(b);
	} else
		buf_consume(b, handled);
}

/* Move up to max_lines lines (0: all) from the queue to h->work; mu held. */
static void
take_queue(struct http_sink *h, uint64_t max_lines)
{
	uint64_t n;
	size_t take;

	take = max_lines ? sink_batch_take(h->queue.data, h->queue.len,
	    max_lines, &n) : h->queue.len;
	if (max_lines == 0)
		n = h->queue_points;
	buf_reset(&h->work);
	if (buf_append(&h->work, h->queue.data, take) != 0) {
		/* Cannot happen: work has the queue's cap. */
		h->st.points_dropped += n;
	}
	buf_consume(&h->queue, take);
	h->queue_points -= n;
	h->first_ns = h->queue.len ? now_mono_ns() : 0;
	h->st.queue_bytes = h->queue.len;
	h->busy = 1;
}

static int
queue_ready(const struct http_sink *h, int64_t now)
{
	return h->queue.len > 0 && (h->queue_points >= h->batch_size ||
	    h->flushing || now - h->first_ns >= h->flush_ns);
}

static void
wait_until(struct http_sink *h, int64_t deadline_mono_ns)
{
	struct timespec ts;

	/* The condvar uses CLOCK_MONOTONIC (set in init_sync). */
	ts.tv_sec = deadline_mono_ns / 1000000000;
	ts.tv_nsec = deadline_mono_ns % 1000000000;
	pthread_cond_timedwait(&h->wake, &h->mu, &ts);
}

/* One step of the loop described at the top; mu held on entry and exit. */
static void
step(struct http_sink *h)
{
	int64_t now = now_mono_ns();
	int down = h->retry_at_ns > now;
	int spooling = h->spool != NULL && !spool_is_empty(h->spool);

	if ((down || spooling) && h->spool != NULL && h->queue.len > 0) {
		/* At once, not after flush_interval_ms: a kill -9 during an
		 * outage must find the lines on disk. */
		take_queue(h, 0);
		pthread_mutex_unlock(&h->mu);
		spool_lines(h, h->work.data, h->work.len);
		buf_reset(&h->work);
	} else if (down) {
		pthread_cond_broadcast(&h->idle);
		wait_until(h, h->retry_at_ns);
		return;
	} else if (spooling) {
		pthread_mutex_unlock(&h->mu);
		replay_one(h);
	} else if (h->held.len > 0) {
		pthread_mutex_unlock(&h->mu);
		send_new(h, &h->held);
	} else if (queue_ready(h, now)) {
		take_queue(h, h->batch_size);
		pthread_mutex_unlock(&h->mu);
		send_new(h, &h->work);
	} else {
		pthread_cond_broadcast(&h->idle);
		wait_until(h, h->queue.len > 0 ? h->first_ns + h->flush_ns :
		    now + 1000000000LL);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->busy = 0;
	h->held_bytes = h->held.len;
	pthread_cond_broadcast(&h->idle);
}

static void *
worker(void *arg)
{
	struct http_sink *h = arg;

	pthread_mutex_lock(&h->mu);
	while (!h->stop)
		step(h);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* The spool's folder: spool_dir/<the spec with every byte but
 * [A-Za-z0-9.-] made '_'>, so each output has its own. */
static void
spool_path(const char *spool_dir, const char *spec, char *out, size_t outlen)
{
	size_t n = (size_t)snprintf(out, outlen, "%s/", spool_dir), i;

	for (i = 0; spec[i] != '\0' && n + 1 < outlen && i < 200; i++, n++) {
		char c = spec[i];
		out[n] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	out[n < outlen ? n : outlen - 1] = '\0';
}

static void
http_sink_free(struct http_sink *h)
{
	if (h == NULL)
		return;
	spool_free(h->spool);
	http_client_free(h->client);
	http_response_free(&h->resp);
	buf_free(&h->queue);
	buf_free(&h->work);
	buf_free(&h->held);
	buf_free(&h->gz);
	explicit_bzero(&h->t, sizeof(h->t));
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->idle);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static int
init_sync(struct http_sink *h)
{
	pthread_condattr_t ca;
	int rc = 0;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&h->mu, NULL);
	if (pthread_cond_init(&h->wake, &ca) != 0 ||
	    pthread_cond_init(&h->idle, &ca) != 0)
		rc = -1;
	pthread_condattr_destroy(&ca);
	return rc;
}

static void
copy_tls(struct http_sink *h, const struct sink_options *o)
{
	STR_COPY_ARRAY(h->ca, o->tls_ca_file);
	STR_COPY_ARRAY(h->cert, o->tls_cert_file);
	STR_COPY_ARRAY(h->key, o->tls_key_file);
	h->tls.ca_file = h->ca[0] ? h->ca : NULL;
	h->tls.cert_file = h->cert[0] ? h->cert : NULL;
	h->tls.key_file = h->key[0] ? h->key : NULL;
}

int
sink_http_open(struct sink *s, const struct sink_http_target *t,
    const struct sink_options *o, char *err, size_t errlen)
{
	struct http_sink *h = calloc(1, sizeof(*h));
	char dir[CONF_STR_MAX + 256];

	if (h == NULL || init_sync(h) != 0) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->t = *t;
	copy_tls(h, o);
	h->batch_size = o->batch_size > 0 ? (uint64_t)o->batch_size : 5000;
	h->flush_ns = (o->flush_interval_ms > 0 ? o->flush_interval_ms :
	    1000) * 1000000;
	h->timeout_ms = o->http_timeout_ms > 0 ? (long)o->http_timeout_ms :
	    10000;
	h->gzip = o->gzip;
	h->rng = (uint32_t)now_realtime_ns() ^ (uint32_t)(uintptr_t)h;
	if (h->rng == 0)
		h->rng = 1;
	buf_init(&h->queue, o->queue_max_bytes > 0 ?
	    (size_t)o->queue_max_bytes : (64u << 20));
	buf_init(&h->work, h->queue.max);
	buf_init(&h->held, h->queue.max);
	buf_init(&h->gz, h->queue.max + 65536);
	http_response_init(&h->resp);
	h->client = http_client_new();
	if (h->client == NULL) {
		snprintf(err, errlen, "cannot make an HTTP client");
		goto fail;
	}
	if (o->spool_dir[0] != '\0') {
		spool_path(o->spool_dir, s->spec, dir, sizeof(dir));
		h->spool = spool_open(dir, o->spool_max_bytes > 0 ?
		    (uint64_t)o->spool_max_bytes : (256u << 20), err, errlen);
		if (h->spool == NULL)
			goto fail;
		sync_spool_stats(h);
	}
	s->priv = h;
	if (pthread_create(&h->thread, NULL, worker, h) != 0) {
		snprintf(err, errlen, "cannot start the output's thread");
		s->priv = NULL;
		goto fail;
	}
	h->started = 1;
	return 0;
fail:
	http_sink_free(h);
	return -1;
}

int
sink_http_write(struct sink *s, const char *lines, size_t len)
{
	struct http_sink *h = s->priv;
	uint64_t n = sink_count_lines(lines, len);
	int rc = 0;

	pthread_mutex_lock(&h->mu);
	if (buf_append(&h->queue, lines, len) != 0) {
		h->st.points_dropped += n;
		complain(&h->c_queue, now_s(), "%s: queue full (%zu bytes): "
		    "dropped %llu points", h->t.label, h->queue.max,
		    (unsigned long long)n);
		rc = -1;
	} else {
		complain_recovered(&h->c_queue, "%s: queue has room again",
		    h->t.label);
		if (h->queue_points == 0 && h->first_ns == 0)
			h->first_ns = now_mono_ns();
		h->queue_points += n;
		h->st.queue_bytes = h->queue.len;
		pthread_cond_signal(&h->wake);
	}
	pthread_mutex_unlock(&h->mu);
	return rc;
}

int
sink_http_flush(struct sink *s, long timeout_ms)
{
	struct http_sink *h = s->priv;
	int64_t deadline = now_mono_ns() + (int64_t)timeout_ms * 1000000;
	struct timespec ts;
	int rc;

	pthread_mutex_lock(&h->mu);
	h->flushing = 1;
	pthread_cond_signal(&h->wake);
	while ((h->queue.len > 0 || h->busy || h->held_bytes > 0) &&
	    now_mono_ns() < deadline) {
		ts.tv_sec = deadline / 1000000000;
		ts.tv_nsec = deadline % 1000000000;
		pthread_cond_timedwait(&h->idle, &h->mu, &ts);
	}
	rc = h->queue.len > 0 || h->busy || h->held_bytes > 0 ? -1 : 0;
	h->flushing = 0;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void
sink_http_close(struct sink *s)
{
	struct http_sink *h = s->priv;

	if (h == NULL)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
	}
	/* The thread is gone: what it did not send goes to the spool. */
	if (h->held.len > 0)
		spool_lines(h, h->held.data, h->held.len);
	if (h->queue.len > 0)
		spool_lines(h, h->queue.data, h->queue.len);
	http_sink_free(h);
	s->priv = NULL;
}

void
sink_http_get_stats(const struct sink *s, struct sink_stats *out)
{
	struct http_sink *h = s->priv;

	pthread_mutex_lock(&h->mu);
	*out = h->st;
	pthread_mutex_unlock(&h->mu);
}
