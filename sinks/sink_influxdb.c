/*
 * sink_influxdb.c — InfluxDB 1.x: "influxdb:http://HOST:PORT/DB".
 *
 *     POST /write?db=DB[&rp=RP]&precision=ns     body: line protocol
 *
 * with basic auth when influxdb_user is set (the password from
 * influxdb_password_file), and, when influxdb_create_db is on,
 *
 *     POST /query     q=CREATE DATABASE "DB"
 *
 * before the first write (CREATE DATABASE is a no-op when it exists).
 * Queueing, retries and the spool are sink_http.c's.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/secret.h"
#include "common/util.h"
#include "sinks/sink_http.h"

static int
create_body(struct sink_http_target *t, const char *db)
{
	struct buf q, b;
	int rc = -1;

	/* InfluxQL: an identifier in double quotes, with '"' and '\'
	 * escaped by a backslash. */
	buf_init(&q, 512);
	buf_init(&b, sizeof(t->create_body) - 1);
	if (buf_puts(&q, "CREATE DATABASE \"") != 0)
		goto out;
	for (; *db != '\0'; db++)
		if ((*db == '"' || *db == '\\') && buf_putc(&q, '\\') != 0)
			goto out;
		else if (buf_putc(&q, *db) != 0)
			goto out;
	if (buf_putc(&q, '"') != 0 || buf_puts(&b, "q=") != 0 ||
	    sink_http_query_escape(&b, q.data) != 0)
		goto out;
	str_copy_trunc(t->create_body, b.data, sizeof(t->create_body));
	rc = 0;
out:
	buf_free(&q);
	buf_free(&b);
	return rc;
}

static int
auth(struct sink_http_target *t, const struct sink_options *o, char *err,
    size_t errlen)
{
	char pw[1024] = "";
	int rc = -1;

	if (o->influxdb_user[0] == '\0') {
		if (o->influxdb_password_file[0] == '\0')
			return 0;
		snprintf(err, errlen, "influxdb_password_file needs "
		    "influxdb_user");
		return -1;
	}
	if (o->influxdb_password_file[0] != '\0' &&
	    secret_read_buf(o->influxdb_password_file, pw, sizeof(pw),
	    err, errlen) != 0)
		goto out;
	if ((size_t)snprintf(t->userpwd, sizeof(t->userpwd), "%s:%s",
	    o->influxdb_user, pw) >= sizeof(t->userpwd)) {
		snprintf(err, errlen, "influxdb user or password too long");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
influxdb_open(struct sink *s, const char *arg, const struct sink_options *o,
    char *err, size_t errlen)
{
	struct sink_http_target t;
	char base[SINK_HTTP_URL_MAX], db[512];
	const char *kv[] = { "db", db, "rp", o->influxdb_rp, "precision", "ns",
	    NULL };
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (sink_http_split_url(arg, base, sizeof(base), db, sizeof(db), err,
	    errlen) != 0)
		goto out;
	if (db[0] == '\0' || strchr(db, '/') != NULL) {
		snprintf(err, errlen, "influxdb:%.200s: want "
		    "influxdb:http://HOST:PORT/DATABASE", arg);
		goto out;
	}
	if (o->influxdb_precision[0] != '\0' &&
	    strcmp(o->influxdb_precision, "ns") != 0) {
		snprintf(err, errlen, "influxdb_precision: only ns is "
		    "supported (the collector stamps points in ns)");
		goto out;
	}
	if (sink_http_build_url(t.write_url, sizeof(t.write_url), base,
	    "/write", kv) != 0)
		goto toolong;
	if (o->influxdb_create_db) {
		const char *none[] = { NULL };
		if (sink_http_build_url(t.create_url, sizeof(t.create_url),
		    base, "/query", none) != 0 || create_body(&t, db) != 0)
			goto toolong;
	}
	snprintf(t.label, sizeof(t.label), "influxdb %.200s/%.200s", base, db);
	if (auth(&t, o, err, errlen) != 0)
		goto out;
	rc = sink_http_open(s, &t, o, err, errlen);
	goto out;
toolong:
	snprintf(err, errlen, "influxdb:%.200s: URL too long", arg);
out:
	explicit_bzero(&t, sizeof(t));
	return rc;
}

const struct sink_ops sink_influxdb_ops = {
	.name = "influxdb",
	.open = influxdb_open,
	.write = sink_http_write,
	.close = sink_http_close,
	.flush = sink_http_flush,
	.get_stats = sink_http_get_stats,
};
