/*
 * docker_api.h — the one Docker Engine API client, on common/http.c, for
 * what the collector (list, inspect) and hoist-deploy (image inspect, tag,
 * push, remove) ask of a Docker daemon.
 *
 * It is transport and endpoints only: each call sends one request and
 * leaves the reply (status and body) in a struct http_response the caller
 * owns; what a reply means is the caller's business (collector/docker.c
 * caches metadata, deploy/deploy_docker.c checks the push stream).
 *
 * The API is used without a version prefix, so the daemon answers in its
 * own current version (a prefix such as /v1.41 breaks on Docker 29, which
 * refuses API versions below 1.44).  Path parts (ids, image references,
 * tags) are sent as given: callers pass only checked names (hex ids,
 * references from deploy_image_parse(), tags from deploy_tag_valid()).
 *
 * One struct docker_api wraps one HTTP client (keep-alive reuse); it is
 * not thread-safe: one owner.
 */
#ifndef HOIST_DOCKER_API_H
#define HOIST_DOCKER_API_H

#include <stddef.h>

#include "common/http.h"

#define DOCKER_API_SOCK_MAX  108     /* sun_path */
#define DOCKER_API_BASE_MAX  256
#define DOCKER_API_PATH_MAX  2048

/* Per-call limits; zero members take http.c's defaults. */
struct docker_api_limits {
	long   timeout_ms;          /* whole exchange */
	long   connect_timeout_ms;
	size_t max_body;
};

struct docker_api;

/* docker_api.c */
/*
 * url: "unix:///path/to/docker.sock", "http://host:port" or
 * "tcp://host:port" (copied).  NULL with err on a bad URL or no memory.
 * Call http_global_init() first.
 */
struct docker_api *docker_api_new(const char *url, char *err, size_t errlen);
/* NULL ok. */
void docker_api_free(struct docker_api *a);
/* The socket path, or the base URL for TCP: for messages.  Borrowed. */
const char *docker_api_where(const struct docker_api *a);
/*
 * One exchange: `method` on `path` ("/containers/json?all=1"), with one
 * extra header ("Name: value") or NULL.  The reply is in resp (cleared
 * first); HTTP_OK means a reply came, whatever its status.
 */
enum http_result docker_api_call(struct docker_api *a, const char *method,
	const char *path, const char *header,
	const struct docker_api_limits *lim, struct http_response *resp);
/* GET /containers/json?all=1 */
enum http_result docker_api_list(struct docker_api *a,
	const struct docker_api_limits *lim, struct http_response *resp);
/* GET /containers/{id}/json */
enum http_result docker_api_inspect(struct docker_api *a, const char *id,
	const struct docker_api_limits *lim, struct http_response *resp);
/* GET /images/{ref}/json (200: present, 404: absent) */
enum http_result docker_api_image_inspect(struct docker_api *a,
	const char *ref, const struct docker_api_limits *lim,
	struct http_response *resp);
/* POST /images/{src}/tag?repo={repo}&tag={tag} (201 on success) */
enum http_result docker_api_tag(struct docker_api *a, const char *src,
	const char *repo, const char *tag, const struct docker_api_limits *lim,
	struct http_response *resp);
/* POST /images/{repo}/push?tag={tag} with "X-Registry-Auth: ..." as
 * auth_header (or NULL).  200 and then a stream of JSON lines. */
enum http_result docker_api_push(struct docker_api *a, const char *repo,
	const char *tag, const char *auth_header,
	const struct docker_api_limits *lim, struct http_response *resp);
/* DELETE /images/{ref}?noprune=1 (removes a tag, keeps the layers) */
enum http_result docker_api_remove(struct docker_api *a, const char *ref,
	const struct docker_api_limits *lim, struct http_response *resp);
/* "STATUS MESSAGE" from Docker's error body {"message": "..."}. */
void docker_api_message(const struct http_response *resp, char *out,
	size_t outlen);

#endif
