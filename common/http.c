/*
 * http.c — see http.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/http.h"
#include "common/util.h"

struct http_client {
	CURL *easy;
};

static const char *const http_errstr[] = {
	[HTTP_OK] = "ok",
	[HTTP_E_CONNECT] = "cannot connect",
	[HTTP_E_TIMEOUT] = "timed out",
	[HTTP_E_TOO_BIG] = "reply too large",
	[HTTP_E_TLS] = "TLS error",
	[HTTP_E_PROTOCOL] = "protocol error",
	[HTTP_E_NOMEM] = "out of memory",
	[HTTP_E_OTHER] = "transfer failed",
};

const char *
http_strerror(enum http_result r)
{
	if ((size_t)r < ARRAY_LEN(http_errstr) && http_errstr[r] != NULL)
		return http_errstr[r];
	return "unknown error";
}

int
http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK ? 0 : -1;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http_client *
http_client_new(void)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->easy = curl_easy_init();
	if (c->easy == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->easy);
	free(c);
}

void
http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, HTTP_BODY_MAX);
	r->retry_after_s = -1;
}

void
http_response_free(struct http_response *r)
{
	if (r == NULL)
		return;
	buf_free(&r->body);
}

/* What on_body() needs: where a kept body goes, and a streaming
 * request's callback with the handle to read the status from. */
struct body_ctx {
	struct http_response      *resp;
	const struct http_request *req;
	CURL                      *easy;
};

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body_ctx *b = userdata;
	size_t n = size * nmemb;
	long status = 0;

	if (b->req->on_body != NULL) {
		curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			return b->req->on_body(ptr, n, b->req->on_body_ud)
			    == 0 ? n : 0;
	}
	if (buf_append(&b->resp->body, ptr, n) != 0)
		return 0;       /* makes curl fail with CURLE_WRITE_ERROR */
	return n;
}

/* Header lines arrive one at a time, with their CRLF (see http.h). */
size_t
http_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *r = userdata;
	size_t n = size * nmemb, vlen;
	char val[128];
	const char *v;

	if (n > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
		v = ptr + 12;
		vlen = n - 12;
	} else if (n > 13 && strncasecmp(ptr, "Content-Type:", 13) == 0) {
		v = ptr + 13;
		vlen = n - 13;
	} else
		return n;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	if (vlen >= sizeof(val))
		vlen = sizeof(val) - 1;
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	if (tolower((unsigned char)ptr[0]) == 'r') {
		uint64_t secs;
		/* Only the delta-seconds form; an HTTP date is ignored and
		 * the caller's own backoff applies. */
		if (parse_u64(val, &secs) == 0 && secs < 86400)
			r->retry_after_s = (long)secs;
	} else
		str_copy_trunc(r->content_type, val, sizeof(r->content_type));
	return n;
}

static enum http_result
map_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return HTTP_E_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_E_TIMEOUT;
	case CURLE_WRITE_ERROR:
		return HTTP_E_TOO_BIG;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return HTTP_E_TLS;
	case CURLE_OUT_OF_MEMORY:
		return HTTP_E_NOMEM;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
		return HTTP_E_PROTOCOL;
	default:
		return HTTP_E_OTHER;
	}
}

static void
set_tls(CURL *e, const struct http_tls *tls)
{
	if (tls == NULL)
		return;
	if (tls->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file);
	if (tls->cert_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, tls->cert_file);
	if (tls->key_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, tls->key_file);
	if (tls->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* The request's header list (caller frees it), or NULL: no memory. */
static struct curl_slist *
make_headers(const struct http_request *req)
{
	struct curl_slist *hdrs, *tmp;
	size_t i;

	/* No "Expect: 100-continue" round trip on bodies. */
	hdrs = curl_slist_append(NULL, "Expect:");
	for (i = 0; hdrs != NULL && i < HTTP_HEADERS_MAX &&
	    req->headers[i] != NULL; i++) {
		tmp = curl_slist_append(hdrs, req->headers[i]);
		if (tmp == NULL) {
			curl_slist_free_all(hdrs);
			return NULL;
		}
		hdrs = tmp;
	}
	return hdrs;
}

static void
set_method(CURL *e, const struct http_request *req)
{
	const char *method = req->method ? req->method : "GET";

	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (req->body != NULL || strcmp(method, "POST") == 0 ||
		    strcmp(method, "PUT") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			    req->body ? req->body : "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body_len);
		}
	}
}

/* The options of one exchange on e, before it runs; -1: no memory
 * (*hdrs then NULL).  errbuf, b and *hdrs must outlive the transfer. */
static int
prepare(CURL *e, const struct http_request *req, struct http_response *resp,
    struct body_ctx *b, char *errbuf, struct curl_slist **hdrs)
{
	buf_reset(&resp->body);
	resp->body.max = req->max_body ? req->max_body : HTTP_BODY_MAX;
	resp->status = 0;
	resp->retry_after_s = -1;
	resp->content_type[0] = '\0';
	resp->error[0] = '\0';
	b->resp = resp;
	b->req = req;
	b->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
	if (req->unix_socket != NULL)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, req->unix_socket);
	if (req->userpwd != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, req->userpwd);
	}
	set_tls(e, req->tls);
	if ((*hdrs = make_headers(req)) == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
	set_method(e, req);
	return 0;
}

/* After the transfer: the result, the status or libcurl's words. */
static enum http_result
finish(CURL *e, CURLcode cc, const char *errbuf, struct http_response *resp)
{
	enum http_result res = map_curl(cc);

	if (res != HTTP_OK) {
		str_copy_trunc(resp->error, errbuf[0] ? errbuf :
		    curl_easy_strerror(cc), sizeof(resp->error));
		return res;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	return HTTP_OK;
}

enum http_result
http_do(struct http_client *c, const struct http_request *req,
    struct http_response *resp)
{
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	enum http_result res = HTTP_E_NOMEM;
	CURL *e = c->easy;
	struct body_ctx bctx;

	curl_easy_reset(e);
	if (prepare(e, req, resp, &bctx, errbuf, &hdrs) == 0)
		res = finish(e, curl_easy_perform(e), errbuf, resp);
	/* The header list must outlive the transfer, not the handle. */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	return res;
}

/* One exchange of http_do_many(). */
struct many_one {
	CURL              *easy;
	struct curl_slist *hdrs;
	struct body_ctx    b;
	char               errbuf[CURL_ERROR_SIZE];
	int                started;
};

/* Start exchanges while fewer than cap run; returns how many run. */
static size_t
many_fill(CURLM *mh, const struct http_request *req,
    struct http_response *resp, enum http_result *res, struct many_one *o,
    size_t n, size_t *next, size_t running, size_t cap)
{
	while (running < cap && *next < n) {
		size_t i = (*next)++;

		o[i].started = 1;
		res[i] = HTTP_E_NOMEM;
		o[i].easy = curl_easy_init();
		if (o[i].easy == NULL || prepare(o[i].easy, &req[i], &resp[i],
		    &o[i].b, o[i].errbuf, &o[i].hdrs) != 0)
			continue;
		curl_easy_setopt(o[i].easy, CURLOPT_PRIVATE, &o[i]);
		if (curl_multi_add_handle(mh, o[i].easy) != CURLM_OK)
			continue;
		running++;
	}
	return running;
}

void
http_do_many(const struct http_request *req, struct http_response *resp,
    enum http_result *res, size_t n, size_t cap)
{
	struct many_one *o = calloc(n ? n : 1, sizeof(*o));
	CURLM *mh = curl_multi_init();
	size_t i, next = 0, active = 0;
	int still = 0, left;
	CURLMsg *m;

	for (i = 0; i < n; i++)
		res[i] = HTTP_E_NOMEM;
	if (o == NULL || mh == NULL)
		goto out;
	active = many_fill(mh, req, resp, res, o, n, &next, 0, cap ? cap : 1);
	while (active > 0) {
		if (curl_multi_perform(mh, &still) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(mh, &left)) != NULL) {
			struct many_one *one = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &one);
			if (one == NULL)
				continue;
			res[one - o] = finish(one->easy, m->data.result,
			    one->errbuf, &resp[one - o]);
			curl_multi_remove_handle(mh, one->easy);
			active--;
		}
		active = many_fill(mh, req, resp, res, o, n, &next, active,
		    cap ? cap : 1);
		if (active > 0 && still > 0)
			curl_multi_poll(mh, NULL, 0, 200, NULL);
	}
out:
	for (i = 0; o != NULL && i < n; i++) {
		if (o[i].easy != NULL) {
			if (mh != NULL)
				curl_multi_remove_handle(mh, o[i].easy);
			curl_easy_cleanup(o[i].easy);
		}
		curl_slist_free_all(o[i].hdrs);
	}
	if (mh != NULL)
		curl_multi_cleanup(mh);
	free(o);
}
