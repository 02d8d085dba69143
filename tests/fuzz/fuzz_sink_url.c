/*
 * fuzz_sink_url.c — libFuzzer harness for what the InfluxDB sinks take
 * from a config file or the command line and cut from their input: the
 * output URL (sink_http_split_url), the query string built from config
 * values (sink_http_build_url, sink_http_query_escape) and the cutting of
 * a block of lines into batches (sink_batch_split, sink_batch_take).
 *
 * Input: the bytes, as a URL, as a query value and as a block of lines.
 * Checked: a URL accepted splits into a base that is a prefix of it and
 * the rest; a query value percent-decodes back to itself; a batch cut
 * falls on a line end and the halves are not empty; the first N lines
 * taken are whole lines, at most N (blocks of whole lines only, as the
 * sinks pass them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "sinks/sink_http.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ?
	    c - 'A' + 10 : -1;
}

static void
url(const char *s)
{
	char base[256], path[512], err[300], full[2048];
	const char *kv[] = { "db", s, "rp", "", "precision", "ns", NULL };

	if (sink_http_split_url(s, base, sizeof(base), path, sizeof(path),
	    err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (strncmp(s, base, strlen(base)) != 0 ||
	    (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0) || strchr(base + 8, '/') != NULL)
		abort();
	if (sink_http_build_url(full, sizeof(full), base, path, kv) == 0 &&
	    strncmp(full, base, strlen(base)) != 0)
		abort();
}

static void
query(const char *s)
{
	struct buf b;
	size_t i, o = 0;
	char *back;

	buf_init(&b, 1 << 16);
	if (sink_http_query_escape(&b, s) != 0 || b.len == 0) {
		buf_free(&b);
		return;
	}
	back = malloc(b.len + 1);
	if (back == NULL)
		abort();
	for (i = 0; i < b.len; i++) {
		if (b.data[i] == '%') {
			if (i + 2 >= b.len)
				abort();
			back[o++] = (char)(unhex(b.data[i + 1]) << 4 |
			    unhex(b.data[i + 2]));
			i += 2;
		} else if (strchr("&=?#+% /", b.data[i]) != NULL)
			abort();    /* would change the query's meaning */
		else
			back[o++] = b.data[i];
	}
	back[o] = '\0';
	if (strcmp(back, s) != 0)
		abort();
	free(back);
	buf_free(&b);
}

static void
batches(const char *lines, size_t len)
{
	uint64_t n = 0, want = 0;
	size_t cut, i;

	/* The sinks hand over whole lines only. */
	if (len == 0 || lines[len - 1] != '\n')
		return;
	cut = sink_batch_split(lines, len);
	if (cut == 0 || cut > len || (cut < len && lines[cut - 1] != '\n'))
		abort();
	cut = sink_batch_take(lines, len, 3, &n);
	if (cut > len || n > 3 || (cut < len && lines[cut - 1] != '\n'))
		abort();
	for (i = 0; i < cut; i++)
		want += lines[i] == '\n';
	if (want != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);

	if (text == NULL)
		return 0;
	url(text);
	query(text);
	batches(text, size);
	free(text);
	return 0;
}
