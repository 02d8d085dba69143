/*
 * host_parse.c — see host_parse.h.
 *
 * Every parser walks the buffer line by line with memchr and never reads
 * past s + len; numbers go through scan_u64, which refuses anything that
 * does not fit in 64 bits.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

#include "collector/host_parse.h"
#include "collector/scan.h"

/* ---- small scanners ----------------------------------------------------- */

static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

/* A blank-separated u64 column: blanks, digits, then a blank or the end. */
static int
column_u64(const char **pp, const char *end, uint64_t *v)
{
	const char *p = scan_skip_blanks(*pp, end);

	if (scan_u64(&p, end, v) != 0)
		return -1;
	if (p < end && *p != ' ' && *p != '\t')
		return -1;
	*pp = p;
	return 0;
}

static int
only_blanks_left(const char *p, const char *end)
{
	return scan_skip_blanks(p, end) == end;
}

/* Copy [p, q) into dst (size bytes); -1 when it does not fit or is empty. */
static int
copy_name(char *dst, size_t size, const char *p, const char *q)
{
	size_t n = (size_t)(q - p);

	if (n == 0 || n >= size)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* ---- /proc/stat --------------------------------------------------------- */

/* "cpu  1 2 3 4 ..." or "cpu3 1 2 3 4 ..." from just after "cpu". */
static int
stat_cpu_line(const char *p, const char *nl, struct host_cpu_ticks *c)
{
	uint64_t id;
	int i;

	memset(c, 0, sizeof(*c));
	c->id = -1;
	if (p < nl && *p >= '0' && *p <= '9') {
		if (scan_u64(&p, nl, &id) != 0 || id > INT32_MAX)
			return -1;
		c->id = (int32_t)id;
	}
	if (p >= nl || (*p != ' ' && *p != '\t'))
		return -1;
	for (i = 0; i < HCPU_NMODES; i++) {
		if (only_blanks_left(p, nl))
			break;
		if (column_u64(&p, nl, &c->t[i]) != 0)
			return -1;
	}
	if (i < 4 || !only_blanks_left(p, nl))
		return -1;
	return 0;
}

/* "key N ..." for the scalar lines; intr keeps its first number. */
static int
stat_scalar(const char *p, const char *nl, const char *key, size_t klen,
    uint64_t *v, int rest_ok)
{
	if ((size_t)(nl - p) <= klen || memcmp(p, key, klen) != 0 ||
	    (p[klen] != ' ' && p[klen] != '\t'))
		return 0;                   /* not this key */
	p += klen;
	if (column_u64(&p, nl, v) != 0)
		return -1;
	if (!rest_ok && !only_blanks_left(p, nl))
		return -1;
	return 1;
}

static const struct {
	const char *key;
	uint8_t     len, rest_ok;
	uint16_t    off;
	uint32_t    bit;
} stat_keys[] = {
	{ "intr", 4, 1, offsetof(struct host_stat, intr), HSTAT_INTR },
	{ "ctxt", 4, 0, offsetof(struct host_stat, ctxt), HSTAT_CTXT },
	{ "btime", 5, 0, offsetof(struct host_stat, btime), HSTAT_BTIME },
	{ "processes", 9, 0, offsetof(struct host_stat, forks), HSTAT_FORKS },
	{ "procs_running", 13, 0, offsetof(struct host_stat, procs_running),
	  HSTAT_PROCS },
	{ "procs_blocked", 13, 0, offsetof(struct host_stat, procs_blocked),
	  0 },
};

static int
stat_other(const char *p, const char *nl, struct host_stat *out)
{
	size_t k;
	int r;

	for (k = 0; k < sizeof(stat_keys) / sizeof(stat_keys[0]); k++) {
		uint64_t v;

		r = stat_scalar(p, nl, stat_keys[k].key, stat_keys[k].len, &v,
		    stat_keys[k].rest_ok);
		if (r < 0)
			return -1;
		if (r == 1) {
			memcpy((char *)out + stat_keys[k].off, &v, sizeof(v));
			out->have |= stat_keys[k].bit;
			return 0;
		}
	}
	return 0;                           /* softirq, page, swap ...: ignored */
}

int
hostp_stat(const char *s, size_t len, struct host_stat *out)
{
	const char *p = s, *end = s + len, *nl;
	int have_total = 0;

	/* Not the whole struct: cpu[] is 22 KB, and only ncpu entries of it
	 * are ever read. */
	memset(&out->total, 0, sizeof(out->total));
	out->total.id = -1;
	out->ncpu = out->ncpu_lines = 0;
	out->ctxt = out->intr = out->btime = out->forks = 0;
	out->procs_running = out->procs_blocked = 0;
	out->have = 0;
	for (; p < end; p = nl + 1) {
		nl = line_end(p, end);
		if (nl - p >= 3 && memcmp(p, "cpu", 3) == 0) {
			struct host_cpu_ticks c;

			if (stat_cpu_line(p + 3, nl, &c) != 0)
				return -1;
			if (c.id < 0) {
				out->total = c;
				have_total = 1;
			} else {
				out->ncpu_lines++;
				if (out->ncpu < HOST_CPU_MAX)
					out->cpu[out->ncpu++] = c;
			}
			continue;
		}
		if (stat_other(p, nl, out) != 0)
			return -1;
	}
	return have_total ? 0 : -1;
}

static uint64_t
sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int
hostp_cpu_usage(const struct host_cpu_ticks *prev,
    const struct host_cpu_ticks *cur, double pct[HCPU_NMODES])
{
	uint64_t d[HCPU_NMODES], total = 0;
	int i;

	for (i = 0; i < HCPU_NMODES; i++) {
		if (cur->t[i] < prev->t[i])
			return -1;
		d[i] = cur->t[i] - prev->t[i];
		if (i < HCPU_GUEST)
			total += d[i];
	}
	if (total == 0)
		return -1;
	for (i = 0; i < HCPU_NMODES; i++)
		pct[i] = 100.0 * (double)d[i] / (double)total;
	pct[HCPU_USER] = 100.0 * (double)sub0(d[HCPU_USER], d[HCPU_GUEST]) /
	    (double)total;
	pct[HCPU_NICE] = 100.0 * (double)sub0(d[HCPU_NICE],
	    d[HCPU_GUEST_NICE]) / (double)total;
	return 0;
}

/* ---- /proc/meminfo ------------------------------------------------------ */

static const struct {
	const char *name;       /* as in the file */
	const char *node;       /* node_exporter's spelling */
	uint8_t     len, bytes;
} mem_keys[HM_NKEYS] = {
#define K(e, name, node, bytes) [e] = { name, node, sizeof(name) - 1, bytes }
	K(HM_MemTotal, "MemTotal", "MemTotal", 1),
	K(HM_MemFree, "MemFree", "MemFree", 1),
	K(HM_MemAvailable, "MemAvailable", "MemAvailable", 1),
	K(HM_Buffers, "Buffers", "Buffers", 1),
	K(HM_Cached, "Cached", "Cached", 1),
	K(HM_SwapCached, "SwapCached", "SwapCached", 1),
	K(HM_Active, "Active", "Active", 1),
	K(HM_Inactive, "Inactive", "Inactive", 1),
	K(HM_Active_anon, "Active(anon)", "Active_anon", 1),
	K(HM_Inactive_anon, "Inactive(anon)", "Inactive_anon", 1),
	K(HM_Active_file, "Active(file)", "Active_file", 1),
	K(HM_Inactive_file, "Inactive(file)", "Inactive_file", 1),
	K(HM_Unevictable, "Unevictable", "Unevictable", 1),
	K(HM_Mlocked, "Mlocked", "Mlocked", 1),
	K(HM_HighTotal, "HighTotal", "HighTotal", 1),
	K(HM_HighFree, "HighFree", "HighFree", 1),
	K(HM_LowTotal, "LowTotal", "LowTotal", 1),
	K(HM_LowFree, "LowFree", "LowFree", 1),
	K(HM_SwapTotal, "SwapTotal", "SwapTotal", 1),
	K(HM_SwapFree, "SwapFree", "SwapFree", 1),
	K(HM_Dirty, "Dirty", "Dirty", 1),
	K(HM_Writeback, "Writeback", "Writeback", 1),
	K(HM_AnonPages, "AnonPages", "AnonPages", 1),
	K(HM_Mapped, "Mapped", "Mapped", 1),
	K(HM_Shmem, "Shmem", "Shmem", 1),
	K(HM_Slab, "Slab", "Slab", 1),
	K(HM_SReclaimable, "SReclaimable", "SReclaimable", 1),
	K(HM_SUnreclaim, "SUnreclaim", "SUnreclaim", 1),
	K(HM_KernelStack, "KernelStack", "KernelStack", 1),
	K(HM_PageTables, "PageTables", "PageTables", 1),
	K(HM_WritebackTmp, "WritebackTmp", "WritebackTmp", 1),
	K(HM_CommitLimit, "CommitLimit", "CommitLimit", 1),
	K(HM_Committed_AS, "Committed_AS", "Committed_AS", 1),
	K(HM_VmallocTotal, "VmallocTotal", "VmallocTotal", 1),
	K(HM_VmallocUsed, "VmallocUsed", "VmallocUsed", 1),
	K(HM_VmallocChunk, "VmallocChunk", "VmallocChunk", 1),
	K(HM_HugePages_Total, "HugePages_Total", "HugePages_Total", 0),
	K(HM_HugePages_Free, "HugePages_Free", "HugePages_Free", 0),
	K(HM_HugePages_Rsvd, "HugePages_Rsvd", "HugePages_Rsvd", 0),
	K(HM_HugePages_Surp, "HugePages_Surp", "HugePages_Surp", 0),
	K(HM_Hugepagesize, "Hugepagesize", "Hugepagesize", 1),
#undef K
};

const char *
hostp_mem_key_name(enum host_mem_key k)
{
	return (unsigned)k < HM_NKEYS ? mem_keys[k].name : "";
}

const char *
hostp_mem_node_name(enum host_mem_key k)
{
	return (unsigned)k < HM_NKEYS ? mem_keys[k].node : "";
}

int
hostp_mem_key_is_bytes(enum host_mem_key k)
{
	return (unsigned)k < HM_NKEYS ? mem_keys[k].bytes : 0;
}

/*
 * The key of [p, colon) in the table, or -1.  The kernel prints the keys
 * in the table's order, so the search starts where the last one matched.
 */
static int
mem_key_find(const char *p, size_t n, int hint)
{
	int i, k;

	for (i = 0; i < HM_NKEYS; i++) {
		k = (hint + i) % HM_NKEYS;
		if (mem_keys[k].len == n && memcmp(mem_keys[k].name, p, n) == 0)
			return k;
	}
	return -1;
}

int
hostp_meminfo(const char *s, size_t len, struct host_meminfo *out)
{
	const char *p = s, *end = s + len, *nl, *colon;
	uint64_t v;
	int k, hint = 0;

	memset(out, 0, sizeof(*out));
	for (; p < end; p = nl + 1) {
		nl = line_end(p, end);
		if (nl == p)
			continue;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || colon == p)
			return -1;
		k = mem_key_find(p, (size_t)(colon - p), hint);
		p = colon + 1;
		if (column_u64(&p, nl, &v) != 0)
			return -1;
		p = scan_skip_blanks(p, nl);
		if (nl - p >= 2 && memcmp(p, "kB", 2) == 0) {
			if (v > UINT64_MAX / 1024)
				return -1;
			v *= 1024;
			p += 2;
		}
		if (!only_blanks_left(p, nl))
			return -1;
		if (k < 0)
			continue;           /* a key we do not keep */
		out->v[k] = v;
		out->have |= 1ull << k;
		hint = k + 1;
	}
	if (!(out->have & (1ull << HM_MemTotal)) ||
	    !(out->have & (1ull << HM_MemFree)))
		return -1;
	return 0;
}

int
hostp_zoneinfo_low(const char *s, size_t len, uint64_t *low_pages)
{
	const char *p = s, *end = s + len, *nl;
	uint64_t sum = 0, v;
	int zones = 0;

	*low_pages = 0;
	for (; p < end; p = nl + 1) {
		nl = line_end(p, end);
		p = scan_skip_blanks(p, nl);
		if (nl - p >= 4 && memcmp(p, "Node", 4) == 0)
			zones++;
		if (nl - p < 4 || memcmp(p, "low", 3) != 0 ||
		    (p[3] != ' ' && p[3] != '\t'))
			continue;
		p += 3;
		if (column_u64(&p, nl, &v) != 0 || !only_blanks_left(p, nl) ||
		    v > UINT64_MAX - sum)
			return -1;
		sum += v;
	}
	if (zones == 0)
		return -1;
	*low_pages = sum;
	return 0;
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* gopsutil's calculateAvailVmem (psutil's estimate for kernels < 3.14). */
static uint64_t
mem_available_estimate(const struct host_meminfo *mi, uint64_t wm_low)
{
	uint64_t avail, cache, slab;

	avail = sub0(mi->v[HM_MemFree], wm_low);
	cache = mi->v[HM_Active_file] + mi->v[HM_Inactive_file];
	cache -= min_u64(cache / 2, wm_low);
	slab = mi->v[HM_SReclaimable];
	slab -= min_u64(slab / 2, wm_low);
	return avail + cache + slab;
}

void
hostp_mem_derive(const struct host_meminfo *mi, uint64_t watermark_low,
    int have_wm, struct host_mem *out)
{
	const uint64_t need = (1ull << HM_Active_file) |
	    (1ull << HM_Inactive_file) | (1ull << HM_SReclaimable);
	uint64_t taken;

	memset(out, 0, sizeof(*out));
	out->total = mi->v[HM_MemTotal];
	out->free = mi->v[HM_MemFree];
	out->buffered = mi->v[HM_Buffers];
	out->cached = mi->v[HM_Cached] + mi->v[HM_SReclaimable];
	if (mi->have & (1ull << HM_MemAvailable))
		out->available = mi->v[HM_MemAvailable];
	else if ((mi->have & need) == need && have_wm)
		out->available = mem_available_estimate(mi, watermark_low);
	else
		out->available = out->free + out->cached;
	taken = out->free + out->buffered + out->cached;
	out->used = sub0(out->total, taken);
	if (out->total > 0) {
		out->used_percent = 100.0 * (double)out->used /
		    (double)out->total;
		out->available_percent = 100.0 * (double)out->available /
		    (double)out->total;
	}
}

/* ---- /proc/vmstat, /proc/loadavg, /proc/uptime ------------------------- */

int
hostp_vmstat_swap(const char *s, size_t len, uint64_t *pswpin,
    uint64_t *pswpout)
{
	const char *p = s, *end = s + len, *nl;
	int found = 0;

	*pswpin = *pswpout = 0;
	for (; p < end && found != 3; p = nl + 1) {
		uint64_t *dst = NULL;
		int bit = 0;

		nl = line_end(p, end);
		if (nl - p > 7 && memcmp(p, "pswpin ", 7) == 0) {
			dst = pswpin;
			bit = 1;
			p += 6;
		} else if (nl - p > 8 && memcmp(p, "pswpout ", 8) == 0) {
			dst = pswpout;
			bit = 2;
			p += 7;
		}
		if (dst == NULL)
			continue;
		if (column_u64(&p, nl, dst) != 0 || !only_blanks_left(p, nl))
			return -1;
		found |= bit;
	}
	return found == 3 ? 0 : -1;
}

int
hostp_loadavg(const char *s, size_t len, struct host_load *out)
{
	const char *p = s, *end = s + len, *nl = line_end(s, s + len);
	double *l[3];
	int i;

	(void)end;
	memset(out, 0, sizeof(*out));
	l[0] = &out->load1;
	l[1] = &out->load5;
	l[2] = &out->load15;
	for (i = 0; i < 3; i++) {
		p = scan_skip_blanks(p, nl);
		if (scan_decimal(&p, nl, l[i]) != 0 || p >= nl || *p != ' ')
			return -1;
	}
	p = scan_skip_blanks(p, nl);
	if (scan_u64(&p, nl, &out->runnable) != 0 || p >= nl || *p != '/')
		return -1;
	p++;
	if (scan_u64(&p, nl, &out->threads) != 0)
		return -1;
	return 0;
}

int
hostp_uptime(const char *s, size_t len, double *uptime_s)
{
	const char *p = s, *nl = line_end(s, s + len);

	*uptime_s = 0;
	p = scan_skip_blanks(p, nl);
	/* Range-checked here so that it may become an integer later. */
	if (scan_decimal(&p, nl, uptime_s) != 0 ||
	    (p < nl && *p != ' ' && *p != '\t') || *uptime_s >= HOST_UPTIME_MAX) {
		*uptime_s = 0;
		return -1;
	}
	return 0;
}

/* ---- /proc/diskstats ---------------------------------------------------- */

static int
disk_line(const char *p, const char *nl, struct host_diskio *d, int *toolong)
{
	uint64_t v[17], maj, min;
	const char *name;
	int n = 0;

	memset(d, 0, sizeof(*d));
	*toolong = 0;
	if (column_u64(&p, nl, &maj) != 0 || column_u64(&p, nl, &min) != 0 ||
	    maj > UINT32_MAX || min > UINT32_MAX)
		return -1;
	p = scan_skip_blanks(p, nl);
	name = p;
	while (p < nl && *p != ' ' && *p != '\t')
		p++;
	if (p == name)
		return -1;
	if (copy_name(d->name, sizeof(d->name), name, p) != 0)
		*toolong = 1;
	while (n < 17 && !only_blanks_left(p, nl))
		if (column_u64(&p, nl, &v[n++]) != 0)
			return -1;
	if (!only_blanks_left(p, nl) || (n != 4 && n != 11 && n != 15 &&
	    n != 17))
		return -1;
	d->major = (uint32_t)maj;
	d->minor = (uint32_t)min;
	if (n == 4) {                 /* 2.6.0–2.6.24 partition line */
		d->reads = v[0];
		d->sectors_read = v[1];
		d->writes = v[2];
		d->sectors_written = v[3];
		return 0;
	}
	d->reads = v[0]; d->reads_merged = v[1];
	d->sectors_read = v[2]; d->read_ms = v[3];
	d->writes = v[4]; d->writes_merged = v[5];
	d->sectors_written = v[6]; d->write_ms = v[7];
	d->in_progress = v[8]; d->io_ms = v[9]; d->weighted_ms = v[10];
	return 0;
}

int
hostp_diskstats(const char *s, size_t len, struct host_diskstats *out)
{
	const char *p = s, *end = s + len, *nl;

	out->n = 0;
	out->skipped = 0;
	for (; p < end; p = nl + 1) {
		struct host_diskio d;
		int toolong;

		nl = line_end(p, end);
		if (only_blanks_left(p, nl))
			continue;
		if (disk_line(p, nl, &d, &toolong) != 0)
			return -1;
		if (toolong || out->n >= HOST_DISK_MAX) {
			out->skipped++;
			continue;
		}
		out->d[out->n++] = d;
	}
	return 0;
}

/* ---- /proc/net/dev ------------------------------------------------------ */

/* The 16 counters are copied in one go, in the file's column order. */
_Static_assert(offsetof(struct host_netif, tx_compressed) -
    offsetof(struct host_netif, rx_bytes) == 15 * sizeof(uint64_t),
    "struct host_netif: the counters in /proc/net/dev's order, no gaps");

int
hostp_netdev(const char *s, size_t len, struct host_netdev *out)
{
	const char *p = s, *end = s + len, *nl, *name;
	int line = 0;

	out->n = 0;
	out->skipped = 0;
	for (; p < end; p = nl + 1) {
		uint64_t v[16];
		int i;

		nl = line_end(p, end);
		if (line++ < 2)               /* the two header lines */
			continue;
		if (only_blanks_left(p, nl))
			continue;
		name = scan_skip_blanks(p, nl);
		p = memchr(name, ':', (size_t)(nl - name));
		if (p == NULL || p == name)
			return -1;
		for (i = 0, p++; i < 16; i++)
			if (column_u64(&p, nl, &v[i]) != 0)
				return -1;
		if (!only_blanks_left(p, nl))
			return -1;
		if (out->n >= HOST_NET_MAX) {
			out->skipped++;
			continue;
		}
		{
			struct host_netif *f = &out->i[out->n];
			const char *colon = memchr(name, ':',
			    (size_t)(nl - name));

			if (copy_name(f->name, sizeof(f->name), name,
			    colon) != 0) {
				out->skipped++;
				continue;
			}
			memcpy(&f->rx_bytes, v, sizeof(v));
			out->n++;
		}
	}
	return line >= 2 ? 0 : -1;
}

/* ---- /proc/self/mountinfo ----------------------------------------------- */

/*
 * One blank-separated field [p, q) into dst with the kernel's octal
 * escapes (\040 space, \011 tab, \012 newline, \134 backslash) undone.
 */
static int
copy_unescaped(char *dst, size_t size, const char *p, const char *q)
{
	size_t n = 0;

	if (p == q)
		return -1;
	while (p < q) {
		char c = *p++;

		if (c == '\\' && q - p >= 3 && p[0] >= '0' && p[0] <= '3' &&
		    p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 +
			    (p[2] - '0'));
			p += 3;
		}
		if (n + 1 >= size)
			return -1;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* The next blank-separated field of [*pp, end) as [*f, *fe). */
static int
next_field(const char **pp, const char *end, const char **f, const char **fe)
{
	const char *p = scan_skip_blanks(*pp, end);

	*f = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*fe = p;
	*pp = p;
	return *f < *fe ? 0 : -1;
}

/* "rw,noatime" -> 1 when "ro" is one of the options. */
static int
opts_ro(const char *p, const char *q)
{
	while (p < q) {
		const char *c = memchr(p, ',', (size_t)(q - p));

		if (c == NULL)
			c = q;
		if (c - p == 2 && p[0] == 'r' && p[1] == 'o')
			return 1;
		p = c + 1;
	}
	return 0;
}

static int
mount_line(const char *p, const char *nl, struct host_mount *m)
{
	const char *f, *fe, *opt, *opte;
	uint64_t maj, min;
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 2; i++)                   /* mount id, parent id */
		if (next_field(&p, nl, &f, &fe) != 0)
			return -1;
	if (next_field(&p, nl, &f, &fe) != 0 || scan_u64(&f, fe, &maj) != 0 ||
	    f >= fe || *f != ':' || (f++, scan_u64(&f, fe, &min)) != 0 ||
	    f != fe || maj > UINT32_MAX || min > UINT32_MAX)
		return -1;
	m->major = (uint32_t)maj;
	m->minor = (uint32_t)min;
	if (next_field(&p, nl, &f, &fe) != 0 ||          /* root */
	    next_field(&p, nl, &f, &fe) != 0 ||          /* mount point */
	    copy_unescaped(m->path, sizeof(m->path), f, fe) != 0 ||
	    next_field(&p, nl, &opt, &opte) != 0)        /* mount options */
		return -1;
	m->ro = opts_ro(opt, opte);
	do {                                  /* optional fields up to "-" */
		if (next_field(&p, nl, &f, &fe) != 0)
			return -1;
	} while (!(fe - f == 1 && *f == '-'));
	if (next_field(&p, nl, &f, &fe) != 0 ||
	    copy_unescaped(m->fstype, sizeof(m->fstype), f, fe) != 0 ||
	    next_field(&p, nl, &f, &fe) != 0 ||
	    copy_unescaped(m->device, sizeof(m->device), f, fe) != 0)
		return -1;
	return 0;
}

int
hostp_mountinfo_next(const char *s, size_t len, size_t *pos,
    struct host_mount *m)
{
	const char *end = s + len, *p, *nl;

	for (;;) {
		if (*pos >= len)
			return 0;
		p = s + *pos;
		nl = line_end(p, end);
		*pos = (size_t)(nl - s) + 1;
		if (!only_blanks_left(p, nl))
			break;
	}
	return mount_line(p, nl, m) == 0 ? 1 : -1;
}

/* ---- /proc/<pid>/stat --------------------------------------------------- */

int
hostp_pid_stat(const char *s, size_t len, char *state, uint64_t *threads)
{
	const char *end = s + len, *p = NULL, *q, *f, *fe;
	int i;

	*state = '\0';
	*threads = 0;
	for (q = s; q < end; q++)          /* the last ')' ends the command */
		if (*q == ')')
			p = q;
	if (p == NULL || p + 2 >= end || p[1] != ' ')
		return -1;
	p += 2;
	if (next_field(&p, end, &f, &fe) != 0 || fe - f != 1)
		return -1;
	*state = *f;
	/* Fields 4 .. 19 then num_threads, field 20. */
	for (i = 4; i < 20; i++)
		if (next_field(&p, end, &f, &fe) != 0)
			return -1;
	p = scan_skip_blanks(p, end);
	if (scan_u64(&p, end, threads) != 0 ||
	    (p < end && *p != ' ' && *p != '\n'))
		return -1;
	return 0;
}

void
hostp_procs_add(struct host_procs *p, char state, uint64_t threads)
{
	switch (state) {
	case 'R': p->running++; break;
	case 'S': p->sleeping++; break;
	case 'D': p->blocked++; break;
	case 'Z': p->zombies++; break;
	case 'X': p->dead++; break;
	case 'T': case 't': p->stopped++; break;
	case 'W': p->paging++; break;
	case 'I': p->idle++; break;
	case 'P': p->parked++; break;
	default: p->unknown++; break;
	}
	p->total++;
	p->total_threads += threads;
}

/* ---- glob lists --------------------------------------------------------- */

int
hostp_globs_parse(const char *list, struct host_globs *g)
{
	const char *p = list, *c, *q;

	memset(g, 0, sizeof(*g));
	while (*p != '\0') {
		c = strchr(p, ',');
		if (c == NULL)
			c = p + strlen(p);
		q = c;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (g->n >= HOST_GLOBS_MAX)
			return -1;
		if (p < q && *p == '!') {
			g->neg[g->n] = 1;
			p++;
		} else
			g->any_positive = 1;
		if (copy_name(g->pat[g->n], sizeof(g->pat[0]), p, q) != 0)
			return -1;
		g->n++;
		p = *c == ',' ? c + 1 : c;
	}
	return 0;
}

int
hostp_globs_match(const struct host_globs *g, const char *name)
{
	uint32_t i;

	for (i = 0; i < g->n; i++)
		if (fnmatch(g->pat[i], name, 0) == 0)
			return !g->neg[i];
	return !g->any_positive;
}
