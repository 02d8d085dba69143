/*
 * deploy_run.c — one hoist-deploy run, in this order:
 *
 *   1. check the flags, the config and the definition (nothing sent);
 *   2. --dry-run: print what would be sent, stop;
 *   3. confirmation for the environments that need it (nothing sent
 *      before the answer; no terminal and no --yes -> refuse);
 *   4. --retag through Docker;
 *   5. refuse when a deployment of the app is in progress (unless --force);
 *   6. PUT the definition, follow the deployment until it is gone and the
 *      tasks run the new version, healthy; --timeout ends it;
 *   7. on a timeout, --rollback-on-failure PUTs the previous version back.
 *
 * Human lines go to `log` (stderr); the summary to `out` (stdout).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/util.h"
#include "deploy/deploy.h"
#include "marathon/marathon.h"

struct run {
	const struct deploy_conf *a;   /* borrowed */
	FILE  *out, *log;
	struct deploy_target target;
	struct deploy_image img;
	char   image_ref[DEPLOY_REF_MAX + DEPLOY_TAG_MAX + 1];
	char   dc[DEPLOY_NAME_MAX];
	char   file[CONF_STR_MAX + DEPLOY_NAME_MAX + 16];
	char   app_id[MARATHON_ID_MAX];
	char  *definition;             /* rendered JSON, owned */
	struct marathon *m;
	int    new_app;
	char   deployment_id[MARATHON_DEPLOYMENT_MAX];
	char   version[MARATHON_VERSION_MAX];
	char   previous_version[MARATHON_VERSION_MAX];
	char   rollback_deployment_id[MARATHON_DEPLOYMENT_MAX];
	char   message[1024];
	int64_t start_ns;
};

static void __attribute__((format(printf, 2, 3)))
say(struct run *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(r->log, "hoist-deploy: %s\n", line);
	fflush(r->log);
}

/* Set the run's final message (also said on the log). */
static enum deploy_exit __attribute__((format(printf, 3, 4)))
fail(struct run *r, enum deploy_exit code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	fprintf(r->log, "hoist-deploy: %s: %s\n", deploy_exit_str(code),
	    r->message);
	return code;
}

static double
elapsed_s(const struct run *r)
{
	return (double)(now_mono_ns() - r->start_ns) / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- step 1: inputs ------------------------------------------------------ */

static enum deploy_exit
check_flags(struct run *r)
{
	const struct deploy_conf *a = r->a;
	char err[512];
	int n;

	if (a->image[0] == '\0' || a->release[0] == '\0' || a->env[0] == '\0')
		return fail(r, DEPLOY_E_INPUT, "--image, --release and --env are "
		    "required");
	if (deploy_image_parse(a->image, &r->img, err, sizeof(err)) != 0)
		return fail(r, DEPLOY_E_INPUT, "--image: %s", err);
	if (!deploy_tag_valid(a->release))
		return fail(r, DEPLOY_E_INPUT, "--release '%s': a Docker tag is "
		    "letters, digits, '_', '.' and '-' (at most 128, not starting "
		    "with '.' or '-')", a->release);
	if (!deploy_name_valid(a->env))
		return fail(r, DEPLOY_E_INPUT, "--env '%s': letters, digits, "
		    "'-', '_' and '.'", a->env);
	if (a->dc[0] != '\0' && !deploy_name_valid(a->dc))
		return fail(r, DEPLOY_E_INPUT, "--dc '%s': letters, digits, "
		    "'-', '_' and '.'", a->dc);
	if (!(a->timeout > 0) || !(a->interval > 0))
		return fail(r, DEPLOY_E_INPUT, "--timeout and --interval must be "
		    "> 0");
	n = snprintf(r->image_ref, sizeof(r->image_ref), "%s:%s", r->img.repo,
	    a->release);
	if (n < 0 || (size_t)n >= sizeof(r->image_ref))
		return fail(r, DEPLOY_E_INPUT, "--image and --release too long");
	return DEPLOY_OK;
}

static enum deploy_exit
load_target(struct run *r)
{
	const struct deploy_conf *a = r->a;
	const struct deploy_target *t = NULL;
	char err[1024];

	if (a->n_targets > 0 || a->marathon[0] == '\0') {
		t = deploy_conf_find(a, a->dc, a->env, err, sizeof(err));
		if (t == NULL && a->marathon[0] == '\0')
			return fail(r, DEPLOY_E_INPUT, "%s %s", err,
			    a->config_path != NULL ? a->config_path :
			    "(no --config and no --marathon given)");
	}
	if (t != NULL)
		r->target = *t;
	if (a->marathon[0] != '\0' && str_copy(r->target.marathon,
	    a->marathon, sizeof(r->target.marathon)) >=
	    sizeof(r->target.marathon))
		return fail(r, DEPLOY_E_INPUT, "--marathon: URL over %zu bytes",
		    sizeof(r->target.marathon) - 1);
	if (str_copy(r->dc, a->dc[0] != '\0' ? a->dc : t != NULL ? t->dc :
	    "default", sizeof(r->dc)) >= sizeof(r->dc))
		return fail(r, DEPLOY_E_INPUT, "--dc: over %zu bytes",
		    sizeof(r->dc) - 1);
	return DEPLOY_OK;
}

static enum deploy_exit
load_definition(struct run *r)
{
	const char *dir = r->a->deploy_dir[0] != '\0' ? r->a->deploy_dir : ".";
	char err[1024], *text = NULL;
	size_t len;
	int n;

	n = snprintf(r->file, sizeof(r->file), "%s/%s-deploy.json", dir,
	    r->a->env);
	if (n < 0 || (size_t)n >= sizeof(r->file))
		return fail(r, DEPLOY_E_INPUT, "--deploy-dir too long");
	if (read_file(r->file, DEPLOY_DEF_MAX, &text, &len) != 0)
		return fail(r, DEPLOY_E_INPUT, "%s: %s", r->file, strerror(errno));
	n = deploy_render(r->file, text, len, r->image_ref, &r->definition,
	    r->app_id, err, sizeof(err));
	free(text);
	if (n != 0)
		return fail(r, DEPLOY_E_INPUT, "%s", err);
	return DEPLOY_OK;
}

/* --- step 2: dry run ------------------------------------------------------ */

static void
dry_run(struct run *r)
{
	const char *u = r->target.marathon;
	char url[CONF_STR_MAX + MARATHON_ID_MAX + 64];

	(void)marathon_app_url(u, r->app_id, r->a->force ? "?force=true" : NULL,
	    url, sizeof(url));
	fprintf(r->out, "# dry run: nothing is sent\n");
	fprintf(r->out, "# definition from %s, image %s:\n%s\n", r->file,
	    r->image_ref, r->definition);
	fprintf(r->out, "# requests:\n");
	if (deploy_conf_needs_confirm(r->a, r->a->env) && !r->a->yes)
		fprintf(r->out, "#   (ask: Deploy %s to %s on %s (%s)? [y/N])\n",
		    r->image_ref, r->a->env, r->dc, u);
	if (r->a->retag) {
		fprintf(r->out, "#   docker: tag %s:%s as %s\n", r->img.repo,
		    r->img.tag, r->image_ref);
		fprintf(r->out, "#   docker: push %s to %s\n", r->image_ref,
		    r->img.registry);
	}
	fprintf(r->out, "#   GET %s/v2/deployments\n", u);
	fprintf(r->out, "#   GET %s/v2/apps%s\n", u, r->app_id);
	fprintf(r->out, "#   PUT %s\n", url);
	fprintf(r->out, "#   GET %s/v2/deployments and GET %s/v2/apps%s every "
	    "%g s until done or %g s\n", u, u, r->app_id, r->a->interval,
	    r->a->timeout);
	if (r->a->rollback_on_failure)
		fprintf(r->out, "#   on failure: GET %s/v2/apps%s/versions/"
		    "PREVIOUS, PUT it back with ?force=true\n", u, r->app_id);
}

/* --- step 3: confirmation ---------------------------------------------- */

static enum deploy_exit
confirm(struct run *r)
{
	char answer[32];

	if (!deploy_conf_needs_confirm(r->a, r->a->env) || r->a->yes)
		return DEPLOY_OK;
	if (!isatty(STDIN_FILENO))
		return fail(r, DEPLOY_E_REFUSED, "%s needs a confirmation and "
		    "there is no terminal: pass --yes (after your own gate) to "
		    "deploy %s to %s on %s", r->a->env, r->image_ref, r->a->env,
		    r->dc);
	fprintf(r->log, "Deploy %s to %s on %s (%s)? [y/N] ", r->image_ref,
	    r->a->env, r->dc, r->target.marathon);
	fflush(r->log);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return fail(r, DEPLOY_E_REFUSED, "no answer");
	str_rtrim(answer);
	if (strcmp(answer, "y") != 0 && strcmp(answer, "Y") != 0 &&
	    strcmp(answer, "yes") != 0)
		return fail(r, DEPLOY_E_REFUSED, "not confirmed");
	return DEPLOY_OK;
}

/* --- steps 5 and 6: Marathon --------------------------------------------- */

static enum deploy_exit
marathon_failed(struct run *r, const char *what, enum marathon_result mr,
    const struct marathon_status *st)
{
	if (mr == MARATHON_E_LOCKED) {
		int i;
		for (i = 0; i < st->n_deployments; i++)
			say(r, "  deployment in progress: %s", st->deployments[i]);
		return fail(r, DEPLOY_E_IN_PROGRESS, "%s: %s is locked by %d "
		    "deployment(s) (%s); wait, or use --force", what, r->app_id,
		    st->n_deployments, st->message);
	}
	if (st->status != 0)
		return fail(r, DEPLOY_E_MARATHON, "%s: Marathon %s replied %ld %s: "
		    "%s", what, r->target.marathon, st->status,
		    marathon_strerror(mr), st->message[0] != '\0' ? st->message :
		    "(no message)");
	return fail(r, DEPLOY_E_MARATHON, "%s: %s: %s", what,
	    marathon_strerror(mr), st->message);
}

static enum deploy_exit
open_client(struct run *r)
{
	struct marathon_options o;
	char err[1024];

	memset(&o, 0, sizeof(o));
	o.url = r->target.marathon;
	o.user = r->target.user[0] != '\0' ? r->target.user : NULL;
	o.password_file = r->target.password_file[0] != '\0' ?
	    r->target.password_file : NULL;
	o.token_file = r->target.token_file[0] != '\0' ?
	    r->target.token_file : NULL;
	o.ca_file = r->target.ca_file[0] != '\0' ? r->target.ca_file : NULL;
	o.timeout_ms = 30000;
	r->m = marathon_new(&o, err, sizeof(err));
	if (r->m == NULL)
		return fail(r, DEPLOY_E_INPUT, "Marathon [%s %s]: %s", r->dc,
		    r->a->env, err);
	return DEPLOY_OK;
}

static enum deploy_exit
check_in_progress(struct run *r)
{
	struct marathon_deployment *deps = NULL;
	struct marathon_status st;
	struct marathon_app app;
	enum marathon_result mr;
	size_t i, n = 0;
	int busy = 0;

	mr = marathon_list_deployments(r->m, &deps, &n, &st);
	if (mr != MARATHON_OK)
		return marathon_failed(r, "GET /v2/deployments", mr, &st);
	for (i = 0; i < n; i++) {
		if (!marathon_deployment_affects(&deps[i], r->app_id))
			continue;
		say(r, "deployment in progress for %s: %s (step %d/%d%s%s)",
		    r->app_id, deps[i].id, deps[i].current_step,
		    deps[i].total_steps, deps[i].action[0] != '\0' ? ", " : "",
		    deps[i].action);
		busy++;
	}
	free(deps);
	if (busy > 0 && !r->a->force)
		return fail(r, DEPLOY_E_IN_PROGRESS, "%s has %d deployment(s) in "
		    "progress; not deploying (use --force to override)",
		    r->app_id, busy);
	mr = marathon_get_app(r->m, r->app_id, &app, &st);
	if (mr == MARATHON_OK) {
		STR_COPY_ARRAY(r->previous_version, app.version);
		say(r, "%s is at version %s with %ld/%ld tasks running",
		    r->app_id, app.version, app.tasks_running, app.instances);
	} else if (mr == MARATHON_E_NOT_FOUND) {
		r->new_app = 1;
		say(r, "%s does not exist yet: it will be created", r->app_id);
	}
	marathon_app_free(&app);
	if (mr != MARATHON_OK && mr != MARATHON_E_NOT_FOUND)
		return marathon_failed(r, "GET app", mr, &st);
	return DEPLOY_OK;
}

static enum deploy_exit
put_definition(struct run *r)
{
	struct marathon_status st;
	enum marathon_result mr;

	say(r, "PUT %s/v2/apps%s%s (image %s)", r->target.marathon, r->app_id,
	    r->a->force ? "?force=true" : "", r->image_ref);
	mr = marathon_put_app(r->m, r->app_id, r->definition,
	    strlen(r->definition), r->a->force, &st);
	if (mr != MARATHON_OK)
		return marathon_failed(r, "PUT app", mr, &st);
	STR_COPY_ARRAY(r->deployment_id, st.deployment_id);
	STR_COPY_ARRAY(r->version, st.version);
	say(r, "deployment %s started (version %s)", r->deployment_id,
	    r->version);
	return DEPLOY_OK;
}

/* 1 listed, 0 gone, -1 could not tell. */
static int
deployment_listed(struct run *r, const char *id)
{
	struct marathon_deployment *deps = NULL;
	struct marathon_status st;
	enum marathon_result mr;
	size_t i, n = 0;
	int found = 0;

	mr = marathon_list_deployments(r->m, &deps, &n, &st);
	if (mr != MARATHON_OK) {
		say(r, "warning: GET /v2/deployments: %s: %s (retrying)",
		    marathon_strerror(mr), st.message);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strcmp(deps[i].id, id) == 0)
			found = 1;
	free(deps);
	return found;
}

/* 0 done, 1 timed out. */
static int
follow(struct run *r)
{
	char last[256] = "";
	/* Counted from the PUT: a person's time at the prompt or a long push
	 * does not eat into it. */
	double deadline = elapsed_s(r) + r->a->timeout;

	for (;;) {
		struct deploy_judgement j;
		struct marathon_status st;
		struct marathon_app app;
		enum marathon_result mr;
		int listed = deployment_listed(r, r->deployment_id);

		if (listed >= 0) {
			mr = marathon_get_app(r->m, r->app_id, &app, &st);
			if (mr == MARATHON_OK) {
				deploy_judge(listed, &app, &j);
				if (strcmp(j.line, last) != 0) {
					say(r, "[%5.1fs] %s", elapsed_s(r), j.line);
					str_copy_trunc(last, j.line,
					    sizeof(last));
				}
				if (j.progress == DEPLOY_DONE) {
					marathon_app_free(&app);
					return 0;
				}
			} else
				say(r, "warning: GET app: %s: %s (retrying)",
				    marathon_strerror(mr), st.message);
			marathon_app_free(&app);
		}
		if (elapsed_s(r) + r->a->interval > deadline) {
			sleep_s(deadline - elapsed_s(r));
			return 1;
		}
		sleep_s(r->a->interval);
	}
}

/* --- step 7: rollback ---------------------------------------------------- */

static enum deploy_exit
rollback(struct run *r, enum deploy_exit why)
{
	char (*versions)[MARATHON_VERSION_MAX] = NULL;
	struct marathon_status st;
	enum marathon_result mr;
	char *stored = NULL, *body = NULL;
	char saved[sizeof(r->message)];
	size_t n = 0, len = 0, i;
	enum deploy_exit rc = why;
	int known = 0;

	str_copy_trunc(saved, r->message, sizeof(saved));
	if (r->new_app || r->previous_version[0] == '\0') {
		say(r, "rollback: %s had no previous version", r->app_id);
		return why;
	}
	mr = marathon_get_versions(r->m, r->app_id, &versions, &n, &st);
	if (mr != MARATHON_OK) {
		say(r, "rollback failed: GET versions: %s: %s",
		    marathon_strerror(mr), st.message);
		return why;
	}
	for (i = 0; i < n; i++)
		known |= strcmp(versions[i], r->previous_version) == 0;
	free(versions);
	if (!known) {
		say(r, "rollback failed: version %s is not in %s's versions",
		    r->previous_version, r->app_id);
		return why;
	}
	mr = marathon_get_version(r->m, r->app_id, r->previous_version, &stored,
	    &len, &st);
	if (mr != MARATHON_OK) {
		say(r, "rollback failed: GET version %s: %s: %s",
		    r->previous_version, marathon_strerror(mr), st.message);
		goto out;
	}
	if (deploy_strip_definition(stored, len, &body) != 0) {
		say(r, "rollback failed: version %s is not a JSON object",
		    r->previous_version);
		goto out;
	}
	/* Our own deployment still holds the app: replacing it needs force. */
	say(r, "rolling back %s to version %s (PUT ?force=true)", r->app_id,
	    r->previous_version);
	mr = marathon_put_app(r->m, r->app_id, body, strlen(body), 1, &st);
	if (mr != MARATHON_OK) {
		say(r, "rollback failed: PUT: %ld %s: %s", st.status,
		    marathon_strerror(mr), st.message);
		goto out;
	}
	STR_COPY_ARRAY(r->rollback_deployment_id, st.deployment_id);
	rc = fail(r, DEPLOY_E_ROLLED_BACK, "%s; rolled back to %s (deployment "
	    "%s)", saved, r->previous_version, r->rollback_deployment_id);
out:
	free(stored);
	free(body);
	return rc;
}

/* --- summary --------------------------------------------------------------- */

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void
summary(struct run *r, enum deploy_exit code)
{
	cJSON *o;
	char *text;

	if (!r->a->json) {
		if (code == DEPLOY_OK && !r->a->dry_run)
			fprintf(r->out, "deployed %s to %s on %s: %s version %s "
			    "(deployment %s) in %.1f s\n", r->image_ref, r->a->env,
			    r->dc, r->app_id, r->version, r->deployment_id,
			    elapsed_s(r));
		else if (code != DEPLOY_OK)
			fprintf(r->out, "FAILED (%s, exit %d): %s\n",
			    deploy_exit_str(code), (int)code, r->message);
		return;
	}
	o = cJSON_CreateObject();
	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "result", r->a->dry_run && code == DEPLOY_OK ?
	    "dry_run" : deploy_exit_str(code));
	cJSON_AddNumberToObject(o, "exit_code", (double)code);
	add_str(o, "app", r->app_id);
	add_str(o, "image", r->image_ref[0] != '\0' ? r->image_ref : NULL);
	add_str(o, "env", r->a->env);
	add_str(o, "dc", r->dc);
	add_str(o, "marathon", r->target.marathon);
	add_str(o, "file", r->file);
	add_str(o, "deployment_id", r->deployment_id);
	add_str(o, "version", r->version);
	add_str(o, "previous_version", r->previous_version);
	add_str(o, "rollback_deployment_id", r->rollback_deployment_id);
	add_str(o, "message", r->message);
	cJSON_AddNumberToObject(o, "elapsed_s",
	    (double)(long)(elapsed_s(r) * 10) / 10);
	if (r->a->dry_run && r->definition != NULL)
		cJSON_AddItemToObject(o, "definition",
		    cJSON_Parse(r->definition));
	text = cJSON_PrintUnformatted(o);
	if (text != NULL)
		fprintf(r->out, "%s\n", text);
	free(text);
	cJSON_Delete(o);
}

static enum deploy_exit
run_steps(struct run *r, int check_only)
{
	const struct deploy_conf *a = r->a;
	enum deploy_exit rc;

	if ((rc = check_flags(r)) != DEPLOY_OK ||
	    (rc = load_target(r)) != DEPLOY_OK ||
	    (rc = load_definition(r)) != DEPLOY_OK)
		return rc;
	if (check_only)
		return DEPLOY_OK;
	if (a->dry_run) {
		if (!a->json)
			dry_run(r);
		return DEPLOY_OK;
	}
	if ((rc = confirm(r)) != DEPLOY_OK)
		return rc;
	if (a->retag) {
		struct deploy_docker_opts o = {
			.socket = a->docker,
			.config_json = a->docker_config[0] != '\0' ?
			    a->docker_config : NULL,
			.timeout_ms = (long)(a->timeout * 1000),
		};
		char err[1024];

		if (deploy_docker_retag(&o, &r->img, a->release, r->log, err,
		    sizeof(err)) != 0)
			return fail(r, DEPLOY_E_IMAGE, "%s", err);
	}
	if ((rc = open_client(r)) != DEPLOY_OK ||
	    (rc = check_in_progress(r)) != DEPLOY_OK ||
	    (rc = put_definition(r)) != DEPLOY_OK)
		return rc;
	if (follow(r) == 0)
		return DEPLOY_OK;
	rc = fail(r, DEPLOY_E_TIMEOUT, "deployment %s of %s not finished after "
	    "%g s", r->deployment_id, r->app_id, a->timeout);
	if (a->rollback_on_failure)
		rc = rollback(r, rc);
	return rc;
}

enum deploy_exit
deploy_run(const struct deploy_conf *c, int check_only, FILE *out,
    FILE *log)
{
	struct run *r = calloc(1, sizeof(*r));
	enum deploy_exit rc;

	if (r == NULL) {
		fprintf(log, "hoist-deploy: out of memory\n");
		return DEPLOY_E_INTERNAL;
	}
	r->a = c;
	r->out = out;
	r->log = log;
	r->start_ns = now_mono_ns();
	rc = run_steps(r, check_only);
	if (!check_only)
		summary(r, rc);
	fflush(out);
	marathon_free(r->m);
	free(r->definition);
	free(r);
	return rc;
}
