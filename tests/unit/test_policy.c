/*
 * test_policy.c — the decision engine, table-driven: one row per rule of
 * the engine (thresholds, triggers, HPA ratio, tolerance, stabilization,
 * rate limits, clamps, cooldowns, warmup, health, missing metrics), and
 * sequences of evaluations for flapping input and direction flips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "common/util.h"
#include "scaler/policy.h"

#define NOW 100000

/* Threshold rule, one cycle to confirm, no cooldowns, no warmup. */
#define THR "\"app_id\":\"/shop/web\",\"min_instances\":1," \
	"\"max_instances\":10,\"confirm_cycles\":1,\"cooldown_up_s\":0," \
	"\"cooldown_down_s\":0,\"warmup_s\":0,"
#define THR_CPU "{" THR "\"cpu\":{\"above\":80,\"below\":20}"
#define THR_BOTH "{" THR "\"cpu\":{\"above\":80,\"below\":20}," \
	"\"mem\":{\"above\":80,\"below\":20}"
/* Target rule on CPU 50 %, 1..20 instances. */
#define TGT "{\"app_id\":\"/shop/web\",\"min_instances\":1," \
	"\"max_instances\":20,\"mode\":\"target\",\"cooldown_up_s\":0," \
	"\"cooldown_down_s\":0,\"warmup_s\":0,\"cpu\":{\"target\":50}"

#define NA  -1.0   /* a task that reported no figure */

struct tcase {
	const char *name;
	const char *rule;          /* JSON */
	int         instances, running;
	int         deploying, dry_run;
	int         ntasks;
	double      cpu[6], mem[6];
	int         healthy[6];    /* 0 in the table = healthy (1) */
	int64_t     age[6];        /* seconds since start; 0 = 1000 */
	int         unhealthy_mask;
	/* history */
	int         streak_dir, streak_n;
	int64_t     last_up_ago, last_down_ago;   /* 0 = never */
	int         rec_n;  int64_t rec_ago;      /* one stabilization rec */
	int         ev_delta; int64_t ev_ago;     /* one scale event */
	/* expected */
	enum policy_action action;
	int         desired;
	const char *reason;        /* substring */
};

#define C3(x) { x, x, x }
#define C4(x) { x, x, x, x }

static const struct tcase cases[] = {
	/* threshold: thresholds, exactly at them, and the bounds */
	{ .name = "cpu above -> +step", .rule = THR_CPU "}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90),
	  .action = POLICY_SCALE, .desired = 4, .reason = "scale up" },
	{ .name = "cpu exactly at above -> none", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(80),
	  .action = POLICY_NONE, .desired = 3, .reason = "within" },
	{ .name = "cpu exactly at below -> none", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(20),
	  .action = POLICY_NONE, .desired = 3, .reason = "within" },
	{ .name = "cpu below -> -step", .rule = THR_CPU "}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(10),
	  .action = POLICY_SCALE, .desired = 2, .reason = "scale down" },
	{ .name = "at max stays", .rule = THR_CPU "}", .instances = 10,
	  .running = 10, .ntasks = 3, .cpu = C3(95),
	  .action = POLICY_NONE, .desired = 10,
	  .reason = "already at max_instances 10" },
	{ .name = "at min stays", .rule = THR_CPU "}", .instances = 1,
	  .running = 1, .ntasks = 1, .cpu = { 5 },
	  .action = POLICY_NONE, .desired = 1,
	  .reason = "already at min_instances 1" },
	{ .name = "step clamped to max", .rule = THR_CPU ",\"step\":3}",
	  .instances = 9, .running = 9, .ntasks = 3, .cpu = C3(95),
	  .action = POLICY_SCALE, .desired = 10 },
	{ .name = "below min -> min, without metrics", .rule = THR_CPU "}",
	  .instances = 0, .running = 0, .ntasks = 0,
	  .action = POLICY_SCALE, .desired = 1, .reason = "outside [1, 10]" },
	{ .name = "above max -> max", .rule = THR_CPU "}", .instances = 12,
	  .running = 12, .ntasks = 3, .cpu = C3(50),
	  .action = POLICY_SCALE, .desired = 10 },
	/* gates */
	{ .name = "paused", .rule = THR_CPU ",\"paused\":true}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(90),
	  .action = POLICY_NONE, .desired = 3, .reason = "paused" },
	{ .name = "deployment -> deferred", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .deploying = 1, .ntasks = 3,
	  .cpu = C3(90), .action = POLICY_DEFERRED, .desired = 3,
	  .reason = "deployment" },
	{ .name = "tasks lag -> deferred", .rule = THR_CPU "}",
	  .instances = 3, .running = 2, .ntasks = 2, .cpu = { 90, 90 },
	  .action = POLICY_DEFERRED, .desired = 3,
	  .reason = "waiting for tasks: 2 of 3" },
	{ .name = "rule dry_run", .rule = THR_CPU ",\"dry_run\":true}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(90),
	  .action = POLICY_DRY_RUN, .desired = 4 },
	{ .name = "daemon dry_run", .rule = THR_CPU "}", .instances = 3,
	  .running = 3, .dry_run = 1, .ntasks = 3, .cpu = C3(90),
	  .action = POLICY_DRY_RUN, .desired = 4 },
	{ .name = "no metrics -> none", .rule = THR_CPU "}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(NA),
	  .action = POLICY_NONE, .desired = 3, .reason = "no metrics" },
	/* trigger any / all, both directions */
	{ .name = "any: cpu up, mem mid -> up", .rule = THR_BOTH "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(90),
	  .mem = C3(50), .action = POLICY_SCALE, .desired = 4 },
	{ .name = "any: cpu down, mem mid -> down", .rule = THR_BOTH "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(10),
	  .mem = C3(50), .action = POLICY_SCALE, .desired = 2 },
	{ .name = "any: cpu up, mem down -> up wins", .rule = THR_BOTH "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(90),
	  .mem = C3(10), .action = POLICY_SCALE, .desired = 4 },
	{ .name = "all: cpu up, mem mid -> none",
	  .rule = THR_BOTH ",\"trigger\":\"all\"}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .mem = C3(50),
	  .action = POLICY_NONE, .desired = 3 },
	{ .name = "all: both up -> up",
	  .rule = THR_BOTH ",\"trigger\":\"all\"}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .mem = C3(85),
	  .action = POLICY_SCALE, .desired = 4 },
	{ .name = "all: cpu down, mem mid -> none",
	  .rule = THR_BOTH ",\"trigger\":\"all\"}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(10), .mem = C3(50),
	  .action = POLICY_NONE, .desired = 3 },
	{ .name = "all: both down -> down",
	  .rule = THR_BOTH ",\"trigger\":\"all\"}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(10), .mem = C3(15),
	  .action = POLICY_SCALE, .desired = 2 },
	{ .name = "all: mem unknown -> none",
	  .rule = THR_BOTH ",\"trigger\":\"all\"}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .mem = C3(NA),
	  .action = POLICY_NONE, .desired = 3 },
	/* missing metrics, health, warmup */
	{ .name = "missing never allows scale-down", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = { 5, 5, NA },
	  .action = POLICY_NONE, .desired = 3 },
	{ .name = "missing counts idle for scale-up", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = { 100, 100, NA },
	  .action = POLICY_NONE, .desired = 3 },
	{ .name = "missing idle, still above -> up", .rule = THR_CPU "}",
	  .instances = 6, .running = 6, .ntasks = 6,
	  .cpu = { 100, 100, 100, 100, 100, NA },
	  .action = POLICY_SCALE, .desired = 7 },
	{ .name = "unhealthy task left out", .rule = THR_CPU "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = { 10, 10, 100 },
	  .unhealthy_mask = 4, .action = POLICY_SCALE, .desired = 2 },
	{ .name = "task in warmup left out",
	  .rule = "{" THR "\"cpu\":{\"above\":80,\"below\":20},"
	  "\"warmup_s\":60}" , .instances = 3, .running = 3, .ntasks = 3,
	  .cpu = { 10, 10, 100 }, .age = { 1000, 1000, 59 },
	  .action = POLICY_SCALE, .desired = 2 },
	{ .name = "task exactly warmup_s old counts",
	  .rule = "{" THR "\"cpu\":{\"above\":80,\"below\":20},"
	  "\"warmup_s\":60}" , .instances = 3, .running = 3, .ntasks = 3,
	  .cpu = { 10, 10, 100 }, .age = { 1000, 1000, 60 },
	  .action = POLICY_NONE, .desired = 3 },
	{ .name = "only tasks in warmup -> no metrics",
	  .rule = "{" THR "\"cpu\":{\"above\":80,\"below\":20},"
	  "\"warmup_s\":60}" , .instances = 2, .running = 2, .ntasks = 2,
	  .cpu = { 100, 100 }, .age = { 5, 5 },
	  .action = POLICY_NONE, .desired = 2, .reason = "no metrics" },
	/* confirmation and cooldowns */
	{ .name = "first of 2 confirming cycles",
	  .rule = THR_CPU ",\"confirm_cycles\":2}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90),
	  .action = POLICY_NONE, .desired = 3, .reason = "1 of 2" },
	{ .name = "second confirming cycle acts",
	  .rule = THR_CPU ",\"confirm_cycles\":2}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .streak_dir = 1,
	  .streak_n = 1, .action = POLICY_SCALE, .desired = 4 },
	{ .name = "opposite streak restarts",
	  .rule = THR_CPU ",\"confirm_cycles\":2}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .streak_dir = -1,
	  .streak_n = 5, .action = POLICY_NONE, .desired = 3,
	  .reason = "1 of 2" },
	{ .name = "cooldown up holds",
	  .rule = THR_CPU ",\"cooldown_up_s\":60}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .last_up_ago = 30,
	  .action = POLICY_NONE, .desired = 3,
	  .reason = "scale-up allowed in 30s" },
	{ .name = "cooldown up over",
	  .rule = THR_CPU ",\"cooldown_up_s\":60}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .last_up_ago = 60,
	  .action = POLICY_SCALE, .desired = 4 },
	{ .name = "cooldown down holds after an up",
	  .rule = THR_CPU ",\"cooldown_down_s\":120}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(10), .last_up_ago = 100,
	  .action = POLICY_NONE, .desired = 3,
	  .reason = "scale-down allowed in 20s" },
	{ .name = "down cooldown does not hold an up",
	  .rule = THR_CPU ",\"cooldown_down_s\":120}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(90), .last_down_ago = 10,
	  .action = POLICY_SCALE, .desired = 4 },
	/* target mode */
	{ .name = "target: ratio 2 doubles", .rule = TGT "}", .instances = 4,
	  .running = 4, .ntasks = 4, .cpu = C4(100),
	  .action = POLICY_SCALE, .desired = 8 },
	{ .name = "target: inside tolerance", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4, .cpu = C4(54),
	  .action = POLICY_NONE, .desired = 4, .reason = "tolerance" },
	{ .name = "target: exactly at tolerance edge", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4, .cpu = C4(55),
	  .action = POLICY_NONE, .desired = 4 },
	{ .name = "target: just outside tolerance", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4, .cpu = C4(56),
	  .action = POLICY_SCALE, .desired = 5 },
	{ .name = "target: rate limit +4", .rule = TGT "}", .instances = 2,
	  .running = 2, .ntasks = 2, .cpu = { 250, 250 },
	  .action = POLICY_SCALE, .desired = 6, .reason = "rate limit" },
	{ .name = "target: rate limit +100%", .rule = TGT "}",
	  .instances = 6, .running = 6, .ntasks = 6,
	  .cpu = { 200, 200, 200, 200, 200, 200 },
	  .action = POLICY_SCALE, .desired = 12 },
	{ .name = "target: clamp to max",
	  .rule = TGT ",\"scale_up_max_percent\":500}", .instances = 6,
	  .running = 6, .ntasks = 6, .cpu = { 200, 200, 200, 200, 200, 200 },
	  .action = POLICY_SCALE, .desired = 20 },
	{ .name = "target: down by ratio", .rule = TGT "}", .instances = 4,
	  .running = 4, .ntasks = 4, .cpu = C4(25),
	  .action = POLICY_SCALE, .desired = 2 },
	{ .name = "target: rate limit -50%", .rule = TGT "}",
	  .instances = 8, .running = 8, .ntasks = 4, .cpu = C4(5),
	  .action = POLICY_SCALE, .desired = 4 },
	{ .name = "target: clamp to min", .rule = TGT "}", .instances = 2,
	  .running = 2, .ntasks = 2, .cpu = { 1, 1 },
	  .action = POLICY_SCALE, .desired = 1 },
	{ .name = "target: max over cpu and mem",
	  .rule = TGT ",\"mem\":{\"target\":50}}", .instances = 4,
	  .running = 4, .ntasks = 4, .cpu = C4(50), .mem = C4(75),
	  .action = POLICY_SCALE, .desired = 6 },
	{ .name = "target: missing idle when growing", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4,
	  .cpu = { 100, 100, 100, NA },
	  .action = POLICY_SCALE, .desired = 6 },
	{ .name = "target: missing flips growth away", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4,
	  .cpu = { 60, NA, NA, NA },
	  .action = POLICY_NONE, .desired = 4 },
	{ .name = "target: missing at target when shrinking", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4,
	  .cpu = { 10, 10, 10, NA },
	  .action = POLICY_SCALE, .desired = 2 },
	{ .name = "target: missing holds a small shrink", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4,
	  .cpu = { 40, 40, NA, NA },
	  .action = POLICY_NONE, .desired = 4 },
	{ .name = "target: warmup never turns high into down",
	  .rule = TGT ",\"warmup_s\":60}", .instances = 4, .running = 4,
	  .ntasks = 4, .cpu = C4(60), .age = { 1000, 10, 10, 10 },
	  .action = POLICY_NONE, .desired = 4 },
	{ .name = "target: stabilization holds down", .rule = TGT "}",
	  .instances = 6, .running = 6, .ntasks = 6,
	  .cpu = { 25, 25, 25, 25, 25, 25 }, .rec_n = 6, .rec_ago = 100,
	  .action = POLICY_NONE, .desired = 6, .reason = "stabilization" },
	{ .name = "target: rec outside window ignored", .rule = TGT "}",
	  .instances = 6, .running = 6, .ntasks = 6,
	  .cpu = { 25, 25, 25, 25, 25, 25 }, .rec_n = 6, .rec_ago = 300,
	  .action = POLICY_SCALE, .desired = 3 },
	{ .name = "target: stabilization never holds up", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4, .cpu = C4(100),
	  .rec_n = 2, .rec_ago = 10, .action = POLICY_SCALE, .desired = 8 },
	{ .name = "target: rate limit counts recent events", .rule = TGT "}",
	  .instances = 8, .running = 8, .ntasks = 4, .cpu = C4(200),
	  .ev_delta = 4, .ev_ago = 30, .action = POLICY_NONE, .desired = 8 },
	{ .name = "target: old events leave the period", .rule = TGT "}",
	  .instances = 8, .running = 8, .ntasks = 4, .cpu = C4(200),
	  .ev_delta = 4, .ev_ago = 60, .action = POLICY_SCALE,
	  .desired = 16 },
	/* figures outside [0, POLICY_PCT_MAX] are not measurements: they
	 * count as missing (issue 9: 1e22 from an agent was UB in the
	 * (int)ceil() of the ratio rule) */
	{ .name = "target: cpu 1e22 is no figure", .rule = TGT "}",
	  .instances = 3, .running = 3, .ntasks = 3, .cpu = C3(1e22),
	  .action = POLICY_NONE, .desired = 3, .reason = "no metrics" },
	{ .name = "target: one 1e22 counts as missing", .rule = TGT "}",
	  .instances = 4, .running = 4, .ntasks = 4,
	  .cpu = { 100, 100, 100, 1e22 },
	  .action = POLICY_SCALE, .desired = 6 },
	{ .name = "threshold: 1000.5 % is missing, blocks down",
	  .rule = THR_CPU "}", .instances = 3, .running = 3, .ntasks = 3,
	  .cpu = { 1000.5, 10, 10 }, .action = POLICY_NONE, .desired = 3,
	  .reason = "within" },
	{ .name = "threshold: exactly 1000 % is a figure",
	  .rule = THR_CPU "}", .instances = 3, .running = 3, .ntasks = 3,
	  .cpu = { 1000, 10, 10 }, .action = POLICY_SCALE, .desired = 4 },
	{ .name = "target: tiny target saturates, then rate limit",
	  .rule = TGT ",\"cpu\":{\"target\":1e-300}}", .instances = 3,
	  .running = 3, .ntasks = 3, .cpu = C3(1000),
	  .action = POLICY_SCALE, .desired = 7, .reason = "rate limit" },
};

/*
 * Rules in the tables are a base plus overrides: a key given twice takes
 * its last value (the decoder itself rejects duplicates, so the merge is
 * done here).
 */
static void
load_rule(const char *json, struct rule *r)
{
	struct rules_error e;
	cJSON *in = cJSON_Parse(json), *merged, *it;

	assert_non_null(in);
	merged = cJSON_CreateObject();
	cJSON_ArrayForEach(it, in) {
		cJSON_DeleteItemFromObjectCaseSensitive(merged, it->string);
		cJSON_AddItemToObject(merged, it->string,
		    cJSON_Duplicate(it, 1));
	}
	cJSON_Delete(in);
	if (rules_from_cjson(merged, NULL, r, &e) != 0) {
		print_error("rule %s: %s (%s)\n", json, e.error, e.field);
		cJSON_Delete(merged);
		fail();
	}
	cJSON_Delete(merged);
}

static int
run_case(const struct tcase *c)
{
	struct rule r;
	struct policy_task tasks[6];
	struct policy_input in;
	struct policy_history h;
	struct policy_decision d;
	int i;

	load_rule(c->rule, &r);
	memset(tasks, 0, sizeof(tasks));
	for (i = 0; i < c->ntasks; i++) {
		tasks[i].started_s = NOW - (c->age[i] ? c->age[i] : 1000);
		tasks[i].healthy = (c->unhealthy_mask >> i) & 1 ? 0 : 1;
		tasks[i].has_cpu = c->cpu[i] >= 0;
		tasks[i].cpu = c->cpu[i];
		tasks[i].has_mem = c->mem[i] > 0;
		tasks[i].mem = c->mem[i];
	}
	memset(&in, 0, sizeof(in));
	in.instances = c->instances;
	in.running = c->running;
	in.deploying = c->deploying;
	in.dry_run = c->dry_run;
	in.tasks = tasks;
	in.ntasks = (size_t)c->ntasks;
	memset(&h, 0, sizeof(h));
	h.streak_dir = c->streak_dir;
	h.streak_n = c->streak_n;
	if (c->last_up_ago)
		h.last_up_s = NOW - c->last_up_ago;
	if (c->last_down_ago)
		h.last_down_s = NOW - c->last_down_ago;
	if (c->rec_n) {
		h.recs[0].t = NOW - c->rec_ago;
		h.recs[0].n = c->rec_n;
		h.nrecs = 1;
	}
	if (c->ev_delta) {
		h.events[0].t = NOW - c->ev_ago;
		h.events[0].delta = c->ev_delta;
		h.nevents = 1;
	}
	policy_evaluate(&r, &in, &h, NOW, &d);
	if (d.action != c->action || d.desired != c->desired ||
	    (c->reason && strstr(d.reason, c->reason) == NULL)) {
		print_error("case '%s': got %s %d -> %d (%s), want %s %d%s%s\n",
		    c->name, policy_action_str(d.action), d.current,
		    d.desired, d.reason, policy_action_str(c->action),
		    c->desired, c->reason ? " with " : "",
		    c->reason ? c->reason : "");
		return 1;
	}
	assert_int_equal(d.current, c->instances);
	assert_int_equal(d.time_s, NOW);
	assert_string_equal(d.app_id, "/shop/web");
	assert_int_equal(d.tasks_total, c->ntasks);
	return 0;
}

static void
test_cases(void **state)
{
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++)
		failed += run_case(&cases[i]);
	assert_int_equal(failed, 0);
}

static void
test_decision_inputs(void **state)
{
	struct rule r;
	struct policy_task t[3] = {
		{ .started_s = 1, .healthy = -1, .has_cpu = 1, .cpu = 30,
		  .has_mem = 1, .mem = 40 },
		{ .started_s = 1, .healthy = 1, .has_cpu = 1, .cpu = 60 },
		{ .started_s = 1, .healthy = 1 },
	};
	struct policy_input in = { .instances = 3, .running = 3, .tasks = t,
	    .ntasks = 3 };
	struct policy_history h;
	struct policy_decision d;

	(void)state;
	load_rule(THR_BOTH "}", &r);
	memset(&h, 0, sizeof(h));
	policy_evaluate(&r, &in, &h, NOW, &d);
	assert_true(d.has_cpu);
	assert_true(d.cpu > 44.99);
	assert_true(d.cpu < 45.01);
	assert_true(d.has_mem);
	assert_true(d.mem > 39.99);
	assert_true(d.mem < 40.01);
	assert_int_equal(d.tasks_with_metrics, 2);
	assert_int_equal(d.tasks_total, 3);
}

/* One step of a sequence: the CPU every task shows, and what to expect.
 * A scale is applied (instances = desired) and recorded. */
struct step {
	int64_t            t;
	double             cpu;
	enum policy_action action;
	int                desired;
};

static void
run_sequence(const char *rule, int instances, const struct step *s,
    size_t n)
{
	struct rule r;
	struct policy_task tasks[32];
	struct policy_input in;
	struct policy_history h;
	struct policy_decision d;
	size_t i;
	int k;

	load_rule(rule, &r);
	memset(&h, 0, sizeof(h));
	for (i = 0; i < n; i++) {
		memset(tasks, 0, sizeof(tasks));
		for (k = 0; k < instances && k < 32; k++) {
			tasks[k].started_s = 1;
			tasks[k].healthy = 1;
			tasks[k].has_cpu = 1;
			tasks[k].cpu = s[i].cpu;
		}
		memset(&in, 0, sizeof(in));
		in.instances = in.running = instances;
		in.tasks = tasks;
		in.ntasks = (size_t)(instances < 32 ? instances : 32);
		policy_evaluate(&r, &in, &h, s[i].t, &d);
		if (d.action != s[i].action || d.desired != s[i].desired) {
			print_error("step %zu (t=%lld cpu=%g): got %s %d (%s), "
			    "want %s %d\n", i, (long long)s[i].t, s[i].cpu,
			    policy_action_str(d.action), d.desired, d.reason,
			    policy_action_str(s[i].action), s[i].desired);
			fail();
		}
		if (d.action == POLICY_SCALE) {
			policy_record_scale(&h, s[i].t, instances, d.desired);
			instances = d.desired;
		}
	}
}

static void
test_flapping_threshold(void **state)
{
	static const struct step s[] = {
		{ 10, 90, POLICY_NONE, 3 }, { 20, 10, POLICY_NONE, 3 },
		{ 30, 90, POLICY_NONE, 3 }, { 40, 10, POLICY_NONE, 3 },
		{ 50, 90, POLICY_NONE, 3 }, { 60, 50, POLICY_NONE, 3 },
		{ 70, 90, POLICY_NONE, 3 }, { 80, 90, POLICY_SCALE, 4 },
		/* after acting the streak starts again */
		{ 90, 90, POLICY_NONE, 4 }, { 100, 90, POLICY_SCALE, 5 },
	};

	(void)state;
	run_sequence(THR_CPU ",\"confirm_cycles\":2}", 3, s, ARRAY_LEN(s));
}

static void
test_flip_inside_window(void **state)
{
	static const struct step s[] = {
		{ 1000, 50, POLICY_NONE, 6 },     /* at target */
		{ 1060, 100, POLICY_SCALE, 12 },  /* up at once */
		{ 1120, 20, POLICY_NONE, 12 },    /* held: 12 in window */
		{ 1350, 20, POLICY_NONE, 12 },    /* 12@1060 still inside */
		{ 1361, 20, POLICY_SCALE, 6 },    /* 5s in window, -50% */
		{ 1370, 20, POLICY_NONE, 6 },     /* rate: 6 removed < 60 s */
		{ 1380, 100, POLICY_SCALE, 12 },  /* flip up: not held */
	};

	(void)state;
	run_sequence(TGT "}", 6, s, ARRAY_LEN(s));
}

static void
test_flapping_target(void **state)
{
	/* Alternating high and low load: up at once, never down while a
	 * high recommendation sits in the window. */
	static const struct step s[] = {
		{ 100, 100, POLICY_SCALE, 8 }, { 160, 10, POLICY_NONE, 8 },
		{ 220, 100, POLICY_SCALE, 16 }, { 280, 10, POLICY_NONE, 16 },
		{ 340, 40, POLICY_NONE, 16 }, { 400, 10, POLICY_NONE, 16 },
	};

	(void)state;
	run_sequence(TGT "}", 4, s, ARRAY_LEN(s));
}

static void
test_history_ring(void **state)
{
	struct rule r;
	struct policy_task t = { .started_s = 1, .healthy = 1, .has_cpu = 1,
	    .cpu = 25 };
	struct policy_input in = { .instances = 2, .running = 2, .tasks = &t,
	    .ntasks = 1 };
	struct policy_history h;
	struct policy_decision d;
	int i;

	(void)state;
	load_rule(TGT ",\"stabilization_s\":3600}", &r);
	memset(&h, 0, sizeof(h));
	h.recs[0].t = 10;
	h.recs[0].n = 9;
	h.nrecs = 1;
	/* Overflow the ring: the early 9 must survive folding. */
	for (i = 0; i < POLICY_REC_MAX * 2; i++)
		policy_evaluate(&r, &in, &h, 20 + i, &d);
	assert_int_equal(h.nrecs, POLICY_REC_MAX);
	assert_int_equal(d.action, POLICY_NONE);
	assert_int_equal(d.desired, 2);
	assert_int_equal(h.recs[0].n, 9);
	for (i = 0; i < POLICY_EVENTS_MAX + 3; i++)
		policy_record_scale(&h, 100 + i, 2, 3);
	assert_int_equal(h.nevents, POLICY_EVENTS_MAX);
	assert_int_equal(h.events[POLICY_EVENTS_MAX - 1].t,
	    100 + POLICY_EVENTS_MAX + 2);
	assert_int_equal(h.last_up_s, 100 + POLICY_EVENTS_MAX + 2);
	policy_record_scale(&h, 500, 3, 1);
	assert_int_equal(h.last_down_s, 500);
	assert_int_equal(h.events[POLICY_EVENTS_MAX - 1].delta, -2);
}

static void
test_action_strings(void **state)
{
	enum policy_action a;

	(void)state;
	assert_string_equal(policy_action_str(POLICY_NONE), "none");
	assert_string_equal(policy_action_str(POLICY_SCALE), "scale");
	assert_string_equal(policy_action_str(POLICY_DEFERRED), "deferred");
	assert_string_equal(policy_action_str(POLICY_DRY_RUN), "dry_run");
	assert_string_equal(policy_action_str(POLICY_ERROR), "error");
	assert_int_equal(policy_action_parse("deferred", &a), 0);
	assert_int_equal(a, POLICY_DEFERRED);
	assert_int_equal(policy_action_parse("bogus", &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_decision_inputs),
		cmocka_unit_test(test_flapping_threshold),
		cmocka_unit_test(test_flip_inside_window),
		cmocka_unit_test(test_flapping_target),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_action_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
