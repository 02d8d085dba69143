/*
 * apijson.c — see apijson.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collector/apijson.h"
#include "collector/apps.h"
#include "collector/jsonw.h"
#include "common/rfc3339.h"
#include "common/util.h"

static const char *const apijson_errstr[] = {
	[APIJSON_OK] = "ok",
	[APIJSON_NOT_FOUND] = "not found",
	[APIJSON_AMBIGUOUS] = "ambiguous id prefix",
	[APIJSON_TOO_BIG] = "reply too large",
	[APIJSON_NOMEM] = "out of memory",
};

const char *
apijson_strerror(enum apijson_result r)
{
	if ((size_t)r < ARRAY_LEN(apijson_errstr) && apijson_errstr[r] != NULL)
		return apijson_errstr[r];
	return "unknown error";
}

/* Finish: roll back on failure and say why. */
static enum apijson_result
finish(struct jsonw *w, struct buf *out, size_t start)
{
	if (!w->failed)
		return APIJSON_OK;
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return w->err == ENOMEM ? APIJSON_NOMEM : APIJSON_TOO_BIG;
}

static void
put_time(struct jsonw *w, const char *key, int64_t ns)
{
	char ts[40];

	jsonw_key(w, key);
	if (ns <= 0) {
		jsonw_null(w);
		return;
	}
	rfc3339_format(ts, sizeof(ts), ns, 3);
	jsonw_str(w, ts);
}

static void
put_psi(struct jsonw *w, const struct psi *p)
{
	const struct psi_line *line[2] = { &p->some, &p->full };
	static const char *const name[2] = { "some", "full" };
	int i;

	jsonw_key(w, "psi");
	jsonw_obj_begin(w);
	for (i = 0; i < 2; i++) {
		jsonw_key(w, name[i]);
		jsonw_obj_begin(w);
		jsonw_kv_double(w, "avg10", line[i]->avg10);
		jsonw_kv_double(w, "avg60", line[i]->avg60);
		jsonw_kv_double(w, "avg300", line[i]->avg300);
		jsonw_kv_u64(w, "total_us", line[i]->total_us);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
}

static void
put_meta(struct jsonw *w, const struct container *c)
{
	const struct container_meta *m = &c->meta;
	uint32_t i;

	jsonw_kv_str(w, "id", m->id);
	jsonw_kv_str(w, "name", m->name);
	jsonw_kv_str(w, "image", m->image);
	jsonw_kv_str(w, "version", m->version);
	jsonw_kv_str(w, "runtime", runtime_name(m->runtime));
	jsonw_key(w, "marathon_app_id");
	jsonw_str_or_null(w, m->marathon_app_id);
	jsonw_key(w, "mesos_task_id");
	jsonw_str_or_null(w, m->mesos_task_id);
	jsonw_key(w, "state");
	jsonw_str_or_null(w, m->state);
	jsonw_kv_i64(w, "pid", m->pid);
	put_time(w, "started", m->started_ns);
	jsonw_kv_str(w, "cgroup_path", c->cgroup_path);
	jsonw_key(w, "labels");
	jsonw_obj_begin(w);
	for (i = 0; i < m->nlabels && i < LABELS_MAX; i++)
		if (m->labels[i].key != NULL)
			jsonw_kv_str(w, m->labels[i].key,
			    m->labels[i].value != NULL ? m->labels[i].value : "");
	jsonw_obj_end(w);
}

static void
put_cpu(struct jsonw *w, const struct container *c)
{
	const struct sample *s = &c->cur;
	const struct rates *r = &c->rates;
	const uint32_t any = HAVE_CPU_USAGE | HAVE_CPU_USERSYS |
	    HAVE_CPU_THROTTLE | HAVE_CPU_QUOTA | HAVE_CPU_PSI;

	if ((s->have & any) == 0)
		return;
	jsonw_key(w, "cpu");
	jsonw_obj_begin(w);
	if (s->have & HAVE_CPU_USAGE)
		jsonw_kv_u64(w, "usage_ns", s->cpu.usage_ns);
	if (s->have & HAVE_CPU_USERSYS) {
		jsonw_kv_u64(w, "user_ns", s->cpu.user_ns);
		jsonw_kv_u64(w, "system_ns", s->cpu.system_ns);
	}
	jsonw_kv_double_or_null(w, "percent", r->valid, r->cpu_percent);
	jsonw_kv_double_or_null(w, "percent_of_limit",
	    r->valid && r->has_limit, r->cpu_percent_of_limit);
	jsonw_kv_double_or_null(w, "limit_cores", r->valid && r->has_limit,
	    r->limit_cores);
	if (s->have & HAVE_CPU_QUOTA) {
		jsonw_kv_i64(w, "quota_us", s->cpu.quota_us);
		jsonw_kv_u64(w, "period_us", s->cpu.period_us);
	}
	if (s->have & HAVE_CPU_THROTTLE) {
		jsonw_kv_u64(w, "periods", s->cpu.nr_periods);
		jsonw_kv_u64(w, "throttled_periods", s->cpu.nr_throttled);
		jsonw_kv_u64(w, "throttled_ns", s->cpu.throttled_ns);
	}
	if (s->have & HAVE_CPU_PSI)
		put_psi(w, &s->cpu.psi);
	jsonw_obj_end(w);
}

static void
put_memory(struct jsonw *w, const struct container *c)
{
	const struct sample *s = &c->cur;
	const struct mem_stats *m = &s->mem;
	const uint32_t any = HAVE_MEM_USAGE | HAVE_MEM_LIMIT |
	    HAVE_MEM_MAX_USAGE | HAVE_MEM_STAT | HAVE_MEM_SWAP |
	    HAVE_MEM_FAILCNT | HAVE_MEM_OOM | HAVE_MEM_PSI;
	double pct;
	int has_pct;

	if ((s->have & any) == 0)
		return;
	jsonw_key(w, "memory");
	jsonw_obj_begin(w);
	if (s->have & HAVE_MEM_USAGE) {
		jsonw_kv_u64(w, "usage", m->usage);
		jsonw_kv_u64(w, "working_set", m->working_set);
	}
	if (s->have & HAVE_MEM_LIMIT)
		jsonw_kv_u64(w, "limit", m->limit);
	jsonw_kv_double_or_null(w, "percent", c->rates.valid,
	    c->rates.mem_percent);
	has_pct = apps_task_mem(c, &pct);
	jsonw_kv_double_or_null(w, "percent_of_limit", has_pct, pct);
	if (s->have & HAVE_MEM_MAX_USAGE)
		jsonw_kv_u64(w, "max_usage", m->max_usage);
	if (s->have & HAVE_MEM_STAT) {
		jsonw_kv_u64(w, "rss", m->rss);
		jsonw_kv_u64(w, "cache", m->cache);
		jsonw_kv_u64(w, "active_file", m->active_file);
		jsonw_kv_u64(w, "inactive_file", m->inactive_file);
		jsonw_kv_u64(w, "mapped_file", m->mapped_file);
		jsonw_kv_u64(w, "pgfault", m->pgfault);
		jsonw_kv_u64(w, "pgmajfault", m->pgmajfault);
	}
	if (s->have & HAVE_MEM_SWAP)
		jsonw_kv_u64(w, "swap", m->swap);
	if (s->have & HAVE_MEM_FAILCNT)
		jsonw_kv_u64(w, "failcnt", m->failcnt);
	if (s->have & HAVE_MEM_OOM)
		jsonw_kv_u64(w, "oom_kills", m->oom_kills);
	if (s->have & HAVE_MEM_PSI)
		put_psi(w, &m->psi);
	jsonw_obj_end(w);
}

static void
put_net_if(struct jsonw *w, const struct net_if *n)
{
	jsonw_obj_begin(w);
	jsonw_kv_str(w, "name", n->name);
	jsonw_kv_u64(w, "rx_bytes", n->rx_bytes);
	jsonw_kv_u64(w, "rx_packets", n->rx_packets);
	jsonw_kv_u64(w, "rx_errors", n->rx_errors);
	jsonw_kv_u64(w, "rx_dropped", n->rx_dropped);
	jsonw_kv_u64(w, "tx_bytes", n->tx_bytes);
	jsonw_kv_u64(w, "tx_packets", n->tx_packets);
	jsonw_kv_u64(w, "tx_errors", n->tx_errors);
	jsonw_kv_u64(w, "tx_dropped", n->tx_dropped);
	jsonw_obj_end(w);
}

static void
put_network(struct jsonw *w, const struct container *c)
{
	const struct net_stats *n = &c->cur.net;
	uint32_t i;

	if (!(c->cur.have & HAVE_NET))
		return;
	jsonw_key(w, "network");
	jsonw_obj_begin(w);
	jsonw_key(w, "interfaces");
	jsonw_arr_begin(w);
	for (i = 0; i < n->nif && i < NET_IF_MAX; i++)
		put_net_if(w, &n->ifs[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "total");
	put_net_if(w, &n->total);
	jsonw_kv_double_or_null(w, "rx_bytes_per_s", c->rates.valid,
	    c->rates.net_rx_bps);
	jsonw_kv_double_or_null(w, "tx_bytes_per_s", c->rates.valid,
	    c->rates.net_tx_bps);
	jsonw_obj_end(w);
}

static void
put_blkio_dev(struct jsonw *w, const struct blkio_dev *d, int with_dev)
{
	char dev[24];

	jsonw_obj_begin(w);
	if (with_dev) {
		snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
		jsonw_kv_str(w, "device", dev);
		jsonw_kv_u64(w, "major", d->major);
		jsonw_kv_u64(w, "minor", d->minor);
	}
	jsonw_kv_u64(w, "read_bytes", d->read_bytes);
	jsonw_kv_u64(w, "write_bytes", d->write_bytes);
	jsonw_kv_u64(w, "read_ops", d->read_ops);
	jsonw_kv_u64(w, "write_ops", d->write_ops);
	jsonw_obj_end(w);
}

static void
put_blkio(struct jsonw *w, const struct container *c)
{
	const struct blkio_stats *b = &c->cur.blkio;
	uint32_t i;

	if (!(c->cur.have & (HAVE_BLKIO | HAVE_IO_PSI)))
		return;
	jsonw_key(w, "blkio");
	jsonw_obj_begin(w);
	if (c->cur.have & HAVE_BLKIO) {
		jsonw_key(w, "devices");
		jsonw_arr_begin(w);
		for (i = 0; i < b->ndev && i < BLKIO_DEV_MAX; i++)
			put_blkio_dev(w, &b->dev[i], 1);
		jsonw_arr_end(w);
		jsonw_key(w, "total");
		put_blkio_dev(w, &b->total, 0);
		jsonw_kv_double_or_null(w, "read_bytes_per_s",
		    c->rates.valid, c->rates.blk_read_bps);
		jsonw_kv_double_or_null(w, "write_bytes_per_s",
		    c->rates.valid, c->rates.blk_write_bps);
	}
	if (c->cur.have & HAVE_IO_PSI)
		put_psi(w, &b->psi);
	jsonw_obj_end(w);
}

static void
put_pids(struct jsonw *w, const struct container *c)
{
	if (!(c->cur.have & (HAVE_PIDS | HAVE_PIDS_LIMIT)))
		return;
	jsonw_key(w, "pids");
	jsonw_obj_begin(w);
	if (c->cur.have & HAVE_PIDS)
		jsonw_kv_u64(w, "current", c->cur.pids.current);
	if (c->cur.have & HAVE_PIDS_LIMIT)
		jsonw_kv_u64(w, "limit", c->cur.pids.limit);
	jsonw_obj_end(w);
}

static void
put_container(struct jsonw *w, const struct container *c)
{
	jsonw_obj_begin(w);
	put_meta(w, c);
	put_cpu(w, c);
	put_memory(w, c);
	put_network(w, c);
	put_blkio(w, c);
	put_pids(w, c);
	jsonw_obj_end(w);
}

enum apijson_result
apijson_find(const struct container_table *t, const char *id, size_t *idx)
{
	size_t i, len = strlen(id), found = 0;

	*idx = 0;
	if (len == 0)
		return APIJSON_NOT_FOUND;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->c[i]->meta.id, id) == 0) {
			*idx = i;
			return APIJSON_OK;
		}
	if (len < APIJSON_ID_PREFIX_MIN)
		return APIJSON_NOT_FOUND;
	for (i = 0; i < t->n; i++)
		if (strncmp(t->c[i]->meta.id, id, len) == 0) {
			if (found++ > 0)
				return APIJSON_AMBIGUOUS;
			*idx = i;
		}
	return found == 1 ? APIJSON_OK : APIJSON_NOT_FOUND;
}

enum apijson_result
apijson_containers(const struct container_table *t, struct buf *out)
{
	struct jsonw w;
	size_t start = out->len, i;

	jsonw_init(&w, out);
	jsonw_arr_begin(&w);
	for (i = 0; i < t->n && !w.failed; i++)
		put_container(&w, t->c[i]);
	jsonw_arr_end(&w);
	return finish(&w, out, start);
}

enum apijson_result
apijson_container(const struct container_table *t, const char *id,
    struct buf *out)
{
	struct jsonw w;
	size_t start = out->len, idx;
	enum apijson_result r;

	r = apijson_find(t, id, &idx);
	if (r != APIJSON_OK)
		return r;
	jsonw_init(&w, out);
	put_container(&w, t->c[idx]);
	return finish(&w, out, start);
}

static void
put_stat(struct jsonw *w, const char *key, const struct apps_stat *s)
{
	jsonw_key(w, key);
	jsonw_obj_begin(w);
	jsonw_kv_u64(w, "n", s->n);
	jsonw_kv_double_or_null(w, "mean", s->n > 0, s->mean);
	jsonw_kv_double_or_null(w, "max", s->n > 0, s->max);
	jsonw_obj_end(w);
}

static void
put_task(struct jsonw *w, const struct container *c)
{
	double v;
	int ok;

	jsonw_obj_begin(w);
	jsonw_key(w, "mesos_task_id");
	jsonw_str_or_null(w, c->meta.mesos_task_id);
	jsonw_kv_str(w, "container_id", c->meta.id);
	jsonw_kv_str(w, "name", c->meta.name);
	jsonw_key(w, "state");
	jsonw_str_or_null(w, c->meta.state);
	put_time(w, "started", c->meta.started_ns);
	ok = apps_task_cpu(c, &v);
	jsonw_kv_double_or_null(w, "cpu_percent_of_limit", ok, v);
	jsonw_kv_double_or_null(w, "cpu_percent", c->rates.valid,
	    c->rates.cpu_percent);
	jsonw_kv_double_or_null(w, "cpu_limit_cores",
	    c->rates.valid && c->rates.has_limit, c->rates.limit_cores);
	ok = apps_task_mem(c, &v);
	jsonw_kv_double_or_null(w, "mem_percent_of_limit", ok, v);
	jsonw_key(w, "mem_working_set");
	if (c->cur.have & HAVE_MEM_USAGE)
		jsonw_u64(w, c->cur.mem.working_set);
	else
		jsonw_null(w);
	jsonw_key(w, "mem_limit");
	if (c->cur.have & HAVE_MEM_LIMIT)
		jsonw_u64(w, c->cur.mem.limit);
	else
		jsonw_null(w);
	jsonw_obj_end(w);
}

static void
put_app(struct jsonw *w, const struct container_table *t,
    const struct container *const *tasks, size_t n, int64_t now_mono_ns)
{
	struct apps_summary s;
	char id[CONTAINER_NAME_MAX + 1];
	const char *raw = tasks[0]->meta.marathon_app_id;
	double age;
	size_t i;

	apps_summarize(tasks, n, &s);
	/* The absolute form, as Marathon writes it. */
	while (*raw == '/')
		raw++;
	snprintf(id, sizeof(id), "/%s", raw);
	jsonw_obj_begin(w);
	jsonw_kv_str(w, "id", id);
	jsonw_kv_str(w, "host", t->host);
	put_time(w, "sampled_at", t->sweep_ts_ns);
	/* On the monotonic clock: not now - sampled_at after a clock step. */
	age = (double)(now_mono_ns - t->sweep_mono_ns) / 1e9;
	jsonw_kv_double_or_null(w, "sample_age_s", t->sweeps > 0,
	    age < 0 ? 0 : age);
	jsonw_kv_u64(w, "task_count", s.tasks);
	put_stat(w, "cpu_percent_of_limit", &s.cpu);
	put_stat(w, "mem_percent_of_limit", &s.mem);
	jsonw_key(w, "tasks");
	jsonw_arr_begin(w);
	for (i = 0; i < n; i++)
		put_task(w, tasks[i]);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

enum apijson_result
apijson_apps(const struct container_table *t, int64_t now_mono_ns,
    struct buf *out)
{
	struct apps_index ix;
	struct jsonw w;
	size_t start = out->len, pos = 0, first, count;
	enum apijson_result r;

	if (apps_index_build(&ix, t->c, t->n) != 0)
		return APIJSON_NOMEM;
	jsonw_init(&w, out);
	jsonw_arr_begin(&w);
	while (!w.failed && apps_next(&ix, &pos, &first, &count))
		put_app(&w, t, ix.c + first, count, now_mono_ns);
	jsonw_arr_end(&w);
	r = finish(&w, out, start);
	apps_index_free(&ix);
	return r;
}

enum apijson_result
apijson_app(const struct container_table *t, const char *app_id,
    int64_t now_mono_ns, struct buf *out)
{
	struct apps_index ix;
	struct jsonw w;
	size_t start = out->len, first, count;
	enum apijson_result r;

	if (apps_index_build(&ix, t->c, t->n) != 0)
		return APIJSON_NOMEM;
	if (!apps_find(&ix, app_id, &first, &count)) {
		r = APIJSON_NOT_FOUND;
		goto out;
	}
	jsonw_init(&w, out);
	put_app(&w, t, ix.c + first, count, now_mono_ns);
	r = finish(&w, out, start);
out:
	apps_index_free(&ix);
	return r;
}

enum apijson_result
apijson_health(const struct container_table *t, int64_t now_mono_ns,
    int64_t since_mono_ns, double interval_s, struct buf *out,
    int *http_status)
{
	struct jsonw w;
	size_t start = out->len;
	int64_t ref = t->sweeps > 0 ? t->sweep_mono_ns : since_mono_ns;
	double age = (double)(now_mono_ns - ref) / 1e9;
	int healthy;
	const char *status;

	/* The monotonic clock does not step; a negative age is a sweep that
	 * began after the caller read `now`. */
	if (age < 0)
		age = 0;
	healthy = age <= 3.0 * interval_s;
	if (!healthy)
		status = "stale";
	else
		status = t->sweeps > 0 ? "ok" : "starting";
	*http_status = healthy ? 200 : 503;
	jsonw_init(&w, out);
	jsonw_obj_begin(&w);
	jsonw_kv_str(&w, "status", status);
	jsonw_kv_u64(&w, "sweeps", t->sweeps);
	jsonw_kv_double_or_null(&w, "last_sweep_age_s", t->sweeps > 0, age);
	put_time(&w, "last_sweep", t->sweeps > 0 ? t->sweep_ts_ns : 0);
	jsonw_kv_double(&w, "interval_s", interval_s);
	jsonw_kv_u64(&w, "containers", t->n);
	jsonw_obj_end(&w);
	return finish(&w, out, start);
}

enum apijson_result
apijson_error(struct buf *out, const char *msg)
{
	struct jsonw w;
	size_t start = out->len;

	jsonw_init(&w, out);
	jsonw_obj_begin(&w);
	jsonw_kv_str(&w, "error", msg);
	jsonw_obj_end(&w);
	return finish(&w, out, start);
}
