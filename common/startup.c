/*
 * startup.c — see startup.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/http.h"
#include "common/log.h"
#include "common/startup.h"
#include "common/util.h"
#include "common/version.h"

int
startup_load(const struct startup *s, void *settings, size_t size,
    char *hostname, size_t hostlen, int argc, char **argv,
    struct conf_cli *cli, char *err, size_t errlen)
{
	memset(settings, 0, size);
	if (conf_defaults(s->opts, s->nopts, settings, err, errlen) != 0)
		return -1;
	if (conf_parse_args_sections(s->opts, s->nopts, s->sections, settings,
	    argc, argv, s->default_config, cli, err, errlen) != 0)
		return -1;
	if (hostname != NULL && hostlen > 1 && hostname[0] == '\0' &&
	    gethostname(hostname, hostlen - 1) != 0)
		str_copy_trunc(hostname, "localhost", hostlen);
	if (hostname != NULL && hostlen > 0)
		hostname[hostlen - 1] = '\0';
	return 0;
}

int
startup_begin(const struct startup *s, void *settings, size_t size,
    char *hostname, size_t hostlen, int argc, char **argv,
    struct conf_cli *cli)
{
	char err[1024];

	log_init(s->progname, LOGL_INFO);
	if (startup_load(s, settings, size, hostname, hostlen, argc, argv,
	    cli, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return STARTUP_EXIT_USAGE;
	}
	if (cli->dump_keys)
		return startup_dump_keys(s);
	if (cli->help) {
		conf_usage(s->opts, s->nopts, s->progname, s->synopsis, stdout);
		return 0;
	}
	if (cli->version)
		return startup_version(s);
	log_set_verbosity(LOGL_INFO + cli->verbose);
	if (startup_http_init() != 0)
		fatalx("libcurl initialisation failed");
	return -1;
}

int
startup_version(const struct startup *s)
{
	printf("%s %s\n", s->progname, HOIST_VERSION);
	return 0;
}

int
startup_dump_keys(const struct startup *s)
{
	conf_dump_keys(s->opts, s->nopts, NULL, stdout);
	if (s->sections != NULL)
		conf_dump_keys(s->sections->opts, s->sections->nopts,
		    "section", stdout);
	return 0;
}

int
startup_config_error(const struct conf_cli *cli, const char *err)
{
	log_warnx("%s%s%s", cli->config_path ? cli->config_path : "",
	    cli->config_path ? ": " : "", err);
	return STARTUP_EXIT_USAGE;
}

int
startup_check_ok(void)
{
	printf("configuration OK\n");
	return 0;
}

int
startup_http_init(void)
{
	return http_global_init() != 0 ? -1 : 0;
}

void
startup_end(void)
{
	http_global_cleanup();
}
