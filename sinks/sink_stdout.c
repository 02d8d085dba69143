/*
 * sink_stdout.c — line protocol to standard output.  Each sink_write()
 * is whole lines and goes out whole (write(2) until done), so a pipe
 * reader never sees half a line; a big sweep comes in several of them
 * (chunks of about 128 KB, see collector_options.flush).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "sinks/sink.h"

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
stdout_open(struct sink *s, const char *arg, const struct sink_options *o,
    char *err, size_t errlen)
{
	(void)o;
	(void)s;
	if (arg[0] != '\0') {
		snprintf(err, errlen, "stdout takes no argument");
		return -1;
	}
	return 0;
}

static int
stdout_write(struct sink *s, const char *lines, size_t len)
{
	uint64_t n = sink_count_lines(lines, len);

	if (write_all(STDOUT_FILENO, lines, len) != 0) {
		s->stats.write_errors++;
		s->stats.points_dropped += n;
		log_warn("stdout: write");
		return -1;
	}
	s->stats.points_written += n;
	s->stats.bytes_written += len;
	return 0;
}

static void
stdout_close(struct sink *s)
{
	(void)s;
}

const struct sink_ops sink_stdout_ops = {
	.name = "stdout",
	.open = stdout_open,
	.write = stdout_write,
	.close = stdout_close,
};
