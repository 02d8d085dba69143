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
 * Threading: MHD's one internal thread serves every connection.  For each
 * request it takes table->lock, formats the whole reply into a buffer,
 * releases the lock and only then sends, so a slow client never holds the
 * sweep up.
 */
#ifndef HOIST_API_H
#define HOIST_API_H

#include <stddef.h>
#include <sys/socket.h>

#include "collector/container.h"

#define API_LISTEN_DEFAULT          "127.0.0.1:9108"
#define API_MAX_CONNECTIONS_DEFAULT 64
#define API_TIMEOUT_S_DEFAULT       10
#define API_CONN_MEMORY_DEFAULT     (16u << 10) /* request line + headers */
#define API_REPLY_MAX_DEFAULT       (64u << 20) /* one reply body */
#define API_URL_MAX                 2048        /* bytes of the path */
#define API_TOKEN_MAX               4096        /* bytes of the token file */

struct api_options {
	/* "ADDR:PORT" with a numeric IPv4 address, or "[IPv6]:PORT"; port 0
	 * takes a free one (see api_port).  "none" (or NULL, "") disables
	 * the API: see api_enabled(). */
	const char *listen;
	const char *token_file;     /* NULL or "": no token needed */
	double      interval_s;     /* the sweep interval, for /healthz; 0: 10 */
	unsigned    max_connections; /* 0: API_MAX_CONNECTIONS_DEFAULT */
	unsigned    timeout_s;      /* idle connection timeout; 0: default */
	size_t      conn_memory;    /* 0: API_CONN_MEMORY_DEFAULT */
	size_t      reply_max;      /* 0: API_REPLY_MAX_DEFAULT */
};

struct api;

/* api.c */
/* 0 when o->listen says the API is off ("none", NULL or ""), else 1. */
int  api_enabled(const struct api_options *o);
/*
 * Parse a listen address as api_options.listen describes it into *ss
 * (port in network order).  Returns 0, or -1 with err set.
 */
int  api_parse_listen(const char *s, struct sockaddr_storage *ss,
	socklen_t *sslen, char *err, size_t errlen);
/*
 * Read the token file and start serving on o->listen.  The table is
 * borrowed and must outlive the api; the options are copied.  Returns the
 * running api, or NULL with err set (bad address, port in use, unreadable
 * or empty token file).  Call only when api_enabled(o).
 */
struct api *api_start(struct container_table *t, const struct api_options *o,
	char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned    api_port(const struct api *a);
/* Stop serving, close every connection, free a.  NULL is a no-op. */
void        api_stop(struct api *a);

#endif
