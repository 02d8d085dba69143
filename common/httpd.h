/*
 * httpd.h — the HTTP server core both daemons serve through
 * (hoist-collector's API, hoist-scaler's REST API), on libmicrohttpd.
 *
 * The core owns everything that is not a route's business, with one
 * semantics for both daemons (docs/http-api.md):
 *
 *   listen   "ADDR:PORT" with a numeric IPv4 address or "[IPv6]:PORT";
 *            an empty host is refused (write 0.0.0.0 to mean every
 *            interface); port 0 takes a free one (httpd_port()).
 *   TLS      optional: a PEM certificate and key (api_tls_cert,
 *            api_tls_key); the key file must be private like a secret.
 *   auth     with a token, "Authorization: Bearer TOKEN" on every route
 *            not marked public: scheme case-insensitive, blanks around
 *            the token ignored, compared in constant time.  Without a
 *            valid one: 401 with WWW-Authenticate, for unknown paths too.
 *   limits   path <= HTTPD_PATH_MAX bytes (414), at most
 *            HTTPD_QUERY_PARAMS_MAX query parameters (414), a body of
 *            at most HTTPD_BODY_MAX bytes (413), request line + headers
 *            within the per-connection memory (431 from libmicrohttpd),
 *            "%00" or a raw NUL in the request line, a control byte in
 *            the path, two Content-Length headers, or Content-Length
 *            with Transfer-Encoding (400).
 *   time     a connection must deliver each whole request (headers and
 *            body) within timeout_s of being accepted or of its previous
 *            reply, however it trickles; past it, it is closed.
 *   cap      at most max_connections connections may be receiving a
 *            request; a new one past that closes the one that has been
 *            receiving the longest, so slow clients cannot lock out
 *            normal ones (and /healthz keeps answering).
 *   errors   JSON {"error": "...", "field": "..." | null}, always valid
 *            UTF-8 (bytes of the request that are not are replaced).
 *
 * The pure half (httpd_core.c) has no I/O and is what the unit tests and
 * tests/fuzz/fuzz_httpd.c drive; httpd.c is the libmicrohttpd shell.
 */
#ifndef HOIST_HTTPD_H
#define HOIST_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/conf.h"

#define HTTPD_PATH_MAX               2048        /* bytes of the path */
#define HTTPD_QUERY_PARAMS_MAX       64          /* query parameters */
#define HTTPD_BODY_MAX               (64u << 10) /* request body */
#define HTTPD_TOKEN_MAX              4096        /* bytes of a token */
#define HTTPD_MAX_CONNECTIONS_DEFAULT 64
#define HTTPD_TIMEOUT_S_DEFAULT      10
#define HTTPD_CONN_MEMORY_DEFAULT    (16u << 10) /* request line + headers */
#define HTTPD_REPLY_MAX_DEFAULT      (64u << 20) /* one reply body */
#define HTTPD_ERROR_MAX              1024        /* one JSON error body */

/* Methods, as bits of a route's allowed set.  GET implies HEAD. */
enum httpd_method {
	HTTPD_M_GET    = 1 << 0,
	HTTPD_M_HEAD   = 1 << 1,
	HTTPD_M_POST   = 1 << 2,
	HTTPD_M_PUT    = 1 << 3,
	HTTPD_M_DELETE = 1 << 4,
	HTTPD_M_OTHER  = 1 << 5,
};

/*
 * One route.  `path` matches exactly, or with one trailing slash
 * ("/v1/rules/" is "/v1/rules"); a path ending in "/ *" (without the
 * blank) is a prefix, and what follows it — non-empty, slashes allowed,
 * so nested app ids work — is the request's id.  Routes are tried in
 * order.
 */
struct httpd_route {
	const char *path;
	unsigned    methods;  /* HTTPD_M_* bits */
	int         public;   /* served without the token */
	int         body;     /* takes a request body (POST, PUT) */
	int         id;       /* the daemon's own number for it */
};

/* What the core decided about a request before any route ran. */
struct httpd_verdict {
	unsigned                  status;  /* 0: serve the route; else reply */
	const char               *error;   /* message for status (static) */
	const struct httpd_route *route;   /* NULL unless status is 0 */
	const char               *id;      /* a prefix route's rest, or NULL */
	unsigned                  method;  /* HTTPD_M_* of the request */
	char                      allow[48]; /* Allow header for a 405 */
	int                       challenge; /* 401: add WWW-Authenticate */
};

/* What a route handler sees.  Everything is borrowed for the call. */
struct httpd_request {
	int         route;      /* the route's id */
	unsigned    method;     /* HTTPD_M_*; HEAD is served as GET */
	const char *method_name;
	const char *path;       /* decoded */
	const char *id;         /* a prefix route's rest, or NULL */
	const char *body;       /* NUL-terminated; "" when none */
	size_t      body_len;
	void       *conn;       /* for httpd_query() */
	void       *core;       /* for httpd_defer() */
};

/* What a route handler fills in. */
struct httpd_reply {
	unsigned    status;
	const char *content_type;  /* static; NULL: application/json */
	struct buf  body;          /* capped by the reply_max option */
	const char *allow;         /* static Allow header, or NULL */
};

typedef void (*httpd_handler_fn)(void *ctx, const struct httpd_request *rq,
    struct httpd_reply *rp);

struct httpd_options {
	const char *name;           /* realm and log prefix, "hoist-scaler" */
	const char *listen;         /* see above */
	const char *token;          /* NULL or "": no auth; copied */
	const char *tls_cert_file;  /* NULL or "": plain HTTP */
	const char *tls_key_file;
	unsigned    max_connections; /* 0: HTTPD_MAX_CONNECTIONS_DEFAULT */
	unsigned    timeout_s;      /* 0: HTTPD_TIMEOUT_S_DEFAULT */
	size_t      conn_memory;    /* 0: HTTPD_CONN_MEMORY_DEFAULT */
	size_t      reply_max;      /* 0: HTTPD_REPLY_MAX_DEFAULT */
	const struct httpd_route *routes;   /* borrowed; must outlive */
	size_t      nroutes;
	httpd_handler_fn handler;
	void       *ctx;            /* for handler and on_reply; borrowed */
	/* Called after each reply with its status (counters); may be NULL.
	 * Runs on the server's thread. */
	void      (*on_reply)(void *ctx, unsigned status);
};

/*
 * The settings both daemons take, as config keys and --flags of the same
 * names (httpd_conf_opts, appended to each program's table with the
 * offset of its struct httpd_settings).
 */
struct httpd_settings {
	char    api_token_file[CONF_STR_MAX];
	char    api_tls_cert[CONF_STR_MAX];
	char    api_tls_key[CONF_STR_MAX];
	int64_t api_max_connections;
	int64_t api_timeout_s;
};

extern const struct conf_opt httpd_conf_opts[];
extern const size_t httpd_conf_nopts;

struct httpd;

/* httpd_core.c — pure, no I/O */
/*
 * Parse a listen address as described above into *ss (port in network
 * order).  Returns 0, or -1 with err set.
 */
int  httpd_parse_listen(const char *s, struct sockaddr_storage *ss,
	socklen_t *sslen, char *err, size_t errlen);
/*
 * Does the Authorization header value `h` (NULL: none) carry `token`?
 * "Bearer" in any case, then blanks, the token, optional blanks; the
 * token is compared in constant time.  1 or 0.
 */
int  httpd_bearer_ok(const char *h, const char *token, size_t token_len);
/*
 * Percent-decode s in place, as libmicrohttpd's unescape callback: "%00"
 * becomes DEL (0x7f), which httpd_path_ok() refuses, rather than a NUL
 * that would cut the path short.  Returns the new length.
 */
size_t httpd_unescape(char *s);
/* An origin-form path ("/..."), free of control bytes and DEL. */
int  httpd_path_ok(const char *path);
/* The number of parameters in the query of a raw URI ("/p?a=1&b" is 2). */
size_t httpd_query_params(const char *uri);
/* HTTPD_M_* for a method name (HTTPD_M_OTHER when unknown). */
unsigned httpd_method_bit(const char *method);
/*
 * Decide a request: path checks (414, 400), the route, the token (401),
 * the method (405 with v->allow), or status 0 with v->route and v->id
 * set.  `path` is decoded; `authorized` is the result of
 * httpd_bearer_ok() (1 when no token is configured).
 */
void httpd_classify(const struct httpd_route *routes, size_t nroutes,
	const char *method, const char *path, int authorized,
	struct httpd_verdict *v);
/*
 * Append {"error": msg, "field": field or null} to b: control bytes
 * escaped, bytes that are not UTF-8 replaced by U+FFFD, so the body is
 * valid JSON and UTF-8 whatever the request held.  0 or -1 (cap).
 */
int  httpd_json_error(struct buf *b, const char *msg, const char *field);

/* httpd.c — the libmicrohttpd shell */
/*
 * Start serving.  The options are copied (the token too; routes and ctx
 * are borrowed).  Returns the server, or NULL with err set (bad listen
 * address, port in use, TLS files unreadable or not private, no TLS in
 * this libmicrohttpd).
 */
struct httpd *httpd_start(const struct httpd_options *o, char *err,
	size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned httpd_port(const struct httpd *h);
/* Replace the token (SIGHUP); NULL or "" turns auth off.  Copied; the
 * old one is wiped. */
void     httpd_set_token(struct httpd *h, const char *token);
/* Stop serving, close every connection, wipe the token, free h.  NULL is
 * a no-op. */
void     httpd_stop(struct httpd *h);
/* A query parameter of the request (decoded), or NULL. */
const char *httpd_query(const struct httpd_request *rq, const char *name);
/*
 * Answer later: called in a handler, it returns a handle for whoever
 * will finish the request (a writer thread); the core suspends the
 * connection when the handler returns, so the server's thread goes on
 * serving the others (/healthz never waits for a disk).  Whatever the
 * handler put in rp is dropped.  httpd_finish() must then be called
 * exactly once, from any thread, even from inside the handler.  The
 * request is whole, so timeout_s does not run while it waits.  NULL when
 * out of memory: then answer in rp as usual.  httpd_stop() waits for
 * every deferred request to be finished and its reply written (or its
 * connection closed).
 */
struct httpd_async;
struct httpd_async *httpd_defer(const struct httpd_request *rq);
/* Send rp (status, content_type, allow; the body is taken, rp->body is
 * left empty) as the deferred request's reply. */
void     httpd_finish(struct httpd_async *as, struct httpd_reply *rp);
/* Fill rp with a JSON error (httpd_json_error) and the status. */
void     httpd_reply_error(struct httpd_reply *rp, unsigned status,
	const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
