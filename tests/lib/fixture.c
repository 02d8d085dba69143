/*
 * fixture.c — find and read tests/fixtures/ for the unit tests (see
 * fixture.h for where the folder comes from).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/util.h"
#include "tests/lib/fixture.h"

/* Set by the Makefile for this one object file, to the absolute path of the
 * tree's tests/fixtures.  Only test binaries carry it; nothing installed
 * does.  The relative fallback serves a build that did not pass it, run
 * from the top folder. */
#ifndef HOIST_FIXTURES_DIR
#define HOIST_FIXTURES_DIR "tests/fixtures"
#endif

const char *
fixture_dir(void)
{
	static const char *dir;
	const char *env;
	struct stat st;

	if (dir != NULL)
		return dir;
	env = getenv("HOIST_FIXTURES");
	dir = env != NULL && env[0] != '\0' ? env : HOIST_FIXTURES_DIR;
	/* A wrong folder would make every fixture "missing"; say once why. */
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("fixtures folder %s (%s): %s", dir,
		    env != NULL && env[0] != '\0' ? "$HOIST_FIXTURES" :
		    "compiled in", stat(dir, &st) != 0 ? strerror(errno) :
		    "not a directory");
	return dir;
}

char *
fixture_path(char *buf, size_t size, const char *rel)
{
	int n;

	if (rel[0] == '\0')
		n = snprintf(buf, size, "%s", fixture_dir());
	else
		n = snprintf(buf, size, "%s/%s", fixture_dir(), rel);
	if (n < 0 || (size_t)n >= size)
		fail_msg("fixture path %s/%s longer than %zu bytes",
		    fixture_dir(), rel, size);
	return buf;
}

char *
fixture_read(const char *rel, size_t *len)
{
	char path[4096];
	char *data = NULL;
	size_t n = 0;

	fixture_path(path, sizeof(path), rel);
	if (read_file(path, FIXTURE_MAX, &data, &n) != 0)
		fail_msg("cannot read fixture %s: %s", path, strerror(errno));
	if (len != NULL)
		*len = n;
	return data;
}
