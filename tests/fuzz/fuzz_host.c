/*
 * fuzz_host.c — libFuzzer harness for every host-metrics parser
 * (collector/host_parse.c): /proc/stat, meminfo, zoneinfo, vmstat,
 * loadavg, uptime, diskstats, net/dev, mountinfo, /proc/<pid>/stat and
 * the glob lists, then the arithmetic on what parsed (CPU percentages,
 * the mem figures).  Every parser sees the whole input.
 *
 * Seeds: tests/fuzz/corpus/host/ (the files of tests/fixtures/proc/ and a
 * glob list).  `make fuzz-smoke FUZZ_TARGETS=host` runs it with libFuzzer;
 * the unit run replays the corpus through it (docs/fuzzing.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/host_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_mounts(const char *s, size_t size)
{
	struct host_mount m;
	size_t pos = 0;
	int r, guard = 0;

	while ((r = hostp_mountinfo_next(s, size, &pos, &m)) != 0 &&
	    guard++ < 100000)
		if (r == 1 && (strlen(m.path) >= sizeof(m.path) ||
		    strlen(m.fstype) >= sizeof(m.fstype)))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct host_stat st, st2;
	static struct host_diskstats ds;
	static struct host_netdev nd;
	const char *s = (const char *)data;
	struct host_meminfo mi;
	struct host_mem mem;
	struct host_load load;
	struct host_globs g;
	double pct[HCPU_NMODES], up;
	uint64_t a, b, threads;
	char state, *text;

	if (hostp_stat(s, size, &st) == 0 &&
	    st.total.t[HCPU_IDLE] < UINT64_MAX) {
		st2 = st;
		st2.total.t[HCPU_IDLE] += 1;
		if (hostp_cpu_usage(&st.total, &st2.total, pct) != 0)
			abort();          /* one tick went by: must give figures */
	}
	if (hostp_meminfo(s, size, &mi) == 0) {
		hostp_mem_derive(&mi, 0, 0, &mem);
		hostp_mem_derive(&mi, UINT64_MAX / 2, 1, &mem);
	}
	hostp_zoneinfo_low(s, size, &a);
	hostp_vmstat_swap(s, size, &a, &b);
	hostp_loadavg(s, size, &load);
	hostp_uptime(s, size, &up);
	if (hostp_diskstats(s, size, &ds) == 0 && ds.n > HOST_DISK_MAX)
		abort();
	if (hostp_netdev(s, size, &nd) == 0 && nd.n > HOST_NET_MAX)
		abort();
	fuzz_mounts(s, size);
	hostp_pid_stat(s, size, &state, &threads);
	/* The glob lists take a C string. */
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (hostp_globs_parse(text, &g) == 0)
		hostp_globs_match(&g, "eth0");
	free(text);
	return 0;
}
