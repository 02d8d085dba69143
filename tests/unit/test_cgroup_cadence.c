/*
 * test_cgroup_cadence.c — what the collector reads less often (issue 11
 * §2), on cgroup trees made in a temporary folder whose files the test
 * rewrites between reads:
 *  - rarely-changing files (memory.failcnt ...) every slow_every-th read,
 *    their last figures repeated in between, so the sample stays whole;
 *    a file that stops parsing is not repeated but read (and counted)
 *    again on the next read;
 *  - pressure files at most every psi_period_s seconds;
 *  - cpuacct.usage_percpu alone gives cpuacct.usage (their sum), and
 *    cpuacct.usage alone leaves the per-CPU figures out;
 *  - two containers in one network namespace: its net/dev read once a
 *    sweep, both get the figures;
 *  - v1 cpu.stat (throttling) with the slow files while the group has no
 *    CPU quota, on every read once it has one;
 *  - v1 blkio.throttle.io_serviced_recursive not read when
 *    io_service_bytes_recursive lists no device, read when it does;
 *  - cpuacct.stat not read while the group's CPU usage stands still,
 *    memory.stat not while neither its CPU nor its memory usage moves
 *    (both still within slow_every reads);
 *  - lo left out by default; a namespace with nothing else looked at
 *    every slow_every sweeps, and an interface added there is seen.
 */
#ifndef _GNU_SOURCE         /* the Makefile defines it */
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/cgroup.h"
#include "collector/collector.h"
#include "common/buf.h"
#include "common/util.h"

/* 63 hex digits: with the group number, a Docker id. */
#define ID "cadecadecadecadecadecadecadecadecadecadecadecadecadecadecadecad"

static char root[64];

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
mk(const char *rel)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", root, rel);
	assert_int_equal(mkdir(dir, 0755), 0);
}

/* ROOT/CTRL/docker/<id><n> of group n into out. */
static char *
gdir(char *out, size_t size, const char *ctrl, int n)
{
	snprintf(out, size, "%s/%s%sdocker/%s%d", root, ctrl,
	    ctrl[0] ? "/" : "", ID, n);
	return out;
}

/* A v1 tree (cpuacct, memory) with ngroups groups, or a v2 tree. */
static void
make_tree(int v2, int ngroups)
{
	static const char *const ctrls[] = { "cpuacct", "memory" };
	char dir[512], rel[128];
	int k, i;

	str_copy_trunc(root, "/tmp/hoist-test-cadence.XXXXXX", sizeof(root));
	assert_non_null(mkdtemp(root));
	if (v2) {
		put_file(root, "cgroup.controllers", "cpu memory io pids\n");
		mk("docker");
		for (i = 0; i < ngroups; i++)
			assert_int_equal(mkdir(gdir(dir, sizeof(dir), "", i),
			    0755), 0);
		return;
	}
	for (k = 0; k < 2; k++) {
		mk(ctrls[k]);
		snprintf(rel, sizeof(rel), "%s/docker", ctrls[k]);
		mk(rel);
		for (i = 0; i < ngroups; i++) {
			gdir(dir, sizeof(dir), ctrls[k], i);
			assert_int_equal(mkdir(dir, 0755), 0);
			if (k == 0) {
				put_file(dir, "cpuacct.usage", "999\n");
				put_file(dir, "cpuacct.usage_percpu", "4 6 \n");
			} else {
				put_file(dir, "memory.usage_in_bytes", "4096\n");
				put_file(dir, "memory.failcnt", "0\n");
			}
		}
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct cg_read_options dflt = { CG_CPU_FILES_BOTH, 1, 0, 0 };

	(void)state;
	cgroup_set_read_options(&dflt);
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
	return 0;
}

static struct cgroup_handle *
open_group(struct cg_layout_info *li, int n)
{
	char err[256], rel[128];
	struct cgroup_handle *h;

	if (cgroup_detect(root, li, err, sizeof(err)) != 0)
		fail_msg("cgroup_detect: %s", err);
	snprintf(rel, sizeof(rel), "docker/%s%d", ID, n);
	h = cgroup_open(li, rel);
	assert_non_null(h);
	return h;
}

/* Read options ro set, group 0 opened, a zeroed sample with room for 4
 * CPUs (percpu) and zeroed error counts. */
static struct cgroup_handle *
ready(const struct cg_read_options *ro, struct cg_layout_info *li,
    struct sample *s, uint64_t *percpu, struct cg_errors *errs)
{
	struct cgroup_handle *h;

	cgroup_set_read_options(ro);
	h = open_group(li, 0);
	memset(s, 0, sizeof(*s));
	memset(errs, 0, sizeof(*errs));
	s->cpu.percpu_ns = percpu;
	s->cpu.percpu_cap = 4;
	return h;
}

static void
test_slow_files(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 3, 0, 0 };
	uint64_t percpu[4], prev = 0;
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char dir[512], num[32];
	int i, fresh = 0, bad_reads = 0;

	(void)state;
	make_tree(0, 1);
	h = ready(&ro, &li, &s, percpu, &errs);
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_true(s.have & HAVE_MEM_FAILCNT);
	assert_int_equal(s.mem.failcnt, 0);
	/* percpu alone: usage is the sum (4 + 6), not cpuacct.usage. */
	assert_int_equal(s.cpu.usage_ns, 10);
	assert_true(s.have & HAVE_CPU_USAGE);
	assert_true(s.have & HAVE_CPU_PERCPU);
	/* 6 reads, a new failcnt before each: read on 2 of them (every
	 * 3rd), the last figure repeated on the others. */
	gdir(dir, sizeof(dir), "memory", 0);
	for (i = 1; i <= 6; i++) {
		snprintf(num, sizeof(num), "%d\n", i);
		put_file(dir, "memory.failcnt", num);
		assert_int_equal(cgroup_read(h, &s, &errs, 1000 + i), CG_OK);
		assert_true(s.have & HAVE_MEM_FAILCNT);
		if (s.mem.failcnt == (uint64_t)i) {
			fresh++;
			prev = (uint64_t)i;
		} else
			assert_int_equal(s.mem.failcnt, prev);
		/* The files read every time are read every time. */
		assert_int_equal(s.mem.usage, 4096);
	}
	assert_int_equal(fresh, 2);
	assert_int_equal(errs.read + errs.parse, 0);
	/* A slow file that stops parsing: counted on its turn, and from
	 * then on read (and counted) on every read until it parses. */
	put_file(dir, "memory.failcnt", "garbage\n");
	for (i = 0; i < 3 && errs.parse == 0; i++)
		assert_int_equal(cgroup_read(h, &s, &errs, 2000 + i), CG_OK);
	assert_int_equal(errs.parse, 1);
	assert_false(s.have & HAVE_MEM_FAILCNT);
	assert_int_equal(cgroup_read(h, &s, &errs, 2010), CG_OK);
	assert_int_equal(errs.parse, 2);
	assert_false(s.have & HAVE_MEM_FAILCNT);
	put_file(dir, "memory.failcnt", "7\n");
	assert_int_equal(cgroup_read(h, &s, &errs, 2011), CG_OK);
	assert_int_equal(s.mem.failcnt, 7);
	for (i = 0; i < 3; i++) {
		assert_int_equal(cgroup_read(h, &s, &errs, 2012 + i), CG_OK);
		bad_reads += !(s.have & HAVE_MEM_FAILCNT);
	}
	assert_int_equal(bad_reads, 0);
	assert_int_equal(errs.parse, 2);
	cgroup_close(h);
}

/* keep_slow_files_open = no: the slow files are opened for each read,
 * not kept open, and still read right. */
static void
test_slow_on_demand(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 1, 0, 0 };
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	uint64_t percpu[4];
	struct sample s;
	char dir[512];
	int fds[32], on;

	(void)state;
	make_tree(0, 1);
	gdir(dir, sizeof(dir), "memory", 0);
	for (on = 0; on <= 1; on++) {
		ro.slow_on_demand = on;
		cgroup_set_read_options(&ro);
		h = open_group(&li, 0);
		/* Kept open: usage_percpu, usage_in_bytes, and failcnt
		 * unless it is opened on demand. */
		assert_int_equal(cgroup_handle_fds(h, fds, 32, 0), 3 - on);
		memset(&s, 0, sizeof(s));
		memset(&errs, 0, sizeof(errs));
		s.cpu.percpu_ns = percpu;
		s.cpu.percpu_cap = 4;
		put_file(dir, "memory.failcnt", on ? "5\n" : "4\n");
		assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
		assert_true(s.have & HAVE_MEM_FAILCNT);
		assert_int_equal(s.mem.failcnt, on ? 5 : 4);
		put_file(dir, "memory.failcnt", "9\n");
		assert_int_equal(cgroup_read(h, &s, &errs, 1001), CG_OK);
		assert_int_equal(s.mem.failcnt, 9);
		assert_int_equal(errs.read + errs.parse, 0);
		cgroup_close(h);
	}
}

static void
test_usage_alone(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_USAGE, 1, 0, 0 };
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	uint64_t percpu[4];
	struct sample s;

	(void)state;
	make_tree(0, 1);
	h = ready(&ro, &li, &s, percpu, &errs);
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_int_equal(s.cpu.usage_ns, 999);
	assert_true(s.have & HAVE_CPU_USAGE);
	assert_false(s.have & HAVE_CPU_PERCPU);
	cgroup_close(h);
}

static const char psi_a[] =
    "some avg10=1.00 avg60=2.00 avg300=3.00 total=100\n"
    "full avg10=0.50 avg60=0.60 avg300=0.70 total=50\n";
static const char psi_b[] =
    "some avg10=9.00 avg60=2.00 avg300=3.00 total=900\n"
    "full avg10=0.50 avg60=0.60 avg300=0.70 total=90\n";

static void
test_psi_period(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_BOTH, 1, 10, 0 };
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char dir[512];

	(void)state;
	make_tree(1, 1);
	gdir(dir, sizeof(dir), "", 0);
	put_file(dir, "cpu.pressure", psi_a);
	put_file(dir, "memory.current", "8192\n");
	cgroup_set_read_options(&ro);
	h = open_group(&li, 0);
	memset(&s, 0, sizeof(s));
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_int_equal(s.cpu.psi.some.total_us, 100);
	put_file(dir, "cpu.pressure", psi_b);
	put_file(dir, "memory.current", "16384\n");
	/* 5 s later: the pressure repeated, memory.current read. */
	assert_int_equal(cgroup_read(h, &s, &errs, 1005), CG_OK);
	assert_true(s.have & HAVE_CPU_PSI);
	assert_int_equal(s.cpu.psi.some.total_us, 100);
	assert_int_equal(s.mem.usage, 16384);
	/* 10 s after the last read: read again. */
	assert_int_equal(cgroup_read(h, &s, &errs, 1010), CG_OK);
	assert_int_equal(s.cpu.psi.some.total_us, 900);
	assert_int_equal(s.cpu.psi.full.total_us, 90);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

/* A child in a network namespace of its own; 0 when that cannot be made
 * here (no CAP_SYS_ADMIN). */
static pid_t
netns_child(void)
{
	int p[2];
	char ok = 'n';
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Gone with the test, even when an assertion ends it before
		 * its kill(): a child left in pause() would keep the test's
		 * output open and hang whoever reads it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
			_exit(1);
		ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
		if (write(p[1], &ok, 1) != 1)
			_exit(1);
		if (ok == 'y')
			pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ok, 1) != 1)
		ok = 'n';
	close(p[0]);
	if (ok != 'y') {
		waitpid(pid, NULL, 0);
		return 0;
	}
	return pid;
}

/* Two children in network namespaces of their own (a and b), groups 0
 * and 1 in a's (a pod), 2 in b's, and a collector over them taking the
 * interfaces ifs (NULL: the default) with slow_every. */
struct pods {
	pid_t            a, b;
	struct collector c;
};

static void
pods_start(struct pods *p, const char *ifs, uint32_t slow_every)
{
	struct collector_options o;
	char err[256], dir[512], procs[32];
	int i;

	p->a = netns_child();
	if (p->a == 0)  /* the suite runs as root (./bootstrap): never skipped */
		fail_msg("cannot make a network namespace (unshare "
		    "CLONE_NEWNET needs root): net/dev per namespace untested");
	p->b = netns_child();
	assert_true(p->b > 0);
	make_tree(0, 3);
	for (i = 0; i < 3; i++) {
		snprintf(procs, sizeof(procs), "%d\n", (int)(i < 2 ? p->a :
		    p->b));
		put_file(gdir(dir, sizeof(dir), "cpuacct", i), "cgroup.procs",
		    procs);
	}
	memset(&o, 0, sizeof(o));
	o.cgroup_root = root;
	o.hostname = "h";
	o.schema = SCHEMA_HOIST;
	o.net_interfaces = ifs;
	o.slow_files_every = slow_every;
	if (collector_init(&p->c, &o, NULL, err, sizeof(err)) != 0)
		fail_msg("collector_init: %s", err);
}

static void
pods_stop(struct pods *p)
{
	kill(p->a, SIGKILL);
	kill(p->b, SIGKILL);
	waitpid(p->a, NULL, 0);
	waitpid(p->b, NULL, 0);
	collector_free(&p->c);
}

static void
test_netns_shared(void **state)
{
	struct pods p;
	struct collector *c = &p.c;
	size_t i;

	(void)state;
	pods_start(&p, "*", 0);         /* lo too: it is all there is */
	assert_true(collector_sweep(c, 1, NULL) >= 0);
	assert_int_equal(c->table.n, 3);
	for (i = 0; i < c->table.n; i++) {
		assert_true(c->table.c[i]->cur.have & HAVE_NET);
		/* A new namespace has lo alone. */
		assert_int_equal(c->table.c[i]->cur.net.nif, 1);
		assert_string_equal(c->table.c[i]->cur.net.ifs[0].name, "lo");
	}
	assert_int_equal(c->table.health.err_net, 0);
	/* Two namespaces read this sweep, not three; the same next. */
	assert_int_equal(c->net_reads, 2);
	assert_true(collector_sweep(c, 2, NULL) >= 0);
	assert_int_equal(c->net_reads, 2);
	pods_stop(&p);
}

/* The group number n of container k (its cgroup path ends in it). */
static int
group_of(const struct container *k)
{
	size_t n = strlen(k->cgroup_path);

	return k->cgroup_path[n - 1] - '0';
}

static void
test_net_idle(void **state)
{
	struct pods p;
	struct collector *c = &p.c;
	int reads = 0, sweep, done = 0;
	char cmd[128];
	size_t i;

	(void)state;
	pods_start(&p, NULL, 3);        /* the default interfaces: "!lo" */
	/* Only lo in both namespaces: read, nothing reported. */
	assert_true(collector_sweep(c, 1, NULL) >= 0);
	assert_int_equal(c->table.n, 3);
	assert_int_equal(c->net_reads, 2);
	for (i = 0; i < c->table.n; i++)
		assert_false(c->table.c[i]->cur.have & HAVE_NET);
	/* Then each container looks again once in 3 sweeps (staggered):
	 * 3 reads in 3 sweeps instead of 6. */
	for (sweep = 2; sweep <= 4; sweep++) {
		assert_true(collector_sweep(c, sweep, NULL) >= 0);
		reads += (int)c->net_reads;
		for (i = 0; i < c->table.n; i++)
			assert_false(c->table.c[i]->cur.have & HAVE_NET);
	}
	assert_int_equal(reads, 3);
	assert_int_equal(c->table.health.err_net, 0);
	/* An interface pair added in a's namespace: seen by both of its
	 * containers within 3 sweeps; lo still left out. */
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip link add hoist0 "
	    "type veth peer name hoist1", (int)p.a);
	if (system(cmd) != 0)
		fail_msg("%s: failed (util-linux's nsenter, iproute2)", cmd);
	for (sweep = 5; sweep <= 7 && !done; sweep++) {
		assert_true(collector_sweep(c, sweep, NULL) >= 0);
		done = 1;
		for (i = 0; i < c->table.n; i++)
			if (group_of(c->table.c[i]) < 2 &&
			    !(c->table.c[i]->cur.have & HAVE_NET))
				done = 0;
	}
	assert_true(done);
	/* From then on a's namespace is read every sweep (once for both),
	 * b's still only lo. */
	for (sweep = 8; sweep <= 10; sweep++) {
		assert_true(collector_sweep(c, sweep, NULL) >= 0);
		assert_true(c->net_reads >= 1 && c->net_reads <= 2);
		for (i = 0; i < c->table.n; i++) {
			const struct sample *cs = &c->table.c[i]->cur;
			if (group_of(c->table.c[i]) == 2) {
				assert_false(cs->have & HAVE_NET);
				continue;
			}
			assert_true(cs->have & HAVE_NET);
			assert_int_equal(cs->net.nif, 2);
			assert_string_not_equal(cs->net.ifs[0].name, "lo");
			assert_string_not_equal(cs->net.ifs[1].name, "lo");
		}
	}
	pods_stop(&p);
}

/* v1 cpu.stat of group 0 with nr_periods n. */
static void
put_cpu_stat(const char *dir, int n)
{
	char text[128];

	snprintf(text, sizeof(text), "nr_periods %d\nnr_throttled 0\n"
	    "throttled_time 0\n", n);
	put_file(dir, "cpu.stat", text);
}

static void
test_throttle_without_quota(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_USAGE, 3, 0, 0 };
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char dir[512];
	int i, fresh = 0, seen_quota = -1;

	(void)state;
	make_tree(0, 1);
	mk("cpu");
	mk("cpu/docker");
	gdir(dir, sizeof(dir), "cpu", 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	put_cpu_stat(dir, 0);
	put_file(dir, "cpu.cfs_quota_us", "-1\n");
	put_file(dir, "cpu.cfs_period_us", "100000\n");
	cgroup_set_read_options(&ro);
	h = open_group(&li, 0);
	memset(&s, 0, sizeof(s));
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_true(s.have & HAVE_CPU_THROTTLE);
	assert_false(s.have & HAVE_CPU_QUOTA);
	/* No quota: cpu.stat read on 2 of 6 reads, its last figures on the
	 * others. */
	for (i = 1; i <= 6; i++) {
		put_cpu_stat(dir, i);
		assert_int_equal(cgroup_read(h, &s, &errs, 1000 + i), CG_OK);
		assert_true(s.have & HAVE_CPU_THROTTLE);
		if (s.cpu.nr_periods == (uint64_t)i)
			fresh++;
		else
			assert_true(s.cpu.nr_periods < (uint64_t)i);
	}
	assert_int_equal(fresh, 2);
	/* A quota set: seen within 3 reads (with cpu.stat of that read),
	 * then cpu.stat read on every read. */
	put_file(dir, "cpu.cfs_quota_us", "50000\n");
	for (i = 7; i <= 9 && seen_quota < 0; i++) {
		put_cpu_stat(dir, i);
		assert_int_equal(cgroup_read(h, &s, &errs, 1000 + i), CG_OK);
		if (s.have & HAVE_CPU_QUOTA) {
			seen_quota = i;
			assert_int_equal(s.cpu.nr_periods, i);
		}
	}
	assert_true(seen_quota > 0);
	for (i = 10; i <= 15; i++) {
		put_cpu_stat(dir, i);
		assert_int_equal(cgroup_read(h, &s, &errs, 1000 + i), CG_OK);
		assert_int_equal(s.cpu.nr_periods, i);
		assert_true(s.have & HAVE_CPU_QUOTA);
	}
	/* Quota removed again: back to the slow reads. */
	put_file(dir, "cpu.cfs_quota_us", "-1\n");
	fresh = 0;
	for (i = 16; i <= 27; i++) {
		put_cpu_stat(dir, i);
		assert_int_equal(cgroup_read(h, &s, &errs, 1000 + i), CG_OK);
		fresh += s.cpu.nr_periods == (uint64_t)i;
	}
	assert_true(fresh >= 4 && fresh <= 6);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

static void
test_blkio_ops_skipped(void **state)
{
	struct cg_read_options ro = { CG_CPU_FILES_USAGE, 1, 0, 0 };
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char dir[512];

	(void)state;
	make_tree(0, 1);
	mk("blkio");
	mk("blkio/docker");
	gdir(dir, sizeof(dir), "blkio", 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* Inconsistent on purpose: were the ops file read, it would show. */
	put_file(dir, "blkio.throttle.io_service_bytes_recursive", "Total 0\n");
	put_file(dir, "blkio.throttle.io_serviced_recursive",
	    "8:0 Read 5\n8:0 Write 6\n8:0 Sync 11\n8:0 Async 0\n"
	    "8:0 Total 11\nTotal 11\n");
	cgroup_set_read_options(&ro);
	h = open_group(&li, 0);
	memset(&s, 0, sizeof(s));
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cgroup_read(h, &s, &errs, 1000), CG_OK);
	assert_true(s.have & HAVE_BLKIO);
	assert_int_equal(s.blkio.ndev, 0);
	assert_int_equal(s.blkio.total.read_ops, 0);
	assert_int_equal(s.blkio.total.write_ops, 0);
	/* A device in the bytes file: the ops file is read. */
	put_file(dir, "blkio.throttle.io_service_bytes_recursive",
	    "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n"
	    "8:0 Total 12288\nTotal 12288\n");
	assert_int_equal(cgroup_read(h, &s, &errs, 1001), CG_OK);
	assert_int_equal(s.blkio.ndev, 1);
	assert_int_equal(s.blkio.dev[0].read_bytes, 4096);
	assert_int_equal(s.blkio.dev[0].read_ops, 5);
	assert_int_equal(s.blkio.dev[0].write_ops, 6);
	assert_int_equal(s.blkio.total.write_ops, 6);
	/* And no device again: nothing left over from the last read. */
	put_file(dir, "blkio.throttle.io_service_bytes_recursive", "Total 0\n");
	assert_int_equal(cgroup_read(h, &s, &errs, 1002), CG_OK);
	assert_int_equal(s.blkio.ndev, 0);
	assert_int_equal(s.blkio.total.read_ops, 0);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

/* v1 cpuacct.stat with user ticks u. */
static void
put_ticks(const char *dir, int u)
{
	char text[64];

	snprintf(text, sizeof(text), "user %d\nsystem 2\n", u);
	put_file(dir, "cpuacct.stat", text);
}

/* A read, with the user ticks it gave (in the tick's ns). */
static uint64_t
read_user(struct cgroup_handle *h, struct sample *s, struct cg_errors *e,
    int64_t now)
{
	assert_int_equal(cgroup_read(h, s, e, now), CG_OK);
	assert_true(s->have & HAVE_CPU_USERSYS);
	return s->cpu.user_ns;
}

static void
test_cpu_split_idle(void **state)
{
	/* slow_every so large that no slow read falls in this test. */
	struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 100000, 0, 0 };
	uint64_t percpu[4], tick;
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	struct sample s;
	char dir[512];
	int i, seen = 0;

	(void)state;
	make_tree(0, 1);
	gdir(dir, sizeof(dir), "cpuacct", 0);
	put_ticks(dir, 1);
	h = ready(&ro, &li, &s, percpu, &errs);
	tick = read_user(h, &s, &errs, 1000);
	assert_true(tick > 0);
	/* Usage unmoved: cpuacct.stat not read, its figures stand (the
	 * kernel could not have moved them: see CGC_CPU_SPLIT). */
	put_ticks(dir, 5);
	for (i = 1; i <= 3; i++)
		assert_int_equal(read_user(h, &s, &errs, 1000 + i), tick);
	/* Usage moved: read on that very read. */
	put_file(dir, "cpuacct.usage_percpu", "4 7 \n");
	assert_int_equal(read_user(h, &s, &errs, 1004), 5 * tick);
	assert_int_equal(s.cpu.usage_ns, 11);
	/* With slow reads every 3rd: read within 3 reads even unmoved. */
	ro.slow_every = 3;
	cgroup_set_read_options(&ro);
	put_ticks(dir, 9);
	for (i = 0; i < 3 && !seen; i++)
		seen = read_user(h, &s, &errs, 1005 + i) == 9 * tick;
	assert_true(seen);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

/* memory.stat of a v1 (or v2) group with total_inactive_file (or
 * inactive_file) n. */
static void
put_memstat(const char *dir, int v2, int n)
{
	char text[256];

	if (v2)
		snprintf(text, sizeof(text), "anon 4096\nfile 8192\n"
		    "active_file 0\ninactive_file %d\n", n);
	else
		snprintf(text, sizeof(text), "cache 0\nrss 0\n"
		    "total_cache 8192\ntotal_rss 4096\n"
		    "total_inactive_file %d\n", n);
	put_file(dir, "memory.stat", text);
}

static uint64_t
read_inactive(struct cgroup_handle *h, struct sample *s,
    struct cg_errors *e, int64_t now)
{
	assert_int_equal(cgroup_read(h, s, e, now), CG_OK);
	assert_true(s->have & HAVE_MEM_STAT);
	/* The working set always goes with the figures shown. */
	assert_int_equal(s->mem.working_set,
	    s->mem.usage - s->mem.inactive_file);
	return s->mem.inactive_file;
}

static void
memstat_idle(int v2)
{
	struct cg_read_options ro = { CG_CPU_FILES_PERCPU, 100000, 0, 0 };
	const char *usage = v2 ? "memory.current" : "memory.usage_in_bytes";
	char cdir[512], mdir[512];
	struct cg_layout_info li;
	struct cgroup_handle *h;
	struct cg_errors errs;
	uint64_t percpu[4];
	struct sample s;
	int i, seen = 0;

	make_tree(v2, 1);
	gdir(cdir, sizeof(cdir), v2 ? "" : "cpuacct", 0);
	gdir(mdir, sizeof(mdir), v2 ? "" : "memory", 0);
	if (v2) {
		put_file(cdir, "cpu.stat", "usage_usec 10\n");
		put_file(mdir, "memory.current", "65536\n");
	} else
		put_file(mdir, usage, "65536\n");
	put_memstat(mdir, v2, 1024);
	h = ready(&ro, &li, &s, percpu, &errs);
	assert_int_equal(read_inactive(h, &s, &errs, 1000), 1024);
	/* Neither usage moved: memory.stat not read. */
	put_memstat(mdir, v2, 2048);
	for (i = 1; i <= 3; i++)
		assert_int_equal(read_inactive(h, &s, &errs, 1000 + i), 1024);
	/* Memory usage moved: read. */
	put_file(mdir, usage, "131072\n");
	assert_int_equal(read_inactive(h, &s, &errs, 1004), 2048);
	assert_int_equal(s.mem.working_set, 131072 - 2048);
	/* CPU usage moved: read. */
	put_memstat(mdir, v2, 3072);
	if (v2)
		put_file(cdir, "cpu.stat", "usage_usec 11\n");
	else
		put_file(cdir, "cpuacct.usage_percpu", "4 7 \n");
	assert_int_equal(read_inactive(h, &s, &errs, 1005), 3072);
	/* Slow reads every 3rd: read within 3 reads even unmoved. */
	ro.slow_every = 3;
	cgroup_set_read_options(&ro);
	put_memstat(mdir, v2, 4000);
	for (i = 0; i < 3 && !seen; i++)
		seen = read_inactive(h, &s, &errs, 1006 + i) == 4000;
	assert_true(seen);
	assert_int_equal(errs.read + errs.parse, 0);
	cgroup_close(h);
}

static void
test_memstat_idle_v1(void **state)
{
	(void)state;
	memstat_idle(0);
}

static void
test_memstat_idle_v2(void **state)
{
	(void)state;
	memstat_idle(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_slow_files, teardown),
		cmocka_unit_test_teardown(test_slow_on_demand, teardown),
		cmocka_unit_test_teardown(test_usage_alone, teardown),
		cmocka_unit_test_teardown(test_psi_period, teardown),
		cmocka_unit_test_teardown(test_netns_shared, teardown),
		cmocka_unit_test_teardown(test_throttle_without_quota,
		    teardown),
		cmocka_unit_test_teardown(test_blkio_ops_skipped, teardown),
		cmocka_unit_test_teardown(test_cpu_split_idle, teardown),
		cmocka_unit_test_teardown(test_memstat_idle_v1, teardown),
		cmocka_unit_test_teardown(test_memstat_idle_v2, teardown),
		cmocka_unit_test_teardown(test_net_idle, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
