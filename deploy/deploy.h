/*
 * deploy.h — hoist-deploy: put a tested image on the right Marathon with
 * the right app definition, and follow the deployment to its end.
 *
 *  - deploy.c         exit codes, image references, the definition check
 *                     and rendering, the progress judgement (all pure)
 *  - deploy_conf.c    the keys and flags, and the [DC ENV] -> Marathon
 *                     sections (common/conf.c grammar)
 *  - deploy_docker.c  --retag through the Docker Engine API
 *  - deploy_run.c     the sequence: confirm, retag, check, PUT, follow,
 *                     roll back
 *  - deploy_main.c    the command line
 */
#ifndef HOIST_DEPLOY_H
#define HOIST_DEPLOY_H

#include <stddef.h>
#include <stdio.h>

#include "common/conf.h"
#include "marathon/marathon.h"

/* Exit codes of hoist-deploy; documented in docs/deploy.md.  Append-only. */
enum deploy_exit {
	DEPLOY_OK = 0,            /* deployed (or --dry-run rendered) */
	DEPLOY_E_INTERNAL = 1,    /* out of memory, a bug */
	DEPLOY_E_INPUT = 2,       /* bad flags, config or definition */
	DEPLOY_E_REFUSED = 3,     /* confirmation refused or impossible */
	DEPLOY_E_IN_PROGRESS = 4, /* the app has a deployment running */
	DEPLOY_E_MARATHON = 5,    /* Marathon refused or failed */
	DEPLOY_E_TIMEOUT = 6,     /* not done within --timeout */
	DEPLOY_E_ROLLED_BACK = 7, /* failed, previous version put back */
	DEPLOY_E_IMAGE = 8,       /* --retag: Docker or the registry failed */
};

#define DEPLOY_REF_MAX   512
#define DEPLOY_TAG_MAX   129   /* Docker: 128 characters */
#define DEPLOY_PATH_MAX  1024
#define DEPLOY_CONF_MAX  32    /* (dc, env) sections in one file */
#define DEPLOY_NAME_MAX  64    /* a dc or env name */
#define DEPLOY_DEF_MAX   (1u << 20)  /* an app definition file */

/* "127.0.0.1:5000/team/app:1.4" split up. */
struct deploy_image {
	char repo[DEPLOY_REF_MAX];      /* "127.0.0.1:5000/team/app" */
	char tag[DEPLOY_TAG_MAX];       /* "1.4", "latest" when not given */
	char registry[DEPLOY_REF_MAX];  /* "127.0.0.1:5000", "docker.io" */
};

/* One [DC ENV] section of the config file (its keys: deploy_conf.c). */
struct deploy_target {
	char dc[DEPLOY_NAME_MAX];
	char env[DEPLOY_NAME_MAX];
	char marathon[CONF_STR_MAX];
	char user[CONF_STR_MAX];
	char password_file[CONF_STR_MAX];
	char token_file[CONF_STR_MAX];
	char ca_file[CONF_STR_MAX];
};

/*
 * Everything hoist-deploy reads.  Every key is both a --flag and a
 * config-file key (common/conf.h); an empty string means "not given".
 */
struct deploy_conf {
	char   image[CONF_STR_MAX];        /* REPO[:TAG] */
	char   release[CONF_STR_MAX];
	char   env[CONF_STR_MAX];
	char   dc[CONF_STR_MAX];           /* "": default_dc or the only one */
	char   default_dc[CONF_STR_MAX];
	char   deploy_dir[CONF_STR_MAX];   /* default "." */
	char   marathon[CONF_STR_MAX];     /* overrides the section's URL */
	char   docker[CONF_STR_MAX];       /* Docker socket path */
	char   docker_config[CONF_STR_MAX];/* config.json with registry auth */
	char   confirm[CONF_STR_MAX];      /* env names; default "prod" */
	int    retag, yes, dry_run, rollback_on_failure, force, json;
	double timeout;                    /* seconds, default 600 */
	double interval;                   /* seconds, default 2 */
	const char *config_path;           /* not a key: the file read, or NULL */
	int    n_targets;
	struct deploy_target targets[DEPLOY_CONF_MAX];
};

/* How far a deployment has come (deploy_judge()). */
enum deploy_progress {
	DEPLOY_WAITING = 0,   /* deployment still listed, or tasks not there yet */
	DEPLOY_DONE,          /* deployment gone; tasks run the new version, healthy */
};

struct deploy_judgement {
	enum deploy_progress progress;
	long want, on_version, running, healthy;   /* task counts */
	char line[256];       /* one progress line for the CI log */
};

/* deploy.c — pure */
const char *deploy_exit_str(enum deploy_exit e);     /* "timeout", ... */
/* Split "REPO[:TAG]"; -1 with err for an empty repo, a digest (@), upper
 * case, or a bad tag. */
int   deploy_image_parse(const char *ref, struct deploy_image *out, char *err,
	size_t errlen);
/* A Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
int   deploy_tag_valid(const char *tag);
/* An env or dc name as a pipeline parameter carries it:
 * [A-Za-z0-9_][A-Za-z0-9_.-]*, at most DEPLOY_NAME_MAX-1 bytes. */
int   deploy_name_valid(const char *name);
/*
 * Check an app definition (the text of FILE) and render it with
 * container.docker.image set to `image`.  On success *out is the
 * malloc'ed JSON text to PUT (caller frees) and app_id the canonical id.
 * On failure err reads "FILE: /json/path: what is wrong" (or "FILE: line
 * L, column C: not valid JSON") and -1 is returned.  Checks: a JSON
 * object; "id" a string that is a valid Marathon app id; "instances", when
 * present, an integer >= 0; "container.docker.image" present (a string).
 */
int   deploy_render(const char *file, const char *text, size_t len,
	const char *image, char **out, char app_id[MARATHON_ID_MAX], char *err,
	size_t errlen);
/*
 * Strip the fields Marathon computes (version, versionInfo, tasks*,
 * deployments, lastTaskFailure, ...) from a stored definition so it can be
 * PUT back.  *out malloc'ed; -1 when `text` is not a JSON object.
 */
int   deploy_strip_definition(const char *text, size_t len, char **out);
/*
 * Is the deployment done?  `deployment_listed`: our deployment id is still
 * in /v2/deployments.  `app` is the app as read after that.  Done means:
 * not listed, the app lists no deployment, as many tasks as instances, all
 * TASK_RUNNING on a version at least the app's last configuration change,
 * and all alive when the app has health checks.
 */
void  deploy_judge(int deployment_listed, const struct marathon_app *app,
	struct deploy_judgement *j);

/* deploy_conf.c */
/* The keys (and flags) of hoist-deploy, and its [DC ENV] sections. */
extern const struct conf_opt deploy_conf_opts[];
extern const size_t deploy_conf_nopts;
extern const struct conf_sections deploy_conf_sections;
/* Clear c and apply every key's default. */
int   deploy_conf_defaults(struct deploy_conf *c, char *err, size_t errlen);
/*
 * What the grammar cannot check: every section complete (marathon URL;
 * user with password_file; not both basic auth and a token), the names in
 * default_dc and confirm.  `file` names the config in err.
 */
int   deploy_conf_check(const struct deploy_conf *c, const char *file,
	char *err, size_t errlen);
/*
 * Defaults, then the config text (format at the top of deploy_conf.c),
 * then deploy_conf_check().  -1 with err "FILE:LINE: message" on failure.
 */
int   deploy_conf_parse(const char *file, const char *text,
	struct deploy_conf *c, char *err, size_t errlen);
int   deploy_conf_load(const char *path, struct deploy_conf *c, char *err,
	size_t errlen);
/* The section for (dc, env); dc NULL or "": default_dc, else the only
 * section for env.  NULL with err when none or ambiguous.  Names match
 * exactly (case counts). */
const struct deploy_target *deploy_conf_find(const struct deploy_conf *c,
	const char *dc, const char *env, char *err, size_t errlen);
/* Does env need a confirmation (is it in the confirm list)? */
int   deploy_conf_needs_confirm(const struct deploy_conf *c, const char *env);

/* deploy_docker.c */
struct deploy_docker_opts {
	const char *socket;        /* Docker socket path */
	const char *config_json;   /* registry auth file, or NULL */
	long        timeout_ms;    /* for the push; 0 = 600 s */
};
/*
 * Tag src (repo:tag) as repo:release, push repo:release with the
 * registry's credentials from config_json, and remove repo:release
 * locally again if this call created it.  Progress to `log`.  Returns 0,
 * or -1 with err (source missing, push refused, ...).
 */
int   deploy_docker_retag(const struct deploy_docker_opts *o,
	const struct deploy_image *src, const char *release, FILE *log,
	char *err, size_t errlen);
/* The X-Registry-Auth value for `registry` from a config.json text:
 * base64url of {"username","password","serveraddress"}, or of "{}" when
 * the file has no entry.  *out malloc'ed.  Pure. */
int   deploy_docker_registry_auth(const char *config_text,
	const char *registry, char **out, char *err, size_t errlen);
/*
 * Read Docker's reply to POST /images/{name}/push: one JSON object per
 * line.  Returns 0 when it holds no "error" (else -1 with err); the digest
 * from the final "aux" goes to digest (cut to dlen).  Pure; exposed for
 * tests/fuzz/fuzz_docker.c.
 */
int   deploy_docker_push_ok(const char *body, size_t len, char *digest,
	size_t dlen, char *err, size_t errlen);

/* deploy_run.c */
/*
 * Run one deployment as `c` says; returns the exit code.  check_only
 * (-n): check the inputs (flags, section, definition) and send nothing.
 * Human lines go to `log` (stderr), the final summary (text or json) to
 * `out` (stdout).  c is borrowed.
 */
enum deploy_exit deploy_run(const struct deploy_conf *c, int check_only,
	FILE *out, FILE *log);

#endif
