/*
 * api.c — see api.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <microhttpd.h>

#include "collector/api.h"
#include "collector/apijson.h"
#include "collector/prom.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define CT_JSON "application/json"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

struct api {
	struct container_table *table;      /* borrowed */
	struct MHD_Daemon      *daemon;
	char                   *token;      /* NULL: no auth */
	size_t                  token_len;
	double                  interval_s;
	size_t                  reply_max;
	int64_t                 started_ns; /* realtime */
	unsigned                port;
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

struct route {
	const char     *path;
	int             prefix;     /* path is a prefix; the rest is an id */
	int             public;     /* served without the token */
	enum route_kind kind;
};

/* Longer paths first, so "/v1/apps/" wins over "/v1/apps". */
static const struct route api_routes[] = {
	{ "/healthz",         0, 1, ROUTE_HEALTH },
	{ "/metrics",         0, 0, ROUTE_METRICS },
	{ "/v1/containers/",  1, 0, ROUTE_CONTAINER },
	{ "/v1/containers",   0, 0, ROUTE_CONTAINERS },
	{ "/v1/apps/",        1, 0, ROUTE_APP },
	{ "/v1/apps",         0, 0, ROUTE_APPS },
};

/* A reply being put together. */
struct reply {
	unsigned    status;
	const char *content_type;
	struct buf  body;
	const char *allow;          /* Allow header, for 405 */
	const char *www_auth;       /* WWW-Authenticate header, for 401 */
};

int
api_enabled(const struct api_options *o)
{
	return o->listen != NULL && o->listen[0] != '\0' &&
	    strcmp(o->listen, "none") != 0;
}

int
api_parse_listen(const char *s, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs, *he;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	*sslen = 0;
	if (s[0] == '[') {
		hs = s + 1;
		he = strchr(hs, ']');
		if (he == NULL || he[1] != ':')
			goto bad;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto bad;
		hs = s;
		he = colon;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(host))
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (colon[1] == '\0' || parse_u64(colon + 1, &port) != 0 ||
	    port > 65535)
		goto bad;
	if (s[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*in4);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		return 0;
	}
bad:
	snprintf(err, errlen, "listen: \"%s\" is not ADDR:PORT or [ADDR6]:PORT "
	    "with a numeric address", s);
	return -1;
}

/*
 * Read the token: the file's content without trailing blanks and
 * newlines.  The token never reaches a log line.
 */
static int
load_token(struct api *a, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t len;

	if (read_file(path, API_TOKEN_MAX, &data, &len) != 0) {
		snprintf(err, errlen, "api_token_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	str_rtrim(data);
	len = strlen(data);
	if (len == 0) {
		snprintf(err, errlen, "api_token_file %s: empty token", path);
		free(data);
		return -1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("api_token_file %s is readable by every user", path);
	a->token = data;
	a->token_len = len;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of the path for MHD.  A "%00" would cut the path
 * short at the NUL (so "/v1/containers/abc%00xyz" would name "abc"); it
 * is decoded to DEL instead, which the handler refuses with 400 as it
 * refuses every control byte.  Returns the new length.
 */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	(void)cls;
	(void)conn;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0) {
			*w = (char)(hi << 4 | lo);
			if (*w == '\0')
				*w = 0x7f;
			w++;
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* Per-connection trouble (a client that hangs up mid-request) would
	 * flood the log at warning level: keep MHD to info. */
	log_info("api: %s", line);
}

static void
reply_error(struct reply *r, unsigned status, const char *msg)
{
	r->status = status;
	r->content_type = CT_JSON;
	buf_reset(&r->body);
	if (apijson_error(&r->body, msg) != APIJSON_OK)
		buf_reset(&r->body);
}

/*
 * Is the request allowed?  With a token, it needs the header
 * "Authorization: Bearer <token>" (scheme case-insensitive), compared in
 * constant time.
 */
static int
authorized(const struct api *a, struct MHD_Connection *conn, int *offered)
{
	const char *h, *p;
	size_t n;

	*offered = 0;
	if (a->token == NULL)
		return 1;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL)
		return 0;
	*offered = 1;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	p = h + 7;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return const_time_eq(a->token, a->token_len, p, n);
}

/* An origin-form path ("/..."), without control bytes (DEL included,
 * which is what "%00" decodes to).  Dot segments are left alone: paths
 * match exactly, so "/v1/../metrics" is simply not found. */
static int
path_ok(const char *url)
{
	const unsigned char *p;

	if (url[0] != '/')
		return 0;
	for (p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * The route for a path, and for a prefix route the rest of the path (the
 * id).  A list path may end in one slash: "/v1/apps/" is "/v1/apps".
 */
static const struct route *
find_route(const char *url, const char **rest)
{
	const struct route *rt;
	size_t i, len;

	*rest = NULL;
	for (i = 0; i < ARRAY_LEN(api_routes); i++) {
		rt = &api_routes[i];
		len = strlen(rt->path);
		if (strncmp(url, rt->path, len) != 0)
			continue;
		if (rt->prefix && url[len] != '\0') {
			*rest = url + len;
			return rt;
		}
		if (!rt->prefix && (url[len] == '\0' ||
		    (url[len] == '/' && url[len + 1] == '\0')))
			return rt;
	}
	return NULL;
}

static void
status_from(struct reply *r, enum apijson_result res, const char *what)
{
	char msg[128];

	switch (res) {
	case APIJSON_OK:
		r->status = MHD_HTTP_OK;
		return;
	case APIJSON_NOT_FOUND:
		snprintf(msg, sizeof(msg), "no such %s", what);
		reply_error(r, MHD_HTTP_NOT_FOUND, msg);
		return;
	case APIJSON_AMBIGUOUS:
		reply_error(r, MHD_HTTP_CONFLICT, apijson_strerror(res));
		return;
	case APIJSON_TOO_BIG:
	case APIJSON_NOMEM:
		log_warnx("api: %s reply: %s", what, apijson_strerror(res));
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    apijson_strerror(res));
		return;
	}
}

/* Render a route's body; the table is locked around this call only. */
static void
render(struct api *a, const struct route *rt, const char *rest,
    struct reply *r)
{
	struct container_table *t = a->table;
	char id[CONTAINER_NAME_MAX + 2];
	int64_t now = now_realtime_ns(), since;
	size_t n;
	int hs;

	r->content_type = CT_JSON;
	if (rest != NULL) {
		/* Trailing slashes are not part of an id. */
		n = str_copy(id, rest, sizeof(id));
		if (n >= sizeof(id)) {
			reply_error(r, MHD_HTTP_NOT_FOUND, "id too long");
			return;
		}
		while (n > 0 && id[n - 1] == '/')
			id[--n] = '\0';
	}
	pthread_mutex_lock(&t->lock);
	switch (rt->kind) {
	case ROUTE_HEALTH:
		since = t->health.started_ns > 0 ? t->health.started_ns :
		    a->started_ns;
		status_from(r, apijson_health(t, now, since, a->interval_s,
		    &r->body, &hs), "health");
		if (r->status == MHD_HTTP_OK)
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

/* Decide the reply to one request. */
static void
dispatch(struct api *a, struct MHD_Connection *conn, const char *url,
    const char *method, struct reply *r)
{
	const struct route *rt;
	const char *rest;
	int offered;

	if (strlen(url) > API_URL_MAX) {
		reply_error(r, MHD_HTTP_URI_TOO_LONG, "path too long");
		return;
	}
	if (!path_ok(url)) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "bad path");
		return;
	}
	rt = find_route(url, &rest);
	if ((rt == NULL || !rt->public) && !authorized(a, conn, &offered)) {
		r->www_auth = offered ?
		    "Bearer realm=\"hoist-collector\", error=\"invalid_token\"" :
		    "Bearer realm=\"hoist-collector\"";
		reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		return;
	}
	if (rt == NULL) {
		reply_error(r, MHD_HTTP_NOT_FOUND, "no such path");
		return;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		r->allow = "GET, HEAD";
		reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		return;
	}
	render(a, rt, rest, r);
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *data;

	data = buf_steal(&r->body, &len);
	if (data == NULL)
		resp = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(len, data,
		    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->content_type != NULL ? r->content_type : CT_JSON);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_auth != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    r->www_auth);
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * MHD's access handler.  Every reply is decided on the first call, before
 * any request body is read: no endpoint takes one, and a request that
 * sends one gets its reply and then a closed connection.
 */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct reply r;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body, a->reply_max);
	dispatch(a, conn, url, method, &r);
	ret = send_reply(conn, &r);
	buf_free(&r.body);
	return ret;
}

struct api *
api_start(struct container_table *t, const struct api_options *o,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	struct api *a;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_ERROR_LOG;

	err[0] = '\0';
	if (api_parse_listen(o->listen != NULL ? o->listen : "", &ss, &sslen,
	    err, errlen) != 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "api: out of memory");
		return NULL;
	}
	a->table = t;
	a->interval_s = o->interval_s > 0 ? o->interval_s : 10;
	a->reply_max = o->reply_max > 0 ? o->reply_max : API_REPLY_MAX_DEFAULT;
	a->started_ns = now_realtime_ns();
	if (o->token_file != NULL && o->token_file[0] != '\0' &&
	    load_token(a, o->token_file, err, errlen) != 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger goes first so that MHD never prints on its own. */
	a->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, a,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->max_connections > 0 ?
	        o->max_connections : API_MAX_CONNECTIONS_DEFAULT),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s > 0 ?
	        o->timeout_s : API_TIMEOUT_S_DEFAULT),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(o->conn_memory > 0 ?
	        o->conn_memory : API_CONN_MEMORY_DEFAULT),
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, (void *)NULL,
	    MHD_OPTION_END);
	if (a->daemon == NULL) {
		snprintf(err, errlen, "api: cannot listen on %s (address in "
		    "use or not available?)", o->listen);
		goto fail;
	}
	info = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info != NULL ? info->port : 0;
	return a;
fail:
	api_stop(a);
	return NULL;
}

unsigned
api_port(const struct api *a)
{
	return a->port;
}

void
api_stop(struct api *a)
{
	if (a == NULL)
		return;
	if (a->daemon != NULL)
		MHD_stop_daemon(a->daemon);
	if (a->token != NULL) {
		explicit_bzero(a->token, a->token_len);
		free(a->token);
	}
	free(a);
}
