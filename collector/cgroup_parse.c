/*
 * cgroup_parse.c — see cgroup_parse.h.  These run for every container on
 * every sweep, so they walk the bytes once, without sscanf or strtoull.
 */
#include <errno.h>
#include <string.h>

#include "collector/cgroup_parse.h"
#include "collector/scan.h"

/* Only blanks and newlines may follow a value. */
static int
only_space_left(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	return p == end;
}

int
cgp_u64(const char *s, size_t len, uint64_t *out, int allow_max, int *is_max)
{
	const char *p = s, *end = s + len;

	if (is_max != NULL)
		*is_max = 0;
	p = scan_skip_blanks(p, end);
	if (allow_max && end - p >= 3 && memcmp(p, "max", 3) == 0) {
		if (!only_space_left(p + 3, end))
			return -1;
		if (is_max != NULL)
			*is_max = 1;
		*out = UINT64_MAX;
		return 0;
	}
	if (scan_u64(&p, end, out) != 0 || !only_space_left(p, end))
		return -1;
	return 0;
}

int
cgp_i64(const char *s, size_t len, int64_t *out)
{
	const char *p = s, *end = s + len;
	uint64_t v;
	int neg = 0;

	p = scan_skip_blanks(p, end);
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (scan_u64(&p, end, &v) != 0 || !only_space_left(p, end))
		return -1;
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int
cgp_flat(const char *s, size_t len, const struct cgp_key *keys, size_t nkeys,
    void *base, uint64_t *found)
{
	const char *p = s, *end = s + len, *nl, *sp;
	uint64_t v, lens = 0;
	size_t i, klen;

	/* Bit n: some key is n bytes long (~0: one is 64 or longer, no
	 * filter); most lines of memory.stat are keys we do not ask for,
	 * and most of those are told apart by length alone. */
	for (i = 0; i < nkeys; i++)
		lens |= keys[i].len < 64 ? (uint64_t)1 << keys[i].len :
		    ~(uint64_t)0;
	*found = 0;
	while (p < end) {
		/* "KEY VALUE\n": the line, then the first space in it. */
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == NULL || sp == p)
			return -1;
		klen = (size_t)(sp - p);
		if (scan_u64_whole(sp + 1, nl, &v) != 0)
			return -1;
		if (klen >= 64 || (lens & ((uint64_t)1 << klen)))
			for (i = 0; i < nkeys; i++) {
				if (keys[i].len == klen &&
				    keys[i].name[0] == p[0] &&
				    memcmp(keys[i].name, p, klen) == 0) {
					memcpy((char *)base + keys[i].offset,
					    &v, sizeof(v));
					*found |= (uint64_t)1 << i;
					break;
				}
			}
		p = nl + 1;
	}
	return 0;
}

int
cgp_percpu(const char *s, size_t len, uint64_t *out, uint32_t max,
    uint32_t *n, uint64_t *sum)
{
	const char *p = s, *end = s + len;
	uint64_t v, total = 0;

	*n = 0;
	for (;;) {
		p = scan_skip_blanks(p, end);
		if (p >= end || *p == '\n')
			break;
		if (scan_u64(&p, end, &v) != 0 || v > UINT64_MAX - total)
			return -1;
		total += v;
		if (*n < max)
			out[*n] = v;
		(*n)++;
	}
	if (!only_space_left(p, end) || *n == 0)
		return -1;
	if (*n > max)
		*n = max;
	if (sum != NULL)
		*sum = total;
	return 0;
}

int
cgp_cpu_max(const char *s, size_t len, int64_t *quota_us, uint64_t *period_us)
{
	const char *p = s, *end = s + len;
	uint64_t q;

	p = scan_skip_blanks(p, end);
	if (end - p >= 3 && memcmp(p, "max", 3) == 0) {
		*quota_us = -1;
		p += 3;
	} else {
		if (scan_u64(&p, end, &q) != 0 || q > (uint64_t)INT64_MAX)
			return -1;
		*quota_us = (int64_t)q;
	}
	if (p >= end || *p != ' ')
		return -1;
	p++;
	if (scan_u64(&p, end, period_us) != 0 || !only_space_left(p, end) ||
	    *period_us == 0)
		return -1;
	return 0;
}

/* "MAJ:MIN" -> numbers; p is left after the minor. */
static int
scan_dev(const char **pp, const char *end, uint32_t *maj, uint32_t *min)
{
	uint64_t a, b;

	if (scan_u64(pp, end, &a) != 0 || *pp >= end || **pp != ':')
		return -1;
	(*pp)++;
	if (scan_u64(pp, end, &b) != 0 || a > UINT32_MAX || b > UINT32_MAX)
		return -1;
	*maj = (uint32_t)a;
	*min = (uint32_t)b;
	return 0;
}

static struct blkio_dev *
blkio_slot(struct blkio_stats *io, uint32_t maj, uint32_t min)
{
	uint32_t i;

	for (i = 0; i < io->ndev; i++)
		if (io->dev[i].major == maj && io->dev[i].minor == min)
			return &io->dev[i];
	if (io->ndev >= BLKIO_DEV_MAX)
		return NULL;
	memset(&io->dev[io->ndev], 0, sizeof(io->dev[0]));
	io->dev[io->ndev].major = maj;
	io->dev[io->ndev].minor = min;
	return &io->dev[io->ndev++];
}

int
cgp_blkio_v1(const char *s, size_t len, struct blkio_stats *io, int ops)
{
	const char *p = s, *end = s + len;
	uint32_t maj, min;
	uint64_t v;

	while (p < end) {
		const char *op;
		size_t oplen;
		struct blkio_dev *d;

		if (end - p >= 6 && memcmp(p, "Total ", 6) == 0) {
			/* The last line: the sum over devices. */
			p += 6;
			if (scan_u64(&p, end, &v) != 0)
				return -1;
			p = scan_skip_blanks(p, end);
			if (p < end && *p++ != '\n')
				return -1;
			continue;
		}
		if (scan_dev(&p, end, &maj, &min) != 0 || p >= end ||
		    *p != ' ')
			return -1;
		op = ++p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		oplen = (size_t)(p - op);
		if (p >= end || *p != ' ')
			return -1;
		p++;
		if (scan_u64(&p, end, &v) != 0)
			return -1;
		if (p < end && *p++ != '\n')
			return -1;
		if (oplen == 4 && memcmp(op, "Read", 4) == 0) {
			d = blkio_slot(io, maj, min);
			if (d != NULL)
				*(ops ? &d->read_ops : &d->read_bytes) += v;
			*(ops ? &io->total.read_ops : &io->total.read_bytes)
			    += v;
		} else if (oplen == 5 && memcmp(op, "Write", 5) == 0) {
			d = blkio_slot(io, maj, min);
			if (d != NULL)
				*(ops ? &d->write_ops : &d->write_bytes) += v;
			*(ops ? &io->total.write_ops : &io->total.write_bytes)
			    += v;
		}
	}
	return 0;
}

int
cgp_io_stat(const char *s, size_t len, struct blkio_stats *io)
{
	const char *p = s, *end = s + len;
	uint32_t maj, min;
	uint64_t v;

	while (p < end) {
		struct blkio_dev *d, tmp;

		if (*p == '\n') {
			p++;
			continue;
		}
		if (scan_dev(&p, end, &maj, &min) != 0)
			return -1;
		d = blkio_slot(io, maj, min);
		if (d == NULL) {
			memset(&tmp, 0, sizeof(tmp));
			d = &tmp;
		}
		while (p < end && *p == ' ') {
			const char *k = ++p;
			size_t klen;

			while (p < end && *p != '=' && *p != ' ' && *p != '\n')
				p++;
			klen = (size_t)(p - k);
			if (p >= end || *p != '=')
				return -1;
			p++;
			if (scan_u64(&p, end, &v) != 0)
				return -1;
			if (klen == 6 && memcmp(k, "rbytes", 6) == 0) {
				d->read_bytes = v;
				io->total.read_bytes += v;
			} else if (klen == 6 && memcmp(k, "wbytes", 6) == 0) {
				d->write_bytes = v;
				io->total.write_bytes += v;
			} else if (klen == 4 && memcmp(k, "rios", 4) == 0) {
				d->read_ops = v;
				io->total.read_ops += v;
			} else if (klen == 4 && memcmp(k, "wios", 4) == 0) {
				d->write_ops = v;
				io->total.write_ops += v;
			}
		}
		if (p < end && *p++ != '\n')
			return -1;
	}
	return 0;
}

static int
psi_line(const char **pp, const char *end, struct psi_line *l)
{
	static const char *const names[] = { "avg10=", "avg60=", "avg300=" };
	double *dst[3] = { &l->avg10, &l->avg60, &l->avg300 };
	const char *p = *pp;
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(names[i]);
		if (p >= end || *p != ' ' || (size_t)(end - p - 1) < n ||
		    memcmp(p + 1, names[i], n) != 0)
			return -1;
		p += 1 + n;
		if (scan_decimal(&p, end, dst[i]) != 0)
			return -1;
	}
	if (end - p < 7 || memcmp(p, " total=", 7) != 0)
		return -1;
	p += 7;
	if (scan_u64(&p, end, &l->total_us) != 0)
		return -1;
	if (p < end && *p++ != '\n')
		return -1;
	*pp = p;
	return 0;
}

int
cgp_psi(const char *s, size_t len, struct psi *ps)
{
	const char *p = s, *end = s + len;
	int seen = 0;

	memset(ps, 0, sizeof(*ps));
	while (p < end) {
		if (end - p >= 4 && memcmp(p, "some", 4) == 0) {
			p += 4;
			if (psi_line(&p, end, &ps->some) != 0)
				return -1;
		} else if (end - p >= 4 && memcmp(p, "full", 4) == 0) {
			p += 4;
			if (psi_line(&p, end, &ps->full) != 0)
				return -1;
		} else
			return -1;
		seen++;
	}
	return seen > 0 ? 0 : -1;
}

int
cgp_net_dev(const char *s, size_t len, struct net_stats *net)
{
	return cgp_net_dev_filtered(s, len, net, NULL, NULL);
}

int
cgp_net_dev_filtered(const char *s, size_t len, struct net_stats *net,
    int (*want)(void *arg, const char *name), void *arg)
{
	const char *p = s, *end = s + len, *nl;
	char ifname[NET_IF_NAME_MAX];
	int line = 0;

	memset(net, 0, sizeof(*net));
	memcpy(net->total.name, "total", 6);
	while (p < end) {
		uint64_t v[16];
		const char *name;
		size_t nlen;
		int i;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (line++ < 2) {       /* the two header lines */
			p = nl + 1;
			continue;
		}
		p = scan_skip_blanks(p, nl);
		name = p;
		while (p < nl && *p != ':')
			p++;
		if (p >= nl)
			return -1;
		nlen = (size_t)(p - name);
		if (nlen == 0 || nlen >= NET_IF_NAME_MAX)
			return -1;
		p++;
		for (i = 0; i < 16; i++) {
			p = scan_skip_blanks(p, nl);
			if (scan_u64(&p, nl, &v[i]) != 0)
				return -1;
		}
		if (!only_space_left(p, nl))
			return -1;
		memcpy(ifname, name, nlen);
		ifname[nlen] = '\0';
		p = nl + 1;
		if (want != NULL && !want(arg, ifname))
			continue;
		if (net->nif < NET_IF_MAX) {
			struct net_if *f = &net->ifs[net->nif++];
			memcpy(f->name, ifname, nlen + 1);
			f->rx_bytes = v[0];  f->rx_packets = v[1];
			f->rx_errors = v[2]; f->rx_dropped = v[3];
			f->tx_bytes = v[8];  f->tx_packets = v[9];
			f->tx_errors = v[10]; f->tx_dropped = v[11];
		}
		net->total.rx_bytes += v[0];  net->total.rx_packets += v[1];
		net->total.rx_errors += v[2]; net->total.rx_dropped += v[3];
		net->total.tx_bytes += v[8];  net->total.tx_packets += v[9];
		net->total.tx_errors += v[10]; net->total.tx_dropped += v[11];
	}
	return line >= 2 ? 0 : -1;
}

int
cgp_proc_stat(const char *s, size_t len, long user_hz, uint64_t *total_ns,
    uint32_t *ncpu)
{
	const char *p = s, *end = s + len, *nl;
	uint64_t sum = 0, v;
	int i;

	*ncpu = 0;
	if (end - p < 4 || memcmp(p, "cpu ", 4) != 0 || user_hz <= 0)
		return -1;
	p += 4;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	/* user nice system idle iowait irq softirq: the seven fields Docker
	 * adds up (strings.Fields(line)[1:8]); steal and guest are not in
	 * its system_cpu_usage, so they stay out of ours. */
	for (i = 0; i < 7; i++) {
		p = scan_skip_blanks(p, nl);
		if (scan_u64(&p, nl, &v) != 0) {
			if (i >= 4)
				break;  /* very old kernels: fewer fields */
			return -1;
		}
		if (v > UINT64_MAX - sum)
			return -1;
		sum += v;
	}
	/* A total past 2^64 ns (585 years of CPU) is no clock: refuse it
	 * rather than wrap. */
	if (sum > UINT64_MAX / (uint64_t)(1000000000L / user_hz + 1))
		return -1;
	*total_ns = sum * (uint64_t)(1000000000L / user_hz);
	for (p = nl; p < end && p + 4 < end; ) {
		p++;
		if (memcmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9')
			(*ncpu)++;
		else
			break;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl;
	}
	return 0;
}
