/*
 * bench/docker_main.c — the collector's cost per container per sweep on
 * REAL Docker containers, against the floors and collectd, all in the
 * same windows (issue 11 §2).  bench/docker.sh starts the private dockerd
 * and the containers and calls
 *
 *   build/bench/docker LIST HOIST_BINARY DOCKER_URL COLLECTD_CONF
 *                      [WINDOWS] [WINDOW_S]
 *
 * LIST: one "docker/<id> <pid>" line per container.
 *
 * 1. Floors, timed in this process with CLOCK_THREAD_CPUTIME_ID, one
 *    round a second (the collector's cadence):
 *    floor8      pread of the 8-file essential set per container, kept
 *                open: cpuacct.usage, cpuacct.stat, cpu.stat,
 *                memory.usage_in_bytes, memory.limit_in_bytes,
 *                memory.stat, blkio.throttle.io_service_bytes,
 *                pids.current (v2: cpu.stat, memory.current, memory.max,
 *                memory.stat, io.stat, pids.current);
 *    floor_hoist pread of the descriptors the collector keeps open and
 *                reads every sweep for an active container (its own
 *                cgroup_open handles, not the slow and pressure files)
 *                plus /proc/<pid>/net/dev, and /proc/stat once a round:
 *                its file set without the skips for idle containers.
 * 2. hoist-collector (--interval 1, stdout to /dev/null, its API off) and
 *    collectd -f with COLLECTD_CONF (the cgroups plugin alone, Interval 1)
 *    run side by side, each in a cpuacct cgroup of its own made here
 *    (bench-docker.<pid>/{hoist,collectd}), so their CPU is exact to the
 *    nanosecond, every thread counted.
 * 3. WINDOWS windows of WINDOW_S seconds (defaults 5 and 10) after a
 *    warm-up: in each, the CPU of both and of the floors' rounds; per
 *    container per sweep = CPU per second / containers read (the
 *    collector reads every docker/<id> group, collectd every group one or
 *    two levels under the cpuacct mount: counted, as other runs may have
 *    containers too).  The medians of the windows are printed, then the
 *    samples.
 * 4. With BENCH_DOCKER_BASELINE set to another hoist-collector binary, it
 *    runs alongside (same arguments, cgroup bench-docker.<pid>/base,
 *    started half a second later: the two sweep out of phase) and
 *    a "docker baseline" line gives its cost and ratio_base (the median
 *    of the per-window ratios HOIST_BINARY / baseline): before/after on
 *    a loaded machine, in the same windows.
 * 5. BENCH_DOCKER_HOIST_ARGS: up to 8 more words (split at spaces) for
 *    the collector under test, e.g. "--keep-slow-files-open no".
 * Memory: the collector's peak VmRSS and RssAnon while it runs, its
 * descriptors, and the kernel slab per kept-open file measured while the
 * floors open theirs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/cgroup.h"
#include "common/log.h"
#include "common/util.h"

#define WIN_MAX 64
#define HOIST_ARGS_MAX 8     /* words of BENCH_DOCKER_HOIST_ARGS */

static const struct {
	int ctrl; const char *name;
} ess_v1[] = {
	{ CG_CPUACCT, "cpuacct.usage" }, { CG_CPUACCT, "cpuacct.stat" },
	{ CG_CPU, "cpu.stat" }, { CG_MEMORY, "memory.usage_in_bytes" },
	{ CG_MEMORY, "memory.limit_in_bytes" }, { CG_MEMORY, "memory.stat" },
	{ CG_BLKIO, "blkio.throttle.io_service_bytes" },
	{ CG_PIDS, "pids.current" },
}, ess_v2[] = {
	{ CG_UNIFIED, "cpu.stat" }, { CG_UNIFIED, "memory.current" },
	{ CG_UNIFIED, "memory.max" }, { CG_UNIFIED, "memory.stat" },
	{ CG_UNIFIED, "io.stat" }, { CG_UNIFIED, "pids.current" },
};

struct fdset { int *fd; int n, cap; };

struct bench {
	const char *bin, *docker, *conf;
	int          windows, window_s;
	struct cg_layout_info li;
	char       **rel;          /* owned, n */
	int         *pid;          /* owned, n */
	int          n;
	struct fdset f8, fh;
	struct cgroup_handle **h;  /* owned, n */
	long         slab0, slab1, slab2;
	char         cgdir[CG_PATH_MAX + 64];   /* cpuacct bench-docker.<pid> */
	pid_t        hoist, collectd, base;
	const char  *base_bin;   /* BENCH_DOCKER_BASELINE, or NULL */
	double       rss_mb, anon_mb;
	int          hoist_fds;
	/* Per window: us per container per sweep. */
	double       w_hoist[WIN_MAX], w_coll[WIN_MAX], w_f8[WIN_MAX];
	double       w_fh[WIN_MAX], w_base[WIN_MAX];
	int          n_hoist, n_coll;
};

static int64_t
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

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
fds_add(struct fdset *s, int fd)
{
	if (fd < 0)
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 1024;
		int *nf = realloc(s->fd, (size_t)cap * sizeof(*nf));
		if (nf == NULL)
			fatal("realloc");
		s->fd = nf;
		s->cap = cap;
	}
	s->fd[s->n++] = fd;
}

static void
read_all(const struct fdset *s)
{
	static char buf[65536];
	int i;

	for (i = 0; i < s->n; i++)
		if (pread(s->fd[i], buf, sizeof(buf), 0) < 0)
			fatal("pread");
}

static void
load_list(struct bench *b, const char *path)
{
	char line[512], rel[400];
	int pid, cap = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		fatal("%s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%399s %d", rel, &pid) != 2)
			continue;
		if (b->n == cap) {
			cap = cap ? cap * 2 : 256;
			b->rel = realloc(b->rel, (size_t)cap * sizeof(*b->rel));
			b->pid = realloc(b->pid, (size_t)cap * sizeof(*b->pid));
			if (b->rel == NULL || b->pid == NULL)
				fatal("realloc");
		}
		if ((b->rel[b->n] = strdup(rel)) == NULL)
			fatal("strdup");
		b->pid[b->n++] = pid;
	}
	fclose(f);
	if (b->n == 0)
		fatalx("%s: no containers", path);
}

/* Open both floors' files; the kernel slab before, between, after. */
static void
open_floors(struct bench *b)
{
	char path[1024];
	int i, k, v2 = b->li.layout == CG_LAYOUT_V2;
	int nk = v2 ? (int)ARRAY_LEN(ess_v2) : (int)ARRAY_LEN(ess_v1);

	b->h = calloc((size_t)b->n, sizeof(*b->h));
	if (b->h == NULL)
		fatal("calloc");
	b->slab0 = slab_kb();
	for (i = 0; i < b->n; i++)
		for (k = 0; k < nk; k++) {
			int c = v2 ? ess_v2[k].ctrl : ess_v1[k].ctrl;
			snprintf(path, sizeof(path), "%s/%s/%s", b->li.mount[c],
			    b->rel[i], v2 ? ess_v2[k].name : ess_v1[k].name);
			fds_add(&b->f8, open(path, O_RDONLY | O_CLOEXEC));
		}
	read_all(&b->f8);
	b->slab1 = slab_kb();
	for (i = 0; i < b->n; i++) {
		int fds[64];
		b->h[i] = cgroup_open(&b->li, b->rel[i]);
		if (b->h[i] == NULL)
			fatalx("cannot open cgroup %s", b->rel[i]);
		k = cgroup_handle_fds(b->h[i], fds, 64, 1);
		while (k-- > 0)
			fds_add(&b->fh, fds[k]);
		snprintf(path, sizeof(path), "/proc/%d/net/dev", b->pid[i]);
		fds_add(&b->fh, open(path, O_RDONLY | O_CLOEXEC));
	}
	fds_add(&b->fh, open("/proc/stat", O_RDONLY | O_CLOEXEC));
	read_all(&b->fh);
	b->slab2 = slab_kb();
}

/* Put this process into cpuacct bench dir SUB (0 or -1). */
static int
join_cg(const struct bench *b, const char *sub)
{
	char path[CG_PATH_MAX + 128], pid[32];
	int fd, n, r;

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", b->cgdir, sub);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	r = write(fd, pid, (size_t)n) == n ? 0 : -1;
	close(fd);
	return r;
}

static pid_t
spawn(const struct bench *b, const char *sub, char *const argv[])
{
	pid_t pid = fork();
	int null;

	if (pid != 0)
		return pid;
	if (join_cg(b, sub) != 0)
		_exit(126);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	if (strcmp(sub, "collectd") == 0)
		dup2(null, STDERR_FILENO);
	execvp(argv[0], argv);
	_exit(127);
}

static uint64_t
cg_usage(const struct bench *b, const char *sub)
{
	char path[CG_PATH_MAX + 128], buf[64];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "%s/%s/cpuacct.usage", b->cgdir, sub);
	if (read_small(path, buf, sizeof(buf)) > 0)
		parse_u64(strtok(buf, "\n"), &v);
	return v;
}

static void
make_cgs(struct bench *b)
{
	char path[CG_PATH_MAX + 128];
	const char *mnt = b->li.layout == CG_LAYOUT_V2 ?
	    b->li.mount[CG_UNIFIED] : b->li.mount[CG_CPUACCT];

	snprintf(b->cgdir, sizeof(b->cgdir), "%s/bench-docker.%d", mnt,
	    (int)getpid());
	if (mkdir(b->cgdir, 0755) != 0)
		fatal("mkdir %s", b->cgdir);
	snprintf(path, sizeof(path), "%s/hoist", b->cgdir);
	if (mkdir(path, 0755) != 0)
		fatal("mkdir %s", path);
	snprintf(path, sizeof(path), "%s/collectd", b->cgdir);
	if (mkdir(path, 0755) != 0)
		fatal("mkdir %s", path);
	snprintf(path, sizeof(path), "%s/base", b->cgdir);
	if (b->base_bin != NULL && mkdir(path, 0755) != 0)
		fatal("mkdir %s", path);
}

static void
remove_cgs(const struct bench *b)
{
	char path[CG_PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/hoist", b->cgdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/collectd", b->cgdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/base", b->cgdir);
	rmdir(path);
	rmdir(b->cgdir);
}

/* Subdirectories of dir (-1: unreadable); with want_hex, only 64-hex
 * names (Docker ids). */
static int
count_dirs(const char *dir, int want_hex, int depth2)
{
	char sub[1024];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (want_hex && strlen(e->d_name) != 64)
			continue;
		n++;
		if (depth2) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			n += count_dirs(sub, 0, 0);
		}
	}
	closedir(d);
	return n;
}

static void
sample_memory(struct bench *b)
{
	char path[64], line[256];
	long kb;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)b->hoist);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "VmRSS: %ld kB", &kb) == 1 &&
			    kb / 1024.0 > b->rss_mb)
				b->rss_mb = kb / 1024.0;
			if (sscanf(line, "RssAnon: %ld kB", &kb) == 1 &&
			    kb / 1024.0 > b->anon_mb)
				b->anon_mb = kb / 1024.0;
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)b->hoist);
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL)
			n += e->d_name[0] != '.';
		closedir(d);
		b->hoist_fds = n;
	}
}

static void
sleep_until(int64_t mono_ns)
{
	struct timespec ts = { (time_t)(mono_ns / 1000000000LL),
		(long)(mono_ns % 1000000000LL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static void
one_window(struct bench *b, int w)
{
	const char *root = b->li.layout == CG_LAYOUT_V2 ?
	    b->li.mount[CG_UNIFIED] : b->li.mount[CG_CPUACCT];
	char dockerdir[600];
	uint64_t h0, c0, h1, c1, b0, b1;
	int64_t t0, t1, f8 = 0, fh = 0, c;
	double secs;
	int r;

	snprintf(dockerdir, sizeof(dockerdir), "%s/docker", root);
	b->n_hoist = count_dirs(dockerdir, 1, 0);
	b->n_coll = count_dirs(root, 0, 1);
	t0 = now_mono_ns();
	h0 = cg_usage(b, "hoist");
	c0 = cg_usage(b, "collectd");
	b0 = b->base_bin != NULL ? cg_usage(b, "base") : 0;
	for (r = 0; r < b->window_s; r++) {
		c = thread_ns();
		read_all(&b->f8);
		f8 += thread_ns() - c;
		c = thread_ns();
		read_all(&b->fh);
		fh += thread_ns() - c;
		sample_memory(b);
		sleep_until(t0 + (int64_t)(r + 1) * 1000000000LL);
	}
	h1 = cg_usage(b, "hoist");
	c1 = cg_usage(b, "collectd");
	b1 = b->base_bin != NULL ? cg_usage(b, "base") : 0;
	t1 = now_mono_ns();
	secs = (double)(t1 - t0) / 1e9;
	b->w_hoist[w] = (double)(h1 - h0) / 1e3 / secs /
	    (b->n_hoist > 0 ? b->n_hoist : 1);
	b->w_coll[w] = (double)(c1 - c0) / 1e3 / secs /
	    (b->n_coll > 0 ? b->n_coll : 1);
	b->w_base[w] = (double)(b1 - b0) / 1e3 / secs /
	    (b->n_hoist > 0 ? b->n_hoist : 1);
	b->w_f8[w] = (double)f8 / 1e3 / b->window_s / b->n;
	b->w_fh[w] = (double)fh / 1e3 / b->window_s / b->n;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[WIN_MAX];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_d);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The baseline collector (BENCH_DOCKER_BASELINE) run in the same
 * windows: its cost, and the medians of the per-window ratios. */
static void
report_base(const struct bench *b)
{
	double rb[WIN_MAX], r8[WIN_MAX];
	int w;

	for (w = 0; w < b->windows; w++) {
		rb[w] = b->w_base[w] > 0 ? b->w_hoist[w] / b->w_base[w] : 0;
		r8[w] = b->w_base[w] / b->w_f8[w];
	}
	printf("docker baseline %s base_us=%.2f base_ratio_floor8=%.2f "
	    "ratio_base=%.2f\n", b->base_bin, median(b->w_base, b->windows),
	    median(r8, b->windows), median(rb, b->windows));
	printf("docker baseline samples (base_us):");
	for (w = 0; w < b->windows; w++)
		printf(" %.1f", b->w_base[w]);
	printf("\n");
}

static void
report(const struct bench *b)
{
	double r8[WIN_MAX], rc[WIN_MAX], rh[WIN_MAX];
	double per_file = b->f8.n > 0 ? (double)(b->slab1 - b->slab0) /
	    b->f8.n : 0;
	double hfds = b->n_hoist > 0 ? (double)b->hoist_fds / b->n_hoist : 0;
	int w;

	for (w = 0; w < b->windows; w++) {
		r8[w] = b->w_hoist[w] / b->w_f8[w];
		rc[w] = b->w_coll[w] > 0 ? b->w_hoist[w] / b->w_coll[w] : 0;
		rh[w] = b->w_hoist[w] / b->w_fh[w];
	}
	printf("docker N=%d windows=%dx%ds hoist_us=%.2f floor8_us=%.2f "
	    "floor_hoist_us=%.2f collectd_us=%.2f ratio_floor8=%.2f "
	    "ratio_collectd=%.2f ratio_floor_hoist=%.2f rss_mb=%.1f "
	    "anon_mb=%.1f fds_per_container=%.1f "
	    "kernel_kb_per_container=%.1f floor8_kernel_kb_per_container=%.1f "
	    "hoist_containers=%d collectd_cgroups=%d\n", b->n, b->windows,
	    b->window_s, median(b->w_hoist, b->windows),
	    median(b->w_f8, b->windows), median(b->w_fh, b->windows),
	    median(b->w_coll, b->windows), median(r8, b->windows),
	    median(rc, b->windows), median(rh, b->windows), b->rss_mb,
	    b->anon_mb, hfds, hfds * per_file, per_file * b->f8.n / b->n,
	    b->n_hoist, b->n_coll);
	printf("docker samples (hoist_us floor8_us floor_hoist_us "
	    "collectd_us):");
	for (w = 0; w < b->windows; w++)
		printf(" %.1f/%.1f/%.1f/%.1f", b->w_hoist[w], b->w_f8[w],
		    b->w_fh[w], b->w_coll[w]);
	printf("\n");
	if (b->base_bin != NULL)
		report_base(b);
}

static void
stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* What this run started, for the exit handler: a fatal() on the way must
 * not leave the collector, collectd or the cgroups behind. */
static struct bench *running;

static void
at_exit(void)
{
	if (running == NULL)
		return;
	stop(running->hoist);
	stop(running->collectd);
	stop(running->base);
	running->hoist = running->collectd = running->base = 0;
	if (running->cgdir[0] != '\0')
		remove_cgs(running);
	running = NULL;
}

int
main(int argc, char **argv)
{
	struct bench b;
	char err[256];
	int w, i;

	memset(&b, 0, sizeof(b));
	log_init("bench", LOGL_WARN);
	if (argc < 5)
		fatalx("usage: docker LIST HOIST_BINARY DOCKER_URL "
		    "COLLECTD_CONF [WINDOWS] [WINDOW_S]");
	b.bin = argv[2];
	b.docker = argv[3];
	b.conf = argv[4];
	b.windows = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 5;
	b.window_s = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 10;
	b.base_bin = getenv("BENCH_DOCKER_BASELINE");
	if (b.base_bin != NULL && b.base_bin[0] == '\0')
		b.base_bin = NULL;
	if (b.windows < 1 || b.windows > WIN_MAX || b.window_s < 1)
		fatalx("WINDOWS 1..%d, WINDOW_S >= 1", WIN_MAX);
	if (cgroup_detect("/sys/fs/cgroup", &b.li, err, sizeof(err)) != 0)
		fatalx("%s", err);
	cgroup_set_fd_budget(0);
	{
		/* The files the collector reads with its defaults. */
		struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 10, 10, 0 };
		cgroup_set_read_options(&ro);
	}
	load_list(&b, argv[1]);
	open_floors(&b);
	running = &b;
	atexit(at_exit);
	make_cgs(&b);
	{
		char *hv[10 + HOIST_ARGS_MAX + 1] = { (char *)b.bin,
			"--docker", (char *)b.docker, "--interval", "1",
			"--output", "stdout", "--listen", "none", NULL };
		char *cv[] = { "collectd", "-f", "-C", (char *)b.conf, NULL };
		char *extra = getenv("BENCH_DOCKER_HOIST_ARGS"), *save = NULL;
		char *word;
		int k = 9;

		/* The collector under test only: the baseline keeps its
		 * defaults (the same binary with and without an option). */
		if (extra != NULL && (extra = strdup(extra)) != NULL)
			for (word = strtok_r(extra, " ", &save); word != NULL &&
			    k < 9 + HOIST_ARGS_MAX;
			    word = strtok_r(NULL, " ", &save))
				hv[k++] = word;
		hv[k] = NULL;
		b.hoist = spawn(&b, "hoist", hv);
		b.collectd = spawn(&b, "collectd", cv);
		if (b.base_bin != NULL) {
			/* Half a sweep out of phase: neither reads the
			 * containers' files just after the other (warm). */
			usleep(500000);
			hv[0] = (char *)b.base_bin;
			hv[9] = NULL;
			b.base = spawn(&b, "base", hv);
		}
		free(extra);
	}
	sleep(4);                  /* both have opened and swept */
	for (w = 0; w < b.windows; w++)
		one_window(&b, w);
	report(&b);
	at_exit();
	for (i = 0; i < b.n; i++) {
		cgroup_close(b.h[i]);
		free(b.rel[i]);
	}
	for (i = 0; i < b.f8.n; i++)
		close(b.f8.fd[i]);
	free(b.h);
	free(b.rel);
	free(b.pid);
	free(b.f8.fd);
	free(b.fh.fd);
	return 0;
}
