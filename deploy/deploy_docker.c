/*
 * deploy_docker.c — hoist-deploy --retag through the Docker Engine API on
 * its unix socket: tag the tested image with the release version, push
 * that tag with the registry's credentials (from a Docker config.json),
 * and remove the local tag again if we made it.
 *
 * A push answers 200 at once and then streams JSON objects; a refused push
 * shows up as {"error": "...", "errorDetail": {...}} inside that stream,
 * so the stream is read to its end and checked, never the status alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/http.h"
#include "common/util.h"
#include "deploy/deploy.h"

#define DOCKER_URL_MAX 2048

/* --- base64 (RFC 4648) ------------------------------------------------ */

static char *
b64_encode(const unsigned char *in, size_t n, int url)
{
	const char *alpha = url ?
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" :
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = alpha[in[i] >> 2];
		*o++ = alpha[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = alpha[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = alpha[in[i + 2] & 63];
	}
	if (i < n) {
		*o++ = alpha[in[i] >> 2];
		if (i + 1 < n) {
			*o++ = alpha[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = alpha[(in[i + 1] & 15) << 2];
		} else
			*o++ = alpha[(in[i] & 3) << 4];
		*o++ = '=';
		if (i + 1 >= n)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode standard or URL base64 into a NUL-terminated string. */
static char *
b64_decode(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = malloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;

	if (out == NULL)
		return NULL;
	for (; *in != '\0' && *in != '='; in++) {
		int v = b64_value((unsigned char)*in);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* --- registry credentials ---------------------------------------------- */

/* "https://127.0.0.1:5000/v2/" -> "127.0.0.1:5000"; docker.io aliases. */
static void
normalize_registry(const char *in, char *out, size_t outlen)
{
	const char *p = strstr(in, "://");
	size_t n;

	p = p != NULL ? p + 3 : in;
	n = strcspn(p, "/");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (strcmp(out, "index.docker.io") == 0 ||
	    strcmp(out, "registry-1.docker.io") == 0)
		str_copy_trunc(out, "docker.io", outlen);
}

int
deploy_docker_registry_auth(const char *config_text, const char *registry,
    char **out, char *err, size_t errlen)
{
	cJSON *root = NULL, *auths, *entry, *auth_json = NULL;
	char want[DEPLOY_REF_MAX], have[DEPLOY_REF_MAX], *plain = NULL, *js;
	const char *user = NULL, *pass = NULL;
	int rc = -1;

	*out = NULL;
	normalize_registry(registry, want, sizeof(want));
	if (config_text != NULL) {
		root = cJSON_Parse(config_text);
		if (!cJSON_IsObject(root)) {
			snprintf(err, errlen, "Docker config: not a JSON object");
			goto out;
		}
	}
	auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
	cJSON_ArrayForEach(entry, auths) {
		const cJSON *a, *u, *p;

		normalize_registry(entry->string != NULL ? entry->string : "",
		    have, sizeof(have));
		if (strcmp(have, want) != 0 || !cJSON_IsObject(entry))
			continue;
		a = cJSON_GetObjectItemCaseSensitive(entry, "auth");
		u = cJSON_GetObjectItemCaseSensitive(entry, "username");
		p = cJSON_GetObjectItemCaseSensitive(entry, "password");
		if (cJSON_IsString(a) && a->valuestring[0] != '\0') {
			char *colon;

			plain = b64_decode(a->valuestring);
			colon = plain != NULL ? strchr(plain, ':') : NULL;
			if (colon == NULL) {
				snprintf(err, errlen, "Docker config: auths.%s.auth "
				    "is not base64 of user:password", entry->string);
				goto out;
			}
			*colon = '\0';
			user = plain;
			pass = colon + 1;
		} else if (cJSON_IsString(u) && cJSON_IsString(p)) {
			user = u->valuestring;
			pass = p->valuestring;
		}
		break;
	}
	auth_json = cJSON_CreateObject();
	if (auth_json == NULL)
		goto nomem;
	if (user != NULL && (cJSON_AddStringToObject(auth_json, "username",
	    user) == NULL || cJSON_AddStringToObject(auth_json, "password",
	    pass) == NULL || cJSON_AddStringToObject(auth_json, "serveraddress",
	    want) == NULL))
		goto nomem;
	js = cJSON_PrintUnformatted(auth_json);
	if (js == NULL)
		goto nomem;
	*out = b64_encode((const unsigned char *)js, strlen(js), 1);
	explicit_bzero(js, strlen(js));
	free(js);
	if (*out == NULL)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	if (plain != NULL) {
		explicit_bzero(plain, strlen(plain) + (pass != NULL ?
		    strlen(pass) + 1 : 0));
		free(plain);
	}
	cJSON_Delete(auth_json);
	cJSON_Delete(root);
	return rc;
}

/* --- the Engine API ----------------------------------------------------- */

struct docker {
	struct http_client *http;
	const char *socket;
	long timeout_ms;
};

/* One exchange; the reply stays in resp.  -1 when no reply came. */
static int
docker_call(struct docker *d, const char *method, const char *path,
    const char *header, long timeout_ms, struct http_response *resp,
    char *err, size_t errlen)
{
	struct http_request req;
	char url[DOCKER_URL_MAX];
	enum http_result hr;

	snprintf(url, sizeof(url), "http://docker%s", path);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.unix_socket = d->socket;
	req.headers[0] = header;
	req.timeout_ms = timeout_ms;
	hr = http_do(d->http, &req, resp);
	if (hr != HTTP_OK) {
		snprintf(err, errlen, "Docker at %s: %s %s: %s (%s)", d->socket,
		    method, path, http_strerror(hr), resp->error);
		return -1;
	}
	return 0;
}

/* Docker's error body is {"message": "..."}. */
static void
docker_message(const struct http_response *resp, char *out, size_t outlen)
{
	cJSON *j = cJSON_ParseWithLength(resp->body.data != NULL ?
	    resp->body.data : "", resp->body.len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");

	snprintf(out, outlen, "%ld %s", resp->status, cJSON_IsString(m) ?
	    m->valuestring : "(no message)");
	cJSON_Delete(j);
}

/* 1 present, 0 absent, -1 error. */
static int
image_exists(struct docker *d, const char *ref, char *err, size_t errlen)
{
	struct http_response resp;
	char path[DOCKER_URL_MAX], msg[512];
	int rc = -1;

	http_response_init(&resp);
	snprintf(path, sizeof(path), "/images/%s/json", ref);
	if (docker_call(d, "GET", path, NULL, 10000, &resp, err, errlen) != 0)
		goto out;
	if (resp.status == 200)
		rc = 1;
	else if (resp.status == 404)
		rc = 0;
	else {
		docker_message(&resp, msg, sizeof(msg));
		snprintf(err, errlen, "Docker: inspect %s: %s", ref, msg);
	}
out:
	http_response_free(&resp);
	return rc;
}

/*
 * Read the push stream: one JSON object per line.  Returns 0 when it
 * holds no "error"; the digest from the final "aux" goes to digest.
 */
static int
push_stream_ok(const char *body, size_t len, char *digest, size_t dlen,
    char *err, size_t errlen)
{
	const char *p = body, *end = body + len, *nl;
	char *line;

	digest[0] = '\0';
	while (p < end) {
		cJSON *j, *e, *aux, *dg;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = strndup(p, (size_t)(nl - p));
		if (line == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		j = cJSON_Parse(line);
		free(line);
		e = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (cJSON_IsString(e)) {
			snprintf(err, errlen, "push refused: %s", e->valuestring);
			cJSON_Delete(j);
			return -1;
		}
		aux = cJSON_GetObjectItemCaseSensitive(j, "aux");
		dg = cJSON_GetObjectItemCaseSensitive(aux, "Digest");
		if (cJSON_IsString(dg) && str_copy(digest, dg->valuestring,
		    dlen) >= dlen) {
			snprintf(err, errlen, "push: digest over %zu bytes",
			    dlen - 1);
			cJSON_Delete(j);
			return -1;
		}
		cJSON_Delete(j);
		p = nl + 1;
	}
	return 0;
}

static int
docker_tag(struct docker *d, const char *src, const struct deploy_image *img,
    const char *release, char *err, size_t errlen)
{
	struct http_response resp;
	char path[DOCKER_URL_MAX], msg[512];
	int rc = -1;

	http_response_init(&resp);
	snprintf(path, sizeof(path), "/images/%s/tag?repo=%s&tag=%s", src,
	    img->repo, release);
	if (docker_call(d, "POST", path, NULL, 30000, &resp, err, errlen) != 0)
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		docker_message(&resp, msg, sizeof(msg));
		snprintf(err, errlen, "Docker: tag %s as %s:%s: %s", src, img->repo,
		    release, msg);
		goto out;
	}
	rc = 0;
out:
	http_response_free(&resp);
	return rc;
}

static int
docker_push(struct docker *d, const struct deploy_image *img,
    const char *release, const char *auth_header, char *digest, size_t dlen,
    char *err, size_t errlen)
{
	struct http_response resp;
	char path[DOCKER_URL_MAX], msg[512];
	int rc = -1;

	http_response_init(&resp);
	snprintf(path, sizeof(path), "/images/%s/push?tag=%s", img->repo, release);
	if (docker_call(d, "POST", path, auth_header, d->timeout_ms, &resp, err,
	    errlen) != 0)
		goto out;
	if (resp.status != 200) {
		docker_message(&resp, msg, sizeof(msg));
		snprintf(err, errlen, "Docker: push %s:%s: %s", img->repo, release,
		    msg);
		goto out;
	}
	if (push_stream_ok(resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, digest, dlen, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "Docker: push %s:%s to %s: %s", img->repo,
		    release, img->registry, msg);
		goto out;
	}
	rc = 0;
out:
	http_response_free(&resp);
	return rc;
}

static void
docker_untag(struct docker *d, const char *ref, FILE *log)
{
	struct http_response resp;
	char path[DOCKER_URL_MAX], err[512], msg[512];

	http_response_init(&resp);
	snprintf(path, sizeof(path), "/images/%s?noprune=1", ref);
	if (docker_call(d, "DELETE", path, NULL, 30000, &resp, err,
	    sizeof(err)) != 0)
		fprintf(log, "hoist-deploy: warning: could not remove local tag "
		    "%s: %s\n", ref, err);
	else if (resp.status != 200) {
		docker_message(&resp, msg, sizeof(msg));
		fprintf(log, "hoist-deploy: warning: could not remove local tag "
		    "%s: %s\n", ref, msg);
	} else
		fprintf(log, "hoist-deploy: removed the local tag %s\n", ref);
	http_response_free(&resp);
}

static char *
registry_auth_header(const struct deploy_docker_opts *o,
    const struct deploy_image *img, char *err, size_t errlen)
{
	char *text = NULL, *b64 = NULL, *hdr = NULL;
	size_t len, n;

	if (o->config_json != NULL && read_file(o->config_json, 1u << 20, &text,
	    &len) != 0) {
		snprintf(err, errlen, "%s: %s", o->config_json, strerror(errno));
		return NULL;
	}
	if (deploy_docker_registry_auth(text, img->registry, &b64, err,
	    errlen) == 0) {
		n = strlen("X-Registry-Auth: ") + strlen(b64) + 1;
		hdr = malloc(n);
		if (hdr != NULL)
			snprintf(hdr, n, "X-Registry-Auth: %s", b64);
		else
			snprintf(err, errlen, "out of memory");
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		free(b64);
	}
	return hdr;
}

int
deploy_docker_retag(const struct deploy_docker_opts *o,
    const struct deploy_image *src, const char *release, FILE *log,
    char *err, size_t errlen)
{
	struct docker d = { NULL, o->socket, o->timeout_ms > 0 ? o->timeout_ms :
	    600000 };
	char src_ref[DEPLOY_REF_MAX + DEPLOY_TAG_MAX + 1];
	char dst_ref[DEPLOY_REF_MAX + DEPLOY_TAG_MAX + 1], digest[128];
	char *auth = NULL;
	int rc = -1, existed, made_tag = 0;

	snprintf(src_ref, sizeof(src_ref), "%s:%s", src->repo, src->tag);
	snprintf(dst_ref, sizeof(dst_ref), "%s:%s", src->repo, release);
	auth = registry_auth_header(o, src, err, errlen);
	if (auth == NULL)
		return -1;
	d.http = http_client_new();
	if (d.http == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	switch (image_exists(&d, src_ref, err, errlen)) {
	case 0:
		snprintf(err, errlen, "source image %s not found in the Docker "
		    "daemon at %s", src_ref, o->socket);
		/* FALLTHROUGH */
	case -1:
		goto out;
	}
	existed = image_exists(&d, dst_ref, err, errlen);
	if (existed < 0)
		goto out;
	if (strcmp(src->tag, release) != 0) {
		if (docker_tag(&d, src_ref, src, release, err, errlen) != 0)
			goto out;
		made_tag = !existed;
		fprintf(log, "hoist-deploy: tagged %s as %s\n", src_ref, dst_ref);
	}
	if (docker_push(&d, src, release, auth, digest, sizeof(digest), err,
	    errlen) != 0)
		goto out;
	fprintf(log, "hoist-deploy: pushed %s to %s%s%s\n", dst_ref,
	    src->registry, digest[0] != '\0' ? ", digest " : "", digest);
	rc = 0;
out:
	if (made_tag)
		docker_untag(&d, dst_ref, log);
	http_client_free(d.http);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	return rc;
}
