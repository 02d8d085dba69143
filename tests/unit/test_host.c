/*
 * test_host.c — collector/host: a sample of the fixture proc tree
 * tests/fixtures/proc/linux-6.18 (host_options.proc_root), its line
 * protocol with Telegraf's names (exact bytes for the CPU percentages),
 * its node_exporter exposition, and a family whose file is broken or
 * missing being skipped and counted while the others are kept.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "collector/host.h"
#include "common/util.h"
#include "tests/lib/fixture.h"


/* The fixture proc tree: this machine's /proc files (SOURCES.md). */
static const char *
fix_root(void)
{
	static char path[512];

	return fixture_path(path, sizeof(path), "proc/linux-6.18");
}

static void
opts_init(struct host_options *o, const char *root)
{
	memset(o, 0, sizeof(*o));
	o->proc_root = root;
	o->disk_ignore_fs = HOST_DISK_IGNORE_FS_DEFAULT;
	o->disk_mounts = "";
	o->net_interfaces = HOST_NET_INTERFACES_DEFAULT;
	o->diskio_devices = HOST_DISKIO_DEVICES_DEFAULT;
	o->disk_timeout_ms = 2000;
	o->processes_interval_s = 0;
}

static int
has_line(const struct buf *b, const char *prefix)
{
	const char *p = b->data;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

static void
test_sample_fixture(void **state)
{
	const struct host_snapshot *s;
	struct host_options o;
	struct host *h;
	struct buf b;
	char err[256];

	(void)state;
	opts_init(&o, fix_root());
	h = host_new(&o, err, sizeof(err));
	assert_non_null(h);
	assert_int_equal(host_sample(h, now_mono_ns(), NULL, 0), HF_NFAMILIES);
	s = host_current(h);
	assert_null(host_previous(h));
	assert_int_equal(s->stat.ncpu_lines, 2);
	assert_int_equal(s->procs.total, 2);        /* 1/stat and 42/stat */
	assert_int_equal(s->procs.sleeping, 1);
	assert_int_equal(s->procs.running, 1);
	assert_int_equal(s->procs.total_threads, 14);
	assert_int_equal(s->dio.n, 1);              /* vda: no loop, no zram */
	assert_string_equal(s->dio.d[0].name, "vda");
	assert_int_equal(s->net.n, 3);              /* lo left out */
	assert_string_equal(s->net.i[0].name, "ifb0");
	/* The fixture's mount table: only / is not a pseudo filesystem or
	 * tmpfs; it is measured for real (this machine's /). */
	assert_int_equal(s->nfs, 1);
	assert_string_equal(s->fs[0].m.path, "/");
	assert_true(s->fs[0].r.size > 0);

	buf_init(&b, 1 << 20);
	assert_true(host_format(s, host_previous(h), "h1", 1000, &b) > 0);
	assert_false(has_line(&b, "cpu,"));         /* needs two samples */
	assert_true(has_line(&b, "mem,host=h1 total="));
	assert_true(has_line(&b, "swap,host=h1 total=0i,used=0i,free=0i,"
	    "used_percent=0,in=0i,out=0i 1000"));
	assert_true(has_line(&b, "system,host=h1 load1=2.89,load5=1.14,"
	    "load15=0.48,n_cpus=2i,uptime=445i 1000"));
	assert_true(has_line(&b, "kernel,host=h1 boot_time="));
	assert_true(has_line(&b, "processes,host=h1 running=1i,sleeping=1i,"));
	assert_true(has_line(&b, "disk,device=vda,fstype=ext4,host=h1,mode=rw,"
	    "path=/ total="));
	assert_true(has_line(&b, "diskio,host=h1,name=vda reads=41666i,"
	    "writes=40029i,read_bytes=1462793216i,"));
	assert_true(has_line(&b, "net,host=h1,interface=eth0 bytes_sent=162652i,"
	    "bytes_recv=173668836i,packets_sent=1861i,packets_recv=3420i,"));
	assert_false(has_line(&b, "net,host=h1,interface=lo "));

	/* The same files again: no CPU time went by, so no cpu point. */
	host_publish(h);
	assert_non_null(host_previous(h));
	assert_int_equal(host_sample(h, now_mono_ns(), NULL, 0), HF_NFAMILIES);
	buf_reset(&b);
	assert_true(host_format(host_current(h), host_previous(h), "h1", 1,
	    &b) > 0);
	assert_false(has_line(&b, "cpu,"));
	assert_int_equal(host_errors(h), 0);

	/* node_exporter's names. */
	buf_reset(&b);
	assert_int_equal(host_prom_render(host_publish(h), &b), 0);
	assert_true(has_line(&b, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} "));
	assert_true(has_line(&b, "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"nice\"} "));
	assert_true(has_line(&b, "node_memory_MemAvailable_bytes "));
	assert_true(has_line(&b, "node_memory_Active_anon_bytes "));
	assert_true(has_line(&b, "node_memory_HugePages_Total 0"));
	assert_true(has_line(&b, "node_load1 2.89"));
	assert_true(has_line(&b, "node_boot_time_seconds "));
	assert_true(has_line(&b, "node_processes_state{state=\"R\"} 1"));
	assert_true(has_line(&b, "node_filesystem_avail_bytes{device=\"/dev/vda\","
	    "fstype=\"ext4\",mountpoint=\"/\"} "));
	assert_true(has_line(&b, "node_disk_read_bytes_total{device=\"vda\"} 1462793216"));
	assert_true(has_line(&b, "node_disk_io_time_seconds_total{device=\"vda\"} 69.992"));
	assert_true(has_line(&b, "node_network_receive_bytes_total{device=\"eth0\"} 173668836"));
	assert_true(has_line(&b, "# TYPE node_network_transmit_bytes_total counter"));
	assert_true(has_line(&b, "node_time_seconds 1"));   /* 17..e9 */
	assert_true(has_line(&b, "node_uname_info{domainname=\""));
	assert_non_null(strstr(b.data, ",sysname=\"Linux\","));
	buf_free(&b);
	host_free(h);
}

/* Telegraf's cpu points, byte for byte, from two hand-made samples. */
static void
test_format_cpu(void **state)
{
	struct host_snapshot *a = calloc(1, sizeof(*a));
	struct host_snapshot *b = calloc(1, sizeof(*b));
	static const struct host_cpu_ticks t0 = { -1, { 100, 0, 100, 800, 0, 0, 0, 0, 0, 0 } };
	static const struct host_cpu_ticks t1 = { -1, { 150, 0, 125, 900, 25, 0, 0, 0, 10, 0 } };
	struct buf out;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	a->have = b->have = 1u << HF_CPU;
	a->stat.total = t0;
	b->stat.total = t1;
	a->stat.ncpu = b->stat.ncpu = 1;
	a->stat.cpu[0] = t0;
	a->stat.cpu[0].id = 3;
	b->stat.cpu[0] = t1;
	b->stat.cpu[0].id = 3;
	buf_init(&out, 4096);
	assert_int_equal(host_format(b, a, "h", 7, &out), 2);
	/* Δ user 50 (guest 10 in it) system 25 idle 100 iowait 25: 200. */
	assert_string_equal(out.data,
	    "cpu,cpu=cpu-total,host=h usage_user=20,usage_nice=0,"
	    "usage_system=12.5,usage_idle=50,usage_iowait=12.5,usage_irq=0,"
	    "usage_softirq=0,usage_steal=0,usage_guest=5,usage_guest_nice=0 7\n"
	    "cpu,cpu=cpu3,host=h usage_user=20,usage_nice=0,"
	    "usage_system=12.5,usage_idle=50,usage_iowait=12.5,usage_irq=0,"
	    "usage_softirq=0,usage_steal=0,usage_guest=5,usage_guest_nice=0 7\n");
	/* A CPU the previous sample did not have: no point for it. */
	b->stat.cpu[0].id = 4;
	buf_reset(&out);
	assert_int_equal(host_format(b, a, "h", 7, &out), 1);
	/* A buffer too small: nothing half-written. */
	{
		struct buf tiny;

		buf_init(&tiny, 64);
		assert_int_equal(host_format(b, a, "h", 7, &tiny), -1);
		assert_int_equal(tiny.len, 0);
		buf_free(&tiny);
	}
	buf_free(&out);
	free(a);
	free(b);
}

static int
copy_tree(const char *dst)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -R %s/. %s", fix_root(), dst);
	return system(cmd);
}

/* A malformed meminfo and a missing diskstats: those families are left
 * out and counted; every other family is still there. */
static void
test_broken_files(void **state)
{
	char dir[] = "/tmp/hoist-host-test.XXXXXX", path[256], err[256];
	struct host_options o;
	struct host *h;
	FILE *f;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(copy_tree(dir), 0);
	snprintf(path, sizeof(path), "%s/meminfo", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("MemTotal: lots\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/diskstats", dir);
	assert_int_equal(unlink(path), 0);
	opts_init(&o, dir);
	h = host_new(&o, err, sizeof(err));
	assert_non_null(h);
	n = host_sample(h, now_mono_ns(), NULL, 0);
	assert_int_equal(n, HF_NFAMILIES - 3);     /* mem, swap, diskio */
	assert_false(host_current(h)->have & (1u << HF_MEM));
	assert_false(host_current(h)->have & (1u << HF_SWAP));
	assert_false(host_current(h)->have & (1u << HF_DISKIO));
	assert_true(host_current(h)->have & (1u << HF_NET));
	assert_int_equal(host_errors(h), 2);
	/* Again: counted again (logged only with backoff). */
	host_publish(h);
	host_sample(h, now_mono_ns(), NULL, 0);
	assert_int_equal(host_errors(h), 4);
	host_free(h);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* The statvfs pool on mounts that answer: figures for /, an error for a
 * path that does not exist, nothing hung; several rounds on one worker. */
static void
test_fs_pool(void **state)
{
	struct host_fs_result res[HOST_FS_MAX];
	char paths[2][HOST_PATH_MAX] = { "/", "/nonexistent/hoist" };
	struct host_fs_pool *p = host_fs_new();
	int hung, round;

	(void)state;
	assert_non_null(p);
	for (round = 0; round < 3; round++) {
		assert_int_equal(host_fs_begin(p, paths, 2), 0);
		assert_int_equal(host_fs_end(p, now_mono_ns() + 5000000000LL, res,
		    &hung), 1);
		assert_int_equal(hung, -1);
		assert_true(res[0].ok);
		assert_true(res[0].size >= res[0].free);
		assert_true(res[0].free >= res[0].avail);
		assert_true(res[0].files > 0);
		assert_false(res[1].ok);
		assert_int_equal(res[1].err, ENOENT);
	}
	assert_false(host_fs_is_hung(p, "/"));
	assert_int_equal(host_fs_reap(p, NULL, 0), 0);
	host_fs_free(p);
	host_fs_free(NULL);
}

/* The mount table's filters: fs types ignored, mount-point globs, and a
 * later mount on the same point hiding the earlier one. */
static void
test_mount_filters(void **state)
{
	static const char mi[] =
	    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	    "28 27 0:25 / /dev/shm rw - tmpfs tmpfs rw\n"
	    "29 27 254:0 / /sys rw - ext4 /dev/vdb rw\n"
	    "30 27 254:1 / / ro,relatime - xfs /dev/vdc rw\n"
	    "31 27 0:26 / /nonexistent/hoist rw - ext4 /dev/vdd rw\n";
	char dir[] = "/tmp/hoist-host-mnt.XXXXXX", path[256], err[256];
	const struct host_snapshot *s;
	struct host_options o;
	struct host *h;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(copy_tree(dir), 0);
	snprintf(path, sizeof(path), "%s/self/mountinfo", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(mi, f);
	fclose(f);
	opts_init(&o, dir);
	o.disk_mounts = "!/sys*";
	h = host_new(&o, err, sizeof(err));
	assert_non_null(h);
	host_sample(h, now_mono_ns(), NULL, 0);
	s = host_current(h);
	assert_true(s->have & (1u << HF_DISK));
	/* /dev/shm: tmpfs; /sys: excluded by the glob; /nonexistent: statvfs
	 * fails (not an error of the sample); / twice: the later one. */
	assert_int_equal(s->nfs, 1);
	assert_string_equal(s->fs[0].m.path, "/");
	assert_string_equal(s->fs[0].m.fstype, "xfs");
	assert_string_equal(s->fs[0].m.device, "/dev/vdc");
	assert_int_equal(s->fs[0].m.ro, 1);
	assert_int_equal(host_errors(h), 0);
	host_free(h);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void
test_bad_options(void **state)
{
	struct host_options o;
	char err[256];

	(void)state;
	opts_init(&o, fix_root());
	o.net_interfaces = "eth0,,lo";
	assert_null(host_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "host_net_interfaces"));
	host_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_fixture),
		cmocka_unit_test(test_format_cpu),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_fs_pool),
		cmocka_unit_test(test_mount_filters),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
