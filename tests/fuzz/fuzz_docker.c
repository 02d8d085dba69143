/*
 * fuzz_docker.c — libFuzzer harness for what the collector reads from
 * the Docker Engine API: the body of GET /containers/{id}/json
 * (docker_decode_inspect, with every label kept) and of GET
 * /containers/json (docker_decode_list), plus the pieces of them parsed
 * on their own: an image reference (docker_split_image), an RFC 3339 time
 * (rfc3339_parse, common/rfc3339.c) and the --docker-labels list (docker_labels_parse).
 *
 * Input: a JSON body; the same bytes, as a string, go to the small
 * parsers.  Checked: a decoded inspection deep-copies and frees cleanly,
 * a decoded id is valid, the list has at most `max` entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/docker.h"
#include "common/rfc3339.h"

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
	free(text);
	return 0;
}
