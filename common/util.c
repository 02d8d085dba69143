/*
 * util.c — see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

void
str_copy_trunc(char *dst, const char *src, size_t size)
{
	size_t n = str_copy(dst, src, size);

	(void)n;     /* cut on purpose */
}

static int
only_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return *p == '\0';
}

int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	if (!only_blanks(end)) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_i64(const char *s, int64_t *out)
{
	long long v;
	char *end;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' &&
	    p[1] <= '9'))) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno == ERANGE)
		return -1;
	if (!only_blanks(end)) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_double(const char *s, double *out)
{
	double v;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE)
		return -1;
	if (end == s || !only_blanks(end) || v != v) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "1", "yes", "true", "on" };
	static const char *no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int64_t
now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
read_file(const char *path, size_t max, char **out, size_t *len)
{
	char *data = NULL, *p;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd, saved;

	*out = NULL;
	if (len != NULL)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			if (ncap > max + 1)
				ncap = max + 1;
			if (n + 1 >= ncap) {
				errno = EFBIG;
				goto fail;
			}
			p = realloc(data, ncap);
			if (p == NULL)
				goto fail;
			data = p;
			cap = ncap;
		}
		r = read(fd, data + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (data == NULL && (data = malloc(1)) == NULL)
		return -1;
	data[n] = '\0';
	*out = data;
	if (len != NULL)
		*len = n;
	return 0;
fail:
	saved = errno;
	free(data);
	close(fd);
	errno = saved;
	return -1;
}

ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t r;
	int fd;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, size - 1);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		buf[r] = '\0';
	close(fd);
	return r;
}

int
const_time_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = alen != blen;
	size_t i;

	/* Walk the whole of `a` whatever b's length is, so the time depends
	 * only on the length of the secret we hold. */
	for (i = 0; i < alen; i++)
		diff |= (unsigned char)(x[i] ^ (i < blen ? y[i] : 0));
	return diff == 0;
}

char *
str_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

long
str_bsearch(const void *base, size_t n, size_t size, size_t key_offset,
    const char *key)
{
	const char *b = base;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b + mid * size + key_offset, key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

void
text_line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}
