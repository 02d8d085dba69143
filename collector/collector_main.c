/*
 * collector_main.c — hoist-collector: the per-host agent.
 *
 *   hoist-collector [-hnv] [-c FILE] [-i SEC] [-l ADDR:PORT] [-o SPEC]...
 *                   [--once] [--KEY VALUE]...
 *
 * Every flag is also a config-file key (common/conf.h).  Runs until SIGTERM
 * or SIGINT; SIGHUP reopens file outputs (logrotate).  --once takes two
 * samples --interval apart, writes one sweep and exits.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/api.h"
#include "collector/collector.h"
#include "collector/docker.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/notify.h"
#include "common/startup.h"
#include "common/util.h"
#include "sinks/sink.h"
#include "sinks/sink_status.h"

#define DEFAULT_CONFIG  "/etc/hoist/collector.conf"
#define SWEEP_BUF_MAX   (256u << 20)   /* line protocol of one sweep */
#define SWEEP_CHUNK     (128u << 10)   /* handed to the outputs mid-sweep */
#define MMAP_THRESHOLD  (128 << 10)    /* malloc: bigger blocks are mmapped */
#define OPTS_MAX        80

struct settings {
	double           interval;
	int              once;
	struct conf_list output;
	char             docker[CONF_STR_MAX];
	int64_t          docker_timeout_ms;
	int64_t          docker_refresh_s;
	char             label_include[CONF_STR_MAX];
	char             cgroup_root[CONF_STR_MAX];
	struct conf_list cgroup_prefix;
	char             schema[CONF_STR_MAX];
	int              percpu;
	int              self_metrics;
	int64_t          max_open_files;
	int64_t          slow_files_every;
	int64_t          pressure_interval_s;
	int              keep_slow_files_open;
	int64_t          max_sweeps;
	char             listen[CONF_STR_MAX];
	int64_t          shutdown_flush_ms;
	int              host_metrics;
	char             host_disk_ignore_fs[CONF_STR_MAX];
	char             host_disk_mounts[CONF_STR_MAX];
	char             host_net_interfaces[CONF_STR_MAX];
	char             container_net_interfaces[CONF_STR_MAX];
	char             host_diskio_devices[CONF_STR_MAX];
	int64_t          host_disk_timeout_ms;
	int64_t          host_processes_interval_s;
	struct sink_options sink;
	struct httpd_settings api;
};

#define S(f) offsetof(struct settings, f)
static const struct conf_opt collector_opts[] = {
	{ "interval", 'i', CONF_DOUBLE, S(interval), 0.05, 3600, "10", "SEC",
	  "seconds between sweeps" },
	{ "once", 0, CONF_BOOL, S(once), 0, 0, "no", NULL,
	  "take two samples --interval apart, write one sweep, exit" },
	{ "output", 'o', CONF_LIST, S(output), 0, 0, NULL, "SPEC",
	  "stdout | file:PATH | influxdb:URL | influxdb2:URL (repeatable; "
	  "default stdout)" },
	{ "docker", 0, CONF_STR, S(docker), 0, 0,
	  "unix:///var/run/docker.sock", "URL",
	  "Docker Engine API (unix:///path or http://host:port; none = off)" },
	{ "docker_timeout_ms", 0, CONF_INT, S(docker_timeout_ms), 100, 60000,
	  "3000", "MS", "one Docker API request, whole" },
	{ "docker_refresh_s", 0, CONF_INT, S(docker_refresh_s), 1, 3600, "10",
	  "SEC", "period of the Docker container list refresh" },
	{ "label_include", 0, CONF_STR, S(label_include), 0, 0, "", "LIST",
	  "Docker labels to tag points with (comma-separated, * at the end "
	  "matches a prefix)" },
	{ "cgroup_root", 0, CONF_STR, S(cgroup_root), 0, 0, "/sys/fs/cgroup",
	  "DIR", "where cgroups are mounted (a fixture tree in tests)" },
	{ "cgroup_prefix", 0, CONF_LIST, S(cgroup_prefix), 0, 0, NULL, "GLOB",
	  "extra cgroups to measure, relative to the root (repeatable), e.g. "
	  "system.slice/nginx.service" },
	{ "schema", 0, CONF_STR, S(schema), 0, 0, "hoist", "NAME",
	  "hoist (container_*) or telegraf (docker_container_*)" },
	{ "percpu", 0, CONF_BOOL, S(percpu), 0, 0, "yes", NULL,
	  "per-CPU usage points (cgroup v1)" },
	{ "self_metrics", 0, CONF_BOOL, S(self_metrics), 0, 0, "yes", NULL,
	  "write the hoist_collector health point every sweep" },
	{ "max_open_files", 0, CONF_INT, S(max_open_files), 0, 1000000, "0",
	  "N", "stat files kept open (0: RLIMIT_NOFILE - 256); past it, "
	  "files are opened per read" },
	{ "slow_files_every", 0, CONF_INT, S(slow_files_every), 1, 3600, "10",
	  "N", "read rarely-changing cgroup files (limits, quotas, *.max, "
	  "failcnt, max_usage, oom_control) every Nth sweep (1: every sweep)" },
	{ "pressure_interval_s", 0, CONF_INT, S(pressure_interval_s), 0, 3600,
	  "10", "SEC", "read the pressure (PSI) files at most this often "
	  "(0: every sweep); the sweeps between repeat the last figures" },
	{ "keep_slow_files_open", 0, CONF_BOOL, S(keep_slow_files_open), 0, 0,
	  "yes", NULL, "keep the rarely-read cgroup files (slow and pressure) "
	  "open between reads (no: opened for each read, about 50 KB less "
	  "kernel memory a container, more CPU)" },
	{ "container_net_interfaces", 0, CONF_STR,
	  S(container_net_interfaces), 0, 0, COLLECTOR_NET_INTERFACES_DEFAULT,
	  "GLOBS", "containers' interfaces reported by container_net (!GLOB "
	  "excludes; first match wins); a namespace with none is looked at "
	  "again every slow_files_every sweeps" },
	{ "listen", 'l', CONF_STR, S(listen), 0, 0, API_LISTEN_DEFAULT,
	  "ADDR:PORT", "HTTP API address ([::1]:PORT for IPv6; none = off)" },
	{ "shutdown_flush_ms", 0, CONF_INT, S(shutdown_flush_ms), 0, 600000,
	  "5000", "MS", "on exit, how long outputs may deliver what is queued "
	  "before the rest goes to the spool" },
	{ "host_metrics", 0, CONF_BOOL, S(host_metrics), 0, 0, "yes", NULL,
	  "the host's own metrics (cpu, mem, swap, system, kernel, processes, "
	  "disk, diskio, net; docs/host-metrics.md)" },
	{ "host_disk_ignore_fs", 0, CONF_STR, S(host_disk_ignore_fs), 0, 0,
	  HOST_DISK_IGNORE_FS_DEFAULT, "LIST",
	  "filesystem types left out of disk (comma-separated globs)" },
	{ "host_disk_mounts", 0, CONF_STR, S(host_disk_mounts), 0, 0, "",
	  "GLOBS", "mount points measured by disk (empty: all; !GLOB "
	  "excludes)" },
	{ "host_net_interfaces", 0, CONF_STR, S(host_net_interfaces), 0, 0,
	  HOST_NET_INTERFACES_DEFAULT, "GLOBS",
	  "interfaces reported by net (!GLOB excludes; first match wins)" },
	{ "host_diskio_devices", 0, CONF_STR, S(host_diskio_devices), 0, 0,
	  HOST_DISKIO_DEVICES_DEFAULT, "GLOBS",
	  "block devices reported by diskio (!GLOB excludes; first match "
	  "wins)" },
	{ "host_disk_timeout_ms", 0, CONF_INT, S(host_disk_timeout_ms), 1,
	  60000, "200", "MS", "how long a sweep waits for statvfs; a mount "
	  "slower than that is skipped until it answers" },
	{ "host_processes_interval_s", 0, CONF_INT,
	  S(host_processes_interval_s), 0, 86400, "300", "SEC",
	  "period of the /proc/<pid>/stat scan behind processes (0: every "
	  "sweep)" },
	{ "max_sweeps", 0, CONF_INT, S(max_sweeps), 0, 1e12, "0", "N",
	  "exit after N sweeps (0: run until SIGTERM; for tests and "
	  "benchmarks)" },
};
#undef S

static volatile sig_atomic_t got_stop, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	notify_wedge_hook();
}

/* Sleep until the absolute monotonic time `until`; returns early on a
 * signal. */
static void
sleep_until(int64_t until)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(until / 1000000000LL);
	ts.tv_nsec = (long)(until % 1000000000LL);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static size_t
build_table(struct conf_opt *opts, size_t max)
{
	size_t n = 0;

	conf_table_append(opts, &n, max, collector_opts,
	    ARRAY_LEN(collector_opts), 0);
	conf_table_append(opts, &n, max, httpd_conf_opts, httpd_conf_nopts,
	    offsetof(struct settings, api));
	conf_table_append(opts, &n, max, sink_conf_opts, sink_conf_nopts,
	    offsetof(struct settings, sink));
	return n;
}

struct outputs {
	struct sink *s[CONF_LIST_MAX];
	int          n;
};

static int
open_outputs(const struct settings *st, struct outputs *o, char *err,
    size_t errlen)
{
	int i;

	memset(o, 0, sizeof(*o));
	if (st->output.n == 0) {
		o->s[0] = sink_open("stdout", &st->sink, err, errlen);
		if (o->s[0] == NULL)
			return -1;
		o->n = 1;
		return 0;
	}
	for (i = 0; i < st->output.n; i++) {
		char msg[512];

		o->s[i] = sink_open(st->output.v[i], &st->sink, msg,
		    sizeof(msg));
		if (o->s[i] == NULL) {
			snprintf(err, errlen, "output '%.200s': %s",
			    st->output.v[i], msg);
			return -1;
		}
		o->n = i + 1;
	}
	return 0;
}

static void
close_outputs(struct outputs *o, long flush_ms)
{
	int64_t until = now_mono_ns() + (int64_t)flush_ms * 1000000;
	int i;

	/* Give every output its chance within one shared deadline; what
	 * is left goes to its spool in sink_close(). */
	for (i = 0; i < o->n; i++) {
		long left = (long)((until - now_mono_ns()) / 1000000);
		sink_flush(o->s[i], left > 0 ? left : 0);
	}
	for (i = 0; i < o->n; i++)
		sink_close(o->s[i]);
	o->n = 0;
}

/* Check what the table cannot: schema names, output specs' form. */
static int
check_settings(const struct settings *st, enum schema *schema, char *err,
    size_t errlen)
{
	if (format_schema_parse(st->schema, schema) != 0) {
		snprintf(err, errlen, "schema: '%.64s' is not hoist or "
		    "telegraf", st->schema);
		return -1;
	}
	return 0;
}

static void
sum_sink_stats(struct collector *c, struct outputs *o)
{
	struct collector_health *h = &c->table.health;
	struct sink_stats ss;
	int i;

	struct sink_stats total;
	struct docker_stats ds;

	docker_get_stats(c->docker, &ds);
	memset(&total, 0, sizeof(total));
	for (i = 0; i < o->n; i++) {
		sink_get_stats(o->s[i], &ss);
		sink_stats_add(&total, &ss);
	}
	pthread_mutex_lock(&c->table.lock);
	h->err_docker = ds.errors;
	h->points_written = total.points_written;
	h->points_dropped = total.points_dropped;
	h->points_spooled = total.points_spooled;
	h->spool_bytes = total.spool_bytes;
	h->out_rejected = total.outcomes[SINK_OUT_PARTIAL] +
	    total.outcomes[SINK_OUT_REJECTED] + total.outcomes[SINK_OUT_TOO_LARGE];
	h->out_config = total.outcomes[SINK_OUT_CONFIG];
	h->out_unavailable = total.outcomes[SINK_OUT_THROTTLED] +
	    total.outcomes[SINK_OUT_SERVER] + total.outcomes[SINK_OUT_NETWORK];
	h->out_retries = total.retries;
	h->spool_corrupt = total.spool_corrupt;
	h->spool_dropped = total.spool_segments_dropped;
	pthread_mutex_unlock(&c->table.lock);
}

/* What the sweep's flush callback needs; both borrowed. */
struct chunk_ctx {
	struct collector *c;
	struct outputs   *o;
};

/* Hand the lines in out to every output, then empty out.  The refusals
 * are counted under the table's lock: the API thread reads health. */
static void
write_out(struct collector *c, struct outputs *o, struct buf *out)
{
	uint64_t refused = 0;
	int i;

	for (i = 0; i < o->n; i++)
		if (sink_write(o->s[i], out->data ? out->data : "",
		    out->len) != 0)
			refused++;
	if (refused > 0) {
		pthread_mutex_lock(&c->table.lock);
		c->table.health.err_output += refused;
		pthread_mutex_unlock(&c->table.lock);
	}
	buf_reset(out);
}

/* collector_sweep()'s flush callback: a chunk of whole lines, mid-sweep. */
static void
write_chunk(void *arg, struct buf *out)
{
	struct chunk_ctx *x = arg;

	write_out(x->c, x->o, out);
}

/* The rest of the sweep, with the health point at the end. */
static void
write_sweep(struct collector *c, struct outputs *o, struct buf *out,
    const char *host, int self_metrics, int64_t ts)
{
	if (self_metrics)
		collector_health_point(c, host, ts, out);
	write_out(c, o, out);
}

/* Everything main() builds; torn down once, in agent_free(). */
struct agent {
	struct settings  st;
	enum schema      schema;
	struct outputs   outs;
	struct chunk_ctx chunk;
	struct docker   *docker;      /* owned; NULL when off */
	struct collector c;
	int              c_ready;     /* collector_init() succeeded */
	struct api      *api;         /* owned; NULL when off */
	struct buf       out;
};

/* The Docker metadata client, unless docker = none.  0 or -1 with err. */
static int
agent_docker(struct agent *ag, char *err, size_t errlen)
{
	struct docker_options dopt;

	if (docker_url_disabled(ag->st.docker))
		return 0;
	docker_options_init(&dopt);
	dopt.timeout_ms = (long)ag->st.docker_timeout_ms;
	dopt.refresh_ms = (long)ag->st.docker_refresh_s * 1000;
	dopt.label_include = ag->st.label_include;
	ag->docker = docker_new(ag->st.docker, &dopt, err, errlen);
	return ag->docker != NULL ? 0 : -1;
}

/* The host metrics' options; the strings are borrowed from st. */
static void
host_options_from(const struct settings *st, struct host_options *h)
{
	h->proc_root = "/proc";
	h->disk_ignore_fs = st->host_disk_ignore_fs;
	h->disk_mounts = st->host_disk_mounts;
	h->net_interfaces = st->host_net_interfaces;
	h->diskio_devices = st->host_diskio_devices;
	h->disk_timeout_ms = (long)st->host_disk_timeout_ms;
	h->processes_interval_s = (long)st->host_processes_interval_s;
}

/* The collector proper, wired to the outputs.  0 or -1 with err. */
static int
agent_collector(struct agent *ag, char *err, size_t errlen)
{
	const struct settings *st = &ag->st;
	struct collector_options co;
	int i;

	memset(&co, 0, sizeof(co));
	co.cgroup_root = st->cgroup_root;
	co.hostname = st->sink.hostname;
	co.schema = ag->schema;
	co.percpu = st->percpu;
	co.fd_budget = (long)st->max_open_files;
	co.slow_files_every = (uint32_t)st->slow_files_every;
	co.pressure_interval_s = (uint32_t)st->pressure_interval_s;
	co.net_interfaces = st->container_net_interfaces;
	co.slow_files_on_demand = !st->keep_slow_files_open;
	for (i = 0; i < st->cgroup_prefix.n && i < DISCOVER_PREFIX_MAX; i++)
		co.disc.prefixes[co.disc.nprefixes++] = st->cgroup_prefix.v[i];
	co.docker_refresh_sweeps = 30;
	co.host_metrics = st->host_metrics;
	host_options_from(st, &co.host);
	ag->chunk.c = &ag->c;
	ag->chunk.o = &ag->outs;
	co.flush = write_chunk;
	co.flush_arg = &ag->chunk;
	co.flush_bytes = SWEEP_CHUNK;
	if (collector_init(&ag->c, &co, ag->docker, err, errlen) != 0)
		return -1;
	ag->c_ready = 1;
	return 0;
}

/* The HTTP API, unless it is off or this is a --once run. */
static int
agent_api(struct agent *ag, char *err, size_t errlen)
{
	const struct settings *st = &ag->st;
	struct api_options ao;

	memset(&ao, 0, sizeof(ao));
	ao.listen = st->listen;
	ao.token_file = st->api.api_token_file;
	ao.tls_cert_file = st->api.api_tls_cert;
	ao.tls_key_file = st->api.api_tls_key;
	ao.interval_s = st->interval;
	ao.max_connections = (unsigned)st->api.api_max_connections;
	ao.timeout_s = (unsigned)st->api.api_timeout_s;
	if (!api_enabled(&ao) || st->once)
		return 0;
	ag->api = api_start(&ag->c.table, &ao, err, errlen);
	if (ag->api == NULL)
		return -1;
	log_info("api listening on %s (port %u)", st->listen,
	    api_port(ag->api));
	return 0;
}

/* --once: two samples --interval apart, one sweep written. */
static void
agent_once(struct agent *ag)
{
	int64_t ts;

	collector_sweep(&ag->c, now_realtime_ns(), NULL);
	sleep_until(now_mono_ns() + (int64_t)(ag->st.interval * 1e9));
	if (got_stop)
		return;
	ts = now_realtime_ns();
	collector_sweep(&ag->c, ts, &ag->out);
	write_sweep(&ag->c, &ag->outs, &ag->out, ag->st.sink.hostname,
	    ag->st.self_metrics, ts);
}

/* One sweep of the main loop, written to the outputs. */
static void
agent_sweep(struct agent *ag)
{
	struct collector *c = &ag->c;
	int64_t ts = now_realtime_ns();
	int i;

	if (got_hup) {
		got_hup = 0;
		for (i = 0; i < ag->outs.n; i++)
			sink_reopen(ag->outs.s[i]);
	}
	buf_reset(&ag->out);
	if (collector_sweep(c, ts, &ag->out) < 0)
		log_warnx("sweep: line protocol over %u MB; the "
		    "containers past it were left out this sweep",
		    SWEEP_BUF_MAX >> 20);
	sum_sink_stats(c, &ag->outs);
	write_sweep(c, &ag->outs, &ag->out, ag->st.sink.hostname,
	    ag->st.self_metrics, ts);
	if (c->table.sweeps == 1) {
		/* First sweep done and the API listening: ready. */
		if (notify_ready() < 0)
			log_warn("sd_notify READY");
	}
	notify_status("%llu containers, last sweep %.1f ms",
	    (unsigned long long)c->table.health.containers,
	    c->table.health.last_sweep_ms);
}

/* Sweep every --interval until SIGTERM/SIGINT or max_sweeps. */
static void
agent_loop(struct agent *ag)
{
	int64_t period_ns = (int64_t)(ag->st.interval * 1e9);
	int64_t next = now_mono_ns();
	int64_t wd_ns = (int64_t)notify_watchdog_interval_ns();

	while (!got_stop) {
		agent_sweep(ag);
		if (ag->st.max_sweeps > 0 &&
		    ag->c.table.sweeps >= (uint64_t)ag->st.max_sweeps)
			break;
		next += period_ns;
		if (next < now_mono_ns())
			next = now_mono_ns() + period_ns;  /* fell behind */
		/* Keep the watchdog fed while waiting for the next sweep. */
		while (!got_stop && now_mono_ns() < next) {
			notify_watchdog();
			sleep_until(wd_ns > 0 && now_mono_ns() + wd_ns < next ?
			    now_mono_ns() + wd_ns : next);
		}
	}
	notify_stopping();
}

/* Tear down whatever was built; outputs get flush_ms to deliver. */
static void
agent_free(struct agent *ag, long flush_ms)
{
	api_stop(ag->api);
	close_outputs(&ag->outs, flush_ms);
	if (ag->c_ready)
		collector_free(&ag->c);
	docker_free(ag->docker);
	buf_free(&ag->out);
}

int
main(int argc, char **argv)
{
	static struct agent ag;       /* large: off the stack */
	struct conf_opt opts[OPTS_MAX];
	/* The usage line mirrors the SYNOPSIS of man/hoist-collector.8. */
	struct startup su = { .progname = "hoist-collector",
	    .synopsis = "[-hnv] [-c FILE] [-i SEC] "
	    "[-l ADDR:PORT] [-o SPEC]... [--once] [--KEY VALUE]...",
	    .default_config = DEFAULT_CONFIG, .opts = opts };
	struct conf_cli cli;
	char err[1024];
	long flush_ms = 0;
	int ret;

	/*
	 * glibc raises its mmap threshold to the size of the biggest mmapped
	 * block freed so far, after which blocks that size come from the
	 * heap and stay there when freed.  An API reply is such a block (2 MB
	 * of /metrics at 1000 containers): one scrape kept it resident for
	 * good.  A fixed threshold keeps big blocks mmapped, so free() gives
	 * them back.
	 */
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	su.nopts = build_table(opts, OPTS_MAX);
	ret = startup_begin(&su, &ag.st, sizeof(ag.st), ag.st.sink.hostname,
	    sizeof(ag.st.sink.hostname), argc, argv, &cli);
	if (ret >= 0)
		return ret;
	buf_init(&ag.out, SWEEP_BUF_MAX);
	ret = STARTUP_EXIT_USAGE;
	if (check_settings(&ag.st, &ag.schema, err, sizeof(err)) != 0) {
		ret = startup_config_error(&cli, err);
		goto out;
	}
	if (open_outputs(&ag.st, &ag.outs, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (cli.check_only) {
		ret = startup_check_ok();
		goto out;
	}
	if (agent_docker(&ag, err, sizeof(err)) != 0) {
		log_warnx("docker: %s", err);
		goto out;
	}
	ret = 1;
	if (agent_collector(&ag, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (agent_api(&ag, err, sizeof(err)) != 0) {
		log_warnx("api: %s", err);
		goto out;
	}
	install_signals();
	if (ag.st.once)
		agent_once(&ag);
	else
		agent_loop(&ag);
	log_info("stopping");
	flush_ms = (long)ag.st.shutdown_flush_ms;
	ret = 0;
out:
	agent_free(&ag, flush_ms);
	startup_end();
	return ret;
}
