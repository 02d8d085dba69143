/*
 * fuzz_conf.c — libFuzzer harness for the config-file grammar both
 * daemons read (common/conf.c, conf_load_file): "key = value" lines,
 * comments, quoted values, CONF_LIST keys that repeat, bounded integers
 * and doubles, booleans.  The table is the sinks' real one
 * (sink_conf_opts) plus one key of each type with bounds like the
 * daemons' own tables.
 *
 * Input: the file's bytes (written to a memfd; conf_load_file takes a
 * path).  Checked: every number that was accepted lies inside its bounds.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "sinks/sink.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_settings {
	int64_t          interval_s;
	double           ratio;
	int              flag;
	char             name[CONF_STR_MAX];
	struct conf_list outputs;
	struct sink_options sink;
};

#define FZ(f) offsetof(struct fz_settings, f)
static const struct conf_opt own_opts[] = {
	{ "interval", 'i', CONF_INT, FZ(interval_s), 1, 3600, "30", "SEC",
	  "an integer" },
	{ "ratio", 0, CONF_DOUBLE, FZ(ratio), 0.05, 3600, "10", "SEC",
	  "a double" },
	{ "flag", 0, CONF_BOOL, FZ(flag), 0, 0, "no", NULL, "a boolean" },
	{ "name", 0, CONF_STR, FZ(name), 0, 0, "", "NAME", "a string" },
	{ "output", 'o', CONF_LIST, FZ(outputs), 0, 0, NULL, "SPEC",
	  "a list" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf_opt opts[64];
	static size_t nopts;
	static struct fz_settings st;
	char path[64], err[1024];

	if (nopts == 0 &&
	    (conf_table_append(opts, &nopts, 64, own_opts,
	    sizeof(own_opts) / sizeof(own_opts[0]), 0) != 0 ||
	    conf_table_append(opts, &nopts, 64, sink_conf_opts,
	    sink_conf_nopts, FZ(sink)) != 0))
		abort();
	if (conf_defaults(opts, nopts, &st, err, sizeof(err)) != 0)
		abort();
	if (fuzz_memfile(data, size, path, sizeof(path)) != 0)
		return 0;
	if (conf_load_file(opts, nopts, &st, path, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();    /* an error must say what is wrong */
		return 0;
	}
	if (st.interval_s < 1 || st.interval_s > 3600 || !(st.ratio >= 0.05 &&
	    st.ratio <= 3600) || st.outputs.n < 0 ||
	    st.outputs.n > CONF_LIST_MAX || st.sink.batch_size < 1 ||
	    st.sink.batch_size > 1000000 || st.sink.spool_max_bytes < 65536)
		abort();
	if (memchr(st.name, '\0', sizeof(st.name)) == NULL)
		abort();
	return 0;
}
