/*
 * scan.c — see scan.h.  These run for every container on every sweep, so
 * they walk the bytes once, without sscanf or strtoull.
 */
#include "collector/scan.h"

int
scan_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		/* v * 10 + d > UINT64_MAX, without a division a digit. */
		if (v >= UINT64_MAX / 10 &&
		    (v > UINT64_MAX / 10 || d > UINT64_MAX % 10))
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

int
scan_u64_whole(const char *p, const char *end, uint64_t *out)
{
	return scan_u64(&p, end, out) != 0 || p != end ? -1 : 0;
}

int
scan_decimal(const char **pp, const char *end, double *out)
{
	const char *p = *pp;
	uint64_t ip, fp = 0;
	double scale = 1;

	if (scan_u64(&p, end, &ip) != 0)
		return -1;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (scale < 1e15) {
				fp = fp * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	*out = (double)ip + (double)fp / scale;
	*pp = p;
	return 0;
}

const char *
scan_skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}
