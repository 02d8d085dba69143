/*
 * rates.h — what two samples of one container give: CPU percent exactly as
 * `docker stats` computes it, percent of the CPU limit, memory percent,
 * and per-second network and block I/O rates.  Pure.
 */
#ifndef HOIST_RATES_H
#define HOIST_RATES_H

#include "collector/container.h"

/*
 * CPU percent (of one core), as the docker CLI does it:
 *
 *     cpu_delta    = usage_ns(now) - usage_ns(prev)
 *     system_delta = host_cpu_ns(now) - host_cpu_ns(prev)   (/proc/stat)
 *     percent      = cpu_delta / system_delta * online_cpus * 100
 *
 * `host_mem_total` (bytes) stands in for the memory limit of a container
 * that has none, as Docker's stats do.  `prev` is the container's prev
 * block (struct sample_prev); out->valid is 0 when there is no usable previous sample
 * (first sweep, counters that went backwards, no time passed).
 */
void rates_compute(const struct sample *cur, const struct sample_prev *prev,
	uint64_t host_mem_total, struct rates *out);
/* Keep what the next rates_compute() needs from `cur`. */
void rates_remember(const struct sample *cur, struct sample_prev *prev);
/* Memory limit used for percentages: the cgroup's, else host RAM. */
uint64_t rates_mem_limit(const struct sample *s, uint64_t host_mem_total);

#endif
