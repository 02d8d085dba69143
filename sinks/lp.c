/*
 * lp.c — see lp.h for the exact rules.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/lp.h"

/*
 * Escape `s` for an identifier element.  `seps` lists the characters that
 * get a backslash.  Runs of plain bytes are appended in one call.
 */
static int
escape_ident(struct buf *b, const char *s, const char *seps)
{
	size_t n = strlen(s), i, run = 0;
	const char *rep;

	while (n > 0 && s[n - 1] == '\\')
		n--;
	for (i = 0; i < n; i++) {
		char c = s[i];

		switch (c) {
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			rep = strchr(seps, c) != NULL && c != '\0' ? "" : NULL;
			break;
		}
		if (rep == NULL)
			continue;
		if (i > run && buf_append(b, s + run, i - run) != 0)
			return -1;
		if (rep[0] != '\0') {
			if (buf_append(b, rep, 2) != 0)
				return -1;
		} else {
			char esc[2] = { '\\', c };
			if (buf_append(b, esc, 2) != 0)
				return -1;
		}
		run = i + 1;
	}
	if (n > run && buf_append(b, s + run, n - run) != 0)
		return -1;
	return 0;
}

int
lp_escape_measurement(struct buf *b, const char *s)
{
	return escape_ident(b, s, ", ");
}

int
lp_escape_key(struct buf *b, const char *s)
{
	return escape_ident(b, s, ",= ");
}

int
lp_escape_string(struct buf *b, const char *s)
{
	size_t i, run = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (i > run && buf_append(b, s + run, i - run) != 0)
			return -1;
		{
			char esc[2] = { '\\', s[i] };
			if (buf_append(b, esc, 2) != 0)
				return -1;
		}
		run = i + 1;
	}
	if (i > run && buf_append(b, s + run, i - run) != 0)
		return -1;
	return 0;
}

/* An identifier that escapes to nothing (empty, or only backslashes). */
static int
empty_ident(const char *s)
{
	while (*s == '\\')
		s++;
	return *s == '\0';
}

void
lp_begin(struct lp *p, struct buf *out, const char *measurement)
{
	p->out = out;
	p->line_start = out->len;
	p->nfields = 0;
	p->failed = lp_escape_measurement(out, measurement) != 0;
}

void
lp_tag(struct lp *p, const char *key, const char *value)
{
	if (p->failed || value == NULL || empty_ident(key) ||
	    empty_ident(value))
		return;
	if (buf_putc(p->out, ',') != 0 || lp_escape_key(p->out, key) != 0 ||
	    buf_putc(p->out, '=') != 0 || lp_escape_key(p->out, value) != 0)
		p->failed = 1;
}

/* Write the separator and "key=" before a field's value. */
static int
field_key(struct lp *p, const char *key)
{
	if (p->failed || empty_ident(key))
		return -1;
	if (buf_putc(p->out, p->nfields == 0 ? ' ' : ',') != 0 ||
	    lp_escape_key(p->out, key) != 0 || buf_putc(p->out, '=') != 0) {
		p->failed = 1;
		return -1;
	}
	p->nfields++;
	return 0;
}

void
lp_field_i(struct lp *p, const char *key, int64_t v)
{
	char num[32];
	int n;

	if (field_key(p, key) != 0)
		return;
	n = snprintf(num, sizeof(num), "%" PRId64 "i", v);
	if (buf_append(p->out, num, (size_t)n) != 0)
		p->failed = 1;
}

void
lp_field_u(struct lp *p, const char *key, uint64_t v)
{
	lp_field_i(p, key, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

void
lp_field_f(struct lp *p, const char *key, double v)
{
	char num[40];
	double back;
	int n;

	if (!isfinite(v) || field_key(p, key) != 0)
		return;
	/* Shortest of %.15g / %.17g that reads back to the same double. */
	n = snprintf(num, sizeof(num), "%.15g", v);
	back = strtod(num, NULL);
	if (back != v)
		n = snprintf(num, sizeof(num), "%.17g", v);
	if (buf_append(p->out, num, (size_t)n) != 0)
		p->failed = 1;
}

void
lp_field_s(struct lp *p, const char *key, const char *v)
{
	if (v == NULL || field_key(p, key) != 0)
		return;
	if (buf_putc(p->out, '"') != 0 || lp_escape_string(p->out, v) != 0 ||
	    buf_putc(p->out, '"') != 0)
		p->failed = 1;
}

void
lp_field_b(struct lp *p, const char *key, int v)
{
	if (field_key(p, key) != 0)
		return;
	if (buf_puts(p->out, v ? "true" : "false") != 0)
		p->failed = 1;
}

int
lp_end(struct lp *p, int64_t ts_ns)
{
	char num[32];
	int n;

	if (!p->failed && p->nfields > 0) {
		if (ts_ns >= 0) {
			n = snprintf(num, sizeof(num), " %" PRId64 "\n", ts_ns);
			if (buf_append(p->out, num, (size_t)n) == 0)
				return 1;
		} else if (buf_putc(p->out, '\n') == 0)
			return 1;
	}
	/* Roll back: nothing of this point stays in the buffer. */
	p->out->len = p->line_start;
	if (p->out->data != NULL)
		p->out->data[p->out->len] = '\0';
	return p->failed ? -1 : 0;
}
