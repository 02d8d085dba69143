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

#include "common/docker_api.h"
#include "common/util.h"
#include "deploy/deploy.h"

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

/* The credentials of one registry, as found in a config.json. */
struct creds {
	const char *user, *pass;   /* borrowed: from the JSON or from plain */
	char       *plain;         /* owned: decoded "user:password" */
};

/*
 * Find `want`'s entry in auths: "auth" (base64 of user:password), else
 * "username" and "password".  No entry leaves c empty.  -1 with err for
 * an "auth" that does not decode.
 */
static int
find_creds(const cJSON *root, const char *want, struct creds *c, char *err,
    size_t errlen)
{
	const cJSON *entry, *a, *u, *p;
	char have[DEPLOY_REF_MAX], *colon;

	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(root,
	    "auths")) {
		normalize_registry(entry->string != NULL ? entry->string : "",
		    have, sizeof(have));
		if (strcmp(have, want) != 0 || !cJSON_IsObject(entry))
			continue;
		a = cJSON_GetObjectItemCaseSensitive(entry, "auth");
		u = cJSON_GetObjectItemCaseSensitive(entry, "username");
		p = cJSON_GetObjectItemCaseSensitive(entry, "password");
		if (cJSON_IsString(a) && a->valuestring[0] != '\0') {
			c->plain = b64_decode(a->valuestring);
			colon = c->plain != NULL ? strchr(c->plain, ':') : NULL;
			if (colon == NULL) {
				snprintf(err, errlen, "Docker config: auths.%s.auth "
				    "is not base64 of user:password", entry->string);
				return -1;
			}
			*colon = '\0';
			c->user = c->plain;
			c->pass = colon + 1;
		} else if (cJSON_IsString(u) && cJSON_IsString(p)) {
			c->user = u->valuestring;
			c->pass = p->valuestring;
		}
		return 0;
	}
	return 0;
}

/* base64url of {"username","password","serveraddress"} (or "{}"). */
static char *
encode_auth(const struct creds *c, const char *server)
{
	cJSON *o = cJSON_CreateObject();
	char *js, *out = NULL;

	if (o == NULL || (c->user != NULL && (cJSON_AddStringToObject(o,
	    "username", c->user) == NULL || cJSON_AddStringToObject(o,
	    "password", c->pass) == NULL || cJSON_AddStringToObject(o,
	    "serveraddress", server) == NULL)))
		goto out;
	js = cJSON_PrintUnformatted(o);
	if (js == NULL)
		goto out;
	out = b64_encode((const unsigned char *)js, strlen(js), 1);
	explicit_bzero(js, strlen(js));
	free(js);
out:
	cJSON_Delete(o);
	return out;
}

int
deploy_docker_registry_auth(const char *config_text, const char *registry,
    char **out, char *err, size_t errlen)
{
	struct creds c = { NULL, NULL, NULL };
	char want[DEPLOY_REF_MAX];
	cJSON *root = NULL;
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
	if (find_creds(root, want, &c, err, errlen) != 0)
		goto out;
	if ((*out = encode_auth(&c, want)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (c.plain != NULL) {
		explicit_bzero(c.plain, strlen(c.plain) + (c.pass != NULL ?
		    strlen(c.pass) + 1 : 0));
		free(c.plain);
	}
	cJSON_Delete(root);
	return rc;
}

/* --- the Engine API (common/docker_api.c) ------------------------------- */

/* What one retag talks to; all borrowed except api. */
struct retag {
	struct docker_api   *api;        /* owned */
	struct http_response resp;       /* owned */
	const char          *socket;
	long                 push_timeout_ms;
	char                 msg[512];   /* the last Docker error, in words */
};

/* One exchange's transport outcome; -1 with err when no reply came. */
static int
replied(struct retag *t, enum http_result hr, const char *what,
    char *err, size_t errlen)
{
	if (hr == HTTP_OK) {
		docker_api_message(&t->resp, t->msg, sizeof(t->msg));
		return 0;
	}
	snprintf(err, errlen, "Docker at %s: %s: %s (%s)", t->socket, what,
	    http_strerror(hr), t->resp.error);
	return -1;
}

/* 1 present, 0 absent, -1 error. */
static int
image_exists(struct retag *t, const char *ref, char *err, size_t errlen)
{
	const struct docker_api_limits lim = { .timeout_ms = 10000 };

	if (replied(t, docker_api_image_inspect(t->api, ref, &lim, &t->resp),
	    "inspect", err, errlen) != 0)
		return -1;
	if (t->resp.status == 200)
		return 1;
	if (t->resp.status == 404)
		return 0;
	snprintf(err, errlen, "Docker: inspect %s: %s", ref, t->msg);
	return -1;
}

/* See deploy.h. */
int
deploy_docker_push_ok(const char *body, size_t len, char *digest,
    size_t dlen, char *err, size_t errlen)
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
retag_tag(struct retag *t, const char *src, const struct deploy_image *img,
    const char *release, char *err, size_t errlen)
{
	const struct docker_api_limits lim = { .timeout_ms = 30000 };

	if (replied(t, docker_api_tag(t->api, src, img->repo, release, &lim,
	    &t->resp), "tag", err, errlen) != 0)
		return -1;
	if (t->resp.status != 201 && t->resp.status != 200) {
		snprintf(err, errlen, "Docker: tag %s as %s:%s: %s", src, img->repo,
		    release, t->msg);
		return -1;
	}
	return 0;
}

static int
retag_push(struct retag *t, const struct deploy_image *img,
    const char *release, const char *auth_header, char *digest, size_t dlen,
    char *err, size_t errlen)
{
	const struct docker_api_limits lim = { .timeout_ms =
	    t->push_timeout_ms };
	char msg[512];

	if (replied(t, docker_api_push(t->api, img->repo, release, auth_header,
	    &lim, &t->resp), "push", err, errlen) != 0)
		return -1;
	if (t->resp.status != 200) {
		snprintf(err, errlen, "Docker: push %s:%s: %s", img->repo, release,
		    t->msg);
		return -1;
	}
	if (deploy_docker_push_ok(t->resp.body.data != NULL ?
	    t->resp.body.data : "", t->resp.body.len, digest, dlen, msg,
	    sizeof(msg)) != 0) {
		snprintf(err, errlen, "Docker: push %s:%s to %s: %s", img->repo,
		    release, img->registry, msg);
		return -1;
	}
	return 0;
}

static void
retag_untag(struct retag *t, const char *ref, FILE *log)
{
	const struct docker_api_limits lim = { .timeout_ms = 30000 };
	char err[512];

	if (replied(t, docker_api_remove(t->api, ref, &lim, &t->resp),
	    "remove", err, sizeof(err)) != 0)
		fprintf(log, "hoist-deploy: warning: could not remove local tag "
		    "%s: %s\n", ref, err);
	else if (t->resp.status != 200)
		fprintf(log, "hoist-deploy: warning: could not remove local tag "
		    "%s: %s\n", ref, t->msg);
	else
		fprintf(log, "hoist-deploy: removed the local tag %s\n", ref);
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

/* The socket path (or a unix:// / http:// URL) as a docker_api. */
static struct docker_api *
open_api(const char *socket, char *err, size_t errlen)
{
	char url[DOCKER_API_SOCK_MAX + 16];

	if (socket[0] != '/')
		return docker_api_new(socket, err, errlen);
	if ((size_t)snprintf(url, sizeof(url), "unix://%s", socket) >=
	    sizeof(url)) {
		snprintf(err, errlen, "Docker socket path too long: %s", socket);
		return NULL;
	}
	return docker_api_new(url, err, errlen);
}

int
deploy_docker_retag(const struct deploy_docker_opts *o,
    const struct deploy_image *src, const char *release, FILE *log,
    char *err, size_t errlen)
{
	struct retag t;
	char src_ref[DEPLOY_REF_MAX + DEPLOY_TAG_MAX + 1];
	char dst_ref[DEPLOY_REF_MAX + DEPLOY_TAG_MAX + 1], digest[128];
	char *auth = NULL;
	int rc = -1, existed, made_tag = 0;

	memset(&t, 0, sizeof(t));
	http_response_init(&t.resp);
	t.socket = o->socket;
	t.push_timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 600000;
	snprintf(src_ref, sizeof(src_ref), "%s:%s", src->repo, src->tag);
	snprintf(dst_ref, sizeof(dst_ref), "%s:%s", src->repo, release);
	auth = registry_auth_header(o, src, err, errlen);
	if (auth == NULL)
		goto out;
	if ((t.api = open_api(o->socket, err, errlen)) == NULL)
		goto out;
	switch (image_exists(&t, src_ref, err, errlen)) {
	case 0:
		snprintf(err, errlen, "source image %s not found in the Docker "
		    "daemon at %s", src_ref, o->socket);
		/* FALLTHROUGH */
	case -1:
		goto out;
	}
	existed = image_exists(&t, dst_ref, err, errlen);
	if (existed < 0)
		goto out;
	if (strcmp(src->tag, release) != 0) {
		if (retag_tag(&t, src_ref, src, release, err, errlen) != 0)
			goto out;
		made_tag = !existed;
		fprintf(log, "hoist-deploy: tagged %s as %s\n", src_ref, dst_ref);
	}
	if (retag_push(&t, src, release, auth, digest, sizeof(digest), err,
	    errlen) != 0)
		goto out;
	fprintf(log, "hoist-deploy: pushed %s to %s%s%s\n", dst_ref,
	    src->registry, digest[0] != '\0' ? ", digest " : "", digest);
	rc = 0;
out:
	if (made_tag)
		retag_untag(&t, dst_ref, log);
	docker_api_free(t.api);
	http_response_free(&t.resp);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return rc;
}
