/*
 * host_fs.h — statvfs(2) of the mounted filesystems, off the sweep's
 * thread, with a deadline.
 *
 * statvfs on a mount whose server is gone (a dead NFS server, a FUSE
 * daemon that stopped answering) blocks, uninterruptibly, for as long as
 * the server stays away.  The sweep must not: it hands the list of mount
 * points to a worker thread at the start of the host sample
 * (host_fs_begin), reads its /proc files meanwhile, and takes what the
 * worker has by the deadline (host_fs_end).  A mount the worker is still
 * blocked on at the deadline is "hung": that worker is left to it (it
 * ends on its own when the call returns) and a new worker serves the next
 * sweeps, which skip the hung mount until its call has returned.  At most
 * HOST_FS_HUNG_MAX workers may be left blocked; past that the disk family
 * is skipped (host_fs_begin returns -1) until one comes back.
 *
 * One owner (the sweep's thread); not thread-safe per pool.
 */
#ifndef HOST_FS_H
#define HOST_FS_H

#include <stdint.h>

#include "collector/host_parse.h"

#define HOST_FS_MAX       64    /* mounts measured per sweep */
#define HOST_FS_HUNG_MAX  8     /* workers left blocked on a hung mount */

struct host_fs_result {
	int      ok;                /* statvfs returned 0 */
	int      err;               /* its errno otherwise */
	uint64_t size, free, avail; /* bytes: blocks, bfree, bavail * frsize */
	uint64_t files, files_free;
};

struct host_fs_pool;

/* host_fs.c */
struct host_fs_pool *host_fs_new(void);
/* Free the pool; workers still blocked are detached and free themselves
 * when their call returns.  NULL is a no-op. */
void host_fs_free(struct host_fs_pool *p);
/*
 * Start statvfs of paths[0..n) (copied; n <= HOST_FS_MAX).  Returns 0, or
 * -1 when no worker could be had (thread creation failed, or too many
 * left blocked); then host_fs_end reports nothing measured.
 */
int  host_fs_begin(struct host_fs_pool *p, char (*paths)[HOST_PATH_MAX],
	uint32_t n);
/*
 * Wait until the worker is done or until deadline_ns (CLOCK_MONOTONIC),
 * then fill res[0..n) (res[i].ok == 0 for a path not measured).  *hung
 * gets the index of the path the worker was blocked on at the deadline,
 * or -1.  Returns the number of paths measured.
 */
int  host_fs_end(struct host_fs_pool *p, int64_t deadline_ns,
	struct host_fs_result *res, int *hung);
/* 1 when a worker is still blocked on `path` (skip it). */
int  host_fs_is_hung(struct host_fs_pool *p, const char *path);
/* Reap the workers whose blocked call has returned; the number reaped.
 * The paths they were blocked on go to paths[0..max) (copied). */
int  host_fs_reap(struct host_fs_pool *p, char (*paths)[HOST_PATH_MAX],
	int max);

#endif
