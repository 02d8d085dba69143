/*
 * sink.c — the sink registry and the wrappers every caller goes through.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sinks/sink.h"

static const struct sink_ops *const sink_types[] = {
	&sink_stdout_ops,
	&sink_file_ops,
	&sink_influxdb_ops,
	&sink_influxdb2_ops,
};

#define SO(f) offsetof(struct sink_options, f)
const struct conf_opt sink_conf_opts[] = {
	{ "hostname", 0, CONF_STR, SO(hostname),
	  0, 0, "", "NAME", "host tag value (default: the system hostname)" },
	{ "spool_dir", 0, CONF_STR, SO(spool_dir), 0, 0, "", "DIR",
	  "keep undeliverable InfluxDB batches here (one subfolder per output)" },
	{ "spool_max_bytes", 0, CONF_INT, SO(spool_max_bytes),
	  65536, 1e12, "268435456", "BYTES",
	  "spool size per output; when full the oldest segment is dropped" },
	{ "batch_size", 0, CONF_INT, SO(batch_size), 1, 1000000, "5000",
	  "POINTS", "points per InfluxDB write request" },
	{ "flush_interval_ms", 0, CONF_INT, SO(flush_interval_ms), 10, 3600000,
	  "1000", "MS", "send a partial batch after this long" },
	{ "gzip", 0, CONF_BOOL, SO(gzip), 0, 0, "yes", "BOOL",
	  "gzip InfluxDB request bodies (Content-Encoding: gzip)" },
	{ "influxdb_rp", 0, CONF_STR, SO(influxdb_rp), 0, 0, "", "NAME",
	  "InfluxDB 1.x retention policy (default: the database's default)" },
	{ "influxdb_precision", 0, CONF_STR, SO(influxdb_precision), 0, 0, "ns",
	  "ns", "timestamp precision; only ns is supported" },
	{ "influxdb_user", 0, CONF_STR, SO(influxdb_user), 0, 0, "", "USER",
	  "InfluxDB 1.x user (basic auth)" },
	{ "influxdb_password_file", 0, CONF_STR, SO(influxdb_password_file),
	  0, 0, "", "FILE", "file holding the InfluxDB 1.x password" },
	{ "influxdb_create_db", 0, CONF_BOOL, SO(influxdb_create_db), 0, 0,
	  "no", "BOOL", "CREATE DATABASE at start (InfluxDB 1.x)" },
	{ "influxdb2_token_file", 0, CONF_STR, SO(influxdb2_token_file),
	  0, 0, "", "FILE", "file holding the InfluxDB 2.x API token" },
	/* The short names the design uses, as aliases. */
	{ "password_file", 0, CONF_STR, SO(influxdb_password_file),
	  0, 0, NULL, "FILE", "same as influxdb_password_file" },
	{ "token_file", 0, CONF_STR, SO(influxdb2_token_file),
	  0, 0, NULL, "FILE", "same as influxdb2_token_file" },
	{ "tls_ca_file", 0, CONF_STR, SO(tls_ca_file), 0, 0, "", "FILE",
	  "CA bundle for https:// outputs (default: the system store)" },
	{ "tls_cert_file", 0, CONF_STR, SO(tls_cert_file), 0, 0, "", "FILE",
	  "client certificate (PEM) for https:// outputs" },
	{ "tls_key_file", 0, CONF_STR, SO(tls_key_file), 0, 0, "", "FILE",
	  "client key (PEM) for https:// outputs" },
	{ "http_timeout_ms", 0, CONF_INT, SO(http_timeout_ms), 100, 600000,
	  "10000", "MS", "timeout of one InfluxDB request" },
	{ "queue_max_bytes", 0, CONF_INT, SO(queue_max_bytes), 65536, 1e10,
	  "67108864", "BYTES", "memory queue per InfluxDB output; beyond it "
	  "new lines are dropped (counted)" },
};
#undef SO
const size_t sink_conf_nopts = ARRAY_LEN(sink_conf_opts);

struct sink *
sink_open(const char *spec, const struct sink_options *o, char *err,
    size_t errlen)
{
	const struct sink_ops *ops = NULL;
	const char *colon = strchr(spec, ':'), *arg;
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec), i;
	struct sink *s;

	for (i = 0; i < ARRAY_LEN(sink_types); i++)
		if (strlen(sink_types[i]->name) == nlen &&
		    strncmp(sink_types[i]->name, spec, nlen) == 0)
			ops = sink_types[i];
	if (ops == NULL) {
		snprintf(err, errlen, "unknown output type in '%.200s' "
		    "(want stdout, file:PATH, influxdb:URL, influxdb2:URL)", spec);
		return NULL;
	}
	arg = colon ? colon + 1 : "";
	if (strlen(spec) >= sizeof(s->spec)) {
		snprintf(err, errlen, "output spec '%.64s...' is too long "
		    "(max %zu bytes)", spec, sizeof(s->spec) - 1);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	str_copy_trunc(s->spec, spec, sizeof(s->spec));   /* checked */
	if (ops->open(s, arg, o, err, errlen) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

int
sink_write(struct sink *s, const char *lines, size_t len)
{
	if (len == 0)
		return 0;
	return s->ops->write(s, lines, len);
}

void
sink_reopen(struct sink *s)
{
	if (s->ops->reopen != NULL)
		s->ops->reopen(s);
}

int
sink_flush(struct sink *s, long timeout_ms)
{
	if (s->ops->flush == NULL)
		return 0;
	return s->ops->flush(s, timeout_ms);
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	s->ops->close(s);
	free(s);
}

void
sink_get_stats(const struct sink *s, struct sink_stats *out)
{
	if (s->ops->get_stats != NULL)
		s->ops->get_stats(s, out);
	else
		*out = s->stats;
}

void
sink_stats_add(struct sink_stats *total, const struct sink_stats *one)
{
	size_t i;

	total->points_written += one->points_written;
	total->points_dropped += one->points_dropped;
	total->bytes_written += one->bytes_written;
	total->write_errors += one->write_errors;
	total->points_spooled += one->points_spooled;
	total->points_replayed += one->points_replayed;
	total->spool_bytes += one->spool_bytes;
	total->spool_corrupt += one->spool_corrupt;
	total->spool_segments_dropped += one->spool_segments_dropped;
	total->queue_bytes += one->queue_bytes;
	total->retries += one->retries;
	total->requests += one->requests;
	for (i = 0; i < SINK_OUT_COUNT; i++)
		total->outcomes[i] += one->outcomes[i];
}

const char *
sink_name(const struct sink *s)
{
	return s->ops->name;
}

uint64_t
sink_count_lines(const char *lines, size_t len)
{
	uint64_t n = 0;
	const char *p = lines, *end = lines + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}
