/*
 * deploy.c — the pure parts of hoist-deploy: exit codes, image
 * references, checking and rendering an app definition, and judging
 * whether a deployment has finished.  No I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/util.h"
#include "deploy/deploy.h"

static const char *const deploy_exit_strs[] = {
	[DEPLOY_OK] = "deployed",
	[DEPLOY_E_INTERNAL] = "internal error",
	[DEPLOY_E_INPUT] = "bad input",
	[DEPLOY_E_REFUSED] = "refused",
	[DEPLOY_E_IN_PROGRESS] = "deployment in progress",
	[DEPLOY_E_MARATHON] = "marathon error",
	[DEPLOY_E_TIMEOUT] = "timeout",
	[DEPLOY_E_ROLLED_BACK] = "rolled back",
	[DEPLOY_E_IMAGE] = "image error",
};

const char *
deploy_exit_str(enum deploy_exit e)
{
	if ((size_t)e < ARRAY_LEN(deploy_exit_strs) && deploy_exit_strs[e] != NULL)
		return deploy_exit_strs[e];
	return "unknown";
}

static int
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
deploy_tag_valid(const char *tag)
{
	size_t i;

	if (tag == NULL || tag[0] == '\0' || tag[0] == '.' || tag[0] == '-')
		return 0;
	for (i = 0; tag[i] != '\0'; i++) {
		int c = (unsigned char)tag[i];
		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_' &&
		    c != '.' && c != '-')
			return 0;
	}
	return i < DEPLOY_TAG_MAX;
}

int
deploy_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || !(is_lower_alnum((unsigned char)name[0]) ||
	    (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		int c = (unsigned char)name[i];
		if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '-' &&
		    c != '_' && c != '.')
			return 0;
	}
	return i < DEPLOY_NAME_MAX;
}

/* The first path component names a registry when it looks like a host:
 * it has a '.' or a ':' or is "localhost" (Docker's rule). */
static void
image_registry(const char *repo, char *out, size_t outlen)
{
	const char *slash = strchr(repo, '/');
	size_t n;

	if (slash != NULL) {
		n = (size_t)(slash - repo);
		if (memchr(repo, '.', n) != NULL || memchr(repo, ':', n) != NULL ||
		    (n == 9 && strncmp(repo, "localhost", 9) == 0)) {
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, repo, n);
			out[n] = '\0';
			return;
		}
	}
	str_copy_trunc(out, "docker.io", outlen);
}

int
deploy_image_parse(const char *ref, struct deploy_image *out, char *err,
    size_t errlen)
{
	const char *slash, *colon, *p, *host_end;
	size_t rlen;

	memset(out, 0, sizeof(*out));
	if (ref == NULL || ref[0] == '\0') {
		snprintf(err, errlen, "empty image reference");
		return -1;
	}
	if (strchr(ref, '@') != NULL) {
		snprintf(err, errlen, "image '%s': digests are not supported, "
		    "give REPO[:TAG]", ref);
		return -1;
	}
	slash = strrchr(ref, '/');
	colon = strrchr(slash != NULL ? slash : ref, ':');
	rlen = colon != NULL ? (size_t)(colon - ref) : strlen(ref);
	if (rlen == 0 || rlen >= sizeof(out->repo)) {
		snprintf(err, errlen, "image '%s': bad repository", ref);
		return -1;
	}
	memcpy(out->repo, ref, rlen);
	out->repo[rlen] = '\0';
	if (!deploy_tag_valid(colon != NULL ? colon + 1 : "latest") ||
	    str_copy(out->tag, colon != NULL ? colon + 1 : "latest",
	    sizeof(out->tag)) >= sizeof(out->tag)) {
		snprintf(err, errlen, "image '%s': bad tag", ref);
		return -1;
	}
	/* Lowercase path components; the registry host may carry a port. */
	host_end = strchr(out->repo, '/');
	for (p = out->repo; *p != '\0'; p++) {
		int c = (unsigned char)*p;
		if (is_lower_alnum(c) || c == '.' || c == '_' || c == '-' ||
		    c == '/' || (c == ':' && host_end != NULL && p < host_end))
			continue;
		snprintf(err, errlen, "image '%s': repository names are lowercase "
		    "letters, digits, '.', '_', '-' and '/'", ref);
		return -1;
	}
	if (out->repo[rlen - 1] == '/' || strstr(out->repo, "//") != NULL) {
		snprintf(err, errlen, "image '%s': bad repository", ref);
		return -1;
	}
	image_registry(out->repo, out->registry, sizeof(out->registry));
	return 0;
}

/* --- the definition ------------------------------------------------------ */

static cJSON *
object_at(cJSON *parent, const char *key, const char *file, const char *path,
    char *err, size_t errlen)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (v == NULL || cJSON_IsNull(v)) {
		snprintf(err, errlen, "%s: %s: missing (the definition must hold "
		    "container.docker.image, which hoist-deploy sets)", file, path);
		return NULL;
	}
	if (!cJSON_IsObject(v)) {
		snprintf(err, errlen, "%s: %s: must be an object", file, path);
		return NULL;
	}
	return v;
}

static int
check_id(cJSON *root, const char *file, char app_id[MARATHON_ID_MAX],
    char *err, size_t errlen)
{
	cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	char why[256];

	if (id == NULL || cJSON_IsNull(id)) {
		snprintf(err, errlen, "%s: /id: missing", file);
		return -1;
	}
	if (!cJSON_IsString(id)) {
		snprintf(err, errlen, "%s: /id: must be a string", file);
		return -1;
	}
	if (marathon_id_normalize(id->valuestring, app_id, MARATHON_ID_MAX, why,
	    sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: /id: %s", file, why);
		return -1;
	}
	return 0;
}

static int
check_instances(cJSON *root, const char *file, char *err, size_t errlen)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "instances");
	char *txt;

	if (n == NULL)
		return 0;       /* Marathon's default applies */
	if (cJSON_IsNumber(n) && isfinite(n->valuedouble) &&
	    n->valuedouble >= 0 && n->valuedouble <= 1e6 &&
	    n->valuedouble == floor(n->valuedouble))
		return 0;
	txt = cJSON_PrintUnformatted(n);
	snprintf(err, errlen, "%s: /instances: must be an integer >= 0, got %.40s",
	    file, txt != NULL ? txt : "?");
	free(txt);
	return -1;
}

int
deploy_render(const char *file, const char *text, size_t len,
    const char *image, char **out, char app_id[MARATHON_ID_MAX], char *err,
    size_t errlen)
{
	cJSON *root = NULL, *container, *docker, *img;
	const char *end = NULL;
	int rc = -1;

	*out = NULL;
	app_id[0] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", file);
		goto out;
	}
	root = cJSON_ParseWithOpts(text, &end, 1);
	if (root == NULL) {
		unsigned line, col;
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= text && at <= text + len ?
		    (size_t)(at - text) : len;

		text_line_col(text, off, &line, &col);
		snprintf(err, errlen, "%s: line %u, column %u: not valid JSON",
		    file, line, col);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s: /: must be a JSON object (a Marathon "
		    "app definition)", file);
		goto out;
	}
	if (check_id(root, file, app_id, err, errlen) != 0 ||
	    check_instances(root, file, err, errlen) != 0)
		goto out;
	container = object_at(root, "container", file, "/container", err, errlen);
	if (container == NULL)
		goto out;
	docker = object_at(container, "docker", file, "/container/docker", err,
	    errlen);
	if (docker == NULL)
		goto out;
	img = cJSON_GetObjectItemCaseSensitive(docker, "image");
	if (img == NULL || !cJSON_IsString(img)) {
		snprintf(err, errlen, "%s: /container/docker/image: %s", file,
		    img == NULL ? "missing (hoist-deploy sets it; put the field "
		    "in the definition)" : "must be a string");
		goto out;
	}
	if (!cJSON_ReplaceItemInObjectCaseSensitive(docker, "image",
	    cJSON_CreateString(image))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*out = cJSON_Print(root);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		app_id[0] = '\0';
	cJSON_Delete(root);
	return rc;
}

int
deploy_strip_definition(const char *text, size_t len, char **out)
{
	static const char *const computed[] = {
		"version", "versionInfo", "tasks", "tasksRunning", "tasksHealthy",
		"tasksUnhealthy", "tasksStaged", "deployments", "lastTaskFailure",
		"readinessCheckResults", "taskStats", "uris_computed",
	};
	cJSON *root;
	size_t i;

	*out = NULL;
	root = cJSON_ParseWithLength(text, len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -1;
	}
	for (i = 0; i < ARRAY_LEN(computed); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(root, computed[i]);
	*out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return *out != NULL ? 0 : -1;
}

/* --- progress ----------------------------------------------------------- */

static int
task_running(const struct marathon_task *t)
{
	return strcmp(t->state, "TASK_RUNNING") == 0;
}

void
deploy_judge(int deployment_listed, const struct marathon_app *app,
    struct deploy_judgement *j)
{
	size_t i;
	long good = 0;

	memset(j, 0, sizeof(*j));
	j->want = app->instances;
	for (i = 0; i < app->n_tasks; i++) {
		const struct marathon_task *t = &app->tasks[i];
		int on_version = app->config_version[0] == '\0' ||
		    strcmp(t->version, app->config_version) >= 0;
		int healthy = app->has_health_checks ?
		    t->health == MARATHON_HEALTH_ALIVE : task_running(t);

		j->running += task_running(t);
		j->on_version += on_version;
		j->healthy += healthy;
		good += task_running(t) && on_version && healthy;
	}
	if (!deployment_listed && app->n_deployments == 0 &&
	    (long)app->n_tasks == j->want && good == j->want)
		j->progress = DEPLOY_DONE;
	snprintf(j->line, sizeof(j->line), "%s; tasks: %ld/%ld on the new "
	    "version, %ld running, %ld healthy%s",
	    deployment_listed ? "deployment in progress" :
	    app->n_deployments > 0 ? "another deployment in progress" :
	    "deployment finished", j->on_version, j->want, j->running,
	    j->healthy, app->has_health_checks ? "" : " (no health checks)");
}
