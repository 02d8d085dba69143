/*
 * sink_http_util.c — the pure helpers of the InfluxDB sinks: URL splitting
 * and escaping, credential files, gzip, cutting batches (see sink_http.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/util.h"
#include "sinks/sink_http.h"


int
sink_http_split_url(const char *url, char *base, size_t baselen, char *path,
    size_t pathlen, char *err, size_t errlen)
{
	const char *host, *slash;
	size_t blen;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else {
		snprintf(err, errlen, "'%.200s': want http://HOST:PORT/...",
		    url);
		return -1;
	}
	slash = strchr(host, '/');
	if (slash == host || host[0] == '\0') {
		snprintf(err, errlen, "'%.200s': no host", url);
		return -1;
	}
	if (slash == NULL)
		slash = host + strlen(host);
	if (memchr(host, '@', (size_t)(slash - host)) != NULL) {
		/* Keeps passwords out of specs, ps and logs. */
		snprintf(err, errlen, "credentials in the URL are not "
		    "accepted: use influxdb_user/influxdb_password_file or "
		    "influxdb2_token_file");
		return -1;
	}
	blen = (size_t)(slash - url);
	if (blen >= baselen || strlen(slash) >= pathlen + 1) {
		snprintf(err, errlen, "URL too long");
		return -1;
	}
	memcpy(base, url, blen);
	base[blen] = '\0';
	str_copy_trunc(path, *slash == '/' ? slash + 1 : slash, pathlen);
	return 0;
}

int
sink_http_query_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (buf_putc(b, (char)c) != 0)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		if (buf_append(b, esc, 3) != 0)
			return -1;
	}
	return 0;
}

int
sink_gzip(const char *in, size_t len, struct buf *out)
{
	z_stream z;
	size_t bound;
	int zr, rc = -1;

	buf_reset(out);
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper rather than zlib's.  Level 1: line
	 * protocol is very repetitive, so the fastest level already gets
	 * most of the gain and the sink's thread stays cheap. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len) + 32;
	if (buf_reserve(out, bound) != 0)
		goto out;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	zr = deflate(&z, Z_FINISH);
	if (zr != Z_STREAM_END)
		goto out;
	out->len = z.total_out;
	out->data[out->len] = '\0';
	rc = 0;
out:
	deflateEnd(&z);
	return rc;
}

size_t
sink_batch_split(const char *lines, size_t len)
{
	const char *nl;
	size_t mid;

	if (len < 2)
		return len;
	mid = len / 2;
	/* The end of the line holding the last byte of the first half (so a
	 * block of equal lines is cut into equal halves)... */
	nl = memchr(lines + mid - 1, '\n', len - mid + 1);
	if (nl != NULL && (size_t)(nl - lines) + 1 < len)
		return (size_t)(nl - lines) + 1;
	/* ...or, when that is the last line, the end of the one before. */
	nl = memrchr(lines, '\n', mid);
	if (nl != NULL)
		return (size_t)(nl - lines) + 1;
	return len;
}

size_t
sink_batch_take(const char *lines, size_t len, uint64_t max_lines,
    uint64_t *nlines)
{
	const char *p = lines, *end = lines + len, *nl;
	uint64_t n = 0;

	while (n < max_lines && p < end &&
	    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = nl + 1;
		n++;
	}
	*nlines = n;
	return n < max_lines ? len : (size_t)(p - lines);
}

int
sink_http_build_url(char *out, size_t outlen, const char *base,
    const char *path, const char *const *kv)
{
	struct buf b;
	int rc = -1, npairs = 0;
	size_t i;

	buf_init(&b, outlen - 1);
	if (buf_puts(&b, base) != 0 || buf_puts(&b, path) != 0)
		goto out;
	for (i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
		if (kv[i + 1][0] == '\0')
			continue;
		if (buf_putc(&b, npairs++ == 0 ? '?' : '&') != 0 ||
		    buf_puts(&b, kv[i]) != 0 || buf_putc(&b, '=') != 0 ||
		    sink_http_query_escape(&b, kv[i + 1]) != 0)
			goto out;
	}
	str_copy_trunc(out, b.data ? b.data : "", outlen);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}
