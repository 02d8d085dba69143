/*
 * test_format.c — collector/format: a hand-built container formatted as
 * line protocol, compared byte for byte for both schemas ("hoist" and
 * Telegraf's docker input names); a container with only some metrics
 * emits only those fields; tags of hostile names and labels are escaped;
 * a full buffer rolls the whole container back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "collector/format.h"
#include "common/buf.h"
#include "common/util.h"

#define TS      "1700000060000000000"
#define TS_NS   1700000060000000000LL
#define GiB     (1024ULL * 1024 * 1024)

static uint64_t percpu[2] = { 346362111, 296809785 };
static struct label labels[1] = { { "com.example.team", "ops" } };

/* The v1 sample's numbers, all metrics present. */
static void
full_container(struct container *c)
{
	struct sample *s = &c->cur;

	memset(c, 0, sizeof(*c));
	str_copy_trunc(c->meta.id, "abc123", sizeof(c->meta.id));
	str_copy_trunc(c->meta.name, "web-1", sizeof(c->meta.name));
	str_copy_trunc(c->meta.image, "nginx", sizeof(c->meta.image));
	str_copy_trunc(c->meta.version, "1.25", sizeof(c->meta.version));
	str_copy_trunc(c->meta.state, "running", sizeof(c->meta.state));
	c->meta.runtime = RUNTIME_DOCKER;
	c->meta.pid = 4242;
	c->meta.started_ns = 1700000000000000000LL;
	c->meta.nlabels = 1;
	c->meta.labels[0] = labels[0];

	s->have = HAVE_CPU_USAGE | HAVE_CPU_USERSYS | HAVE_CPU_THROTTLE |
	    HAVE_CPU_QUOTA | HAVE_CPU_PERCPU | HAVE_MEM_USAGE |
	    HAVE_MEM_LIMIT | HAVE_MEM_MAX_USAGE | HAVE_MEM_STAT |
	    HAVE_MEM_FAILCNT | HAVE_MEM_OOM | HAVE_NET | HAVE_BLKIO |
	    HAVE_PIDS | HAVE_PIDS_LIMIT;
	s->host_cpu_ns = 840180000000ULL;
	s->cpu.usage_ns = 643171896;
	s->cpu.user_ns = 570000000;
	s->cpu.system_ns = 60000000;
	s->cpu.nr_periods = 13;
	s->cpu.nr_throttled = 10;
	s->cpu.throttled_ns = 215620526;
	s->cpu.quota_us = 50000;
	s->cpu.period_us = 100000;
	s->cpu.npercpu = 2;
	s->cpu.percpu_cap = 2;
	s->cpu.percpu_ns = percpu;
	s->mem.usage = 8904704;
	s->mem.working_set = 516096;
	s->mem.limit = 268435456;
	s->mem.max_usage = 10522624;
	s->mem.rss = 81920;
	s->mem.cache = 8388608;
	s->mem.inactive_file = 8388608;
	s->mem.pgfault = 1582;
	s->mem.oom_kills = 2;
	s->net.nif = 1;
	str_copy_trunc(s->net.ifs[0].name, "eth0", NET_IF_NAME_MAX);
	s->net.ifs[0].rx_bytes = 5338;
	s->net.ifs[0].rx_packets = 36;
	s->net.ifs[0].tx_bytes = 648;
	s->net.ifs[0].tx_packets = 8;
	s->net.total = s->net.ifs[0];
	str_copy_trunc(s->net.total.name, "total", NET_IF_NAME_MAX);
	s->blkio.ndev = 1;
	s->blkio.dev[0].major = 8;
	s->blkio.dev[0].minor = 0;
	s->blkio.dev[0].read_bytes = 16777216;
	s->blkio.dev[0].write_bytes = 4096;
	s->blkio.dev[0].read_ops = 32;
	s->blkio.dev[0].write_ops = 1;
	s->blkio.total = s->blkio.dev[0];
	s->blkio.total.major = s->blkio.total.minor = 0;
	s->pids.current = 1;
	s->pids.limit = 64;

	c->rates.valid = 1;
	c->rates.cpu_percent = 12.5;
	c->rates.has_limit = 1;
	c->rates.limit_cores = 0.5;
	c->rates.cpu_percent_of_limit = 25.0;
	c->rates.mem_percent = 0.25;
}

#define ID ",container_id=\"abc123\" " TS "\n"

static const char full_hoist[] =
    "container_cpu%T,cpu=cpu-total usage_total=643171896i,"
    "usage_system=840180000000i,usage_in_usermode=570000000i,"
    "usage_in_kernelmode=60000000i,usage_percent=12.5,"
    "usage_percent_of_limit=25,limit_cores=0.5,throttling_periods=13i,"
    "throttling_throttled_periods=10i,"
    "throttling_throttled_time=215620526i" ID
    "container_cpu%T,cpu=cpu0 usage_total=346362111i" ID
    "container_cpu%T,cpu=cpu1 usage_total=296809785i" ID
    "container_mem%T usage=516096i,usage_percent=0.25,limit=268435456i,"
    "max_usage=10522624i,rss=81920i,cache=8388608i,active_file=0i,"
    "inactive_file=8388608i,mapped_file=0i,pgfault=1582i,pgmajfault=0i,"
    "fail_count=0i,oom_kills=2i" ID
    "container_net%T,network=eth0 rx_bytes=5338i,rx_packets=36i,"
    "rx_errors=0i,rx_dropped=0i,tx_bytes=648i,tx_packets=8i,tx_errors=0i,"
    "tx_dropped=0i" ID
    "container_net%T,network=total rx_bytes=5338i,rx_packets=36i,"
    "rx_errors=0i,rx_dropped=0i,tx_bytes=648i,tx_packets=8i,tx_errors=0i,"
    "tx_dropped=0i" ID
    "container_blkio%T,device=8:0 io_service_bytes_recursive_read=16777216i,"
    "io_service_bytes_recursive_write=4096i,io_serviced_recursive_read=32i,"
    "io_serviced_recursive_write=1i" ID
    "container_blkio%T,device=total "
    "io_service_bytes_recursive_read=16777216i,"
    "io_service_bytes_recursive_write=4096i,io_serviced_recursive_read=32i,"
    "io_serviced_recursive_write=1i" ID
    "container_status%T,container_status=running pids_current=1i,"
    "pids_limit=64i,pid=4242i,started_at=1700000000000000000i,"
    "uptime_ns=60000000000i" ID;

/* Expand the template: "%T" -> tags; prefix every measurement. */
static void
expand(const char *tmpl, const char *prefix, const char *tags, struct buf *b)
{
	const char *p;

	buf_reset(b);
	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'T') {
			buf_puts(b, tags);
			p++;
		} else {
			if ((p == tmpl || p[-1] == '\n') && prefix != NULL)
				buf_puts(b, prefix);
			buf_putc(b, *p);
		}
	}
}

static void
check_lines(const char *got, const char *want)
{
	const char *g = got, *w = want;
	int line = 1;

	/* Report the first line that differs, readable. */
	while (*g != '\0' && *w != '\0') {
		size_t gl = strcspn(g, "\n"), wl = strcspn(w, "\n");
		if (gl != wl || memcmp(g, w, gl) != 0)
			fail_msg("line %d:\n got  %.*s\n want %.*s", line,
			    (int)gl, g, (int)wl, w);
		g += gl + (g[gl] == '\n');
		w += wl + (w[wl] == '\n');
		line++;
	}
	assert_string_equal(got, want);
}

struct schema_case {
	enum schema schema;
	const char *name;
	const char *prefix;
	const char *tags;
};

static void
test_full_container(void **state)
{
	static const struct schema_case cases[] = {
		{ SCHEMA_HOIST, "hoist", NULL,
		    ",container_image=nginx,container_name=web-1,"
		    "container_version=1.25,host=h1,runtime=docker,"
		    "com.example.team=ops" },
		{ SCHEMA_TELEGRAF, "telegraf", "docker_",
		    ",container_image=nginx,container_name=web-1,"
		    "container_version=1.25,engine_host=h1,host=h1,"
		    "runtime=docker,com.example.team=ops" },
	};
	struct format_options o;
	struct container c;
	struct buf tags, out, want;
	enum schema sch;
	size_t i;

	(void)state;
	buf_init(&tags, 4096);
	buf_init(&out, 1 << 16);
	buf_init(&want, 1 << 16);
	full_container(&c);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(format_schema_parse(cases[i].name, &sch), 0);
		assert_int_equal(sch, cases[i].schema);
		assert_int_equal(format_tags(&c.meta, "h1", sch, &tags), 0);
		assert_string_equal(tags.data, cases[i].tags);
		memset(&o, 0, sizeof(o));
		o.schema = sch;
		o.percpu = 1;
		o.host_mem_total = 8 * GiB;
		buf_reset(&out);
		assert_int_equal(format_container(&c, tags.data, tags.len,
		    TS_NS, &o, &out), 9);
		expand(full_hoist, cases[i].prefix, tags.data, &want);
		check_lines(out.data, want.data);
		/* Without per-CPU points: the same minus cpu0/cpu1. */
		o.percpu = 0;
		buf_reset(&out);
		assert_int_equal(format_container(&c, tags.data, tags.len,
		    TS_NS, &o, &out), 7);
		assert_null(strstr(out.data, ",cpu=cpu0 "));
		assert_non_null(strstr(out.data, ",cpu=cpu-total "));
	}
	assert_int_equal(format_schema_parse("influx", &sch), -1);
	buf_free(&tags);
	buf_free(&out);
	buf_free(&want);
}

/* Only CPU usage and pids read (say the memory controller is absent and
 * this is the first sweep): nothing else appears. */
static void
test_partial_have(void **state)
{
	static const char want[] =
	    "container_cpu,container_name=x,runtime=mesos,cpu=cpu-total "
	    "usage_total=5i,usage_system=6i,container_id=\"x\" " TS "\n"
	    /* No memory figure: no container_mem point at all. */
	    "container_status,container_name=x,runtime=mesos "
	    "pids_current=3i,container_id=\"x\" " TS "\n";
	struct format_options o;
	struct container c;
	struct buf tags, out;

	(void)state;
	memset(&c, 0, sizeof(c));
	str_copy_trunc(c.meta.id, "x", sizeof(c.meta.id));
	c.meta.runtime = RUNTIME_MESOS;
	c.cur.have = HAVE_CPU_USAGE | HAVE_PIDS;
	c.cur.cpu.usage_ns = 5;
	c.cur.host_cpu_ns = 6;
	c.cur.pids.current = 3;
	c.cur.pids.limit = 99;              /* no HAVE_PIDS_LIMIT */
	c.cur.mem.usage = 77;               /* no HAVE_MEM_USAGE */
	c.cur.net.nif = 1;                  /* no HAVE_NET */
	c.cur.blkio.ndev = 1;               /* no HAVE_BLKIO */
	c.cur.cpu.npercpu = 2;              /* no HAVE_CPU_PERCPU */
	c.cur.cpu.percpu_ns = percpu;
	c.rates.cpu_percent = 50;           /* rates not valid */
	buf_init(&tags, 4096);
	buf_init(&out, 1 << 16);
	/* Name unknown: the id stands in; empty tags are left out. */
	assert_int_equal(format_tags(&c.meta, "", SCHEMA_HOIST, &tags), 0);
	assert_string_equal(tags.data, ",container_name=x,runtime=mesos");
	memset(&o, 0, sizeof(o));
	o.percpu = 1;
	assert_int_equal(format_container(&c, tags.data, tags.len, TS_NS, &o,
	    &out), 2);
	check_lines(out.data, want);
	/* Nothing for the status point either (no pids, pid, start time):
	 * only the CPU point stays. */
	c.cur.have = HAVE_CPU_USAGE;
	buf_reset(&out);
	assert_int_equal(format_container(&c, tags.data, tags.len, TS_NS, &o,
	    &out), 1);
	assert_non_null(strstr(out.data, "container_cpu,"));
	assert_null(strstr(out.data, "container_status"));
	buf_free(&tags);
	buf_free(&out);
}

static void
test_tags_hostile(void **state)
{
	struct container_meta m;
	struct label l[3] = {
		{ "a=b c", "d,e\\" },
		{ "", "no key" },
		{ "nl", "x\ny" },
	};
	struct buf tags;

	(void)state;
	memset(&m, 0, sizeof(m));
	str_copy_trunc(m.id, "id1", sizeof(m.id));
	str_copy_trunc(m.name, "web 1,evil=x", sizeof(m.name));
	str_copy_trunc(m.image, "reg:5000/img", sizeof(m.image));
	str_copy_trunc(m.version, "\\", sizeof(m.version));
	str_copy_trunc(m.marathon_app_id, "/group/app one",
	    sizeof(m.marathon_app_id));
	str_copy_trunc(m.mesos_task_id, "app.1=2", sizeof(m.mesos_task_id));
	m.runtime = RUNTIME_MESOS;
	m.nlabels = 3;
	memcpy(m.labels, l, sizeof(l));
	buf_init(&tags, 4096);
	assert_int_equal(format_tags(&m, "host a", SCHEMA_HOIST, &tags), 0);
	/* A version that is only a backslash escapes to nothing: left out
	 * like an empty one, never "container_version=" with no value. */
	assert_string_equal(tags.data,
	    ",container_image=reg:5000/img,container_name=web\\ 1\\,evil\\=x,"
	    "host=host\\ a,marathon_app_id=/group/app\\ one,"
	    "mesos_task_id=app.1\\=2,runtime=mesos,a\\=b\\ c=d\\,e,nl=x\\ny");
	buf_free(&tags);
}

/* Tags that do not fit are cut at a whole tag, never inside one. */
static void
test_tags_cut(void **state)
{
	struct container_meta m;
	struct buf tags;
	size_t max;

	(void)state;
	memset(&m, 0, sizeof(m));
	str_copy_trunc(m.id, "id1", sizeof(m.id));
	str_copy_trunc(m.image, "nginx", sizeof(m.image));
	str_copy_trunc(m.name, "a-rather-long-container-name", sizeof(m.name));
	m.runtime = RUNTIME_DOCKER;
	for (max = 0; max < 80; max++) {
		buf_init(&tags, max);
		if (format_tags(&m, "h1", SCHEMA_HOIST, &tags) == 0) {
			assert_string_equal(tags.data, ",container_image=nginx,"
			    "container_name=a-rather-long-container-name,host=h1,"
			    "runtime=docker");
		} else if (tags.len > 0) {
			/* What is there is whole tags: ends with a value,
			 * and every ",key=" has one. */
			const char *p = tags.data;
			assert_int_not_equal(tags.data[tags.len - 1], '=');
			while ((p = strchr(p, ',')) != NULL) {
				const char *eq = strchr(p, '=');
				assert_non_null(eq);
				assert_int_not_equal(eq[1], '\0');
				assert_int_not_equal(eq[1], ',');
				p++;
			}
		}
		buf_free(&tags);
	}
}

/* A container that does not fit leaves nothing of itself behind. */
static void
test_buffer_full(void **state)
{
	struct format_options o;
	struct container c;
	struct buf tags, out, full;
	size_t cap;
	int n;

	(void)state;
	full_container(&c);
	buf_init(&tags, 4096);
	buf_init(&full, 1 << 16);
	assert_int_equal(format_tags(&c.meta, "h1", SCHEMA_HOIST, &tags), 0);
	memset(&o, 0, sizeof(o));
	o.percpu = 1;
	assert_int_equal(format_container(&c, tags.data, tags.len, TS_NS, &o,
	    &full), 9);
	for (cap = 0; cap < full.len + 10; cap += 37) {
		buf_init(&out, 6 + cap);
		assert_int_equal(buf_puts(&out, "prev\n"), 0);
		n = format_container(&c, tags.data, tags.len, TS_NS, &o, &out);
		if (5 + full.len <= 6 + cap) {
			assert_int_equal(n, 9);
			assert_string_equal(out.data + 5, full.data);
		} else {
			assert_int_equal(n, -1);
			assert_int_equal(out.len, 5);
			assert_string_equal(out.data, "prev\n");
		}
		buf_free(&out);
	}
	buf_free(&tags);
	buf_free(&full);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_container),
		cmocka_unit_test(test_partial_have),
		cmocka_unit_test(test_tags_hostile),
		cmocka_unit_test(test_tags_cut),
		cmocka_unit_test(test_buffer_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
