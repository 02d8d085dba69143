/*
 * sink_file.c — append line protocol to a file; SIGHUP reopens it, so
 * logrotate can move the old one away ("file:/var/log/hoist/points.lp").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sinks/sink.h"

struct file_sink {
	char path[1024];
	int  fd;
};

static int
file_open_fd(struct file_sink *f)
{
	f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	return f->fd < 0 ? -1 : 0;
}

static int
file_open(struct sink *s, const char *arg, const struct sink_options *o,
    char *err, size_t errlen)
{
	struct file_sink *f;

	(void)o;
	if (arg[0] == '\0') {
		snprintf(err, errlen, "file output needs a path (file:PATH)");
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (str_copy(f->path, arg, sizeof(f->path)) >= sizeof(f->path)) {
		snprintf(err, errlen, "file path too long");
		free(f);
		return -1;
	}
	if (file_open_fd(f) != 0) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		free(f);
		return -1;
	}
	s->priv = f;
	return 0;
}

static int
file_write(struct sink *s, const char *lines, size_t len)
{
	struct file_sink *f = s->priv;
	uint64_t n = sink_count_lines(lines, len);
	const char *p = lines;
	size_t left = len;
	ssize_t r;

	if (f->fd < 0 && file_open_fd(f) != 0)
		goto fail;
	while (left > 0) {
		r = write(f->fd, p, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += r;
		left -= (size_t)r;
	}
	s->stats.points_written += n;
	s->stats.bytes_written += len;
	return 0;
fail:
	log_warn("file %s: write", f->path);
	s->stats.write_errors++;
	s->stats.points_dropped += n;
	return -1;
}

static void
file_reopen(struct sink *s)
{
	struct file_sink *f = s->priv;

	if (f->fd >= 0)
		close(f->fd);
	if (file_open_fd(f) != 0)
		log_warn("file %s: reopen", f->path);
	else
		log_info("file %s: reopened", f->path);
}

static void
file_close(struct sink *s)
{
	struct file_sink *f = s->priv;

	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

const struct sink_ops sink_file_ops = {
	.name = "file",
	.open = file_open,
	.write = file_write,
	.reopen = file_reopen,
	.close = file_close,
};
