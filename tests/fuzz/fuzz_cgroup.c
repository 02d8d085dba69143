/*
 * fuzz_cgroup.c — libFuzzer harness for the files the collector reads
 * from cgroupfs and /proc: every per-file parser of the cgroup v1 and v2
 * tables (cpu.stat, memory.stat, io.stat, blkio.*, *.pressure, pids.*,
 * cpu.max ...), /proc/<pid>/net/dev, /proc/stat, one line of
 * /proc/self/mountinfo, and the classification of a cgroup path found by
 * discovery.
 *
 * Input: the file's name, a newline, then its bytes, e.g.
 *     "memory.stat\ncache 1234\nrss 5678\n"
 * A name of a cgroup file feeds the parsers that read a file of that name
 * (in both versions); "stat" is /proc/stat, "dev" /proc/<pid>/net/dev,
 * "mountinfo" a mountinfo line, "relpath" a path under the cgroup root.
 * Any other name feeds the bytes to every parser.  The bytes are passed
 * in a buffer of exactly their length, without a NUL, as the collector
 * passes what read(2) returned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/cgroup_impl.h"
#include "collector/cgroup_parse.h"
#include "collector/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_version(const struct cg_version *v, const char *name, const char *b,
    size_t n)
{
	struct sample s;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (v->begin != NULL)
		v->begin(&s);
	for (i = 0; i < v->nfiles; i++)
		if (name == NULL || strcmp(v->files[i].name, name) == 0) {
			(void)v->files[i].parse(b, n, &s);
			/* cpuacct.usage_percpu read alone (its sum). */
			if (v->files[i].parse_alone != NULL)
				(void)v->files[i].parse_alone(b, n, &s);
		}
	if (v->finish != NULL)
		v->finish(&s);
}

/* The collector's default filter: all but lo (and the name must be a
 * NUL-terminated interface name shorter than NET_IF_NAME_MAX). */
static int
fuzz_not_lo(void *arg, const char *name)
{
	(void)arg;
	if (strlen(name) >= NET_IF_NAME_MAX)
		abort();
	return strcmp(name, "lo") != 0;
}

static void
run_proc(const char *name, const char *b, size_t n)
{
	struct net_stats net;
	uint64_t total;
	uint32_t ncpu;

	if (name == NULL || strcmp(name, "stat") == 0) {
		(void)cgp_proc_stat(b, n, 100, &total, &ncpu);
		(void)cgp_proc_stat(b, n, 1000, &total, &ncpu);
	}
	if (name == NULL || strcmp(name, "dev") == 0) {
		struct net_stats all;
		int r = cgp_net_dev(b, n, &all);

		/* Filtering never turns an error into a success or back. */
		if (cgp_net_dev_filtered(b, n, &net, fuzz_not_lo, NULL) != r)
			abort();
		if (r == 0 && net.nif > all.nif)
			abort();
	}
}

/* The NUL-terminated forms: a mountinfo line and a discovered path. */
static void
run_strings(const char *name, const char *b, size_t n)
{
	struct cg_layout_info li;
	struct discovered d;
	char *line = malloc(n + 1);

	if (line == NULL)
		return;
	memcpy(line, b, n);
	line[n] = '\0';
	if (name == NULL || strcmp(name, "relpath") == 0)
		(void)discover_classify(line, &d);
	if (name == NULL || strcmp(name, "mountinfo") == 0) {
		memset(&li, 0, sizeof(li));
		cgroup_mountinfo_line(line, &li);
	}
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
	char name[64], *body;
	const char *want = NULL;
	size_t n;

	if (nl != NULL) {
		memcpy(name, data, (size_t)(nl - data));
		name[nl - data] = '\0';
		want = name;
		n = size - (size_t)(nl - data) - 1;
		data = nl + 1;
	} else
		n = size;
	body = malloc(n > 0 ? n : 1);
	if (body == NULL)
		return 0;
	memcpy(body, data, n);
	if (want != NULL) {
		/* An unknown name feeds every parser. */
		size_t i, known = !strcmp(want, "stat") || !strcmp(want, "dev") ||
		    !strcmp(want, "mountinfo") || !strcmp(want, "relpath");

		for (i = 0; i < cgroup_v1_version->nfiles; i++)
			known |= !strcmp(cgroup_v1_version->files[i].name, want);
		for (i = 0; i < cgroup_v2_version->nfiles; i++)
			known |= !strcmp(cgroup_v2_version->files[i].name, want);
		if (!known)
			want = NULL;
	}
	run_version(cgroup_v1_version, want, body, n);
	run_version(cgroup_v2_version, want, body, n);
	run_proc(want, body, n);
	run_strings(want, body, n);
	free(body);
	return 0;
}
