/*
 * bench/collector_main.c — the collector's cost per container per sweep,
 * against the floor, on REAL cgroup v1 groups made here with libcgroup.
 *
 *   build/bench/collector N [SWEEPS] [COLLECTOR_BINARY] [INFLUXDB_URL]
 *
 * 1. Makes N cgroups docker/<64 hex> under cpu, cpuacct, memory, blkio and
 *    pids, each with one sleeping process (fork + pause).
 * 2. Floor: opens exactly the files the collector reads for each of them
 *    (the same handles: cgroup_open), plus /proc/<pid>/net/dev and
 *    /proc/stat, and times SWEEPS rounds of pread() on every descriptor
 *    with no parsing at all (user+sys CPU of this process), one round
 *    every 50 ms like the collector's sweeps.
 * 3. Runs the real collector (--docker none --output stdout > /dev/null
 *    --interval 0.05 --max-sweeps SWEEPS) and reads its user+sys CPU when
 *    it exits, and its peak RSS while it runs (VmHWM/VmRSS, and apart:
 *    RssAnon, its own memory, and RssFile, the pages of the binary and
 *    its shared libraries).
 *    With INFLUXDB_URL (http://HOST:PORT), runs it once more with
 *    --output influxdb:URL/hoist_bench and reports the extra CPU per
 *    container per sweep of the influxdb sink over stdout to /dev/null.
 * 4. Prints "collector N=.. sweeps=.. us_per_container=.. floor_us=..
 *    ratio=.. rss_mb=.. anon_mb=.. file_mb=..", then removes every cgroup
 *    and process it made.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libcgroup.h>

#include "collector/cgroup.h"
#include "common/log.h"
#include "common/util.h"

static const char *const ctrls[] = { "cpu", "cpuacct", "memory", "blkio",
	"pids" };

static double
cpu_seconds(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Kernel slab memory in kB (/proc/meminfo "Slab:"), to see what kept-open
 * cgroup files cost the kernel: each has a seq_file buffer. */
static long
slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
group_name(char *out, size_t size, int i)
{
	/* 64 hex digits, recognisable: b0b0... then the index. */
	snprintf(out, size, "docker/b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
	    "b0b0b0b0b0b0%012x", i);
}

static struct cgroup *
make_group(int i, pid_t pid)
{
	char name[128];
	struct cgroup *cg;
	size_t k;

	group_name(name, sizeof(name), i);
	cg = cgroup_new_cgroup(name);
	if (cg == NULL)
		return NULL;
	for (k = 0; k < ARRAY_LEN(ctrls); k++)
		if (cgroup_add_controller(cg, ctrls[k]) == NULL)
			goto fail;
	if (cgroup_create_cgroup(cg, 0) != 0)
		goto fail;
	if (cgroup_attach_task_pid(cg, pid) != 0)
		goto fail;
	return cg;
fail:
	cgroup_free(&cg);
	return NULL;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	int sweeps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 100;
	const char *bin = argc > 3 ? argv[3] : "build/hoist-collector";
	const char *influx = argc > 4 ? argv[4] : NULL;
	double influx_s = -1;
	struct cg_layout_info li;
	struct cgroup **groups;
	struct cgroup_handle **h;
	pid_t *kids, cpid;
	int *fds, nfds = 0, i, s, status, r;
	char err[256], path[256], buf[65536], name[128];
	double t0, floor_s, coll_s, openclose_s, rss_mb = 0, anon_mb = 0;
	double file_mb = 0, pss_file_mb = 0;
	char self_exe[256];
	ssize_t self_len;
	long budget, slab0, slab1;

	log_init("bench", LOGL_WARN);
	if (n <= 0 || sweeps <= 0)
		fatalx("usage: collector N [SWEEPS] [BINARY]");
	if (cgroup_init() != 0)
		fatalx("libcgroup: cgroup_init failed (needs cgroup v1 mounts)");
	if (cgroup_detect("/sys/fs/cgroup", &li, err, sizeof(err)) != 0 ||
	    li.layout == CG_LAYOUT_V2)
		fatalx("needs a cgroup v1 or hybrid host: %s", err);
	budget = cgroup_set_fd_budget(0);
	groups = calloc((size_t)n, sizeof(*groups));
	kids = calloc((size_t)n, sizeof(*kids));
	h = calloc((size_t)n, sizeof(*h));
	fds = calloc((size_t)n * 24 + 1, sizeof(*fds));
	if (!groups || !kids || !h || !fds)
		fatal("calloc");

	/* 1. N real cgroups, one sleeping process each. */
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		groups[i] = make_group(i, kids[i]);
		if (groups[i] == NULL) {
			fprintf(stderr, "bench: cgroup %d failed\n", i);
			n = i + 1;
			goto cleanup;
		}
	}

	/* 2. The floor: the same files, kept open, pread, no parsing. */
	slab0 = slab_kb();
	for (i = 0; i < n; i++) {
		group_name(name, sizeof(name), i);
		h[i] = cgroup_open(&li, name);
		if (h[i] == NULL)
			fatalx("cannot open cgroup %s", name);
		nfds += cgroup_handle_fds(h[i], fds + nfds, 22);
		snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)kids[i]);
		if ((fds[nfds] = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			nfds++;
	}
	fds[nfds] = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	r = fds[nfds] >= 0;
	nfds += r;
	for (s = 0; s < 3; s++)                      /* warm up */
		for (i = 0; i < nfds; i++)
			if (pread(fds[i], buf, sizeof(buf), 0) < 0)
				fatal("pread");
	slab1 = slab_kb();
	t0 = cpu_seconds(RUSAGE_SELF);
	/* Same cadence as the collector below (a round every 50 ms): a
	 * round after a sleep finds colder caches than back-to-back rounds
	 * would, and the floor must be measured as the collector runs. */
	for (s = 0; s < sweeps; s++) {
		for (i = 0; i < nfds; i++)
			if (pread(fds[i], buf, sizeof(buf), 0) < 0)
				fatal("pread");
		usleep(50000);
	}
	floor_s = cpu_seconds(RUSAGE_SELF) - t0;
	for (i = 0; i < n; i++)
		cgroup_close(h[i]);
	for (i = 0; i < nfds; i++)
		close(fds[i]);

	/* 3. The real collector, stdout to /dev/null. */
	cpid = fork();
	if (cpid == 0) {
		char sw[32];
		int dn = open("/dev/null", O_WRONLY);

		snprintf(sw, sizeof(sw), "%d", sweeps + 1);
		dup2(dn, STDOUT_FILENO);
		execl(bin, bin, "--docker", "none", "--interval", "0.05",
		    "--max-sweeps", sw, "--output", "stdout", (char *)NULL);
		_exit(127);
	}
	/* Peak RSS: VmHWM (all resident pages, shared library text
	 * included) and the peak of RssAnon (the collector's own memory),
	 * polled until it exits.  Until the child has called execl() it is
	 * a copy of this process, with all the libcgroup structures above
	 * counted in its RssAnon: those samples are skipped. */
	self_len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[self_len > 0 ? self_len : 0] = '\0';
	for (;;) {
		FILE *f;
		char line[256];
		ssize_t el;

		r = waitpid(cpid, &status, WNOHANG);
		if (r == cpid)
			break;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)cpid);
		el = readlink(path, line, sizeof(line) - 1);
		if (el > 0) {
			line[el] = '\0';
			if (strcmp(line, self_exe) == 0) {
				usleep(1000);     /* not exec'd yet */
				continue;
			}
		}
		snprintf(path, sizeof(path), "/proc/%d/status", (int)cpid);
		if ((f = fopen(path, "re")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL) {
				long kb;
				if ((sscanf(line, "VmHWM: %ld kB", &kb) == 1 ||
				    sscanf(line, "VmRSS: %ld kB", &kb) == 1) &&
				    kb / 1024.0 > rss_mb)
					rss_mb = kb / 1024.0;
				if (sscanf(line, "RssAnon: %ld kB", &kb) == 1 &&
				    kb / 1024.0 > anon_mb)
					anon_mb = kb / 1024.0;
				if (sscanf(line, "RssFile: %ld kB", &kb) == 1 &&
				    kb / 1024.0 > file_mb)
					file_mb = kb / 1024.0;
			}
			fclose(f);
		}
		/* The collector's proportional share of the file pages it
		 * maps (shared libraries): what it really adds. */
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)cpid);
		if ((f = fopen(path, "re")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL) {
				long kb;
				if (sscanf(line, "Pss_File: %ld kB", &kb) == 1 &&
				    kb / 1024.0 > pss_file_mb)
					pss_file_mb = kb / 1024.0;
			}
			fclose(f);
		}
		usleep(20000);
	}
	coll_s = cpu_seconds(RUSAGE_CHILDREN);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "bench: collector exited with status %d\n",
		    status);
	/* 4. The same collector with a budget of one kept-open file: every
	 * stat file opened, read and closed on each sweep (the fallback past
	 * the descriptor budget, and what most collectors do). */
	t0 = coll_s;
	cpid = fork();
	if (cpid == 0) {
		char sw[32];
		int dn = open("/dev/null", O_WRONLY);

		snprintf(sw, sizeof(sw), "%d", sweeps + 1);
		dup2(dn, STDOUT_FILENO);
		execl(bin, bin, "--docker", "none", "--interval", "0.05",
		    "--max-sweeps", sw, "--output", "stdout",
		    "--max-open-files", "1", (char *)NULL);
		_exit(127);
	}
	waitpid(cpid, &status, 0);
	openclose_s = cpu_seconds(RUSAGE_CHILDREN) - t0;
	if (influx != NULL) {
		char spec[512];

		snprintf(spec, sizeof(spec), "influxdb:%s/hoist_bench", influx);
		t0 = cpu_seconds(RUSAGE_CHILDREN);
		cpid = fork();
		if (cpid == 0) {
			char sw[32];

			snprintf(sw, sizeof(sw), "%d", sweeps + 1);
			execl(bin, bin, "--docker", "none", "--interval", "0.05",
			    "--max-sweeps", sw, "--output", spec,
			    "--influxdb-create-db", "yes", (char *)NULL);
			_exit(127);
		}
		waitpid(cpid, &status, 0);
		influx_s = cpu_seconds(RUSAGE_CHILDREN) - t0;
	}
	{
		/* The collector did sweeps+1 sweeps (the first only opens
		 * files); its start-up is in the total too. */
		double us = coll_s / ((double)sweeps * n) * 1e6;
		double fl = floor_s / ((double)sweeps * n) * 1e6;
		double oc = openclose_s / ((double)sweeps * n) * 1e6;
		printf("collector N=%d sweeps=%d us_per_container=%.2f "
		    "floor_us=%.2f ratio=%.2f rss_mb=%.1f anon_mb=%.1f "
		    "file_mb=%.1f pss_file_mb=%.1f fds_per_container=%.1f "
		    "fd_budget=%ld "
		    "openclose_us=%.2f openclose_ratio=%.2f "
		    "kernel_kb_per_container=%.1f\n", n,
		    sweeps, us, fl, fl > 0 ? us / fl : 0, rss_mb, anon_mb,
		    file_mb, pss_file_mb, (double)nfds / n, budget, oc,
		    fl > 0 ? oc / fl : 0,
		    slab0 >= 0 && slab1 >= 0 ? (double)(slab1 - slab0) / n : -1);
		if (influx_s >= 0) {
			double iu = influx_s / ((double)sweeps * n) * 1e6;
			printf("collector N=%d output=influxdb us_per_container=%.2f "
			    "stdout_us_per_container=%.2f influx_extra_us=%.2f "
			    "influx_ratio=%.2f\n", n, iu, us, iu - us,
			    us > 0 ? iu / us : 0);
		}
	}
cleanup:
	for (i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	for (i = 0; i < n; i++)
		if (groups[i] != NULL) {
			cgroup_delete_cgroup(groups[i], 1);
			cgroup_free(&groups[i]);
		}
	free(groups);
	free(kids);
	free(h);
	free(fds);
	return 0;
}
