/*
 * httpd.c — the libmicrohttpd shell of httpd.h.
 *
 * One MHD daemon with its internal polling thread serves every
 * connection; a second, small thread (the reaper) closes connections
 * that take too long to deliver a request.  poll(2), not epoll: the cap
 * keeps the connections few, and for a few poll is the cheaper (about a
 * third more requests/s under wrk than MHD_USE_AUTO's epoll); unlike
 * select it has no FD_SETSIZE limit (the collector holds many files).
 *
 * How a request goes:
 *   uri_logger()   MHD has the request line.  It sees the raw URI, so it
 *                  records where the URI ends (a raw NUL shows as a
 *                  mismatch later), counts the query parameters and, past
 *                  the cap, blanks the query before MHD parses it.  Its
 *                  result is the request's state (con_cls).
 *   handle()       first call: headers are whole; every check of the core
 *                  (httpd_classify and the header checks) runs here, and
 *                  a refused request is answered at once.  A route that
 *                  takes a body gets it collected (capped) over the next
 *                  calls; MHD's last call (the request is whole) runs the
 *                  route's handler.
 *   completed()    the reply is sent: the request state is freed, the
 *                  connection's clock restarts for its next request.
 *
 * Slow clients: libmicrohttpd's own timeout is an idle timeout, reset by
 * each byte, so one byte a second keeps a connection forever.  The core
 * tracks every connection (notify_conn) with the time its current
 * request began; the reaper closes those past timeout_s, and a new
 * connection past max_connections closes the one that has been
 * receiving the longest.  "Closes" is shutdown(2) on the socket: MHD
 * still owns the descriptor, sees end of file and cleans up in its own
 * thread, so no descriptor is ever closed under it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "common/httpd.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/util.h"

#define CT_JSON "application/json"
#define REAP_PERIOD_MS 100
#define KICK_REPORT_NS (60 * 1000000000LL)
#define TLS_FILE_MAX (60u << 10)
#define HTTPD_BODY_DRAIN_MAX (16 * HTTPD_BODY_MAX) /* read past the cap */

/* One accepted connection, from MHD's "started" to its "closed". */
struct conn {
	struct conn *prev, *next;
	int          fd;
	int64_t      since_ns;   /* monotonic: start of the current request */
	int          receiving;  /* a request is not yet whole */
	int          kicked;     /* shut down; MHD will close it */
};

/* A deferred request (httpd_defer), under the server's async_mu. */
struct httpd_async {
	struct httpd          *h;
	struct MHD_Connection *mc;
	int                    suspended;  /* MHD has it suspended */
	int                    finished;   /* httpd_finish() ran */
	struct httpd_reply     reply;
};

/* One request, from the request line to the sent reply. */
struct req {
	struct httpd       *h;
	struct httpd_async *async;  /* deferred by its handler, or NULL */
	int                 deferred; /* counted in nasync until completed */
	uintptr_t  uri_end;      /* just past the raw URI's first NUL */
	size_t     params;       /* query parameters in the raw URI */
	int        started;      /* handle() has seen the headers */
	int        too_big;      /* the body went past HTTPD_BODY_MAX */
	int        hard;         /* refused for its framing: close after */
	struct buf body;
	struct httpd_verdict v;
};

struct httpd {
	struct MHD_Daemon   *mhd;
	struct httpd_options o;      /* routes and ctx borrowed */
	char                 name[64];
	char                 realm[96], realm_invalid[128];
	pthread_mutex_t      token_mu;
	char                *token;  /* NULL: no auth */
	size_t               token_len;
	char                *tls_cert, *tls_key;
	size_t               tls_key_len;
	unsigned             port;
	/* connection tracking, under conn_mu */
	pthread_mutex_t      conn_mu;
	pthread_cond_t       reap_cv;
	pthread_t            reaper;
	int                  reaper_on, stopping;
	struct conn         *head, *tail;   /* oldest first */
	unsigned             receiving;
	unsigned long        kicked_cap, kicked_late; /* since the report */
	int64_t              reported_ns;
	/* deferred requests (httpd_defer), under async_mu */
	pthread_mutex_t      async_mu;
	pthread_cond_t       async_cv;
	unsigned             nasync;     /* deferred, not yet completed */
};

#define SO(f) offsetof(struct httpd_settings, f)
const struct conf_opt httpd_conf_opts[] = {
	{ "api_token_file", 0, CONF_STR, SO(api_token_file), 0, 0, "", "FILE",
	  "require \"Authorization: Bearer TOKEN\" (TOKEN: the first line of "
	  "FILE, mode 0600) on the API, except /healthz (and the scaler's "
	  "/metrics)" },
	{ "api_tls_cert", 0, CONF_STR, SO(api_tls_cert), 0, 0, "", "FILE",
	  "serve the API over HTTPS with this PEM certificate (chain)" },
	{ "api_tls_key", 0, CONF_STR, SO(api_tls_key), 0, 0, "", "FILE",
	  "the PEM private key of api_tls_cert (mode 0600)" },
	{ "api_max_connections", 0, CONF_INT, SO(api_max_connections), 1,
	  10000, "64", "N", "API connections receiving a request at once; "
	  "past it the oldest is closed" },
	{ "api_timeout_s", 0, CONF_INT, SO(api_timeout_s), 1, 3600, "10",
	  "SEC", "time a client has to send a whole request (and idle "
	  "time between requests)" },
};
#undef SO
const size_t httpd_conf_nopts = ARRAY_LEN(httpd_conf_opts);

/* ---- connection tracking ------------------------------------------- */

static void
conn_unlink(struct httpd *h, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		h->tail = c->prev;
	c->prev = c->next = NULL;
}

static void
conn_append(struct httpd *h, struct conn *c)
{
	c->prev = h->tail;
	c->next = NULL;
	if (h->tail != NULL)
		h->tail->next = c;
	else
		h->head = c;
	h->tail = c;
}

/* Set whether c is receiving a request; a new request goes to the end
 * of the list, so the list stays ordered by since_ns.  Under conn_mu. */
static void
conn_set_receiving(struct httpd *h, struct conn *c, int on)
{
	if (c->kicked || c->receiving == on)
		return;
	c->receiving = on;
	if (on) {
		h->receiving++;
		c->since_ns = now_mono_ns();
		conn_unlink(h, c);
		conn_append(h, c);
	} else
		h->receiving--;
}

/* Close c (see the top comment), counting why in *counter.  Under
 * conn_mu. */
static void
conn_kick(struct httpd *h, struct conn *c, unsigned long *counter)
{
	conn_set_receiving(h, c, 0);
	c->kicked = 1;
	shutdown(c->fd, SHUT_RDWR);
	(*counter)++;
}

/*
 * Under an attack the closes come by the thousand: say how many once a
 * minute at most, not once each.  Under conn_mu.
 */
static void
report_kicks(struct httpd *h, int64_t now)
{
	if (now - h->reported_ns < KICK_REPORT_NS ||
	    (h->kicked_cap == 0 && h->kicked_late == 0))
		return;
	/* Timeouts alone are mostly idle keep-alive connections (a scraper
	 * between two scrapes): not worth an info line. */
#define KICK_FMT "%s: closed %lu connections past api_max_connections " \
	"(%u) and %lu that had not sent a whole request within " \
	"api_timeout_s (%u s)"
	if (h->kicked_cap > 0)
		log_info(KICK_FMT, h->name, h->kicked_cap,
		    h->o.max_connections, h->kicked_late, h->o.timeout_s);
	else
		log_debug(KICK_FMT, h->name, h->kicked_cap,
		    h->o.max_connections, h->kicked_late, h->o.timeout_s);
#undef KICK_FMT
	h->kicked_cap = h->kicked_late = 0;
	h->reported_ns = now;
}

/* The connection receiving its request for the longest.  Under conn_mu. */
static struct conn *
conn_oldest(struct httpd *h)
{
	struct conn *c;

	for (c = h->head; c != NULL; c = c->next)
		if (c->receiving)
			return c;
	return NULL;
}

static void
notify_conn(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = cls;
	struct conn *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		c = calloc(1, sizeof(*c));
		if (c == NULL || ci == NULL) {
			free(c);
			return;
		}
		c->fd = ci->connect_fd;
		pthread_mutex_lock(&h->conn_mu);
		conn_append(h, c);
		conn_set_receiving(h, c, 1);
		if (h->receiving > h->o.max_connections)
			conn_kick(h, conn_oldest(h), &h->kicked_cap);
		pthread_mutex_unlock(&h->conn_mu);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&h->conn_mu);
	conn_set_receiving(h, c, 0);
	conn_unlink(h, c);
	pthread_mutex_unlock(&h->conn_mu);
	free(c);
	*socket_context = NULL;
}

static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void
conn_mark(struct httpd *h, struct MHD_Connection *mc, int receiving)
{
	struct conn *c = conn_of(mc);

	if (c == NULL)
		return;
	pthread_mutex_lock(&h->conn_mu);
	conn_set_receiving(h, c, receiving);
	pthread_mutex_unlock(&h->conn_mu);
}

/* Close every connection whose request began timeout_s ago or more. */
static void *
reaper(void *arg)
{
	struct httpd *h = arg;
	int64_t limit = (int64_t)h->o.timeout_s * 1000000000LL, now;
	struct timespec ts;
	struct conn *c;

	pthread_mutex_lock(&h->conn_mu);
	while (!h->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += REAP_PERIOD_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->reap_cv, &h->conn_mu, &ts);
		now = now_mono_ns();
		/* Oldest first: stop at the first one still in time. */
		while ((c = conn_oldest(h)) != NULL &&
		    now - c->since_ns >= limit)
			conn_kick(h, c, &h->kicked_late);
		report_kicks(h, now);
	}
	pthread_mutex_unlock(&h->conn_mu);
	return NULL;
}

/* ---- requests -------------------------------------------------------- */

/*
 * MHD's URI log callback: the raw URI, before MHD cuts the query off and
 * decodes the path.  Its result becomes the request's *con_cls.
 *
 * MHD hands the URI over as a C string, so a raw NUL in the request line
 * cuts it; the bytes after the URI's end are the '\0' MHD put in place
 * of the blank before "HTTP/1.1", and then the version string handle()
 * receives.  uri_end records where that version would start if the URI
 * had no NUL; handle() compares.
 */
static void *
uri_logger(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct req *rq = calloc(1, sizeof(*rq));
	char *q;

	(void)mc;
	if (rq == NULL)
		return NULL;
	rq->h = cls;
	buf_init(&rq->body, HTTPD_BODY_MAX);
	if (uri == NULL)
		return rq;      /* uri_end 0: refused in handle() */
	rq->uri_end = (uintptr_t)(uri + strlen(uri) + 1);
	rq->params = httpd_query_params(uri);
	if (rq->params > HTTPD_QUERY_PARAMS_MAX) {
		/* MHD would store every parameter in the connection's small
		 * memory pool, run out and leave the client without a reply:
		 * blank the query (MHD's own buffer, which it edits in place
		 * itself) so that it parses none. */
		q = strchr(uri, '?');
		if (q != NULL)
			q[1] = '\0';
	}
	return rq;
}

/* Two Content-Length headers, or one with Transfer-Encoding: a request
 * that two parsers could read differently. */
struct hdr_count {
	unsigned content_length, transfer_encoding;
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct hdr_count *n = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		n->content_length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		n->transfer_encoding++;
	return MHD_YES;
}

static int
authorized(struct httpd *h, struct MHD_Connection *mc, int *offered)
{
	const char *a = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	int ok;

	*offered = a != NULL;
	pthread_mutex_lock(&h->token_mu);
	ok = h->token == NULL || httpd_bearer_ok(a, h->token, h->token_len);
	pthread_mutex_unlock(&h->token_mu);
	return ok;
}

/*
 * Everything the core checks once the headers are in.  Fills rq->v;
 * v.status 0 means the route may be served.
 */
static void
check_request(struct httpd *h, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, struct req *rq)
{
	struct hdr_count hc = { 0, 0 };
	int offered = 0, ok;

	memset(&rq->v, 0, sizeof(rq->v));
	rq->v.status = 400;
	rq->hard = 1;           /* framing in doubt: answer, then close */
	if (rq->uri_end == 0 || (uintptr_t)version != rq->uri_end) {
		rq->v.error = "NUL byte in the request line";
		return;
	}
	MHD_get_connection_values(mc, MHD_HEADER_KIND, count_header, &hc);
	if (hc.content_length > 1 ||
	    (hc.content_length > 0 && hc.transfer_encoding > 0)) {
		rq->v.error = "conflicting Content-Length or Transfer-Encoding";
		return;
	}
	rq->hard = 0;
	if (rq->params > HTTPD_QUERY_PARAMS_MAX) {
		rq->v.status = 414;
		rq->v.error = "too many query parameters";
		return;
	}
	ok = authorized(h, mc, &offered);
	httpd_classify(h->o.routes, h->o.nroutes, method, url, ok, &rq->v);
	if (rq->v.status == 401 && offered)
		rq->v.challenge = 2;
}

static enum MHD_Result
send_reply(struct httpd *h, struct MHD_Connection *mc, struct httpd_reply *rp,
    const struct httpd_verdict *v)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *data;

	data = buf_steal(&rp->body, &len);
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
	    rp->content_type != NULL ? rp->content_type : CT_JSON);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	if (rp->allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
	else if (v != NULL && v->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, v->allow);
	if (v != NULL && v->challenge)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    v->challenge == 2 ? h->realm_invalid : h->realm);
	ret = MHD_queue_response(mc, rp->status, resp);
	MHD_destroy_response(resp);
	conn_mark(h, mc, 0);
	if (h->o.on_reply != NULL)
		h->o.on_reply(h->o.ctx, rp->status);
	return ret;
}

/* Answer rq->v's refusal. */
static enum MHD_Result
refuse(struct httpd *h, struct MHD_Connection *mc, const struct req *rq)
{
	struct httpd_reply rp;
	enum MHD_Result ret;

	memset(&rp, 0, sizeof(rp));
	buf_init(&rp.body, HTTPD_ERROR_MAX);
	httpd_reply_error(&rp, rq->v.status, NULL, "%s", rq->v.error);
	ret = send_reply(h, mc, &rp, &rq->v);
	buf_free(&rp.body);
	return ret;
}

/* Send a deferred request's reply (its handler or a resume). */
static enum MHD_Result
send_async(struct httpd *h, struct MHD_Connection *mc, struct req *rq)
{
	struct httpd_async *as = rq->async;
	enum MHD_Result ret;

	rq->async = NULL;
	ret = send_reply(h, mc, &as->reply, NULL);
	buf_free(&as->reply.body);
	free(as);
	return ret;     /* completed() counts it done once it is written */
}

/* The handler deferred: suspend, unless it is finished already. */
static enum MHD_Result
suspend(struct httpd *h, struct MHD_Connection *mc, struct req *rq)
{
	pthread_mutex_lock(&h->async_mu);
	if (rq->async->finished) {
		pthread_mutex_unlock(&h->async_mu);
		return send_async(h, mc, rq);
	}
	/* Under async_mu, so httpd_finish() resumes only a suspended
	 * connection.  The request is whole: no timeout runs. */
	rq->async->suspended = 1;
	conn_mark(h, mc, 0);
	MHD_suspend_connection(mc);
	pthread_mutex_unlock(&h->async_mu);
	return MHD_YES;
}

/* Run the route's handler and send what it made. */
static enum MHD_Result
serve(struct httpd *h, struct MHD_Connection *mc, const char *url,
    const char *method, struct req *rq)
{
	struct httpd_request r;
	struct httpd_reply rp;
	enum MHD_Result ret;

	memset(&r, 0, sizeof(r));
	memset(&rp, 0, sizeof(rp));
	r.route = rq->v.route->id;
	r.method = rq->v.method == HTTPD_M_HEAD ? HTTPD_M_GET : rq->v.method;
	r.method_name = method;
	r.path = url;
	r.id = rq->v.id;
	r.body = rq->body.data != NULL ? rq->body.data : "";
	r.body_len = rq->body.len;
	r.conn = mc;
	r.core = rq;
	buf_init(&rp.body, h->o.reply_max);
	rp.status = 500;
	h->o.handler(h->o.ctx, &r, &rp);
	if (rq->async != NULL) {
		buf_free(&rp.body);
		return suspend(h, mc, rq);
	}
	ret = send_reply(h, mc, &rp, NULL);
	buf_free(&rp.body);
	return ret;
}

/* The first call: headers whole, no body read yet. */
static enum MHD_Result
first_call(struct httpd *h, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, struct req *rq)
{
	const char *cl;
	uint64_t n = 0;
	int has_body;

	rq->started = 1;
	check_request(h, mc, url, method, version, rq);
	cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	has_body = (cl != NULL && (parse_u64(cl, &n) != 0 || n > 0)) ||
	    MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
	/*
	 * A refusal with a body, one whose framing is suspect, or a body
	 * where none is taken: answer before reading the body (MHD then
	 * closes the connection).  Everything else waits for MHD's last
	 * call, so that the connection stays open for the next request.
	 */
	if (rq->v.status != 0 && (rq->hard || has_body))
		return refuse(h, mc, rq);
	if (rq->v.status != 0)
		return MHD_YES;
	if (!rq->v.route->body && has_body)
		return serve(h, mc, url, method, rq);
	/* A body a little over the cap is read and dropped, then refused:
	 * a client still sending when we close would get a reset instead
	 * of the 413.  A far larger one is refused at once. */
	if (has_body && cl != NULL && n > HTTPD_BODY_DRAIN_MAX) {
		rq->v.status = 413;
		rq->v.error = "the body is larger than 65536 bytes";
		return refuse(h, mc, rq);
	}
	return MHD_YES;         /* the body, if any, comes next */
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct req *rq = *con_cls;

	if (rq == NULL)
		return MHD_NO;  /* out of memory in uri_logger */
	if (!rq->started)
		return first_call(h, mc, url, method, version, rq);
	if (rq->async != NULL)          /* resumed: its reply is ready */
		return send_async(h, mc, rq);
	if (*upload_data_size > 0) {
		if (!rq->too_big && buf_append(&rq->body, upload_data,
		    *upload_data_size) != 0)
			rq->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->v.status != 0)
		return refuse(h, mc, rq);
	if (rq->too_big) {
		rq->v.status = 413;
		rq->v.error = "the body is larger than 65536 bytes";
		return refuse(h, mc, rq);
	}
	return serve(h, mc, url, method, rq);
}

static void
completed(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct req *rq = *con_cls;

	/* The connection's clock restarts for its next request. */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		conn_mark(h, mc, 1);
	if (rq == NULL)
		return;
	if (rq->async != NULL) {
		/* Resumed, then closed before its reply went out (the client
		 * left): the reply is dropped.  Only a finished request is
		 * ever resumed, so httpd_finish() is done with it. */
		buf_free(&rq->async->reply.body);
		free(rq->async);
	}
	if (rq->deferred) {
		/* Its reply is written, or its connection gone: httpd_stop()
		 * may go on. */
		pthread_mutex_lock(&h->async_mu);
		h->nasync--;
		pthread_cond_broadcast(&h->async_cv);
		pthread_mutex_unlock(&h->async_mu);
	}
	buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static size_t
unescape(void *cls, struct MHD_Connection *mc, char *s)
{
	(void)cls;
	(void)mc;
	return httpd_unescape(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct httpd *h = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	/* MHD speaks of each connection it drops (a client that hangs up,
	 * each slow client the core closes): thousands of lines under an
	 * attack.  Debug only; start-up failures are reported by
	 * httpd_start() itself and the closes by report_kicks(). */
	log_debug("%s: %s", h->name, line);
}

/* ---- public ---------------------------------------------------------- */

const char *
httpd_query(const struct httpd_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

struct httpd_async *
httpd_defer(const struct httpd_request *r)
{
	struct req *rq = r->core;
	struct httpd_async *as;
	struct httpd *h;

	if (rq == NULL || rq->async != NULL)
		return NULL;
	as = calloc(1, sizeof(*as));
	if (as == NULL)
		return NULL;
	h = rq->h;
	as->h = h;
	as->mc = r->conn;
	rq->async = as;
	rq->deferred = 1;
	pthread_mutex_lock(&h->async_mu);
	h->nasync++;
	pthread_mutex_unlock(&h->async_mu);
	return as;
}

void
httpd_finish(struct httpd_async *as, struct httpd_reply *rp)
{
	struct httpd *h = as->h;
	struct MHD_Connection *mc = as->mc;
	int resume;

	pthread_mutex_lock(&h->async_mu);
	as->reply.status = rp->status;
	as->reply.content_type = rp->content_type;
	as->reply.allow = rp->allow;
	as->reply.body = rp->body;
	buf_init(&rp->body, rp->body.max);
	as->finished = 1;
	resume = as->suspended;
	pthread_mutex_unlock(&h->async_mu);
	/* From here on the server's thread may send and free as. */
	if (resume)
		MHD_resume_connection(mc);
}

void
httpd_reply_error(struct httpd_reply *rp, unsigned status, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->status = status;
	rp->content_type = CT_JSON;
	buf_reset(&rp->body);
	if (httpd_json_error(&rp->body, msg, field) != 0)
		buf_reset(&rp->body);
}

void
httpd_set_token(struct httpd *h, const char *token)
{
	char *t = NULL;

	if (token != NULL && token[0] != '\0')
		t = strdup(token);
	pthread_mutex_lock(&h->token_mu);
	secret_free(h->token);
	h->token = t;
	h->token_len = t != NULL ? strlen(t) : 0;
	pthread_mutex_unlock(&h->token_mu);
}

unsigned
httpd_port(const struct httpd *h)
{
	return h->port;
}

/* Read the TLS certificate (public) and key (private, like a secret). */
static int
load_tls(struct httpd *h, const struct httpd_options *o, char *err,
    size_t errlen)
{
	size_t len;
	int have_cert = o->tls_cert_file != NULL && o->tls_cert_file[0] != '\0';
	int have_key = o->tls_key_file != NULL && o->tls_key_file[0] != '\0';

	if (!have_cert && !have_key)
		return 0;
	if (have_cert != have_key) {
		snprintf(err, errlen, "api_tls_cert and api_tls_key go "
		    "together");
		return -1;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd has no TLS support");
		return -1;
	}
	if (read_file(o->tls_cert_file, TLS_FILE_MAX, &h->tls_cert, &len)
	    != 0) {
		snprintf(err, errlen, "api_tls_cert %s: %s", o->tls_cert_file,
		    strerror(errno));
		return -1;
	}
	h->tls_key = secret_read_pem(o->tls_key_file, TLS_FILE_MAX,
	    &h->tls_key_len, err, errlen);
	return h->tls_key != NULL ? 0 : -1;
}

static int
start_mhd(struct httpd *h, const struct sockaddr_storage *ss, char *err,
    size_t errlen)
{
	struct MHD_OptionItem opts[16];
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	size_t n = 0;

#define OPT(o_, v_, p_) (opts[n++] = (struct MHD_OptionItem){ (o_), \
	(intptr_t)(v_), (void *)(p_) })
	/* The logger goes first so that MHD never prints on its own. */
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h);
	OPT(MHD_OPTION_SOCK_ADDR, 0, ss);
	/* Our cap counts connections receiving a request; MHD's is only a
	 * backstop above it for connections being answered. */
	OPT(MHD_OPTION_CONNECTION_LIMIT, h->o.max_connections * 2 + 16, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, h->o.timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, h->o.conn_memory, NULL);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, uri_logger, h);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, completed, h);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, notify_conn, h);
	if (h->tls_key != NULL) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s (address in use or "
		    "not available%s?)", h->o.listen, h->tls_key != NULL ?
		    ", or a bad TLS certificate or key" : "");
		return -1;
	}
	return 0;
}

struct httpd *
httpd_start(const struct httpd_options *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	pthread_condattr_t ca;
	socklen_t sslen;
	struct httpd *h;

	err[0] = '\0';
	if (httpd_parse_listen(o->listen != NULL ? o->listen : "", &ss,
	    &sslen, err, errlen) != 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->o = *o;
	str_copy_trunc(h->name, o->name != NULL ? o->name : "httpd",
	    sizeof(h->name));
	snprintf(h->realm, sizeof(h->realm), "Bearer realm=\"%s\"", h->name);
	snprintf(h->realm_invalid, sizeof(h->realm_invalid),
	    "Bearer realm=\"%s\", error=\"invalid_token\"", h->name);
	if (h->o.max_connections == 0)
		h->o.max_connections = HTTPD_MAX_CONNECTIONS_DEFAULT;
	if (h->o.timeout_s == 0)
		h->o.timeout_s = HTTPD_TIMEOUT_S_DEFAULT;
	if (h->o.conn_memory == 0)
		h->o.conn_memory = HTTPD_CONN_MEMORY_DEFAULT;
	if (h->o.reply_max == 0)
		h->o.reply_max = HTTPD_REPLY_MAX_DEFAULT;
	h->o.token = NULL;
	pthread_mutex_init(&h->token_mu, NULL);
	pthread_mutex_init(&h->conn_mu, NULL);
	pthread_mutex_init(&h->async_mu, NULL);
	pthread_cond_init(&h->async_cv, NULL);
	/* The reaper's timed wait reads CLOCK_MONOTONIC. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->reap_cv, &ca);
	pthread_condattr_destroy(&ca);
	httpd_set_token(h, o->token);
	if (load_tls(h, o, err, errlen) != 0 || start_mhd(h, &ss, err,
	    errlen) != 0)
		goto fail;
	if (pthread_create(&h->reaper, NULL, reaper, h) != 0) {
		snprintf(err, errlen, "cannot start the reaper thread");
		goto fail;
	}
	h->reaper_on = 1;
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : 0;
	return h;
fail:
	httpd_stop(h);
	return NULL;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->reaper_on) {
		pthread_mutex_lock(&h->conn_mu);
		h->stopping = 1;
		pthread_cond_signal(&h->reap_cv);
		pthread_mutex_unlock(&h->conn_mu);
		pthread_join(h->reaper, NULL);
	}
	/* MHD must not stop with a connection suspended: every deferred
	 * request is finished by its owner, then its reply written by MHD's
	 * thread (or its connection closed, at the latest by timeout_s). */
	pthread_mutex_lock(&h->async_mu);
	while (h->nasync > 0)
		pthread_cond_wait(&h->async_cv, &h->async_mu);
	pthread_mutex_unlock(&h->async_mu);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	secret_free(h->token);
	free(h->tls_cert);
	if (h->tls_key != NULL)
		explicit_bzero(h->tls_key, h->tls_key_len);
	free(h->tls_key);
	pthread_cond_destroy(&h->reap_cv);
	pthread_cond_destroy(&h->async_cv);
	pthread_mutex_destroy(&h->async_mu);
	pthread_mutex_destroy(&h->conn_mu);
	pthread_mutex_destroy(&h->token_mu);
	free(h);
}
