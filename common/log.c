/*
 * log.c — see log.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_progname = "hoist";
static int log_verbosity = LOGL_INFO;
/* stderr is a journald stream: each line starts with "<N>" (syslog level). */
static int log_journal;

/*
 * Under systemd, JOURNAL_STREAM holds "DEVICE:INODE" of the stream socket
 * journald gave the service as stdout/stderr (systemd.exec(5)).  When it
 * names our stderr, journald parses a leading "<N>" as the line's priority
 * (SyslogLevelPrefix=yes, the default); without it every line would be
 * stored as info.  Anywhere else (a terminal, a file, a test) the lines
 * stay as they are.
 */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (v == NULL || v[0] < '0' || v[0] > '9')
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int verbosity)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbosity = verbosity;
	log_journal = stderr_is_journal();
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

/* The syslog(3) level journald stores for each of ours. */
static int
level_syslog(enum log_level lvl)
{
	switch (lvl) {
	case LOGL_ERR:   return 3;	/* LOG_ERR */
	case LOGL_WARN:  return 4;	/* LOG_WARNING */
	case LOGL_INFO:  return 6;	/* LOG_INFO */
	case LOGL_DEBUG: return 7;	/* LOG_DEBUG */
	}
	return 6;
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
 * Format "[<N>]<prog>: <level>: <message>[: <strerror>]\n" into a bounded buffer
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
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>%s: %s: ",
		    level_syslog(lvl), log_progname, level_name(lvl));
	else
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
