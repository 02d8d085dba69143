/*
 * fuzz_docker.c — libFuzzer harness for what hoist reads from the Docker
 * Engine API: the body of GET /containers/{id}/json
 * (docker_decode_inspect, with every label kept) and of GET
 * /containers/json (docker_decode_list), the pieces of them parsed on
 * their own (docker_split_image, rfc3339_parse from common/rfc3339.c,
 * the --docker-labels list docker_labels_parse), and hoist-deploy's
 * reading of an error body (docker_api_message) and of the push stream
 * (deploy_docker_push_ok).
 *
 * Input: a JSON body; the same bytes, as a string, go to the small
 * parsers.  Checked: a decoded inspection deep-copies and frees cleanly,
 * a decoded id is valid, the list has at most `max` entries, an error
 * says what it is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/docker.h"
#include "common/docker_api.h"
#include "common/rfc3339.h"
#include "deploy/deploy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_LIST_MAX 64

static void
inspect(const char *json, size_t len)
{
	static struct docker_labels all;
	struct container_meta meta, copy;
	char err[128];

	if (all.n == 0 && docker_labels_parse("*", &all, err,
	    sizeof(err)) != DOCKER_OK)
		abort();
	if (docker_decode_inspect(json, len, &all, &meta) != DOCKER_OK)
		return;
	if (!docker_id_valid(meta.id))
		abort();
	memset(&copy, 0, sizeof(copy));
	(void)docker_meta_copy(&copy, &meta);
	docker_meta_free_labels(&copy);
	docker_meta_free_labels(&meta);
}

static void
list(const char *json, size_t len)
{
	struct docker_list_entry *e = NULL;
	size_t n = 0, skipped = 0, i;

	if (docker_decode_list(json, len, FUZZ_LIST_MAX, &e, &n,
	    &skipped) == DOCKER_OK) {
		if (n > FUZZ_LIST_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (!docker_id_valid(e[i].id))
				abort();
	}
	free(e);
}

/* hoist-deploy's reading of Docker: an error body, the push stream. */
static void
replies(const char *text, size_t size)
{
	struct http_response r;
	char msg[512], digest[128], err[256];

	http_response_init(&r);
	r.status = 500;
	if (buf_append(&r.body, text, size) == 0) {
		docker_api_message(&r, msg, sizeof(msg));
		if (memchr(msg, '\0', sizeof(msg)) == NULL)
			abort();
	}
	http_response_free(&r);
	if (deploy_docker_push_ok(text, size, digest, sizeof(digest), err,
	    sizeof(err)) != 0 && err[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), image[256], version[128], err[256];
	struct docker_labels labels;
	int64_t ns;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	inspect(text, size);
	list(text, size);
	docker_split_image(text, image, sizeof(image), version,
	    sizeof(version));
	(void)rfc3339_parse(text, &ns);
	if (docker_labels_parse(text, &labels, err, sizeof(err)) ==
	    DOCKER_OK)
		(void)docker_labels_match(&labels, "MARATHON_APP_ID");
	replies(text, size);
	free(text);
	return 0;
}
