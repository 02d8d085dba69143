/*
 * fixture.h — the one way a unit test finds and reads the files under
 * tests/fixtures/ (payloads from the Docker, Marathon, Mesos and InfluxDB
 * documentation, captured cgroup files, cgroup trees; each folder's
 * SOURCES.md says where they came from).
 *
 * The folder is $HOIST_FIXTURES when that is set (tests/run-unit.sh sets
 * it from its own place in the tree), else the absolute path the Makefile
 * compiled into fixture.o (HOIST_FIXTURES_DIR = $(CURDIR)/tests/fixtures).
 * So a test binary finds the same files whether it is run by `make unit`,
 * by hand from any folder, or under valgrind or ASan.  Nothing outside the
 * repository is ever read.
 *
 * Every function here fails the running cmocka test (fail_msg, naming the
 * path) instead of returning an error: a missing fixture is a broken
 * checkout, never a reason to skip a check.
 */
#ifndef HOIST_TESTS_FIXTURE_H
#define HOIST_TESTS_FIXTURE_H

#include <stddef.h>

/* Largest fixture fixture_read() accepts (the biggest today is ~60 KiB). */
#define FIXTURE_MAX (4u << 20)

/* The fixtures folder, without a trailing slash.  Borrowed: a static
 * string, valid for the whole run. */
const char *fixture_dir(void);

/* Write "<fixture_dir()>/<rel>" to buf (size bytes) and return buf.
 * rel is relative to tests/fixtures, e.g. "docker/containers_json_v1.41.json"
 * or "cgroup/v1"; rel "" gives the folder itself.  A path that does not fit
 * fails the test.  The file need not exist (tests probe missing paths). */
char *fixture_path(char *buf, size_t size, const char *rel);

/* Read tests/fixtures/<rel> whole: a malloc'ed, NUL-terminated copy that
 * the caller frees; *len (if not NULL) gets its length without the NUL.
 * A missing, unreadable or larger than FIXTURE_MAX file fails the test. */
char *fixture_read(const char *rel, size_t *len);

#endif
