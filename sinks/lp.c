/*
 * lp.c — see lp.h for the exact rules.
 */
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

		/* Fast path: letters, digits and most punctuation. */
		if ((unsigned char)c > ' ' && c != ',' && c != '=')
			continue;
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
	size_t i, run = 0, plain = strcspn(s, "\"\\");

	if (s[plain] == '\0')          /* nothing to escape: one copy */
		return buf_append(b, s, plain);

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

/* Length of key when it needs no escaping at all (every byte above a
 * space, none of ',' '=' '\\'), else 0.  The field names the collector
 * writes, ~80 per container per sweep, all take this path. */
static size_t
plain_key_len(const char *key)
{
	size_t n;

	for (n = 0; key[n] != '\0'; n++) {
		unsigned char c = (unsigned char)key[n];
		if (c <= ' ' || c == ',' || c == '=' || c == '\\')
			return 0;
	}
	return n;
}

void
lp_begin(struct lp *p, struct buf *out, const char *measurement)
{
	size_t n = plain_key_len(measurement);

	p->out = out;
	p->line_start = out->len;
	p->nfields = 0;
	/* Found by fuzz_lp: such a line is rejected or skipped by InfluxDB
	 * (lp.h); the point is rolled back instead. */
	p->unwritable = empty_ident(measurement) || measurement[0] == '#';
	p->failed = (n > 0 ? buf_append(out, measurement, n) :
	    lp_escape_measurement(out, measurement)) != 0;
}

void
lp_begin_raw(struct lp *p, struct buf *out, const char *prefix, size_t len)
{
	p->out = out;
	p->line_start = out->len;
	p->nfields = 0;
	p->unwritable = 0;
	p->failed = buf_append(out, prefix, len) != 0;
}

void
lp_tag(struct lp *p, const char *key, const char *value)
{
	size_t kn, vn;

	if (p->failed || value == NULL || empty_ident(key) ||
	    empty_ident(value))
		return;
	kn = plain_key_len(key);
	vn = plain_key_len(value);
	if (kn > 0 && vn > 0) {
		/* Neither needs escaping: ",key=value" in one reservation. */
		if (buf_reserve(p->out, kn + vn + 2) != 0) {
			p->failed = 1;
			return;
		}
		p->out->data[p->out->len++] = ',';
		memcpy(p->out->data + p->out->len, key, kn);
		p->out->len += kn;
		p->out->data[p->out->len++] = '=';
		memcpy(p->out->data + p->out->len, value, vn);
		p->out->len += vn;
		p->out->data[p->out->len] = '\0';
		return;
	}
	if (buf_putc(p->out, ',') != 0 || lp_escape_key(p->out, key) != 0 ||
	    buf_putc(p->out, '=') != 0 || lp_escape_key(p->out, value) != 0)
		p->failed = 1;
}

/* Write the separator and "key=" before a field's value. */
static int
field_key(struct lp *p, const char *key)
{
	size_t n;

	if (p->failed)
		return -1;
	if ((n = plain_key_len(key)) > 0) {
		/* One reservation, no escaping: the same bytes as below. */
		if (buf_reserve(p->out, n + 2) != 0) {
			p->failed = 1;
			return -1;
		}
		p->out->data[p->out->len++] = p->nfields == 0 ? ' ' : ',';
		memcpy(p->out->data + p->out->len, key, n);
		p->out->len += n;
		p->out->data[p->out->len++] = '=';
		p->out->data[p->out->len] = '\0';
		p->nfields++;
		return 0;
	}
	if (empty_ident(key))
		return -1;
	if (buf_putc(p->out, p->nfields == 0 ? ' ' : ',') != 0 ||
	    lp_escape_key(p->out, key) != 0 || buf_putc(p->out, '=') != 0) {
		p->failed = 1;
		return -1;
	}
	p->nfields++;
	return 0;
}

/* Decimal digits of v, right-aligned ending at end; returns the start.
 * Two digits a division (the sweep writes ~90 numbers per container). */
static char *
u64_digits(char *end, uint64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";

	while (v >= 100) {
		const char *d = pairs + (v % 100) * 2;
		v /= 100;
		*--end = d[1];
		*--end = d[0];
	}
	if (v >= 10) {
		*--end = pairs[v * 2 + 1];
		*--end = pairs[v * 2];
	} else
		*--end = (char)('0' + v);
	return end;
}

/* Write a whole field, " key=value" or ",key=value", value already in
 * text: key and value in one reservation when the key needs no escaping
 * (the same bytes as field_key then buf_append). */
static void
put_field(struct lp *p, const char *key, const char *val, size_t vn)
{
	size_t kn;
	char *d;

	if (p->failed)
		return;
	if ((kn = plain_key_len(key)) == 0) {
		if (field_key(p, key) == 0 && buf_append(p->out, val, vn) != 0)
			p->failed = 1;
		return;
	}
	if (buf_reserve(p->out, kn + vn + 2) != 0) {
		p->failed = 1;
		return;
	}
	d = p->out->data + p->out->len;
	*d++ = p->nfields == 0 ? ' ' : ',';
	memcpy(d, key, kn);
	d += kn;
	*d++ = '=';
	memcpy(d, val, vn);
	d[vn] = '\0';
	p->out->len += kn + vn + 2;
	p->nfields++;
}

void
lp_field_i(struct lp *p, const char *key, int64_t v)
{
	char num[32], *end = num + sizeof(num), *s;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*--end = 'i';
	s = u64_digits(end, u);
	if (v < 0)
		*--s = '-';
	put_field(p, key, s, (size_t)(num + sizeof(num) - s));
}

void
lp_field_fixed(struct lp *p, const char *key, double v, int decimals)
{
	static const double pow10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	char num[48], *end = num + sizeof(num), *s;
	uint64_t scaled, ip, fp;
	int neg = v < 0, i;

	if (!isfinite(v) || decimals < 0 || decimals > 6 ||
	    fabs(v) >= 1e12) {
		lp_field_f(p, key, v);
		return;
	}
	scaled = (uint64_t)(fabs(v) * pow10[decimals] + 0.5);
	ip = scaled / (uint64_t)pow10[decimals];
	fp = scaled % (uint64_t)pow10[decimals];
	/* Fraction digits without trailing zeros; "12" stays a float in
	 * line protocol since it has no 'i'. */
	for (i = decimals; i > 0 && fp % 10 == 0; i--)
		fp /= 10;
	s = end;
	if (i > 0) {
		for (; i > 0; i--) {
			*--s = (char)('0' + fp % 10);
			fp /= 10;
		}
		*--s = '.';
	}
	s = u64_digits(s, ip);
	if (neg && scaled != 0)
		*--s = '-';
	put_field(p, key, s, (size_t)(end - s));
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

	if (!p->failed && !p->unwritable && p->nfields > 0) {
		if (ts_ns >= 0) {
			char *end = num + sizeof(num), *s;
			*--end = '\n';
			s = u64_digits(end, (uint64_t)ts_ns);
			*--s = ' ';
			n = (int)(num + sizeof(num) - s);
			if (buf_append(p->out, s, (size_t)n) == 0)
				return 1;
		} else if (buf_putc(p->out, '\n') == 0)
			return 1;
		p->failed = 1;      /* no room for the end of the line */
	}
	/* Roll back: nothing of this point stays in the buffer. */
	p->out->len = p->line_start;
	if (p->out->data != NULL)
		p->out->data[p->out->len] = '\0';
	return p->failed ? -1 : 0;
}
