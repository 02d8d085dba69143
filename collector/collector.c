/*
 * collector.c — see collector.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/cgroup_parse.h"
#include "collector/collector.h"
#include "collector/docker.h"
#include "collector/rates.h"
#include "common/log.h"
#include "common/util.h"
#include "sinks/lp.h"

#define TAGS_MAX     4096
#define PROC_STAT_MAX (256 * 1024)
#define FRESH_KEEP    64          /* discovered entries kept between sweeps */

/*
 * relpath -> index in table.c, open addressing with linear probing.
 * Rebuilt whenever containers come or go (rare), probed every sweep.
 */
struct cmap {
	uint32_t *slot;          /* index + 1; 0 = empty */
	size_t    cap;           /* power of two */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
cmap_rebuild(struct cmap *m, const struct container_table *t)
{
	size_t cap = 64, i, j;
	uint32_t *slot;

	while (cap < t->n * 2 + 1)
		cap *= 2;
	slot = calloc(cap, sizeof(*slot));
	if (slot == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = hash_str(t->c[i]->cgroup_path) & (cap - 1);
		while (slot[j] != 0)
			j = (j + 1) & (cap - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	return 0;
}

static struct container *
cmap_find(const struct cmap *m, const struct container_table *t,
    const char *relpath)
{
	size_t j;

	if (m->cap == 0)
		return NULL;
	j = hash_str(relpath) & (m->cap - 1);
	while (m->slot[j] != 0) {
		struct container *c = t->c[m->slot[j] - 1];
		if (strcmp(c->cgroup_path, relpath) == 0)
			return c;
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

/*
 * Network namespace inode -> the container that read its net/dev in this
 * sweep: open addressing; an entry of an earlier sweep counts as empty,
 * so nothing is cleared between sweeps.  Sized to twice the containers.
 */
struct netns_slot {
	uint64_t          ino;
	uint64_t          sweep;
	struct container *k;       /* borrowed; valid during that sweep */
};
struct netns_map {
	struct netns_slot *slot;   /* owned */
	size_t             cap;    /* power of two, or 0 */
};

/* Room for n containers; -1 when out of memory (then no sharing). */
static int
netns_reserve(struct netns_map *m, size_t n)
{
	size_t cap = 64;
	struct netns_slot *s;

	while (cap < n * 2 + 1)
		cap *= 2;
	if (cap <= m->cap)
		return 0;
	s = calloc(cap, sizeof(*s));
	if (s == NULL)
		return -1;
	free(m->slot);
	m->slot = s;
	m->cap = cap;
	return 0;
}

/* The slot of ino in this sweep: its own, or the empty one to fill. */
static struct netns_slot *
netns_slot(struct netns_map *m, uint64_t ino, uint64_t sweep)
{
	size_t j;

	if (m->cap == 0)
		return NULL;
	j = (size_t)(ino * 0x9E3779B97F4A7C15ULL >> 20) & (m->cap - 1);
	while (m->slot[j].sweep == sweep && m->slot[j].ino != ino)
		j = (j + 1) & (m->cap - 1);
	return &m->slot[j];
}

static uint64_t
netns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int
collector_init(struct collector *c, const struct collector_options *o,
    struct docker *docker, char *err, size_t errlen)
{
	long n;

	memset(c, 0, sizeof(*c));
	c->procstat_fd = -1;
	if (cgroup_detect(o->cgroup_root, &c->li, err, errlen) != 0)
		return -1;
	if (strlen(o->hostname) >= sizeof(c->table.host)) {
		snprintf(err, errlen, "hostname %.64s...: longer than %zu "
		    "bytes", o->hostname, sizeof(c->table.host) - 1);
		return -1;
	}
	pthread_mutex_init(&c->table.lock, NULL);
	str_copy_trunc(c->table.host, o->hostname, sizeof(c->table.host));
	c->table.health.started_ns = now_realtime_ns();
	c->table.health.started_mono_ns = now_mono_ns();
	c->docker = docker;
	c->fmt.schema = o->schema;
	c->fmt.percpu = o->percpu;
	c->disc = o->disc;
	c->refresh_sweeps = o->docker_refresh_sweeps > 0 ?
	    o->docker_refresh_sweeps : 30;
	c->flush = o->flush;
	c->flush_arg = o->flush_arg;
	c->flush_bytes = o->flush_bytes;
	n = sysconf(_SC_NPROCESSORS_CONF);
	c->ncpu_conf = n > 0 ? (uint32_t)n : 1;
	{
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
		if (pages > 0 && psz > 0)
			c->fmt.host_mem_total = (uint64_t)pages * (uint64_t)psz;
	}
	if (hostp_globs_parse(o->net_interfaces != NULL ? o->net_interfaces :
	    COLLECTOR_NET_INTERFACES_DEFAULT, &c->net_globs) != 0) {
		snprintf(err, errlen, "container_net_interfaces: more than %d "
		    "patterns, one longer than %d bytes, or an empty one",
		    HOST_GLOBS_MAX, HOST_GLOB_LEN - 1);
		return -1;
	}
	c->net_idle_every = o->slow_files_every > 1 ? o->slow_files_every : 1;
	c->self_netns = netns_inode("/proc/self/ns/net");
	c->procstat_fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	c->map = calloc(1, sizeof(*c->map));
	c->netns = calloc(1, sizeof(*c->netns));
	c->scratch.cpu.percpu_ns = calloc(c->ncpu_conf, sizeof(uint64_t));
	c->scratch.cpu.percpu_cap = c->ncpu_conf;
	if (c->map == NULL || c->netns == NULL ||
	    c->scratch.cpu.percpu_ns == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->host_metrics) {
		c->host = host_new(&o->host, err, errlen);
		if (c->host == NULL)
			return -1;
	}
	cgroup_set_fd_budget(o->fd_budget);
	{
		/* percpu on: usage_percpu gives cpuacct.usage as its sum;
		 * off: cpuacct.usage alone. */
		struct cg_read_options ro = {
			o->percpu ? CG_CPU_FILES_PERCPU : CG_CPU_FILES_USAGE,
			o->slow_files_every, o->pressure_interval_s,
			o->slow_files_on_demand };
		cgroup_set_read_options(&ro);
	}
	log_info("cgroup layout %s (discovery root %s)",
	    cgroup_layout_name(c->li.layout), cgroup_discovery_root(&c->li));
	return 0;
}

static void
container_free(struct container *k, struct docker *d)
{
	if (k == NULL)
		return;
	if (d != NULL && k->meta.runtime == RUNTIME_DOCKER)
		docker_forget(d, k->meta.id);
	docker_meta_free_labels(&k->meta);
	cgroup_close(k->cg);
	if (k->net_fd >= 0)
		close(k->net_fd);
	free(k->cur.cpu.percpu_ns);
	free(k->tags);
	free(k);
}

static void
on_found(void *arg, const struct discovered *d)
{
	struct collector *c = arg;
	struct container *k = cmap_find(c->map, &c->table, d->relpath);
	struct discovered *nf;

	if (k != NULL) {
		k->seen_sweep = c->sweep_no;
		return;
	}
	if (c->nfresh == c->capfresh) {
		size_t cap = c->capfresh ? c->capfresh * 2 : FRESH_KEEP;
		nf = realloc(c->fresh, cap * sizeof(*nf));
		if (nf == NULL)
			return;     /* found again next sweep */
		c->fresh = nf;
		c->capfresh = cap;
	}
	c->fresh[c->nfresh++] = *d;
}

static struct container *
container_new(struct collector *c, const struct discovered *d)
{
	struct container *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->net_fd = -1;
	k->net_phase = c->net_phase_next++;
	k->meta.runtime = d->runtime;
	STR_COPY_ARRAY(k->meta.id, d->id);
	/* Named by its id until Docker (if it is Docker's) says better. */
	STR_COPY_ARRAY(k->meta.name, d->id);
	STR_COPY_ARRAY(k->cgroup_path, d->relpath);
	k->cg = cgroup_open(&c->li, d->relpath);
	k->cur.cpu.percpu_ns = calloc(c->ncpu_conf, sizeof(uint64_t));
	k->cur.cpu.percpu_cap = c->ncpu_conf;
	if (k->cg == NULL || k->cur.cpu.percpu_ns == NULL) {
		container_free(k, NULL);
		return NULL;
	}
	k->seen_sweep = c->sweep_no;
	return k;
}

/* Rebuild the escaped tag string after the metadata changed. */
static void
retag(struct collector *c, struct container *k)
{
	struct buf b;

	buf_init(&b, TAGS_MAX);
	if (format_tags(&k->meta, c->table.host, c->fmt.schema, &b) != 0)
		log_warnx("container %s: tags longer than %d bytes, cut",
		    k->meta.id, TAGS_MAX);
	free(k->tags);
	k->tags_len = b.len;
	k->tags = buf_steal(&b, NULL);
	if (k->tags == NULL) {
		k->tags = NULL;
		k->tags_len = 0;
	}
}

/* One id from a task's environment; a cut id would name another task,
 * so one too long for dst is left out (logged) instead. */
static void
env_id(struct container *k, char *dst, size_t size, const char *name,
    const char *value)
{
	if (str_copy(dst, value, size) < size)
		return;
	dst[0] = '\0';
	log_warnx("container %s: %s longer than %zu bytes; left out",
	    k->meta.id, name, size - 1);
}

/*
 * Environment of a process in a Mesos container: MARATHON_APP_ID and
 * MESOS_TASK_ID, which Marathon and Mesos set for the task.
 */
static void
mesos_env(struct container *k, const int *pids, int npids)
{
	char path[64], *env = NULL, *p, *end;
	size_t len;
	int i;

	for (i = 0; i < npids && (k->meta.marathon_app_id[0] == '\0' ||
	    k->meta.mesos_task_id[0] == '\0'); i++) {
		snprintf(path, sizeof(path), "/proc/%d/environ", pids[i]);
		if (read_file(path, 256 * 1024, &env, &len) != 0)
			continue;
		for (p = env, end = env + len; p < end; p += strlen(p) + 1) {
			if (strncmp(p, "MARATHON_APP_ID=", 16) == 0)
				env_id(k, k->meta.marathon_app_id,
				    sizeof(k->meta.marathon_app_id),
				    "MARATHON_APP_ID", p + 16);
			else if (strncmp(p, "MESOS_TASK_ID=", 14) == 0)
				env_id(k, k->meta.mesos_task_id,
				    sizeof(k->meta.mesos_task_id),
				    "MESOS_TASK_ID", p + 14);
		}
		free(env);
		env = NULL;
	}
}

/* Find a process inside and open its net/dev; once per process. */
static void
net_attach(struct collector *c, struct container *k)
{
	char path[64];
	int pids[16], n;

	n = cgroup_pids(k->cg, pids, (int)ARRAY_LEN(pids));
	if (n == 0)
		return;
	k->net_pid = pids[0];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", k->net_pid);
	k->netns_ino = netns_inode(path);
	if (c->self_netns != 0 && k->netns_ino == c->self_netns) {
		k->net_host = 1;        /* host network: not its own */
		return;
	}
	k->net_host = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", k->net_pid);
	k->net_fd = open(path, O_RDONLY | O_CLOEXEC);
}

static int
net_wanted(void *arg, const char *name)
{
	const struct collector *c = arg;

	return hostp_globs_match(&c->net_globs, name);
}

static void
read_net(struct collector *c, struct container *k, struct sample *s,
    int64_t now_s)
{
	char buf[8192];
	struct netns_slot *ns;
	ssize_t n;

	if (k->net_fd < 0 && !k->net_host)
		net_attach(c, k);
	if (k->net_fd < 0)
		return;
	/* A namespace already read in this sweep (a pod's containers):
	 * the same counters, not read again. */
	ns = k->netns_ino != 0 ? netns_slot(c->netns, k->netns_ino,
	    c->sweep_no) : NULL;
	if (ns != NULL && ns->sweep == c->sweep_no) {
		if (ns->k->cur.have & HAVE_NET) {
			s->net = ns->k->cur.net;
			s->have |= HAVE_NET;
		}
		k->net_idle = ns->k->net_idle;
		return;
	}
	/* Nothing to report there last time (only lo): a new interface
	 * is looked for every net_idle_every sweeps. */
	if (k->net_idle && c->net_idle_every > 1 &&
	    (c->sweep_no + k->net_phase) % c->net_idle_every != 0)
		return;
	c->net_reads++;
	n = pread(k->net_fd, buf, sizeof(buf), 0);
	if (n <= 0 || n == (ssize_t)sizeof(buf)) {
		/* The process left: try another one next sweep. */
		close(k->net_fd);
		k->net_fd = -1;
		k->net_pid = 0;
		return;
	}
	if (cgp_net_dev_filtered(buf, (size_t)n, &s->net, net_wanted, c) !=
	    0) {
		c->net_errors++;      /* into health under the lock */
		complain(&k->net_complain, now_s, "container %s: /proc/%d/"
		    "net/dev: unexpected format", k->meta.id, k->net_pid);
		k->net_idle = 0;      /* read again next sweep */
		return;
	}
	k->net_idle = s->net.nif == 0;
	if (!k->net_idle)
		s->have |= HAVE_NET;
	if (ns != NULL) {
		/* k->cur is this sample once the sweep has kept it. */
		ns->ino = k->netns_ino;
		ns->sweep = c->sweep_no;
		ns->k = k;
	}
}

/* Returns the bytes of /proc/stat read (the host metrics parse them
 * too), or NULL. */
static const char *
read_host_cpu(struct collector *c, struct sample *s, size_t *len)
{
	static char buf[PROC_STAT_MAX];
	ssize_t n;

	s->host_cpu_ns = 0;
	s->online_cpus = 0;
	*len = 0;
	if (c->procstat_fd < 0)
		return NULL;
	n = pread(c->procstat_fd, buf, sizeof(buf), 0);
	if (n <= 0 || cgp_proc_stat(buf, (size_t)n, sysconf(_SC_CLK_TCK),
	    &s->host_cpu_ns, &s->online_cpus) != 0) {
		log_warnx("/proc/stat: cannot read the host CPU time");
		return NULL;
	}
	if (n == (ssize_t)sizeof(buf))
		return NULL;    /* cut: enough for the total, not for the host */
	*len = (size_t)n;
	return buf;
}

/*
 * The host's own metrics: sample (sharing /proc/stat's bytes), format,
 * publish for the API.  Returns the points appended, or -1 (out full).
 */
static int
sweep_host(struct collector *c, const char *procstat, size_t len,
    int64_t ts_ns, struct buf *out)
{
	const struct host_snapshot *pub;
	int r = 0;

	if (c->host == NULL)
		return 0;
	host_sample(c->host, now_mono_ns(), procstat, len);
	if (out != NULL)
		r = host_format(host_current(c->host), host_previous(c->host),
		    c->table.host, ts_ns, out);
	pthread_mutex_lock(&c->table.lock);
	pub = host_publish(c->host);
	c->table.host_snap = pub;
	c->table.health.err_host = host_errors(c->host);
	pthread_mutex_unlock(&c->table.lock);
	return r;
}

/* Drop containers not seen by this sweep; add the fresh ones. */
static void
update_membership(struct collector *c)
{
	struct container_table *t = &c->table;
	size_t i, j, changed = 0;

	pthread_mutex_lock(&t->lock);
	for (i = 0, j = 0; i < t->n; i++) {
		if (t->c[i]->seen_sweep == c->sweep_no) {
			t->c[j++] = t->c[i];
			continue;
		}
		log_debug("container %s: gone", t->c[i]->meta.id);
		container_free(t->c[i], c->docker);
		changed++;
	}
	t->n = j;
	for (i = 0; i < c->nfresh; i++) {
		struct container *k;
		char did[CONTAINER_ID_MAX];

		/* A Docker container started by Mesos shows up as
		 * docker/<id> too: keep that one, it has the metadata. */
		if (c->fresh[i].runtime == RUNTIME_MESOS && c->docker != NULL &&
		    docker_find_mesos(c->docker, c->fresh[i].id, did,
		    sizeof(did)))
			continue;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 64;
			struct container **nc = realloc(t->c, cap * sizeof(*nc));
			if (nc == NULL)
				break;
			t->c = nc;
			t->cap = cap;
		}
		k = container_new(c, &c->fresh[i]);
		if (k == NULL)
			continue;   /* vanished already, or no memory */
		retag(c, k);
		t->c[t->n++] = k;
		changed++;
		log_debug("container %s: new (%s, %s)", k->meta.id,
		    runtime_name(k->meta.runtime), k->cgroup_path);
	}
	c->nfresh = 0;
	if (c->capfresh > FRESH_KEEP) {
		/* A start-up or a burst of new containers: give the room
		 * back rather than hold it for the next burst. */
		free(c->fresh);
		c->fresh = NULL;
		c->capfresh = 0;
	}
	if (changed && cmap_rebuild(c->map, t) != 0)
		log_warnx("out of memory rebuilding the container map");
	pthread_mutex_unlock(&t->lock);
}

/* Docker metadata: until Docker has answered, then now and then. */
static void
refresh_meta(struct collector *c, struct container *k)
{
	int pids[16], n;

	if (k->meta.runtime == RUNTIME_MESOS && !k->meta_complete) {
		/* Not every Mesos container is a Marathon task: look at the
		 * first sample, then only now and then. */
		if (k->prev.valid && c->sweep_no % (uint64_t)c->refresh_sweeps)
			return;
		n = cgroup_pids(k->cg, pids, (int)ARRAY_LEN(pids));
		mesos_env(k, pids, n);
		if (k->meta.mesos_task_id[0] != '\0') {
			k->meta_complete = 1;
			retag(c, k);
		}
		return;
	}
	if (c->docker == NULL || k->meta.runtime != RUNTIME_DOCKER)
		return;
	if (k->meta_complete && (c->sweep_no % (uint64_t)c->refresh_sweeps)
	    != (k->seen_sweep % 7))
		return;
	if (docker_lookup(c->docker, k->meta.id, &k->meta) == 1) {
		k->meta_complete = 1;
		retag(c, k);
	}
}

int
collector_sweep(struct collector *c, int64_t ts_ns, struct buf *out)
{
	struct container_table *t = &c->table;
	struct sample *s = &c->scratch;
	int64_t start = now_mono_ns(), now_s;
	struct cg_errors errs;
	uint64_t host_cpu, vanished = 0;
	uint32_t online;
	int points = 0, r, full = 0;
	const char *procstat;
	size_t i, pslen;

	now_s = start / 1000000000LL;
	c->sweep_no++;
	if (discover_scan(cgroup_discovery_root(&c->li), &c->disc, on_found,
	    c) < 0)
		log_warnx("cannot read the cgroup tree at %s",
		    cgroup_discovery_root(&c->li));
	update_membership(c);
	c->net_reads = 0;
	if (netns_reserve(c->netns, t->n) != 0)
		log_warnx("out of memory for the network namespace map");
	procstat = read_host_cpu(c, s, &pslen);
	r = sweep_host(c, procstat, pslen, ts_ns, out);
	if (r < 0)
		full = 1;
	else
		points += r;
	host_cpu = s->host_cpu_ns;
	online = s->online_cpus;
	memset(&errs, 0, sizeof(errs));
	for (i = 0; i < t->n; i++) {
		struct container *k = t->c[i];
		uint64_t *pc;

		s->mono_ns = now_mono_ns();
		s->host_cpu_ns = host_cpu;
		s->online_cpus = online;
		if (cgroup_read(k->cg, s, &errs, now_s) == CG_VANISHED) {
			/* No partial line, no error: gone next sweep. */
			k->seen_sweep = 0;
			vanished++;
			continue;
		}
		read_net(c, k, s, now_s);
		pthread_mutex_lock(&t->lock);
		refresh_meta(c, k);
		rates_remember(&k->cur, &k->prev);
		if (k->cur.mono_ns == 0)
			k->prev.valid = 0;
		pc = k->cur.cpu.percpu_ns;
		k->cur = *s;
		s->cpu.percpu_ns = pc;        /* swap the per-CPU buffers */
		rates_compute(&k->cur, &k->prev, c->fmt.host_mem_total,
		    &k->rates);
		pthread_mutex_unlock(&t->lock);
		if (out != NULL && !full) {
			r = format_container(k, k->tags ? k->tags : "",
			    k->tags_len, ts_ns, &c->fmt, out);
			if (r < 0)
				full = 1;
			else
				points += r;
			if (c->flush != NULL && out->len >= c->flush_bytes)
				c->flush(c->flush_arg, out);
		}
	}
	pthread_mutex_lock(&t->lock);
	t->sweeps++;
	t->sweep_ts_ns = ts_ns;
	t->sweep_mono_ns = start;
	t->health.sweeps = t->sweeps;
	t->health.containers = t->n - vanished;
	t->health.vanished += vanished;
	t->health.err_cgroup_read += errs.read;
	t->health.err_cgroup_parse += errs.parse;
	t->health.err_net += c->net_errors;
	c->net_errors = 0;
	t->health.points_last_sweep = (uint64_t)points;
	t->health.last_sweep_ms = (double)(now_mono_ns() - start) / 1e6;
	pthread_mutex_unlock(&t->lock);
	return full ? -1 : points;
}

int
collector_health_point(struct collector *c, const char *host, int64_t ts_ns,
    struct buf *out)
{
	struct collector_health h;
	struct lp p;

	pthread_mutex_lock(&c->table.lock);
	h = c->table.health;
	pthread_mutex_unlock(&c->table.lock);
	lp_begin(&p, out, "hoist_collector");
	lp_tag(&p, "host", host);
	lp_field_fixed(&p, "sweep_duration_ms", h.last_sweep_ms, 3);
	lp_field_u(&p, "containers", h.containers);
	lp_field_u(&p, "sweeps", h.sweeps);
	lp_field_u(&p, "points", h.points_last_sweep);
	lp_field_u(&p, "points_written", h.points_written);
	lp_field_u(&p, "points_dropped", h.points_dropped);
	lp_field_u(&p, "points_spooled", h.points_spooled);
	lp_field_u(&p, "spool_bytes", h.spool_bytes);
	lp_field_u(&p, "errors_cgroup", h.err_cgroup_read + h.err_cgroup_parse);
	lp_field_u(&p, "errors_cgroup_read", h.err_cgroup_read);
	lp_field_u(&p, "errors_cgroup_parse", h.err_cgroup_parse);
	lp_field_u(&p, "errors_docker", h.err_docker);
	lp_field_u(&p, "errors_net", h.err_net);
	lp_field_u(&p, "errors_host", h.err_host);
	lp_field_u(&p, "errors_output", h.err_output);
	lp_field_u(&p, "errors_output_rejected", h.out_rejected);
	lp_field_u(&p, "errors_output_config", h.out_config);
	lp_field_u(&p, "errors_output_unavailable", h.out_unavailable);
	lp_field_u(&p, "output_retries", h.out_retries);
	lp_field_u(&p, "spool_corrupt", h.spool_corrupt);
	lp_field_u(&p, "spool_segments_dropped", h.spool_dropped);
	lp_field_u(&p, "vanished", h.vanished);
	lp_field_u(&p, "open_files", (uint64_t)cgroup_fds_open());
	return lp_end(&p, ts_ns);
}

void
collector_free(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->table.n; i++)
		container_free(c->table.c[i], c->docker);
	free(c->table.c);
	c->table.c = NULL;
	c->table.n = 0;
	if (c->map != NULL)
		free(c->map->slot);
	free(c->map);
	if (c->netns != NULL)
		free(c->netns->slot);
	free(c->netns);
	free(c->fresh);
	free(c->scratch.cpu.percpu_ns);
	pthread_mutex_lock(&c->table.lock);
	c->table.host_snap = NULL;
	pthread_mutex_unlock(&c->table.lock);
	host_free(c->host);
	c->host = NULL;
	if (c->procstat_fd >= 0)
		close(c->procstat_fd);
	pthread_mutex_destroy(&c->table.lock);
}
