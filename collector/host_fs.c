/*
 * host_fs.c — see host_fs.h.
 *
 * Each worker owns everything it touches (its mutex, its job, its
 * results), so a worker left blocked in statvfs never touches the pool,
 * which may be gone when the call returns: it only sets its own `exited`
 * and, when the pool has let go of it (`orphan`), frees itself.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "collector/host_fs.h"

#define WORKER_STACK (128 * 1024)

struct worker {
	pthread_t       tid;
	pthread_mutex_t mu;
	pthread_cond_t  wake, done;
	uint64_t        job_gen, done_gen;
	uint32_t        n, cur;          /* paths in the job; the one in hand */
	int             busy;            /* inside statvfs(paths[cur]) */
	int             quit, abandoned, orphan, exited;
	char            paths[HOST_FS_MAX][HOST_PATH_MAX];
	struct host_fs_result res[HOST_FS_MAX];
};

struct host_fs_pool {
	struct worker *w;                        /* serving; NULL: none yet */
	struct worker *hung[HOST_FS_HUNG_MAX];   /* left blocked */
	char           hung_path[HOST_FS_HUNG_MAX][HOST_PATH_MAX];
	uint32_t       nhung;
};

static void
worker_destroy(struct worker *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w);
}

static void
stat_one(const char *path, struct host_fs_result *r)
{
	struct statvfs sv;
	uint64_t bs;

	memset(r, 0, sizeof(*r));
	if (statvfs(path, &sv) != 0) {
		r->err = errno;
		return;
	}
	bs = sv.f_frsize != 0 ? sv.f_frsize : sv.f_bsize;
	r->ok = 1;
	r->size = (uint64_t)sv.f_blocks * bs;
	r->free = (uint64_t)sv.f_bfree * bs;
	r->avail = (uint64_t)sv.f_bavail * bs;
	r->files = sv.f_files;
	r->files_free = sv.f_ffree;
}

/* Run one job; returns with w->mu held. 1 when the worker must end. */
static int
worker_run_job(struct worker *w)
{
	struct host_fs_result r;
	char path[HOST_PATH_MAX];
	uint64_t gen = w->job_gen;
	uint32_t i;

	for (i = 0; i < w->n; i++) {
		memcpy(path, w->paths[i], sizeof(path));
		w->cur = i;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);
		stat_one(path, &r);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		if (w->abandoned || w->quit)
			return 1;
		if (w->job_gen != gen)
			return 0;       /* a new job came in meanwhile: start it */
		w->res[i] = r;
	}
	w->done_gen = gen;
	pthread_cond_signal(&w->done);
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int orphan;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->job_gen == w->done_gen && !w->quit && !w->abandoned)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->quit || w->abandoned)
			break;
		if (worker_run_job(w))
			break;
	}
	w->exited = 1;
	orphan = w->orphan;
	pthread_mutex_unlock(&w->mu);
	if (orphan)
		worker_destroy(w);     /* detached: nobody else holds it */
	return NULL;
}

static struct worker *
worker_new(void)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	pthread_attr_t attr;
	sigset_t all, old;
	size_t stack = WORKER_STACK;
	int rc;

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* The deadline is CLOCK_MONOTONIC, as every clock of the sweep. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->done, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&attr);
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	/* Signals are the main loop's: the worker is born with them all
	 * blocked, so SIGTERM never lands on a thread stuck in statvfs. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->tid, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (rc == EINVAL)       /* the libraries' TLS wants a bigger stack */
		rc = pthread_create(&w->tid, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		worker_destroy(w);
		return NULL;
	}
	return w;
}

/* End a worker that is not blocked: wake it, join it, free it. */
static void
worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	worker_destroy(w);
}

/* Let go of a worker that may still be blocked: it frees itself. */
static void
worker_orphan(struct worker *w)
{
	pthread_t tid = w->tid;
	int exited;

	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	exited = w->exited;
	w->orphan = !exited;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	if (exited) {
		pthread_join(tid, NULL);
		worker_destroy(w);
	} else
		pthread_detach(tid);    /* w may be freed by now: not touched */
}

/* The serving worker at the end: joined when it is not inside a call,
 * orphaned when it is (a slow mount). */
static void
worker_retire(struct worker *w)
{
	int busy;

	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	pthread_mutex_unlock(&w->mu);
	if (busy)
		worker_orphan(w);
	else
		worker_stop(w);
}

struct host_fs_pool *
host_fs_new(void)
{
	return calloc(1, sizeof(struct host_fs_pool));
}

void
host_fs_free(struct host_fs_pool *p)
{
	uint32_t i;

	if (p == NULL)
		return;
	if (p->w != NULL)
		worker_retire(p->w);
	for (i = 0; i < p->nhung; i++)
		worker_orphan(p->hung[i]);
	free(p);
}

int
host_fs_reap(struct host_fs_pool *p, char (*paths)[HOST_PATH_MAX], int max)
{
	uint32_t i = 0;
	int n = 0;

	while (i < p->nhung) {
		struct worker *w = p->hung[i];
		int exited;

		pthread_mutex_lock(&w->mu);
		exited = w->exited;
		pthread_mutex_unlock(&w->mu);
		if (!exited) {
			i++;
			continue;
		}
		pthread_join(w->tid, NULL);
		worker_destroy(w);
		if (n < max)
			memcpy(paths[n], p->hung_path[i], sizeof(paths[0]));
		p->nhung--;
		p->hung[i] = p->hung[p->nhung];
		memcpy(p->hung_path[i], p->hung_path[p->nhung],
		    sizeof(p->hung_path[0]));
		n++;
	}
	return n;
}

int
host_fs_is_hung(struct host_fs_pool *p, const char *path)
{
	uint32_t i;

	for (i = 0; i < p->nhung; i++)
		if (strcmp(p->hung_path[i], path) == 0)
			return 1;
	return 0;
}

int
host_fs_begin(struct host_fs_pool *p, char (*paths)[HOST_PATH_MAX],
    uint32_t n)
{
	struct worker *w;

	if (n > HOST_FS_MAX)
		n = HOST_FS_MAX;
	if (p->w == NULL) {
		if (p->nhung >= HOST_FS_HUNG_MAX)
			return -1;
		p->w = worker_new();
		if (p->w == NULL)
			return -1;
	}
	w = p->w;
	pthread_mutex_lock(&w->mu);
	memcpy(w->paths, paths, n * sizeof(paths[0]));
	memset(w->res, 0, sizeof(w->res));
	w->n = n;
	w->job_gen++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
host_fs_end(struct host_fs_pool *p, int64_t deadline_ns,
    struct host_fs_result *res, int *hung)
{
	struct worker *w = p->w;
	struct timespec ts;
	uint32_t i, upto;
	int measured = 0;

	*hung = -1;
	if (w == NULL)
		return 0;
	ts.tv_sec = (time_t)(deadline_ns / 1000000000LL);
	ts.tv_nsec = (long)(deadline_ns % 1000000000LL);
	pthread_mutex_lock(&w->mu);
	while (w->done_gen != w->job_gen)
		if (pthread_cond_timedwait(&w->done, &w->mu, &ts) == ETIMEDOUT)
			break;
	upto = w->n;
	if (w->done_gen != w->job_gen) {
		/* Late: the results before the one in hand are final. */
		upto = w->cur;
		if (w->busy)
			*hung = (int)w->cur;
	}
	for (i = 0; i < w->n; i++) {
		res[i] = i < upto ? w->res[i] : (struct host_fs_result){ 0 };
		measured += res[i].ok;
	}
	if (*hung >= 0) {
		w->abandoned = 1;
		pthread_mutex_unlock(&w->mu);
		memcpy(p->hung_path[p->nhung], w->paths[*hung],
		    sizeof(p->hung_path[0]));
		p->hung[p->nhung++] = w;
		p->w = NULL;
		return measured;
	}
	/* Late but between two calls: it goes on, and the next begin's
	 * job replaces the rest of this one. */
	pthread_mutex_unlock(&w->mu);
	return measured;
}
