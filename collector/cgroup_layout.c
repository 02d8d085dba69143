/*
 * cgroup_layout.c — how does this host mount cgroups?  v1 (a hierarchy per
 * controller), v2 (one unified tree) or hybrid (v1 controllers plus an
 * unified tree at .../unified, as systemd sets up by default on older
 * distributions).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libcgroup.h>

#include "collector/cgroup.h"
#include "common/log.h"
#include "common/util.h"

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"

static const char *const ctrl_names[CG_NCTRL] = {
	[CG_CPU] = "cpu", [CG_CPUACCT] = "cpuacct", [CG_MEMORY] = "memory",
	[CG_BLKIO] = "blkio", [CG_PIDS] = "pids", [CG_UNIFIED] = "unified",
};

const char *
cgroup_layout_name(enum cg_layout l)
{
	switch (l) {
	case CG_LAYOUT_V1: return "v1";
	case CG_LAYOUT_V2: return "v2";
	case CG_LAYOUT_HYBRID: return "hybrid";
	}
	return "?";
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
exists_in(const char *dir, const char *name)
{
	char path[CG_PATH_MAX * 2];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

static int
set_mount(struct cg_layout_info *li, int c, const char *root,
    const char *name)
{
	char path[CG_PATH_MAX * 2];
	int n = snprintf(path, sizeof(path), "%s/%s", root, name);

	if (n < 0 || (size_t)n >= CG_PATH_MAX || !is_dir(path))
		return -1;
	str_copy_trunc(li->mount[c], path, CG_PATH_MAX);
	return 0;
}

/*
 * A tree on disk (fixtures, or a host whose mountinfo says nothing): the
 * controllers are directories named after themselves, possibly joined
 * ("cpu,cpuacct"), as systemd and Docker's docs lay them out.
 */
static void
detect_by_dirs(const char *root, struct cg_layout_info *li)
{
	static const char *const joined[] = { "cpu,cpuacct", "cpuacct,cpu" };
	size_t i;
	int c;

	for (c = 0; c < CG_UNIFIED; c++)
		if (set_mount(li, c, root, ctrl_names[c]) != 0)
			li->mount[c][0] = '\0';
	for (i = 0; i < ARRAY_LEN(joined); i++) {
		if (li->mount[CG_CPU][0] == '\0')
			set_mount(li, CG_CPU, root, joined[i]);
		if (li->mount[CG_CPUACCT][0] == '\0')
			set_mount(li, CG_CPUACCT, root, joined[i]);
	}
	if (exists_in(root, "unified/cgroup.controllers"))
		set_mount(li, CG_UNIFIED, root, "unified");
}

/* Is `name` one of the comma-separated words of `list`? */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

void
cgroup_mountinfo_line(char *line, struct cg_layout_info *li)
{
	char *mnt, *p, *fstype, *opts;
	int c;

	/* Field 5 is the mount point. */
	p = line;
	for (c = 0; c < 4 && p != NULL; c++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return;
	mnt = p;
	p = strstr(mnt, " - ");
	if (p == NULL || (fstype = strchr(mnt, ' ')) == NULL || fstype > p)
		return;
	*fstype = '\0';
	/* After " - ": type, source, super options. */
	fstype = p + 3;
	p = strchr(fstype, ' ');
	if (p == NULL)
		return;
	*p++ = '\0';
	opts = strchr(p, ' ');
	if (opts == NULL)
		return;
	opts++;
	opts[strcspn(opts, " \n")] = '\0';
	/* Mount points with spaces are octal-escaped (\040): skipped. */
	if (strchr(mnt, '\\') != NULL || strlen(mnt) >= CG_PATH_MAX)
		return;
	if (strcmp(fstype, "cgroup2") == 0) {
		/* The first cgroup2 mount under the usual place only. */
		if (li->mount[CG_UNIFIED][0] == '\0' && strncmp(mnt,
		    HOST_CGROUP_ROOT, strlen(HOST_CGROUP_ROOT)) == 0)
			str_copy_trunc(li->mount[CG_UNIFIED], mnt, CG_PATH_MAX);
		return;
	}
	if (strcmp(fstype, "cgroup") != 0)
		return;
	for (c = 0; c < CG_UNIFIED; c++)
		if (li->mount[c][0] == '\0' && in_list(opts, ctrl_names[c]))
			str_copy_trunc(li->mount[c], mnt, CG_PATH_MAX);
}

/*
 * The real host.  libcgroup knows the v1 controllers' mount points,
 * whatever their names ("cpu,cpuacct", "/cgroup/cpu" ...): it is asked
 * first, as the design says.  The cgroup2 mount, which libcgroup 2.0 does
 * not report per controller, comes from /proc/self/mountinfo, which also
 * stands in for libcgroup when it cannot initialise.  libcgroup's
 * cgroup_init() costs about 0.8 MB of resident tables; that is the price
 * of not keeping a mount-table parser of our own as the first source.
 */
static void
detect_host(struct cg_layout_info *li)
{
	char line[4096];
	FILE *f;
	int c, r;

	f = fopen("/proc/self/mountinfo", "re");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			cgroup_mountinfo_line(line, li);
		fclose(f);
	}
	r = cgroup_init();
	if (r != 0)
		log_debug("libcgroup: %s; using /proc/self/mountinfo",
		    cgroup_strerror(r));
	for (c = 0; r == 0 && c < CG_UNIFIED; c++) {
		char *mp = NULL;

		if (cgroup_get_subsys_mount_point(ctrl_names[c], &mp) == 0 &&
		    mp != NULL && str_copy(li->mount[c], mp, CG_PATH_MAX) >=
		    CG_PATH_MAX) {
			log_warnx("libcgroup: %s mounted on a path over %d "
			    "bytes; ignored", ctrl_names[c], CG_PATH_MAX - 1);
			li->mount[c][0] = '\0';
		}
		free(mp);
	}
	if (li->mount[CG_CPUACCT][0] == '\0') {
		char unified[CG_PATH_MAX];

		STR_COPY_ARRAY(unified, li->mount[CG_UNIFIED]);
		detect_by_dirs(HOST_CGROUP_ROOT, li);
		if (unified[0] != '\0')
			STR_COPY_ARRAY(li->mount[CG_UNIFIED], unified);
	}
}

int
cgroup_detect(const char *root, struct cg_layout_info *li, char *err,
    size_t errlen)
{
	memset(li, 0, sizeof(*li));
	if (!is_dir(root)) {
		snprintf(err, errlen, "cgroup root %s: not a directory", root);
		return -1;
	}
	if (strlen(root) >= CG_PATH_MAX) {
		snprintf(err, errlen, "cgroup root %.64s...: longer than %d "
		    "bytes", root, CG_PATH_MAX - 1);
		return -1;
	}
	if (exists_in(root, "cgroup.controllers")) {
		/* The root itself is cgroup2: pure v2. */
		str_copy_trunc(li->mount[CG_UNIFIED], root, CG_PATH_MAX);
		li->layout = CG_LAYOUT_V2;
		return 0;
	}
	if (strcmp(root, HOST_CGROUP_ROOT) == 0)
		detect_host(li);
	else
		detect_by_dirs(root, li);
	if (li->mount[CG_CPUACCT][0] == '\0' && li->mount[CG_MEMORY][0] ==
	    '\0') {
		snprintf(err, errlen, "cgroup root %s: neither a cgroup2 tree "
		    "nor v1 controllers (cpuacct, memory) found", root);
		return -1;
	}
	li->layout = li->mount[CG_UNIFIED][0] != '\0' ? CG_LAYOUT_HYBRID :
	    CG_LAYOUT_V1;
	return 0;
}

const char *
cgroup_discovery_root(const struct cg_layout_info *li)
{
	if (li->layout == CG_LAYOUT_V2)
		return li->mount[CG_UNIFIED];
	return li->mount[CG_CPUACCT][0] != '\0' ? li->mount[CG_CPUACCT] :
	    li->mount[CG_MEMORY];
}
