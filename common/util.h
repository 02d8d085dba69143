/*
 * util.h — small helpers every part needs: bounded string copy, strict
 * number parsing (no atoi), clocks, whole-file reads with a cap.
 */
#ifndef HOIST_UTIL_H
#define HOIST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* util.c */
/*
 * Copy at most size-1 bytes and NUL-terminate; returns strlen(src) so a
 * caller can detect truncation (BSD strlcpy): `>= size` means cut.  The
 * result must be looked at: where a cut value would be wrong rather than
 * merely shorter (an id, a path, a URL, a token, an image name) a
 * too-long input is an error.  Where a shorter copy is what is wanted
 * (a message, a log line's text), say so with str_copy_trunc().
 */
size_t   str_copy(char *dst, const char *src, size_t size)
	__attribute__((warn_unused_result));
/* str_copy() where a cut copy is fine (messages, reasons, log text). */
void     str_copy_trunc(char *dst, const char *src, size_t size);
/*
 * Copy a char array into a char array at least as large: it cannot be
 * cut, and the compiler checks that (both must be arrays, not pointers).
 */
#define STR_COPY_ARRAY(dst, src) do {					\
	_Static_assert(!__builtin_types_compatible_p(__typeof__(src),	\
	    __typeof__(&(src)[0])) &&					\
	    !__builtin_types_compatible_p(__typeof__(dst),		\
	    __typeof__(&(dst)[0])) && sizeof(dst) >= sizeof(src),	\
	    "STR_COPY_ARRAY: two arrays, dst at least as large");	\
	str_copy_trunc((dst), (src), sizeof(dst));			\
} while (0)
/* Parse a whole string as an unsigned/signed decimal number.  Leading and
 * trailing blanks (space, tab, newline) are allowed, nothing else.
 * Returns 0, or -1 with errno = EINVAL (not a number) / ERANGE. */
int      parse_u64(const char *s, uint64_t *out);
int      parse_i64(const char *s, int64_t *out);
int      parse_double(const char *s, double *out);
/* Parse "yes/no/true/false/on/off/1/0". */
int      parse_bool(const char *s, int *out);
int64_t  now_realtime_ns(void);
int64_t  now_mono_ns(void);
/* Read a whole file into a malloc'ed NUL-terminated string, at most
 * `max` bytes (larger files fail with EFBIG).  Caller frees *out. */
int      read_file(const char *path, size_t max, char **out, size_t *len);
/* Read a small file into buf (NUL-terminated); returns bytes or -1. */
ssize_t  read_small(const char *path, char *buf, size_t size);
/* Constant-time comparison of two byte strings (lengths may differ). */
int      const_time_eq(const void *a, size_t alen, const void *b, size_t blen);
/* Trim trailing blanks and newlines in place; returns s. */
char    *str_rtrim(char *s);
/*
 * Binary search in an array of n elements of `size` bytes sorted by the
 * NUL-terminated string at `key_offset` in each (strcmp order).  Returns
 * the index of `key`, or -(insertion point) - 1.  Pure.
 */
long     str_bsearch(const void *base, size_t n, size_t size,
	size_t key_offset, const char *key);
/* Line and column (1-based; a column counts bytes) of byte `off` of
 * text, for "line L, column C" in parse errors.  Pure. */
void     text_line_col(const char *text, size_t off, unsigned *line,
	unsigned *col);

#endif
