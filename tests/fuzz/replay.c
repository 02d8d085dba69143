/*
 * replay.c — a main() for a libFuzzer harness built without libFuzzer.
 *
 * Linked with tests/fuzz/fuzz_<target>.c into replay_<target>, it feeds
 * LLVMFuzzerTestOneInput() every file of the target's corpus, one at a
 * time, each in a heap buffer of exactly its size (so ASan and valgrind
 * see a read past the end, as under libFuzzer).  The unit run starts it
 * with no arguments from the top folder: the corpus is then
 * tests/fuzz/corpus/<target>/, <target> taken from the program's name.
 * Arguments, when given, are files or folders to replay instead.
 *
 * A harness reports a broken property by aborting; a crash, a sanitizer
 * report or an abort fails the run.  An empty or missing corpus fails it
 * too: a replay of nothing would pass whatever the code does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_FILE_MAX (16u << 20)	/* larger inputs are a corpus mistake */

/* Reads path whole into a malloc'd buffer of exactly its size (the caller
 * frees it); returns -1 with a message on error. */
static int
read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	struct stat st;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > REPLAY_FILE_MAX) {
		fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
		    REPLAY_FILE_MAX);
		goto out;
	}
	p = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (p == NULL || fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(p);
		goto out;
	}
	*out = p;
	*len = (size_t)st.st_size;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}

static int
replay_file(const char *path)
{
	uint8_t *data;
	size_t len;

	if (read_all(path, &data, &len) != 0)
		return -1;
	(void)LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int
skip_entry(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Replays every regular file of folder dir in name order; adds the number
 * replayed to *count.  Returns -1 if the folder cannot be read. */
static int
replay_dir(const char *dir, unsigned *count)
{
	struct dirent **names;
	char path[4096];
	int n, i, rc = 0;

	n = scandir(dir, &names, skip_entry, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) >= sizeof(path) || replay_file(path) != 0)
			rc = -1;
		else
			(*count)++;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
replay_path(const char *path, unsigned *count)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, count);
	if (replay_file(path) != 0)
		return -1;
	(*count)++;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/'), *target;
	char corpus[512];
	unsigned count = 0;
	int i, rc = 0;

	name = name != NULL ? name + 1 : argv[0];
	target = strncmp(name, "replay_", 7) == 0 ? name + 7 : name;
	if (argc < 2) {
		if ((size_t)snprintf(corpus, sizeof(corpus),
		    "tests/fuzz/corpus/%s", target) >= sizeof(corpus))
			return 1;
		rc = replay_path(corpus, &count);
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) != 0)
			rc = -1;
	if (rc == 0 && count == 0) {
		fprintf(stderr, "replay %s: the corpus is empty\n", target);
		rc = -1;
	}
	printf("replay %s: %u inputs%s\n", target, count,
	    rc == 0 ? "" : ", FAILED");
	return rc == 0 ? 0 : 1;
}
