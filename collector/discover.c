/*
 * discover.c — see discover.h.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/discover.h"
#include "common/log.h"
#include "common/util.h"

static int
is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

/* A Mesos container id: a UUID in practice; we accept [A-Za-z0-9._-]. */
static int
is_mesos_id(const char *s)
{
	size_t n = 0;

	if (strcmp(s, "slave") == 0 || strcmp(s, "agent") == 0)
		return 0;   /* the agent's own cgroup, not a container */
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' &&
		    s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		    s[n] == '-' || s[n] == '_' || s[n] == '.'))
			return 0;
	return n > 0 && n < CONTAINER_ID_MAX;
}

int
discover_classify(const char *relpath, struct discovered *out)
{
	const char *name;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (str_copy(out->relpath, relpath, sizeof(out->relpath)) >=
	    sizeof(out->relpath))
		return 0;
	if (strncmp(relpath, "docker/", 7) == 0) {
		name = relpath + 7;
		if (!is_hex64(name, strlen(name)))
			return 0;
		out->runtime = RUNTIME_DOCKER;
		str_copy_trunc(out->id, name, sizeof(out->id)); /* 64 hex */
		return 1;
	}
	if (strncmp(relpath, "system.slice/docker-", 20) == 0) {
		name = relpath + 20;
		n = strlen(name);
		if (n != 64 + 6 || strcmp(name + 64, ".scope") != 0 ||
		    !is_hex64(name, 64))
			return 0;
		out->runtime = RUNTIME_DOCKER;
		memcpy(out->id, name, 64);
		out->id[64] = '\0';
		return 1;
	}
	if (strncmp(relpath, "mesos/", 6) == 0) {
		name = relpath + 6;
		if (strchr(name, '/') != NULL || !is_mesos_id(name))
			return 0;
		out->runtime = RUNTIME_MESOS;
		/* is_mesos_id() bounds it below CONTAINER_ID_MAX. */
		str_copy_trunc(out->id, name, sizeof(out->id));
		return 1;
	}
	return 0;
}

/* Call fn for each directory entry of ROOT/sub that classifies. */
static int
scan_dir(const char *root, const char *sub, const char *entry_prefix,
    discover_fn fn, void *arg)
{
	char dir[CGROUP_PATH_MAX * 2], rel[CGROUP_PATH_MAX];
	struct discovered d;
	struct dirent *de;
	DIR *dp;
	int n = 0, len;

	len = snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return 0;
	dp = opendir(dir);
	if (dp == NULL)
		return 0;       /* no such runtime on this host */
	while ((de = readdir(dp)) != NULL) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_name[0] == '.' || (entry_prefix != NULL &&
		    strncmp(de->d_name, entry_prefix, strlen(entry_prefix))
		    != 0))
			continue;
		len = snprintf(rel, sizeof(rel), "%s/%s", sub, de->d_name);
		if (len < 0 || (size_t)len >= sizeof(rel))
			continue;
		if (discover_classify(rel, &d)) {
			fn(arg, &d);
			n++;
		}
	}
	closedir(dp);
	return n;
}

/* Paths too long to measure (main thread only, like discovery). */
static struct complain long_path;

static int
scan_prefix(const char *root, const char *pattern, discover_fn fn, void *arg)
{
	char pat[CGROUP_PATH_MAX * 2];
	struct discovered d;
	size_t rootlen = strlen(root), i;
	glob_t g;
	int n = 0, len;

	while (*pattern == '/')
		pattern++;
	len = snprintf(pat, sizeof(pat), "%s/%s", root, pattern);
	if (len < 0 || (size_t)len >= sizeof(pat))
		return 0;
	if (glob(pat, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		const char *rel = g.gl_pathv[i] + rootlen;
		struct stat st;

		while (*rel == '/')
			rel++;
		if (stat(g.gl_pathv[i], &st) != 0 || !S_ISDIR(st.st_mode) ||
		    *rel == '\0')
			continue;
		memset(&d, 0, sizeof(d));
		d.runtime = RUNTIME_CGROUP;
		/* Its path is its id: a cut one could name another cgroup. */
		if (str_copy(d.relpath, rel, sizeof(d.relpath)) >=
		    sizeof(d.relpath) || str_copy(d.id, rel, sizeof(d.id)) >=
		    sizeof(d.id)) {
			complain(&long_path, now_mono_ns() / 1000000000,
			    "cgroup_prefix: %.64s...: path longer than %zu "
			    "bytes; not measured", rel, sizeof(d.id) - 1);
			continue;
		}
		fn(arg, &d);
		n++;
	}
	globfree(&g);
	return n;
}

int
discover_scan(const char *root, const struct discover_options *o,
    discover_fn fn, void *arg)
{
	struct stat st;
	int n = 0, i;

	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	n += scan_dir(root, "docker", NULL, fn, arg);
	n += scan_dir(root, "system.slice", "docker-", fn, arg);
	n += scan_dir(root, "mesos", NULL, fn, arg);
	for (i = 0; o != NULL && i < o->nprefixes; i++)
		n += scan_prefix(root, o->prefixes[i], fn, arg);
	return n;
}
