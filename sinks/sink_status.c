/*
 * sink_status.c — see sink_status.h.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "common/util.h"
#include "sinks/sink_status.h"

/* How much of a reply's message is searched for "partial write" and
 * "dropped=N" (InfluxDB puts the count at the end of a long message). */
#define SINK_STATUS_BODY_SCAN 8192

static const char *const outcome_names[SINK_OUT_COUNT] = {
	[SINK_OUT_OK] = "ok",
	[SINK_OUT_PARTIAL] = "partial",
	[SINK_OUT_REJECTED] = "rejected",
	[SINK_OUT_CONFIG] = "config",
	[SINK_OUT_TOO_LARGE] = "too_large",
	[SINK_OUT_THROTTLED] = "throttled",
	[SINK_OUT_SERVER] = "server_error",
	[SINK_OUT_NETWORK] = "network",
};

const char *
sink_outcome_name(enum sink_outcome o)
{
	if ((unsigned)o < SINK_OUT_COUNT)
		return outcome_names[o];
	return "unknown";
}

/*
 * The server's message: InfluxDB 1.x replies {"error":"..."}, 2.x
 * {"code":"...","message":"..."}.  Anything else (a proxy's HTML page, a
 * plain text body) is kept as it came, cut to fit and with control
 * characters blanked so it stays one log line.
 */
static void
extract_message(const char *body, size_t len, char *out, size_t outlen)
{
	cJSON *root = NULL, *m;
	size_t i;

	out[0] = '\0';
	if (body == NULL || len == 0)
		return;
	root = cJSON_ParseWithLength(body, len);
	if (root != NULL && cJSON_IsObject(root)) {
		m = cJSON_GetObjectItemCaseSensitive(root, "error");
		if (!cJSON_IsString(m))
			m = cJSON_GetObjectItemCaseSensitive(root, "message");
		if (cJSON_IsString(m) && m->valuestring != NULL)
			str_copy_trunc(out, m->valuestring, outlen);
	}
	cJSON_Delete(root);
	if (out[0] == '\0') {
		i = len < outlen - 1 ? len : outlen - 1;
		memcpy(out, body, i);
		out[i] = '\0';
	}
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
}

/* The number right after the last `key` in s ("dropped=" -> N), or -1. */
static int64_t
number_after(const char *s, const char *key)
{
	const char *p = NULL, *q = s;
	int64_t n = 0;
	size_t klen = strlen(key);

	while ((q = strstr(q, key)) != NULL) {
		p = q + klen;
		q = p;
	}
	if (p == NULL || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && n < INT64_MAX / 10; p++)
		n = n * 10 + (*p - '0');
	return n;
}

/* "partial write error (2 written): ..." (InfluxDB Cloud) -> 2, or -1. */
static int64_t
written_count(const char *s)
{
	const char *p = strstr(s, " written)"), *b;
	int64_t n = 0;

	if (p == NULL)
		return -1;
	for (b = p; b > s && b[-1] >= '0' && b[-1] <= '9'; b--)
		;
	if (b == p || b == s || b[-1] != '(')
		return -1;
	for (; b < p && n < INT64_MAX / 10; b++)
		n = n * 10 + (*b - '0');
	return n;
}

static void
set(struct sink_verdict *v, enum sink_outcome o, enum sink_action a)
{
	v->outcome = o;
	v->action = a;
}

/* `msg` is the whole message: v->message may be cut short. */
static void
decide_4xx(long status, const char *msg, struct sink_verdict *v)
{
	if ((status == 400 || status == 422) &&
	    strstr(msg, "partial write") != NULL) {
		set(v, SINK_OUT_PARTIAL, SINK_ACT_DONE);
		v->dropped = number_after(msg, "dropped=");
		v->written = written_count(msg);
		return;
	}
	switch (status) {
	case 400:
		/* InfluxDB 2.x answers a missing organization with a 400
		 * ("failed to decode request body: organization not found"):
		 * that is the same operator error as a 404, so keep the data. */
		if (strstr(msg, "not found") != NULL)
			set(v, SINK_OUT_CONFIG, SINK_ACT_RETRY);
		else
			set(v, SINK_OUT_REJECTED, SINK_ACT_DROP);
		return;
	case 401:
	case 403:
	case 404:
		set(v, SINK_OUT_CONFIG, SINK_ACT_RETRY);
		return;
	case 413:
		set(v, SINK_OUT_TOO_LARGE, SINK_ACT_SPLIT);
		return;
	case 429:
		set(v, SINK_OUT_THROTTLED, SINK_ACT_RETRY);
		return;
	default:
		set(v, SINK_OUT_REJECTED, SINK_ACT_DROP);
		return;
	}
}

void
sink_status_decide(enum http_result res, long status, const char *body,
    size_t body_len, long retry_after_s, const char *transport_error,
    struct sink_verdict *v)
{
	char msg[SINK_STATUS_BODY_SCAN];

	memset(v, 0, sizeof(*v));
	v->dropped = -1;
	v->written = -1;
	v->retry_after_ms = -1;
	if (res != HTTP_OK) {
		set(v, SINK_OUT_NETWORK, SINK_ACT_RETRY);
		str_copy_trunc(v->message, transport_error != NULL &&
		    transport_error[0] != '\0' ? transport_error :
		    http_strerror(res), sizeof(v->message));
		return;
	}
	extract_message(body, body_len, msg, sizeof(msg));
	str_copy_trunc(v->message, msg, sizeof(v->message));
	if (status >= 200 && status < 300)
		set(v, SINK_OUT_OK, SINK_ACT_DONE);
	else if (status >= 400 && status < 500)
		decide_4xx(status, msg, v);
	else if (status == 503)
		set(v, SINK_OUT_THROTTLED, SINK_ACT_RETRY);
	else
		/* Other 5xx, and 1xx/3xx which a write never expects. */
		set(v, SINK_OUT_SERVER, SINK_ACT_RETRY);
	if (v->outcome == SINK_OUT_THROTTLED && retry_after_s >= 0)
		v->retry_after_ms = (int64_t)retry_after_s * 1000;
}

int64_t
sink_backoff_ms(unsigned attempt, uint32_t rnd)
{
	int64_t d = SINK_BACKOFF_BASE_MS;
	unsigned i;

	for (i = 1; i < attempt && d < SINK_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > SINK_BACKOFF_MAX_MS)
		d = SINK_BACKOFF_MAX_MS;
	return d / 2 + (int64_t)(rnd % (uint32_t)(d / 2 + 1));
}
