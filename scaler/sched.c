/*
 * sched.c — see sched.h.
 */
#include <stddef.h>

#include "common/util.h"
#include "scaler/sched.h"

#define NS_PER_S 1000000000LL

static int64_t
sys_mono(void *ctx)
{
	(void)ctx;
	return now_mono_ns();
}

static int64_t
sys_wall(void *ctx)
{
	(void)ctx;
	return now_realtime_ns();
}

const struct sched_clock sched_system_clock = {
	.mono_ns = sys_mono, .wall_ns = sys_wall, .ctx = NULL,
};

void
sched_init(struct sched *s, const struct sched_clock *clock,
    int64_t interval_s)
{
	s->clock = clock;
	s->interval_ns = interval_s * NS_PER_S;
	s->next_ns = clock->mono_ns(clock->ctx);
}

void
sched_set_interval(struct sched *s, int64_t interval_s)
{
	s->interval_ns = interval_s * NS_PER_S;
}

int
sched_due(struct sched *s, int64_t *wall_s, int64_t *wait_ns)
{
	const struct sched_clock *c = s->clock;
	int64_t mono = c->mono_ns(c->ctx);

	*wall_s = 0;
	*wait_ns = 0;
	if (mono < s->next_ns) {
		*wait_ns = s->next_ns - mono;
		return 0;
	}
	/* From now, not from the missed slot: a round that ran long (or a
	 * suspended process) is not made up for by a burst. */
	s->next_ns = mono + s->interval_ns;
	*wall_s = c->wall_ns(c->ctx) / NS_PER_S;
	return 1;
}

int64_t
sched_next_wall_s(const struct sched *s)
{
	const struct sched_clock *c = s->clock;
	int64_t left = s->next_ns - c->mono_ns(c->ctx);

	if (left < 0)
		left = 0;
	return (c->wall_ns(c->ctx) + left) / NS_PER_S;
}
