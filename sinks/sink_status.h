/*
 * sink_status.h — the one place that maps an InfluxDB write reply (or the
 * failure to get one) to what the sink does next.  Pure: no I/O, no clock;
 * the caller passes the reply and acts on the verdict.
 *
 *   2xx                         SINK_OUT_OK          done
 *   400/422 "partial write"     SINK_OUT_PARTIAL     InfluxDB kept the good
 *                                                    lines; count the dropped
 *                                                    ones, do not resend
 *   400 "... not found"         SINK_OUT_CONFIG      (organization or bucket
 *                                                    missing: an operator fixes
 *                                                    it, the data is kept)
 *   other 400, other 4xx        SINK_OUT_REJECTED    drop the batch, count, log
 *   401, 403, 404               SINK_OUT_CONFIG      keep, retry with backoff
 *   413                         SINK_OUT_TOO_LARGE   split in halves, resend
 *   429, 503                    SINK_OUT_THROTTLED   wait Retry-After, else back off
 *   other 5xx                   SINK_OUT_SERVER      back off and retry
 *   no reply (refused, timeout) SINK_OUT_NETWORK     back off and retry
 */
#ifndef HOIST_SINK_STATUS_H
#define HOIST_SINK_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/http.h"

/* Append-only; every value has a name in sink_outcome_name(). */
enum sink_outcome {
	SINK_OUT_OK = 0,
	SINK_OUT_PARTIAL,
	SINK_OUT_REJECTED,
	SINK_OUT_CONFIG,
	SINK_OUT_TOO_LARGE,
	SINK_OUT_THROTTLED,
	SINK_OUT_SERVER,
	SINK_OUT_NETWORK,
	SINK_OUT_COUNT          /* not an outcome: the number of them */
};

/* What the sink does with the batch it sent. */
enum sink_action {
	SINK_ACT_DONE,          /* delivered (maybe partly): forget it */
	SINK_ACT_DROP,          /* the server will never take it: count, forget */
	SINK_ACT_RETRY,         /* keep it (spool), try again after a delay */
	SINK_ACT_SPLIT,         /* resend as two halves */
};

#define SINK_VERDICT_MSG_MAX 256

struct sink_verdict {
	enum sink_outcome outcome;
	enum sink_action  action;
	/* PARTIAL: points the server said it dropped ("dropped=N"), or -1. */
	int64_t           dropped;
	/* PARTIAL: points the server said it wrote ("(N written)"), or -1. */
	int64_t           written;
	/* THROTTLED: the server's Retry-After in ms, or -1 (use backoff). */
	int64_t           retry_after_ms;
	/* The server's own words ("error" or "message" of the JSON body, or
	 * the body itself, or the transport error), for one log line. */
	char              message[SINK_VERDICT_MSG_MAX];
};

/* sink_status.c */
/*
 * Decide from a reply: `res` is what http_do() returned, `status` the HTTP
 * status (ignored unless res == HTTP_OK), `body` the reply body (borrowed,
 * need not be NUL-terminated), `retry_after_s` the parsed header or -1,
 * `transport_error` libcurl's words when res != HTTP_OK (may be NULL).
 */
void        sink_status_decide(enum http_result res, long status,
	const char *body, size_t body_len, long retry_after_s,
	const char *transport_error, struct sink_verdict *v);
const char *sink_outcome_name(enum sink_outcome o);
/*
 * Delay before the next attempt after `attempt` consecutive failures (1 for
 * the first): 500 ms doubling up to SINK_BACKOFF_MAX_MS, with "equal
 * jitter" — a value in [d/2, d] chosen by `rnd` (any 32-bit random number),
 * so many agents that lost the same server do not come back in step.
 */
#define SINK_BACKOFF_BASE_MS 500
#define SINK_BACKOFF_MAX_MS  30000
int64_t     sink_backoff_ms(unsigned attempt, uint32_t rnd);

#endif
