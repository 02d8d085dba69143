/*
 * log.h — one line per event on stderr (journald under systemd).
 *
 * log_warn() appends ": strerror(errno)", log_warnx() does not (OpenBSD
 * habit).  fatal()/fatalx() exit(1) and are for start-up errors and broken
 * internal invariants only: input from outside never reaches them.
 * Every function is safe to call from several threads: a line is formatted
 * into a bounded stack buffer and written with one write(2).
 * When stderr is journald's stream (JOURNAL_STREAM, checked by log_init())
 * each line starts with "<N>", so the journal stores the right priority.
 */
#ifndef HOIST_LOG_H
#define HOIST_LOG_H

#include <stdint.h>

#define LOG_LINE_MAX 1024

enum log_level { LOGL_ERR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

/* log.c */
void log_init(const char *progname, int verbosity);
void log_set_verbosity(int verbosity);
int  log_get_verbosity(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * complain — log a failure that repeats every tick once, then again with
 * growing gaps (doubling, capped at COMPLAIN_MAX_GAP_S), and "recovered"
 * once when it stops (collectd's utils_complain).  The struct is plain
 * data: zero-initialise it.  `count` keeps counting every occurrence,
 * logged or not.  Not thread-safe per struct: one owner.
 */
#define COMPLAIN_MAX_GAP_S 3600

struct complain {
	int64_t  next_s;      /* earliest time the next line may be logged */
	uint32_t gap_s;       /* current gap; 0 = not complaining */
	uint64_t count;       /* occurrences since the last recovery */
	uint64_t total;       /* occurrences ever */
};

/* Returns 1 if the line was logged, 0 if it was held back. */
int  complain(struct complain *c, int64_t now_s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Logs `fmt` once if c was complaining, and resets it. */
void complain_recovered(struct complain *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
