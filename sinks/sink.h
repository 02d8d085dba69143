/*
 * sink.h — where line protocol goes.  One interface, one const ops table
 * per sink type (sink_stdout.c, sink_file.c, ...), chosen by the prefix of
 * an output spec:
 *
 *     stdout
 *     file:/var/log/hoist/points.lp
 *
 * Callers go through the sink_*() wrappers, never through s->ops.
 * sink_write() takes complete lines and must never block the caller on a
 * network peer.
 */
#ifndef HOIST_SINK_H
#define HOIST_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

/*
 * Settings shared by every output of one process.  The collector and the
 * scaler embed this struct in their own settings; sink_conf_opts[] lists
 * its config keys with offsets relative to the struct itself (see
 * conf_table_append()).
 */
struct sink_options {
	char     hostname[256];   /* unused by stdout/file */
};

extern const struct conf_opt sink_conf_opts[];
extern const size_t sink_conf_nopts;

/* Counters every sink keeps (read with sink_get_stats()). */
struct sink_stats {
	uint64_t points_written;  /* accepted by the destination */
	uint64_t points_dropped;  /* lost, each with a log line */
	uint64_t bytes_written;
	uint64_t write_errors;
};

struct sink;

struct sink_ops {
	const char *name;
	/* arg: the spec after "name:" (or "" when none). */
	int  (*open)(struct sink *s, const char *arg,
	    const struct sink_options *o, char *err, size_t errlen);
	int  (*write)(struct sink *s, const char *lines, size_t len);
	void (*reopen)(struct sink *s);          /* SIGHUP; may be NULL */
	void (*close)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	char                   spec[1024];
	void                  *priv;            /* the type's own state */
	struct sink_stats      stats;
};

/* sink.c */
/* Parse a spec and open the sink; NULL with err set on failure. */
struct sink *sink_open(const char *spec, const struct sink_options *o,
	char *err, size_t errlen);
/* `lines`: complete, newline-terminated lines (borrowed). 0 or -1. */
int          sink_write(struct sink *s, const char *lines, size_t len);
void         sink_reopen(struct sink *s);
void         sink_close(struct sink *s);             /* NULL ok */
void         sink_get_stats(const struct sink *s, struct sink_stats *out);
const char  *sink_name(const struct sink *s);
/* Count the '\n'-terminated lines in a block. */
uint64_t     sink_count_lines(const char *lines, size_t len);

/* The types, one per file. */
extern const struct sink_ops sink_stdout_ops;    /* sink_stdout.c */
extern const struct sink_ops sink_file_ops;      /* sink_file.c */

#endif
