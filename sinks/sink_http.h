/*
 * sink_http.h — what the two InfluxDB sinks share (sink_http.c): the
 * per-output queue and thread, batching, gzip, the retry loop driven by
 * sink_status_decide(), 413 splitting and the disk spool.  A type's open()
 * only works out its target (URLs, auth) and calls sink_http_open(); its
 * ops table points at the sink_http_* functions for the rest.
 *
 * Threads: sink_write() (the caller's thread, e.g. the sweep) only copies
 * the lines into the queue under a mutex and signals; everything that
 * touches the network or the disk runs on the output's own thread.
 */
#ifndef HOIST_SINK_HTTP_H
#define HOIST_SINK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "sinks/sink.h"

#define SINK_HTTP_URL_MAX 2048

/* Where and how one output writes; filled by the type's open(). */
struct sink_http_target {
	char write_url[SINK_HTTP_URL_MAX];   /* full URL with the query */
	char create_url[SINK_HTTP_URL_MAX];  /* "" = no CREATE DATABASE */
	char create_body[1024];              /* form body for create_url */
	char auth_header[1200];    /* "Authorization: Token ..." or "" */
	char userpwd[2100];        /* "user:password" for basic auth or "" */
	char label[512];           /* for log lines: the URL, no credentials */
};

/* sink_http.c */
/*
 * Start the output: copy the target and the options, open the spool
 * (spool_dir/<name from the spec>) and start the thread.  0, or -1 with
 * err set; on success s->priv is the sink's state.
 */
int  sink_http_open(struct sink *s, const struct sink_http_target *t,
	const struct sink_options *o, char *err, size_t errlen);
int  sink_http_write(struct sink *s, const char *lines, size_t len);
int  sink_http_flush(struct sink *s, long timeout_ms);
void sink_http_close(struct sink *s);
void sink_http_get_stats(const struct sink *s, struct sink_stats *out);

/*
 * Split "http://HOST:PORT/a/b" into the base ("http://HOST:PORT") and the
 * path without its leading '/' ("a/b").  Only http:// and https://.
 * 0, or -1 with err set.
 */
int  sink_http_split_url(const char *url, char *base, size_t baselen,
	char *path, size_t pathlen, char *err, size_t errlen);
/*
 * out = base + path + "?k1=v1&k2=v2..." from kv = { k1, v1, k2, v2, ...,
 * NULL }, each value percent-encoded; a pair with an empty value is left
 * out (the first pair kept opens the query with '?').  0, or -1 when it
 * does not fit in outlen.
 */
int  sink_http_build_url(char *out, size_t outlen, const char *base,
	const char *path, const char *const *kv);
/* Append s percent-encoded for a query value (RFC 3986 unreserved kept). */
int  sink_http_query_escape(struct buf *b, const char *s);
/* gzip (RFC 1952) `len` bytes of `in` into `out` (reset first); 0 or -1. */
int  sink_gzip(const char *in, size_t len, struct buf *out);
/*
 * Where to cut a block of lines in two for a 413: the end of the line
 * that holds byte len/2 - 1 (the last of the first half), else the end of
 * the line before, so both halves are whole lines.  Returns a
 * length in (0, len) when the block has at least two lines, else len.
 */
size_t sink_batch_split(const char *lines, size_t len);
/* Length of the first `max_lines` lines of a block (all of it if fewer);
 * *nlines gets how many lines that is. */
size_t sink_batch_take(const char *lines, size_t len, uint64_t max_lines,
	uint64_t *nlines);

#endif
