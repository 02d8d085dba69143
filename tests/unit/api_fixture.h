/*
 * api_fixture.h — a container table built by hand for the API and
 * exposition tests (test_api.c, test_prom.c, test_apps.c, test_apijson.c).
 * Header-only (static functions) because every test binary is linked on
 * its own.
 *
 * The table:
 *   c[0] web-1  task shop_web.t1 of /shop/web, cpu 0.5 cores, mem 512 MiB,
 *               40 % of cpu limit, 128 MiB working set (25 %)
 *   c[1] web-2  task shop_web.t2 of /shop/web, cpu 0.5 cores, mem 512 MiB,
 *               80 % of cpu limit, 384 MiB working set (75 %)
 *   c[2] plain  no app, no limits, hostile label values, two interfaces,
 *               one block device
 *   c[3] deep   task a_b_c.t1 of /a/b/c, memory limit 1 GiB, 256 MiB
 *               working set (25 %), first sample only (no rates yet)
 */
#ifndef HOIST_API_FIXTURE_H
#define HOIST_API_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "collector/container.h"
#include "common/util.h"

#define FIX_ID0 "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define FIX_ID1 "0a1b2c3d4e5fffff8293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define FIX_ID2 "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"
#define FIX_ID3 "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3"
#define FIX_MIB (1024ull * 1024ull)
/* 2026-11-26T05:00:00Z */
#define FIX_SWEEP_NS 1795669200000000000LL
/* The same sweep on the monotonic clock: about a day after boot. */
#define FIX_SWEEP_MONO_NS 86400000000000LL

static void __attribute__((unused))
fix_label(struct container *c, const char *k, const char *v)
{
	struct label *l = &c->meta.labels[c->meta.nlabels++];

	l->key = strdup(k);
	l->value = strdup(v);
}

static struct container * __attribute__((unused))
fix_task(const char *id, const char *name, const char *app,
    const char *task, double cpu_pct_of_limit, uint64_t ws_mib)
{
	struct container *c = calloc(1, sizeof(*c));

	str_copy_trunc(c->meta.id, id, sizeof(c->meta.id));
	str_copy_trunc(c->meta.name, name, sizeof(c->meta.name));
	str_copy_trunc(c->meta.image, "registry.example/shop/web",
	    sizeof(c->meta.image));
	str_copy_trunc(c->meta.version, "1.4.2", sizeof(c->meta.version));
	c->meta.runtime = RUNTIME_DOCKER;
	str_copy_trunc(c->meta.marathon_app_id, app,
	    sizeof(c->meta.marathon_app_id));
	str_copy_trunc(c->meta.mesos_task_id, task,
	    sizeof(c->meta.mesos_task_id));
	str_copy_trunc(c->meta.state, "running", sizeof(c->meta.state));
	c->meta.pid = 4242;
	c->meta.started_ns = FIX_SWEEP_NS - 3600LL * 1000000000LL;
	str_copy_trunc(c->cgroup_path, "/docker/x", sizeof(c->cgroup_path));
	c->cur.have = HAVE_CPU_USAGE | HAVE_CPU_USERSYS | HAVE_CPU_THROTTLE |
	    HAVE_CPU_QUOTA | HAVE_MEM_USAGE | HAVE_MEM_LIMIT | HAVE_MEM_STAT |
	    HAVE_PIDS | HAVE_PIDS_LIMIT;
	c->cur.cpu.usage_ns = 12500000000ull;       /* 12.5 s */
	c->cur.cpu.user_ns = 10000000000ull;
	c->cur.cpu.system_ns = 2500000000ull;
	c->cur.cpu.nr_periods = 1000;
	c->cur.cpu.nr_throttled = 25;
	c->cur.cpu.throttled_ns = 1500000000ull;    /* 1.5 s */
	c->cur.cpu.quota_us = 50000;
	c->cur.cpu.period_us = 100000;
	c->cur.mem.usage = (ws_mib + 16) * FIX_MIB;
	c->cur.mem.working_set = ws_mib * FIX_MIB;
	c->cur.mem.limit = 512 * FIX_MIB;
	c->cur.mem.rss = 100 * FIX_MIB;
	c->cur.mem.cache = 30 * FIX_MIB;
	c->cur.pids.current = 17;
	c->cur.pids.limit = 1024;
	c->rates.valid = 1;
	c->rates.has_limit = 1;
	c->rates.limit_cores = 0.5;
	c->rates.cpu_percent_of_limit = cpu_pct_of_limit;
	c->rates.cpu_percent = cpu_pct_of_limit / 2;
	c->rates.mem_percent = 100.0 * (double)ws_mib / 512.0;
	return c;
}

static struct container * __attribute__((unused))
fix_plain(void)
{
	struct container *c = calloc(1, sizeof(*c));
	struct net_if *eth;

	str_copy_trunc(c->meta.id, FIX_ID2, sizeof(c->meta.id));
	str_copy_trunc(c->meta.name, "plain", sizeof(c->meta.name));
	str_copy_trunc(c->meta.image, "busybox", sizeof(c->meta.image));
	str_copy_trunc(c->meta.version, "latest", sizeof(c->meta.version));
	c->meta.runtime = RUNTIME_DOCKER;
	str_copy_trunc(c->meta.state, "running", sizeof(c->meta.state));
	fix_label(c, "com.example.note", "say \"hi\"\\ and\nbye");
	fix_label(c, "team", "ops");
	c->cur.have = HAVE_CPU_USAGE | HAVE_MEM_USAGE | HAVE_MEM_STAT |
	    HAVE_MEM_SWAP | HAVE_MEM_OOM | HAVE_NET | HAVE_BLKIO | HAVE_PIDS;
	c->cur.cpu.usage_ns = 1234567890ull;
	c->cur.cpu.quota_us = -1;
	c->cur.mem.usage = 64 * FIX_MIB;
	c->cur.mem.working_set = 48 * FIX_MIB;
	c->cur.mem.rss = 40 * FIX_MIB;
	c->cur.mem.cache = 16 * FIX_MIB;
	c->cur.mem.swap = 0;
	c->cur.mem.oom_kills = 2;
	c->cur.net.nif = 2;
	eth = &c->cur.net.ifs[0];
	str_copy_trunc(eth->name, "eth0", sizeof(eth->name));
	eth->rx_bytes = 1000; eth->rx_packets = 10; eth->rx_errors = 1;
	eth->rx_dropped = 2; eth->tx_bytes = 2000; eth->tx_packets = 20;
	eth->tx_errors = 3; eth->tx_dropped = 4;
	eth = &c->cur.net.ifs[1];
	str_copy_trunc(eth->name, "eth1", sizeof(eth->name));
	eth->rx_bytes = 5; eth->tx_bytes = 7;
	str_copy_trunc(c->cur.net.total.name, "total",
	    sizeof(c->cur.net.total.name));
	c->cur.net.total.rx_bytes = 1005;
	c->cur.net.total.tx_bytes = 2007;
	c->cur.blkio.ndev = 1;
	c->cur.blkio.dev[0].major = 8;
	c->cur.blkio.dev[0].minor = 0;
	c->cur.blkio.dev[0].read_bytes = 4096;
	c->cur.blkio.dev[0].write_bytes = 8192;
	c->cur.blkio.dev[0].read_ops = 1;
	c->cur.blkio.dev[0].write_ops = 2;
	c->cur.blkio.total = c->cur.blkio.dev[0];
	c->cur.blkio.total.major = c->cur.blkio.total.minor = 0;
	c->cur.pids.current = 3;
	c->rates.valid = 1;
	c->rates.has_limit = 0;
	c->rates.cpu_percent = 12.5;
	c->rates.mem_percent = 0.6;
	c->rates.net_rx_bps = 100;
	c->rates.net_tx_bps = 200;
	c->rates.blk_read_bps = 0;
	c->rates.blk_write_bps = 409.6;
	return c;
}

static struct container * __attribute__((unused))
fix_deep(void)
{
	struct container *c = fix_task(FIX_ID3, "deep", "/a/b/c", "a_b_c.t1",
	    0, 256);

	c->cur.mem.limit = 1024 * FIX_MIB;
	c->rates.valid = 0;             /* one sample so far */
	c->rates.has_limit = 0;
	return c;
}

static void __attribute__((unused))
fix_table_init(struct container_table *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->cap = 4;
	t->c = calloc(t->cap, sizeof(*t->c));
	t->c[t->n++] = fix_task(FIX_ID0, "web-1", "/shop/web", "shop_web.t1",
	    40, 128);
	t->c[t->n++] = fix_task(FIX_ID1, "web-2", "/shop/web", "shop_web.t2",
	    80, 384);
	t->c[t->n++] = fix_plain();
	t->c[t->n++] = fix_deep();
	str_copy_trunc(t->host, "agent-1", sizeof(t->host));
	t->sweep_ts_ns = FIX_SWEEP_NS;
	t->sweep_mono_ns = FIX_SWEEP_MONO_NS;
	t->sweeps = 42;
	t->health.started_ns = FIX_SWEEP_NS - 420LL * 1000000000LL;
	t->health.started_mono_ns = FIX_SWEEP_MONO_NS - 420LL * 1000000000LL;
	t->health.sweeps = 42;
	t->health.last_sweep_ms = 12.5;
	t->health.containers = 4;
	t->health.points_last_sweep = 40;
	t->health.points_written = 1600;
	t->health.points_dropped = 3;
	t->health.points_spooled = 7;
	t->health.spool_bytes = 65536;
	t->health.err_cgroup_read = 1;
	t->health.err_docker = 2;
}

static void __attribute__((unused))
fix_table_free(struct container_table *t)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < t->c[i]->meta.nlabels; k++) {
			free(t->c[i]->meta.labels[k].key);
			free(t->c[i]->meta.labels[k].value);
		}
		free(t->c[i]);
	}
	free(t->c);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

#endif
