/*
 * test_store.c — store.h: app ids as node names (canonical only), the
 * rule and state node codecs; and the state and REST API over a fake
 * backend whose writes block until the test releases them: a POST is
 * answered only once its write is done, while /healthz and GETs answer
 * at once; a conflict is a 409 and an unavailable store a 503, both
 * rolled back; a watch event from another writer reaches the readers,
 * unless a write of that node is in flight (the write decides);
 * the round's flush waits for a recorded scale, not for the
 * stabilization window's bookkeeping (written in the background); with
 * the store out of reach every read (list, status, one rule, a 404) is
 * marked "stale".
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "common/http.h"
#include "common/util.h"
#include "scaler/rest.h"
#include "scaler/store.h"

/* ---- the pure half ---- */

static void
test_names(void **state)
{
	static const struct { const char *id, *name; } ok[] = {
		{ "/a", "a" },
		{ "/shop/web", "shop%2Fweb" },
		{ "/shop/web-1.v2", "shop%2Fweb-1.v2" },
		{ "/x/y/z", "x%2Fy%2Fz" },
	};
	static const char *const bad[] = {
		"", "A", "shop/web", "shop%2fweb", "x%", "x%2", "%2Fa",
		"a%2F", "a%2F%2Fb", "a%00b", "a%41", "a..", ".", "..",
		"a%2F..%2Fb", "a%20b", "%61",
	};
	char name[STORE_NAME_MAX], id[RULES_APP_ID_MAX], why[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(ok); i++) {
		assert_int_equal(store_encode_id(ok[i].id, name, sizeof(name)),
		    0);
		assert_string_equal(name, ok[i].name);
		assert_int_equal(store_decode_id(name, strlen(name), id,
		    sizeof(id), why, sizeof(why)), 0);
		assert_string_equal(id, ok[i].id);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (store_decode_id(bad[i], strlen(bad[i]), id, sizeof(id),
		    why, sizeof(why)) == 0) {
			print_error("'%s' decoded as '%s'\n", bad[i], id);
			fail();
		}
	assert_int_equal(store_encode_id("/shop/web", name, 8), -1);
}

static void
test_codecs(void **state)
{
	struct policy_history h, got;
	struct rules_error re;
	struct rule r, r2;
	char why[256], *text;
	const char *j = "{\"app_id\":\"/shop/web\",\"min_instances\":1,"
	    "\"max_instances\":5,\"cpu\":{\"above\":70,\"below\":10}}";
	size_t len;

	(void)state;
	assert_int_equal(rules_from_json(j, strlen(j), NULL, &r, &re), 0);
	text = store_encode_rule(&r, &len);
	assert_non_null(text);
	assert_int_equal(store_decode_rule(text, len, &r2, why, sizeof(why)),
	    0);
	assert_int_equal(r2.max_instances, 5);
	free(text);
	memset(&h, 0, sizeof(h));
	h.last_up_s = 1700000000;
	h.streak_dir = 1;
	h.streak_n = 2;
	h.recs[0].t = 1700000010;
	h.recs[0].n = 4;
	h.nrecs = 1;
	h.events[0].t = 1700000020;
	h.events[0].delta = -2;
	h.nevents = 1;
	text = store_encode_state("/shop/web", &h, &len);
	assert_non_null(text);
	assert_int_equal(store_decode_state(text, len, "/shop/web", &got,
	    why, sizeof(why)), 0);
	assert_int_equal(got.last_up_s, 1700000000);
	assert_int_equal(got.recs[0].n, 4);
	assert_int_equal(got.events[0].delta, -2);
	/* A state node names its app: another app's node is refused. */
	assert_int_equal(store_decode_state(text, len, "/shop/api", &got,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, ".app_id"));
	free(text);
	assert_int_equal(store_decode_state("{\"app_id\":\"/a\",\"recs\":"
	    "[[1,2,3]]}", 30, "/a", &got, why, sizeof(why)), -1);
	assert_int_equal(store_decode_state("[", 1, "/a", &got, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "invalid JSON"));
}

/* ---- a fake backend ---- */

struct fake {
	pthread_mutex_t       mu;
	pthread_cond_t        cv;
	int                   hold;      /* apply waits while set */
	int                   in_apply;  /* apply is waiting */
	enum store_result     next;      /* result of the next put */
	unsigned              applied;   /* writes applied */
	struct store_listener l;
	const char           *other;     /* what refresh reads, or NULL */
	unsigned              refreshed;
};

static struct fake fk = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	0, 0, STORE_OK, 0, { NULL, NULL, NULL, NULL }, NULL, 0 };

static void *
fake_open(const char *spec, const struct store_listener *l, char *err,
    size_t errlen)
{
	(void)spec;
	(void)err;
	(void)errlen;
	fk.l = *l;
	return &fk;
}

static int
fake_load_all(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	return 0;
}

static void
fake_apply(void *ctx, struct store_write *w, size_t n)
{
	size_t i;

	(void)ctx;
	pthread_mutex_lock(&fk.mu);
	fk.in_apply = 1;
	pthread_cond_broadcast(&fk.cv);
	while (fk.hold)
		pthread_cond_wait(&fk.cv, &fk.mu);
	fk.in_apply = 0;
	for (i = 0; i < n; i++) {
		w[i].result = w[i].data != NULL ? fk.next : STORE_OK;
		w[i].new_version = w[i].version + 1;
		snprintf(w[i].err, sizeof(w[i].err), "fake:/rules/%s: %s",
		    w[i].app_id, store_strerror(w[i].result));
		fk.applied++;
	}
	pthread_mutex_unlock(&fk.mu);
}

static void
fake_close(void *ctx)
{
	(void)ctx;
}

/* The node as another writer left it (version 7). */
static void
fake_refresh(void *ctx, enum store_kind k, const char *app_id)
{
	struct store_node n;

	(void)ctx;
	fk.refreshed++;
	memset(&n, 0, sizeof(n));
	n.kind = k;
	n.app_id = app_id;
	n.where = "fake:/rules/x";
	n.data = fk.other;
	n.len = fk.other != NULL ? strlen(fk.other) : 0;
	n.version = 7;
	fk.l.node(fk.l.arg, &n);
}

static const struct store_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.load_all = fake_load_all,
	.apply = fake_apply,
	.close = fake_close,
	.refresh = fake_refresh,
	.lazy_s = 60,
};

struct fx {
	struct state       *st;
	struct decisions   *dec;
	struct scaler_stats stats;
	struct rest        *api;
	char                base[64];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct rest_config cfg;
	char err[512];

	if (f == NULL)
		return -1;
	fk.hold = 0;
	fk.next = STORE_OK;
	fk.applied = 0;
	fk.other = NULL;
	fk.refreshed = 0;
	f->st = state_open_store(&fake_ops, "fake", err, sizeof(err));
	f->dec = decisions_new(8);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = "127.0.0.1:0";
	cfg.state = f->st;
	cfg.decisions = f->dec;
	cfg.stats = &f->stats;
	f->api = rest_start(&cfg, err, sizeof(err));
	if (f->st == NULL || f->dec == NULL || f->api == NULL)
		return -1;
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d",
	    rest_port(f->api));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	rest_stop(f->api);
	decisions_free(f->dec);
	state_close(f->st);
	free(f);
	return 0;
}

/* One request on its own connection; the status, 0 on failure.  json
 * not NULL: the body parsed into it (the caller's; NULL if not JSON). */
static long
req_json(const struct fx *f, const char *method, const char *path,
    const char *body, cJSON **json)
{
	struct http_client *c = http_client_new();
	struct http_request rq;
	struct http_response resp;
	char url[256];
	long status = 0;

	memset(&rq, 0, sizeof(rq));
	snprintf(url, sizeof(url), "%s%s", f->base, path);
	rq.method = method;
	rq.url = url;
	rq.body = body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	rq.timeout_ms = 5000;
	http_response_init(&resp);
	if (json != NULL)
		*json = NULL;
	if (http_do(c, &rq, &resp) == HTTP_OK) {
		status = resp.status;
		if (json != NULL && resp.body.data != NULL)
			*json = cJSON_Parse(resp.body.data);
	}
	http_response_free(&resp);
	http_client_free(c);
	return status;
}

static long
req(const struct fx *f, const char *method, const char *path,
    const char *body)
{
	return req_json(f, method, path, body, NULL);
}

#define RULE(id) "{\"app_id\":\"" id "\",\"min_instances\":1," \
	"\"max_instances\":5,\"cpu\":{\"above\":80,\"below\":20}}"

struct post {
	const struct fx *f;
	const char      *body;
	long             status;
	int              done;     /* under fk.mu */
};

static void *
post_main(void *arg)
{
	struct post *p = arg;
	long s = req(p->f, "POST", "/v1/rules", p->body);

	pthread_mutex_lock(&fk.mu);
	p->status = s;
	p->done = 1;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.mu);
	return NULL;
}

/* POST in a thread while the store holds the write. */
static void
start_post(struct post *p, pthread_t *t)
{
	pthread_mutex_lock(&fk.mu);
	fk.hold = 1;
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(pthread_create(t, NULL, post_main, p), 0);
	pthread_mutex_lock(&fk.mu);
	while (!fk.in_apply)
		pthread_cond_wait(&fk.cv, &fk.mu);
	pthread_mutex_unlock(&fk.mu);
}

static long
release_post(struct post *p, pthread_t t)
{
	pthread_mutex_lock(&fk.mu);
	fk.hold = 0;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.mu);
	pthread_join(t, NULL);
	return p->status;
}

static void
test_durable_before_reply(void **state)
{
	struct fx *f = *state;
	struct post p = { f, RULE("/shop/web"), 0, 0 };
	pthread_t t;
	int done;

	start_post(&p, &t);
	/* The write is held: the server still answers everything else,
	 * the change is visible, and the POST has no answer yet. */
	assert_int_equal(req(f, "GET", "/healthz", NULL), 200);
	assert_int_equal(req(f, "GET", "/v1/rules/shop/web", NULL), 200);
	assert_int_equal(req(f, "GET", "/metrics", NULL), 200);
	pthread_mutex_lock(&fk.mu);
	done = p.done;
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(done, 0);
	assert_int_equal(release_post(&p, t), 201);
	assert_int_equal(fk.applied, 1);
}

static void
test_failures_roll_back(void **state)
{
	struct fx *f = *state;
	struct post p = { f, RULE("/shop/web"), 0, 0 };
	struct state_stats ss;
	pthread_t t;

	fk.next = STORE_E_CONFLICT;
	start_post(&p, &t);
	assert_int_equal(release_post(&p, t), 409);
	assert_int_equal(req(f, "GET", "/v1/rules/shop/web", NULL), 404);
	assert_int_equal(fk.refreshed, 1);
	/* The other writer's rule, read back after the conflict, is what
	 * the copy then serves. */
	fk.other = RULE("/shop/web");
	assert_int_equal(req(f, "POST", "/v1/rules", RULE("/shop/web")), 409);
	assert_int_equal(req(f, "GET", "/v1/rules/shop/web", NULL), 200);
	assert_int_equal(req(f, "DELETE", "/v1/rules/shop/web", NULL), 204);
	fk.other = NULL;
	fk.next = STORE_E_UNAVAILABLE;
	assert_int_equal(req(f, "POST", "/v1/rules", RULE("/shop/web")), 503);
	assert_int_equal(req(f, "GET", "/v1/rules/shop/web", NULL), 404);
	fk.next = STORE_OK;
	assert_int_equal(req(f, "POST", "/v1/rules", RULE("/shop/web")), 201);
	/* A failed replace keeps the rule as it was. */
	fk.next = STORE_E_IO;
	assert_int_equal(req(f, "PUT", "/v1/rules/shop/web",
	    "{\"min_instances\":2,\"max_instances\":9,\"cpu\":{\"above\":80,"
	    "\"below\":20}}"), 500);
	assert_int_equal(req(f, "GET", "/v1/rules/shop/web", NULL), 200);
	state_get_stats(f->st, &ss);
	assert_int_equal(ss.write_errors, 4);
	assert_int_equal(ss.pending, 0);
	fk.next = STORE_OK;
}

static void
test_watch_event(void **state)
{
	struct fx *f = *state;
	struct store_node n;
	const char *j = RULE("/other/app");
	struct state_stats ss;

	/* Another instance wrote a rule (version 3), then a bad one. */
	memset(&n, 0, sizeof(n));
	n.kind = STORE_RULE;
	n.app_id = "/other/app";
	n.where = "fake:/rules/other%2Fapp";
	n.data = j;
	n.len = strlen(j);
	n.version = 3;
	fk.l.node(fk.l.arg, &n);
	assert_int_equal(req(f, "GET", "/v1/rules/other/app", NULL), 200);
	n.data = "{";
	n.len = 1;
	n.version = 4;
	fk.l.node(fk.l.arg, &n);
	state_get_stats(f->st, &ss);
	assert_int_equal(ss.bad_nodes, 1);
	/* A delete by the other writer removes it here too. */
	n.data = NULL;
	n.version = 4;
	fk.l.node(fk.l.arg, &n);
	assert_int_equal(req(f, "GET", "/v1/rules/other/app", NULL), 404);
	fk.l.health(fk.l.arg, STORE_HEALTH_STALE);
	state_get_stats(f->st, &ss);
	assert_int_equal(ss.stale, 1);
}

/* A GET of path: its status, and its body parsed (taken by the caller). */
static long
get_json(const struct fx *f, const char *path, cJSON **body)
{
	long status = req_json(f, "GET", path, NULL, body);

	assert_non_null(*body);
	return status;
}

/* The "stale" member of GET path: 1 true, 0 absent (anything else
 * fails), and the status. */
static int
stale_of(const struct fx *f, const char *path, long status)
{
	cJSON *o, *s;
	int ret;

	assert_int_equal(get_json(f, path, &o), status);
	s = cJSON_GetObjectItemCaseSensitive(o, "stale");
	assert_true(s == NULL || cJSON_IsTrue(s));
	ret = s != NULL;
	if (status == 200 && strncmp(path, "/v1/rules/", 10) == 0)
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
		    "app_id")->valuestring, path + 9);
	if (status == 404)
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(o,
		    "error")->valuestring, "no rule for /nope");
	cJSON_Delete(o);
	return ret;
}

/* With the store out of reach, every read of the rules says "stale":
 * the list, the status and one rule (found or not); none once back. */
static void
test_stale_reads(void **state)
{
	struct fx *f = *state;
	static const char *const paths[] = { "/v1/rules", "/v1/status",
		"/v1/rules/other/app", "/v1/rules/nope" };
	const char *j = RULE("/other/app");
	struct store_node n = { .kind = STORE_RULE, .app_id = "/other/app",
	    .where = "fake:/rules/other%2Fapp", .data = j, .len = strlen(j),
	    .version = 3 };
	size_t i;

	fk.l.node(fk.l.arg, &n);    /* another instance wrote it */
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_int_equal(stale_of(f, paths[i], i < 3 ? 200 : 404), 0);
	fk.l.health(fk.l.arg, STORE_HEALTH_STALE);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_int_equal(stale_of(f, paths[i], i < 3 ? 200 : 404), 1);
	fk.l.health(fk.l.arg, STORE_HEALTH_OK);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_int_equal(stale_of(f, paths[i], i < 3 ? 200 : 404), 0);
}

/* A watch event for a node with our write in flight is ignored: the
 * write decides (an older event must not undo a newer change). */
static void
test_watch_during_write(void **state)
{
	struct fx *f = *state;
	struct post p = { f, RULE("/shop/web"), 0, 0 };
	struct store_node n;
	const char *old = "{\"app_id\":\"/shop/web\",\"min_instances\":1,"
	    "\"max_instances\":9,\"cpu\":{\"above\":80,\"below\":20}}";
	struct rule r;
	pthread_t t;

	start_post(&p, &t);
	memset(&n, 0, sizeof(n));
	n.kind = STORE_RULE;
	n.app_id = "/shop/web";
	n.where = "fake:/rules/shop%2Fweb";
	n.data = old;
	n.len = strlen(old);
	n.version = 5;
	fk.l.node(fk.l.arg, &n);
	assert_int_equal(release_post(&p, t), 201);
	assert_int_equal(state_get(f->st, "/shop/web", &r, NULL), STATE_OK);
	assert_int_equal(r.max_instances, 5);
	/* With nothing in flight, a newer version is taken. */
	n.version = 6;
	fk.l.node(fk.l.arg, &n);
	assert_int_equal(state_get(f->st, "/shop/web", &r, NULL), STATE_OK);
	assert_int_equal(r.max_instances, 9);
}

static void
test_flush_tiers(void **state)
{
	struct fx *f = *state;
	struct policy_history h;
	struct rules_error re;
	struct rule r;
	char err[256];
	const char *j = RULE("/shop/web");
	unsigned before;
	int created;

	assert_int_equal(rules_from_json(j, strlen(j), NULL, &r, &re), 0);
	assert_int_equal(state_put(f->st, &r, 1, &created, err, sizeof(err)),
	    STATE_OK);
	/* Only the window moved: the flush does not wait for the store
	 * (its write is held), the write happens in the background. */
	memset(&h, 0, sizeof(h));
	h.recs[0].t = 1700000000;
	h.recs[0].n = 3;
	h.nrecs = 1;
	pthread_mutex_lock(&fk.mu);
	fk.hold = 1;
	pthread_mutex_unlock(&fk.mu);
	assert_int_equal(state_set_history(f->st, "/shop/web", &h), STATE_OK);
	assert_int_equal(state_flush(f->st, err, sizeof(err)), STATE_OK);
	pthread_mutex_lock(&fk.mu);
	while (!fk.in_apply)
		pthread_cond_wait(&fk.cv, &fk.mu);
	before = fk.applied;
	fk.hold = 0;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.mu);
	/* A scale recorded: the flush returns once it is written. */
	h.last_up_s = 1700000000;
	assert_int_equal(state_set_history(f->st, "/shop/web", &h), STATE_OK);
	assert_int_equal(state_flush(f->st, err, sizeof(err)), STATE_OK);
	pthread_mutex_lock(&fk.mu);
	assert_int_equal(fk.applied, before + 2);
	pthread_mutex_unlock(&fk.mu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_codecs),
		cmocka_unit_test_setup_teardown(test_durable_before_reply,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_roll_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_watch_during_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_reads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flush_tiers, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
