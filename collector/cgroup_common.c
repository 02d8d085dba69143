/*
 * cgroup_common.c — parsers for the files that cgroup v1 and v2 share in
 * format (a single number, "max", pressure), and the memory figure both
 * derive the same way.
 */
#include "collector/cgroup_impl.h"
#include "collector/cgroup_parse.h"

/* memory.usage_in_bytes (v1) / memory.current (v2): "8781824\n". */
int
cgroup_p_mem_usage(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->mem.usage, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_MEM_USAGE;
	return 0;
}

/* pids.current: "3\n". */
int
cgroup_p_pids_current(const char *b, size_t n, struct sample *s)
{
	if (cgp_u64(b, n, &s->pids.current, 0, NULL) != 0)
		return -1;
	s->have |= HAVE_PIDS;
	return 0;
}

/* pids.max: "64\n" or "max\n". */
int
cgroup_p_pids_max(const char *b, size_t n, struct sample *s)
{
	int is_max;

	if (cgp_u64(b, n, &s->pids.limit, 1, &is_max) != 0)
		return -1;
	if (!is_max)
		s->have |= HAVE_PIDS_LIMIT;
	return 0;
}

/* cpu.pressure, memory.pressure, io.pressure of the unified tree (v2,
 * and hybrid hosts whose unified tree has the container):
 *     some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *     full avg10=0.00 avg60=0.00 avg300=0.00 total=0          */
int
cgroup_p_cpu_pressure(const char *b, size_t n, struct sample *s)
{
	if (cgp_psi(b, n, &s->cpu.psi) != 0)
		return -1;
	s->have |= HAVE_CPU_PSI;
	return 0;
}

int
cgroup_p_mem_pressure(const char *b, size_t n, struct sample *s)
{
	if (cgp_psi(b, n, &s->mem.psi) != 0)
		return -1;
	s->have |= HAVE_MEM_PSI;
	return 0;
}

int
cgroup_p_io_pressure(const char *b, size_t n, struct sample *s)
{
	if (cgp_psi(b, n, &s->blkio.psi) != 0)
		return -1;
	s->have |= HAVE_IO_PSI;
	return 0;
}

void
cgroup_begin(struct sample *s)
{
	s->cpu.quota_us = -1;
	s->cpu.period_us = 0;
	s->cpu.npercpu = 0;
}

void
cgroup_finish_memory(struct sample *s)
{
	if (!(s->have & HAVE_MEM_USAGE))
		return;
	s->mem.working_set = s->mem.usage;
	if ((s->have & HAVE_MEM_STAT) && s->mem.inactive_file < s->mem.usage)
		s->mem.working_set = s->mem.usage - s->mem.inactive_file;
}
