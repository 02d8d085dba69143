/*
 * startup.h — the start-up sequence both daemons share: settings from
 * defaults, config file and command line (common/conf.h); --help; -v;
 * the host name default; libcurl's global set-up.
 *
 *     struct startup su = {
 *         .progname = "hoist-collector", .synopsis = "[-c FILE] [-n] ...",
 *         .default_config = "/etc/hoist/collector.conf",
 *         .opts = opts, .nopts = nopts,
 *     };
 *     if ((code = startup_begin(&su, &st, st.sink.hostname,
 *         sizeof(st.sink.hostname), argc, argv, &cli)) >= 0)
 *             return code;
 *     ...
 *     startup_end();
 *
 * Exit codes follow the daemons' documented contract: 0 after --help or
 * a good -n check, 2 for a bad command line or configuration.
 */
#ifndef HOIST_STARTUP_H
#define HOIST_STARTUP_H

#include <stddef.h>

#include "common/conf.h"

#define STARTUP_EXIT_USAGE 2    /* bad command line or configuration */

/* What the shared start-up needs to know about a program; all borrowed. */
struct startup {
	const char            *progname;        /* "hoist-collector" */
	const char            *synopsis;        /* usage line after the name */
	const char            *default_config;  /* read if it exists, no -c */
	const struct conf_opt *opts;
	size_t                 nopts;
	const struct conf_sections *sections;  /* NULL: the file has none */
};

/* startup.c */
/*
 * Defaults < config file < command line into `settings` (cleared first,
 * `size` bytes).  When `hostname` is not NULL and empty afterwards, it
 * gets gethostname() (or "localhost").  Returns 0, or -1 with err.
 * No side effects beyond settings and cli: SIGHUP reloads call it too.
 */
int  startup_load(const struct startup *s, void *settings, size_t size,
	char *hostname, size_t hostlen, int argc, char **argv,
	struct conf_cli *cli, char *err, size_t errlen);
/*
 * The common front of main(): startup_load(), --help, --version, -v,
 * libcurl.
 * Returns -1 when the program should go on (then call startup_end()
 * before exiting), or the exit code to return at once (usage printed or
 * the error logged).
 */
int  startup_begin(const struct startup *s, void *settings, size_t size,
	char *hostname, size_t hostlen, int argc, char **argv,
	struct conf_cli *cli);
/* --version: print "PROGNAME VERSION" (the Makefile's VERSION) on
 * stdout; returns 0, the exit code. */
int  startup_version(const struct startup *s);
/* --dump-config-keys: print the program's keys (conf_dump_keys()) on
 * stdout; returns 0, the exit code. */
int  startup_dump_keys(const struct startup *s);
/* Log a configuration error as "FILE: message" (or just the message when
 * no file was read); returns STARTUP_EXIT_USAGE. */
int  startup_config_error(const struct conf_cli *cli, const char *err);
/* Print "configuration OK" for -n; returns 0. */
int  startup_check_ok(void);
/* libcurl's global set-up (startup_begin() does it); 0 or -1. */
int  startup_http_init(void);
/* Undo startup_begin()'s global set-up. */
void startup_end(void);

#endif
