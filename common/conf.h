/*
 * conf.h — one declarative table per program (redis's config.c habit):
 * every setting is both a config-file key and a long command-line flag of
 * the same name (`--interval 10` and `interval = 10`).
 *
 * Config file format, one setting per line:
 *
 *     # comment
 *     interval = 10
 *     output = influxdb:http://127.0.0.1:8086/hoist
 *     output = stdout              # CONF_LIST keys may repeat
 *     docker = "unix:///var/run/docker.sock"
 *
 * Blank lines and lines starting with '#' are ignored; a value may be put
 * in double quotes (then it is taken verbatim, '#' included, and only
 * blanks and a comment may follow the closing quote); otherwise a " #"
 * starts a trailing comment.  An unknown key or a bad value is an
 * error that names the file and the line.
 *
 * A program that passes a struct conf_sections also takes sections: a
 * line "[NAME ...]" starts one, and the keys after it come from the
 * section table and go where sections->open() says (hoist-deploy's
 * "[dc1 prod]").  Without it a "[" line is an error, as before.
 *
 * Precedence: defaults < config file < command line.  A CONF_LIST given on
 * the command line replaces what the file said.
 */
#ifndef HOIST_CONF_H
#define HOIST_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_LIST_MAX 16      /* entries in one CONF_LIST setting */
#define CONF_STR_MAX  1024    /* bytes in one string value */

enum conf_type {
	CONF_STR,     /* char[CONF_STR_MAX] at offset */
	CONF_INT,     /* int64_t at offset, bounded by min/max */
	CONF_DOUBLE,  /* double at offset, bounded by min/max */
	CONF_BOOL,    /* int at offset; as a flag it takes no argument */
	CONF_LIST,    /* struct conf_list at offset */
};

struct conf_list {
	int  n;
	char v[CONF_LIST_MAX][CONF_STR_MAX];
};

struct conf_opt {
	const char     *name;     /* key and --flag */
	int             shortopt; /* 0 for none */
	enum conf_type  type;
	size_t          offset;   /* into the settings struct */
	double          min, max; /* CONF_INT / CONF_DOUBLE bounds */
	const char     *defval;   /* default as text, or NULL */
	const char     *argname;  /* for usage: "SEC", "URL" ... */
	const char     *help;     /* one line */
};

/* Sections: see the top of this file.  All members borrowed. */
struct conf_sections {
	const struct conf_opt *opts;    /* keys allowed inside a section */
	size_t                 nopts;
	/*
	 * "[dc1 prod]" was read: `header` is the text between the brackets,
	 * blanks trimmed ("dc1 prod").  Return where the section's keys go
	 * (offsets of `opts` apply to it; it usually lives inside
	 * `settings`), or NULL with msg (the loader adds FILE:LINE).
	 */
	void *(*open)(void *settings, const char *header, char *msg,
	    size_t msglen);
};

/* conf.c */
/* Apply every option's default to `settings`. */
int  conf_defaults(const struct conf_opt *opts, size_t nopts, void *settings,
	char *err, size_t errlen);
/* Set one key from text; err gets "bad value ... for key" on failure. */
int  conf_set(const struct conf_opt *opts, size_t nopts, void *settings,
	const char *key, const char *value, char *err, size_t errlen);
/* Load a file; on error err reads "FILE:LINE: message". */
int  conf_load_file(const struct conf_opt *opts, size_t nopts,
	void *settings, const char *path, char *err, size_t errlen);
/* The same with sections (sec may be NULL). */
int  conf_load_file_sections(const struct conf_opt *opts, size_t nopts,
	const struct conf_sections *sec, void *settings, const char *path,
	char *err, size_t errlen);
/* The same from a string; `name` stands for the file in messages. */
int  conf_load_text(const struct conf_opt *opts, size_t nopts,
	const struct conf_sections *sec, void *settings, const char *name,
	const char *text, char *err, size_t errlen);
/*
 * Parse argv (getopt_long, built from the table).  The program-level flags
 * -c FILE, -n, -h, -v and --version are handled here too and reported
 * through the out-parameters; so is the hidden --dump-config-keys, when it
 * is the only argument (it sets both dump_keys and help, so a program that
 * does not know it prints its usage and exits instead of running); the file named by -c (or `default_config`
 * when it exists and no -c is given) is loaded before the other flags are
 * applied.  Returns 0, or -1 with err set (usage error or config error).
 */
struct conf_cli {
	const char *config_path;   /* NULL when none was loaded */
	int         check_only;    /* -n */
	int         help;          /* -h / --help */
	int         version;       /* --version */
	int         verbose;       /* count of -v */
	int         dump_keys;     /* --dump-config-keys (hidden) */
};
int  conf_parse_args(const struct conf_opt *opts, size_t nopts,
	void *settings, int argc, char **argv, const char *default_config,
	struct conf_cli *cli, char *err, size_t errlen);
/* The same, the config file read with sections (sec may be NULL). */
int  conf_parse_args_sections(const struct conf_opt *opts, size_t nopts,
	const struct conf_sections *sec, void *settings, int argc,
	char **argv, const char *default_config, struct conf_cli *cli,
	char *err, size_t errlen);
/*
 * Append src[0..n) to dst (which holds *dn entries, room for dmax), adding
 * base_offset to each entry's offset: lets a program embed another
 * module's settings struct (e.g. struct sink_options) and its keys.
 */
int  conf_table_append(struct conf_opt *dst, size_t *dn, size_t dmax,
	const struct conf_opt *src, size_t n, size_t base_offset);
/* Print the usage text generated from the table. */
void conf_usage(const struct conf_opt *opts, size_t nopts,
	const char *progname, const char *synopsis, void *stream);
/*
 * Print every key of the table, one line each, tab-separated:
 * "name type default min max" (type: string, integer, number, boolean,
 * list; "-" for no default and for the bounds of a type without any),
 * followed by a sixth field `scope` when it is not NULL (e.g. "section"
 * for the keys of a config file's sections).  The hidden flag
 * --dump-config-keys prints this, so that `make check-man` can hold the
 * man pages to the code (man/check-keys.py).
 */
void conf_dump_keys(const struct conf_opt *opts, size_t nopts,
	const char *scope, void *stream);

#endif
