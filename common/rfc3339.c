/*
 * rfc3339.c — see rfc3339.h.
 */
#include <stdio.h>
#include <string.h>

#include "common/rfc3339.h"

#define NS_PER_S 1000000000LL

/* Read exactly n digits; returns the value or -1. */
static int
digits(const char **sp, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (**sp < '0' || **sp > '9')
			return -1;
		v = v * 10 + (**sp - '0');
		(*sp)++;
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse (civil_from_days). */
static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* "YYYY-MM-DD" -> days since the epoch; -1 when malformed. */
static int
parse_date(const char **sp, int64_t *days)
{
	int y, m, d;

	if ((y = digits(sp, 4)) < 0 || *(*sp)++ != '-' ||
	    (m = digits(sp, 2)) < 0 || *(*sp)++ != '-' ||
	    (d = digits(sp, 2)) < 0)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* "hh:mm:ss" -> seconds of the day (a leap second 60 allowed). */
static int
parse_clock(const char **sp, int64_t *secs)
{
	int h, m, s;

	if ((h = digits(sp, 2)) < 0 || *(*sp)++ != ':' ||
	    (m = digits(sp, 2)) < 0 || *(*sp)++ != ':' ||
	    (s = digits(sp, 2)) < 0)
		return -1;
	if (h > 23 || m > 59 || s > 60)
		return -1;
	*secs = h * 3600 + m * 60 + s;
	return 0;
}

/* Optional ".ddd..." -> nanoseconds (first 9 digits). */
static int
parse_fraction(const char **sp, int64_t *frac)
{
	int n;

	*frac = 0;
	if (**sp != '.')
		return 0;
	(*sp)++;
	for (n = 0; **sp >= '0' && **sp <= '9'; (*sp)++, n++)
		if (n < 9)
			*frac = *frac * 10 + (**sp - '0');
	if (n == 0)
		return -1;
	for (; n < 9; n++)
		*frac *= 10;
	return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm" -> seconds east of UTC. */
static int
parse_offset(const char **sp, int64_t *off)
{
	int sign, h, m;

	if (**sp == 'Z' || **sp == 'z') {
		(*sp)++;
		*off = 0;
		return 0;
	}
	if (**sp != '+' && **sp != '-')
		return -1;
	sign = *(*sp)++ == '+' ? 1 : -1;
	if ((h = digits(sp, 2)) < 0 || *(*sp)++ != ':' ||
	    (m = digits(sp, 2)) < 0 || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

int
rfc3339_parse(const char *s, int64_t *ns)
{
	int64_t days, clock, frac, off, secs;

	*ns = 0;
	if (s == NULL || parse_date(&s, &days) != 0 ||
	    (*s != 'T' && *s != 't'))
		return -1;
	s++;
	if (parse_clock(&s, &clock) != 0 || parse_fraction(&s, &frac) != 0 ||
	    parse_offset(&s, &off) != 0 || *s != '\0')
		return -1;
	secs = days * 86400 + clock - off;
	if (secs < 0)
		return 0;       /* never started: "0001-01-01T00:00:00Z" */
	if (secs > INT64_MAX / NS_PER_S - 1)
		return -1;
	*ns = secs * NS_PER_S + frac;
	return 0;
}

size_t
rfc3339_format(char *dst, size_t size, int64_t ns, int frac_digits)
{
	static const int64_t div[10] = { 0, 0, 0, 1000000, 0, 0, 1000, 0, 0,
	    1 };
	int64_t secs, days, sod, frac;
	unsigned m, d;
	int y, n;

	if (ns < 0)
		ns = 0;
	if (frac_digits < 0 || frac_digits > 9 || div[frac_digits] == 0)
		frac_digits = 0;
	secs = ns / NS_PER_S;
	days = secs / 86400;
	sod = secs % 86400;
	civil_from_days(days, &y, &m, &d);
	if (frac_digits == 0)
		n = snprintf(dst, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m,
		    d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	else {
		frac = ns % NS_PER_S / div[frac_digits];
		n = snprintf(dst, size, "%04d-%02u-%02uT%02d:%02d:%02d.%0*lldZ",
		    y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
		    (int)(sod % 60), frac_digits, (long long)frac);
	}
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			dst[0] = '\0';
		return 0;
	}
	return (size_t)n;
}
