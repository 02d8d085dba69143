/*
 * fuzz_marathon.c — libFuzzer harness for everything in the Marathon
 * client and hoist-deploy that parses outside input: the reply decoders
 * (app, apps, deployments, deployment result, versions, error bodies),
 * deploy_render() (a definition file), deploy_conf_parse() (the config
 * file) and deploy_docker_registry_auth() (a Docker config.json); and
 * the scaler's reading of a task's startedAt (rfc3339_parse, common/rfc3339.c).
 *
 * Built by `make fuzz` (build-fuzz/fuzz_marathon), run by `make fuzz-smoke`;
 * the unit run replays tests/fuzz/corpus/marathon/ through it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/deploy.h"
#include "marathon/marathon.h"
#include "common/rfc3339.h"

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
	int64_t ns;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (marathon_decode_app(text, size, &app, err, sizeof(err)) ==
	    MARATHON_OK)
		for (n = 0; n < app.n_tasks; n++)
			(void)rfc3339_parse(app.tasks[n].started_at, &ns);
	marathon_app_free(&app);
	(void)rfc3339_parse(text, &ns);
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
