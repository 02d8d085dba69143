/*
 * host_prom.c — a host sample as Prometheus text exposition under
 * node_exporter's metric names, types and labels (its cpu, meminfo,
 * vmstat, loadavg, stat, entropy, processes, filesystem, diskstats and
 * netdev collectors), so node dashboards and alerts work on
 * hoist-collector's /metrics.  Pure: see host.h.
 *
 * Counters are in seconds and bytes as node_exporter writes them: CPU
 * ticks / USER_HZ, diskstats milliseconds / 1000, sectors * 512.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collector/host.h"
#include "collector/jsonw.h"
#include "collector/prom.h"

#define SECTOR_BYTES 512

static int
header(struct buf *out, const char *name, const char *type, const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* name{k1="v1",k2="v2"} value — k2 may be NULL; no labels when k1 is. */
static int
series(struct buf *out, const char *name, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *k3, const char *v3,
    const char *num)
{
	if (buf_puts(out, name) != 0)
		return -1;
	if (k1 != NULL) {
		if (buf_printf(out, "{%s=\"", k1) != 0 ||
		    prom_escape_label(out, v1) != 0 || buf_putc(out, '"') != 0)
			return -1;
		if (k2 != NULL && (buf_printf(out, ",%s=\"", k2) != 0 ||
		    prom_escape_label(out, v2) != 0 || buf_putc(out, '"') != 0))
			return -1;
		if (k3 != NULL && (buf_printf(out, ",%s=\"", k3) != 0 ||
		    prom_escape_label(out, v3) != 0 || buf_putc(out, '"') != 0))
			return -1;
		if (buf_putc(out, '}') != 0)
			return -1;
	}
	return buf_printf(out, " %s\n", num);
}

static void
fmt_u(char *num, size_t size, uint64_t v)
{
	snprintf(num, size, "%" PRIu64, v);
}

static void
fmt_d(char *num, size_t size, double v)
{
	jsonw_fmt_double(num, size, v);
}

/* A family with one unlabelled series. */
static int
single(struct buf *out, const char *name, const char *type, const char *help,
    const char *num)
{
	if (header(out, name, type, help) != 0)
		return -1;
	return series(out, name, NULL, NULL, NULL, NULL, NULL, NULL, num);
}

static const char *const cpu_modes[HCPU_GUEST] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

static int
prom_cpu(const struct host_snapshot *s, struct buf *out)
{
	char num[JSONW_DOUBLE_MAX], id[16];
	double hz = s->user_hz > 0 ? (double)s->user_hz : 100;
	uint32_t i;
	int m;

	if (header(out, "node_cpu_seconds_total", "counter",
	    "Seconds the CPUs spent in each mode.") != 0)
		return -1;
	for (i = 0; i < s->stat.ncpu; i++) {
		snprintf(id, sizeof(id), "%d", (int)s->stat.cpu[i].id);
		for (m = 0; m < HCPU_GUEST; m++) {
			fmt_d(num, sizeof(num), (double)s->stat.cpu[i].t[m] / hz);
			if (series(out, "node_cpu_seconds_total", "cpu", id,
			    "mode", cpu_modes[m], NULL, NULL, num) != 0)
				return -1;
		}
	}
	if (header(out, "node_cpu_guest_seconds_total", "counter",
	    "Seconds the CPUs spent in guests (VMs) for each mode.") != 0)
		return -1;
	for (i = 0; i < s->stat.ncpu; i++) {
		snprintf(id, sizeof(id), "%d", (int)s->stat.cpu[i].id);
		for (m = HCPU_GUEST; m < HCPU_NMODES; m++) {
			fmt_d(num, sizeof(num), (double)s->stat.cpu[i].t[m] / hz);
			if (series(out, "node_cpu_guest_seconds_total", "cpu", id,
			    "mode", m == HCPU_GUEST ? "user" : "nice", NULL,
			    NULL, num) != 0)
				return -1;
		}
	}
	return 0;
}

static int
prom_kernel(const struct host_snapshot *s, struct buf *out)
{
	char num[JSONW_DOUBLE_MAX];

#define U(name, type, help, v) \
	fmt_u(num, sizeof(num), (v)); \
	if (single(out, name, type, help, num) != 0) \
		return -1
	U("node_boot_time_seconds", "gauge", "Node boot time, in unixtime.",
	    s->stat.btime);
	U("node_context_switches_total", "counter",
	    "Total number of context switches.", s->stat.ctxt);
	U("node_intr_total", "counter", "Total number of interrupts serviced.",
	    s->stat.intr);
	U("node_forks_total", "counter", "Total number of forks.",
	    s->stat.forks);
	if (s->stat.have & HSTAT_PROCS) {
		U("node_procs_running", "gauge",
		    "Number of processes in runnable state.",
		    s->stat.procs_running);
		U("node_procs_blocked", "gauge",
		    "Number of processes blocked waiting for I/O to complete.",
		    s->stat.procs_blocked);
	}
	if (s->have_entropy) {
		U("node_entropy_available_bits", "gauge",
		    "Bits of available entropy.", s->entropy_avail);
	}
#undef U
	return 0;
}

static int
prom_mem(const struct host_snapshot *s, struct buf *out)
{
	char name[96], help[128], num[JSONW_DOUBLE_MAX];
	int k;

	for (k = 0; k < HM_NKEYS; k++) {
		if (!(s->mi.have & (1ull << k)))
			continue;
		snprintf(name, sizeof(name), "node_memory_%s%s",
		    hostp_mem_node_name((enum host_mem_key)k),
		    hostp_mem_key_is_bytes((enum host_mem_key)k) ? "_bytes" : "");
		snprintf(help, sizeof(help), "Memory information field %s.",
		    name + 12);
		fmt_u(num, sizeof(num), s->mi.v[k]);
		if (single(out, name, "gauge", help, num) != 0)
			return -1;
	}
	if (s->have & (1u << HF_SWAP)) {
		fmt_u(num, sizeof(num), s->pswpin);
		if (single(out, "node_vmstat_pswpin", "untyped",
		    "/proc/vmstat information field pswpin.", num) != 0)
			return -1;
		fmt_u(num, sizeof(num), s->pswpout);
		if (single(out, "node_vmstat_pswpout", "untyped",
		    "/proc/vmstat information field pswpout.", num) != 0)
			return -1;
	}
	return 0;
}

static int
prom_load(const struct host_snapshot *s, struct buf *out)
{
	char num[JSONW_DOUBLE_MAX];

	fmt_d(num, sizeof(num), s->load.load1);
	if (single(out, "node_load1", "gauge", "1m load average.", num) != 0)
		return -1;
	fmt_d(num, sizeof(num), s->load.load5);
	if (single(out, "node_load5", "gauge", "5m load average.", num) != 0)
		return -1;
	fmt_d(num, sizeof(num), s->load.load15);
	return single(out, "node_load15", "gauge", "15m load average.", num);
}

static int
prom_procs(const struct host_snapshot *s, struct buf *out)
{
	static const struct {
		const char *state;
		size_t      off;
	} st[] = {
		{ "D", offsetof(struct host_procs, blocked) },
		{ "I", offsetof(struct host_procs, idle) },
		{ "R", offsetof(struct host_procs, running) },
		{ "S", offsetof(struct host_procs, sleeping) },
		{ "T", offsetof(struct host_procs, stopped) },
		{ "W", offsetof(struct host_procs, paging) },
		{ "X", offsetof(struct host_procs, dead) },
		{ "Z", offsetof(struct host_procs, zombies) },
	};
	char num[JSONW_DOUBLE_MAX];
	uint64_t v;
	size_t i;

	if (header(out, "node_processes_state", "gauge",
	    "Number of processes in each state.") != 0)
		return -1;
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		memcpy(&v, (const char *)&s->procs + st[i].off, sizeof(v));
		fmt_u(num, sizeof(num), v);
		if (series(out, "node_processes_state", "state", st[i].state,
		    NULL, NULL, NULL, NULL, num) != 0)
			return -1;
	}
	fmt_u(num, sizeof(num), s->procs.total_threads);
	if (single(out, "node_processes_threads", "gauge",
	    "Allocated threads in system", num) != 0)
		return -1;
	fmt_u(num, sizeof(num), s->procs.total);
	return single(out, "node_processes_pids", "gauge", "Number of PIDs",
	    num);
}

/* Per-mount, per-device and per-interface families: one table each. */
struct dev_family {
	const char *name, *type, *help;
	size_t      off;      /* a uint64_t in the per-item struct */
	double      div;      /* 0: the integer; else divide (ms -> s) */
	uint64_t    mul;      /* 0: as is; else multiply (sectors -> bytes) */
};

#define R(f) offsetof(struct host_fs_result, f)
static const struct dev_family fs_families[] = {
	{ "node_filesystem_size_bytes", "gauge",
	  "Filesystem size in bytes.", R(size), 0, 0 },
	{ "node_filesystem_free_bytes", "gauge",
	  "Filesystem free space in bytes.", R(free), 0, 0 },
	{ "node_filesystem_avail_bytes", "gauge",
	  "Filesystem space available to non-root users in bytes.",
	  R(avail), 0, 0 },
	{ "node_filesystem_files", "gauge",
	  "Filesystem total file nodes.", R(files), 0, 0 },
	{ "node_filesystem_files_free", "gauge",
	  "Filesystem total free file nodes.", R(files_free), 0, 0 },
};
#undef R

#define D(f) offsetof(struct host_diskio, f)
static const struct dev_family disk_families[] = {
	{ "node_disk_reads_completed_total", "counter",
	  "The total number of reads completed successfully.", D(reads), 0, 0 },
	{ "node_disk_reads_merged_total", "counter",
	  "The total number of reads merged.", D(reads_merged), 0, 0 },
	{ "node_disk_read_bytes_total", "counter",
	  "The total number of bytes read successfully.", D(sectors_read), 0,
	  SECTOR_BYTES },
	{ "node_disk_read_time_seconds_total", "counter",
	  "The total number of seconds spent by all reads.", D(read_ms), 1000,
	  0 },
	{ "node_disk_writes_completed_total", "counter",
	  "The total number of writes completed successfully.", D(writes), 0,
	  0 },
	{ "node_disk_writes_merged_total", "counter",
	  "The number of writes merged.", D(writes_merged), 0, 0 },
	{ "node_disk_written_bytes_total", "counter",
	  "The total number of bytes written successfully.",
	  D(sectors_written), 0, SECTOR_BYTES },
	{ "node_disk_write_time_seconds_total", "counter",
	  "This is the total number of seconds spent by all writes.",
	  D(write_ms), 1000, 0 },
	{ "node_disk_io_now", "gauge",
	  "The number of I/Os currently in progress.", D(in_progress), 0, 0 },
	{ "node_disk_io_time_seconds_total", "counter",
	  "Total seconds spent doing I/Os.", D(io_ms), 1000, 0 },
	{ "node_disk_io_time_weighted_seconds_total", "counter",
	  "The weighted # of seconds spent doing I/Os.", D(weighted_ms), 1000,
	  0 },
};
#undef D

#define N(f) offsetof(struct host_netif, f)
#define NET(dir, what, f) { "node_network_" dir "_" what "_total", "counter", \
	"Network device statistic " dir "_" what ".", N(f), 0, 0 }
static const struct dev_family net_families[] = {
	NET("receive", "bytes", rx_bytes), NET("receive", "packets", rx_packets),
	NET("receive", "errs", rx_errs), NET("receive", "drop", rx_drop),
	NET("receive", "fifo", rx_fifo), NET("receive", "frame", rx_frame),
	NET("receive", "compressed", rx_compressed),
	NET("receive", "multicast", rx_multicast),
	NET("transmit", "bytes", tx_bytes),
	NET("transmit", "packets", tx_packets),
	NET("transmit", "errs", tx_errs), NET("transmit", "drop", tx_drop),
	NET("transmit", "fifo", tx_fifo), NET("transmit", "colls", tx_colls),
	NET("transmit", "carrier", tx_carrier),
	NET("transmit", "compressed", tx_compressed),
};
#undef NET
#undef N

static void
dev_value(const struct dev_family *f, const void *item, char *num,
    size_t size)
{
	uint64_t v;

	memcpy(&v, (const char *)item + f->off, sizeof(v));
	if (f->div != 0)
		fmt_d(num, size, (double)v / f->div);
	else
		fmt_u(num, size, f->mul != 0 ? v * f->mul : v);
}

static int
prom_fs(const struct host_snapshot *s, struct buf *out)
{
	char num[JSONW_DOUBLE_MAX];
	size_t k;
	uint32_t i;

	for (k = 0; k < sizeof(fs_families) / sizeof(fs_families[0]); k++) {
		const struct dev_family *f = &fs_families[k];

		if (header(out, f->name, f->type, f->help) != 0)
			return -1;
		for (i = 0; i < s->nfs; i++) {
			dev_value(f, &s->fs[i].r, num, sizeof(num));
			if (series(out, f->name, "device", s->fs[i].m.device,
			    "fstype", s->fs[i].m.fstype, "mountpoint",
			    s->fs[i].m.path, num) != 0)
				return -1;
		}
	}
	if (header(out, "node_filesystem_readonly", "gauge",
	    "Filesystem read-only status.") != 0)
		return -1;
	for (i = 0; i < s->nfs; i++)
		if (series(out, "node_filesystem_readonly", "device",
		    s->fs[i].m.device, "fstype", s->fs[i].m.fstype,
		    "mountpoint", s->fs[i].m.path, s->fs[i].m.ro ? "1" : "0"))
			return -1;
	return 0;
}

static int
prom_devices(const struct dev_family *fams, size_t nfams, const void *items,
    size_t size, uint32_t n, struct buf *out)
{
	char num[JSONW_DOUBLE_MAX];
	size_t k;
	uint32_t i;

	for (k = 0; k < nfams; k++) {
		if (header(out, fams[k].name, fams[k].type, fams[k].help) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			const char *item = (const char *)items + i * size;

			/* The name is the first member of both structs. */
			dev_value(&fams[k], item, num, sizeof(num));
			if (series(out, fams[k].name, "device", item, NULL,
			    NULL, NULL, NULL, num) != 0)
				return -1;
		}
	}
	return 0;
}

/* node_time_seconds and node_uname_info: what node dashboards key on. */
static int
prom_node(const struct host_snapshot *s, struct buf *out)
{
	const struct host_uname *u = s->uname;
	char num[JSONW_DOUBLE_MAX];

	fmt_d(num, sizeof(num), (double)s->real_ns / 1e9);
	if (single(out, "node_time_seconds", "gauge",
	    "System time in seconds since epoch (1970).", num) != 0)
		return -1;
	if (u == NULL || u->sysname[0] == '\0')
		return 0;
	if (header(out, "node_uname_info", "gauge",
	    "Labeled system information as provided by the uname system "
	    "call.") != 0 ||
	    buf_puts(out, "node_uname_info{domainname=\"") != 0 ||
	    prom_escape_label(out, u->domainname) != 0 ||
	    buf_puts(out, "\",machine=\"") != 0 ||
	    prom_escape_label(out, u->machine) != 0 ||
	    buf_puts(out, "\",nodename=\"") != 0 ||
	    prom_escape_label(out, u->nodename) != 0 ||
	    buf_puts(out, "\",release=\"") != 0 ||
	    prom_escape_label(out, u->release) != 0 ||
	    buf_puts(out, "\",sysname=\"") != 0 ||
	    prom_escape_label(out, u->sysname) != 0 ||
	    buf_puts(out, "\",version=\"") != 0 ||
	    prom_escape_label(out, u->version) != 0 ||
	    buf_puts(out, "\"} 1\n") != 0)
		return -1;
	return 0;
}

int
host_prom_render(const struct host_snapshot *s, struct buf *out)
{
	size_t start = out->len;
	int r;

	r = prom_node(s, out);
	if (r == 0 && (s->have & (1u << HF_CPU)))
		r |= prom_cpu(s, out);
	if (r == 0 && (s->have & (1u << HF_KERNEL)))
		r |= prom_kernel(s, out);
	if (r == 0 && (s->have & (1u << HF_MEM)))
		r |= prom_mem(s, out);
	if (r == 0 && (s->have & (1u << HF_SYSTEM)))
		r |= prom_load(s, out);
	if (r == 0 && (s->have & (1u << HF_PROCESSES)))
		r |= prom_procs(s, out);
	if (r == 0 && (s->have & (1u << HF_DISK)) && s->nfs > 0)
		r |= prom_fs(s, out);
	if (r == 0 && (s->have & (1u << HF_DISKIO)) && s->dio.n > 0)
		r |= prom_devices(disk_families, sizeof(disk_families) /
		    sizeof(disk_families[0]), s->dio.d, sizeof(s->dio.d[0]),
		    s->dio.n, out);
	if (r == 0 && (s->have & (1u << HF_NET)) && s->net.n > 0)
		r |= prom_devices(net_families, sizeof(net_families) /
		    sizeof(net_families[0]), s->net.i, sizeof(s->net.i[0]),
		    s->net.n, out);
	if (r != 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}
