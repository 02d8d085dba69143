/*
 * fuse_statfs.c — a tiny FUSE filesystem for tests (libfuse3): an empty
 * read-only root whose statfs answers 1000 blocks of 4096 bytes, 900
 * free, 800 available, 100 inodes, 50 free.  The test freezes it with
 * SIGSTOP: every request to the mount (statfs included) then blocks until
 * SIGCONT, as on an NFS mount whose server went away.
 *
 *   cc tests/integration/fuse_statfs.c $(pkg-config --cflags --libs fuse3) -o fs
 *   ./fs -f MOUNTPOINT &       # -f: stay in the foreground
 *   fusermount3 -u MOUNTPOINT
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static int
fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	return 0;
}

static int
fs_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = 4096;
	sv->f_frsize = 4096;
	sv->f_blocks = 1000;
	sv->f_bfree = 900;
	sv->f_bavail = 800;
	sv->f_files = 100;
	sv->f_ffree = 50;
	sv->f_namemax = 255;
	return 0;
}

static const struct fuse_operations fs_ops = {
	.getattr = fs_getattr,
	.statfs = fs_statfs,
};

int
main(int argc, char **argv)
{
	return fuse_main(argc, argv, &fs_ops, NULL);
}
