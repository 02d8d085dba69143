/*
 * deploy_conf.c — hoist-deploy's settings: every command-line flag is also
 * a config-file key (common/conf.h, the daemons' grammar), and [DC ENV]
 * sections map a (data centre, environment) to a Marathon and its
 * credentials:
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
 *     [AA prod]
 *     marathon = https://marathon.prod.aa:8443
 *     token_file = /etc/hoist/prod.token
 *     ca_file = /etc/hoist/prod-ca.pem
 *
 * Keys before the first section are the flags' keys (image, release, env,
 * dc, ...); inside a section only the five target keys.  An unknown key,
 * a bad section header, a repeated section or a value too long is an error
 * naming the file and line; an incomplete section is an error naming it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/util.h"
#include "deploy/deploy.h"

#define C(f) offsetof(struct deploy_conf, f)
const struct conf_opt deploy_conf_opts[] = {
	{ "image", 0, CONF_STR, C(image), 0, 0, "", "REPO[:TAG]",
	  "the tested image (TAG default latest)" },
	{ "release", 0, CONF_STR, C(release), 0, 0, "", "VERSION",
	  "the release tag to deploy (REPO:VERSION)" },
	{ "env", 0, CONF_STR, C(env), 0, 0, "", "ENV",
	  "environment: reads DIR/ENV-deploy.json" },
	{ "dc", 0, CONF_STR, C(dc), 0, 0, "", "DC",
	  "data centre (default: default_dc, or the only one that has ENV)" },
	{ "default_dc", 0, CONF_STR, C(default_dc), 0, 0, "", "DC",
	  "the data centre used when --dc is not given" },
	{ "deploy_dir", 0, CONF_STR, C(deploy_dir), 0, 0, ".", "DIR",
	  "where the ENV-deploy.json definitions are" },
	{ "marathon", 0, CONF_STR, C(marathon), 0, 0, "", "URL",
	  "Marathon URL, overriding the [DC ENV] section's" },
	{ "retag", 0, CONF_BOOL, C(retag), 0, 0, "no", NULL,
	  "tag REPO:TAG as REPO:VERSION, push it, drop the local tag" },
	{ "docker", 0, CONF_STR, C(docker), 0, 0, "/var/run/docker.sock",
	  "SOCKET", "Docker socket for --retag" },
	{ "docker_config", 0, CONF_STR, C(docker_config), 0, 0, "", "FILE",
	  "registry credentials (Docker config.json)" },
	{ "confirm", 0, CONF_STR, C(confirm), 0, 0, "prod", "ENVS",
	  "environments that need a confirmation (blank or comma separated; "
	  "empty: none)" },
	{ "yes", 0, CONF_BOOL, C(yes), 0, 0, "no", NULL,
	  "confirmed: needed without a terminal for those environments" },
	{ "dry_run", 0, CONF_BOOL, C(dry_run), 0, 0, "no", NULL,
	  "print the definition and the requests; send nothing" },
	{ "timeout", 0, CONF_DOUBLE, C(timeout), 0.001, 604800, "600", "SEC",
	  "give up following the deployment after SEC" },
	{ "interval", 0, CONF_DOUBLE, C(interval), 0.001, 604800, "2", "SEC",
	  "poll interval" },
	{ "rollback_on_failure", 0, CONF_BOOL, C(rollback_on_failure), 0, 0,
	  "no", NULL, "on a timeout, put the previous version back" },
	{ "force", 0, CONF_BOOL, C(force), 0, 0, "no", NULL,
	  "deploy even if a deployment is in progress" },
	{ "json", 0, CONF_BOOL, C(json), 0, 0, "no", NULL,
	  "print a JSON summary on stdout" },
};
const size_t deploy_conf_nopts = ARRAY_LEN(deploy_conf_opts);
#undef C

#define T(f) offsetof(struct deploy_target, f)
static const struct conf_opt target_opts[] = {
	{ "marathon", 0, CONF_STR, T(marathon), 0, 0, NULL, "URL",
	  "Marathon base URL" },
	{ "user", 0, CONF_STR, T(user), 0, 0, NULL, "USER",
	  "HTTP basic auth user" },
	{ "password_file", 0, CONF_STR, T(password_file), 0, 0, NULL, "FILE",
	  "its password (first line of FILE)" },
	{ "token_file", 0, CONF_STR, T(token_file), 0, 0, NULL, "FILE",
	  "DC/OS token sent as \"Authorization: token=...\"" },
	{ "ca_file", 0, CONF_STR, T(ca_file), 0, 0, NULL, "FILE",
	  "CA bundle for an https Marathon URL" },
};
#undef T

/* "[dc env]": a new target; NULL with msg for a bad or repeated one. */
static void *
open_target(void *settings, const char *header, char *msg, size_t msglen)
{
	struct deploy_conf *c = settings;
	char dc[DEPLOY_NAME_MAX + 1], env[DEPLOY_NAME_MAX + 1], extra[2];
	struct deploy_target *t;
	int i;

	if (sscanf(header, "%64s %64s %1s", dc, env, extra) != 2 ||
	    !deploy_name_valid(dc) || !deploy_name_valid(env)) {
		snprintf(msg, msglen, "a section is \"[DC ENV]\" with names of "
		    "letters, digits, '-', '_' and '.'");
		return NULL;
	}
	for (i = 0; i < c->n_targets; i++)
		if (strcmp(c->targets[i].dc, dc) == 0 &&
		    strcmp(c->targets[i].env, env) == 0) {
			snprintf(msg, msglen, "section [%s %s] repeated", dc,
			    env);
			return NULL;
		}
	if (c->n_targets >= DEPLOY_CONF_MAX) {
		snprintf(msg, msglen, "more than %d sections", DEPLOY_CONF_MAX);
		return NULL;
	}
	t = &c->targets[c->n_targets++];
	memset(t, 0, sizeof(*t));
	/* deploy_name_valid(): both shorter than DEPLOY_NAME_MAX. */
	str_copy_trunc(t->dc, dc, sizeof(t->dc));
	str_copy_trunc(t->env, env, sizeof(t->env));
	return t;
}

const struct conf_sections deploy_conf_sections = {
	.opts = target_opts,
	.nopts = ARRAY_LEN(target_opts),
	.open = open_target,
};

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

/* Call fn for each name of the confirm list; stops at the first nonzero. */
static int
confirm_each(const char *list, int (*fn)(const char *name, const void *arg),
    const void *arg)
{
	char w[DEPLOY_NAME_MAX + 1];
	size_t n;
	int r;

	while (*list != '\0') {
		list += strspn(list, " \t,");
		n = strcspn(list, " \t,");
		if (n == 0)
			break;
		if (n >= sizeof(w))
			return -1;
		memcpy(w, list, n);
		w[n] = '\0';
		if ((r = fn(w, arg)) != 0)
			return r;
		list += n;
	}
	return 0;
}

static int
confirm_bad(const char *name, const void *arg)
{
	(void)arg;
	return deploy_name_valid(name) ? 0 : -1;
}

static int
confirm_match(const char *name, const void *env)
{
	return strcmp(name, env) == 0;
}

int
deploy_conf_check(const struct deploy_conf *c, const char *file, char *err,
    size_t errlen)
{
	int i;

	if (c->default_dc[0] != '\0' && !deploy_name_valid(c->default_dc)) {
		snprintf(err, errlen, "%s: bad value for default_dc: letters, "
		    "digits, '-', '_' and '.'", file);
		return -1;
	}
	if (confirm_each(c->confirm, confirm_bad, NULL) != 0) {
		snprintf(err, errlen, "%s: bad value for confirm: names of "
		    "letters, digits, '-', '_' and '.'", file);
		return -1;
	}
	for (i = 0; i < c->n_targets; i++)
		if (check_target(&c->targets[i], file, err, errlen) != 0)
			return -1;
	return 0;
}

int
deploy_conf_defaults(struct deploy_conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	return conf_defaults(deploy_conf_opts, deploy_conf_nopts, c, err,
	    errlen);
}

int
deploy_conf_parse(const char *file, const char *text, struct deploy_conf *c,
    char *err, size_t errlen)
{
	if (deploy_conf_defaults(c, err, errlen) != 0 ||
	    conf_load_text(deploy_conf_opts, deploy_conf_nopts,
	    &deploy_conf_sections, c, file, text, err, errlen) != 0)
		return -1;
	return deploy_conf_check(c, file, err, errlen);
}

int
deploy_conf_load(const char *path, struct deploy_conf *c, char *err,
    size_t errlen)
{
	if (deploy_conf_defaults(c, err, errlen) != 0 ||
	    conf_load_file_sections(deploy_conf_opts, deploy_conf_nopts,
	    &deploy_conf_sections, c, path, err, errlen) != 0)
		return -1;
	return deploy_conf_check(c, path, err, errlen);
}

const struct deploy_target *
deploy_conf_find(const struct deploy_conf *c, const char *dc, const char *env,
    char *err, size_t errlen)
{
	const struct deploy_target *found = NULL;
	int i, n = 0;

	if (dc != NULL && dc[0] == '\0')
		dc = NULL;
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
	return confirm_each(c->confirm, confirm_match, env) == 1;
}
