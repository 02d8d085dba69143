/*
 * buf.h — a growable byte buffer with a hard cap (curl's dynbuf habit).
 *
 * A buf never grows past `max`; an append that would is refused whole
 * (nothing is written) and returns -1 with errno = ENOSPC (or ENOMEM when
 * malloc fails).  The data is always NUL-terminated after `len` bytes, so
 * it can be printed, but may contain NULs of its own.
 */
#ifndef HOIST_BUF_H
#define HOIST_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char   *data;   /* owned; NULL until the first append */
	size_t  len;
	size_t  cap;    /* allocated bytes, including room for the NUL */
	size_t  max;    /* hard cap on len */
};

/* buf.c */
void  buf_init(struct buf *b, size_t max);
void  buf_free(struct buf *b);              /* NULL-safe; leaves b empty */
void  buf_reset(struct buf *b);             /* len = 0, memory kept */
int   buf_reserve(struct buf *b, size_t extra);
int   buf_append(struct buf *b, const void *p, size_t n);
int   buf_puts(struct buf *b, const char *s);
int   buf_putc(struct buf *b, char c);
int   buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int   buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (n <= len). */
void  buf_consume(struct buf *b, size_t n);
/* Hand the data to the caller (who frees it); b is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
