/*
 * jsonw.h — a small streaming JSON writer into a struct buf.
 *
 * It writes as it goes, with no tree in memory, so a reply of a thousand
 * containers costs one growing buffer and nothing else; the buffer's own
 * hard cap bounds it.  The writer puts the commas in: the caller says
 * what comes next (begin/end of an object or array, a key, a value).
 *
 * Strings are written as valid JSON whatever the input bytes are: '"',
 * '\' and control characters are escaped, and a byte that is not part of
 * a well-formed UTF-8 sequence becomes U+FFFD, so a label value from a
 * container cannot break the reply.  A double that is NaN or infinite has
 * no JSON form and is written as null.
 *
 * Errors are sticky: once the buffer refuses an append, `failed` is set
 * and every later call does nothing.  Check it once at the end.
 *
 * Usage:
 *     struct jsonw w;
 *     jsonw_init(&w, &out);
 *     jsonw_obj_begin(&w);
 *     jsonw_key(&w, "id"); jsonw_str(&w, id);
 *     jsonw_kv_u64(&w, "usage_ns", n);
 *     jsonw_obj_end(&w);
 *     if (w.failed) ...
 */
#ifndef HOIST_JSONW_H
#define HOIST_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define JSONW_DEPTH_MAX 32

/* Enough for any double printed by jsonw_fmt_double, with the NUL. */
#define JSONW_DOUBLE_MAX 32

struct jsonw {
	struct buf *out;            /* borrowed */
	unsigned    depth;
	int         after_key;      /* a key was written, its value is due */
	int         failed;
	int         err;            /* errno of the failure: ENOSPC, ENOMEM */
	unsigned char first[JSONW_DEPTH_MAX]; /* nothing written yet at depth */
};

/* jsonw.c */
void jsonw_init(struct jsonw *w, struct buf *out);
void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s);
/* NULL and "" are written as null. */
void jsonw_str_or_null(struct jsonw *w, const char *s);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);
/* Key and value in one call. */
void jsonw_kv_str(struct jsonw *w, const char *key, const char *s);
void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_kv_double(struct jsonw *w, const char *key, double v);
/* The double when `valid`, else null. */
void jsonw_kv_double_or_null(struct jsonw *w, const char *key, int valid,
	double v);

/*
 * Append s as the body of a JSON string (no quotes) to b: escaped, and
 * invalid UTF-8 replaced by U+FFFD.  0, or -1 when b is full.
 */
int  jsonw_escape(struct buf *b, const char *s);
/*
 * Length of the well-formed UTF-8 sequence at s (1 to 4), or 0 when the
 * bytes there are not one: a stray continuation byte, an overlong form, a
 * surrogate, a code point above U+10FFFF, a sequence cut short by the NUL.
 */
size_t jsonw_utf8_seq_len(const unsigned char *s);
/*
 * The shortest of %.15g, %.16g, %.17g that reads back as exactly v, into
 * dst (at least JSONW_DOUBLE_MAX bytes).  NaN and infinities are written
 * as "NaN", "+Inf", "-Inf" (Prometheus spelling); JSON callers check
 * isfinite() first.  Returns the length.
 */
size_t jsonw_fmt_double(char *dst, size_t size, double v);

#endif
