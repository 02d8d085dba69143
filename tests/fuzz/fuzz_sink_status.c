/*
 * fuzz_sink_status.c — libFuzzer harness for what the InfluxDB sinks read
 * back from a write: the reply's header lines (http_on_header:
 * Retry-After, Content-Type) and its status and body
 * (sink_status_decide: outcome, action, dropped/written counts of a
 * partial write, the server's message).
 *
 * Input: a byte picking the transport result (mostly HTTP_OK), two bytes
 * of status (little-endian, modulo 1000), then header lines separated by
 * CRLF up to an empty line, then the body.  Checked: the outcome and
 * action are known values with a name, the counts are -1 or more, the
 * Retry-After is below a day, the message is one printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "sinks/sink_status.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed header lines (each with its CRLF) from hdr[0..len). */
static void
headers(const char *hdr, size_t len, struct http_response *r)
{
	const char *p = hdr, *end = hdr + len, *nl;
	char *line;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		line = malloc(n);   /* exactly the line: curl gives no NUL */
		if (line == NULL)
			return;
		memcpy(line, p, n);
		if (http_on_header(line, 1, n, r) != n)
			abort();
		free(line);
		p += n;
	}
}

static void
check(const struct sink_verdict *v)
{
	size_t i;

	if ((unsigned)v->outcome >= SINK_OUT_COUNT ||
	    strcmp(sink_outcome_name(v->outcome), "unknown") == 0 ||
	    (unsigned)v->action > SINK_ACT_SPLIT)
		abort();
	if (v->dropped < -1 || v->written < -1 || v->retry_after_ms < -1 ||
	    v->retry_after_ms >= 86400 * 1000LL)
		abort();
	if (memchr(v->message, '\0', sizeof(v->message)) == NULL)
		abort();
	for (i = 0; v->message[i] != '\0'; i++)
		if ((unsigned char)v->message[i] < 0x20)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum http_result results[] = { HTTP_OK, HTTP_OK,
	    HTTP_OK, HTTP_OK, HTTP_E_CONNECT, HTTP_E_TIMEOUT, HTTP_E_TOO_BIG,
	    HTTP_E_PROTOCOL };
	const char *text, *body, *sep;
	struct http_response r;
	struct sink_verdict v;
	enum http_result res;
	long status;
	size_t len, blen;

	if (size < 3)
		return 0;
	res = results[data[0] % 8];
	status = (long)((data[1] | data[2] << 8) % 1000);
	text = (const char *)data + 3;
	len = size - 3;
	http_response_init(&r);
	sep = memmem(text, len, "\r\n\r\n", 4);
	if (sep != NULL) {
		headers(text, (size_t)(sep - text) + 2, &r);
		body = sep + 4;
	} else
		body = text;
	blen = len - (size_t)(body - text);
	sink_status_decide(res, status, blen > 0 ? body : NULL, blen,
	    r.retry_after_s, "connection refused", &v);
	check(&v);
	http_response_free(&r);
	return 0;
}
