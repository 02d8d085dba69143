/*
 * prom.c — see prom.h.
 *
 * One const table says what each container family is: its name, type
 * and help, which `have` bits it needs, and where its number lives.  The
 * renderer walks the table family by family and, inside each, container
 * by container, since the format wants every series of a family together
 * under one HELP and TYPE.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/host.h"
#include "collector/jsonw.h"
#include "collector/prom.h"
#include "common/util.h"

enum prom_src {
	SRC_SAMPLE,     /* a uint64_t at `off` in struct sample */
	SRC_NET,        /* a uint64_t at `off` in each struct net_if */
	SRC_BLKIO,      /* a uint64_t at `off` in each struct blkio_dev */
	SRC_QUOTA,      /* cpu.quota_us, when it is a real quota */
	SRC_START,      /* meta.started_ns, when known */
};

struct prom_family {
	const char   *name;
	const char   *type;
	const char   *help;
	uint32_t      have;      /* every one of these bits is needed */
	enum prom_src src;
	size_t        off;
	double        div;       /* divide by (ns -> s); 0: the integer as is */
};

#define S(field) offsetof(struct sample, field)
#define N(field) offsetof(struct net_if, field)
#define B(field) offsetof(struct blkio_dev, field)
/* Dividing (not multiplying by 1e-9) keeps 1234567890 ns at 1.23456789. */
#define NS 1e9
#define US 1e6

static const struct prom_family prom_families[] = {
	{ "container_cpu_usage_seconds_total", "counter",
	  "Cumulative cpu time consumed in seconds.",
	  HAVE_CPU_USAGE, SRC_SAMPLE, S(cpu.usage_ns), NS },
	{ "container_cpu_user_seconds_total", "counter",
	  "Cumulative user cpu time consumed in seconds.",
	  HAVE_CPU_USERSYS, SRC_SAMPLE, S(cpu.user_ns), NS },
	{ "container_cpu_system_seconds_total", "counter",
	  "Cumulative system cpu time consumed in seconds.",
	  HAVE_CPU_USERSYS, SRC_SAMPLE, S(cpu.system_ns), NS },
	{ "container_cpu_cfs_periods_total", "counter",
	  "Number of elapsed enforcement period intervals.",
	  HAVE_CPU_THROTTLE, SRC_SAMPLE, S(cpu.nr_periods), 0 },
	{ "container_cpu_cfs_throttled_periods_total", "counter",
	  "Number of throttled period intervals.",
	  HAVE_CPU_THROTTLE, SRC_SAMPLE, S(cpu.nr_throttled), 0 },
	{ "container_cpu_cfs_throttled_seconds_total", "counter",
	  "Total time duration the container has been throttled.",
	  HAVE_CPU_THROTTLE, SRC_SAMPLE, S(cpu.throttled_ns), NS },
	{ "container_spec_cpu_quota", "gauge",
	  "CPU quota of the container in microseconds per period.",
	  HAVE_CPU_QUOTA, SRC_QUOTA, 0, 0 },
	{ "container_spec_cpu_period", "gauge",
	  "CPU period of the container in microseconds.",
	  HAVE_CPU_QUOTA, SRC_SAMPLE, S(cpu.period_us), 0 },
	{ "container_pressure_cpu_waiting_seconds_total", "counter",
	  "Total time duration tasks in the container have waited due to CPU congestion (PSI some).",
	  HAVE_CPU_PSI, SRC_SAMPLE, S(cpu.psi.some.total_us), US },
	{ "container_pressure_cpu_stalled_seconds_total", "counter",
	  "Total time duration no tasks in the container could make progress due to CPU congestion (PSI full).",
	  HAVE_CPU_PSI, SRC_SAMPLE, S(cpu.psi.full.total_us), US },
	{ "container_memory_usage_bytes", "gauge",
	  "Current memory usage in bytes, including all memory regardless of when it was accessed.",
	  HAVE_MEM_USAGE, SRC_SAMPLE, S(mem.usage), 0 },
	{ "container_memory_working_set_bytes", "gauge",
	  "Current working set in bytes (usage minus inactive file cache).",
	  HAVE_MEM_USAGE, SRC_SAMPLE, S(mem.working_set), 0 },
	{ "container_memory_max_usage_bytes", "gauge",
	  "Maximum memory usage recorded in bytes.",
	  HAVE_MEM_MAX_USAGE, SRC_SAMPLE, S(mem.max_usage), 0 },
	{ "container_memory_rss", "gauge",
	  "Size of RSS in bytes.",
	  HAVE_MEM_STAT, SRC_SAMPLE, S(mem.rss), 0 },
	{ "container_memory_cache", "gauge",
	  "Number of bytes of page cache memory.",
	  HAVE_MEM_STAT, SRC_SAMPLE, S(mem.cache), 0 },
	{ "container_memory_mapped_file", "gauge",
	  "Size of memory mapped files in bytes.",
	  HAVE_MEM_STAT, SRC_SAMPLE, S(mem.mapped_file), 0 },
	{ "container_memory_swap", "gauge",
	  "Container swap usage in bytes.",
	  HAVE_MEM_SWAP, SRC_SAMPLE, S(mem.swap), 0 },
	/* cAdvisor calls this a counter; the kernel lets root reset it and
	 * promtool wants counters named *_total, so it is a gauge here. */
	{ "container_memory_failcnt", "gauge",
	  "Number of memory usage hits limits.",
	  HAVE_MEM_FAILCNT, SRC_SAMPLE, S(mem.failcnt), 0 },
	{ "container_oom_events_total", "counter",
	  "Count of out of memory events observed for the container.",
	  HAVE_MEM_OOM, SRC_SAMPLE, S(mem.oom_kills), 0 },
	{ "container_spec_memory_limit_bytes", "gauge",
	  "Memory limit for the container in bytes.",
	  HAVE_MEM_LIMIT, SRC_SAMPLE, S(mem.limit), 0 },
	{ "container_pressure_memory_waiting_seconds_total", "counter",
	  "Total time duration tasks in the container have waited due to memory congestion (PSI some).",
	  HAVE_MEM_PSI, SRC_SAMPLE, S(mem.psi.some.total_us), US },
	{ "container_pressure_memory_stalled_seconds_total", "counter",
	  "Total time duration no tasks in the container could make progress due to memory congestion (PSI full).",
	  HAVE_MEM_PSI, SRC_SAMPLE, S(mem.psi.full.total_us), US },
	{ "container_network_receive_bytes_total", "counter",
	  "Cumulative count of bytes received.",
	  HAVE_NET, SRC_NET, N(rx_bytes), 0 },
	{ "container_network_receive_packets_total", "counter",
	  "Cumulative count of packets received.",
	  HAVE_NET, SRC_NET, N(rx_packets), 0 },
	{ "container_network_receive_errors_total", "counter",
	  "Cumulative count of errors encountered while receiving.",
	  HAVE_NET, SRC_NET, N(rx_errors), 0 },
	{ "container_network_receive_packets_dropped_total", "counter",
	  "Cumulative count of packets dropped while receiving.",
	  HAVE_NET, SRC_NET, N(rx_dropped), 0 },
	{ "container_network_transmit_bytes_total", "counter",
	  "Cumulative count of bytes transmitted.",
	  HAVE_NET, SRC_NET, N(tx_bytes), 0 },
	{ "container_network_transmit_packets_total", "counter",
	  "Cumulative count of packets transmitted.",
	  HAVE_NET, SRC_NET, N(tx_packets), 0 },
	{ "container_network_transmit_errors_total", "counter",
	  "Cumulative count of errors encountered while transmitting.",
	  HAVE_NET, SRC_NET, N(tx_errors), 0 },
	{ "container_network_transmit_packets_dropped_total", "counter",
	  "Cumulative count of packets dropped while transmitting.",
	  HAVE_NET, SRC_NET, N(tx_dropped), 0 },
	{ "container_fs_reads_bytes_total", "counter",
	  "Cumulative count of bytes read.",
	  HAVE_BLKIO, SRC_BLKIO, B(read_bytes), 0 },
	{ "container_fs_writes_bytes_total", "counter",
	  "Cumulative count of bytes written.",
	  HAVE_BLKIO, SRC_BLKIO, B(write_bytes), 0 },
	{ "container_fs_reads_total", "counter",
	  "Cumulative count of reads completed.",
	  HAVE_BLKIO, SRC_BLKIO, B(read_ops), 0 },
	{ "container_fs_writes_total", "counter",
	  "Cumulative count of writes completed.",
	  HAVE_BLKIO, SRC_BLKIO, B(write_ops), 0 },
	{ "container_pressure_io_waiting_seconds_total", "counter",
	  "Total time duration tasks in the container have waited due to IO congestion (PSI some).",
	  HAVE_IO_PSI, SRC_SAMPLE, S(blkio.psi.some.total_us), US },
	{ "container_pressure_io_stalled_seconds_total", "counter",
	  "Total time duration no tasks in the container could make progress due to IO congestion (PSI full).",
	  HAVE_IO_PSI, SRC_SAMPLE, S(blkio.psi.full.total_us), US },
	{ "container_threads", "gauge",
	  "Number of tasks (threads) in the container, from the pids controller.",
	  HAVE_PIDS, SRC_SAMPLE, S(pids.current), 0 },
	{ "container_threads_max", "gauge",
	  "Maximum number of tasks (threads) allowed in the container.",
	  HAVE_PIDS_LIMIT, SRC_SAMPLE, S(pids.limit), 0 },
	{ "container_start_time_seconds", "gauge",
	  "Start time of the container since unix epoch in seconds.",
	  0, SRC_START, 0, 0 },
};

#undef S
#undef N
#undef B

int
prom_escape_label(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, n;
	const char *esc;

	/* Runs of plain bytes are copied whole; a byte that is not part of
	 * well-formed UTF-8 becomes U+FFFD, since the format is UTF-8. */
	while (p[run] != '\0') {
		switch (p[run]) {
		case '\\': esc = "\\\\"; break;
		case '"':  esc = "\\\""; break;
		case '\n': esc = "\\n"; break;
		default:
			n = jsonw_utf8_seq_len(p + run);
			if (n > 0) {
				run += n;
				continue;
			}
			esc = "\xef\xbf\xbd";
			break;
		}
		if (buf_append(b, p, run) != 0 || buf_puts(b, esc) != 0)
			return -1;
		p += run + 1;
		run = 0;
	}
	return buf_append(b, p, run);
}

/* ,key="value" (no comma before the first label). */
static int
put_label(struct buf *b, const char *key, const char *value)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' &&
	    buf_putc(b, ',') != 0)
		return -1;
	if (buf_puts(b, key) != 0 || buf_puts(b, "=\"") != 0 ||
	    prom_escape_label(b, value) != 0 || buf_putc(b, '"') != 0)
		return -1;
	return 0;
}

/*
 * "container_label_" + the key with every byte outside [a-zA-Z0-9_]
 * made '_'.  0, or -1 when it does not fit.
 */
static int
label_name(char *dst, size_t size, const char *key)
{
	static const char prefix[] = "container_label_";
	size_t i, n = sizeof(prefix) - 1;

	if (str_copy(dst, prefix, size) >= size)
		return -1;
	for (i = 0; key[i] != '\0'; i++, n++) {
		unsigned char c = (unsigned char)key[i];

		if (n + 1 >= size)
			return -1;
		dst[n] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ? c : '_');
	}
	dst[n] = '\0';
	return 0;
}

/*
 * The labels of one container, without braces: written once per
 * container into `b` and reused by every family.
 */
static int
container_labels(struct buf *b, const struct container *c)
{
	const struct container_meta *m = &c->meta;
	char names[LABELS_MAX][160];
	uint32_t i, j, nnames = 0;

	if (buf_putc(b, '{') != 0)
		return -1;
	if (put_label(b, "id", m->id) != 0 ||
	    put_label(b, "name", m->name) != 0 ||
	    put_label(b, "image", m->image) != 0)
		return -1;
	if (m->marathon_app_id[0] != '\0' &&
	    put_label(b, "marathon_app_id", m->marathon_app_id) != 0)
		return -1;
	if (m->mesos_task_id[0] != '\0' &&
	    put_label(b, "mesos_task_id", m->mesos_task_id) != 0)
		return -1;
	for (i = 0; i < m->nlabels && i < LABELS_MAX; i++) {
		if (m->labels[i].key == NULL || m->labels[i].value == NULL ||
		    label_name(names[nnames], sizeof(names[0]),
		    m->labels[i].key) != 0)
			continue;
		for (j = 0; j < nnames; j++)
			if (strcmp(names[j], names[nnames]) == 0)
				break;
		if (j < nnames)
			continue;       /* collides with an earlier key */
		if (put_label(b, names[nnames], m->labels[i].value) != 0)
			return -1;
		nnames++;
	}
	return 0;
}

static uint64_t
u64_at(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

/*
 * One series line: name{labels[,extra="value"]} value.  `labels` starts
 * with '{' and has no closing brace.
 */
static int
put_series(struct buf *out, const char *name, const char *labels,
    size_t labels_len, const char *extra_key, const char *extra_value,
    uint64_t u, double div)
{
	char num[JSONW_DOUBLE_MAX];

	if (buf_puts(out, name) != 0 ||
	    buf_append(out, labels, labels_len) != 0)
		return -1;
	if (extra_key != NULL && put_label(out, extra_key, extra_value) != 0)
		return -1;
	if (buf_puts(out, "} ") != 0)
		return -1;
	if (div == 0)
		snprintf(num, sizeof(num), "%" PRIu64, u);
	else
		jsonw_fmt_double(num, sizeof(num), (double)u / div);
	if (buf_puts(out, num) != 0 || buf_putc(out, '\n') != 0)
		return -1;
	return 0;
}

/* Does container c have at least one series of family f? */
static int
has_series(const struct prom_family *f, const struct container *c)
{
	if ((c->cur.have & f->have) != f->have)
		return 0;
	switch (f->src) {
	case SRC_NET:   return c->cur.net.nif > 0;
	case SRC_BLKIO: return c->cur.blkio.ndev > 0;
	case SRC_QUOTA: return c->cur.cpu.quota_us > 0;
	case SRC_START: return c->meta.started_ns > 0;
	case SRC_SAMPLE: return 1;
	}
	return 0;
}

static int
put_container_series(struct buf *out, const struct prom_family *f,
    const struct container *c, const char *labels, size_t len)
{
	char dev[24];
	uint32_t i;

	switch (f->src) {
	case SRC_SAMPLE:
		return put_series(out, f->name, labels, len, NULL, NULL,
		    u64_at(&c->cur, f->off), f->div);
	case SRC_QUOTA:
		return put_series(out, f->name, labels, len, NULL, NULL,
		    (uint64_t)c->cur.cpu.quota_us, 0);
	case SRC_START:
		return put_series(out, f->name, labels, len, NULL, NULL,
		    (uint64_t)c->meta.started_ns, NS);
	case SRC_NET:
		for (i = 0; i < c->cur.net.nif && i < NET_IF_MAX; i++)
			if (put_series(out, f->name, labels, len, "interface",
			    c->cur.net.ifs[i].name,
			    u64_at(&c->cur.net.ifs[i], f->off), f->div) != 0)
				return -1;
		return 0;
	case SRC_BLKIO:
		for (i = 0; i < c->cur.blkio.ndev && i < BLKIO_DEV_MAX; i++) {
			snprintf(dev, sizeof(dev), "%u:%u",
			    c->cur.blkio.dev[i].major, c->cur.blkio.dev[i].minor);
			if (put_series(out, f->name, labels, len, "device", dev,
			    u64_at(&c->cur.blkio.dev[i], f->off), f->div) != 0)
				return -1;
		}
		return 0;
	}
	return 0;
}

static int
put_header(struct buf *out, const char *name, const char *type,
    const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static int
put_families(const struct container_table *t, struct buf *out,
    const struct buf *lb, const size_t *lo)
{
	const struct prom_family *f;
	size_t k, i;
	int any;

	for (k = 0; k < ARRAY_LEN(prom_families); k++) {
		f = &prom_families[k];
		any = 0;
		for (i = 0; i < t->n; i++) {
			if (!has_series(f, t->c[i]))
				continue;
			if (!any && put_header(out, f->name, f->type, f->help) != 0)
				return -1;
			any = 1;
			if (put_container_series(out, f, t->c[i], lb->data + lo[i],
			    lo[i + 1] - lo[i]) != 0)
				return -1;
		}
	}
	return 0;
}

/* The collector's own figures, from t->health. */
static int
put_health(const struct container_table *t, struct buf *out)
{
	const struct collector_health *h = &t->health;
	static const struct {
		const char *kind;
		size_t      off;
	} errs[] = {
		{ "cgroup_read",  offsetof(struct collector_health, err_cgroup_read) },
		{ "cgroup_parse", offsetof(struct collector_health, err_cgroup_parse) },
		{ "docker",       offsetof(struct collector_health, err_docker) },
		{ "net",          offsetof(struct collector_health, err_net) },
		{ "output",       offsetof(struct collector_health, err_output) },
		{ "output_rejected", offsetof(struct collector_health, out_rejected) },
		{ "output_config", offsetof(struct collector_health, out_config) },
		{ "output_unavailable", offsetof(struct collector_health, out_unavailable) },
		{ "spool_corrupt", offsetof(struct collector_health, spool_corrupt) },
		{ "spool_dropped", offsetof(struct collector_health, spool_dropped) },
		{ "host",         offsetof(struct collector_health, err_host) },
	};
	char num[JSONW_DOUBLE_MAX];
	size_t i;

#define ONE(name, type, help, fmt, val) \
	if (put_header(out, name, type, help) != 0 || \
	    buf_printf(out, "%s " fmt "\n", name, val) != 0) \
		return -1
	ONE("hoist_collector_sweeps_total", "counter",
	    "Sweeps over all containers since the collector started.",
	    "%" PRIu64, h->sweeps);
	jsonw_fmt_double(num, sizeof(num), h->last_sweep_ms / 1000.0);
	ONE("hoist_collector_sweep_duration_seconds", "gauge",
	    "Wall time the last sweep took.", "%s", num);
	ONE("hoist_collector_containers", "gauge",
	    "Containers seen in the last sweep.", "%" PRIu64, h->containers);
	ONE("hoist_collector_points_last_sweep", "gauge",
	    "Points the last sweep produced.", "%" PRIu64, h->points_last_sweep);
	ONE("hoist_collector_points_written_total", "counter",
	    "Points delivered by all outputs.", "%" PRIu64, h->points_written);
	ONE("hoist_collector_points_dropped_total", "counter",
	    "Points dropped by all outputs.", "%" PRIu64, h->points_dropped);
	ONE("hoist_collector_points_spooled_total", "counter",
	    "Points written to the disk spool.", "%" PRIu64, h->points_spooled);
	ONE("hoist_collector_spool_bytes", "gauge",
	    "Bytes in the disk spool now.", "%" PRIu64, h->spool_bytes);
	ONE("hoist_collector_containers_vanished_total", "counter",
	    "Containers that disappeared in the middle of a sweep.",
	    "%" PRIu64, h->vanished);
	if (h->started_ns > 0) {
		jsonw_fmt_double(num, sizeof(num), (double)h->started_ns / NS);
		ONE("hoist_collector_start_time_seconds", "gauge",
		    "Start time of the collector since unix epoch in seconds.",
		    "%s", num);
	}
	if (t->sweeps > 0 && t->sweep_ts_ns > 0) {
		jsonw_fmt_double(num, sizeof(num), (double)t->sweep_ts_ns / NS);
		ONE("hoist_collector_last_sweep_timestamp_seconds", "gauge",
		    "Time of the last sweep since unix epoch in seconds.",
		    "%s", num);
	}
#undef ONE
	if (put_header(out, "hoist_collector_errors_total", "counter",
	    "Errors since the collector started, by kind.") != 0)
		return -1;
	for (i = 0; i < ARRAY_LEN(errs); i++)
		if (buf_printf(out, "hoist_collector_errors_total{kind=\"%s\"} %"
		    PRIu64 "\n", errs[i].kind, u64_at(h, errs[i].off)) != 0)
			return -1;
	return 0;
}

int
prom_render(const struct container_table *t, struct buf *out)
{
	struct buf lb;
	size_t *lo = NULL, start = out->len, i;
	int rc = -1;

	/* The label sets first, one per container, escaped once. */
	buf_init(&lb, out->max);
	lo = calloc(t->n + 1, sizeof(*lo));
	if (lo == NULL)
		goto out;
	for (i = 0; i < t->n; i++) {
		lo[i] = lb.len;
		if (container_labels(&lb, t->c[i]) != 0)
			goto out;
	}
	lo[t->n] = lb.len;
	if (put_families(t, out, &lb, lo) != 0 || put_health(t, out) != 0)
		goto out;
	if (t->host_snap != NULL && host_prom_render(t->host_snap, out) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	free(lo);
	buf_free(&lb);
	return rc;
}
