/*
 * fuzz_lp.c — libFuzzer harness for line-protocol writing (sinks/lp.c)
 * with a round-trip property: every string hoist escapes comes back from
 * a line-protocol reader that follows InfluxDB 1.x's rules
 * (tests/lib/lp_reader.h, itself checked against InfluxDB's parse cases
 * in test_lp.c) as the same string, up to the documented changes
 * (lp.h: trailing backslashes of an identifier dropped, newline, CR and
 * tab written as "\n", "\r", "\t"; ident_expect() applies them).
 *
 * Input: 8 bytes of a double and 8 of an int64 (little-endian; zero when
 * the input is shorter), then NUL-separated strings: measurement, tag key,
 * tag value, field key, string field value (missing ones get defaults,
 * each cut to 200 bytes).  The point written: measurement,tag
 * key=int,s="string",f=double,x=double with 2 decimals, timestamp.
 * Checked: the line is one line and reads back to exactly those values; a
 * measurement with no line-protocol form (empty once escaped, or starting
 * with '#', which InfluxDB reads as a comment) writes no line at all.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "sinks/lp.h"
#include "tests/lib/lp_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_STR 200
#define FZ_NSTR 5

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Split data into up to FZ_NSTR NUL-terminated strings (defaults when
 * absent), each at most FZ_STR bytes. */
static void
split(const uint8_t *data, size_t size, char s[FZ_NSTR][FZ_STR + 1])
{
	static const char *const def[FZ_NSTR] = { "m", "k", "v", "n", "s" };
	size_t i, n;

	for (i = 0; i < FZ_NSTR; i++) {
		const uint8_t *nul = memchr(data, '\0', size);

		if (size == 0 && i > 0) {
			snprintf(s[i], FZ_STR + 1, "%s", def[i]);
			continue;
		}
		n = nul != NULL ? (size_t)(nul - data) : size;
		memcpy(s[i], data, n < FZ_STR ? n : FZ_STR);
		s[i][n < FZ_STR ? n : FZ_STR] = '\0';
		data += n;
		size -= n;
		if (nul != NULL) {
			data++;
			size--;
		}
	}
}

/* A tag or key lp writes: not empty once trailing backslashes go. */
static int
writable(const char *s)
{
	while (*s == '\\')
		s++;
	return *s != '\0';
}

static void
check(const struct buf *b, char s[FZ_NSTR][FZ_STR + 1], double d,
    int64_t iv, int64_t ts)
{
	char want[LPR_STR];
	struct lpr_point pt;
	int k = 0, tag = writable(s[1]) && writable(s[2]);

	if (memchr(b->data, '\n', b->len) != b->data + b->len - 1 &&
	    strchr(s[4], '\n') == NULL)
		abort();    /* one line (a string field may hold a newline) */
	if (lpr_parse(b->data, b->len, &pt) != 0)
		abort();    /* what we write, InfluxDB must read */
	ident_expect(s[0], want, sizeof(want));
	if (strcmp(pt.meas, want) != 0 || pt.ntags != tag || pt.ts != ts)
		abort();
	if (tag) {
		ident_expect(s[1], want, sizeof(want));
		if (strcmp(pt.tags[0].key, want) != 0)
			abort();
		ident_expect(s[2], want, sizeof(want));
		if (strcmp(pt.tags[0].val, want) != 0)
			abort();
	}
	if (writable(s[3])) {
		ident_expect(s[3], want, sizeof(want));
		if (strcmp(pt.fields[k].key, want) != 0 ||
		    pt.fields[k].type != 'i' ||
		    strtoll(pt.fields[k].val, NULL, 10) != iv)
			abort();
		k++;
	}
	if (strcmp(pt.fields[k].key, "s") != 0 || pt.fields[k].type != 's' ||
	    strcmp(pt.fields[k].val, s[4]) != 0)
		abort();    /* a string field keeps every byte */
	k++;
	if (isfinite(d)) {
		if (strcmp(pt.fields[k].key, "f") != 0 ||
		    pt.fields[k].type != 'f' ||
		    strtod(pt.fields[k].val, NULL) != d)
			abort();    /* a float reads back exactly */
		k++;
		if (strcmp(pt.fields[k].key, "x") != 0 ||
		    pt.fields[k].type != 'f' || (fabs(d) < 1e12 &&
		    fabs(strtod(pt.fields[k].val, NULL) - d) > 0.005 +
		    fabs(d) * 1e-15))
			abort();
		k++;
	}
	if (pt.nfields != k)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[FZ_NSTR][FZ_STR + 1];
	uint64_t bits = 0;
	int64_t iv = 0, ts;
	struct buf b;
	struct lp p;
	double d;
	int rc, want;

	if (size >= 16) {
		bits = le64(data);
		iv = (int64_t)le64(data + 8);
		data += 16;
		size -= 16;
	}
	memcpy(&d, &bits, sizeof(d));
	ts = iv < 0 ? -1 : iv;
	split(data, size, s);
	buf_init(&b, 1 << 16);
	lp_begin(&p, &b, s[0]);
	lp_tag(&p, s[1], s[2]);
	lp_field_i(&p, s[3], iv);
	lp_field_s(&p, "s", s[4]);
	lp_field_f(&p, "f", d);
	lp_field_fixed(&p, "x", d, 2);
	rc = lp_end(&p, ts);
	want = writable(s[0]) && s[0][0] != '#';
	if (rc != want)
		abort();
	if (rc == 1)
		check(&b, s, d, iv, ts < 0 ? 0 : ts);
	else if (b.len != 0)
		abort();    /* rolled back */
	buf_free(&b);
	return 0;
}
