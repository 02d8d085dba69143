/*
 * conf.c — see conf.h.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/util.h"

static const struct conf_opt *
find_opt(const struct conf_opt *opts, size_t nopts, const char *key)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, key) == 0)
			return &opts[i];
	return NULL;
}

static int
set_value(const struct conf_opt *o, void *settings, const char *value,
    char *err, size_t errlen)
{
	char *base = (char *)settings + o->offset;
	int64_t iv;
	double dv;
	int bv;
	struct conf_list *l;

	switch (o->type) {
	case CONF_STR:
		if (strlen(value) >= CONF_STR_MAX) {
			snprintf(err, errlen, "value for %s is too long "
			    "(max %d bytes)", o->name, CONF_STR_MAX - 1);
			return -1;
		}
		str_copy_trunc(base, value, CONF_STR_MAX); /* checked */
		return 0;
	case CONF_INT:
		if (parse_i64(value, &iv) != 0 || (double)iv < o->min ||
		    (double)iv > o->max) {
			snprintf(err, errlen, "bad value '%.64s' for %s: want "
			    "an integer from %.0f to %.0f", value, o->name,
			    o->min, o->max);
			return -1;
		}
		memcpy(base, &iv, sizeof(iv));
		return 0;
	case CONF_DOUBLE:
		if (parse_double(value, &dv) != 0 || dv < o->min ||
		    dv > o->max || !isfinite(dv)) {
			snprintf(err, errlen, "bad value '%.64s' for %s: want "
			    "a number from %g to %g", value, o->name, o->min,
			    o->max);
			return -1;
		}
		memcpy(base, &dv, sizeof(dv));
		return 0;
	case CONF_BOOL:
		if (parse_bool(value, &bv) != 0) {
			snprintf(err, errlen, "bad value '%.64s' for %s: want "
			    "yes or no", value, o->name);
			return -1;
		}
		memcpy(base, &bv, sizeof(bv));
		return 0;
	case CONF_LIST:
		l = (struct conf_list *)(void *)base;
		if (l->n >= CONF_LIST_MAX) {
			snprintf(err, errlen, "too many values for %s (max %d)",
			    o->name, CONF_LIST_MAX);
			return -1;
		}
		if (strlen(value) >= CONF_STR_MAX) {
			snprintf(err, errlen, "value for %s is too long",
			    o->name);
			return -1;
		}
		str_copy_trunc(l->v[l->n++], value, CONF_STR_MAX); /* checked */
		return 0;
	}
	snprintf(err, errlen, "internal: bad type for %s", o->name);
	return -1;
}

int
conf_set(const struct conf_opt *opts, size_t nopts, void *settings,
    const char *key, const char *value, char *err, size_t errlen)
{
	const struct conf_opt *o = find_opt(opts, nopts, key);

	if (o == NULL) {
		snprintf(err, errlen, "unknown key '%.64s'", key);
		return -1;
	}
	return set_value(o, settings, value, err, errlen);
}

int
conf_defaults(const struct conf_opt *opts, size_t nopts, void *settings,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nopts; i++) {
		if (opts[i].type == CONF_LIST)
			((struct conf_list *)(void *)((char *)settings +
			    opts[i].offset))->n = 0;
		if (opts[i].defval == NULL)
			continue;
		if (set_value(&opts[i], settings, opts[i].defval, err,
		    errlen) != 0)
			return -1;
	}
	return 0;
}

/*
 * Split one line into key and value.  Returns 1 for a setting, 0 for a
 * blank or comment line, -1 for a syntax error (message in err).
 */
static int
split_line(char *line, char **key, char **value, char *err, size_t errlen)
{
	char *p = line, *eq, *k_end, *v;

	while (*p == ' ' || *p == '\t')
		p++;
	str_rtrim(p);
	if (*p == '\0' || *p == '#')
		return 0;
	eq = strchr(p, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	k_end = eq;
	while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
		k_end--;
	*k_end = '\0';
	if (*p == '\0') {
		snprintf(err, errlen, "missing key before '='");
		return -1;
	}
	v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '"') {
		char *close = strchr(v + 1, '"'), *after;
		if (close == NULL) {
			snprintf(err, errlen, "unterminated quoted value");
			return -1;
		}
		/* After the closing quote: blanks and a comment only. */
		for (after = close + 1; *after == ' ' || *after == '\t';)
			after++;
		if (*after != '\0' && *after != '#') {
			snprintf(err, errlen, "text after the quoted value");
			return -1;
		}
		*close = '\0';
		v++;
	} else {
		char *c = strstr(v, " #");
		char *t = strstr(v, "\t#");
		if (t != NULL && (c == NULL || t < c))
			c = t;
		if (c != NULL)
			*c = '\0';
		str_rtrim(v);
	}
	*key = p;
	*value = v;
	return 1;
}

/* Blanks off both ends, in place. */
static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return str_rtrim(s);
}

/*
 * "[dc1 prod]" (blanks around allowed, a " #" comment after it too):
 * open the section through sec.  Returns 0 with *base set, or -1 with
 * msg.
 */
static int
open_section(const struct conf_sections *sec, void *settings, char *line,
    void **base, char *msg, size_t msglen)
{
	char *p = trim(line), *close = strchr(p, ']'), *after;

	if (close == NULL) {
		snprintf(msg, msglen, "a section header is \"[NAME]\"");
		return -1;
	}
	*close = '\0';
	after = trim(close + 1);
	if (*after != '\0' && *after != '#') {
		snprintf(msg, msglen, "text after the section header");
		return -1;
	}
	*base = sec->open(settings, trim(p + 1), msg, msglen);
	return *base != NULL ? 0 : -1;
}

static int
is_section_line(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '[';
}

/* The loader behind conf_load_file() and conf_load_text(); `name` is
 * what error messages call the input. */
static int
load_stream(const struct conf_opt *opts, size_t nopts,
    const struct conf_sections *sec, void *settings, FILE *f,
    const char *name, char *err, size_t errlen)
{
	char line[CONF_STR_MAX + 256], msg[512], *key, *value;
	const struct conf_opt *cur = opts;
	size_t ncur = nopts;
	void *base = settings;
	unsigned lineno = 0;
	int r;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", name,
			    lineno);
			return -1;
		}
		if (sec != NULL && is_section_line(line)) {
			if (open_section(sec, settings, line, &base, msg,
			    sizeof(msg)) != 0) {
				snprintf(err, errlen, "%s:%u: %s", name,
				    lineno, msg);
				return -1;
			}
			cur = sec->opts;
			ncur = sec->nopts;
			continue;
		}
		r = split_line(line, &key, &value, msg, sizeof(msg));
		if (r == 0)
			continue;
		if (r < 0 || conf_set(cur, ncur, base, key, value, msg,
		    sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%u: %s%s", name, lineno, msg,
			    r > 0 && sec != NULL && find_opt(cur, ncur, key) ==
			    NULL ? (cur == opts ? " (before any section)" :
			    " (in a section)") : "");
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", name);
		return -1;
	}
	return 0;
}

int
conf_load_file_sections(const struct conf_opt *opts, size_t nopts,
    const struct conf_sections *sec, void *settings, const char *path,
    char *err, size_t errlen)
{
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = load_stream(opts, nopts, sec, settings, f, path, err, errlen);
	fclose(f);
	return ret;
}

int
conf_load_file(const struct conf_opt *opts, size_t nopts, void *settings,
    const char *path, char *err, size_t errlen)
{
	return conf_load_file_sections(opts, nopts, NULL, settings, path, err,
	    errlen);
}

int
conf_load_text(const struct conf_opt *opts, size_t nopts,
    const struct conf_sections *sec, void *settings, const char *name,
    const char *text, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	if (text[0] == '\0')
		return 0;       /* fmemopen() refuses a zero size */
	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	ret = load_stream(opts, nopts, sec, settings, f, name, err, errlen);
	fclose(f);
	return ret;
}

#define MAX_LONGOPTS 192

/*
 * "--percpu no" as well as "--percpu=no" and plain "--percpu": after a
 * boolean flag without "=", a following yes/no word is its value.
 */
static const char *
take_bool_word(int argc, char **argv)
{
	int b;

	if (optind < argc && argv[optind][0] != '-' &&
	    parse_bool(argv[optind], &b) == 0)
		return argv[optind++];
	return "yes";
}

/* The getopt_long() tables built from a conf_opt table. */
struct cli_table {
	struct option lo[MAX_LONGOPTS];
	char          shorts[128];
	char          dashed[MAX_LONGOPTS / 2][64];  /* "cgroup-root" ... */
};

/*
 * Every key is a long option (val 1000 + index), also with '-' for '_'
 * ("cgroup_root" is also accepted as --cgroup-root); short options from
 * the table after the program-level "c:nhv".  Returns 0 or -1.
 */
static int
cli_table_build(struct cli_table *t, const struct conf_opt *opts,
    size_t nopts)
{
	size_t i, k = 0, sl;

	if (2 * nopts + 5 > MAX_LONGOPTS)
		return -1;
	str_copy_trunc(t->shorts, "c:nhv", sizeof(t->shorts));
	sl = strlen(t->shorts);
	for (i = 0; i < nopts; i++) {
		t->lo[k].name = opts[i].name;
		t->lo[k].has_arg = opts[i].type == CONF_BOOL ?
		    optional_argument : required_argument;
		t->lo[k].flag = NULL;
		t->lo[k].val = 1000 + (int)i;
		k++;
		if (strchr(opts[i].name, '_') != NULL &&
		    strlen(opts[i].name) < sizeof(t->dashed[0])) {
			char *d = t->dashed[i];
			str_copy_trunc(d, opts[i].name, sizeof(t->dashed[0]));
			for (; *d != '\0'; d++)
				if (*d == '_')
					*d = '-';
			t->lo[k] = t->lo[k - 1];
			t->lo[k].name = t->dashed[i];
			k++;
		}
		if (opts[i].shortopt != 0 && sl + 3 < sizeof(t->shorts)) {
			t->shorts[sl++] = (char)opts[i].shortopt;
			if (opts[i].type != CONF_BOOL)
				t->shorts[sl++] = ':';
			t->shorts[sl] = '\0';
		}
	}
	t->lo[k++] = (struct option){ "config", required_argument, NULL, 'c' };
	t->lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	t->lo[k++] = (struct option){ "check", no_argument, NULL, 'n' };
	t->lo[k++] = (struct option){ "version", no_argument, NULL, 'V' };
	t->lo[k] = (struct option){ NULL, 0, NULL, 0 };
	return 0;
}

/* Pass 1: only -c / -n / -h / -v / --version, so the file loads first. */
static int
cli_pass_program(const struct cli_table *t, const struct conf_opt *opts,
    int argc, char **argv, struct conf_cli *cli, char *err, size_t errlen)
{
	int c, idx;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, t->shorts, t->lo, &idx)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'n': cli->check_only = 1; break;
		case 'h': cli->help = 1; break;
		case 'V': cli->version = 1; break;
		case 'v': cli->verbose++; break;
		case '?':
			snprintf(err, errlen, "unknown or incomplete option "
			    "'%.64s' (see --help)", argv[optind - 1]);
			return -1;
		default:
			if (c >= 1000 && opts[c - 1000].type == CONF_BOOL &&
			    optarg == NULL)
				take_bool_word(argc, argv);
			break;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.64s'",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* Pass 2: every other flag overrides the file. */
static int
cli_pass_settings(const struct cli_table *t, const struct conf_opt *opts,
    size_t nopts, void *settings, int argc, char **argv, char *err,
    size_t errlen)
{
	unsigned char list_from_cli[MAX_LONGOPTS] = { 0 };
	char msg[512];
	size_t i;
	int c, idx;

	optind = 1;
	while ((c = getopt_long(argc, argv, t->shorts, t->lo, &idx)) != -1) {
		const struct conf_opt *o = NULL;
		const char *val = optarg;

		if (c >= 1000)
			o = &opts[c - 1000];
		else
			for (i = 0; i < nopts; i++)
				if (opts[i].shortopt == c)
					o = &opts[i];
		if (o == NULL)
			continue;
		if (o->type == CONF_BOOL && val == NULL)
			val = take_bool_word(argc, argv);
		if (o->type == CONF_LIST && !list_from_cli[o - opts]) {
			list_from_cli[o - opts] = 1;
			((struct conf_list *)(void *)((char *)settings +
			    o->offset))->n = 0;
		}
		if (set_value(o, settings, val, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "command line: %s", msg);
			return -1;
		}
	}
	return 0;
}

int
conf_parse_args(const struct conf_opt *opts, size_t nopts, void *settings,
    int argc, char **argv, const char *default_config, struct conf_cli *cli,
    char *err, size_t errlen)
{
	return conf_parse_args_sections(opts, nopts, NULL, settings, argc,
	    argv, default_config, cli, err, errlen);
}

int
conf_parse_args_sections(const struct conf_opt *opts, size_t nopts,
    const struct conf_sections *sec, void *settings, int argc, char **argv,
    const char *default_config, struct conf_cli *cli, char *err,
    size_t errlen)
{
	static struct cli_table t;    /* getopt keeps pointers into it */

	memset(cli, 0, sizeof(*cli));
	/* The hidden flag for man/check-keys.py; alone on the line. */
	if (argc == 2 && strcmp(argv[1], "--dump-config-keys") == 0) {
		cli->dump_keys = cli->help = 1;
		return 0;
	}
	if (cli_table_build(&t, opts, nopts) != 0) {
		snprintf(err, errlen, "internal: too many options");
		return -1;
	}
	if (cli_pass_program(&t, opts, argc, argv, cli, err, errlen) != 0)
		return -1;
	if (cli->help || cli->version)
		return 0;
	if (cli->config_path == NULL && default_config != NULL &&
	    access(default_config, F_OK) == 0)
		cli->config_path = default_config;
	if (cli->config_path != NULL && conf_load_file_sections(opts, nopts,
	    sec, settings, cli->config_path, err, errlen) != 0)
		return -1;
	return cli_pass_settings(&t, opts, nopts, settings, argc, argv, err,
	    errlen);
}

void
conf_usage(const struct conf_opt *opts, size_t nopts, const char *progname,
    const char *synopsis, void *stream)
{
	FILE *f = stream;
	char left[96];
	size_t i;

	fprintf(f, "usage: %s %s\n\n", progname, synopsis);
	fprintf(f, "  -c, --config FILE        read settings from FILE\n");
	fprintf(f, "  -n, --check              check the configuration and exit\n");
	fprintf(f, "  -v                       more log output (repeat for debug)\n");
	fprintf(f, "  -h, --help               this text\n");
	fprintf(f, "      --version            print the version and exit\n");
	for (i = 0; i < nopts; i++) {
		const struct conf_opt *o = &opts[i];
		const char *arg = o->argname ? o->argname : "VALUE";

		if (o->shortopt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->shortopt, o->name, o->type == CONF_BOOL ? "" :
			    " ", o->type == CONF_BOOL ? "" : arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->type == CONF_BOOL ? "" : " ",
			    o->type == CONF_BOOL ? "" : arg);
		fprintf(f, "  %-24s %s", left, o->help ? o->help : "");
		if (o->defval != NULL && o->defval[0] != '\0')
			fprintf(f, " (default: %s)", o->defval);
		fputc('\n', f);
	}
	fprintf(f, "\nEvery long option is also a config-file key: "
	    "\"name = value\".\n");
}

int
conf_table_append(struct conf_opt *dst, size_t *dn, size_t dmax,
    const struct conf_opt *src, size_t n, size_t base_offset)
{
	size_t i;

	if (*dn + n > dmax)
		return -1;
	for (i = 0; i < n; i++) {
		dst[*dn] = src[i];
		dst[*dn].offset += base_offset;
		(*dn)++;
	}
	return 0;
}

static const char *
type_name(enum conf_type t)
{
	switch (t) {
	case CONF_STR:    return "string";
	case CONF_INT:    return "integer";
	case CONF_DOUBLE: return "number";
	case CONF_BOOL:   return "boolean";
	case CONF_LIST:   return "list";
	}
	return "?";
}

void
conf_dump_keys(const struct conf_opt *opts, size_t nopts, const char *scope,
    void *stream)
{
	FILE *f = stream;
	size_t i;

	for (i = 0; i < nopts; i++) {
		const struct conf_opt *o = &opts[i];
		int bounded = o->type == CONF_INT || o->type == CONF_DOUBLE;

		fprintf(f, "%s\t%s\t%s\t", o->name, type_name(o->type),
		    o->defval != NULL && o->defval[0] != '\0' ? o->defval :
		    "-");
		if (bounded)
			fprintf(f, "%.15g\t%.15g", o->min, o->max);
		else
			fprintf(f, "-\t-");
		if (scope != NULL)
			fprintf(f, "\t%s", scope);
		fputc('\n', f);
	}
}
