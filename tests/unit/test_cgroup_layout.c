/*
 * test_cgroup_layout.c — cgroup_mountinfo_line(), pure: which mountinfo
 * lines set which controller's mount point (table of cases), and that the
 * first mount of a controller wins over a later one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collector/cgroup.h"
#include "common/util.h"

static void
test_lines_table(void **state)
{
	/* want[c]: the mount point expected in slot c, "" = left unset. */
	static const struct {
		const char *line;
		const char *want[CG_NCTRL];
	} cases[] = {
		/* Debian 11/12 hybrid: one hierarchy per controller. */
		{ "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup "
		  "cgroup rw,cpu\n",
		  { [CG_CPU] = "/sys/fs/cgroup/cpu" } },
		{ "35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,"
		  "relatime shared:15 - cgroup cgroup rw,memory\n",
		  { [CG_MEMORY] = "/sys/fs/cgroup/memory" } },
		/* systemd's joined cpu,cpuacct: both controllers, and the
		 * optional fields (shared:N master:N) before " - ". */
		{ "27 26 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,"
		  "noexec,relatime shared:8 master:3 - cgroup cgroup "
		  "rw,cpu,cpuacct\n",
		  { [CG_CPU] = "/sys/fs/cgroup/cpu,cpuacct",
		    [CG_CPUACCT] = "/sys/fs/cgroup/cpu,cpuacct" } },
		/* A controller mounted under another name: the options
		 * decide, not the directory. */
		{ "40 25 0:40 / /cg/b rw - cgroup none rw,blkio,pids\n",
		  { [CG_BLKIO] = "/cg/b", [CG_PIDS] = "/cg/b" } },
		/* cpuset is not cpu; net_cls,net_prio are not ours. */
		{ "34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup "
		  "rw,cpuset\n", { NULL } },
		{ "36 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup "
		  "cgroup rw,net_cls,net_prio\n", { NULL } },
		/* The named systemd hierarchy carries no controller. */
		{ "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup "
		  "cgroup rw,xattr,name=systemd\n", { NULL } },
		/* cgroup2: under /sys/fs/cgroup only. */
		{ "41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 "
		  "cgroup2 rw,nsdelegate\n",
		  { [CG_UNIFIED] = "/sys/fs/cgroup/unified" } },
		{ "90 22 0:50 / /run/other rw - cgroup2 cgroup2 rw\n",
		  { NULL } },
		/* Not a cgroup file system, even with "memory" in it. */
		{ "50 22 0:51 / /mnt/memory rw - tmpfs memory rw,size=1k\n",
		  { NULL } },
		/* An escaped mount point (a space): skipped. */
		{ "51 22 0:52 / /mnt/my\\040cg rw - cgroup cgroup rw,memory\n",
		  { NULL } },
		/* Cut short. */
		{ "52 22 0:53 / /sys/fs/cgroup/pids rw - cgroup", { NULL } },
		{ "", { NULL } },
	};
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cg_layout_info li;
		char line[512];

		memset(&li, 0, sizeof(li));
		str_copy_trunc(line, cases[i].line, sizeof(line));
		cgroup_mountinfo_line(line, &li);
		for (c = 0; c < CG_NCTRL; c++) {
			const char *w = cases[i].want[c];

			if (w == NULL)
				w = "";
			if (strcmp(li.mount[c], w) != 0)
				fail_msg("case %zu, controller %d: '%s', want "
				    "'%s'", i, c, li.mount[c], w);
		}
	}
}

static void
test_first_mount_wins(void **state)
{
	struct cg_layout_info li;
	char a[] = "30 25 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup "
	    "rw,memory\n";
	char b[] = "99 25 0:30 / /var/lib/x/memory rw - cgroup cgroup "
	    "rw,memory\n";

	(void)state;
	memset(&li, 0, sizeof(li));
	cgroup_mountinfo_line(a, &li);
	cgroup_mountinfo_line(b, &li);
	assert_string_equal(li.mount[CG_MEMORY], "/sys/fs/cgroup/memory");
	assert_string_equal(li.mount[CG_CPU], "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_table),
		cmocka_unit_test(test_first_mount_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
