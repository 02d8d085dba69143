/*
 * jsonw.c — see jsonw.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/jsonw.h"

void
jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = 1;
}

static void
put(struct jsonw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (buf_append(w->out, s, n) != 0) {
		w->failed = 1;
		w->err = errno;
	}
}

/*
 * Before any value or key: the comma that separates it from the one
 * before, unless it is the value of a key just written.
 */
static void
separate(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
}

static void
open_level(struct jsonw *w, char c)
{
	separate(w);
	if (w->depth + 1 >= JSONW_DEPTH_MAX) {
		/* A broken invariant of the caller, not outside input. */
		w->failed = 1;
		w->err = EOVERFLOW;
		return;
	}
	put(w, &c, 1);
	w->depth++;
	w->first[w->depth] = 1;
}

static void
close_level(struct jsonw *w, char c)
{
	if (w->depth == 0) {
		w->failed = 1;
		w->err = EINVAL;
		return;
	}
	w->depth--;
	put(w, &c, 1);
}

void
jsonw_obj_begin(struct jsonw *w)
{
	open_level(w, '{');
}

void
jsonw_obj_end(struct jsonw *w)
{
	close_level(w, '}');
}

void
jsonw_arr_begin(struct jsonw *w)
{
	open_level(w, '[');
}

void
jsonw_arr_end(struct jsonw *w)
{
	close_level(w, ']');
}

/*
 * Length of the well-formed UTF-8 sequence at s (1 to 4), or 0 when the
 * bytes there are not one (stray continuation byte, overlong form,
 * surrogate, above U+10FFFF, cut short).
 */
size_t
jsonw_utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;                       /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;                       /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;                       /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;                       /* above U+10FFFF */
		return 4;
	}
	return 0;
}

int
jsonw_escape(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, n;
	char esc[8];

	/* Copy runs of plain bytes in one append; escape the rest. */
	while (p[run] != '\0') {
		unsigned char c = p[run];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			continue;
		}
		if (c >= 0x80 && (n = jsonw_utf8_seq_len(p + run)) > 0) {
			run += n;
			continue;
		}
		if (run > 0 && buf_append(b, p, run) != 0)
			return -1;
		p += run;
		run = 0;
		switch (c) {
		case '"':  memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default:
			if (c < 0x20)
				snprintf(esc, sizeof(esc), "\\u%04x", c);
			else
				memcpy(esc, "\\ufffd", 7);
			break;
		}
		if (buf_puts(b, esc) != 0)
			return -1;
		p++;
	}
	if (run > 0 && buf_append(b, p, run) != 0)
		return -1;
	return 0;
}

static void
put_string(struct jsonw *w, const char *s)
{
	put(w, "\"", 1);
	if (!w->failed && jsonw_escape(w->out, s) != 0) {
		w->failed = 1;
		w->err = errno;
	}
	put(w, "\"", 1);
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	separate(w);
	put_string(w, key);
	put(w, ":", 1);
	w->after_key = 1;
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	separate(w);
	put_string(w, s != NULL ? s : "");
}

void
jsonw_str_or_null(struct jsonw *w, const char *s)
{
	if (s == NULL || s[0] == '\0')
		jsonw_null(w);
	else
		jsonw_str(w, s);
}

void
jsonw_u64(struct jsonw *w, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	separate(w);
	put(w, num, (size_t)n);
}

void
jsonw_i64(struct jsonw *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	separate(w);
	put(w, num, (size_t)n);
}

size_t
jsonw_fmt_double(char *dst, size_t size, double v)
{
	/* The shortest of these precisions that reads back as v. */
	static const int prec[] = { 15, 16, 17 };
	size_t i;
	int n = 0;

	if (isnan(v))
		return (size_t)snprintf(dst, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(dst, size, v > 0 ? "+Inf" : "-Inf");
	for (i = 0; i < sizeof(prec) / sizeof(prec[0]); i++) {
		n = snprintf(dst, size, "%.*g", prec[i], v);
		if (n < 0 || (size_t)n >= size)
			break;
		if (strtod(dst, NULL) == v)
			break;
	}
	return n < 0 ? 0 : (size_t)n;
}

void
jsonw_double(struct jsonw *w, double v)
{
	char num[JSONW_DOUBLE_MAX];
	size_t n;

	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	n = jsonw_fmt_double(num, sizeof(num), v);
	separate(w);
	put(w, num, n);
}

void
jsonw_bool(struct jsonw *w, int v)
{
	separate(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	separate(w);
	put(w, "null", 4);
}

void
jsonw_kv_str(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void
jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_u64(w, v);
}

void
jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_i64(w, v);
}

void
jsonw_kv_double(struct jsonw *w, const char *key, double v)
{
	jsonw_key(w, key);
	jsonw_double(w, v);
}

void
jsonw_kv_double_or_null(struct jsonw *w, const char *key, int valid, double v)
{
	jsonw_key(w, key);
	if (valid)
		jsonw_double(w, v);
	else
		jsonw_null(w);
}
