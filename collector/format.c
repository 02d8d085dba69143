/*
 * format.c — see format.h.  Runs for every container on every sweep: the
 * tag string is escaped once per container (format_tags) and reused.
 */
#include <stdio.h>
#include <string.h>

#include "collector/format.h"
#include "collector/rates.h"
#include "common/util.h"
#include "sinks/lp.h"

enum meas { M_CPU, M_MEM, M_NET, M_BLKIO, M_STATUS, M_COUNT };

static const char *const meas_name[2][M_COUNT] = {
	[SCHEMA_HOIST] = { "container_cpu", "container_mem", "container_net",
	    "container_blkio", "container_status" },
	[SCHEMA_TELEGRAF] = { "docker_container_cpu", "docker_container_mem",
	    "docker_container_net", "docker_container_blkio",
	    "docker_container_status" },
};

int
format_schema_parse(const char *s, enum schema *out)
{
	if (strcmp(s, "hoist") == 0)
		*out = SCHEMA_HOIST;
	else if (strcmp(s, "telegraf") == 0)
		*out = SCHEMA_TELEGRAF;
	else
		return -1;
	return 0;
}

/* Does s escape to nothing (empty, or only backslashes, which the
 * escaper drops)?  InfluxDB rejects a tag with an empty key or value. */
static int
escapes_empty(const char *s)
{
	while (*s == '\\')
		s++;
	return *s == '\0';
}

/* Append ",key=value" escaped; a tag whose key or value escapes to
 * nothing is left out.  When it does not fit, nothing of it stays. */
static int
tag(struct buf *b, const char *key, const char *value)
{
	size_t start = b->len;

	if (value == NULL || escapes_empty(key) || escapes_empty(value))
		return 0;
	if (buf_putc(b, ',') != 0 || lp_escape_key(b, key) != 0 ||
	    buf_putc(b, '=') != 0 || lp_escape_key(b, value) != 0) {
		b->len = start;
		if (b->data != NULL)
			b->data[start] = '\0';
		return -1;
	}
	return 0;
}

int
format_tags(const struct container_meta *m, const char *host,
    enum schema schema, struct buf *tags)
{
	uint32_t i;
	int r = 0;

	buf_reset(tags);
	/* Sorted by key, as InfluxDB prefers. */
	r |= tag(tags, "container_image", m->image);
	r |= tag(tags, "container_name", m->name[0] ? m->name : m->id);
	r |= tag(tags, "container_version", m->version);
	if (schema == SCHEMA_TELEGRAF)
		r |= tag(tags, "engine_host", host);
	r |= tag(tags, "host", host);
	r |= tag(tags, "marathon_app_id", m->marathon_app_id);
	r |= tag(tags, "mesos_task_id", m->mesos_task_id);
	r |= tag(tags, "runtime", runtime_name(m->runtime));
	for (i = 0; i < m->nlabels; i++)
		r |= tag(tags, m->labels[i].key, m->labels[i].value);
	return r ? -1 : 0;
}

/* Start a point: measurement + cached tags + one extra tag. */
static void
begin(struct lp *p, struct buf *out, const char *meas, const char *tags,
    size_t tags_len, const char *k, const char *v)
{
	lp_begin(p, out, meas);
	if (!p->failed && buf_append(out, tags, tags_len) != 0)
		p->failed = 1;
	if (k != NULL)
		lp_tag(p, k, v);
}

static void
psi_fields(struct lp *p, const struct psi *ps)
{
	lp_field_fixed(p, "pressure_some_avg10", ps->some.avg10, 2);
	lp_field_fixed(p, "pressure_some_avg60", ps->some.avg60, 2);
	lp_field_fixed(p, "pressure_some_avg300", ps->some.avg300, 2);
	lp_field_u(p, "pressure_some_total_us", ps->some.total_us);
	lp_field_fixed(p, "pressure_full_avg10", ps->full.avg10, 2);
	lp_field_fixed(p, "pressure_full_avg60", ps->full.avg60, 2);
	lp_field_fixed(p, "pressure_full_avg300", ps->full.avg300, 2);
	lp_field_u(p, "pressure_full_total_us", ps->full.total_us);
}

static int
cpu_points(const struct container *c, const char *meas, const char *tags,
    size_t tl, int64_t ts, const struct format_options *o, struct buf *out)
{
	const struct sample *s = &c->cur;
	char cpu[16];
	struct lp p;
	uint32_t i;
	int n = 0, r;

	begin(&p, out, meas, tags, tl, "cpu", "cpu-total");
	if (s->have & HAVE_CPU_USAGE) {
		lp_field_u(&p, "usage_total", s->cpu.usage_ns);
		lp_field_u(&p, "usage_system", s->host_cpu_ns);
	}
	if (s->have & HAVE_CPU_USERSYS) {
		lp_field_u(&p, "usage_in_usermode", s->cpu.user_ns);
		lp_field_u(&p, "usage_in_kernelmode", s->cpu.system_ns);
	}
	if (c->rates.valid) {
		lp_field_fixed(&p, "usage_percent", c->rates.cpu_percent, 4);
		if (c->rates.has_limit)
			lp_field_fixed(&p, "usage_percent_of_limit",
			    c->rates.cpu_percent_of_limit, 4);
	}
	if (c->rates.has_limit)
		lp_field_fixed(&p, "limit_cores", c->rates.limit_cores, 4);
	if (s->have & HAVE_CPU_THROTTLE) {
		lp_field_u(&p, "throttling_periods", s->cpu.nr_periods);
		lp_field_u(&p, "throttling_throttled_periods",
		    s->cpu.nr_throttled);
		lp_field_u(&p, "throttling_throttled_time",
		    s->cpu.throttled_ns);
	}
	if (s->have & HAVE_CPU_PSI)
		psi_fields(&p, &s->cpu.psi);
	lp_field_s(&p, "container_id", c->meta.id);
	if ((r = lp_end(&p, ts)) < 0)
		return -1;
	n += r;
	if (!o->percpu || !(s->have & HAVE_CPU_PERCPU))
		return n;
	for (i = 0; i < s->cpu.npercpu; i++) {
		snprintf(cpu, sizeof(cpu), "cpu%u", i);
		begin(&p, out, meas, tags, tl, "cpu", cpu);
		lp_field_u(&p, "usage_total", s->cpu.percpu_ns[i]);
		lp_field_s(&p, "container_id", c->meta.id);
		if ((r = lp_end(&p, ts)) < 0)
			return -1;
		n += r;
	}
	return n;
}

static int
mem_points(const struct container *c, const char *meas, const char *tags,
    size_t tl, int64_t ts, const struct format_options *o, struct buf *out)
{
	const struct sample *s = &c->cur;
	const uint32_t mem_bits = HAVE_MEM_USAGE | HAVE_MEM_LIMIT |
	    HAVE_MEM_MAX_USAGE | HAVE_MEM_STAT | HAVE_MEM_SWAP |
	    HAVE_MEM_FAILCNT | HAVE_MEM_OOM | HAVE_MEM_PSI;
	struct lp p;

	/* No memory figure at all (a v2 group without the memory
	 * controller): no point, rather than one with only container_id. */
	if (!(s->have & mem_bits))
		return 0;
	begin(&p, out, meas, tags, tl, NULL, NULL);
	if (s->have & HAVE_MEM_USAGE) {
		lp_field_u(&p, "usage", s->mem.working_set);
		lp_field_fixed(&p, "usage_percent", c->rates.mem_percent, 4);
		lp_field_u(&p, "limit", rates_mem_limit(s, o->host_mem_total));
	}
	if (s->have & HAVE_MEM_MAX_USAGE)
		lp_field_u(&p, "max_usage", s->mem.max_usage);
	if (s->have & HAVE_MEM_STAT) {
		lp_field_u(&p, "rss", s->mem.rss);
		lp_field_u(&p, "cache", s->mem.cache);
		lp_field_u(&p, "active_file", s->mem.active_file);
		lp_field_u(&p, "inactive_file", s->mem.inactive_file);
		lp_field_u(&p, "mapped_file", s->mem.mapped_file);
		lp_field_u(&p, "pgfault", s->mem.pgfault);
		lp_field_u(&p, "pgmajfault", s->mem.pgmajfault);
	}
	if (s->have & HAVE_MEM_SWAP)
		lp_field_u(&p, "swap", s->mem.swap);
	if (s->have & HAVE_MEM_FAILCNT)
		lp_field_u(&p, "fail_count", s->mem.failcnt);
	if (s->have & HAVE_MEM_OOM)
		lp_field_u(&p, "oom_kills", s->mem.oom_kills);
	if (s->have & HAVE_MEM_PSI)
		psi_fields(&p, &s->mem.psi);
	lp_field_s(&p, "container_id", c->meta.id);
	return lp_end(&p, ts);
}

static int
net_point(const struct net_if *f, const struct container *c, const char *meas,
    const char *tags, size_t tl, int64_t ts, struct buf *out)
{
	struct lp p;

	begin(&p, out, meas, tags, tl, "network", f->name);
	lp_field_u(&p, "rx_bytes", f->rx_bytes);
	lp_field_u(&p, "rx_packets", f->rx_packets);
	lp_field_u(&p, "rx_errors", f->rx_errors);
	lp_field_u(&p, "rx_dropped", f->rx_dropped);
	lp_field_u(&p, "tx_bytes", f->tx_bytes);
	lp_field_u(&p, "tx_packets", f->tx_packets);
	lp_field_u(&p, "tx_errors", f->tx_errors);
	lp_field_u(&p, "tx_dropped", f->tx_dropped);
	lp_field_s(&p, "container_id", c->meta.id);
	return lp_end(&p, ts);
}

static int
blkio_point(const struct blkio_dev *d, const char *dev,
    const struct container *c, const char *meas, const char *tags, size_t tl,
    int64_t ts, struct buf *out)
{
	struct lp p;

	begin(&p, out, meas, tags, tl, "device", dev);
	lp_field_u(&p, "io_service_bytes_recursive_read", d->read_bytes);
	lp_field_u(&p, "io_service_bytes_recursive_write", d->write_bytes);
	lp_field_u(&p, "io_serviced_recursive_read", d->read_ops);
	lp_field_u(&p, "io_serviced_recursive_write", d->write_ops);
	lp_field_s(&p, "container_id", c->meta.id);
	return lp_end(&p, ts);
}

static int
status_point(const struct container *c, const char *meas, const char *tags,
    size_t tl, int64_t ts, struct buf *out)
{
	const struct sample *s = &c->cur;
	struct lp p;

	if (!(s->have & (HAVE_PIDS | HAVE_PIDS_LIMIT)) && c->meta.pid <= 0 &&
	    c->meta.started_ns <= 0)
		return 0;
	begin(&p, out, meas, tags, tl, "container_status",
	    c->meta.state[0] ? c->meta.state : NULL);
	if (s->have & HAVE_PIDS)
		lp_field_u(&p, "pids_current", s->pids.current);
	if (s->have & HAVE_PIDS_LIMIT)
		lp_field_u(&p, "pids_limit", s->pids.limit);
	if (c->meta.pid > 0)
		lp_field_i(&p, "pid", c->meta.pid);
	if (c->meta.started_ns > 0) {
		lp_field_i(&p, "started_at", c->meta.started_ns);
		if (ts > c->meta.started_ns)
			lp_field_i(&p, "uptime_ns", ts - c->meta.started_ns);
	}
	lp_field_s(&p, "container_id", c->meta.id);
	return lp_end(&p, ts);
}

int
format_container(const struct container *c, const char *tags,
    size_t tags_len, int64_t ts_ns, const struct format_options *o,
    struct buf *out)
{
	const char *const *m = meas_name[o->schema];
	const struct sample *s = &c->cur;
	size_t start = out->len;
	char dev[24];
	uint32_t i;
	int n = 0, r;

	if ((r = cpu_points(c, m[M_CPU], tags, tags_len, ts_ns, o, out)) < 0)
		goto full;
	n += r;
	if ((r = mem_points(c, m[M_MEM], tags, tags_len, ts_ns, o, out)) < 0)
		goto full;
	n += r;
	if (s->have & HAVE_NET) {
		for (i = 0; i < s->net.nif; i++) {
			if ((r = net_point(&s->net.ifs[i], c, m[M_NET], tags,
			    tags_len, ts_ns, out)) < 0)
				goto full;
			n += r;
		}
		if ((r = net_point(&s->net.total, c, m[M_NET], tags, tags_len,
		    ts_ns, out)) < 0)
			goto full;
		n += r;
	}
	if (s->have & HAVE_BLKIO) {
		for (i = 0; i < s->blkio.ndev; i++) {
			snprintf(dev, sizeof(dev), "%u:%u",
			    s->blkio.dev[i].major, s->blkio.dev[i].minor);
			if ((r = blkio_point(&s->blkio.dev[i], dev, c,
			    m[M_BLKIO], tags, tags_len, ts_ns, out)) < 0)
				goto full;
			n += r;
		}
		if ((r = blkio_point(&s->blkio.total, "total", c, m[M_BLKIO],
		    tags, tags_len, ts_ns, out)) < 0)
			goto full;
		n += r;
	}
	if ((r = status_point(c, m[M_STATUS], tags, tags_len, ts_ns, out)) < 0)
		goto full;
	return n + r;
full:
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return -1;
}
