/*
 * test_docker.c — collector/docker: the pure decoders against the
 * Docker API fixtures and hostile input, then the cache and its thread
 * against an in-process fake Docker daemon on a unix socket (normal
 * replies, a 404, broken JSON, a daemon that holds its replies until
 * the test releases them, and no socket at all).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collector/docker.h"
#include "common/http.h"
#include "common/log.h"
#include "common/util.h"
#include "tests/lib/fixture.h"

/* ---- helpers ---------------------------------------------------------- */

/* tests/fixtures/docker/<name>; the caller frees. */
static char *
load_fixture(const char *name, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "docker/%s", name);
	return fixture_read(rel, len);
}

static const char *
label_get(const struct container_meta *m, const char *key)
{
	uint32_t i;

	for (i = 0; i < m->nlabels; i++)
		if (strcmp(m->labels[i].key, key) == 0)
			return m->labels[i].value;
	return NULL;
}

static struct docker_labels
labels_of(const char *csv)
{
	struct docker_labels inc;
	char err[128];

	assert_int_equal(docker_labels_parse(csv, &inc, err, sizeof(err)),
	    DOCKER_OK);
	return inc;
}

/* ---- pure decoders ---------------------------------------------------- */

static void
test_inspect_fixture(void **state)
{
	struct docker_labels inc = labels_of("com.example.vendor, "
	    "com.example.l*");
	struct container_meta m;
	size_t len;
	char *json = load_fixture("container_inspect_v1.47.json", &len);

	(void)state;
	assert_int_equal(docker_decode_inspect(json, len, &inc, &m),
	    DOCKER_OK);
	assert_string_equal(m.id, "ba033ac4401106a3b513bc9d639eee123ad78ca3"
	    "616b921167cd74b20e25ed39");
	assert_string_equal(m.name, "boring_euclid");
	assert_string_equal(m.image, "ubuntu");
	assert_string_equal(m.version, "latest");
	assert_string_equal(m.state, "running");
	assert_int_equal(m.pid, 0);
	assert_int_equal(m.runtime, RUNTIME_DOCKER);
	assert_int_equal(m.started_ns, 1420559252LL * 1000000000 + 72697474);
	assert_string_equal(m.marathon_app_id, "");
	assert_string_equal(m.mesos_task_id, "");
	assert_int_equal(m.nlabels, 2);
	/* Document order: vendor, then license; version is not included. */
	assert_string_equal(m.labels[0].key, "com.example.vendor");
	assert_string_equal(m.labels[0].value, "Acme");
	assert_string_equal(m.labels[1].key, "com.example.license");
	assert_string_equal(m.labels[1].value, "GPL");
	docker_meta_free_labels(&m);
	assert_int_equal(m.nlabels, 0);
	free(json);
}

static void
test_inspect_404_body(void **state)
{
	struct container_meta m;
	size_t len;
	char *json = load_fixture("error_404_no_such_container.json", &len);

	(void)state;
	assert_int_equal(docker_decode_inspect(json, len, NULL, &m),
	    DOCKER_E_SHAPE);
	assert_string_equal(m.id, "");
	assert_int_equal(m.nlabels, 0);
	free(json);
}

/* Every strict prefix of a real reply is an error, never a crash. */
static void
test_inspect_truncated(void **state)
{
	struct docker_labels inc = labels_of("*");
	struct container_meta m;
	size_t len, cut, end;
	char *json = load_fixture("container_inspect_v1.47.json", &len);

	(void)state;
	end = len;
	while (end > 0 && json[end - 1] != '}')
		end--;
	for (cut = 0; cut < end; cut++) {
		/* A copy of exactly `cut` bytes, so ASan sees any over-read. */
		char *p = malloc(cut ? cut : 1);

		assert_non_null(p);
		memcpy(p, json, cut);
		assert_int_equal(docker_decode_inspect(p, cut, &inc, &m),
		    DOCKER_E_JSON);
		assert_int_equal(m.nlabels, 0);
		free(p);
	}
	free(json);
}

struct inspect_case {
	const char *json;
	enum docker_result res;
	const char *name, *image, *version, *app, *task, *state;
	int         pid;
	int64_t     started_ns;
};

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct inspect_case inspect_cases[] = {
	/* Minimal: only an Id. */
	{ "{\"Id\":\"" ID64 "\"}", DOCKER_OK,
	  "", "", "unknown", "", "", "", 0, 0 },
	/* Labels first, then Env; KEY prefixes do not match. */
	{ "{\"Id\":\"" ID64 "\",\"Name\":\"/web\",\"Config\":{"
	  "\"Image\":\"host:5000/shop/web:2.1\","
	  "\"Labels\":{\"MARATHON_APP_ID\":\"/shop/web\"},"
	  "\"Env\":[\"MARATHON_APP_ID=/wrong\",\"MESOS_TASK_IDX=no\","
	  "\"MESOS_TASK_ID=shop_web.1\"]},"
	  "\"State\":{\"Status\":\"running\",\"Pid\":4242,"
	  "\"StartedAt\":\"2026-11-26T05:00:00.5Z\"}}", DOCKER_OK,
	  "web", "host:5000/shop/web", "2.1", "/shop/web", "shop_web.1",
	  "running", 4242, 1795669200LL * 1000000000 + 500000000 },
	/* Wrong types everywhere: fields stay empty, no error. */
	{ "{\"Id\":\"" ID64 "\",\"Name\":7,\"Config\":\"x\","
	  "\"State\":{\"Status\":1,\"Pid\":\"12\",\"StartedAt\":3}}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	{ "{\"Id\":\"" ID64 "\",\"Config\":{\"Image\":[],\"Labels\":[1],"
	  "\"Env\":{\"MESOS_TASK_ID\":\"x\"}},\"State\":[]}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	/* Nulls. */
	{ "{\"Id\":\"" ID64 "\",\"Name\":null,\"Config\":{\"Image\":null,"
	  "\"Labels\":null,\"Env\":null},\"State\":null}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	{ "{\"Id\":\"" ID64 "\",\"Config\":{\"Env\":[null,5,\"=x\","
	  "\"MESOS_TASK_ID=\"]}}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	/* Pids out of range, a start time before 1970. */
	{ "{\"Id\":\"" ID64 "\",\"State\":{\"Pid\":-1,"
	  "\"StartedAt\":\"0001-01-01T00:00:00Z\"}}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	{ "{\"Id\":\"" ID64 "\",\"State\":{\"Pid\":1e300}}",
	  DOCKER_OK, "", "", "unknown", "", "", "", 0, 0 },
	/* Bad Ids and shapes. */
	{ "{\"Id\":12}", DOCKER_E_SHAPE, "", "", "", "", "", "", 0, 0 },
	{ "{\"Id\":\"../../etc\"}", DOCKER_E_SHAPE,
	  "", "", "", "", "", "", 0, 0 },
	{ "{\"Id\":\"" ID64 "0\"}", DOCKER_E_SHAPE,
	  "", "", "", "", "", "", 0, 0 },
	{ "[{\"Id\":\"" ID64 "\"}]", DOCKER_E_SHAPE,
	  "", "", "", "", "", "", 0, 0 },
	{ "null", DOCKER_E_SHAPE, "", "", "", "", "", "", 0, 0 },
	{ "", DOCKER_E_JSON, "", "", "", "", "", "", 0, 0 },
	{ "{\"Id\":\"" ID64 "\",", DOCKER_E_JSON,
	  "", "", "", "", "", "", 0, 0 },
	{ "<html>502 Bad Gateway</html>", DOCKER_E_JSON,
	  "", "", "", "", "", "", 0, 0 },
};

static void
test_inspect_cases(void **state)
{
	struct container_meta m;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(inspect_cases); i++) {
		const struct inspect_case *c = &inspect_cases[i];

		print_message("inspect case %zu\n", i);
		assert_int_equal(docker_decode_inspect(c->json,
		    strlen(c->json), NULL, &m), c->res);
		assert_string_equal(m.name, c->name);
		assert_string_equal(m.image, c->image);
		assert_string_equal(m.version, c->version);
		assert_string_equal(m.marathon_app_id, c->app);
		assert_string_equal(m.mesos_task_id, c->task);
		assert_string_equal(m.state, c->state);
		assert_int_equal(m.pid, c->pid);
		assert_int_equal(m.started_ns, c->started_ns);
		assert_int_equal(m.nlabels, 0);
	}
}

/*
 * Issue 9 §3: a container name, image, version or Marathon/Mesos id from
 * Docker longer than its field is an error, never a cut (and so
 * different) value; one byte shorter still fits.
 */
static void
test_inspect_too_long(void **state)
{
	static const struct {
		const char *before, *after;
		size_t      max;        /* the field's size */
	} cases[] = {
		{ "\"Name\":\"", "\"", CONTAINER_NAME_MAX },
		{ "\"Config\":{\"Image\":\"", "\"}", CONTAINER_NAME_MAX },
		{ "\"Config\":{\"Image\":\"web:", "\"}", 128 },
		{ "\"Config\":{\"Labels\":{\"MARATHON_APP_ID\":\"/", "\"}}",
		  CONTAINER_NAME_MAX },
		{ "\"Config\":{\"Env\":[\"MESOS_TASK_ID=", "\"]}",
		  CONTAINER_NAME_MAX },
	};
	struct container_meta m;
	struct buf b;
	size_t i, len, k;

	(void)state;
	buf_init(&b, 1 << 16);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		for (len = cases[i].max - 1; len <= cases[i].max; len++) {
			/* The leading '/' of an app id counts. */
			size_t n = len - (cases[i].before[strlen(
			    cases[i].before) - 1] == '/');

			buf_reset(&b);
			assert_int_equal(buf_puts(&b, "{\"Id\":\"" ID64 "\","),
			    0);
			assert_int_equal(buf_puts(&b, cases[i].before), 0);
			for (k = 0; k < n; k++)
				assert_int_equal(buf_putc(&b, 'a'), 0);
			assert_int_equal(buf_puts(&b, cases[i].after), 0);
			assert_int_equal(buf_putc(&b, '}'), 0);
			print_message("case %zu, %zu bytes\n", i, len);
			assert_int_equal(docker_decode_inspect(b.data, b.len,
			    NULL, &m), len < cases[i].max ? DOCKER_OK :
			    DOCKER_E_TOO_LONG);
			if (len >= cases[i].max)
				assert_string_equal(m.id, "");
		}
	}
	buf_free(&b);
}

/* Huge label values are cut to their fields; more labels than LABELS_MAX
 * stop at LABELS_MAX; over-long keys are skipped. */
static void
test_inspect_huge(void **state)
{
	struct docker_labels inc = labels_of("k*,big");
	struct container_meta m;
	struct buf b;
	size_t big = 200000, i;

	(void)state;
	buf_init(&b, 1 << 22);
	assert_int_equal(buf_puts(&b, "{\"Id\":\"" ID64 "\",\"Name\":\"/"),
	    0);
	for (i = 0; i < CONTAINER_NAME_MAX - 1; i++)
		assert_int_equal(buf_putc(&b, 'n'), 0);
	assert_int_equal(buf_puts(&b, "\",\"Config\":{\"Labels\":{\"big\":\""),
	    0);
	for (i = 0; i < big; i++)
		assert_int_equal(buf_putc(&b, 'v'), 0);
	assert_int_equal(buf_puts(&b, "\",\"k"), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(buf_putc(&b, 'x'), 0);
	assert_int_equal(buf_puts(&b, "\":\"long key\""), 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(buf_printf(&b, ",\"k%zu\":\"%zu\"", i, i), 0);
	assert_int_equal(buf_puts(&b, "}}}"), 0);

	assert_int_equal(docker_decode_inspect(b.data, b.len, &inc, &m),
	    DOCKER_OK);
	assert_int_equal(strlen(m.name), CONTAINER_NAME_MAX - 1);
	assert_int_equal(m.nlabels, LABELS_MAX);
	assert_string_equal(m.labels[0].key, "big");
	assert_int_equal(strlen(m.labels[0].value), DOCKER_LABEL_VALUE_MAX - 1);
	assert_string_equal(m.labels[1].key, "k0");
	assert_string_equal(m.labels[LABELS_MAX - 1].key, "k14");
	assert_string_equal(m.labels[LABELS_MAX - 1].value, "14");
	docker_meta_free_labels(&m);
	buf_free(&b);
}

static void
test_list_fixtures(void **state)
{
	static const char *const files[] = {
		"containers_json_v1.41.json", "containers_json_v1.47.json",
	};
	static const char *const ids[] = {
		"8dfafdbc3a40", "9cd87474be90", "3176a2479c92", "4cb07b47f9fb",
	};
	static const char *const names[] = {
		"boring_feynman", "coolName", "sleepy_dog", "running_cat",
	};
	struct docker_list_entry *v;
	size_t f, i, n, len, skipped;
	char *json;

	(void)state;
	for (f = 0; f < ARRAY_LEN(files); f++) {
		json = load_fixture(files[f], &len);
		assert_int_equal(docker_decode_list(json, len, 100, &v, &n,
		    &skipped), DOCKER_OK);
		assert_int_equal(n, 4);
		assert_int_equal(skipped, 0);
		for (i = 0; i < n; i++) {
			assert_string_equal(v[i].id, ids[i]);
			assert_string_equal(v[i].name, names[i]);
			assert_string_equal(v[i].state, "Exited");
		}
		free(v);
		/* The cap holds. */
		assert_int_equal(docker_decode_list(json, len, 2, &v, &n,
		    NULL), DOCKER_OK);
		assert_int_equal(n, 2);
		assert_string_equal(v[1].id, ids[1]);
		free(v);
		free(json);
	}
}

static void
test_list_hostile(void **state)
{
	static const char bad_entries[] =
	    "[{\"Id\":\"abc\",\"Names\":[\"/web/db\",\"/db\"],"
	    "\"State\":\"running\"},"
	    "{\"Id\":\"ABC\"}, 5, null, {\"Names\":[\"/x\"]},"
	    "{\"Id\":\"def\",\"Names\":\"/x\",\"State\":3},"
	    "{\"Id\":\"012\",\"Names\":[7,\"/a/b\"]}]";
	struct docker_list_entry *v;
	size_t n, skipped;

	(void)state;
	assert_int_equal(docker_decode_list(bad_entries, strlen(bad_entries),
	    100, &v, &n, &skipped), DOCKER_OK);
	assert_int_equal(n, 3);
	assert_int_equal(skipped, 4);
	assert_string_equal(v[0].id, "abc");
	assert_string_equal(v[0].name, "db");     /* not the link alias */
	assert_string_equal(v[0].state, "running");
	assert_string_equal(v[1].id, "def");
	assert_string_equal(v[1].name, "");
	assert_string_equal(v[1].state, "");
	assert_string_equal(v[2].name, "a/b");    /* only an alias: first */
	free(v);

	assert_int_equal(docker_decode_list("{}", 2, 100, &v, &n, NULL),
	    DOCKER_E_SHAPE);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(docker_decode_list("[{\"Id\":", 7, 100, &v, &n,
	    NULL), DOCKER_E_JSON);
	assert_null(v);
	assert_int_equal(docker_decode_list("[]", 2, 100, &v, &n, NULL),
	    DOCKER_OK);
	assert_int_equal(n, 0);
	free(v);
}

static void
test_split_image(void **state)
{
	static const struct {
		const char *ref, *image, *version;
	} cases[] = {
		{ "ubuntu", "ubuntu", "latest" },
		{ "ubuntu:22.04", "ubuntu", "22.04" },
		{ "repo/name:tag", "repo/name", "tag" },
		{ "host:5000/name", "host:5000/name", "latest" },
		{ "host:5000/shop/web:1.2", "host:5000/shop/web", "1.2" },
		{ "name@sha256:abcd", "name", "sha256:abcd" },
		{ "host:5000/n@sha256:ab", "host:5000/n", "sha256:ab" },
		{ "name:tag@sha256:abcd", "name", "tag" },
		{ "sha256:0123abcd", "sha256:0123abcd", "unknown" },
		{ "name:", "name", "latest" },
		{ "", "", "unknown" },
		{ NULL, "", "unknown" },
	};
	char image[64], version[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(docker_split_image(cases[i].ref, image,
		    sizeof(image), version, sizeof(version)), 0);
		assert_string_equal(image, cases[i].image);
		assert_string_equal(version, cases[i].version);
	}
	/* Too long for the outputs: an error (issue 9 §3), and the
	 * outputs are never overrun. */
	assert_int_equal(docker_split_image("averyveryverylongname:"
	    "averyverylongtag", image, 8, version, 6), -1);
	assert_string_equal(image, "averyve");
	assert_string_equal(version, "avery");
	assert_int_equal(docker_split_image("name:averyverylongtag", image,
	    sizeof(image), version, 6), -1);
	assert_int_equal(docker_split_image("averyveryverylongname", image, 8,
	    version, sizeof(version)), -1);
	assert_int_equal(docker_split_image("name@sha256:0123456789", image,
	    sizeof(image), version, 8), -1);
	assert_int_equal(docker_split_image("sha256:0123456789", image, 8,
	    version, sizeof(version)), -1);
	assert_int_equal(docker_split_image("n:tag", image, 2, version, 4), 0);
}

static void
test_labels(void **state)
{
	struct docker_labels inc;
	char err[128], csv[DOCKER_LABEL_PATTERNS_MAX * 4 + 8];
	size_t i;

	(void)state;
	inc = labels_of(" team , com.example.* ,,app");
	assert_int_equal(inc.n, 3);
	assert_true(docker_labels_match(&inc, "team"));
	assert_true(docker_labels_match(&inc, "app"));
	assert_true(docker_labels_match(&inc, "com.example.vendor"));
	assert_true(docker_labels_match(&inc, "com.example."));
	assert_false(docker_labels_match(&inc, "teams"));
	assert_false(docker_labels_match(&inc, "com.exampl"));
	assert_false(docker_labels_match(&inc, "Team"));
	inc = labels_of("*");
	assert_true(docker_labels_match(&inc, "anything"));
	inc = labels_of(NULL);
	assert_int_equal(inc.n, 0);
	assert_false(docker_labels_match(&inc, "team"));
	assert_false(docker_labels_match(NULL, "team"));

	for (i = 0; i <= DOCKER_LABEL_PATTERNS_MAX; i++)
		memcpy(csv + 2 * i, "a,", 2);
	csv[2 * i] = '\0';
	err[0] = '\0';
	assert_int_equal(docker_labels_parse(csv, &inc, err, sizeof(err)),
	    DOCKER_E_ARG);
	assert_non_null(strstr(err, "label_include"));
}

static void
test_meta_copy(void **state)
{
	struct docker_labels inc = labels_of("*");
	struct container_meta src, dst;
	static const char json[] = "{\"Id\":\"abc\",\"Name\":\"/n\","
	    "\"Config\":{\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}}";

	(void)state;
	assert_int_equal(docker_decode_inspect(json, strlen(json), &inc,
	    &src), DOCKER_OK);
	memset(&dst, 0, sizeof(dst));
	str_copy_trunc(dst.id, "cgroup-id", sizeof(dst.id));
	dst.runtime = RUNTIME_MESOS;
	assert_int_equal(docker_meta_copy(&dst, &src), 0);
	assert_int_equal(docker_meta_copy(&dst, &src), 0);   /* frees old */
	assert_string_equal(dst.id, "cgroup-id");
	assert_int_equal(dst.runtime, RUNTIME_MESOS);
	assert_string_equal(dst.name, "n");
	assert_int_equal(dst.nlabels, 2);
	assert_ptr_not_equal(dst.labels[0].key, src.labels[0].key);
	assert_string_equal(label_get(&dst, "b"), "2");
	docker_meta_free_labels(&src);
	docker_meta_free_labels(&dst);
	docker_meta_free_labels(NULL);
}

/* ---- fake Docker daemon ----------------------------------------------- */

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ID_404 "0000000000000000000000000000000000000000000000000000000000000404"
#define ID_BAD "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define MESOS_UUID "5f1f1a8e-6a8b-4c0a-9d0e-3f2e8c1b7a10"

static const char inspect_a[] =
    "{\"Id\":\"" ID_A "\",\"Name\":\"/web\",\"Config\":{"
    "\"Image\":\"registry.example.com:5000/shop/web:1.2.3\","
    "\"Labels\":{\"MARATHON_APP_ID\":\"/shop/web\",\"team\":\"shop\","
    "\"com.example.tier\":\"front\",\"other\":\"no\"},"
    "\"Env\":[\"PATH=/bin\",\"MESOS_TASK_ID=shop_web.123\"]},"
    "\"State\":{\"Status\":\"running\",\"Pid\":4242,"
    "\"StartedAt\":\"2026-11-26T05:00:00.123456789Z\"}}";
static const char inspect_b[] =
    "{\"Id\":\"" ID_B "\",\"Name\":\"/mesos-" MESOS_UUID "\",\"Config\":{"
    "\"Image\":\"busybox@sha256:0123abcd\","
    "\"Env\":[\"MARATHON_APP_ID=/batch/job\","
    "\"MESOS_TASK_ID=batch_job.7\"]},"
    "\"State\":{\"Status\":\"running\",\"Pid\":99,"
    "\"StartedAt\":\"2026-11-26T05:00:00Z\"}}";
static const char inspect_c[] =
    "{\"Id\":\"" ID_C "\",\"Name\":\"/late\",\"Config\":{"
    "\"Image\":\"late\"},\"State\":{\"Status\":\"running\",\"Pid\":7}}";
static const char inspect_bad[] = "{\"Id\":\"" ID_BAD "\",\"Name\":\"/br";
static const char not_found[] =
    "{\"message\": \"No such container: 0000404\"}";

/*
 * FAKE_HOLD: every request is read and then held unanswered until the
 * test opens the gate (fake_release) or, so that a client that waits for
 * the daemon cannot hang the run, until FAKE_HOLD_MAX_NS after it came;
 * then it is answered as FAKE_NORMAL would.  n_held counts the requests
 * held, n_answered the held ones answered since: a test reads it to know
 * whether any reply had gone out yet.  A client that gives up (its
 * timeout) closes the connection and its request is never answered.
 */
enum fake_mode { FAKE_NORMAL, FAKE_HOLD };

#define FAKE_HOLD_MAX_NS (30 * 1000000000LL)

struct fake {
	char            dir[64];
	char            sock[128];
	char            url[160];
	int             lfd;
	enum fake_mode  mode;
	pthread_t       thread;
	pthread_mutex_t lock;
	int             stop;
	/* Under lock: */
	int             c_listed;       /* the list shows C */
	char            a_state[16];    /* A's state in the list */
	int             n_list, n_a, n_b, n_c, n_404, n_bad, n_other;
	int             gate_open;      /* FAKE_HOLD: answer held requests */
	int             n_held, n_answered;
};

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
reply(int fd, int status, const char *body)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nApi-Version: 1.41\r\n"
	    "Content-Length: %zu\r\n\r\n", status,
	    status == 200 ? "OK" : "Not Found", strlen(body));
	if (send_all(fd, head, (size_t)n) || send_all(fd, body, strlen(body)))
		return -1;
	return 0;
}

/* Answer one request line; returns -1 to drop the connection. */
static int
serve_request(struct fake *f, int fd, const char *path)
{
	char list[1024];
	int rc;

	pthread_mutex_lock(&f->lock);
	if (strcmp(path, "/containers/json?all=1") == 0) {
		f->n_list++;
		snprintf(list, sizeof(list),
		    "[{\"Id\":\"" ID_A "\",\"Names\":[\"/web\"],"
		    "\"State\":\"%s\"},"
		    "{\"Id\":\"" ID_B "\",\"Names\":[\"/mesos-" MESOS_UUID
		    "\"],\"State\":\"running\"},"
		    "{\"Id\":\"" ID_BAD "\",\"Names\":[\"/broken\"],"
		    "\"State\":\"running\"}%s]", f->a_state,
		    f->c_listed ? ",{\"Id\":\"" ID_C "\",\"Names\":[\"/late\"],"
		    "\"State\":\"running\"}" : "");
		pthread_mutex_unlock(&f->lock);
		return reply(fd, 200, list);
	}
	if (strcmp(path, "/containers/" ID_A "/json") == 0) {
		f->n_a++;
		/* A's inspection follows the state the list shows. */
		if (strcmp(f->a_state, "running") != 0) {
			snprintf(list, sizeof(list), "{\"Id\":\"" ID_A "\","
			    "\"Name\":\"/web\",\"State\":{\"Status\":\"%s\","
			    "\"Pid\":0}}", f->a_state);
			pthread_mutex_unlock(&f->lock);
			return reply(fd, 200, list);
		}
		pthread_mutex_unlock(&f->lock);
		return reply(fd, 200, inspect_a);
	}
	if (strcmp(path, "/containers/" ID_B "/json") == 0) {
		f->n_b++;
		pthread_mutex_unlock(&f->lock);
		return reply(fd, 200, inspect_b);
	}
	if (strcmp(path, "/containers/" ID_C "/json") == 0) {
		f->n_c++;
		rc = f->c_listed;
		pthread_mutex_unlock(&f->lock);
		return rc ? reply(fd, 200, inspect_c) :
		    reply(fd, 404, not_found);
	}
	if (strcmp(path, "/containers/" ID_BAD "/json") == 0) {
		f->n_bad++;
		pthread_mutex_unlock(&f->lock);
		return reply(fd, 200, inspect_bad);
	}
	if (strcmp(path, "/containers/" ID_404 "/json") == 0)
		f->n_404++;
	else
		f->n_other++;
	pthread_mutex_unlock(&f->lock);
	return reply(fd, 404, not_found);
}

static int
fake_stopping(struct fake *f)
{
	int s;

	pthread_mutex_lock(&f->lock);
	s = f->stop;
	pthread_mutex_unlock(&f->lock);
	return s;
}

/* FAKE_HOLD: note a request that is now held. */
static void
fake_hold(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	f->n_held++;
	pthread_mutex_unlock(&f->lock);
}

/* FAKE_HOLD: whether the request held since `since_ns` may be answered
 * now (the gate is open, or the safety limit passed); counts it if so. */
static int
fake_hold_over(struct fake *f, int64_t since_ns)
{
	int over;

	pthread_mutex_lock(&f->lock);
	over = f->gate_open || now_mono_ns() - since_ns >= FAKE_HOLD_MAX_NS;
	if (over)
		f->n_answered++;
	pthread_mutex_unlock(&f->lock);
	return over;
}

/* Serve one keep-alive connection until the peer closes or we stop.
 * FAKE_HOLD keeps at most one request held (the client does not
 * pipeline); `path` is that request's while held_since is not 0. */
static void
serve_conn(struct fake *f, int fd)
{
	char req[4096], path[512];
	size_t have = 0;
	int64_t held_since = 0;
	struct pollfd p;
	char *end;
	ssize_t r;

	while (!fake_stopping(f)) {
		if (held_since != 0 && fake_hold_over(f, held_since)) {
			held_since = 0;
			if (serve_request(f, fd, path) != 0)
				return;
		}
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 50) <= 0)
			continue;
		r = read(fd, req + have, sizeof(req) - 1 - have);
		if (r <= 0)
			return;
		have += (size_t)r;
		req[have] = '\0';
		while (held_since == 0 &&
		    (end = strstr(req, "\r\n\r\n")) != NULL) {
			path[0] = '\0';
			if (sscanf(req, "GET %511s HTTP/1.1", path) != 1)
				return;
			have -= (size_t)(end + 4 - req);
			memmove(req, end + 4, have + 1);
			if (f->mode == FAKE_HOLD) {
				held_since = now_mono_ns();
				fake_hold(f);
			} else if (serve_request(f, fd, path) != 0)
				return;
		}
		if (have >= sizeof(req) - 1)
			return;
	}
}

static void *
fake_thread(void *arg)
{
	struct fake *f = arg;
	struct pollfd p;
	int fd;

	while (!fake_stopping(f)) {
		p.fd = f->lfd;
		p.events = POLLIN;
		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_conn(f, fd);
		close(fd);
	}
	return NULL;
}

static struct fake *
fake_start(enum fake_mode mode)
{
	struct sockaddr_un sa;
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	str_copy_trunc(f->dir, "/tmp/hoist-docker-test.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/docker.sock", f->dir);
	snprintf(f->url, sizeof(f->url), "unix://%s", f->sock);
	f->mode = mode;
	str_copy_trunc(f->a_state, "running", sizeof(f->a_state));
	pthread_mutex_init(&f->lock, NULL);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	str_copy_trunc(sa.sun_path, f->sock, sizeof(sa.sun_path));
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
	return f;
}

static void
fake_stop(struct fake *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	close(f->lfd);
	unlink(f->sock);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static int
fake_count(struct fake *f, const int *counter)
{
	int n;

	pthread_mutex_lock(&f->lock);
	n = *counter;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* FAKE_HOLD: answer the held request and every later one. */
static void
fake_release(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	f->gate_open = 1;
	pthread_mutex_unlock(&f->lock);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until a fake's counter reaches `want`; `ms` only bounds a broken
 * run, it measures nothing.  Fails naming `what`. */
static void
fake_wait(struct fake *f, const int *counter, int want, long ms,
    const char *what)
{
	int64_t deadline = now_mono_ns() + ms * 1000000LL;
	int n;

	while ((n = fake_count(f, counter)) < want &&
	    now_mono_ns() < deadline)
		sleep_ms(10);
	if (n < want)
		fail_msg("waited %ld ms for %s: %d, want %d", ms, what, n,
		    want);
}

/* Look `id` up until Docker knows it, for at most `ms`; returns the time
 * the slowest single lookup took (ns), or -1 when it never answered. */
static int64_t
lookup_until(struct docker *d, const char *id, struct container_meta *m,
    long ms)
{
	int64_t deadline = now_mono_ns() + ms * 1000000LL, t, slowest = 0;
	int found;

	for (;;) {
		t = now_mono_ns();
		found = docker_lookup(d, id, m);
		t = now_mono_ns() - t;
		if (t > slowest)
			slowest = t;
		if (found)
			return slowest;
		if (now_mono_ns() > deadline)
			return -1;
		sleep_ms(10);
	}
}

/* Wait until a stats field reaches `want`, for at most `ms`. */
#define WAIT_STAT(d, field, want, ms) do {				\
	struct docker_stats st_;					\
	int64_t dl_ = now_mono_ns() + (ms) * 1000000LL;			\
	for (;;) {							\
		docker_get_stats((d), &st_);				\
		if (st_.field >= (want) || now_mono_ns() > dl_)		\
			break;						\
		sleep_ms(10);						\
	}								\
	assert_true(st_.field >= (want));				\
} while (0)

static struct docker *
start_docker(const char *url, long timeout_ms, long refresh_ms)
{
	struct docker_options o;
	struct docker *d;
	char err[256];

	docker_options_init(&o);
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms;
	o.refresh_ms = refresh_ms;
	o.label_include = "team,com.example.*";
	d = docker_new(url, &o, err, sizeof(err));
	if (d == NULL)
		print_error("docker_new: %s\n", err);
	assert_non_null(d);
	return d;
}

static void
test_fake_lookup(void **state)
{
	struct fake *f = fake_start(FAKE_NORMAL);
	struct docker *d = start_docker(f->url, 2000, 60000);
	struct container_meta m;
	struct docker_stats st;
	char did[DOCKER_ID_MAX + 1];
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	str_copy_trunc(m.id, ID_A, sizeof(m.id));
	/* The first lookup cannot know it: nothing has been inspected. */
	assert_int_equal(docker_lookup(d, ID_A, &m), 0);
	assert_string_equal(m.name, "");
	assert_true(lookup_until(d, ID_A, &m, 3000) >= 0);
	assert_string_equal(m.id, ID_A);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image, "registry.example.com:5000/shop/web");
	assert_string_equal(m.version, "1.2.3");
	assert_string_equal(m.marathon_app_id, "/shop/web");
	assert_string_equal(m.mesos_task_id, "shop_web.123");
	assert_string_equal(m.state, "running");
	assert_int_equal(m.pid, 4242);
	assert_int_equal(m.started_ns, 1795669200LL * 1000000000 + 123456789);
	assert_int_equal(m.nlabels, 2);
	assert_string_equal(label_get(&m, "team"), "shop");
	assert_string_equal(label_get(&m, "com.example.tier"), "front");
	assert_null(label_get(&m, "other"));

	/* The Mesos mapping comes from the list. */
	for (i = 0; i < 300 && !docker_find_mesos(d, MESOS_UUID, did,
	    sizeof(did)); i++)
		sleep_ms(10);
	assert_string_equal(did, ID_B);
	assert_int_equal(docker_find_mesos(d, "5f1f1a8e", did, sizeof(did)),
	    0);
	assert_true(lookup_until(d, ID_B, &m, 3000) >= 0);
	assert_string_equal(m.name, "mesos-" MESOS_UUID);
	assert_string_equal(m.image, "busybox");
	assert_string_equal(m.version, "sha256:0123abcd");
	assert_string_equal(m.marathon_app_id, "/batch/job");
	assert_string_equal(m.mesos_task_id, "batch_job.7");
	assert_int_equal(m.nlabels, 0);

	/* A 404 and a broken reply: counted, lookups stay 0, no retry
	 * before retry_ms. */
	assert_int_equal(docker_lookup(d, ID_404, &m), 0);
	assert_int_equal(docker_lookup(d, ID_BAD, &m), 0);
	WAIT_STAT(d, not_found, 1, 3000);
	WAIT_STAT(d, decode_errors, 1, 3000);
	/* Non-hex ids are never sent to Docker. */
	assert_int_equal(docker_lookup(d, "../../info", &m), 0);

	/* Many more lookups: served from the cache. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(docker_lookup(d, ID_A, &m), 1);
		assert_int_equal(docker_lookup(d, ID_B, &m), 1);
		assert_int_equal(docker_lookup(d, ID_404, &m), 0);
		assert_int_equal(docker_lookup(d, ID_BAD, &m), 0);
	}
	sleep_ms(100);
	assert_int_equal(fake_count(f, &f->n_a), 1);
	assert_int_equal(fake_count(f, &f->n_b), 1);
	assert_int_equal(fake_count(f, &f->n_404), 1);
	assert_int_equal(fake_count(f, &f->n_bad), 1);
	assert_int_equal(fake_count(f, &f->n_list), 1);
	assert_int_equal(fake_count(f, &f->n_other), 0);
	docker_get_stats(d, &st);
	assert_int_equal(st.requests, 5);
	assert_int_equal(st.inspects, 2);
	assert_int_equal(st.lists, 1);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.decode_errors, 1);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.up, 1);

	/* Forgotten: asked again on the next lookup. */
	docker_forget(d, ID_A);
	assert_int_equal(docker_lookup(d, ID_A, &m), 0);
	assert_true(lookup_until(d, ID_A, &m, 3000) >= 0);
	assert_int_equal(fake_count(f, &f->n_a), 2);

	docker_meta_free_labels(&m);
	docker_free(d);
	fake_stop(f);
}

/* The list refresh learns new containers, notices a state change (and
 * re-inspects once), and drops containers it no longer shows. */
static void
test_fake_refresh(void **state)
{
	struct fake *f = fake_start(FAKE_NORMAL);
	struct docker *d = start_docker(f->url, 2000, 500);
	struct container_meta m;
	struct docker_stats st;
	char did[DOCKER_ID_MAX + 1];
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_true(lookup_until(d, ID_A, &m, 3000) >= 0);
	assert_int_equal(docker_find_mesos(d, "late", did, sizeof(did)), 0);
	pthread_mutex_lock(&f->lock);
	f->c_listed = 1;
	str_copy_trunc(f->a_state, "exited", sizeof(f->a_state));
	pthread_mutex_unlock(&f->lock);
	assert_true(lookup_until(d, ID_C, &m, 3000) >= 0);
	assert_string_equal(m.name, "late");
	assert_int_equal(m.pid, 7);
	/* A's new state, then its re-inspection (pid 0). */
	for (i = 0; i < 300; i++) {
		assert_int_equal(docker_lookup(d, ID_A, &m), 1);
		if (m.pid == 0)
			break;
		sleep_ms(10);
	}
	assert_string_equal(m.state, "exited");
	assert_int_equal(m.pid, 0);
	assert_int_equal(fake_count(f, &f->n_a), 2);

	/* C disappears from the list: it is dropped from the cache. */
	pthread_mutex_lock(&f->lock);
	f->c_listed = 0;
	pthread_mutex_unlock(&f->lock);
	docker_get_stats(d, &st);
	WAIT_STAT(d, lists, st.lists + 2, 3000);
	for (i = 0; i < 20; i++) {
		assert_int_equal(docker_lookup(d, ID_C, &m), 0);
		sleep_ms(10);
	}
	/* A was inspected twice only (once per state), however many lists. */
	assert_int_equal(fake_count(f, &f->n_a), 2);

	docker_meta_free_labels(&m);
	docker_free(d);
	fake_stop(f);
}

/*
 * A daemon that holds its reply does not slow docker_lookup() or
 * docker_find_mesos(): all of them return while the fake still holds the
 * thread's first request -- an event, not a time, so the check holds
 * under valgrind and on a loaded machine.  It fails whenever a lookup
 * waits for the daemon: the client's timeout (60 s) is longer than the
 * hold's safety limit (30 s), so such a lookup could return only after
 * the fake had answered.  Once released, the lookups learn the container.
 */
static void
test_lookup_never_waits(void **state)
{
	struct fake *f = fake_start(FAKE_HOLD);
	struct docker *d = start_docker(f->url, 60000, 60000);
	struct container_meta m;
	struct docker_stats st;
	char did[DOCKER_ID_MAX + 1];
	int i, known = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	fake_wait(f, &f->n_held, 1, 20000, "the first request to be held");
	for (i = 0; i < 100; i++) {
		known += docker_lookup(d, ID_A, &m);
		known += docker_lookup(d, ID_B, &m);
		known += docker_find_mesos(d, MESOS_UUID, did, sizeof(did));
	}
	if (fake_count(f, &f->n_answered) != 0)
		fail_msg("lookups returned only after the daemon answered: "
		    "docker_lookup() waits for the daemon");
	assert_int_equal(known, 0);
	/* Still the one request: the thread waits in it, not the callers. */
	assert_int_equal(fake_count(f, &f->n_held), 1);
	assert_string_equal(m.name, "");
	docker_get_stats(d, &st);
	assert_int_equal(st.requests, 0);
	fake_release(f);
	assert_true(lookup_until(d, ID_A, &m, 20000) >= 0);
	assert_string_equal(m.name, "web");
	assert_true(fake_count(f, &f->n_answered) >= 2);  /* list, A */
	docker_meta_free_labels(&m);
	docker_free(d);
	fake_stop(f);
}

/*
 * A daemon that never answers within the client's timeout: lookups learn
 * nothing, the timeouts are counted, and docker_free() returns while the
 * fake still holds every request -- it waits for the thread's own
 * timeout, never for the daemon (were it to, it would return only after
 * the hold's 30 s safety limit had made the fake answer).
 */
static void
test_fake_hang(void **state)
{
	struct fake *f = fake_start(FAKE_HOLD);
	struct docker *d = start_docker(f->url, 300, 500);
	struct container_meta m;
	struct docker_stats st;

	(void)state;
	memset(&m, 0, sizeof(m));
	/* For 1.2 s (several timeouts) no lookup learns anything. */
	assert_int_equal(lookup_until(d, ID_A, &m, 1200), -1);
	assert_int_equal(docker_lookup(d, ID_A, &m), 0);
	WAIT_STAT(d, timeouts, 2, 20000);
	fake_wait(f, &f->n_held, 2, 20000, "two requests to be held");
	docker_get_stats(d, &st);
	assert_int_equal(st.up, 0);
	assert_int_equal(st.inspects, 0);
	assert_true(st.errors >= st.timeouts);
	assert_int_equal(st.decode_errors, 0);
	docker_free(d);
	if (fake_count(f, &f->n_answered) != 0)
		fail_msg("docker_free() returned only after the daemon "
		    "answered: it waits for the daemon, not its timeout");
	fake_release(f);
	fake_stop(f);
}

/*
 * No socket at all: lookups learn nothing and the connection errors are
 * counted.  (That lookups never wait for the daemon is checked, as an
 * event, by test_lookup_never_waits: a missing socket fails at once, so
 * there is nothing here a lookup could wait for.)
 */
static void
test_missing_socket(void **state)
{
	struct docker *d = start_docker("unix:///nonexistent/hoist/docker.sock",
	    300, 500);
	struct container_meta m;
	struct docker_stats st;
	char did[DOCKER_ID_MAX + 1];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(docker_lookup(d, ID_A, &m), 0);
	assert_int_equal(docker_find_mesos(d, MESOS_UUID, did, sizeof(did)),
	    0);
	WAIT_STAT(d, connect_errors, 2, 20000);
	assert_int_equal(docker_lookup(d, ID_A, &m), 0);
	docker_get_stats(d, &st);
	assert_int_equal(st.up, 0);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(st.requests, st.errors);
	assert_string_equal(m.name, "");
	docker_free(d);
}

static void
test_new_args(void **state)
{
	static const char *const bad[] = {
		"none", "", "unix://relative.sock", "http://", "ftp://x",
		"/var/run/docker.sock",
	};
	struct docker_options o;
	struct docker_stats st;
	struct container_meta m;
	char err[256], did[8];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_null(docker_new(bad[i], NULL, err, sizeof(err)));
		assert_int_not_equal(err[0], '\0');
	}
	assert_true(docker_url_disabled("none"));
	assert_true(docker_url_disabled(NULL));
	assert_false(docker_url_disabled(DOCKER_URL_DEFAULT));
	docker_options_init(&o);
	assert_int_equal(o.timeout_ms, 3000);
	assert_int_equal(o.connect_timeout_ms, 1000);
	assert_int_equal(o.refresh_ms, 10000);
	o.label_include = "a*b*c,x,,y*";
	assert_null(docker_new("tcp://", &o, err, sizeof(err)));
	/* A NULL docker (disabled) is safe everywhere. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(docker_lookup(NULL, ID_A, &m), 0);
	assert_int_equal(docker_find_mesos(NULL, "x", did, sizeof(did)), 0);
	docker_forget(NULL, ID_A);
	docker_get_stats(NULL, &st);
	assert_int_equal(st.requests, 0);
	docker_free(NULL);
}

/*
 * Against a real dockerd, when tests/integration/docker_meta.sh runs this
 * binary with HOIST_DOCKER_URL and the ids of the containers it started;
 * skipped otherwise.
 */
static void
test_real_daemon(void **state)
{
	const char *url = getenv("HOIST_DOCKER_URL");
	const char *id = getenv("HOIST_DOCKER_ID");
	const char *mesos_uuid = getenv("HOIST_DOCKER_MESOS_UUID");
	const char *mesos_id = getenv("HOIST_DOCKER_MESOS_ID");
	struct container_meta m;
	struct docker_stats st;
	struct docker *d;
	char did[DOCKER_ID_MAX + 1];
	int64_t now;
	int i;

	(void)state;
	/* main() runs this only when docker_meta.sh sets these. */
	assert_non_null(url);
	assert_non_null(id);
	assert_non_null(mesos_uuid);
	assert_non_null(mesos_id);
	d = start_docker(url, 3000, 1000);
	memset(&m, 0, sizeof(m));
	assert_true(lookup_until(d, id, &m, 5000) >= 0);
	print_message("real: name=%s image=%s version=%s app=%s task=%s "
	    "state=%s pid=%d started_ns=%lld labels=%u\n", m.name, m.image,
	    m.version, m.marathon_app_id, m.mesos_task_id, m.state, m.pid,
	    (long long)m.started_ns, m.nlabels);
	assert_string_equal(m.name, "hoist-meta-web");
	assert_string_equal(m.image, "hoist-busybox");
	assert_string_equal(m.version, "test");
	assert_string_equal(m.marathon_app_id, "/shop/web");
	assert_string_equal(m.mesos_task_id, "shop_web.123");
	assert_string_equal(m.state, "running");
	assert_true(m.pid > 1);
	now = now_realtime_ns();
	assert_true(m.started_ns > now - 600 * 1000000000LL);
	assert_true(m.started_ns <= now);
	assert_int_equal(m.nlabels, 1);
	assert_string_equal(label_get(&m, "team"), "shop");

	for (i = 0; i < 500 && !docker_find_mesos(d, mesos_uuid, did,
	    sizeof(did)); i++)
		sleep_ms(10);
	assert_string_equal(did, mesos_id);
	assert_true(lookup_until(d, mesos_id, &m, 5000) >= 0);
	assert_string_equal(m.name, "mesos-" MESOS_UUID);
	assert_string_equal(m.marathon_app_id, "/batch/job");

	docker_get_stats(d, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.inspects, 2);
	assert_int_equal(st.up, 1);
	docker_meta_free_labels(&m);
	docker_free(d);
}

static int
group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init("test_docker", LOGL_WARN);
	return http_global_init();
}

static int
group_teardown(void **state)
{
	(void)state;
	http_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_fixture),
		cmocka_unit_test(test_inspect_404_body),
		cmocka_unit_test(test_inspect_truncated),
		cmocka_unit_test(test_inspect_cases),
		cmocka_unit_test(test_inspect_too_long),
		cmocka_unit_test(test_inspect_huge),
		cmocka_unit_test(test_list_fixtures),
		cmocka_unit_test(test_list_hostile),
		cmocka_unit_test(test_split_image),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_meta_copy),
		cmocka_unit_test(test_new_args),
		cmocka_unit_test(test_missing_socket),
		cmocka_unit_test(test_fake_lookup),
		cmocka_unit_test(test_fake_refresh),
		cmocka_unit_test(test_lookup_never_waits),
		cmocka_unit_test(test_fake_hang),
	};
	/* Run by tests/integration/docker_meta.sh against a real daemon. */
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_daemon),
	};

	if (getenv("HOIST_DOCKER_URL") != NULL)
		return cmocka_run_group_tests(real, group_setup,
		    group_teardown);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
