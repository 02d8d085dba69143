/*
 * api.c — see api.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/api.h"
#include "collector/apijson.h"
#include "collector/prom.h"
#include "common/buf.h"
#include "common/httpd.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/util.h"

#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

struct api {
	struct container_table *table;      /* borrowed */
	struct httpd           *httpd;
	double                  interval_s;
	int64_t                 started_mono_ns; /* CLOCK_MONOTONIC */
};

/* What a route renders; the reply buffer is filled under the lock. */
enum route_kind {
	ROUTE_HEALTH,
	ROUTE_METRICS,
	ROUTE_CONTAINERS,
	ROUTE_CONTAINER,
	ROUTE_APPS,
	ROUTE_APP,
};

/* Only GET (and HEAD); /healthz is served without the token. */
static const struct httpd_route api_routes[] = {
	{ "/healthz",         HTTPD_M_GET, 1, 0, ROUTE_HEALTH },
	{ "/metrics",         HTTPD_M_GET, 0, 0, ROUTE_METRICS },
	{ "/v1/containers/*", HTTPD_M_GET, 0, 0, ROUTE_CONTAINER },
	{ "/v1/containers",   HTTPD_M_GET, 0, 0, ROUTE_CONTAINERS },
	{ "/v1/apps/*",       HTTPD_M_GET, 0, 0, ROUTE_APP },
	{ "/v1/apps",         HTTPD_M_GET, 0, 0, ROUTE_APPS },
};

int
api_enabled(const struct api_options *o)
{
	return o->listen != NULL && o->listen[0] != '\0' &&
	    strcmp(o->listen, "none") != 0;
}

static void
status_from(struct httpd_reply *r, enum apijson_result res, const char *what)
{
	switch (res) {
	case APIJSON_OK:
		r->status = 200;
		return;
	case APIJSON_NOT_FOUND:
		httpd_reply_error(r, 404, NULL, "no such %s", what);
		return;
	case APIJSON_AMBIGUOUS:
		httpd_reply_error(r, 409, NULL, "%s", apijson_strerror(res));
		return;
	case APIJSON_TOO_BIG:
	case APIJSON_NOMEM:
		log_warnx("api: %s reply: %s", what, apijson_strerror(res));
		httpd_reply_error(r, 500, NULL, "%s", apijson_strerror(res));
		return;
	}
}

/* Render a route's body; the table is locked around this call only. */
static void
render(void *ctx, const struct httpd_request *rq, struct httpd_reply *r)
{
	struct api *a = ctx;
	struct container_table *t = a->table;
	char id[CONTAINER_NAME_MAX + 2];
	int64_t now = now_mono_ns(), since;  /* every age is monotonic */
	size_t n;
	int hs;

	r->content_type = NULL;         /* JSON */
	if (rq->id != NULL) {
		/* Trailing slashes are not part of an id. */
		n = str_copy(id, rq->id, sizeof(id));
		if (n >= sizeof(id)) {
			httpd_reply_error(r, 404, NULL, "id too long");
			return;
		}
		while (n > 0 && id[n - 1] == '/')
			id[--n] = '\0';
	}
	pthread_mutex_lock(&t->lock);
	switch ((enum route_kind)rq->route) {
	case ROUTE_HEALTH:
		since = t->health.started_mono_ns > 0 ?
		    t->health.started_mono_ns : a->started_mono_ns;
		status_from(r, apijson_health(t, now, since, a->interval_s,
		    &r->body, &hs), "health");
		if (r->status == 200)
			r->status = (unsigned)hs;
		break;
	case ROUTE_METRICS:
		r->content_type = CT_PROM;
		status_from(r, prom_render(t, &r->body) == 0 ? APIJSON_OK :
		    APIJSON_TOO_BIG, "metrics");
		break;
	case ROUTE_CONTAINERS:
		status_from(r, apijson_containers(t, &r->body), "containers");
		break;
	case ROUTE_CONTAINER:
		status_from(r, apijson_container(t, id, &r->body),
		    "container");
		break;
	case ROUTE_APPS:
		status_from(r, apijson_apps(t, now, &r->body), "apps");
		break;
	case ROUTE_APP:
		status_from(r, apijson_app(t, id, now, &r->body), "app");
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

struct api *
api_start(struct container_table *t, const struct api_options *o,
    char *err, size_t errlen)
{
	struct httpd_options ho;
	struct api *a;
	char *token = NULL;

	err[0] = '\0';
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "api: out of memory");
		return NULL;
	}
	a->table = t;
	a->interval_s = o->interval_s > 0 ? o->interval_s : 10;
	a->started_mono_ns = now_mono_ns();
	if (o->token_file != NULL && o->token_file[0] != '\0') {
		token = secret_read(o->token_file, HTTPD_TOKEN_MAX, NULL, err,
		    errlen);
		if (token == NULL)
			goto fail;
	}
	memset(&ho, 0, sizeof(ho));
	ho.name = "hoist-collector";
	ho.listen = o->listen;
	ho.token = token;
	ho.tls_cert_file = o->tls_cert_file;
	ho.tls_key_file = o->tls_key_file;
	ho.max_connections = o->max_connections;
	ho.timeout_s = o->timeout_s;
	ho.conn_memory = o->conn_memory;
	ho.reply_max = o->reply_max;
	ho.routes = api_routes;
	ho.nroutes = ARRAY_LEN(api_routes);
	ho.handler = render;
	ho.ctx = a;
	a->httpd = httpd_start(&ho, err, errlen);
	secret_free(token);
	if (a->httpd == NULL)
		goto fail;
	return a;
fail:
	api_stop(a);
	return NULL;
}

unsigned
api_port(const struct api *a)
{
	return httpd_port(a->httpd);
}

void
api_stop(struct api *a)
{
	if (a == NULL)
		return;
	httpd_stop(a->httpd);
	free(a);
}
