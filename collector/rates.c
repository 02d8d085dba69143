/*
 * rates.c — see rates.h.
 */
#include <string.h>

#include "collector/rates.h"

uint64_t
rates_mem_limit(const struct sample *s, uint64_t host_mem_total)
{
	if ((s->have & HAVE_MEM_LIMIT) && s->mem.limit > 0 &&
	    (host_mem_total == 0 || s->mem.limit < host_mem_total))
		return s->mem.limit;
	return host_mem_total;
}

static double
per_second(uint64_t now, uint64_t before, double secs)
{
	return now >= before ? (double)(now - before) / secs : 0.0;
}

void
rates_remember(const struct sample *cur, struct sample_prev *prev)
{
	prev->valid = (cur->have & HAVE_CPU_USAGE) != 0;
	prev->mono_ns = cur->mono_ns;
	prev->host_cpu_ns = cur->host_cpu_ns;
	prev->cpu_usage_ns = cur->cpu.usage_ns;
	prev->net_rx = cur->net.total.rx_bytes;
	prev->net_tx = cur->net.total.tx_bytes;
	prev->blk_read = cur->blkio.total.read_bytes;
	prev->blk_write = cur->blkio.total.write_bytes;
}

void
rates_compute(const struct sample *cur, const struct sample_prev *prev,
    uint64_t host_mem_total, struct rates *out)
{
	uint64_t limit;
	double secs;

	memset(out, 0, sizeof(*out));
	if ((cur->have & HAVE_CPU_QUOTA) && cur->cpu.period_us > 0) {
		out->limit_cores = (double)cur->cpu.quota_us /
		    (double)cur->cpu.period_us;
		out->has_limit = out->limit_cores > 0;
	}
	limit = rates_mem_limit(cur, host_mem_total);
	if ((cur->have & HAVE_MEM_USAGE) && limit > 0)
		out->mem_percent = (double)cur->mem.working_set /
		    (double)limit * 100.0;
	if (!prev->valid || !(cur->have & HAVE_CPU_USAGE) ||
	    cur->mono_ns <= prev->mono_ns)
		return;
	if (cur->cpu.usage_ns < prev->cpu_usage_ns ||
	    cur->host_cpu_ns <= prev->host_cpu_ns)
		return;
	out->cpu_percent = (double)(cur->cpu.usage_ns - prev->cpu_usage_ns) /
	    (double)(cur->host_cpu_ns - prev->host_cpu_ns) *
	    (double)(cur->online_cpus ? cur->online_cpus : 1) * 100.0;
	if (out->has_limit)
		out->cpu_percent_of_limit = out->cpu_percent / out->limit_cores;
	secs = (double)(cur->mono_ns - prev->mono_ns) / 1e9;
	if (cur->have & HAVE_NET) {
		out->net_rx_bps = per_second(cur->net.total.rx_bytes,
		    prev->net_rx, secs);
		out->net_tx_bps = per_second(cur->net.total.tx_bytes,
		    prev->net_tx, secs);
	}
	if (cur->have & HAVE_BLKIO) {
		out->blk_read_bps = per_second(cur->blkio.total.read_bytes,
		    prev->blk_read, secs);
		out->blk_write_bps = per_second(cur->blkio.total.write_bytes,
		    prev->blk_write, secs);
	}
	out->valid = 1;
}
