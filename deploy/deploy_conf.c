/*
 * deploy_conf.c — hoist-deploy's config file: which Marathon (and which
 * credentials) serves each (data centre, environment), and which
 * environments need a person's confirmation.
 *
 * Format, one setting per line; '#' starts a comment (outside quotes);
 * a value may be put in double quotes; sections name a dc and an env:
 *
 *     confirm = prod preprod          # default: prod
 *     default_dc = dc1
 *     deploy_dir = deploy
 *     docker = /var/run/docker.sock
 *     docker_config = /var/lib/jenkins/.docker/config.json
 *
 *     [dc1 qa]
 *     marathon = http://marathon.qa.dc1:8080
 *     user = deployer
 *     password_file = /etc/hoist/qa.password
 *
 *     [dc1 prod]
 *     marathon = https://marathon.prod.dc1:8443
 *     token_file = /etc/hoist/prod.token
 *     ca_file = /etc/hoist/prod-ca.pem
 *
 * An unknown key, a key in the wrong place, a repeated section or a value
 * too long is an error naming the file and line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "deploy/deploy.h"

#define LINE_MAX_BYTES 2048

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return str_rtrim(s);
}

/* Unquote a value in place, or cut its " #" comment. */
static int
value_of(char *v, char **out)
{
	char *end;

	v = trim(v);
	if (*v == '"') {
		end = strchr(v + 1, '"');
		if (end == NULL)
			return -1;
		*end = '\0';
		if (trim(end + 1)[0] != '\0' && trim(end + 1)[0] != '#')
			return -1;
		*out = v + 1;
		return 0;
	}
	end = strchr(v, '#');
	if (end != NULL)
		*end = '\0';
	*out = trim(v);
	return 0;
}

static int
set_str(char *dst, size_t size, const char *v)
{
	return str_copy(dst, v, size) < size ? 0 : -1;
}

static int
set_confirm(struct deploy_conf *c, char *v)
{
	char *save = NULL, *w;

	c->n_confirm = 0;
	for (w = strtok_r(v, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (!deploy_name_valid(w) || c->n_confirm >= DEPLOY_ENVS_MAX)
			return -1;
		/* deploy_name_valid(): shorter than DEPLOY_NAME_MAX. */
		str_copy_trunc(c->confirm[c->n_confirm++], w, DEPLOY_NAME_MAX);
	}
	return 0;
}

static int
set_global(struct deploy_conf *c, const char *k, char *v)
{
	if (strcmp(k, "confirm") == 0)
		return set_confirm(c, v);
	if (strcmp(k, "default_dc") == 0)
		return deploy_name_valid(v) ?
		    set_str(c->default_dc, sizeof(c->default_dc), v) : -1;
	if (strcmp(k, "deploy_dir") == 0)
		return set_str(c->deploy_dir, sizeof(c->deploy_dir), v);
	if (strcmp(k, "docker") == 0)
		return set_str(c->docker, sizeof(c->docker), v);
	if (strcmp(k, "docker_config") == 0)
		return set_str(c->docker_config, sizeof(c->docker_config), v);
	return -2;
}

static int
set_target(struct deploy_target *t, const char *k, const char *v)
{
	if (strcmp(k, "marathon") == 0)
		return set_str(t->marathon, sizeof(t->marathon), v);
	if (strcmp(k, "user") == 0)
		return set_str(t->user, sizeof(t->user), v);
	if (strcmp(k, "password_file") == 0)
		return set_str(t->password_file, sizeof(t->password_file), v);
	if (strcmp(k, "token_file") == 0)
		return set_str(t->token_file, sizeof(t->token_file), v);
	if (strcmp(k, "ca_file") == 0)
		return set_str(t->ca_file, sizeof(t->ca_file), v);
	return -2;
}

/* "[dc env]" -> a new target. */
static int
open_section(struct deploy_conf *c, char *line, const char *file, long ln,
    char *err, size_t errlen)
{
	char *close = strchr(line, ']'), *dc, *env, *extra, *save = NULL;
	struct deploy_target *t;
	int i;

	if (close == NULL || trim(close + 1)[0] != '\0') {
		snprintf(err, errlen, "%s:%ld: a section is \"[DC ENV]\"", file, ln);
		return -1;
	}
	*close = '\0';
	dc = strtok_r(line + 1, " \t", &save);
	env = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (dc == NULL || env == NULL || extra != NULL ||
	    !deploy_name_valid(dc) || !deploy_name_valid(env)) {
		snprintf(err, errlen, "%s:%ld: a section is \"[DC ENV]\" with "
		    "names of lowercase letters, digits, '-' and '_'", file, ln);
		return -1;
	}
	for (i = 0; i < c->n_targets; i++)
		if (strcmp(c->targets[i].dc, dc) == 0 &&
		    strcmp(c->targets[i].env, env) == 0) {
			snprintf(err, errlen, "%s:%ld: section [%s %s] repeated",
			    file, ln, dc, env);
			return -1;
		}
	if (c->n_targets >= DEPLOY_CONF_MAX) {
		snprintf(err, errlen, "%s:%ld: more than %d sections", file, ln,
		    DEPLOY_CONF_MAX);
		return -1;
	}
	t = &c->targets[c->n_targets];
	if (str_copy(t->dc, dc, sizeof(t->dc)) >= sizeof(t->dc) ||
	    str_copy(t->env, env, sizeof(t->env)) >= sizeof(t->env)) {
		snprintf(err, errlen, "%s:%ld: section [%.64s %.64s]: names "
		    "are at most %zu bytes", file, ln, dc, env,
		    sizeof(t->dc) - 1);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	c->n_targets++;
	return 0;
}

static int
check_target(const struct deploy_target *t, const char *file, char *err,
    size_t errlen)
{
	if (t->marathon[0] == '\0') {
		snprintf(err, errlen, "%s: [%s %s]: no marathon URL", file, t->dc,
		    t->env);
		return -1;
	}
	if ((t->user[0] != '\0') != (t->password_file[0] != '\0')) {
		snprintf(err, errlen, "%s: [%s %s]: user and password_file go "
		    "together", file, t->dc, t->env);
		return -1;
	}
	if (t->user[0] != '\0' && t->token_file[0] != '\0') {
		snprintf(err, errlen, "%s: [%s %s]: basic auth or token_file, not "
		    "both", file, t->dc, t->env);
		return -1;
	}
	return 0;
}

static int
parse_line(struct deploy_conf *c, char *line, const char *file, long ln,
    char *err, size_t errlen)
{
	char *eq, *key, *val;
	int rc;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if (line[0] == '[')
		return open_section(c, line, file, ln, err, errlen);
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "%s:%ld: expected \"key = value\"", file, ln);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	if (value_of(eq + 1, &val) != 0) {
		snprintf(err, errlen, "%s:%ld: %s: unterminated quote or text "
		    "after it", file, ln, key);
		return -1;
	}
	rc = c->n_targets == 0 ? set_global(c, key, val) :
	    set_target(&c->targets[c->n_targets - 1], key, val);
	if (rc == -2)
		snprintf(err, errlen, "%s:%ld: unknown key \"%s\"%s", file, ln, key,
		    c->n_targets == 0 ? " (before any [DC ENV] section)" :
		    " in a [DC ENV] section");
	else if (rc != 0)
		snprintf(err, errlen, "%s:%ld: bad value for \"%s\"", file, ln, key);
	return rc == 0 ? 0 : -1;
}

int
deploy_conf_parse(const char *file, const char *text, struct deploy_conf *c,
    char *err, size_t errlen)
{
	char line[LINE_MAX_BYTES];
	const char *p = text, *nl;
	long ln = 0;
	size_t n;
	int i;

	memset(c, 0, sizeof(*c));
	c->n_confirm = -1;
	while (*p != '\0') {
		ln++;
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%ld: line too long", file, ln);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (parse_line(c, line, file, ln, err, errlen) != 0)
			return -1;
		p += n + (nl != NULL);
	}
	for (i = 0; i < c->n_targets; i++)
		if (check_target(&c->targets[i], file, err, errlen) != 0)
			return -1;
	return 0;
}

int
deploy_conf_load(const char *path, struct deploy_conf *c, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len;
	int rc;

	if (read_file(path, 1u << 20, &text, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(text);
		return -1;
	}
	rc = deploy_conf_parse(path, text, c, err, errlen);
	free(text);
	return rc;
}

const struct deploy_target *
deploy_conf_find(const struct deploy_conf *c, const char *dc, const char *env,
    char *err, size_t errlen)
{
	const struct deploy_target *found = NULL;
	int i, n = 0;

	if (dc == NULL && c->default_dc[0] != '\0')
		dc = c->default_dc;
	for (i = 0; i < c->n_targets; i++) {
		const struct deploy_target *t = &c->targets[i];
		if (strcmp(t->env, env) != 0 || (dc != NULL && strcmp(t->dc, dc) != 0))
			continue;
		found = t;
		n++;
	}
	if (n == 1)
		return found;
	if (n == 0)
		snprintf(err, errlen, "no [%s %s] section in the config", dc != NULL ?
		    dc : "*", env);
	else
		snprintf(err, errlen, "environment %s exists in %d data centres: "
		    "give --dc", env, n);
	return NULL;
}

int
deploy_conf_needs_confirm(const struct deploy_conf *c, const char *env)
{
	int i;

	if (c->n_confirm < 0)
		return strcmp(env, "prod") == 0;
	for (i = 0; i < c->n_confirm; i++)
		if (strcmp(c->confirm[i], env) == 0)
			return 1;
	return 0;
}
