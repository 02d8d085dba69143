/*
 * sink_influxdb2.c — InfluxDB 2.x: "influxdb2:http://HOST:PORT/ORG/BUCKET".
 *
 *     POST /api/v2/write?org=ORG&bucket=BUCKET&precision=ns
 *     Authorization: Token <the first line of influxdb2_token_file>
 *
 * Queueing, retries and the spool are sink_http.c's.
 */
#include <stdio.h>
#include <string.h>

#include "common/secret.h"
#include "common/util.h"
#include "sinks/sink_http.h"

static int
influxdb2_open(struct sink *s, const char *arg,
    const struct sink_options *o, char *err, size_t errlen)
{
	struct sink_http_target t;
	char base[SINK_HTTP_URL_MAX], path[1024], token[1024];
	char *bucket;
	const char *kv[] = { "org", path, "bucket", NULL, "precision", "ns",
	    NULL };
	int rc = -1;

	memset(&t, 0, sizeof(t));
	token[0] = '\0';
	if (sink_http_split_url(arg, base, sizeof(base), path, sizeof(path),
	    err, errlen) != 0)
		goto out;
	bucket = strchr(path, '/');
	if (bucket == NULL || bucket == path || bucket[1] == '\0') {
		snprintf(err, errlen, "influxdb2:%.200s: want "
		    "influxdb2:http://HOST:PORT/ORG/BUCKET", arg);
		goto out;
	}
	*bucket++ = '\0';
	kv[3] = bucket;
	if (o->influxdb2_token_file[0] == '\0') {
		snprintf(err, errlen, "influxdb2 output needs "
		    "influxdb2_token_file");
		goto out;
	}
	if (secret_read_buf(o->influxdb2_token_file, token,
	    sizeof(token), err, errlen) != 0)
		goto out;
	snprintf(t.auth_header, sizeof(t.auth_header),
	    "Authorization: Token %s", token);
	if (sink_http_build_url(t.write_url, sizeof(t.write_url), base,
	    "/api/v2/write", kv) != 0) {
		snprintf(err, errlen, "influxdb2:%.200s: URL too long", arg);
		goto out;
	}
	snprintf(t.label, sizeof(t.label), "influxdb2 %.200s org %.100s bucket %.100s",
	    base, path, bucket);
	rc = sink_http_open(s, &t, o, err, errlen);
out:
	explicit_bzero(token, sizeof(token));
	explicit_bzero(&t, sizeof(t));
	return rc;
}

const struct sink_ops sink_influxdb2_ops = {
	.name = "influxdb2",
	.open = influxdb2_open,
	.write = sink_http_write,
	.close = sink_http_close,
	.flush = sink_http_flush,
	.get_stats = sink_http_get_stats,
};
