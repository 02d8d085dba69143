/*
 * tests/lib/rmtree.h — remove a test's temporary folder and everything
 * in it (a state dir holds rules/ and state/ folders).  Header-only, for
 * the unit tests and the fuzz harnesses alike.
 */
#ifndef HOIST_TESTS_RMTREE_H
#define HOIST_TESTS_RMTREE_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int
rmtree_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Remove dir and its contents; errors are ignored (a teardown). */
static inline void
rmtree(const char *dir)
{
	nftw(dir, rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
