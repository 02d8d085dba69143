/*
 * cgroup.c — the generic half of the cgroup layer: per container, a table
 * of kept-open files read with pread(2), with the error bookkeeping
 * (count, complain with backoff) and the "vanished mid-sweep" check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/cgroup_impl.h"
#include "common/util.h"

/* Bigger than any stat file we read on a 1024-CPU host. */
#define CG_READ_MAX (64 * 1024)

enum cgf_state { CGF_ABSENT, CGF_OPEN, CGF_ONDEMAND };

struct cg_file {
	int              fd;
	uint8_t          state;     /* enum cgf_state */
	uint16_t         last_len;
	/* Owned; CGC_SLOW and CGC_PSI files: the bytes last read, parsed
	 * again on the reads that skip the file; NULL: read it next time. */
	char            *last;
	/* Owned; NULL until the file first fails (most never do: 32 bytes
	 * saved per file, 17 files per container on v1). */
	struct complain *complain;
};

/*
 * The directory of controller c is li->mount[c] + "/" + relpath, built
 * when needed (opening, errors, the vanished check) rather than kept: one
 * string per handle instead of one per controller.
 */
struct cgroup_handle {
	const struct cg_version     *v;
	const struct cg_layout_info *li;  /* borrowed; outlives the handle */
	char          *relpath;           /* owned */
	uint8_t        has_dir;           /* bit c: controller c's dir exists */
	uint8_t        main_ctrl;         /* the dir whose loss = vanished */
	uint8_t        psi_read;          /* psi_s is set */
	uint8_t        no_quota;          /* last quota read: none (-1) */
	uint8_t        split_known;       /* split_usage_ns is set */
	uint8_t        ms_known;          /* ms_cpu_ns and ms_mem are set */
	uint64_t       split_usage_ns;    /* usage when CGC_CPU_SPLIT read */
	uint64_t       ms_cpu_ns, ms_mem; /* usages when CGC_MEM_STAT read */
	uint32_t       reads;             /* cg_handle_read calls */
	uint32_t       phase;             /* staggers the slow reads */
	int64_t        psi_s;             /* when the PSI files were read */
	size_t         nfiles;
	struct cg_file files[];
};

static long fd_budget = 1024;
static struct cg_read_options read_opt = { CG_CPU_FILES_BOTH, 1, 0, 0 };
static uint32_t next_phase;
static long fd_open;                  /* sweep thread only */
static __thread char scratch[CG_READ_MAX];

const struct cgroup_ops *
cgroup_ops_for(const struct cg_layout_info *li)
{
	return li->layout == CG_LAYOUT_V2 ? &cgroup_v2_ops : &cgroup_v1_ops;
}

struct cgroup_handle *
cgroup_open(const struct cg_layout_info *li, const char *relpath)
{
	return cgroup_ops_for(li)->open(li, relpath);
}

enum cg_result
cgroup_read(struct cgroup_handle *h, struct sample *s, struct cg_errors *errs,
    int64_t now_s)
{
	return h->v->ops->read(h, s, errs, now_s);
}

void
cgroup_close(struct cgroup_handle *h)
{
	if (h != NULL)
		h->v->ops->close(h);
}

long
cgroup_set_fd_budget(long budget)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		if (want == RLIM_INFINITY || want > 1048576)
			want = 1048576;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				log_warn("setrlimit(RLIMIT_NOFILE, %lu)",
				    (unsigned long)want);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (budget <= 0) {
		long soft = rl.rlim_cur == RLIM_INFINITY ? 1048576 :
		    (long)rl.rlim_cur;
		budget = soft > 512 ? soft - 256 : soft / 2;
	}
	fd_budget = budget;
	return fd_budget;
}

void
cgroup_set_read_options(const struct cg_read_options *o)
{
	read_opt = *o;
	if (read_opt.slow_every == 0)
		read_opt.slow_every = 1;
}

/* Is file spec read at all under the cpu_files option? */
static int
spec_wanted(const struct cg_file_spec *spec)
{
	if (spec->cadence == CGC_USAGE)
		return read_opt.cpu_files != CG_CPU_FILES_PERCPU;
	if (spec->cadence == CGC_PERCPU)
		return read_opt.cpu_files != CG_CPU_FILES_USAGE;
	return 1;
}

/* Is file spec opened for each read rather than kept open? */
static int
spec_on_demand(const struct cg_file_spec *spec)
{
	return read_opt.slow_on_demand && (spec->cadence == CGC_SLOW ||
	    spec->cadence == CGC_QUOTA || spec->cadence == CGC_PSI);
}

long
cgroup_fds_open(void)
{
	return fd_open;
}

/* Build "DIR/NAME" into out; -1 if it does not fit. */
static int
file_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Controller c's directory of the container into out; -1 if it does not
 * fit. */
static int
handle_dir(const struct cgroup_handle *h, int c, char *out, size_t size)
{
	return file_path(out, size, h->li->mount[c], h->relpath);
}

/* "DIR/NAME" of file i into out; -1 if it does not fit. */
static int
handle_file(const struct cgroup_handle *h, size_t i, char *out, size_t size)
{
	const struct cg_file_spec *spec = &h->v->files[i];
	int n = snprintf(out, size, "%s/%s/%s", h->li->mount[spec->ctrl],
	    h->relpath, spec->name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

struct cgroup_handle *
cg_handle_open(const struct cg_version *v, const struct cg_layout_info *li,
    const char *relpath)
{
	struct cgroup_handle *h;
	char path[CG_PATH_MAX * 2];
	struct stat st;
	size_t i;
	int c;

	h = calloc(1, sizeof(*h) + v->nfiles * sizeof(h->files[0]));
	if (h == NULL)
		return NULL;
	h->v = v;
	h->li = li;
	h->nfiles = v->nfiles;
	h->main_ctrl = CG_NCTRL;
	h->phase = next_phase++;
	for (i = 0; i < v->nfiles; i++) {
		h->files[i].fd = -1;
		h->files[i].state = CGF_ABSENT;
	}
	if ((h->relpath = strdup(relpath)) == NULL)
		goto fail;
	for (i = 0; i < v->nfiles; i++) {
		c = v->files[i].ctrl;
		if (!(h->has_dir & (1u << c)) && li->mount[c][0] != '\0') {
			if (handle_dir(h, c, path, sizeof(path)) != 0 ||
			    stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
				continue;
			h->has_dir |= (uint8_t)(1u << c);
			if (h->main_ctrl == CG_NCTRL)
				h->main_ctrl = (uint8_t)c;
		}
		if (!(h->has_dir & (1u << c)) || !spec_wanted(&v->files[i]))
			continue;
		if (handle_file(h, i, path, sizeof(path)) != 0)
			continue;
		if (fd_open < fd_budget && !spec_on_demand(&v->files[i])) {
			h->files[i].fd = open(path, O_RDONLY | O_CLOEXEC);
			if (h->files[i].fd >= 0) {
				h->files[i].state = CGF_OPEN;
				fd_open++;
			}
		} else if (access(path, R_OK) == 0)
			h->files[i].state = CGF_ONDEMAND;
		/* Otherwise the file does not exist here (a kernel without
		 * that feature, or no swap accounting): not an error. */
	}
	if (h->main_ctrl == CG_NCTRL)
		goto fail;          /* the cgroup does not exist at all */
	return h;
fail:
	cg_handle_close(h);
	return NULL;
}

void
cg_handle_close(struct cgroup_handle *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nfiles; i++) {
		if (h->files[i].fd >= 0) {
			close(h->files[i].fd);
			fd_open--;
		}
		free(h->files[i].complain);
		free(h->files[i].last);
	}
	free(h->relpath);
	free(h);
}

/* Read one file whole into scratch; returns bytes or -1 (errno). */
static ssize_t
fetch(struct cgroup_handle *h, size_t i)
{
	struct cg_file *f = &h->files[i];
	char path[CG_PATH_MAX * 2];
	ssize_t n;
	int fd;

	if (f->state == CGF_OPEN) {
		do
			n = pread(f->fd, scratch, sizeof(scratch), 0);
		while (n < 0 && errno == EINTR);
	} else {
		if (handle_file(h, i, path, sizeof(path)) != 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		do
			n = read(fd, scratch, sizeof(scratch));
		while (n < 0 && errno == EINTR);
		close(fd);
	}
	if (n == (ssize_t)sizeof(scratch)) {
		errno = EFBIG;
		return -1;
	}
	return n;
}

/* The file's complain state, made on its first failure; NULL when out
 * of memory (the failure is still counted, only not logged). */
static struct complain *
file_complain(struct cg_file *f)
{
	if (f->complain == NULL)
		f->complain = calloc(1, sizeof(*f->complain));
	return f->complain;
}

static int
cgroup_gone(const struct cgroup_handle *h)
{
	char dir[CG_PATH_MAX * 2];
	struct stat st;

	return handle_dir(h, h->main_ctrl, dir, sizeof(dir)) == 0 &&
	    stat(dir, &st) != 0;
}

/* Keep the bytes just read of a CGC_SLOW or CGC_PSI file, to parse them
 * again on the reads that skip it.  Out of memory: read it next time. */
static void
keep_last(struct cg_file *f, size_t n)
{
	char *p;

	if (n > UINT16_MAX) {
		free(f->last);
		f->last = NULL;
		return;
	}
	if (f->last == NULL || f->last_len < n) {
		p = realloc(f->last, n > 0 ? n : 1);
		if (p == NULL) {
			free(f->last);
			f->last = NULL;
			return;
		}
		f->last = p;
	}
	memcpy(f->last, scratch, n);
	f->last_len = (uint16_t)n;
}

/* Read and parse file i.  CG_VANISHED, or CG_OK (errors counted and
 * complained about here). */
static enum cg_result
read_one(struct cgroup_handle *h, size_t i, struct sample *s,
    struct cg_errors *errs, int64_t now_s)
{
	const struct cg_file_spec *spec = &h->v->files[i];
	struct cg_file *f = &h->files[i];
	int (*parse)(const char *, size_t, struct sample *) = spec->parse;
	struct complain *cp;
	ssize_t n;

	if (spec->cadence == CGC_PERCPU && spec->parse_alone != NULL &&
	    read_opt.cpu_files == CG_CPU_FILES_PERCPU)
		parse = spec->parse_alone;
	n = fetch(h, i);
	if (n < 0) {
		int e = errno;
		/* ENODEV on a kept-open cgroup file means the group was
		 * removed (possibly one controller at a time, so the main
		 * directory may still be there). */
		if (e == ENODEV || (e == ENOENT && cgroup_gone(h)))
			return CG_VANISHED;
		errs->read++;
		if ((cp = file_complain(f)) != NULL)
			complain(cp, now_s, "%s/%s/%s: read: %s (metric "
			    "skipped; %llu times)", h->li->mount[spec->ctrl],
			    h->relpath, spec->name, strerror(e),
			    (unsigned long long)cp->count + 1);
		goto failed;
	}
	if (parse(scratch, (size_t)n, s) != 0) {
		if (n == 0 && cgroup_gone(h))
			return CG_VANISHED;
		errs->parse++;
		if ((cp = file_complain(f)) != NULL)
			complain(cp, now_s, "%s/%s/%s: unexpected format "
			    "(metric skipped; %llu times)",
			    h->li->mount[spec->ctrl], h->relpath, spec->name,
			    (unsigned long long)cp->count + 1);
		goto failed;
	}
	if (spec->cadence == CGC_SLOW || spec->cadence == CGC_PSI ||
	    spec->cadence == CGC_QUOTA || spec->cadence == CGC_THROTTLE ||
	    spec->cadence == CGC_CPU_SPLIT || spec->cadence == CGC_MEM_STAT)
		keep_last(f, (size_t)n);
	if (f->complain != NULL && f->complain->gap_s != 0)
		complain_recovered(f->complain, "%s/%s/%s: readable again",
		    h->li->mount[spec->ctrl], h->relpath, spec->name);
	return CG_OK;
failed:
	free(f->last);              /* no stale figure: read it next time */
	f->last = NULL;
	return CG_OK;
}

/* May file i be skipped on this read?  1: its last bytes are parsed
 * again (the sample stays complete); 2: nothing to do (what it would
 * give is already in the sample); 0: read it. */
static int
skip_file(const struct cgroup_handle *h, size_t i, const struct sample *s,
    int slow_now, int psi_now)
{
	const struct cg_file_spec *spec = &h->v->files[i];
	const struct cg_file *f = &h->files[i];

	switch (spec->cadence) {
	case CGC_SLOW:
	case CGC_QUOTA:
		return f->last != NULL && !slow_now;
	case CGC_PSI:
		return f->last != NULL && !psi_now;
	case CGC_THROTTLE:
		return f->last != NULL && !slow_now && h->no_quota;
	case CGC_BLKIO_OPS:
		/* The bytes file, read just before, listed no device. */
		return (s->have & HAVE_BLKIO) && s->blkio.ndev == 0 ? 2 : 0;
	case CGC_CPU_SPLIT:
		/* The usage, read just before, has not moved. */
		return f->last != NULL && !slow_now && h->split_known &&
		    (s->have & HAVE_CPU_USAGE) &&
		    s->cpu.usage_ns == h->split_usage_ns;
	case CGC_MEM_STAT:
		/* Neither usage, read just before, has moved. */
		return f->last != NULL && !slow_now && h->ms_known &&
		    (s->have & HAVE_CPU_USAGE) && (s->have & HAVE_MEM_USAGE) &&
		    s->cpu.usage_ns == h->ms_cpu_ns &&
		    s->mem.usage == h->ms_mem;
	default:
		return 0;
	}
}

/* File f of cadence cad was just read: remember the usages its figures
 * go with (skip_file compares them). */
static void
note_usage(struct cgroup_handle *h, uint8_t cad, const struct cg_file *f,
    const struct sample *s)
{
	if (cad == CGC_CPU_SPLIT) {
		h->split_known = f->last != NULL &&
		    (s->have & HAVE_CPU_USAGE);
		h->split_usage_ns = s->cpu.usage_ns;
	} else if (cad == CGC_MEM_STAT) {
		h->ms_known = f->last != NULL &&
		    (s->have & HAVE_CPU_USAGE) && (s->have & HAVE_MEM_USAGE);
		h->ms_cpu_ns = s->cpu.usage_ns;
		h->ms_mem = s->mem.usage;
	}
}

enum cg_result
cg_handle_read(struct cgroup_handle *h, struct sample *s,
    struct cg_errors *errs, int64_t now_s)
{
	const struct cg_version *v = h->v;
	int slow_now, psi_now, quota_ok = 0, skip;
	size_t i;

	slow_now = read_opt.slow_every <= 1 ||
	    (h->reads + h->phase) % read_opt.slow_every == 0;
	psi_now = read_opt.psi_period_s == 0 || !h->psi_read ||
	    now_s - h->psi_s >= (int64_t)read_opt.psi_period_s;
	if (psi_now) {
		h->psi_s = now_s;
		h->psi_read = 1;
	}
	h->reads++;
	s->have = 0;
	memset(&s->blkio, 0, sizeof(s->blkio));
	if (v->begin != NULL)
		v->begin(s);
	for (i = 0; i < h->nfiles; i++) {
		const struct cg_file_spec *spec = &v->files[i];
		struct cg_file *f = &h->files[i];

		if (f->state == CGF_ABSENT)
			continue;
		skip = skip_file(h, i, s, slow_now, psi_now);
		if (skip == 1)      /* parsed before: cannot fail now */
			(void)spec->parse(f->last, f->last_len, s);
		else if (skip == 0 &&
		    read_one(h, i, s, errs, now_s) == CG_VANISHED)
			return CG_VANISHED;
		if (skip == 0)
			note_usage(h, spec->cadence, f, s);
		if (spec->cadence == CGC_QUOTA && f->last != NULL)
			quota_ok = 1;
	}
	/* Known to have no quota: the throttling counters wait. */
	h->no_quota = (uint8_t)(quota_ok && s->cpu.quota_us < 0);
	if (v->finish != NULL)
		v->finish(s);
	return CG_OK;
}

/* Parse "1234\n5678\n" into pids. */
static int
read_procs(const char *dir, const char *sub, int *pids, int max)
{
	char path[CG_PATH_MAX * 2], buf[4096], *p, *nl;
	uint64_t v;
	ssize_t n;
	int k = 0, len;

	len = snprintf(path, sizeof(path), "%s%s/cgroup.procs", dir, sub);
	if (len < 0 || (size_t)len >= sizeof(path))
		return 0;
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (p = buf; k < max && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (parse_u64(p, &v) == 0 && v > 0 && v < (uint64_t)1 << 30)
			pids[k++] = (int)v;
	}
	return k;
}

int
cgroup_pids(struct cgroup_handle *h, int *pids, int max)
{
	char dir[CG_PATH_MAX * 2];
	int k;

	if (max <= 0 || handle_dir(h, h->main_ctrl, dir, sizeof(dir)) != 0)
		return 0;
	k = read_procs(dir, "", pids, max);
	if (k == 0)
		k = read_procs(dir, "/leaf", pids, max);
	return k;
}

int
cgroup_handle_fds(const struct cgroup_handle *h, int *fds, int max,
    int every_read)
{
	size_t i;
	int n = 0;

	for (i = 0; i < h->nfiles && n < max; i++) {
		uint8_t cad = h->v->files[i].cadence;
		if (h->files[i].state != CGF_OPEN || (every_read &&
		    (cad == CGC_SLOW || cad == CGC_PSI || cad == CGC_QUOTA)))
			continue;
		fds[n++] = h->files[i].fd;
	}
	return n;
}
