/*
 * docker_api.c — see docker_api.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/docker_api.h"
#include "common/util.h"

struct docker_api {
	struct http_client *http;                       /* owned */
	char                base[DOCKER_API_BASE_MAX];  /* "http://localhost" */
	char                sock[DOCKER_API_SOCK_MAX];  /* "" for TCP */
};

/* "unix:///path" -> sock "/path", base "http://localhost";
 * "http://h:p[/]" or "tcp://h:p" -> base "http://h:p", sock "". */
static int
parse_url(struct docker_api *a, const char *url, char *err, size_t errlen)
{
	size_t n;
	int r;

	if (strncmp(url, "unix://", 7) == 0) {
		if (url[7] != '/' ||
		    str_copy(a->sock, url + 7, sizeof(a->sock)) >=
		    sizeof(a->sock)) {
			snprintf(err, errlen, "docker: bad socket path in %s",
			    url);
			return -1;
		}
		str_copy_trunc(a->base, "http://localhost", sizeof(a->base));
		return 0;
	}
	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "tcp://", 6) == 0) {
		r = snprintf(a->base, sizeof(a->base), "http://%s",
		    url + (url[0] == 't' ? 6 : 7));
		n = r < 0 ? sizeof(a->base) : (size_t)r;
		if (n >= sizeof(a->base) || a->base[7] == '\0' ||
		    a->base[7] == '/') {
			snprintf(err, errlen, "docker: bad URL %s", url);
			return -1;
		}
		while (n > 7 && a->base[n - 1] == '/')
			a->base[--n] = '\0';
		return 0;
	}
	snprintf(err, errlen, "docker: URL must be unix:///path or "
	    "http://host:port, not %s", url);
	return -1;
}

struct docker_api *
docker_api_new(const char *url, char *err, size_t errlen)
{
	struct docker_api *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		snprintf(err, errlen, "docker: out of memory");
		return NULL;
	}
	if (parse_url(a, url, err, errlen) != 0)
		goto fail;
	if ((a->http = http_client_new()) == NULL) {
		snprintf(err, errlen, "docker: cannot make an HTTP client");
		goto fail;
	}
	return a;
fail:
	free(a);
	return NULL;
}

void
docker_api_free(struct docker_api *a)
{
	if (a == NULL)
		return;
	http_client_free(a->http);
	free(a);
}

const char *
docker_api_where(const struct docker_api *a)
{
	return a->sock[0] != '\0' ? a->sock : a->base;
}

enum http_result
docker_api_call(struct docker_api *a, const char *method, const char *path,
    const char *header, const struct docker_api_limits *lim,
    struct http_response *resp)
{
	struct http_request req;
	char url[DOCKER_API_BASE_MAX + DOCKER_API_PATH_MAX];
	int n;

	n = snprintf(url, sizeof(url), "%s%s", a->base, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		resp->status = 0;
		str_copy_trunc(resp->error, "request path too long",
		    sizeof(resp->error));
		return HTTP_E_OTHER;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.unix_socket = a->sock[0] != '\0' ? a->sock : NULL;
	req.headers[0] = "Accept: application/json";
	req.headers[1] = header;
	if (lim != NULL) {
		req.timeout_ms = lim->timeout_ms;
		req.connect_timeout_ms = lim->connect_timeout_ms;
		req.max_body = lim->max_body;
	}
	return http_do(a->http, &req, resp);
}

/* docker_api_call() on a path made from fmt; HTTP_E_OTHER (resp says
 * why) when it does not fit DOCKER_API_PATH_MAX. */
static enum http_result __attribute__((format(printf, 6, 7)))
call_path(struct docker_api *a, const char *method, const char *header,
    const struct docker_api_limits *lim, struct http_response *resp,
    const char *fmt, ...)
{
	char path[DOCKER_API_PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		resp->status = 0;
		str_copy_trunc(resp->error, "request path too long",
		    sizeof(resp->error));
		return HTTP_E_OTHER;
	}
	return docker_api_call(a, method, path, header, lim, resp);
}

enum http_result
docker_api_list(struct docker_api *a, const struct docker_api_limits *lim,
    struct http_response *resp)
{
	return docker_api_call(a, "GET", "/containers/json?all=1", NULL, lim,
	    resp);
}

enum http_result
docker_api_inspect(struct docker_api *a, const char *id,
    const struct docker_api_limits *lim, struct http_response *resp)
{
	return call_path(a, "GET", NULL, lim, resp, "/containers/%s/json", id);
}

enum http_result
docker_api_image_inspect(struct docker_api *a, const char *ref,
    const struct docker_api_limits *lim, struct http_response *resp)
{
	return call_path(a, "GET", NULL, lim, resp, "/images/%s/json", ref);
}

enum http_result
docker_api_tag(struct docker_api *a, const char *src, const char *repo,
    const char *tag, const struct docker_api_limits *lim,
    struct http_response *resp)
{
	return call_path(a, "POST", NULL, lim, resp,
	    "/images/%s/tag?repo=%s&tag=%s", src, repo, tag);
}

enum http_result
docker_api_push(struct docker_api *a, const char *repo, const char *tag,
    const char *auth_header, const struct docker_api_limits *lim,
    struct http_response *resp)
{
	return call_path(a, "POST", auth_header, lim, resp,
	    "/images/%s/push?tag=%s", repo, tag);
}

enum http_result
docker_api_remove(struct docker_api *a, const char *ref,
    const struct docker_api_limits *lim, struct http_response *resp)
{
	return call_path(a, "DELETE", NULL, lim, resp, "/images/%s?noprune=1",
	    ref);
}

void
docker_api_message(const struct http_response *resp, char *out,
    size_t outlen)
{
	cJSON *j = cJSON_ParseWithLength(resp->body.data != NULL ?
	    resp->body.data : "", resp->body.len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");

	snprintf(out, outlen, "%ld %s", resp->status, cJSON_IsString(m) ?
	    m->valuestring : "(no message)");
	cJSON_Delete(j);
}
