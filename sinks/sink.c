/*
 * sink.c — the sink registry and the wrappers every caller goes through.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sinks/sink.h"

static const struct sink_ops *const sink_types[] = {
	&sink_stdout_ops,
	&sink_file_ops,
};

const struct conf_opt sink_conf_opts[] = {
	{ "hostname", 0, CONF_STR, offsetof(struct sink_options, hostname),
	  0, 0, "", "NAME", "host tag value (default: the system hostname)" },
};
const size_t sink_conf_nopts = ARRAY_LEN(sink_conf_opts);

struct sink *
sink_open(const char *spec, const struct sink_options *o, char *err,
    size_t errlen)
{
	const struct sink_ops *ops = NULL;
	const char *colon = strchr(spec, ':'), *arg;
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec), i;
	struct sink *s;

	for (i = 0; i < ARRAY_LEN(sink_types); i++)
		if (strlen(sink_types[i]->name) == nlen &&
		    strncmp(sink_types[i]->name, spec, nlen) == 0)
			ops = sink_types[i];
	if (ops == NULL) {
		snprintf(err, errlen, "unknown output type in '%.200s' "
		    "(want stdout, file:PATH)", spec);
		return NULL;
	}
	arg = colon ? colon + 1 : "";
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	str_copy(s->spec, spec, sizeof(s->spec));
	if (ops->open(s, arg, o, err, errlen) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

int
sink_write(struct sink *s, const char *lines, size_t len)
{
	if (len == 0)
		return 0;
	return s->ops->write(s, lines, len);
}

void
sink_reopen(struct sink *s)
{
	if (s->ops->reopen != NULL)
		s->ops->reopen(s);
}

void
sink_close(struct sink *s)
{
	if (s == NULL)
		return;
	s->ops->close(s);
	free(s);
}

void
sink_get_stats(const struct sink *s, struct sink_stats *out)
{
	*out = s->stats;
}

const char *
sink_name(const struct sink *s)
{
	return s->ops->name;
}

uint64_t
sink_count_lines(const char *lines, size_t len)
{
	uint64_t n = 0;
	const char *p = lines, *end = lines + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}
