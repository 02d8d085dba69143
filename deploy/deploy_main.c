/*
 * deploy_main.c — the hoist-deploy command line.  See docs/deploy.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "common/version.h"
#include "deploy/deploy.h"

#define DEFAULT_CONFIG "/etc/hoist/deploy.conf"

enum {
	OPT_IMAGE = 256, OPT_RELEASE, OPT_ENV, OPT_DC, OPT_DEPLOY_DIR,
	OPT_CONFIG, OPT_MARATHON, OPT_DOCKER, OPT_DOCKER_CONFIG, OPT_RETAG,
	OPT_YES, OPT_DRY_RUN, OPT_TIMEOUT, OPT_INTERVAL, OPT_ROLLBACK,
	OPT_FORCE, OPT_JSON, OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "release", required_argument, NULL, OPT_RELEASE },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "dc", required_argument, NULL, OPT_DC },
	{ "deploy-dir", required_argument, NULL, OPT_DEPLOY_DIR },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "marathon", required_argument, NULL, OPT_MARATHON },
	{ "docker", required_argument, NULL, OPT_DOCKER },
	{ "docker-config", required_argument, NULL, OPT_DOCKER_CONFIG },
	{ "retag", no_argument, NULL, OPT_RETAG },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "rollback-on-failure", no_argument, NULL, OPT_ROLLBACK },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fputs(
"usage: hoist-deploy --image REPO[:TAG] --release VERSION --env ENV [--dc DC]\n"
"           [--deploy-dir DIR] [--config FILE] [--marathon URL] [--retag]\n"
"           [--docker SOCKET] [--docker-config FILE] [--yes] [--dry-run]\n"
"           [--timeout SEC] [--interval SEC] [--rollback-on-failure] [--force]\n"
"           [--json] | --version\n"
"\n"
"Deploy DIR/ENV-deploy.json to the Marathon of (DC, ENV) with\n"
"container.docker.image set to REPO:VERSION, and follow it to its end.\n"
"\n"
"  --image REPO[:TAG]     the tested image (TAG default latest)\n"
"  --release VERSION      the release tag to deploy (REPO:VERSION)\n"
"  --env ENV              environment: reads DIR/ENV-deploy.json\n"
"  --dc DC                data centre (default: config default_dc, or the\n"
"                         only one that has ENV)\n"
"  --deploy-dir DIR       where the definitions are (default: config, or .)\n"
"  --config FILE          (dc, env) -> Marathon map (default " DEFAULT_CONFIG
"\n"
"                         when it exists)\n"
"  --marathon URL         Marathon URL, overriding the config's\n"
"  --retag                tag REPO:TAG as REPO:VERSION, push it, drop the\n"
"                         local tag (Docker Engine API)\n"
"  --docker SOCKET        Docker socket (default /var/run/docker.sock)\n"
"  --docker-config FILE   registry credentials (Docker config.json)\n"
"  --yes                  confirmed: needed without a terminal for the\n"
"                         environments that require a confirmation\n"
"  --dry-run              print the definition and the requests; send nothing\n"
"  --timeout SEC          give up following after SEC (default 600)\n"
"  --interval SEC         poll interval (default 2)\n"
"  --rollback-on-failure  on a timeout, put the previous version back\n"
"  --force                deploy even if a deployment is in progress\n"
"  --json                 print a JSON summary on stdout\n"
"  --version              print the version and exit\n"
"\n"
"Exit: 0 deployed, 2 bad input, 3 refused confirmation, 4 deployment in\n"
"progress, 5 Marathon error, 6 timeout, 7 rolled back, 8 image/registry\n"
"error, 1 internal error.\n", f);
}

static int
parse_seconds(const char *flag, const char *v, double *out)
{
	if (parse_double(v, out) != 0 || !(*out > 0) || *out > 86400 * 7) {
		fprintf(stderr, "hoist-deploy: %s: not a number of seconds: %s\n",
		    flag, v);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct deploy_args a;
	enum deploy_exit rc;
	int c;

	memset(&a, 0, sizeof(a));
	a.timeout_s = 600;
	a.interval_s = 2;
	log_init("hoist-deploy", 0);
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE: a.image = optarg; break;
		case OPT_RELEASE: a.release = optarg; break;
		case OPT_ENV: a.env = optarg; break;
		case OPT_DC: a.dc = optarg; break;
		case OPT_DEPLOY_DIR: a.deploy_dir = optarg; break;
		case OPT_CONFIG: a.config = optarg; break;
		case OPT_MARATHON: a.marathon = optarg; break;
		case OPT_DOCKER: a.docker = optarg; break;
		case OPT_DOCKER_CONFIG: a.docker_config = optarg; break;
		case OPT_RETAG: a.retag = 1; break;
		case OPT_YES: a.yes = 1; break;
		case OPT_DRY_RUN: a.dry_run = 1; break;
		case OPT_ROLLBACK: a.rollback = 1; break;
		case OPT_FORCE: a.force = 1; break;
		case OPT_JSON: a.json = 1; break;
		case OPT_TIMEOUT:
			if (parse_seconds("--timeout", optarg, &a.timeout_s) != 0)
				return DEPLOY_E_INPUT;
			break;
		case OPT_INTERVAL:
			if (parse_seconds("--interval", optarg, &a.interval_s) != 0)
				return DEPLOY_E_INPUT;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			fputs(VERSION_LINE("hoist-deploy"), stdout);
			return 0;
		default:
			usage(stderr);
			return DEPLOY_E_INPUT;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hoist-deploy: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return DEPLOY_E_INPUT;
	}
	if (a.config == NULL && access(DEFAULT_CONFIG, R_OK) == 0)
		a.config = DEFAULT_CONFIG;
	if (http_global_init() != 0) {
		fprintf(stderr, "hoist-deploy: cannot initialise libcurl\n");
		return DEPLOY_E_INTERNAL;
	}
	rc = deploy_run(&a, stdout, stderr);
	http_global_cleanup();
	return (int)rc;
}
