/*
 * lp.h — InfluxDB line protocol, one point at a time, into a struct buf.
 *
 *     measurement[,tag=value...] field=value[,field=value...] timestamp\n
 *
 * Escaping is per element, as InfluxDB 1.x and 2.x parse it:
 *   measurement       ','  ' '           -> '\,'  '\ '
 *   tag key/value,
 *   field key         ','  '='  ' '      -> '\,'  '\='  '\ '
 *   string field      '"'  '\'           -> '\"'  '\\'
 * In the first three, a backslash at the end of the element cannot be
 * represented (the parser would read it as escaping the separator that
 * follows), so trailing backslashes are dropped; newline, carriage return
 * and tab are written as the two characters "\n", "\r", "\t" (Telegraf
 * does the same), since a raw newline ends the line.  A tag with an empty
 * key or value is left out: InfluxDB rejects it.
 *
 * Integers carry the 'i' suffix (InfluxDB 1.x does not accept 'u'); an
 * unsigned value above INT64_MAX is written as INT64_MAX.  NaN and
 * infinities have no line-protocol form: such a field is left out.  A
 * point that ends with no field at all is rolled back and not written.
 * So is a point whose measurement has no line-protocol form: empty once
 * escaped, or starting with '#' (InfluxDB skips such a line as a comment,
 * and a backslash before the '#' would stay part of the name).
 *
 * Usage:
 *     struct lp p;
 *     lp_begin(&p, &out, "container_cpu");
 *     lp_tag(&p, "host", host);            all tags before any field
 *     lp_field_i(&p, "usage_total", n);
 *     lp_end(&p, ts_ns);
 *
 * lp_begin_raw() starts a point from an already escaped prefix
 * ("measurement,tag=v,tag=v"), for callers that cache a container's tags.
 */
#ifndef HOIST_LP_H
#define HOIST_LP_H

#include <stdint.h>

#include "common/buf.h"

struct lp {
	struct buf *out;          /* borrowed */
	size_t      line_start;   /* where this point began in out */
	int         nfields;
	int         failed;       /* the buffer refused an append */
	int         unwritable;   /* the measurement cannot be written */
};

/* lp.c */
void lp_begin(struct lp *p, struct buf *out, const char *measurement);
void lp_begin_raw(struct lp *p, struct buf *out, const char *prefix,
	size_t len);
void lp_tag(struct lp *p, const char *key, const char *value);
void lp_field_i(struct lp *p, const char *key, int64_t v);
void lp_field_u(struct lp *p, const char *key, uint64_t v);
void lp_field_f(struct lp *p, const char *key, double v);
/* A float with at most `decimals` (0..6) fraction digits, trailing zeros
 * dropped: cheaper than lp_field_f for percentages and rates. */
void lp_field_fixed(struct lp *p, const char *key, double v, int decimals);
void lp_field_s(struct lp *p, const char *key, const char *v);
void lp_field_b(struct lp *p, const char *key, int v);
/*
 * Finish the point with a timestamp in ns (ts_ns < 0: none, the server
 * stamps it).  Returns 1 when a line was written, 0 when the point had no
 * field or no writable measurement and was rolled back, -1 when the
 * buffer was full (rolled back).
 */
int  lp_end(struct lp *p, int64_t ts_ns);

/* The escapers on their own, appending to b; 0 or -1 (buffer full). */
int  lp_escape_measurement(struct buf *b, const char *s);
int  lp_escape_key(struct buf *b, const char *s);   /* tag key/value, field key */
int  lp_escape_string(struct buf *b, const char *s); /* inside the quotes */

#endif
