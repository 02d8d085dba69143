/*
 * fuzz_deploy_conf.c — libFuzzer harness for hoist-deploy's config-file
 * grammar (deploy/deploy_conf.c, deploy_conf_parse): "key = value" lines
 * under "[dc env]" sections, the confirm list, default_dc.
 *
 * Input: the file's text.  deploy_conf_parse() takes a C string, so the
 * input is cut at its first NUL, as reading the file would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/deploy.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deploy_conf *conf = malloc(sizeof(*conf));
	char *text = fuzz_strdup(data, size), err[512];

	if (conf != NULL && text != NULL &&
	    deploy_conf_parse("deploy.conf", text, conf, err,
	    sizeof(err)) != 0 && err[0] == '\0')
		abort();    /* an error must say what is wrong */
	free(conf);
	free(text);
	return 0;
}
