/*
 * scan.h — the byte scanners the collector's parsers share (cgroup files,
 * /proc files).  Each works on [*pp, end) of a buffer that need not be
 * NUL-terminated, never reads past `end`, and advances *pp only on
 * success.  Pure: no I/O, no allocation.
 */
#ifndef HOIST_COLLECTOR_SCAN_H
#define HOIST_COLLECTOR_SCAN_H

#include <stdint.h>

/* scan.c */
/* Decimal digits at *pp (no sign), up to the first non-digit, into *out.
 * 0, or -1 when there is no digit or the value does not fit 64 bits. */
int         scan_u64(const char **pp, const char *end, uint64_t *out);
/* [p, end) is one decimal number, nothing before or after it: 0, or -1
 * (also on overflow). */
int         scan_u64_whole(const char *p, const char *end, uint64_t *out);
/* "12" or "0.25" (no sign, no exponent) into *out; fraction digits past
 * the 15th are ignored.  0, or -1 (no digit, or "12." with no fraction). */
int         scan_decimal(const char **pp, const char *end, double *out);
/* The first byte at or after p that is not a space or a tab (or end). */
const char *scan_skip_blanks(const char *p, const char *end);

#endif
