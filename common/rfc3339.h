/*
 * rfc3339.h — the one RFC 3339 time parser and formatter (Docker's
 * StartedAt, Marathon's startedAt, the times in both daemons' JSON).
 * Pure: no clock, no locale, no globals.
 */
#ifndef HOIST_RFC3339_H
#define HOIST_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* "2015-01-06T15:47:32.072697474Z" and the NUL. */
#define RFC3339_MAX 36

/* rfc3339.c */
/*
 * Parse an RFC 3339 date-time (section 5.6):
 *
 *     2015-01-06T15:47:32.072697474Z
 *     2015-01-06T17:47:32.5+02:00
 *
 * 'T' and 'Z' in either case; a fraction of any length (the first 9
 * digits are used); "Z" or a "+hh:mm" / "-hh:mm" offset, required; the
 * day must exist in its month (2023-02-29 is refused, 2024-02-29 is not);
 * second 60 (a leap second) reads as the next second.  Nothing may
 * follow.  Returns 0 and *ns since the epoch, or -1 (*ns = 0).  Times
 * before 1970 give 0 with *ns = 0: Docker writes "0001-01-01T00:00:00Z"
 * for "never started".  Times past 2262 (out of int64 nanoseconds) are -1.
 */
int    rfc3339_parse(const char *s, int64_t *ns);
/*
 * Format ns (since the epoch; negative counts as 0) in UTC with
 * `frac_digits` fraction digits (0, 3, 6 or 9; others are taken as 0):
 * "2015-01-06T15:47:32Z", "2015-01-06T15:47:32.072Z".  The fraction is
 * cut, not rounded.  Returns the length, or 0 when dst is too small (dst
 * is then "" if size > 0).
 */
size_t rfc3339_format(char *dst, size_t size, int64_t ns, int frac_digits);

#endif
