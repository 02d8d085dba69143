/*
 * log.c — see log.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_progname = "hoist";
static int log_verbosity = LOGL_INFO;

void
log_init(const char *progname, int verbosity)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbosity = verbosity;
}

void
log_set_verbosity(int verbosity)
{
	log_verbosity = verbosity;
}

int
log_get_verbosity(void)
{
	return log_verbosity;
}

static const char *
level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOGL_ERR:   return "error";
	case LOGL_WARN:  return "warning";
	case LOGL_INFO:  return "info";
	case LOGL_DEBUG: return "debug";
	}
	return "?";
}

/*
 * Format "<prog>: <level>: <message>[: <strerror>]\n" into a bounded buffer
 * and write it in one call, so lines from several threads never interleave.
 * A message longer than the buffer is cut and ends in "...".
 */
static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = 0;
	int n;

	if ((int)lvl > log_verbosity)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", log_progname,
	    level_name(lvl));
	if (n > 0)
		len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n
		    : sizeof(line) - len - 1;
	if (errnum != 0 && len < sizeof(line) - 1) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(errnum));
		if (n > 0)
			len += (size_t)n < sizeof(line) - len ? (size_t)n
			    : sizeof(line) - len - 1;
	}
	if (len >= sizeof(line) - 1) {
		len = sizeof(line) - 2;
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	/* stderr may be closed or full; there is nothing else to tell. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

#define LOG_FN(fn, lvl, witherr)					\
void									\
fn(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
	va_start(ap, fmt);						\
	vlog(lvl, (witherr) ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_warn, LOGL_WARN, 1)
LOG_FN(log_warnx, LOGL_WARN, 0)
LOG_FN(log_info, LOGL_INFO, 0)
LOG_FN(log_debug, LOGL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOGL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOGL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

int
complain(struct complain *c, int64_t now_s, const char *fmt, ...)
{
	va_list ap;

	c->count++;
	c->total++;
	if (c->gap_s != 0 && now_s < c->next_s)
		return 0;
	c->gap_s = c->gap_s == 0 ? 1 : c->gap_s * 2;
	if (c->gap_s > COMPLAIN_MAX_GAP_S)
		c->gap_s = COMPLAIN_MAX_GAP_S;
	c->next_s = now_s + c->gap_s;
	va_start(ap, fmt);
	vlog(LOGL_WARN, 0, fmt, ap);
	va_end(ap);
	return 1;
}

void
complain_recovered(struct complain *c, const char *fmt, ...)
{
	va_list ap;

	if (c->gap_s == 0)
		return;
	va_start(ap, fmt);
	vlog(LOGL_INFO, 0, fmt, ap);
	va_end(ap);
	c->gap_s = 0;
	c->next_s = 0;
	c->count = 0;
}
