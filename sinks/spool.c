/*
 * spool.c — see spool.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zlib.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "sinks/spool.h"

struct spool_seg {
	uint64_t seq;
	uint64_t bytes;
	uint64_t points;          /* not yet acknowledged */
};

struct spool {
	char              dir[PATH_MAX];
	uint64_t          max_bytes;
	uint64_t          seg_max;
	struct spool_seg *segs;   /* oldest first */
	size_t            nsegs, cap;
	int               wfd;    /* appends go to segs[nsegs-1] while >= 0 */
	/* The reader: the oldest segment, loaded whole. */
	int               loaded;
	char             *rdata;
	size_t            rlen, rpos, rnext;
	uint32_t          rpoints;
	int               peeked;
	struct spool_stats st;    /* counters; gauges computed on demand */
};

/* One decoded record header. */
struct spool_rec {
	const char *data;
	uint32_t    len, points;
};

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get_le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
}

static uint32_t
record_crc(const char *lenpts, const char *payload, uint32_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, (const Bytef *)lenpts, 8);
	c = crc32(c, (const Bytef *)payload, len);
	return (uint32_t)c;
}

/* Is there a well-formed record at d[pos]? */
static int
record_at(const char *d, size_t len, size_t pos, struct spool_rec *r)
{
	uint32_t rlen;

	if (len - pos < SPOOL_HEADER_LEN || get_le32(d + pos) != SPOOL_MAGIC)
		return 0;
	rlen = get_le32(d + pos + 4);
	if (rlen > SPOOL_RECORD_MAX || rlen > len - pos - SPOOL_HEADER_LEN)
		return 0;
	if (record_crc(d + pos + 4, d + pos + SPOOL_HEADER_LEN, rlen) !=
	    get_le32(d + pos + 12))
		return 0;
	r->data = d + pos + SPOOL_HEADER_LEN;
	r->len = rlen;
	r->points = get_le32(d + pos + 8);
	return 1;
}

/*
 * The next intact record at or after *pos: 1 with *r and *pos (its start)
 * set, 0 at the end.  Bytes skipped to get there are added to *skipped,
 * and *stretches counts the damaged runs.
 */
static int
next_record(const char *d, size_t len, size_t *pos, struct spool_rec *r,
    uint64_t *skipped, uint64_t *stretches)
{
	static const unsigned char magic[4] = { 0x48, 0x53, 0x50, 0x4c };
	size_t p = *pos;
	const char *m;

	while (p < len) {
		if (record_at(d, len, p, r)) {
			*pos = p;
			return 1;
		}
		(*stretches)++;
		m = memmem(d + p + 1, len - p - 1, magic, sizeof(magic));
		*skipped += (m ? (size_t)(m - d) : len) - p;
		p = m ? (size_t)(m - d) : len;
	}
	*pos = len;
	return 0;
}

static void
seg_path(const struct spool *sp, uint64_t seq, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%020llu.seg", sp->dir,
	    (unsigned long long)seq);
}

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

/* mkdir -p for the folder and its parent (spool_dir/output). */
static int
make_dirs(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	if (str_copy(parent, dir, sizeof(parent)) >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir_one(parent) != 0)
			return -1;
	}
	return mkdir_one(dir);
}

static int
seg_push(struct spool *sp, uint64_t seq, uint64_t bytes, uint64_t points)
{
	struct spool_seg *n;

	if (sp->nsegs == sp->cap) {
		size_t ncap = sp->cap ? sp->cap * 2 : 16;
		n = realloc(sp->segs, ncap * sizeof(*n));
		if (n == NULL)
			return -1;
		sp->segs = n;
		sp->cap = ncap;
	}
	sp->segs[sp->nsegs].seq = seq;
	sp->segs[sp->nsegs].bytes = bytes;
	sp->segs[sp->nsegs].points = points;
	sp->nsegs++;
	return 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct spool_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Points in the intact records of a segment left by an earlier process. */
static uint64_t
count_points(const struct spool *sp, uint64_t seq)
{
	char path[PATH_MAX + 32], *d = NULL;
	size_t len = 0, pos = 0;
	uint64_t n = 0, skipped = 0, stretches = 0;
	struct spool_rec r;

	seg_path(sp, seq, path, sizeof(path));
	if (read_file(path, SPOOL_READ_MAX, &d, &len) != 0)
		return 0;
	while (next_record(d, len, &pos, &r, &skipped, &stretches)) {
		n += r.points;
		pos += SPOOL_HEADER_LEN + r.len;
	}
	free(d);
	return n;
}

static int
scan_dir(struct spool *sp, char *err, size_t errlen)
{
	DIR *dh = opendir(sp->dir);
	struct dirent *de;
	struct stat stb;
	char path[PATH_MAX + 300], *end;
	unsigned long long seq;
	int rc = 0;
	size_t i;

	if (dh == NULL) {
		snprintf(err, errlen, "spool %s: %s", sp->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dh)) != NULL) {
		end = strstr(de->d_name, ".seg");
		if (end == NULL || end[4] != '\0' || de->d_name[0] < '0' ||
		    de->d_name[0] > '9')
			continue;
		errno = 0;
		seq = strtoull(de->d_name, &end, 10);
		if (strcmp(end, ".seg") != 0)
			continue;
		if (errno == ERANGE || seq > SPOOL_SEQ_MAX) {
			/* Not a name rotate() gives: the next segment's
			 * number would wrap and sort before the old ones. */
			log_warnx("spool %s: %s: sequence number out of range "
			    "(max %llu), file ignored", sp->dir, de->d_name,
			    (unsigned long long)SPOOL_SEQ_MAX);
			sp->st.corrupt_records++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", sp->dir, de->d_name);
		if (stat(path, &stb) != 0 || !S_ISREG(stb.st_mode))
			continue;
		if (seg_push(sp, seq, (uint64_t)stb.st_size, 0) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
	}
	closedir(dh);
	if (rc == 0 && sp->nsegs > 0) {
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
		for (i = 0; i < sp->nsegs; i++)
			sp->segs[i].points = count_points(sp, sp->segs[i].seq);
	}
	return rc;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	uint64_t pts = 0;
	size_t i;

	if (sp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sp->wfd = -1;
	sp->max_bytes = max_bytes;
	sp->seg_max = max_bytes / 8;
	if (sp->seg_max > SPOOL_SEGMENT_MAX)
		sp->seg_max = SPOOL_SEGMENT_MAX;
	if (sp->seg_max < SPOOL_SEGMENT_MIN)
		sp->seg_max = SPOOL_SEGMENT_MIN;
	if (str_copy(sp->dir, dir, sizeof(sp->dir)) >= sizeof(sp->dir) - 32) {
		snprintf(err, errlen, "spool folder name too long");
		goto fail;
	}
	if (make_dirs(sp->dir) != 0) {
		snprintf(err, errlen, "spool %s: %s", sp->dir, strerror(errno));
		goto fail;
	}
	if (scan_dir(sp, err, errlen) != 0)
		goto fail;
	for (i = 0; i < sp->nsegs; i++)
		pts += sp->segs[i].points;
	if (sp->nsegs > 0)
		log_info("spool %s: %zu segments with %llu points from an "
		    "earlier run, replaying them first", sp->dir, sp->nsegs,
		    (unsigned long long)pts);
	return sp;
fail:
	spool_free(sp);
	return NULL;
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->wfd >= 0)
		close(sp->wfd);
	free(sp->rdata);
	free(sp->segs);
	free(sp);
}

const char *
spool_dir(const struct spool *sp)
{
	return sp->dir;
}

static void
reader_reset(struct spool *sp)
{
	free(sp->rdata);
	sp->rdata = NULL;
	sp->loaded = 0;
	sp->peeked = 0;
	sp->rlen = sp->rpos = sp->rnext = 0;
}

/* Forget segs[0] and delete its file. */
static void
drop_head(struct spool *sp)
{
	char path[PATH_MAX + 32];

	seg_path(sp, sp->segs[0].seq, path, sizeof(path));
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("spool: unlink %s", path);
	if (sp->wfd >= 0 && sp->nsegs == 1) {
		close(sp->wfd);
		sp->wfd = -1;
	}
	memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(*sp->segs));
	sp->nsegs--;
	reader_reset(sp);
}

static uint64_t
total_bytes(const struct spool *sp)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sp->nsegs; i++)
		n += sp->segs[i].bytes;
	return n;
}

/* Make room for `need` more bytes by dropping the oldest segments. */
static void
make_room(struct spool *sp, uint64_t need)
{
	char path[PATH_MAX + 32];

	while (sp->nsegs > 0 && total_bytes(sp) + need > sp->max_bytes) {
		seg_path(sp, sp->segs[0].seq, path, sizeof(path));
		sp->st.segments_dropped++;
		sp->st.points_dropped += sp->segs[0].points;
		log_warnx("spool %s: full (max %llu bytes): dropped the oldest "
		    "segment %s with %llu points", sp->dir,
		    (unsigned long long)sp->max_bytes, path,
		    (unsigned long long)sp->segs[0].points);
		drop_head(sp);
	}
}

/* Start a new segment for appends. */
static int
rotate(struct spool *sp)
{
	char path[PATH_MAX + 32];
	uint64_t seq = sp->nsegs ? sp->segs[sp->nsegs - 1].seq + 1 : 1;

	if (sp->wfd >= 0) {
		close(sp->wfd);
		sp->wfd = -1;
	}
	seg_path(sp, seq, path, sizeof(path));
	sp->wfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0600);
	if (sp->wfd < 0) {
		log_warn("spool: create %s", path);
		return -1;
	}
	if (seg_push(sp, seq, 0, 0) != 0) {
		close(sp->wfd);
		sp->wfd = -1;
		unlink(path);
		return -1;
	}
	return 0;
}

static int
write_record(int fd, const unsigned char *hdr, const char *data, size_t len)
{
	struct iovec iov[2];
	size_t want = SPOOL_HEADER_LEN + len, done = 0;
	ssize_t r;

	iov[0].iov_base = (void *)(uintptr_t)hdr;
	iov[0].iov_len = SPOOL_HEADER_LEN;
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	r = writev(fd, iov, 2);
	if (r < 0)
		return -1;
	done = (size_t)r;
	/* A short write (disk full) is finished with plain writes. */
	while (done < want) {
		if (done < SPOOL_HEADER_LEN)
			r = write(fd, hdr + done, SPOOL_HEADER_LEN - done);
		else
			r = write(fd, data + (done - SPOOL_HEADER_LEN),
			    want - done);
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int
spool_append(struct spool *sp, const char *data, size_t len, uint32_t points)
{
	unsigned char hdr[SPOOL_HEADER_LEN];
	uint64_t rec = SPOOL_HEADER_LEN + (uint64_t)len;
	struct spool_seg *w;
	off_t before;

	if (len > SPOOL_RECORD_MAX || rec > sp->max_bytes) {
		log_warnx("spool %s: a batch of %zu bytes does not fit",
		    sp->dir, len);
		sp->st.write_errors++;
		return -1;
	}
	make_room(sp, rec);
	if (sp->wfd < 0 || sp->segs[sp->nsegs - 1].bytes + rec > sp->seg_max)
		if (rotate(sp) != 0)
			goto fail;
	put_le32(hdr, SPOOL_MAGIC);
	put_le32(hdr + 4, (uint32_t)len);
	put_le32(hdr + 8, points);
	put_le32(hdr + 12, record_crc((const char *)hdr + 4, data,
	    (uint32_t)len));
	w = &sp->segs[sp->nsegs - 1];
	before = (off_t)w->bytes;
	if (write_record(sp->wfd, hdr, data, len) != 0) {
		log_warn("spool %s: write", sp->dir);
		/* Take the torn record back so the segment stays clean. */
		if (ftruncate(sp->wfd, before) != 0)
			log_warn("spool %s: truncate", sp->dir);
		goto fail;
	}
	w->bytes += rec;
	w->points += points;
	return 0;
fail:
	sp->st.write_errors++;
	return -1;
}

/* Load segs[0] for reading; -1 when it cannot be read (set aside). */
static int
load_head(struct spool *sp)
{
	char path[PATH_MAX + 32], bad[PATH_MAX + 40];

	/* Never read the segment still being appended to: close it, the
	 * next append starts a new one. */
	if (sp->wfd >= 0 && sp->nsegs == 1) {
		close(sp->wfd);
		sp->wfd = -1;
	}
	seg_path(sp, sp->segs[0].seq, path, sizeof(path));
	if (read_file(path, SPOOL_READ_MAX, &sp->rdata, &sp->rlen) != 0) {
		log_warn("spool: read %s (set aside as .bad)", path);
		snprintf(bad, sizeof(bad), "%s.bad", path);
		if (rename(path, bad) != 0)
			unlink(path);
		sp->st.corrupt_records++;
		sp->st.points_dropped += sp->segs[0].points;
		sp->segs[0].bytes = 0;
		drop_head(sp);
		return -1;
	}
	sp->loaded = 1;
	sp->rpos = 0;
	return 0;
}

int
spool_peek(struct spool *sp, const char **data, size_t *len,
    uint32_t *points)
{
	struct spool_rec r;
	uint64_t skipped, stretches;
	char path[PATH_MAX + 32];
	int rc = 0;

	*data = NULL;
	*len = 0;
	*points = 0;
	while (sp->nsegs > 0) {
		if (sp->nsegs == 1 && sp->wfd >= 0 && sp->segs[0].bytes == 0)
			return 0;
		if (!sp->loaded && load_head(sp) != 0) {
			rc = -1;
			continue;
		}
		skipped = stretches = 0;
		if (next_record(sp->rdata, sp->rlen, &sp->rpos, &r, &skipped,
		    &stretches)) {
			if (stretches > 0)
				goto corrupt;
			*data = r.data;
			*len = r.len;
			*points = r.points;
			sp->rpoints = r.points;
			sp->rnext = sp->rpos + SPOOL_HEADER_LEN + r.len;
			sp->peeked = 1;
			return 1;
		}
		if (stretches > 0) {
corrupt:
			seg_path(sp, sp->segs[0].seq, path, sizeof(path));
			sp->st.corrupt_records += stretches;
			sp->st.corrupt_bytes += skipped;
			log_warnx("spool: %s: skipped %llu damaged bytes before "
			    "offset %zu", path, (unsigned long long)skipped,
			    sp->rpos);
			continue;
		}
		/* Every record of the head segment is acknowledged. */
		drop_head(sp);
	}
	return rc;
}

/* Does the loaded head segment hold no intact record after rpos? */
static int
head_done(const struct spool *sp)
{
	struct spool_rec r;
	uint64_t skipped = 0, stretches = 0;
	size_t pos = sp->rpos;

	return !next_record(sp->rdata, sp->rlen, &pos, &r, &skipped,
	    &stretches) && stretches == 0;
}

void
spool_ack(struct spool *sp)
{
	if (!sp->peeked || sp->nsegs == 0)
		return;
	sp->peeked = 0;
	sp->rpos = sp->rnext;
	if (sp->segs[0].points >= sp->rpoints)
		sp->segs[0].points -= sp->rpoints;
	else
		sp->segs[0].points = 0;
	/* Delete the segment as soon as its last record is taken, so a
	 * restart does not send it again.  (Damage after the last record is
	 * left for spool_peek() to count and log.) */
	if (head_done(sp))
		drop_head(sp);
}

int
spool_is_empty(const struct spool *sp)
{
	return sp->nsegs == 0 || (sp->nsegs == 1 && sp->segs[0].bytes == 0);
}

void
spool_get_stats(const struct spool *sp, struct spool_stats *out)
{
	size_t i;

	*out = sp->st;
	out->bytes = 0;
	out->points = 0;
	for (i = 0; i < sp->nsegs; i++) {
		out->bytes += sp->segs[i].bytes;
		out->points += sp->segs[i].points;
	}
	out->segments = sp->nsegs;
}
