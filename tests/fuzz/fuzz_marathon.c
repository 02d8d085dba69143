/*
 * fuzz_marathon.c — libFuzzer harness for everything in the Marathon
 * client and hoist-deploy that parses outside input: the reply decoders
 * (app, apps, deployments, deployment result, versions, error bodies),
 * deploy_render() (a definition file), deploy_conf_parse() (the config
 * file) and deploy_docker_registry_auth() (a Docker config.json).
 *
 * Not built by `make`; build and run by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
 *       -I. -I/usr/include/cjson tests/fuzz/fuzz_marathon.c \
 *       marathon/marathon_decode.c deploy/deploy.c deploy/deploy_conf.c \
 *       deploy/deploy_docker.c common/util.c common/buf.c common/http.c \
 *       common/log.c common/conf.c common/docker_api.c \
 *       -lcjson -lcurl -lm -o build/fuzz_marathon
 *   build/fuzz_marathon -max_total_time=60 -max_len=4096
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/deploy.h"
#include "marathon/marathon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512], app_id[MARATHON_ID_MAX];
	char (*versions)[MARATHON_VERSION_MAX];
	struct marathon_deployment *deps;
	struct marathon_status st;
	struct marathon_app app, *apps;
	struct deploy_conf *conf;
	char *out;
	size_t n;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	(void)marathon_decode_app(text, size, &app, err, sizeof(err));
	marathon_app_free(&app);
	if (marathon_decode_apps(text, size, &apps, &n, err, sizeof(err)) ==
	    MARATHON_OK)
		marathon_apps_free(apps, n);
	if (marathon_decode_deployments(text, size, &deps, &n, err,
	    sizeof(err)) == MARATHON_OK)
		free(deps);
	if (marathon_decode_versions(text, size, &versions, &n, err,
	    sizeof(err)) == MARATHON_OK)
		free(versions);
	memset(&st, 0, sizeof(st));
	(void)marathon_decode_deployment_result(text, size, &st);
	(void)marathon_decode_error(409, text, size, &st);
	(void)marathon_id_valid(text, err, sizeof(err));

	if (deploy_render("f.json", text, size, "r/i:1", &out, app_id, err,
	    sizeof(err)) == 0)
		free(out);
	if (deploy_strip_definition(text, size, &out) == 0)
		free(out);
	conf = malloc(sizeof(*conf));
	if (conf != NULL && strlen(text) == size)
		(void)deploy_conf_parse("c.conf", text, conf, err, sizeof(err));
	free(conf);
	if (deploy_docker_registry_auth(text, "127.0.0.1:5000", &out, err,
	    sizeof(err)) == 0)
		free(out);
	free(text);
	return 0;
}
