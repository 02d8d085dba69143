/*
 * http.h — thin libcurl glue for the request/response exchanges every part
 * makes (Docker over its unix socket, InfluxDB, Marathon, the agents).
 *
 * One struct http_client wraps one CURL easy handle so keep-alive
 * connections are reused between calls; it is not thread-safe: one owner.
 * Response bodies are kept in a capped buf (HTTP_BODY_MAX unless the
 * request says otherwise); a larger body fails the call with
 * HTTP_E_TOO_BIG, it is never silently cut.
 */
#ifndef HOIST_HTTP_H
#define HOIST_HTTP_H

#include <stddef.h>

#include "common/buf.h"

#define HTTP_BODY_MAX     (8u << 20)
#define HTTP_HEADERS_MAX  16

/* Append-only; every value has a string in http_strerror(). */
enum http_result {
	HTTP_OK = 0,        /* got a reply (any status: look at .status) */
	HTTP_E_CONNECT,     /* refused, no route, socket missing */
	HTTP_E_TIMEOUT,
	HTTP_E_TOO_BIG,     /* reply body over the cap */
	HTTP_E_TLS,
	HTTP_E_PROTOCOL,    /* not HTTP, bad chunking, ... */
	HTTP_E_NOMEM,
	HTTP_E_OTHER,
};

struct http_tls {
	const char *ca_file;    /* NULL: system store */
	const char *cert_file;  /* client certificate (PEM), or NULL */
	const char *key_file;
	int         insecure;   /* skip verification (tests only) */
};

struct http_request {
	const char  *method;        /* "GET", "PUT", ... (NULL = GET) */
	const char  *url;
	const char  *unix_socket;   /* path, or NULL for TCP */
	const char  *headers[HTTP_HEADERS_MAX]; /* "Name: value", NULL-ended */
	const char  *body;          /* borrowed */
	size_t       body_len;
	const char  *userpwd;       /* "user:password" for basic auth */
	long         timeout_ms;    /* whole exchange; 0 = 10 s */
	long         connect_timeout_ms; /* 0 = 3 s */
	size_t       max_body;      /* 0 = HTTP_BODY_MAX */
	const struct http_tls *tls;
	/*
	 * Streaming: when set, the body of a 2xx reply is handed to
	 * on_body piece by piece as it arrives instead of being kept in
	 * resp->body (max_body does not apply: on_body bounds it); any
	 * other status is kept in resp->body as usual.  on_body returns 0
	 * to go on, -1 to stop the transfer (http_do() then returns
	 * HTTP_E_TOO_BIG; the callback keeps its own reason).
	 */
	int        (*on_body)(const char *p, size_t n, void *ud);
	void        *on_body_ud;
};

struct http_response {
	long       status;          /* 0 when no reply came */
	struct buf body;
	char       content_type[128];
	long       retry_after_s;   /* -1 when absent; seconds form only */
	char       error[256];      /* libcurl's words for a failure */
};

struct http_client;

/* http.c */
/* Call once per process before threads start (curl_global_init). */
int                 http_global_init(void);
void                http_global_cleanup(void);
struct http_client *http_client_new(void);
void                http_client_free(struct http_client *c);  /* NULL ok */
void                http_response_init(struct http_response *r);
void                http_response_free(struct http_response *r);
/*
 * Perform one exchange.  `resp` must have been initialised; its previous
 * contents are replaced.  Returns HTTP_OK when a reply arrived (check
 * resp->status), else an error with resp->error filled in.
 */
enum http_result    http_do(struct http_client *c,
	const struct http_request *req, struct http_response *resp);
/*
 * n exchanges at once, at most `cap` in flight (one libcurl multi handle
 * for the call): as n calls of http_do() but in the time of the slowest.
 * resp[0..n) initialised by the caller; res[i] is req[i]'s result.
 */
void                http_do_many(const struct http_request *req,
	struct http_response *resp, enum http_result *res, size_t n,
	size_t cap);
const char         *http_strerror(enum http_result r);
/*
 * libcurl's header callback: one reply header line (ptr, size * nmemb
 * bytes with its CRLF, not NUL-terminated) into the struct http_response
 * at userdata (Retry-After in delta seconds, Content-Type).  Returns the
 * bytes taken.  Exposed for tests/fuzz/fuzz_sink_status.c.
 */
size_t              http_on_header(char *ptr, size_t size, size_t nmemb,
	void *userdata);

#endif
