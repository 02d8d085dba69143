/*
 * host.c — see host.h.  The I/O shell around host_parse.c: kept-open
 * /proc files, the mount table, the process scan, the statvfs pool.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collector/host.h"
#include "common/log.h"
#include "common/util.h"

#define HOST_BUF_MAX   (256 * 1024)    /* the biggest /proc file read */
#define PID_STAT_MAX   1024
#define ENTROPY_PERIOD_NS (60 * 1000000000LL)

/* The files read, relative to proc_root. */
enum host_file {
	HFILE_STAT, HFILE_MEMINFO, HFILE_VMSTAT, HFILE_LOADAVG, HFILE_UPTIME,
	HFILE_DISKSTATS, HFILE_NETDEV, HFILE_MOUNTINFO, HFILE_ZONEINFO,
	HFILE_ENTROPY, HFILE_PROCS, HFILE_N
};

static const char *const host_file_names[HFILE_N] = {
	[HFILE_STAT] = "stat", [HFILE_MEMINFO] = "meminfo",
	[HFILE_VMSTAT] = "vmstat", [HFILE_LOADAVG] = "loadavg",
	[HFILE_UPTIME] = "uptime", [HFILE_DISKSTATS] = "diskstats",
	[HFILE_NETDEV] = "net/dev", [HFILE_MOUNTINFO] = "self/mountinfo",
	[HFILE_ZONEINFO] = "zoneinfo",
	[HFILE_ENTROPY] = "sys/kernel/random/entropy_avail",
	[HFILE_PROCS] = "<pid>/stat",
};

static const char *const host_family_names[HF_NFAMILIES] = {
	[HF_CPU] = "cpu", [HF_MEM] = "mem", [HF_SWAP] = "swap",
	[HF_SYSTEM] = "system", [HF_KERNEL] = "kernel",
	[HF_PROCESSES] = "processes", [HF_DISK] = "disk",
	[HF_DISKIO] = "diskio", [HF_NET] = "net",
};

struct host {
	char                  proc_root[HOST_PATH_MAX];
	struct host_globs     ignore_fs, mounts, nets, dios;
	long                  disk_timeout_ms;
	long                  user_hz;
	uint64_t              page_size;
	int64_t               procs_period_ns;
	int                   fd[HFILE_N];
	struct complain       cmp[HFILE_N];
	struct complain       hung_cmp, fs_cmp;
	uint64_t              errors;
	char                 *buf;          /* HOST_BUF_MAX bytes */
	struct host_snapshot *cur, *pub;    /* owned; swapped by publish */
	int                   have_prev;
	/* The mount table, filtered: what the pool measures. */
	int                   mounts_stale;
	uint32_t              nmounts;
	struct host_mount     mount[HOST_FS_MAX];
	char                  paths[HOST_FS_MAX][HOST_PATH_MAX];
	uint32_t              ask_idx[HOST_FS_MAX]; /* mount[] index per path */
	uint32_t              nask;
	struct host_fs_pool  *pool;
	/* Kept between sweeps. */
	struct host_procs     procs;
	int                   have_procs;
	int64_t               procs_next_ns;
	uint64_t              pswpin, pswpout;
	int                   have_swapio;
	uint64_t              entropy_avail;
	int                   have_entropy;
	int64_t               entropy_next_ns;
	struct host_uname     uname;
};

const char *
host_family_name(enum host_family f)
{
	return (unsigned)f < HF_NFAMILIES ? host_family_names[f] : "";
}

/* ---- files -------------------------------------------------------------- */

static int
file_open(struct host *h, enum host_file f)
{
	char path[HOST_PATH_MAX + 64];

	if (h->fd[f] >= 0)
		return h->fd[f];
	snprintf(path, sizeof(path), "%s/%s", h->proc_root,
	    host_file_names[f]);
	h->fd[f] = open(path, O_RDONLY | O_CLOEXEC);
	return h->fd[f];
}

/* A failure of file f: counted, logged with backoff. */
static void
file_fail(struct host *h, enum host_file f, int64_t now_s, const char *what)
{
	h->errors++;
	complain(&h->cmp[f], now_s, "host metrics: %s/%s: %s; its figures "
	    "are left out", h->proc_root, host_file_names[f], what);
}

static void
file_ok(struct host *h, enum host_file f)
{
	if (h->cmp[f].gap_s != 0)
		complain_recovered(&h->cmp[f], "host metrics: %s/%s: read "
		    "again", h->proc_root, host_file_names[f]);
}

/* The whole file into h->buf; its length, or -1 (failure reported). */
static ssize_t
file_read(struct host *h, enum host_file f, int64_t now_s)
{
	ssize_t n;

	if (file_open(h, f) < 0) {
		file_fail(h, f, now_s, strerror(errno));
		return -1;
	}
	n = pread(h->fd[f], h->buf, HOST_BUF_MAX, 0);
	if (n < 0) {
		file_fail(h, f, now_s, strerror(errno));
		return -1;
	}
	if (n >= HOST_BUF_MAX) {
		file_fail(h, f, now_s, "longer than 256 KB");
		return -1;
	}
	return n;
}

/* Parse result of file f: 0 stays 0, -1 is reported. */
static int
file_parsed(struct host *h, enum host_file f, int rc, int64_t now_s)
{
	if (rc != 0) {
		file_fail(h, f, now_s, "unexpected format");
		return -1;
	}
	file_ok(h, f);
	return 0;
}

/* ---- set-up ------------------------------------------------------------- */

static int
globs(const char *what, const char *list, struct host_globs *g, char *err,
    size_t errlen)
{
	if (hostp_globs_parse(list != NULL ? list : "", g) == 0)
		return 0;
	snprintf(err, errlen, "%s: '%.200s': at most %d patterns of at most "
	    "%d bytes, none empty", what, list, HOST_GLOBS_MAX,
	    HOST_GLOB_LEN - 1);
	return -1;
}

static void
host_uname_read(struct host_uname *u)
{
	struct utsname un;

	memset(u, 0, sizeof(*u));
	if (uname(&un) != 0)
		return;
	str_copy_trunc(u->sysname, un.sysname, sizeof(u->sysname));
	str_copy_trunc(u->nodename, un.nodename, sizeof(u->nodename));
	str_copy_trunc(u->release, un.release, sizeof(u->release));
	str_copy_trunc(u->version, un.version, sizeof(u->version));
	str_copy_trunc(u->machine, un.machine, sizeof(u->machine));
	str_copy_trunc(u->domainname, un.domainname, sizeof(u->domainname));
}

struct host *
host_new(const struct host_options *o, char *err, size_t errlen)
{
	struct host *h = calloc(1, sizeof(*h));
	int i;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < HFILE_N; i++)
		h->fd[i] = -1;
	if (str_copy(h->proc_root, o->proc_root != NULL ? o->proc_root :
	    "/proc", sizeof(h->proc_root)) >= sizeof(h->proc_root)) {
		snprintf(err, errlen, "proc root longer than %d bytes",
		    HOST_PATH_MAX - 1);
		goto fail;
	}
	if (globs("host_disk_ignore_fs", o->disk_ignore_fs, &h->ignore_fs,
	    err, errlen) != 0 ||
	    globs("host_disk_mounts", o->disk_mounts, &h->mounts, err,
	    errlen) != 0 ||
	    globs("host_net_interfaces", o->net_interfaces, &h->nets, err,
	    errlen) != 0 ||
	    globs("host_diskio_devices", o->diskio_devices, &h->dios, err,
	    errlen) != 0)
		goto fail;
	h->disk_timeout_ms = o->disk_timeout_ms > 0 ? o->disk_timeout_ms : 200;
	h->user_hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	h->page_size = sysconf(_SC_PAGESIZE) > 0 ?
	    (uint64_t)sysconf(_SC_PAGESIZE) : 4096;
	h->procs_period_ns = (int64_t)o->processes_interval_s * 1000000000LL;
	h->buf = malloc(HOST_BUF_MAX);
	h->cur = calloc(1, sizeof(*h->cur));
	h->pub = calloc(1, sizeof(*h->pub));
	h->pool = host_fs_new();
	if (h->buf == NULL || h->cur == NULL || h->pub == NULL ||
	    h->pool == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	h->mounts_stale = 1;
	host_uname_read(&h->uname);
	return h;
fail:
	host_free(h);
	return NULL;
}

void
host_free(struct host *h)
{
	int i;

	if (h == NULL)
		return;
	host_fs_free(h->pool);
	for (i = 0; i < HFILE_N; i++)
		if (h->fd[i] >= 0)
			close(h->fd[i]);
	free(h->buf);
	free(h->cur);
	free(h->pub);
	free(h);
}

uint64_t
host_errors(const struct host *h)
{
	return h->errors;
}

/* ---- families ----------------------------------------------------------- */

static int
sample_stat(struct host *h, struct host_snapshot *s, const char *ps,
    size_t plen, int64_t now_s)
{
	ssize_t n = 0;

	if (ps == NULL) {
		if ((n = file_read(h, HFILE_STAT, now_s)) < 0)
			return -1;
		ps = h->buf;
		plen = (size_t)n;
	}
	if (file_parsed(h, HFILE_STAT, hostp_stat(ps, plen, &s->stat),
	    now_s) != 0)
		return -1;
	s->have |= 1u << HF_CPU;
	if ((s->stat.have & (HSTAT_CTXT | HSTAT_INTR | HSTAT_BTIME |
	    HSTAT_FORKS)) == (HSTAT_CTXT | HSTAT_INTR | HSTAT_BTIME |
	    HSTAT_FORKS))
		s->have |= 1u << HF_KERNEL;
	return 0;
}

/* Only kernels before 3.14 need the zones' watermarks. */
static void
zone_watermark(struct host *h, uint64_t *low, int *have, int64_t now_s)
{
	uint64_t pages;
	ssize_t n;

	*have = 0;
	if ((n = file_read(h, HFILE_ZONEINFO, now_s)) < 0)
		return;
	if (file_parsed(h, HFILE_ZONEINFO, hostp_zoneinfo_low(h->buf,
	    (size_t)n, &pages), now_s) != 0)
		return;
	*low = pages * h->page_size;
	*have = 1;
}

static int
sample_mem(struct host *h, struct host_snapshot *s, int64_t now_s)
{
	uint64_t wm = 0;
	int have_wm = 0;
	ssize_t n;

	if ((n = file_read(h, HFILE_MEMINFO, now_s)) < 0 ||
	    file_parsed(h, HFILE_MEMINFO, hostp_meminfo(h->buf, (size_t)n,
	    &s->mi), now_s) != 0)
		return -1;
	if (!(s->mi.have & (1ull << HM_MemAvailable)))
		zone_watermark(h, &wm, &have_wm, now_s);
	hostp_mem_derive(&s->mi, wm, have_wm, &s->mem);
	s->have |= 1u << HF_MEM;
	return 0;
}

/*
 * Swap in/out come from /proc/vmstat (pswpin, pswpout), the biggest file
 * here.  Without swap space no page can move, so it is read once and
 * then only while SwapTotal is not 0.
 */
static void
sample_swap(struct host *h, struct host_snapshot *s, int64_t now_s)
{
	ssize_t n;

	if (!(s->have & (1u << HF_MEM)))
		return;
	if (!h->have_swapio || s->mi.v[HM_SwapTotal] != 0) {
		if ((n = file_read(h, HFILE_VMSTAT, now_s)) < 0 ||
		    file_parsed(h, HFILE_VMSTAT, hostp_vmstat_swap(h->buf,
		    (size_t)n, &h->pswpin, &h->pswpout), now_s) != 0) {
			h->have_swapio = 0;
			return;
		}
		h->have_swapio = 1;
	}
	s->pswpin = h->pswpin;
	s->pswpout = h->pswpout;
	s->have |= 1u << HF_SWAP;
}

static void
sample_system(struct host *h, struct host_snapshot *s, int64_t now_s)
{
	ssize_t n;

	if ((n = file_read(h, HFILE_LOADAVG, now_s)) < 0 ||
	    file_parsed(h, HFILE_LOADAVG, hostp_loadavg(h->buf, (size_t)n,
	    &s->load), now_s) != 0)
		return;
	if ((n = file_read(h, HFILE_UPTIME, now_s)) < 0 ||
	    file_parsed(h, HFILE_UPTIME, hostp_uptime(h->buf, (size_t)n,
	    &s->uptime_s), now_s) != 0)
		return;
	if (!(s->have & (1u << HF_CPU)))
		return;                      /* n_cpus comes from /proc/stat */
	s->have |= 1u << HF_SYSTEM;
}

/*
 * entropy_avail for the kernel family; optional (not in every /proc).  A
 * sysctl file costs as much as meminfo to read and the figure is constant
 * (256) since Linux 5.18, so it is read once a minute.
 */
static void
sample_entropy(struct host *h, struct host_snapshot *s, int64_t now_ns)
{
	char b[32];
	ssize_t n;

	if (now_ns >= h->entropy_next_ns) {
		h->entropy_next_ns = now_ns + ENTROPY_PERIOD_NS;
		h->have_entropy = 0;
		if (file_open(h, HFILE_ENTROPY) < 0)
			return;
		n = pread(h->fd[HFILE_ENTROPY], b, sizeof(b) - 1, 0);
		if (n <= 0)
			return;
		b[n] = '\0';
		h->have_entropy = parse_u64(b, &h->entropy_avail) == 0;
	}
	s->have_entropy = h->have_entropy;
	s->entropy_avail = h->entropy_avail;
}

static void
sample_diskio(struct host *h, struct host_snapshot *s, int64_t now_s)
{
	struct host_diskstats *d = &s->dio;
	uint32_t i, j;
	ssize_t n;

	if ((n = file_read(h, HFILE_DISKSTATS, now_s)) < 0 ||
	    file_parsed(h, HFILE_DISKSTATS, hostp_diskstats(h->buf, (size_t)n,
	    d), now_s) != 0)
		return;
	for (i = 0, j = 0; i < d->n; i++)
		if (hostp_globs_match(&h->dios, d->d[i].name))
			d->d[j++] = d->d[i];
	d->n = j;
	s->have |= 1u << HF_DISKIO;
}

static void
sample_net(struct host *h, struct host_snapshot *s, int64_t now_s)
{
	struct host_netdev *nd = &s->net;
	uint32_t i, j;
	ssize_t n;

	if ((n = file_read(h, HFILE_NETDEV, now_s)) < 0 ||
	    file_parsed(h, HFILE_NETDEV, hostp_netdev(h->buf, (size_t)n, nd),
	    now_s) != 0)
		return;
	for (i = 0, j = 0; i < nd->n; i++)
		if (hostp_globs_match(&h->nets, nd->i[i].name))
			nd->i[j++] = nd->i[i];
	nd->n = j;
	s->have |= 1u << HF_NET;
}

/* One /proc/<pid>/stat; 0, or -1 when the process is gone. */
static int
procs_one(int dfd, const char *pid, struct host_procs *p)
{
	char path[64], b[PID_STAT_MAX], state;
	uint64_t threads;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", pid);
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n <= 0 || hostp_pid_stat(b, (size_t)n, &state, &threads) != 0)
		return -1;
	hostp_procs_add(p, state, threads);
	return 0;
}

/* Telegraf's processes: every /proc/<pid>/stat, every procs_period. */
static void
sample_procs(struct host *h, struct host_snapshot *s, int64_t now_ns,
    int64_t now_s)
{
	struct host_procs p;
	struct dirent *e;
	DIR *d;

	if (h->have_procs && now_ns < h->procs_next_ns)
		goto out;
	d = opendir(h->proc_root);
	if (d == NULL) {
		h->have_procs = 0;
		file_fail(h, HFILE_PROCS, now_s, strerror(errno));
		return;
	}
	memset(&p, 0, sizeof(p));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		procs_one(dirfd(d), e->d_name, &p);   /* gone: not counted */
	}
	closedir(d);
	if (p.total == 0) {
		h->have_procs = 0;
		file_fail(h, HFILE_PROCS, now_s, "no process could be read");
		return;
	}
	file_ok(h, HFILE_PROCS);
	h->procs = p;
	h->have_procs = 1;
	h->procs_next_ns = now_ns + h->procs_period_ns;
out:
	s->procs = h->procs;
	s->have |= 1u << HF_PROCESSES;
}

/* ---- disk usage --------------------------------------------------------- */

/* Has the mount table changed since it was last read?  The kernel flags
 * mountinfo with POLLPRI when it has. */
static int
mounts_changed(struct host *h)
{
	struct pollfd pfd;

	if (h->mounts_stale || h->fd[HFILE_MOUNTINFO] < 0)
		return 1;
	pfd.fd = h->fd[HFILE_MOUNTINFO];
	pfd.events = POLLPRI;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLPRI | POLLERR));
}

/* Keep m in the list unless filtered out; a later mount on the same
 * point hides the earlier one.  0, or -1 when the list is full. */
static int
mounts_keep(struct host *h, const struct host_mount *m, uint32_t *n)
{
	uint32_t i;

	if (h->ignore_fs.n > 0 && hostp_globs_match(&h->ignore_fs, m->fstype))
		return 0;
	if (!hostp_globs_match(&h->mounts, m->path))
		return 0;
	for (i = 0; i < *n; i++)
		if (strcmp(h->mount[i].path, m->path) == 0) {
			h->mount[i] = *m;
			return 0;
		}
	if (*n >= HOST_FS_MAX)
		return -1;
	h->mount[(*n)++] = *m;
	return 0;
}

static void
mounts_reload(struct host *h, int64_t now_s)
{
	struct host_mount m;
	uint32_t n = 0, bad = 0, over = 0;
	size_t pos = 0;
	ssize_t len;
	int r;

	h->mounts_stale = 1;
	if ((len = file_read(h, HFILE_MOUNTINFO, now_s)) < 0)
		return;
	while ((r = hostp_mountinfo_next(h->buf, (size_t)len, &pos, &m)) != 0) {
		if (r < 0)
			bad++;
		else if (mounts_keep(h, &m, &n) != 0)
			over++;
	}
	if (file_parsed(h, HFILE_MOUNTINFO, bad ? -1 : 0, now_s) != 0 &&
	    n == 0)
		return;
	if (over)
		complain(&h->fs_cmp, now_s, "host metrics: more than %d "
		    "mounts; %u left out (host_disk_mounts, "
		    "host_disk_ignore_fs choose)", HOST_FS_MAX, over);
	h->nmounts = n;
	h->mounts_stale = 0;
}

/* Hand the mounts not known to hang to the statvfs pool. */
static int
disks_begin(struct host *h, int64_t now_s)
{
	char back[HOST_FS_HUNG_MAX][HOST_PATH_MAX];
	uint32_t i;
	int n;

	if (mounts_changed(h))
		mounts_reload(h, now_s);
	n = host_fs_reap(h->pool, back, HOST_FS_HUNG_MAX);
	for (i = 0; i < (uint32_t)n && i < HOST_FS_HUNG_MAX; i++)
		log_info("host metrics: disk: statvfs(%s) answered again; "
		    "measured from now on", back[i]);
	if (n > 0)
		complain_recovered(&h->hung_cmp, "host metrics: disk: a "
		    "thread for statvfs is free again");
	h->nask = 0;
	for (i = 0; i < h->nmounts; i++) {
		if (host_fs_is_hung(h->pool, h->mount[i].path))
			continue;
		memcpy(h->paths[h->nask], h->mount[i].path, HOST_PATH_MAX);
		h->ask_idx[h->nask++] = i;
	}
	if (host_fs_begin(h->pool, h->paths, h->nask) != 0) {
		h->errors++;
		complain(&h->hung_cmp, now_s, "host metrics: disk: no thread "
		    "left for statvfs (%d mounts hung); disk figures left out",
		    HOST_FS_HUNG_MAX);
		return -1;
	}
	return 0;
}

static void
disks_end(struct host *h, struct host_snapshot *s, int64_t now_ns)
{
	struct host_fs_result res[HOST_FS_MAX];
	uint32_t i;
	int hung;

	host_fs_end(h->pool, now_ns + h->disk_timeout_ms * 1000000LL, res,
	    &hung);
	if (hung >= 0) {
		h->errors++;
		log_warnx("host metrics: disk: statvfs(%s) did not answer "
		    "within %ld ms; that mount is skipped until it does",
		    h->paths[hung], h->disk_timeout_ms);
	}
	for (i = 0; i < h->nask; i++) {
		if (!res[i].ok || res[i].size == 0)
			continue;           /* proc, sysfs ...: no blocks */
		s->fs[s->nfs].m = h->mount[h->ask_idx[i]];
		s->fs[s->nfs].r = res[i];
		s->nfs++;
	}
	s->have |= 1u << HF_DISK;
}

/* ---- the sample --------------------------------------------------------- */

int
host_sample(struct host *h, int64_t now_ns, const char *procstat,
    size_t procstat_len)
{
	struct host_snapshot *s = h->cur;
	int64_t now_s = now_ns / 1000000000LL;
	int disks, n = 0, f;

	s->mono_ns = now_ns;
	s->real_ns = now_realtime_ns();
	s->uname = &h->uname;
	s->have = 0;
	s->nfs = 0;
	s->have_entropy = 0;
	s->user_hz = h->user_hz;
	s->page_size = h->page_size;
	disks = disks_begin(h, now_s) == 0;
	if (sample_stat(h, s, procstat, procstat_len, now_s) == 0 &&
	    (s->have & (1u << HF_KERNEL)))
		sample_entropy(h, s, now_ns);
	if (sample_mem(h, s, now_s) == 0)
		sample_swap(h, s, now_s);
	sample_system(h, s, now_s);
	sample_diskio(h, s, now_s);
	sample_net(h, s, now_s);
	sample_procs(h, s, now_ns, now_s);
	if (disks)
		disks_end(h, s, now_ns);
	for (f = 0; f < HF_NFAMILIES; f++)
		n += (s->have >> f) & 1;
	return n;
}

const struct host_snapshot *
host_current(const struct host *h)
{
	return h->cur;
}

const struct host_snapshot *
host_previous(const struct host *h)
{
	return h->have_prev ? h->pub : NULL;
}

const struct host_snapshot *
host_publish(struct host *h)
{
	struct host_snapshot *t = h->pub;

	h->pub = h->cur;
	h->cur = t;
	h->have_prev = 1;
	return h->pub;
}
