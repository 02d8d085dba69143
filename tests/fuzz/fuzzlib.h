/*
 * fuzzlib.h — small helpers shared by the harnesses in tests/fuzz/.
 * Header-only (static functions) so each harness stays one file that
 * builds with both clang (libFuzzer) and gcc (the replay in `make unit`).
 */
#ifndef HOIST_FUZZLIB_H
#define HOIST_FUZZLIB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The input as a NUL-terminated string in a malloc'd buffer of exactly
 * size + 1 bytes (the caller frees it); NULL when out of memory. */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/*
 * A file in memory holding data[0..size), for a parser that takes a path:
 * writes it to one memfd (made on the first call, reused) and puts
 * "/proc/self/fd/N" in path.  Returns 0, or -1 (the harness then skips
 * the input).
 */
static inline int
fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	static int fd = -1;

	if (fd < 0 && (fd = memfd_create("fuzz", MFD_CLOEXEC)) < 0)
		return -1;
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		return -1;
	if ((size_t)snprintf(path, pathlen, "/proc/self/fd/%d", fd) >= pathlen)
		return -1;
	return 0;
}

#endif
