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

/* Everything one run measures and makes; freed by bench_free(). */
struct bench {
	int          n, sweeps;
	const char  *bin, *influx;
	struct cg_layout_info li;
	struct cgroup **groups;       /* owned, n */
	pid_t       *kids;            /* owned, n: one sleeper per group */
	int          nfds;            /* descriptors the floor read */
	long         budget, slab0, slab1;
	double       floor_s, coll_s, openclose_s, influx_s;
	double       rss_mb, anon_mb, file_mb, pss_file_mb;
};

/* 1. N real cgroups, one sleeping process each.  0, or -1 (then b->n is
 * the number to clean up). */
static int
make_groups(struct bench *b)
{
	int i;

	for (i = 0; i < b->n; i++) {
		b->kids[i] = fork();
		if (b->kids[i] == 0) {
			pause();
			_exit(0);
		}
		b->groups[i] = make_group(i, b->kids[i]);
		if (b->groups[i] == NULL) {
			fprintf(stderr, "bench: cgroup %d failed\n", i);
			b->n = i + 1;
			return -1;
		}
	}
	return 0;
}

/* pread() every descriptor once; fatal on error. */
static void
read_all(const int *fds, int nfds)
{
	static char buf[65536];
	int i;

	for (i = 0; i < nfds; i++)
		if (pread(fds[i], buf, sizeof(buf), 0) < 0)
			fatal("pread");
}

/* Open what the collector keeps open for every group, plus net/dev and
 * /proc/stat; returns the count. */
static int
open_floor_files(struct bench *b, struct cgroup_handle **h, int *fds)
{
	char name[128], path[256];
	int i, nfds = 0;

	for (i = 0; i < b->n; i++) {
		group_name(name, sizeof(name), i);
		h[i] = cgroup_open(&b->li, name);
		if (h[i] == NULL)
			fatalx("cannot open cgroup %s", name);
		nfds += cgroup_handle_fds(h[i], fds + nfds, 22, 1);
		snprintf(path, sizeof(path), "/proc/%d/net/dev",
		    (int)b->kids[i]);
		if ((fds[nfds] = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			nfds++;
	}
	fds[nfds] = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	return nfds + (fds[nfds] >= 0);
}

/* 2. The floor: the same files, kept open, pread, no parsing. */
static void
measure_floor(struct bench *b)
{
	struct cgroup_handle **h = calloc((size_t)b->n, sizeof(*h));
	int *fds = calloc((size_t)b->n * 24 + 1, sizeof(*fds));
	double t0;
	int s, i;

	if (h == NULL || fds == NULL)
		fatal("calloc");
	b->slab0 = slab_kb();
	b->nfds = open_floor_files(b, h, fds);
	for (s = 0; s < 3; s++)                      /* warm up */
		read_all(fds, b->nfds);
	b->slab1 = slab_kb();
	t0 = cpu_seconds(RUSAGE_SELF);
	/* Same cadence as the collector below (a round every 50 ms): a
	 * round after a sleep finds colder caches than back-to-back rounds
	 * would, and the floor must be measured as the collector runs. */
	for (s = 0; s < b->sweeps; s++) {
		read_all(fds, b->nfds);
		usleep(50000);
	}
	b->floor_s = cpu_seconds(RUSAGE_SELF) - t0;
	for (i = 0; i < b->n; i++)
		cgroup_close(h[i]);
	for (i = 0; i < b->nfds; i++)
		close(fds[i]);
	free(h);
	free(fds);
}

/* Start the collector for sweeps+1 sweeps with `output` and, when not
 * NULL, one more flag and value; stdout to /dev/null unless quiet is 0. */
static pid_t
spawn_collector(const struct bench *b, const char *output, const char *flag,
    const char *value, int quiet)
{
	pid_t pid = fork();
	char sw[32];

	if (pid != 0)
		return pid;
	snprintf(sw, sizeof(sw), "%d", b->sweeps + 1);
	if (quiet)
		dup2(open("/dev/null", O_WRONLY), STDOUT_FILENO);
	execl(b->bin, b->bin, "--docker", "none", "--interval", "0.05",
	    "--max-sweeps", sw, "--output", output, flag, value, (char *)NULL);
	_exit(127);
}

/* Raise *max to the value of a "KEY: N kB" line, in MB. */
static void
peak_kb(const char *line, const char *key, double *max)
{
	size_t n = strlen(key);
	long kb;

	if (strncmp(line, key, n) == 0 && line[n] == ':' &&
	    sscanf(line + n + 1, "%ld kB", &kb) == 1 && kb / 1024.0 > *max)
		*max = kb / 1024.0;
}

/* One sample of the child's memory from /proc/PID/status and
 * smaps_rollup (Pss_File: its proportional share of the file pages it
 * maps, the shared libraries: what it really adds). */
static void
sample_memory(struct bench *b, pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			peak_kb(line, "VmHWM", &b->rss_mb);
			peak_kb(line, "VmRSS", &b->rss_mb);
			peak_kb(line, "RssAnon", &b->anon_mb);
			peak_kb(line, "RssFile", &b->file_mb);
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			peak_kb(line, "Pss_File", &b->pss_file_mb);
		fclose(f);
	}
}

/*
 * Peak RSS: VmHWM (all resident pages, shared library text included) and
 * the peak of RssAnon (the collector's own memory), polled until it
 * exits.  Until the child has called execl() it is a copy of this
 * process, with all the libcgroup structures above counted in its
 * RssAnon: those samples are skipped.  Returns the wait status.
 */
static int
watch_memory(struct bench *b, pid_t pid)
{
	char self_exe[256], path[64], exe[256];
	ssize_t self_len, el;
	int status;

	self_len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[self_len > 0 ? self_len : 0] = '\0';
	while (waitpid(pid, &status, WNOHANG) != pid) {
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		el = readlink(path, exe, sizeof(exe) - 1);
		if (el > 0) {
			exe[el] = '\0';
			if (strcmp(exe, self_exe) == 0) {
				usleep(1000);     /* not exec'd yet */
				continue;
			}
		}
		sample_memory(b, pid);
		usleep(20000);
	}
	return status;
}

/* 3 and 4: the real collector to /dev/null (its CPU and memory), the
 * same with one kept-open file (every stat file opened, read and closed
 * on each sweep: the fallback past the descriptor budget, and what most
 * collectors do), and with INFLUXDB_URL the influxdb sink. */
static void
measure_collector(struct bench *b)
{
	char spec[512];
	double t0;
	int status;

	status = watch_memory(b, spawn_collector(b, "stdout", NULL, NULL, 1));
	b->coll_s = cpu_seconds(RUSAGE_CHILDREN);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "bench: collector exited with status %d\n",
		    status);
	t0 = b->coll_s;
	waitpid(spawn_collector(b, "stdout", "--max-open-files", "1", 1),
	    &status, 0);
	b->openclose_s = cpu_seconds(RUSAGE_CHILDREN) - t0;
	b->influx_s = -1;
	if (b->influx == NULL)
		return;
	snprintf(spec, sizeof(spec), "influxdb:%s/hoist_bench", b->influx);
	t0 = cpu_seconds(RUSAGE_CHILDREN);
	waitpid(spawn_collector(b, spec, "--influxdb-create-db", "yes", 0),
	    &status, 0);
	b->influx_s = cpu_seconds(RUSAGE_CHILDREN) - t0;
}

/* The result lines.  The collector did sweeps+1 sweeps (the first only
 * opens files); its start-up is in the total too. */
static void
report(const struct bench *b)
{
	double per = (double)b->sweeps * b->n / 1e6;
	double us = b->coll_s / per, fl = b->floor_s / per;
	double oc = b->openclose_s / per;

	printf("collector N=%d sweeps=%d us_per_container=%.2f "
	    "floor_us=%.2f ratio=%.2f rss_mb=%.1f anon_mb=%.1f "
	    "file_mb=%.1f pss_file_mb=%.1f fds_per_container=%.1f "
	    "fd_budget=%ld "
	    "openclose_us=%.2f openclose_ratio=%.2f "
	    "kernel_kb_per_container=%.1f\n", b->n,
	    b->sweeps, us, fl, fl > 0 ? us / fl : 0, b->rss_mb, b->anon_mb,
	    b->file_mb, b->pss_file_mb, (double)b->nfds / b->n, b->budget, oc,
	    fl > 0 ? oc / fl : 0, b->slab0 >= 0 && b->slab1 >= 0 ?
	    (double)(b->slab1 - b->slab0) / b->n : -1);
	if (b->influx_s >= 0) {
		double iu = b->influx_s / per;
		printf("collector N=%d output=influxdb us_per_container=%.2f "
		    "stdout_us_per_container=%.2f influx_extra_us=%.2f "
		    "influx_ratio=%.2f\n", b->n, iu, us, iu - us,
		    us > 0 ? iu / us : 0);
	}
}

/* Kill the sleepers, remove the cgroups, free. */
static void
bench_free(struct bench *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (b->kids[i] > 0)
			kill(b->kids[i], SIGKILL);
	for (i = 0; i < b->n; i++)
		if (b->kids[i] > 0)
			waitpid(b->kids[i], NULL, 0);
	for (i = 0; i < b->n; i++)
		if (b->groups[i] != NULL) {
			cgroup_delete_cgroup(b->groups[i], 1);
			cgroup_free(&b->groups[i]);
		}
	free(b->groups);
	free(b->kids);
}

int
main(int argc, char **argv)
{
	struct bench b;
	char err[256];

	memset(&b, 0, sizeof(b));
	b.n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
	b.sweeps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 100;
	b.bin = argc > 3 ? argv[3] : "build/hoist-collector";
	b.influx = argc > 4 ? argv[4] : NULL;
	log_init("bench", LOGL_WARN);
	if (b.n <= 0 || b.sweeps <= 0)
		fatalx("usage: collector N [SWEEPS] [BINARY]");
	if (cgroup_init() != 0)
		fatalx("libcgroup: cgroup_init failed (needs cgroup v1 mounts)");
	if (cgroup_detect("/sys/fs/cgroup", &b.li, err, sizeof(err)) != 0 ||
	    b.li.layout == CG_LAYOUT_V2)
		fatalx("needs a cgroup v1 or hybrid host: %s", err);
	b.budget = cgroup_set_fd_budget(0);
	{
		/* The files the collector reads with its defaults. */
		struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 10, 10, 0 };
		cgroup_set_read_options(&ro);
	}
	b.groups = calloc((size_t)b.n, sizeof(*b.groups));
	b.kids = calloc((size_t)b.n, sizeof(*b.kids));
	if (b.groups == NULL || b.kids == NULL)
		fatal("calloc");
	if (make_groups(&b) == 0) {
		measure_floor(&b);
		measure_collector(&b);
		report(&b);
	}
	bench_free(&b);
	return 0;
}
