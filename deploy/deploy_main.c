/*
 * deploy_main.c — the hoist-deploy command line.  See docs/deploy.md;
 * the usage text mirrors the SYNOPSIS of man/hoist-deploy.1.
 *
 *   hoist-deploy [-hnv] [-c FILE] --image REPO[:TAG] --release VERSION
 *                --env ENV [--dc DC] [--KEY VALUE]...
 *
 * Every flag is also a config-file key (common/conf.h; the file's
 * [DC ENV] sections: deploy/deploy_conf.c).  -n checks the config and,
 * when --image, --release or --env is given, the inputs of that
 * deployment too (section, definition), and sends nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/startup.h"
#include "deploy/deploy.h"

#define DEFAULT_CONFIG "/etc/hoist/deploy.conf"

static const char usage_tail[] =
"\n"
"Deploys DIR/ENV-deploy.json to the Marathon of (DC, ENV) with\n"
"container.docker.image set to REPO:VERSION, and follows it to its end.\n"
"Exit: 0 deployed, 2 bad input, 3 refused confirmation, 4 deployment in\n"
"progress, 5 Marathon error, 6 timeout, 7 rolled back, 8 image/registry\n"
"error, 1 internal error.\n";

/* -n: the config, then (when a deployment is named) its inputs. */
static int
check_only(const struct deploy_conf *c)
{
	enum deploy_exit rc;

	if (c->image[0] != '\0' || c->release[0] != '\0' ||
	    c->env[0] != '\0') {
		rc = deploy_run(c, 1, stdout, stderr);
		if (rc != DEPLOY_OK)
			return (int)rc;
	}
	return startup_check_ok();
}

int
main(int argc, char **argv)
{
	static struct deploy_conf c;      /* large: off the stack */
	const struct startup su = { .progname = "hoist-deploy",
	    .synopsis = "[-hnv] [-c FILE] --image REPO[:TAG] --release VERSION "
	    "--env ENV [--dc DC] [--KEY VALUE]...",
	    .default_config = DEFAULT_CONFIG,
	    .opts = deploy_conf_opts, .nopts = deploy_conf_nopts,
	    .sections = &deploy_conf_sections };
	struct conf_cli cli;
	char err[1024];
	int ret;

	log_init("hoist-deploy", LOGL_ERR);
	if (startup_load(&su, &c, sizeof(c), NULL, 0, argc, argv, &cli, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "hoist-deploy: %s\n", err);
		return DEPLOY_E_INPUT;
	}
	if (cli.dump_keys)
		return startup_dump_keys(&su);
	if (cli.help) {
		conf_usage(su.opts, su.nopts, su.progname, su.synopsis, stdout);
		fputs(usage_tail, stdout);
		return 0;
	}
	if (cli.version)
		return startup_version(&su);
	log_set_verbosity(LOGL_ERR + cli.verbose);
	c.config_path = cli.config_path;
	if (deploy_conf_check(&c, cli.config_path ? cli.config_path :
	    "command line", err, sizeof(err)) != 0) {
		fprintf(stderr, "hoist-deploy: %s\n", err);
		return DEPLOY_E_INPUT;
	}
	if (startup_http_init() != 0) {
		fprintf(stderr, "hoist-deploy: cannot initialise libcurl\n");
		return DEPLOY_E_INTERNAL;
	}
	if (cli.check_only)
		ret = check_only(&c);
	else
		ret = (int)deploy_run(&c, 0, stdout, stderr);
	startup_end();
	return ret;
}
