/*
 * marathon.c — the I/O half of marathon.h: one keep-alive HTTP client per
 * struct marathon, credentials read once, every status mapped in one place
 * (marathon_decode_error()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/util.h"
#include "marathon/marathon.h"

#define MARATHON_URL_MAX     2048
#define MARATHON_SECRET_MAX  8192     /* a password or token file */

struct marathon {
	struct http_client *http;
	char   *url;              /* base, no trailing '/' */
	char   *userpwd;          /* "user:password", or NULL */
	char   *auth_header;      /* "Authorization: token=...", or NULL */
	char   *ca_file;
	struct http_tls tls;
	int     use_tls;
	long    timeout_ms;
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct marathon *
marathon_new(const struct marathon_options *o, char *err, size_t errlen)
{
	struct marathon *m = NULL;
	char *secret = NULL;
	size_t ulen, n;

	if (o->url == NULL || (strncmp(o->url, "http://", 7) != 0 &&
	    strncmp(o->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "Marathon URL must start with http:// or "
		    "https://: %s", o->url != NULL ? o->url : "(none)");
		return NULL;
	}
	if ((o->user != NULL) != (o->password_file != NULL)) {
		snprintf(err, errlen, "basic auth needs both a user and a "
		    "password file");
		return NULL;
	}
	if (o->user != NULL && o->token_file != NULL) {
		snprintf(err, errlen, "give either basic auth or a token file, "
		    "not both");
		return NULL;
	}
	ulen = strlen(o->url);
	if (ulen >= MARATHON_URL_MAX - MARATHON_ID_MAX - 64) {
		snprintf(err, errlen, "Marathon URL too long");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto nomem;
	m->url = strdup(o->url);
	if (m->url == NULL)
		goto nomem;
	while (ulen > 0 && m->url[ulen - 1] == '/')
		m->url[--ulen] = '\0';
	if (o->user != NULL) {
		if (strchr(o->user, ':') != NULL) {
			snprintf(err, errlen, "basic auth user may not contain ':'");
			goto fail;
		}
		secret = secret_read(o->password_file, MARATHON_SECRET_MAX,
		    NULL, err, errlen);
		if (secret == NULL)
			goto fail;
		n = strlen(o->user) + 1 + strlen(secret) + 1;
		m->userpwd = malloc(n);
		if (m->userpwd == NULL)
			goto nomem;
		snprintf(m->userpwd, n, "%s:%s", o->user, secret);
	} else if (o->token_file != NULL) {
		secret = secret_read(o->token_file, MARATHON_SECRET_MAX,
		    NULL, err, errlen);
		if (secret == NULL)
			goto fail;
		n = strlen("Authorization: token=") + strlen(secret) + 1;
		m->auth_header = malloc(n);
		if (m->auth_header == NULL)
			goto nomem;
		snprintf(m->auth_header, n, "Authorization: token=%s", secret);
	}
	m->ca_file = dup_or_null(o->ca_file);
	if (o->ca_file != NULL && m->ca_file == NULL)
		goto nomem;
	m->tls.ca_file = m->ca_file;
	m->tls.insecure = o->insecure;
	m->use_tls = strncmp(m->url, "https://", 8) == 0;
	m->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	m->http = http_client_new();
	if (m->http == NULL)
		goto nomem;
	secret_free(secret);
	return m;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	secret_free(secret);
	marathon_free(m);
	return NULL;
}

void
marathon_free(struct marathon *m)
{
	if (m == NULL)
		return;
	http_client_free(m->http);
	if (m->userpwd != NULL)
		explicit_bzero(m->userpwd, strlen(m->userpwd));
	if (m->auth_header != NULL)
		explicit_bzero(m->auth_header, strlen(m->auth_header));
	free(m->userpwd);
	free(m->auth_header);
	free(m->ca_file);
	free(m->url);
	free(m);
}

const char *
marathon_url(const struct marathon *m)
{
	return m->url;
}

static void
status_clear(struct marathon_status *st)
{
	memset(st, 0, sizeof(*st));
}

/* st->message, cut to fit (a URL in it may be long). */
static void __attribute__((format(printf, 2, 3)))
status_msg(struct marathon_status *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
}

/* One request's options: headers, credentials, TLS, timeout. */
static void
make_request(struct marathon *m, const char *method, const char *url,
    const char *body, size_t len, struct http_request *req)
{
	int h = 0;

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->headers[h++] = "Accept: application/json";
	if (body != NULL)
		req->headers[h++] = "Content-Type: application/json";
	if (m->auth_header != NULL)
		req->headers[h++] = m->auth_header;
	req->headers[h] = NULL;
	req->body = body;
	req->body_len = len;
	req->userpwd = m->userpwd;
	req->timeout_ms = m->timeout_ms;
	req->tls = m->use_tls ? &m->tls : NULL;
}

/* The outcome of one exchange, described in st. */
static enum marathon_result
reply_result(enum http_result hr, const char *method, const char *url,
    struct http_response *resp, struct marathon_status *st)
{
	if (hr != HTTP_OK) {
		st->status = 0;
		status_msg(st, "%s %s: %s (%s)", method, url, http_strerror(hr), resp->error);
		return hr == HTTP_E_NOMEM ? MARATHON_E_NOMEM :
		    MARATHON_E_TRANSPORT;
	}
	st->status = resp->status;
	if (resp->status >= 200 && resp->status < 300)
		return MARATHON_OK;
	return marathon_decode_error(resp->status, resp->body.data,
	    resp->body.len, st);
}

/*
 * One exchange.  On MARATHON_OK the 2xx body is left in resp for the
 * caller to decode (or streamed to on_body); any other outcome is mapped
 * and described in st.
 */
static enum marathon_result
exchange_ex(struct marathon *m, const char *method, const char *url,
    const char *body, size_t len, struct http_response *resp,
    struct marathon_status *st, int (*on_body)(const char *, size_t, void *),
    void *ud)
{
	struct http_request req;

	make_request(m, method, url, body, len, &req);
	req.on_body = on_body;
	req.on_body_ud = ud;
	return reply_result(http_do(m->http, &req, resp), method, url, resp,
	    st);
}

static enum marathon_result
exchange(struct marathon *m, const char *method, const char *url,
    const char *body, size_t len, struct http_response *resp,
    struct marathon_status *st)
{
	return exchange_ex(m, method, url, body, len, resp, st, NULL, NULL);
}

/* Build the app URL or fail with MARATHON_E_BAD_ID (nothing sent). */
static enum marathon_result
app_url(struct marathon *m, const char *id, const char *suffix, char *out,
    size_t outlen, struct marathon_status *st)
{
	char why[MARATHON_MESSAGE_MAX];

	if (!marathon_id_valid(id, why, sizeof(why))) {
		str_copy_trunc(st->message, why, sizeof(st->message));
		return MARATHON_E_BAD_ID;
	}
	if (marathon_app_url(m->url, id, suffix, out, outlen) != 0) {
		snprintf(st->message, sizeof(st->message), "URL too long");
		return MARATHON_E_BAD_ID;
	}
	return MARATHON_OK;
}

static void
decode_failed(struct marathon_status *st, const char *what, const char *err)
{
	status_msg(st, "%s: %s", what, err);
}

/*
 * GET url and decode the 2xx body with `decode` into `out` (the
 * adapters below hold the decoders' out-parameters); a body that does
 * not decode is described in st.
 */
static enum marathon_result
get_decoded(struct marathon *m, const char *url,
    enum marathon_result (*decode)(const char *body, size_t len, void *out,
    char *err, size_t errlen), void *out, struct marathon_status *st)
{
	struct http_response resp;
	enum marathon_result r;
	char err[256];

	http_response_init(&resp);
	r = exchange(m, "GET", url, NULL, 0, &resp, st);
	if (r == MARATHON_OK) {
		r = decode(resp.body.data, resp.body.len, out, err,
		    sizeof(err));
		if (r != MARATHON_OK)
			decode_failed(st, url, err);
	}
	http_response_free(&resp);
	return r;
}

static enum marathon_result
dec_app(const char *body, size_t len, void *out, char *err, size_t errlen)
{
	return marathon_decode_app(body, len, out, err, errlen);
}

struct apps_out { struct marathon_app **v; size_t *n; };

static enum marathon_result
dec_apps(const char *body, size_t len, void *out, char *err, size_t errlen)
{
	struct apps_out *o = out;

	return marathon_decode_apps(body, len, o->v, o->n, err, errlen);
}

struct deps_out { struct marathon_deployment **v; size_t *n; };

static enum marathon_result
dec_deps(const char *body, size_t len, void *out, char *err, size_t errlen)
{
	struct deps_out *o = out;

	return marathon_decode_deployments(body, len, o->v, o->n, err, errlen);
}

struct versions_out { char (**v)[MARATHON_VERSION_MAX]; size_t *n; };

static enum marathon_result
dec_versions(const char *body, size_t len, void *out, char *err,
    size_t errlen)
{
	struct versions_out *o = out;

	return marathon_decode_versions(body, len, o->v, o->n, err, errlen);
}

enum marathon_result
marathon_get_app(struct marathon *m, const char *id, struct marathon_app *out,
    struct marathon_status *st)
{
	char url[MARATHON_URL_MAX];
	enum marathon_result r;

	memset(out, 0, sizeof(*out));
	status_clear(st);
	r = app_url(m, id, NULL, url, sizeof(url), st);
	if (r != MARATHON_OK)
		return r;
	return get_decoded(m, url, dec_app, out, st);
}

enum marathon_result
marathon_list_apps(struct marathon *m, struct marathon_app **apps, size_t *n,
    struct marathon_status *st)
{
	struct apps_out o = { apps, n };
	char url[MARATHON_URL_MAX];

	*apps = NULL;
	*n = 0;
	status_clear(st);
	snprintf(url, sizeof(url), "%s/v2/apps?embed=apps.tasks", m->url);
	return get_decoded(m, url, dec_apps, &o, st);
}

static int
bulk_body(const char *p, size_t n, void *ud)
{
	return marathon_bulk_feed(ud, p, n);
}

/* An id filter for a query string: the characters of a valid app id
 * ([a-z0-9.-] and '/') need no escaping; anything else is refused. */
static int
filter_ok(const char *f)
{
	for (; *f != '\0'; f++)
		if (!((*f >= 'a' && *f <= 'z') || (*f >= '0' && *f <= '9') ||
		    *f == '-' || *f == '.' || *f == '/'))
			return 0;
	return 1;
}

enum marathon_result
marathon_list_apps_bulk(struct marathon *m, const char *id_filter,
    struct marathon_bulk *b, struct marathon_status *st)
{
	struct http_response resp;
	enum marathon_result r;
	char url[MARATHON_URL_MAX];
	int have = id_filter != NULL && id_filter[0] != '\0';

	status_clear(st);
	if (have && (!filter_ok(id_filter) || strlen(id_filter) >=
	    MARATHON_ID_MAX)) {
		status_msg(st, "id filter '%.64s' is not part of an app id",
		    id_filter);
		return MARATHON_E_BAD_ID;
	}
	snprintf(url, sizeof(url), "%s/v2/apps?embed=apps.tasks&embed=apps."
	    "deployments%s%s", m->url, have ? "&id=" : "",
	    have ? id_filter : "");
	http_response_init(&resp);
	r = exchange_ex(m, "GET", url, NULL, 0, &resp, st, bulk_body, b);
	if (b->failed) {
		/* Stopped by the decoder: its reason, not libcurl's. */
		status_msg(st, "GET %s: %s", url, b->err);
		r = MARATHON_E_DECODE;
	} else if (r == MARATHON_OK && marathon_bulk_finish(b) != 0) {
		status_msg(st, "GET %s: %s", url, b->err);
		r = MARATHON_E_DECODE;
	}
	http_response_free(&resp);
	return r;
}

enum marathon_result
marathon_put_app(struct marathon *m, const char *id, const char *json,
    size_t len, int force, struct marathon_status *st)
{
	char url[MARATHON_URL_MAX];
	struct http_response resp;
	enum marathon_result r;

	status_clear(st);
	http_response_init(&resp);
	r = app_url(m, id, force ? "?force=true" : NULL, url, sizeof(url), st);
	if (r != MARATHON_OK)
		goto out;
	r = exchange(m, "PUT", url, json, len, &resp, st);
	if (r != MARATHON_OK)
		goto out;
	r = marathon_decode_deployment_result(resp.body.data, resp.body.len, st);
out:
	http_response_free(&resp);
	return r;
}

enum marathon_result
marathon_scale(struct marathon *m, const char *id, long instances,
    struct marathon_status *st)
{
	char body[64];
	int n;

	if (instances < 0) {
		status_clear(st);
		snprintf(st->message, sizeof(st->message),
		    "instances %ld < 0", instances);
		return MARATHON_E_INVALID;
	}
	n = snprintf(body, sizeof(body), "{\"instances\": %ld}", instances);
	return marathon_put_app(m, id, body, (size_t)n, 0, st);
}

/* The PUTs of marathon_scale_many(), each with its URL and body. */
struct scale_one {
	char url[MARATHON_URL_MAX];
	char body[64];
};

void
marathon_scale_many(struct marathon *m, size_t n, const char *const *ids,
    const long *instances, size_t cap, enum marathon_result *res,
    struct marathon_status *st)
{
	struct scale_one *one = calloc(n ? n : 1, sizeof(*one));
	struct http_request *req = calloc(n ? n : 1, sizeof(*req));
	struct http_response *resp = calloc(n ? n : 1, sizeof(*resp));
	enum http_result *hr = calloc(n ? n : 1, sizeof(*hr));
	size_t i, k = 0, *at = calloc(n ? n : 1, sizeof(*at));

	for (i = 0; i < n; i++) {
		status_clear(&st[i]);
		res[i] = MARATHON_E_NOMEM;
	}
	if (one == NULL || req == NULL || resp == NULL || hr == NULL ||
	    at == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (instances[i] < 0) {
			snprintf(st[i].message, sizeof(st[i].message),
			    "instances %ld < 0", instances[i]);
			res[i] = MARATHON_E_INVALID;
			continue;
		}
		res[i] = app_url(m, ids[i], NULL, one[k].url,
		    sizeof(one[k].url), &st[i]);
		if (res[i] != MARATHON_OK)
			continue;
		snprintf(one[k].body, sizeof(one[k].body),
		    "{\"instances\": %ld}", instances[i]);
		make_request(m, "PUT", one[k].url, one[k].body,
		    strlen(one[k].body), &req[k]);
		http_response_init(&resp[k]);
		at[k++] = i;
	}
	http_do_many(req, resp, hr, k, cap);
	for (i = 0; i < k; i++) {
		struct marathon_status *s = &st[at[i]];

		res[at[i]] = reply_result(hr[i], "PUT", one[i].url, &resp[i], s);
		if (res[at[i]] == MARATHON_OK)
			res[at[i]] = marathon_decode_deployment_result(
			    resp[i].body.data, resp[i].body.len, s);
		http_response_free(&resp[i]);
	}
out:
	free(one);
	free(req);
	free(resp);
	free(hr);
	free(at);
}

enum marathon_result
marathon_list_deployments(struct marathon *m, struct marathon_deployment **deps,
    size_t *n, struct marathon_status *st)
{
	struct deps_out o = { deps, n };
	char url[MARATHON_URL_MAX];

	*deps = NULL;
	*n = 0;
	status_clear(st);
	snprintf(url, sizeof(url), "%s/v2/deployments", m->url);
	return get_decoded(m, url, dec_deps, &o, st);
}

enum marathon_result
marathon_get_versions(struct marathon *m, const char *id,
    char (**versions)[MARATHON_VERSION_MAX], size_t *n,
    struct marathon_status *st)
{
	struct versions_out o = { versions, n };
	char url[MARATHON_URL_MAX];
	enum marathon_result r;

	*versions = NULL;
	*n = 0;
	status_clear(st);
	r = app_url(m, id, "/versions", url, sizeof(url), st);
	if (r != MARATHON_OK)
		return r;
	return get_decoded(m, url, dec_versions, &o, st);
}

/* A version is an ISO timestamp; refuse anything that would need escaping
 * in the URL. */
static int
version_valid(const char *v)
{
	size_t i;

	if (v == NULL || v[0] == '\0' || strlen(v) >= MARATHON_VERSION_MAX)
		return 0;
	for (i = 0; v[i] != '\0'; i++) {
		char c = v[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || c == ':' || c == '.' || c == '-' ||
		    c == '+'))
			return 0;
	}
	return 1;
}

enum marathon_result
marathon_get_version(struct marathon *m, const char *id, const char *version,
    char **json, size_t *len, struct marathon_status *st)
{
	char url[MARATHON_URL_MAX], suffix[MARATHON_VERSION_MAX + 16];
	struct http_response resp;
	enum marathon_result r;

	*json = NULL;
	*len = 0;
	status_clear(st);
	http_response_init(&resp);
	if (!version_valid(version)) {
		snprintf(st->message, sizeof(st->message), "bad version string");
		r = MARATHON_E_BAD_ID;
		goto out;
	}
	snprintf(suffix, sizeof(suffix), "/versions/%s", version);
	r = app_url(m, id, suffix, url, sizeof(url), st);
	if (r != MARATHON_OK)
		goto out;
	r = exchange(m, "GET", url, NULL, 0, &resp, st);
	if (r != MARATHON_OK)
		goto out;
	if (resp.body.len == 0) {
		decode_failed(st, url, "empty body");
		r = MARATHON_E_DECODE;
		goto out;
	}
	*json = buf_steal(&resp.body, len);
out:
	http_response_free(&resp);
	return r;
}

enum marathon_result
marathon_ping(struct marathon *m, struct marathon_status *st)
{
	char url[MARATHON_URL_MAX];
	struct http_response resp;
	enum marathon_result r;

	status_clear(st);
	http_response_init(&resp);
	snprintf(url, sizeof(url), "%s/ping", m->url);
	r = exchange(m, "GET", url, NULL, 0, &resp, st);
	http_response_free(&resp);
	return r;
}
