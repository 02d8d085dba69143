/*
 * sink.h — where line protocol goes.  One interface, one const ops table
 * per sink type (sink_stdout.c, sink_file.c, ...), chosen by the prefix of
 * an output spec:
 *
 *     stdout
 *     file:/var/log/hoist/points.lp
 *     influxdb:http://HOST:PORT/DB             InfluxDB 1.x, POST /write
 *     influxdb2:http://HOST:PORT/ORG/BUCKET    InfluxDB 2.x, POST /api/v2/write
 *
 * Callers go through the sink_*() wrappers, never through s->ops.
 * sink_write() takes complete lines and must never block the caller on a
 * network peer: stdout and file write synchronously (a local write), the
 * InfluxDB sinks copy the lines into their own bounded queue and deliver
 * from their own thread (sink_http.c), spooling to disk while the server
 * cannot take them (spool.c).
 */
#ifndef HOIST_SINK_H
#define HOIST_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "sinks/sink_status.h"

/*
 * Settings shared by every output of one process.  The collector and the
 * scaler embed this struct in their own settings; sink_conf_opts[] lists
 * its config keys with offsets relative to the struct itself (see
 * conf_table_append()).
 */
struct sink_options {
	char     hostname[CONF_STR_MAX];   /* unused by stdout/file */
	/* The InfluxDB sinks (see docs/sinks.md for each key). */
	char     spool_dir[CONF_STR_MAX];  /* "" = no spool */
	int64_t  spool_max_bytes;
	int64_t  batch_size;               /* points per request */
	int64_t  flush_interval_ms;
	int      gzip;
	char     influxdb_rp[CONF_STR_MAX];
	char     influxdb_precision[CONF_STR_MAX];
	char     influxdb_user[CONF_STR_MAX];
	char     influxdb_password_file[CONF_STR_MAX];
	int      influxdb_create_db;
	char     influxdb2_token_file[CONF_STR_MAX];
	char     tls_ca_file[CONF_STR_MAX];
	char     tls_cert_file[CONF_STR_MAX];
	char     tls_key_file[CONF_STR_MAX];
	int64_t  http_timeout_ms;
	int64_t  queue_max_bytes;
};

extern const struct conf_opt sink_conf_opts[];
extern const size_t sink_conf_nopts;

/*
 * Counters every sink keeps (read with sink_get_stats()).  All but the
 * gauges only grow.  For the InfluxDB sinks a point counts as written once
 * the server acknowledged it, and as dropped when it is lost for good
 * (rejected by the server, spool full, queue full, no spool at shutdown).
 */
struct sink_stats {
	uint64_t points_written;  /* accepted by the destination */
	uint64_t points_dropped;  /* lost, each with a log line */
	uint64_t bytes_written;   /* line protocol bytes, before gzip */
	uint64_t write_errors;    /* failed deliveries (any outcome but ok) */
	uint64_t points_spooled;  /* appended to the disk spool */
	uint64_t points_replayed; /* read back from the spool and delivered */
	uint64_t spool_bytes;     /* gauge: bytes in the spool now */
	uint64_t spool_corrupt;   /* damaged spool records skipped */
	uint64_t spool_segments_dropped; /* oldest segments dropped when full */
	uint64_t queue_bytes;     /* gauge: bytes waiting in memory */
	uint64_t retries;         /* attempts scheduled after a failure */
	uint64_t requests;        /* HTTP requests made */
	uint64_t outcomes[SINK_OUT_COUNT]; /* replies by outcome */
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
	/* Deliver what is queued within timeout_ms; 0 when done, -1 when
	 * data is still queued.  NULL: the type writes synchronously. */
	int  (*flush)(struct sink *s, long timeout_ms);
	/* Fill *out (the type keeps its counters under its own lock).
	 * NULL: s->stats is copied. */
	void (*get_stats)(const struct sink *s, struct sink_stats *out);
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
/*
 * Wait up to timeout_ms for the queued lines to be delivered (for a clean
 * shutdown, before sink_close()).  Returns 0 when nothing is left in
 * memory, -1 when some is: sink_close() then puts it in the spool (or
 * counts it dropped when there is no spool).
 */
int          sink_flush(struct sink *s, long timeout_ms);
/* Stops the sink's thread (waiting for a request in flight), spools what
 * is still queued and frees everything. */
void         sink_close(struct sink *s);             /* NULL ok */
void         sink_get_stats(const struct sink *s, struct sink_stats *out);
/* total += one, counter by counter (gauges are summed too), for the
 * process's own health line over all its outputs. */
void         sink_stats_add(struct sink_stats *total,
	const struct sink_stats *one);
const char  *sink_name(const struct sink *s);
/* Count the '\n'-terminated lines in a block. */
uint64_t     sink_count_lines(const char *lines, size_t len);

/* The types, one per file. */
extern const struct sink_ops sink_stdout_ops;    /* sink_stdout.c */
extern const struct sink_ops sink_file_ops;      /* sink_file.c */
extern const struct sink_ops sink_influxdb_ops;  /* sink_influxdb.c */
extern const struct sink_ops sink_influxdb2_ops; /* sink_influxdb2.c */

#endif
