/*
 * host.h — the host's own metrics, sampled once per sweep: CPU, memory,
 * swap, load, kernel counters, processes, disk usage per mount, disk I/O
 * per device, network per interface.  Written as line protocol with
 * Telegraf's system inputs' measurement and field names (host_format.c)
 * and served on /metrics under node_exporter's names (host_prom.c).  The
 * full list is in docs/host-metrics.md.
 *
 * The /proc files stay open and are read with pread; the mount table is
 * re-read only when the kernel says it changed (poll on mountinfo);
 * statvfs runs off the sweep's thread with a deadline (host_fs.h); the
 * per-process scan for the processes family runs every
 * processes_interval_s.  A file that cannot be read or parsed skips its
 * family for that sweep, counted and logged with backoff (complain).
 *
 * One struct host per collector, used by the sweep's thread only, except
 * the published snapshot, which the API reads under the table's lock.
 */
#ifndef HOIST_HOST_H
#define HOIST_HOST_H

#include <stdint.h>

#include "collector/host_fs.h"
#include "collector/host_parse.h"
#include "common/buf.h"

/* Families; bit f of host_snapshot.have says family f has figures. */
enum host_family {
	HF_CPU, HF_MEM, HF_SWAP, HF_SYSTEM, HF_KERNEL, HF_PROCESSES,
	HF_DISK, HF_DISKIO, HF_NET, HF_NFAMILIES
};
const char *host_family_name(enum host_family f);

/*
 * The defaults of the filters (collector_main.c's keys).  Filesystems:
 * Telegraf's ignore_fs default, plus the pseudo filesystems Telegraf
 * measures and then drops for having no blocks (skipping them is
 * cheaper).  Interfaces: all but loopback, veth pairs and Docker's
 * bridges.  Devices: all but loop, RAM disks and partitions.
 */
#define HOST_DISK_IGNORE_FS_DEFAULT \
	"tmpfs,devtmpfs,devfs,iso9660,overlay,aufs,squashfs,proc,sysfs," \
	"cgroup,cgroup2,devpts,mqueue,debugfs,tracefs,securityfs,pstore,bpf," \
	"configfs,fusectl,autofs,binfmt_misc,rpc_pipefs,nsfs"
#define HOST_NET_INTERFACES_DEFAULT "!lo,!veth*,!docker*,!br-*"
#define HOST_DISKIO_DEVICES_DEFAULT \
	"!loop*,!ram*,!zram*,!sd*[0-9],!hd*[0-9],!vd*[0-9],!xvd*[0-9]," \
	"!nvme*p[0-9]*,!mmcblk*p[0-9]*"

struct host_options {
	const char *proc_root;        /* "/proc"; a fixture tree in tests */
	const char *disk_ignore_fs;   /* comma list of filesystem types */
	const char *disk_mounts;      /* glob list of mount points */
	const char *net_interfaces;   /* glob list of interfaces */
	const char *diskio_devices;   /* glob list of block devices */
	long        disk_timeout_ms;  /* wait for statvfs at most this */
	long        processes_interval_s; /* 0: scan every sweep */
};

/* One mount's figures (disk family). */
struct host_fs {
	struct host_mount     m;
	struct host_fs_result r;
};

/* Everything one sample holds; pure data. */
/* uname(2), read once: node_exporter's node_uname_info labels (the
 * fields are as long as struct utsname's: never cut). */
struct host_uname {
	char sysname[65], nodename[65], release[65], version[65],
	     machine[65], domainname[65];
};

struct host_snapshot {
	int64_t  mono_ns;
	int64_t  real_ns;             /* wall clock of the sample */
	const struct host_uname *uname;   /* borrowed from struct host */
	uint32_t have;                /* 1u << enum host_family */
	long     user_hz;
	struct host_stat      stat;
	struct host_meminfo   mi;
	struct host_mem       mem;
	uint64_t pswpin, pswpout;     /* pages */
	uint64_t page_size;
	struct host_load      load;
	double   uptime_s;
	uint64_t entropy_avail;
	int      have_entropy;
	struct host_procs     procs;
	struct host_diskstats dio;    /* the devices the glob list takes */
	struct host_netdev    net;    /* the interfaces it takes */
	uint32_t nfs;
	struct host_fs        fs[HOST_FS_MAX];
};

struct host;

/* host.c */
/* Parse the options (copied) and open the files.  NULL with err set on a
 * bad glob list or no memory. */
struct host *host_new(const struct host_options *o, char *err, size_t errlen);
void host_free(struct host *h);
/*
 * Take one sample at now_ns (CLOCK_MONOTONIC).  procstat/len: the bytes of
 * /proc/stat when the caller has just read them (the collector does, for
 * the containers' CPU share), or NULL to read them here.  Returns the
 * number of families sampled.
 */
int  host_sample(struct host *h, int64_t now_ns, const char *procstat,
	size_t procstat_len);
/* The sample just taken and the one before (NULL before the second). */
const struct host_snapshot *host_current(const struct host *h);
const struct host_snapshot *host_previous(const struct host *h);
/*
 * Make the sample just taken the published one and return it; the caller
 * holds the lock the readers of the published snapshot take.  The
 * pointer stays valid until the next host_publish or host_free.
 */
const struct host_snapshot *host_publish(struct host *h);
/* Errors counted so far (all families). */
uint64_t host_errors(const struct host *h);

/* host_format.c */
/*
 * Append the sample's points, Telegraf's names (cpu, mem, swap, system,
 * kernel, processes, disk, diskio, net), every one tagged host=`host`.
 * prev: the sample before (CPU percentages need two); NULL: no cpu
 * points.  Returns the number of points, or -1 when out is full.
 */
int  host_format(const struct host_snapshot *cur,
	const struct host_snapshot *prev, const char *host, int64_t ts_ns,
	struct buf *out);

/* host_prom.c */
/* Append node_exporter's families for the snapshot; 0 or -1 (full). */
int  host_prom_render(const struct host_snapshot *s, struct buf *out);

#endif
