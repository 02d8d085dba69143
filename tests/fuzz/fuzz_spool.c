/*
 * fuzz_spool.c — libFuzzer harness for the spool's segment files
 * (sinks/spool.c), the one input hoist reads back from disk after a crash:
 * torn, bit-flipped or truncated records, hostile lengths and point
 * counts.
 *
 * Input: a flags byte, then up to four segment files separated by the
 * four bytes "SEG!"; they are written as segments 1, 2, 3 ... of a private
 * spool folder (under /dev/shm when there is one; removed after each
 * input).  Flag bit 0: before writing, give every record header found (by
 * its magic) a correct crc, so hostile lengths and counts get past the
 * checksum.  Flag bit 1: name the last segment with the largest sequence
 * number a name can hold.  Flag bit 2: restart the spool between the
 * append and the reads, as after a crash while InfluxDB was down.
 *
 * Then: spool_open(), one spool_append() of a known record, every record
 * peeked and acknowledged; then the spool is opened again (a restart)
 * with another known record, and read to the end.  Checked properties:
 * every record handed out lies inside what was read and has at most
 * SPOOL_RECORD_MAX bytes; each known record comes back intact, after every
 * record that was on disk before it, exactly once; the spool ends empty.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "common/log.h"
#include "sinks/spool.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SEGS     4
#define FZ_READS    100000	/* records read per spool, at most */

static char dir[64];

static void
empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
}

static void
cleanup(void)
{
	empty_dir();
	rmdir(dir);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Give each header found by its magic the crc its length says. */
static void
repair(uint8_t *d, size_t len)
{
	static const uint8_t magic[4] = { 0x48, 0x53, 0x50, 0x4c };
	size_t p;
	uint32_t rlen;
	uLong c;

	for (p = 0; p + SPOOL_HEADER_LEN <= len; p++) {
		if (memcmp(d + p, magic, 4) != 0)
			continue;
		rlen = (uint32_t)d[p + 4] | (uint32_t)d[p + 5] << 8 |
		    (uint32_t)d[p + 6] << 16 | (uint32_t)d[p + 7] << 24;
		if (rlen > len - p - SPOOL_HEADER_LEN)
			continue;
		c = crc32(crc32(0L, Z_NULL, 0), d + p + 4, 8);
		c = crc32(c, d + p + SPOOL_HEADER_LEN, rlen);
		put32(d + p + 12, (uint32_t)c);
	}
}

static int
write_segs(const uint8_t *data, size_t size, int flags)
{
	const uint8_t *p = data, *end = data + size, *sep;
	char path[256];
	uint8_t *copy;
	size_t n;
	int i;
	FILE *f;

	for (i = 0; i < FZ_SEGS && p <= end; i++) {
		sep = memmem(p, (size_t)(end - p), "SEG!", 4);
		n = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
		if (i == FZ_SEGS - 1 || sep == NULL)
			n = (size_t)(end - p);
		if ((flags & 2) && (sep == NULL || i == FZ_SEGS - 1))
			snprintf(path, sizeof(path), "%s/%020llu.seg", dir,
			    (unsigned long long)UINT64_MAX);
		else
			snprintf(path, sizeof(path), "%s/%020d.seg", dir, i + 1);
		copy = malloc(n > 0 ? n : 1);
		f = fopen(path, "wb");
		if (copy == NULL || f == NULL) {
			free(copy);
			if (f != NULL)
				fclose(f);
			return -1;
		}
		memcpy(copy, p, n);
		if (flags & 1)
			repair(copy, n);
		if (fwrite(copy, 1, n, f) != n) {
			fclose(f);
			free(copy);
			return -1;
		}
		fclose(f);
		free(copy);
		if (sep == NULL)
			break;
		p = sep + 4;
	}
	return 0;
}

/*
 * Open, append `mark`, (with `restart`: close and open again, as after a
 * crash), then read everything: the mark must come last, once.
 */
static void
drain(const char *mark, int restart)
{
	struct spool_stats st;
	struct spool *sp;
	const char *rec;
	char err[256];
	size_t len, reads = 0;
	uint32_t pts;
	int seen = 0, rc;

	sp = spool_open(dir, (uint64_t)1 << 30, err, sizeof(err));
	if (sp == NULL)
		abort();
	if (spool_append(sp, mark, strlen(mark), 1) != 0)
		abort();
	if (restart) {
		spool_free(sp);
		sp = spool_open(dir, (uint64_t)1 << 30, err, sizeof(err));
		if (sp == NULL)
			abort();
	}
	while ((rc = spool_peek(sp, &rec, &len, &pts)) != 0) {
		if (rc < 0)
			continue;       /* a segment set aside: go on */
		if (len > SPOOL_RECORD_MAX || (len > 0 && rec == NULL))
			abort();
		if (seen)
			abort();        /* something after the newest record */
		if (len == strlen(mark) && memcmp(rec, mark, len) == 0 &&
		    pts == 1)
			seen = 1;
		spool_ack(sp);
		if (++reads > FZ_READS)
			abort();        /* the spool does not drain */
	}
	spool_get_stats(sp, &st);
	if (!seen || !spool_is_empty(sp) || st.points != 0)
		abort();
	spool_free(sp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long long inputs;
	char mark[64];

	if (size == 0)
		return 0;
	if (dir[0] == '\0') {
		log_set_verbosity(-1);	/* damaged records are logged */
		snprintf(dir, sizeof(dir), "%s/hoist-fuzz-spool.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			return 0;
		atexit(cleanup);
	}
	empty_dir();
	if (write_segs(data + 1, size - 1, data[0]) == 0) {
		/* Marks the input cannot know in advance. */
		snprintf(mark, sizeof(mark), "mark,run=a v=%llu\n", ++inputs);
		drain(mark, data[0] & 4);
		/* A restart: the spool must find only what it wrote. */
		snprintf(mark, sizeof(mark), "mark,run=b v=%llu\n", inputs);
		drain(mark, 0);
	}
	empty_dir();
	return 0;
}
