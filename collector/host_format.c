/*
 * host_format.c — a host sample as line protocol, with the measurement,
 * tag and field names of Telegraf's system inputs (cpu, mem, swap,
 * system, kernel, processes, disk, diskio, net), so dashboards built for
 * Telegraf read them unchanged.  Pure: see host.h.
 *
 * Field definitions follow Telegraf and the gopsutil library it reads
 * with; docs/host-metrics.md lists them.  Integers are written as
 * integers, percentages and loads as floats (with at most 6 decimals:
 * cheaper than the shortest round-trip form, and finer than any
 * dashboard shows).
 */
#include <stdio.h>
#include <string.h>

#include "collector/host.h"
#include "sinks/lp.h"

#define SECTOR_BYTES  512        /* /proc/diskstats counts 512-byte sectors */
#define SWAP_PAGE     4096       /* gopsutil's pswpin/pswpout multiplier */
#define PCT_DECIMALS  6

static const char *const cpu_fields[HCPU_NMODES] = {
	"usage_user", "usage_nice", "usage_system", "usage_idle",
	"usage_iowait", "usage_irq", "usage_softirq", "usage_steal",
	"usage_guest", "usage_guest_nice",
};

/* Telegraf's field order is alphabetical; InfluxDB does not mind ours. */
static int
cpu_point(struct buf *out, const char *host, const char *cpu,
    const struct host_cpu_ticks *prev, const struct host_cpu_ticks *cur,
    int64_t ts)
{
	double pct[HCPU_NMODES];
	struct lp p;
	int i;

	if (hostp_cpu_usage(prev, cur, pct) != 0)
		return 0;
	lp_begin(&p, out, "cpu");
	lp_tag(&p, "cpu", cpu);
	lp_tag(&p, "host", host);
	for (i = 0; i < HCPU_NMODES; i++)
		lp_field_fixed(&p, cpu_fields[i], pct[i], PCT_DECIMALS);
	return lp_end(&p, ts);
}

/* The previous sample's ticks of CPU `id`, or NULL (hot-plugged). */
static const struct host_cpu_ticks *
prev_cpu(const struct host_stat *prev, uint32_t i, int32_t id)
{
	uint32_t j;

	if (i < prev->ncpu && prev->cpu[i].id == id)
		return &prev->cpu[i];
	for (j = 0; j < prev->ncpu; j++)
		if (prev->cpu[j].id == id)
			return &prev->cpu[j];
	return NULL;
}

static int
fmt_cpu(const struct host_snapshot *s, const struct host_snapshot *prev,
    const char *host, int64_t ts, struct buf *out)
{
	const struct host_cpu_ticks *pc;
	char name[24];
	uint32_t i;
	int r, n;

	if (prev == NULL || !(prev->have & (1u << HF_CPU)))
		return 0;
	n = r = cpu_point(out, host, "cpu-total", &prev->stat.total,
	    &s->stat.total, ts);
	for (i = 0; i < s->stat.ncpu && r >= 0; i++) {
		pc = prev_cpu(&prev->stat, i, s->stat.cpu[i].id);
		if (pc == NULL)
			continue;
		snprintf(name, sizeof(name), "cpu%d", (int)s->stat.cpu[i].id);
		r = cpu_point(out, host, name, pc, &s->stat.cpu[i], ts);
		n += r;
	}
	return r < 0 ? -1 : n;
}

/* meminfo keys Telegraf's mem input writes besides the derived ones. */
static const struct {
	enum host_mem_key k;
	const char       *field;
} mem_fields[] = {
	{ HM_Active, "active" }, { HM_Inactive, "inactive" },
	{ HM_Slab, "slab" }, { HM_SReclaimable, "sreclaimable" },
	{ HM_SUnreclaim, "sunreclaim" }, { HM_Shmem, "shared" },
	{ HM_Dirty, "dirty" }, { HM_Writeback, "write_back" },
	{ HM_WritebackTmp, "write_back_tmp" }, { HM_Mapped, "mapped" },
	{ HM_PageTables, "page_tables" }, { HM_SwapCached, "swap_cached" },
	{ HM_SwapTotal, "swap_total" }, { HM_SwapFree, "swap_free" },
	{ HM_CommitLimit, "commit_limit" },
	{ HM_Committed_AS, "committed_as" },
	{ HM_VmallocTotal, "vmalloc_total" },
	{ HM_VmallocUsed, "vmalloc_used" },
	{ HM_VmallocChunk, "vmalloc_chunk" },
	{ HM_HugePages_Total, "huge_pages_total" },
	{ HM_HugePages_Free, "huge_pages_free" },
	{ HM_Hugepagesize, "huge_page_size" },
	{ HM_HighTotal, "high_total" }, { HM_HighFree, "high_free" },
	{ HM_LowTotal, "low_total" }, { HM_LowFree, "low_free" },
};

static int
fmt_mem(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	const struct host_mem *m = &s->mem;
	struct lp p;
	size_t i;

	lp_begin(&p, out, "mem");
	lp_tag(&p, "host", host);
	lp_field_u(&p, "total", m->total);
	lp_field_u(&p, "available", m->available);
	lp_field_u(&p, "used", m->used);
	lp_field_u(&p, "free", m->free);
	lp_field_u(&p, "cached", m->cached);
	lp_field_u(&p, "buffered", m->buffered);
	lp_field_fixed(&p, "used_percent", m->used_percent, PCT_DECIMALS);
	lp_field_fixed(&p, "available_percent", m->available_percent,
	    PCT_DECIMALS);
	for (i = 0; i < sizeof(mem_fields) / sizeof(mem_fields[0]); i++)
		if (s->mi.have & (1ull << mem_fields[i].k))
			lp_field_u(&p, mem_fields[i].field,
			    s->mi.v[mem_fields[i].k]);
	return lp_end(&p, ts);
}

static int
fmt_swap(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	uint64_t total = s->mi.v[HM_SwapTotal], free = s->mi.v[HM_SwapFree];
	uint64_t used = total > free ? total - free : 0;
	struct lp p;

	lp_begin(&p, out, "swap");
	lp_tag(&p, "host", host);
	lp_field_u(&p, "total", total);
	lp_field_u(&p, "used", used);
	lp_field_u(&p, "free", free);
	lp_field_fixed(&p, "used_percent", total > 0 ?
	    100.0 * (double)used / (double)total : 0, PCT_DECIMALS);
	lp_field_u(&p, "in", s->pswpin * SWAP_PAGE);
	lp_field_u(&p, "out", s->pswpout * SWAP_PAGE);
	return lp_end(&p, ts);
}

static int
fmt_system(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	struct lp p;

	lp_begin(&p, out, "system");
	lp_tag(&p, "host", host);
	lp_field_fixed(&p, "load1", s->load.load1, 2);
	lp_field_fixed(&p, "load5", s->load.load5, 2);
	lp_field_fixed(&p, "load15", s->load.load15, 2);
	lp_field_u(&p, "n_cpus", s->stat.ncpu_lines);
	lp_field_u(&p, "uptime", (uint64_t)s->uptime_s);
	return lp_end(&p, ts);
}

static int
fmt_kernel(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	struct lp p;

	lp_begin(&p, out, "kernel");
	lp_tag(&p, "host", host);
	lp_field_u(&p, "boot_time", s->stat.btime);
	lp_field_u(&p, "context_switches", s->stat.ctxt);
	lp_field_u(&p, "interrupts", s->stat.intr);
	lp_field_u(&p, "processes_forked", s->stat.forks);
	if (s->have_entropy)
		lp_field_u(&p, "entropy_avail", s->entropy_avail);
	return lp_end(&p, ts);
}

static int
fmt_processes(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	const struct host_procs *c = &s->procs;
	struct lp p;

	lp_begin(&p, out, "processes");
	lp_tag(&p, "host", host);
	lp_field_u(&p, "running", c->running);
	lp_field_u(&p, "sleeping", c->sleeping);
	lp_field_u(&p, "blocked", c->blocked);
	lp_field_u(&p, "zombies", c->zombies);
	lp_field_u(&p, "stopped", c->stopped);
	lp_field_u(&p, "dead", c->dead);
	lp_field_u(&p, "paging", c->paging);
	lp_field_u(&p, "idle", c->idle);
	lp_field_u(&p, "parked", c->parked);
	lp_field_u(&p, "unknown", c->unknown);
	lp_field_u(&p, "total", c->total);
	lp_field_u(&p, "total_threads", c->total_threads);
	return lp_end(&p, ts);
}

/* Telegraf's device tag: the mount source without "/dev/". */
static const char *
disk_device(const char *source)
{
	return strncmp(source, "/dev/", 5) == 0 ? source + 5 : source;
}

static int
fmt_disk(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	uint32_t i;
	int n = 0, r;

	for (i = 0; i < s->nfs; i++) {
		const struct host_fs *f = &s->fs[i];
		uint64_t used = f->r.size - f->r.free;
		uint64_t iused = f->r.files - f->r.files_free;
		struct lp p;

		if (f->r.free > f->r.size)
			used = 0;
		if (f->r.files_free > f->r.files)
			iused = 0;
		lp_begin(&p, out, "disk");
		lp_tag(&p, "device", disk_device(f->m.device));
		lp_tag(&p, "fstype", f->m.fstype);
		lp_tag(&p, "host", host);
		lp_tag(&p, "mode", f->m.ro ? "ro" : "rw");
		lp_tag(&p, "path", f->m.path);
		lp_field_u(&p, "total", f->r.size);
		lp_field_u(&p, "free", f->r.avail);
		lp_field_u(&p, "used", used);
		lp_field_fixed(&p, "used_percent", used + f->r.avail > 0 ?
		    100.0 * (double)used / (double)(used + f->r.avail) : 0,
		    PCT_DECIMALS);
		lp_field_u(&p, "inodes_total", f->r.files);
		lp_field_u(&p, "inodes_free", f->r.files_free);
		lp_field_u(&p, "inodes_used", iused);
		lp_field_fixed(&p, "inodes_used_percent", f->r.files > 0 ?
		    100.0 * (double)iused / (double)f->r.files : 0,
		    PCT_DECIMALS);
		if ((r = lp_end(&p, ts)) < 0)
			return -1;
		n += r;
	}
	return n;
}

static int
fmt_diskio(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	uint32_t i;
	int n = 0, r;

	for (i = 0; i < s->dio.n; i++) {
		const struct host_diskio *d = &s->dio.d[i];
		struct lp p;

		lp_begin(&p, out, "diskio");
		lp_tag(&p, "host", host);
		lp_tag(&p, "name", d->name);
		lp_field_u(&p, "reads", d->reads);
		lp_field_u(&p, "writes", d->writes);
		lp_field_u(&p, "read_bytes", d->sectors_read * SECTOR_BYTES);
		lp_field_u(&p, "write_bytes", d->sectors_written * SECTOR_BYTES);
		lp_field_u(&p, "read_time", d->read_ms);
		lp_field_u(&p, "write_time", d->write_ms);
		lp_field_u(&p, "io_time", d->io_ms);
		lp_field_u(&p, "weighted_io_time", d->weighted_ms);
		lp_field_u(&p, "iops_in_progress", d->in_progress);
		lp_field_u(&p, "merged_reads", d->reads_merged);
		lp_field_u(&p, "merged_writes", d->writes_merged);
		if ((r = lp_end(&p, ts)) < 0)
			return -1;
		n += r;
	}
	return n;
}

static int
fmt_net(const struct host_snapshot *s, const char *host, int64_t ts,
    struct buf *out)
{
	uint32_t i;
	int n = 0, r;

	for (i = 0; i < s->net.n; i++) {
		const struct host_netif *f = &s->net.i[i];
		struct lp p;

		lp_begin(&p, out, "net");
		lp_tag(&p, "host", host);
		lp_tag(&p, "interface", f->name);
		lp_field_u(&p, "bytes_sent", f->tx_bytes);
		lp_field_u(&p, "bytes_recv", f->rx_bytes);
		lp_field_u(&p, "packets_sent", f->tx_packets);
		lp_field_u(&p, "packets_recv", f->rx_packets);
		lp_field_u(&p, "err_in", f->rx_errs);
		lp_field_u(&p, "err_out", f->tx_errs);
		lp_field_u(&p, "drop_in", f->rx_drop);
		lp_field_u(&p, "drop_out", f->tx_drop);
		if ((r = lp_end(&p, ts)) < 0)
			return -1;
		n += r;
	}
	return n;
}

int
host_format(const struct host_snapshot *cur,
    const struct host_snapshot *prev, const char *host, int64_t ts_ns,
    struct buf *out)
{
	size_t start = out->len;
	int n = 0, r = 0;

#define ONE(fam, call) \
	if (r >= 0 && (cur->have & (1u << (fam)))) { \
		r = (call); \
		if (r >= 0) \
			n += r; \
	}
	ONE(HF_CPU, fmt_cpu(cur, prev, host, ts_ns, out));
	ONE(HF_MEM, fmt_mem(cur, host, ts_ns, out));
	ONE(HF_SWAP, fmt_swap(cur, host, ts_ns, out));
	ONE(HF_SYSTEM, fmt_system(cur, host, ts_ns, out));
	ONE(HF_KERNEL, fmt_kernel(cur, host, ts_ns, out));
	ONE(HF_PROCESSES, fmt_processes(cur, host, ts_ns, out));
	ONE(HF_DISK, fmt_disk(cur, host, ts_ns, out));
	ONE(HF_DISKIO, fmt_diskio(cur, host, ts_ns, out));
	ONE(HF_NET, fmt_net(cur, host, ts_ns, out));
#undef ONE
	if (r < 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return -1;
	}
	return n;
}
