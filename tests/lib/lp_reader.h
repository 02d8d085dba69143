/*
 * lp_reader.h — a small reader of InfluxDB line protocol, for the tests
 * and the fuzz harness (tests/unit/test_lp.c, tests/fuzz/fuzz_lp.c): it
 * follows InfluxDB 1.x's rules (models/points.go) so that what hoist
 * writes can be read back the way the server reads it.  test_lp.c checks
 * it against every case of InfluxDB's own parse tests
 * (tests/fixtures/influxdb/parse_cases_points_test_1x.json).
 *
 * An element ends at a separator not preceded by a backslash;
 * measurements unescape "\," and "\ "; tag keys, tag values and field
 * keys also "\="; string fields "\"" and "\\".  Header-only (static
 * functions): include it in one file of a program.
 */
#ifndef HOIST_LP_READER_H
#define HOIST_LP_READER_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LPR_MAX 16
#define LPR_STR 512

struct lpr_kv {
	char   key[LPR_STR];
	char   val[LPR_STR];      /* unescaped; numbers as written */
	char   type;              /* 'i' integer, 'f' float, 's', 'b' */
};

struct lpr_point {
	char          meas[LPR_STR];
	int           ntags, nfields;
	struct lpr_kv tags[LPR_MAX], fields[LPR_MAX];
	int64_t       ts;         /* 0 when absent */
};

/* Scan an element up to a separator in `stops` that is not preceded by a
 * backslash, then unescape "\X" for X in `escapable`.  -1 if empty or it
 * does not fit. */
static inline int
lpr_ident(const char **pp, const char *end, const char *stops,
    const char *escapable, char *out)
{
	const char *start = *pp, *p = *pp;
	size_t o = 0;

	while (p < end && *p != '\n' && !(strchr(stops, *p) != NULL &&
	    (p == start || p[-1] != '\\')))
		p++;
	if (p == start)
		return -1;
	for (; start < p; start++) {
		if (o + 1 >= LPR_STR)
			return -1;
		if (*start == '\\' && start + 1 < p &&
		    strchr(escapable, start[1]) != NULL)
			start++;
		out[o++] = *start;
	}
	out[o] = '\0';
	*pp = p;
	return 0;
}

static inline int
lpr_field_value(const char **pp, const char *end, struct lpr_kv *f)
{
	const char *p = *pp;
	size_t o = 0, n;

	if (p < end && *p == '"') {
		/* Strings: a backslash takes the next byte with it. */
		for (p++; p < end && *p != '"'; p++) {
			if (o + 1 >= LPR_STR)
				return -1;
			if (*p == '\\' && p + 1 < end && (p[1] == '"' ||
			    p[1] == '\\'))
				p++;
			f->val[o++] = *p;
		}
		if (p >= end)
			return -1;
		f->val[o] = '\0';
		f->type = 's';
		*pp = p + 1;
		return 0;
	}
	while (p < end && *p != ',' && *p != ' ' && *p != '\n')
		p++;
	n = (size_t)(p - *pp);
	if (n == 0 || n >= LPR_STR)
		return -1;
	memcpy(f->val, *pp, n);
	f->val[n] = '\0';
	if (f->val[n - 1] == 'i') {
		char *e;
		f->val[n - 1] = '\0';
		(void)strtoll(f->val, &e, 10);
		if (*e != '\0' || f->val[0] == '\0')
			return -1;
		f->type = 'i';
	} else if (strcmp(f->val, "t") == 0 || strcmp(f->val, "true") == 0 ||
	    strcmp(f->val, "T") == 0 || strcmp(f->val, "TRUE") == 0 ||
	    strcmp(f->val, "True") == 0 || strcmp(f->val, "f") == 0 ||
	    strcmp(f->val, "false") == 0 || strcmp(f->val, "F") == 0 ||
	    strcmp(f->val, "FALSE") == 0 || strcmp(f->val, "False") == 0) {
		f->type = 'b';
	} else {
		char *e;
		double d = strtod(f->val, &e);
		if (*e != '\0' || !isfinite(d))
			return -1;
		f->type = 'f';
	}
	*pp = p;
	return 0;
}

/* Parse one line (up to '\n' or end).  0 or -1. */
static inline int
lpr_parse(const char *s, size_t len, struct lpr_point *pt)
{
	const char *p = s, *end = s + len;

	memset(pt, 0, sizeof(*pt));
	if (lpr_ident(&p, end, ", ", ", ", pt->meas) != 0)
		return -1;
	while (p < end && *p == ',') {
		struct lpr_kv *t;
		if (pt->ntags == LPR_MAX)
			return -1;
		t = &pt->tags[pt->ntags++];
		p++;
		if (lpr_ident(&p, end, ",= ", ",= ", t->key) != 0 ||
		    p >= end || *p != '=')
			return -1;
		p++;
		if (lpr_ident(&p, end, ", ", ",= ", t->val) != 0)
			return -1;
	}
	if (p >= end || *p != ' ')
		return -1;
	do {
		struct lpr_kv *f;
		if (pt->nfields == LPR_MAX)
			return -1;
		f = &pt->fields[pt->nfields++];
		p++;
		if (lpr_ident(&p, end, ",= ", ",= ", f->key) != 0 ||
		    p >= end || *p != '=')
			return -1;
		p++;
		if (lpr_field_value(&p, end, f) != 0)
			return -1;
	} while (p < end && *p == ',');
	if (p < end && *p == ' ') {
		char *e;
		p++;
		pt->ts = strtoll(p, &e, 10);
		if (e == p)
			return -1;
		p = e;
	}
	if (p < end && *p == '\n')
		p++;
	return p == end ? 0 : -1;
}

/* What a reader gets back from an identifier we escaped: trailing
 * backslashes dropped, newline/CR/tab as the two characters "\n" ... */
static inline void
ident_expect(const char *in, char *out, size_t size)
{
	size_t n = strlen(in), o = 0, i;

	while (n > 0 && in[n - 1] == '\\')
		n--;
	for (i = 0; i < n && o + 3 < size; i++) {
		char c = in[i];
		if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else
			out[o++] = c;
	}
	out[o] = '\0';
}

#endif
