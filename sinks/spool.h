/*
 * spool.h — a bounded on-disk queue of batches for one output, so points
 * survive an InfluxDB outage and a kill -9 of the process.
 *
 * A spool is a folder of segment files named by a growing sequence number
 * (00000000000000000001.seg, ...).  A segment is a run of records:
 *
 *     magic   u32 LE  0x4c505348 ("HSPL" read as little-endian bytes)
 *     len     u32 LE  payload bytes
 *     points  u32 LE  lines in the payload
 *     crc     u32 LE  zlib crc32 over len, points (their 8 LE bytes) and
 *                     the payload
 *     payload len bytes of line protocol
 *
 * Records are appended with one writev(2) and never rewritten; a new
 * process never appends to an old segment, so a torn write from a crash
 * stays at the end of its own segment.  Reading goes oldest segment first;
 * a record whose magic, length or crc is wrong is skipped and counted, and
 * reading resumes at the next magic, so one torn or flipped record costs
 * only itself.  A segment is deleted once every record in it is
 * acknowledged.  Delivery is at-least-once: a record is acknowledged after
 * the server took it, so a crash in between sends it again (InfluxDB keeps
 * one point per series and timestamp, so the resend changes nothing).
 * Nothing is fsync'ed: the spool survives the process dying, not the
 * machine losing power.
 *
 * When appending would pass max_bytes, whole segments are dropped oldest
 * first, counted and logged.  Not thread-safe: one owner (the sink's
 * thread).
 */
#ifndef HOIST_SPOOL_H
#define HOIST_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAGIC        0x4c505348u
#define SPOOL_HEADER_LEN   16
#define SPOOL_RECORD_MAX   (64u << 20)   /* larger payloads are refused */
#define SPOOL_SEGMENT_MAX  (8u << 20)    /* a new segment starts past this */
#define SPOOL_SEGMENT_MIN  4096u
#define SPOOL_READ_MAX     (512u << 20)  /* largest segment read back */
/* Largest segment number taken from a file name: the next one must not
 * wrap to 0 and sort first (a name beyond it is ignored, counted). */
#define SPOOL_SEQ_MAX      ((uint64_t)1 << 62)

struct spool_stats {
	uint64_t bytes;             /* gauge: segment bytes on disk */
	uint64_t points;            /* gauge: points not yet acknowledged */
	uint64_t segments;          /* gauge */
	uint64_t corrupt_records;   /* damaged stretches skipped on read */
	uint64_t corrupt_bytes;
	uint64_t segments_dropped;  /* dropped because the spool was full */
	uint64_t points_dropped;    /* points in those segments */
	uint64_t write_errors;
};

struct spool;

/* spool.c */
/*
 * Open (creating it and its parent when missing) the spool in `dir`
 * (copied), finding the segments a previous process left; they are read
 * before anything appended now.  NULL with err set on failure.
 */
struct spool *spool_open(const char *dir, uint64_t max_bytes, char *err,
	size_t errlen);
void          spool_free(struct spool *sp);   /* NULL ok; keeps the files */
/* Append one record (data copied); 0, or -1 (too large, I/O error: logged). */
int           spool_append(struct spool *sp, const char *data, size_t len,
	uint32_t points);
/*
 * The oldest intact record: 1 and data, len and points set (borrowed, valid
 * until the next spool call), 0 when the spool is empty, -1 on a read
 * error (logged; the segment is set aside and reading goes on with the
 * next one).  Peeking again without spool_ack() gives the same record.
 */
int           spool_peek(struct spool *sp, const char **data, size_t *len,
	uint32_t *points);
/* The record from the last spool_peek() was delivered: forget it. */
void          spool_ack(struct spool *sp);
int           spool_is_empty(const struct spool *sp);
void          spool_get_stats(const struct spool *sp, struct spool_stats *out);
const char   *spool_dir(const struct spool *sp);

#endif
