/*
 * api.h — the collector's HTTP API (libmicrohttpd), serving the latest
 * sweep from the container table:
 *
 *     GET /v1/containers        every container, JSON
 *     GET /v1/containers/{id}   one (exact id, or a unique prefix >= 12)
 *     GET /v1/apps              per Marathon app on this host, JSON
 *     GET /v1/apps/{app id}     one app ("/v1/apps/shop/web" is /shop/web)
 *     GET /metrics              Prometheus text format 0.0.4
 *     GET /healthz              {"status": "ok"}; 503 when sweeps stopped
 *
 * HEAD is accepted wherever GET is.  The bodies are written by
 * apijson.c and prom.c; docs/api-collector.md documents them.  With a
 * token file, every path but /healthz needs "Authorization: Bearer
 * <token>".
 *
 * Listen, token, TLS, limits and error bodies are the core's
 * (common/httpd.h, docs/http-api.md).
 *
 * Threading: MHD's one internal thread serves every connection.  For each
 * request it takes table->lock, formats the whole reply into a buffer,
 * releases the lock and only then sends, so a slow client never holds the
 * sweep up.
 */
#ifndef HOIST_API_H
#define HOIST_API_H

#include <stddef.h>

#include "collector/container.h"

#include "common/httpd.h"

#define API_LISTEN_DEFAULT          "127.0.0.1:9108"
#define API_URL_MAX                 HTTPD_PATH_MAX

struct api_options {
	/* As common/httpd.h says; "none" (or NULL, "") disables the API:
	 * see api_enabled(). */
	const char *listen;
	const char *token_file;     /* NULL or "": no token needed */
	const char *tls_cert_file;  /* NULL or "": plain HTTP */
	const char *tls_key_file;
	double      interval_s;     /* the sweep interval, for /healthz; 0: 10 */
	/* The rest as in struct httpd_options (0: the core's default). */
	unsigned    max_connections;
	unsigned    timeout_s;
	size_t      conn_memory;
	size_t      reply_max;
};

struct api;

/* api.c */
/* 0 when o->listen says the API is off ("none", NULL or ""), else 1. */
int  api_enabled(const struct api_options *o);
/*
 * Read the token file and start serving on o->listen.  The table is
 * borrowed and must outlive the api; the options are copied.  Returns the
 * running api, or NULL with err set (bad address, port in use, unreadable
 * or empty token file, TLS files).  Call only when api_enabled(o).
 */
struct api *api_start(struct container_table *t, const struct api_options *o,
	char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned    api_port(const struct api *a);
/* Stop serving, close every connection, free a.  NULL is a no-op. */
void        api_stop(struct api *a);

#endif
