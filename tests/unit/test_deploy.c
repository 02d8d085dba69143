/*
 * test_deploy.c — the pure parts of hoist-deploy: image references, names,
 * definition checking and rendering, stripping a stored definition, the
 * progress judgement, the config file, and the X-Registry-Auth value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/util.h"
#include "deploy/deploy.h"
#include "tests/lib/fixture.h"

static void
test_image_parse(void **state)
{
	static const struct {
		const char *ref, *repo, *tag, *registry;   /* repo NULL: error */
	} cases[] = {
		{ "shop/web", "shop/web", "latest", "docker.io" },
		{ "shop/web:1.4", "shop/web", "1.4", "docker.io" },
		{ "busybox", "busybox", "latest", "docker.io" },
		{ "127.0.0.1:5000/hoist/app", "127.0.0.1:5000/hoist/app", "latest",
		  "127.0.0.1:5000" },
		{ "127.0.0.1:5000/hoist/app:rc-1_2", "127.0.0.1:5000/hoist/app",
		  "rc-1_2", "127.0.0.1:5000" },
		{ "registry.example.com/team/app:2", "registry.example.com/team/app",
		  "2", "registry.example.com" },
		{ "localhost/app:v1", "localhost/app", "v1", "localhost" },
		{ "", NULL, NULL, NULL },
		{ ":tag", NULL, NULL, NULL },
		{ "app@sha256:abcd", NULL, NULL, NULL },
		{ "Shop/web", NULL, NULL, NULL },
		{ "shop/web:", NULL, NULL, NULL },
		{ "shop/web:-x", NULL, NULL, NULL },
		{ "shop//web", NULL, NULL, NULL },
		{ "shop/web/", NULL, NULL, NULL },
		{ "shop/we b", NULL, NULL, NULL },
		{ "shop:1/web", "shop:1/web", "latest", "shop:1" },
		{ "shop/we:b/c", NULL, NULL, NULL },   /* ':' only in the host */
	};
	struct deploy_image img;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = deploy_image_parse(cases[i].ref, &img, err, sizeof(err));
		if (cases[i].repo == NULL) {
			if (rc != -1)
				fail_msg("'%s' accepted", cases[i].ref);
			assert_int_not_equal(err[0], '\0');
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", cases[i].ref, err);
		assert_string_equal(img.repo, cases[i].repo);
		assert_string_equal(img.tag, cases[i].tag);
		assert_string_equal(img.registry, cases[i].registry);
	}
}

static void
test_names(void **state)
{
	char tag[200];

	(void)state;
	assert_true(deploy_tag_valid("1.4.2"));
	assert_true(deploy_tag_valid("Release_2024-01"));
	assert_true(deploy_tag_valid("_x"));
	assert_false(deploy_tag_valid(""));
	assert_false(deploy_tag_valid(".x"));
	assert_false(deploy_tag_valid("-x"));
	assert_false(deploy_tag_valid("a/b"));
	assert_false(deploy_tag_valid("a:b"));
	assert_false(deploy_tag_valid(NULL));
	memset(tag, 'a', 128);
	tag[128] = '\0';
	assert_true(deploy_tag_valid(tag));
	tag[128] = 'a';
	tag[129] = '\0';
	assert_false(deploy_tag_valid(tag));

	assert_true(deploy_name_valid("prod"));
	assert_true(deploy_name_valid("dc-1_a"));
	/* What a Jenkins parameter carries: AA, BB, qa, yz, prod, ... */
	assert_true(deploy_name_valid("Prod"));
	assert_true(deploy_name_valid("AA"));
	assert_true(deploy_name_valid("eu-west.1"));
	assert_true(deploy_name_valid("_x"));
	assert_false(deploy_name_valid(".x"));
	assert_false(deploy_name_valid("../x"));
	assert_false(deploy_name_valid("a b"));
	assert_false(deploy_name_valid("a\xc3\xa9"));
	assert_false(deploy_name_valid("a/b"));
	assert_false(deploy_name_valid("-a"));
	assert_false(deploy_name_valid(""));
}

static void
test_render_ok(void **state)
{
	const char *text = "{\"id\": \"shop/web\", \"instances\": 0, \"cmd\": "
	    "\"x\", \"container\": {\"type\": \"DOCKER\", \"docker\": {\"image\": "
	    "\"placeholder\", \"network\": \"BRIDGE\"}}, \"labels\": {\"a\": \"b\"}}";
	char app_id[MARATHON_ID_MAX], err[512], *out = NULL;
	cJSON *j;

	(void)state;
	assert_int_equal(deploy_render("qa-deploy.json", text, strlen(text),
	    "reg:5000/shop/web:1.0", &out, app_id, err, sizeof(err)), 0);
	assert_string_equal(app_id, "/shop/web");
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "container"), "docker"), "image")->valuestring,
	    "reg:5000/shop/web:1.0");
	/* Everything else is passed through as written. */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "container"), "docker"), "network")->valuestring,
	    "BRIDGE");
	assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "shop/web");
	assert_int_equal(cJSON_GetObjectItem(j, "instances")->valueint, 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "labels"),
	    "a")->valuestring, "b");
	cJSON_Delete(j);
	free(out);
}

static void
test_render_errors(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "", "f.json: line 1, column 1: not valid JSON" },
		{ "{\"id\": \"/a\",\n \"instances\": 1,,\n}", "f.json: line 2, column" },
		{ "{\"id\": \"/a\"} trailing", "not valid JSON" },
		{ "[]", "f.json: /: must be a JSON object" },
		{ "\"x\"", "f.json: /: must be a JSON object" },
		{ "{\"instances\": 1}", "f.json: /id: missing" },
		{ "{\"id\": null}", "f.json: /id: missing" },
		{ "{\"id\": 7}", "f.json: /id: must be a string" },
		{ "{\"id\": \"/Shop\"}", "f.json: /id: app id '/Shop': segment 'Shop'" },
		{ "{\"id\": \"/a//b\"}", "f.json: /id: app id '/a//b' has an empty segment" },
		{ "{\"id\": \"/a/../b\"}", "f.json: /id: app id '/a/../b': relative" },
		{ "{\"id\": \"/a\", \"instances\": -1}",
		  "f.json: /instances: must be an integer >= 0, got -1" },
		{ "{\"id\": \"/a\", \"instances\": 1.5}",
		  "f.json: /instances: must be an integer >= 0, got 1.5" },
		{ "{\"id\": \"/a\", \"instances\": \"2\"}",
		  "f.json: /instances: must be an integer >= 0, got \"2\"" },
		{ "{\"id\": \"/a\", \"instances\": 1}", "f.json: /container: missing" },
		{ "{\"id\": \"/a\", \"container\": []}", "f.json: /container: must be an object" },
		{ "{\"id\": \"/a\", \"container\": {}}", "f.json: /container/docker: missing" },
		{ "{\"id\": \"/a\", \"container\": {\"docker\": {}}}",
		  "f.json: /container/docker/image: missing" },
		{ "{\"id\": \"/a\", \"container\": {\"docker\": {\"image\": 1}}}",
		  "f.json: /container/docker/image: must be a string" },
	};
	char app_id[MARATHON_ID_MAX], err[512], *out;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		out = (char *)1;
		err[0] = '\0';
		if (deploy_render("f.json", cases[i].text, strlen(cases[i].text),
		    "img:1", &out, app_id, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		assert_null(out);
		assert_string_equal(app_id, "");
	}
	/* A NUL inside the file. */
	assert_int_equal(deploy_render("f.json", "{\"id\":\"/a\"}\0x", 13, "i:1",
	    &out, app_id, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
}

static void
test_strip(void **state)
{
	char *text, *app, *out = NULL;
	cJSON *root, *j;

	(void)state;
	text = fixture_read("marathon/v2_app_get_with_tasks.json", NULL);
	root = cJSON_Parse(text);
	app = cJSON_PrintUnformatted(cJSON_GetObjectItem(root, "app"));
	assert_int_equal(deploy_strip_definition(app, strlen(app), &out), 0);
	j = cJSON_Parse(out);
	assert_null(cJSON_GetObjectItem(j, "tasks"));
	assert_null(cJSON_GetObjectItem(j, "version"));
	assert_null(cJSON_GetObjectItem(j, "versionInfo"));
	assert_null(cJSON_GetObjectItem(j, "deployments"));
	assert_null(cJSON_GetObjectItem(j, "tasksRunning"));
	assert_null(cJSON_GetObjectItem(j, "lastTaskFailure"));
	assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "/toggle");
	assert_string_equal(cJSON_GetObjectItem(j, "cmd")->valuestring,
	    "python toggle.py $PORT0");
	assert_int_equal(cJSON_GetObjectItem(j, "instances")->valueint, 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j,
	    "healthChecks")), 2);
	cJSON_Delete(j);
	free(out);
	free(app);
	cJSON_Delete(root);
	free(text);
	assert_int_equal(deploy_strip_definition("[1]", 3, &out), -1);
	assert_null(out);
	assert_int_equal(deploy_strip_definition("{", 1, &out), -1);
}

/* --- deploy_judge ------------------------------------------------------ */

#define V_OLD "2024-01-01T00:00:00.000Z"
#define V_NEW "2024-02-01T00:00:00.000Z"
#define V_SCALE "2024-03-01T00:00:00.000Z"

struct judge_case {
	const char *name;
	int listed, n_deployments, has_hc;
	long instances;
	int n_tasks;
	const char *task_version;   /* all tasks */
	const char *state;
	enum marathon_health health;
	enum deploy_progress want;
};

static void
test_judge(void **state)
{
	static const struct judge_case cases[] = {
		{ "done", 0, 0, 1, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_DONE },
		{ "still listed", 1, 1, 1, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "another deployment", 0, 1, 1, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "too few tasks", 0, 0, 1, 3, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "too many tasks", 0, 0, 1, 1, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "old version", 0, 0, 1, 2, 2, V_OLD, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "launched after a scale", 0, 0, 1, 2, 2, V_SCALE, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_DONE },
		{ "staging", 0, 0, 1, 2, 2, V_NEW, "TASK_STAGING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_WAITING },
		{ "failing health", 0, 0, 1, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_FAILING, DEPLOY_WAITING },
		{ "no results yet", 0, 0, 1, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_NONE, DEPLOY_WAITING },
		{ "no health checks", 0, 0, 0, 2, 2, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_NONE, DEPLOY_DONE },
		{ "scaled to zero", 0, 0, 1, 0, 0, V_NEW, "TASK_RUNNING",
		  MARATHON_HEALTH_ALIVE, DEPLOY_DONE },
	};
	struct marathon_task tasks[4];
	struct marathon_app app;
	struct deploy_judgement j;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct judge_case *c = &cases[i];

		memset(&app, 0, sizeof(app));
		memset(tasks, 0, sizeof(tasks));
		str_copy_trunc(app.id, "/a", sizeof(app.id));
		str_copy_trunc(app.config_version, V_NEW,
		    sizeof(app.config_version));
		app.instances = c->instances;
		app.has_health_checks = c->has_hc;
		app.n_deployments = c->n_deployments;
		for (k = 0; k < c->n_tasks; k++) {
			snprintf(tasks[k].id, sizeof(tasks[k].id), "a.%d", k);
			str_copy_trunc(tasks[k].version, c->task_version,
			    sizeof(tasks[k].version));
			str_copy_trunc(tasks[k].state, c->state,
			    sizeof(tasks[k].state));
			tasks[k].health = c->health;
		}
		app.tasks = tasks;
		app.n_tasks = (size_t)c->n_tasks;
		deploy_judge(c->listed, &app, &j);
		if (j.progress != c->want)
			fail_msg("%s: progress %d, want %d (%s)", c->name,
			    (int)j.progress, (int)c->want, j.line);
		assert_int_equal(j.want, c->instances);
	}
	/* The line counts what it sees. */
	memset(&app, 0, sizeof(app));
	memset(tasks, 0, sizeof(tasks));
	str_copy_trunc(app.config_version, V_NEW, sizeof(app.config_version));
	app.instances = 2;
	app.has_health_checks = 1;
	str_copy_trunc(tasks[0].version, V_NEW, sizeof(tasks[0].version));
	str_copy_trunc(tasks[0].state, "TASK_RUNNING", sizeof(tasks[0].state));
	tasks[0].health = MARATHON_HEALTH_ALIVE;
	str_copy_trunc(tasks[1].version, V_OLD, sizeof(tasks[1].version));
	str_copy_trunc(tasks[1].state, "TASK_RUNNING", sizeof(tasks[1].state));
	tasks[1].health = MARATHON_HEALTH_ALIVE;
	app.tasks = tasks;
	app.n_tasks = 2;
	deploy_judge(1, &app, &j);
	assert_string_equal(j.line, "deployment in progress; tasks: 1/2 on the "
	    "new version, 2 running, 2 healthy");
	assert_int_equal(j.on_version, 1);
}

/* --- config ------------------------------------------------------------ */

static const char GOOD_CONF[] =
	"# hoist-deploy\n"
	"confirm = prod, preprod\n"
	"default_dc = dc1\n"
	"deploy_dir = \"deploy dir # not a comment\"\n"
	"docker = /run/docker.sock   # trailing comment\n"
	"\n"
	"[dc1 qa]\n"
	"marathon = http://m.qa.dc1:8080\n"
	"user = deployer\n"
	"password_file = /etc/hoist/qa.pw\n"
	"[dc1 prod]\n"
	"  marathon = https://m.prod.dc1:8443\n"
	"token_file = /etc/hoist/prod.token\n"
	"ca_file = /etc/hoist/ca.pem\n"
	"[dc2 prod]\n"
	"marathon = https://m.prod.dc2:8443\n"
	"[AA prod]  # as the deploy-only job names it\n"
	"marathon = https://m.prod.aa:8443\n";

static void
test_conf_good(void **state)
{
	struct deploy_conf *c = calloc(1, sizeof(*c));
	const struct deploy_target *t;
	char err[512];

	(void)state;
	assert_int_equal(deploy_conf_parse("d.conf", GOOD_CONF, c, err,
	    sizeof(err)), 0);
	assert_string_equal(c->confirm, "prod, preprod");
	assert_string_equal(c->default_dc, "dc1");
	assert_string_equal(c->deploy_dir, "deploy dir # not a comment");
	assert_string_equal(c->docker, "/run/docker.sock");
	assert_int_equal(c->n_targets, 4);
	t = deploy_conf_find(c, NULL, "qa", err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t->marathon, "http://m.qa.dc1:8080");
	assert_string_equal(t->user, "deployer");
	assert_string_equal(t->password_file, "/etc/hoist/qa.pw");
	t = deploy_conf_find(c, NULL, "prod", err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t->dc, "dc1");         /* default_dc */
	assert_string_equal(t->token_file, "/etc/hoist/prod.token");
	t = deploy_conf_find(c, "dc2", "prod", err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t->marathon, "https://m.prod.dc2:8443");
	assert_null(deploy_conf_find(c, "dc2", "qa", err, sizeof(err)));
	assert_non_null(strstr(err, "[dc2 qa]"));
	/* Names match exactly: AA is not aa. */
	t = deploy_conf_find(c, "AA", "prod", err, sizeof(err));
	assert_non_null(t);
	assert_string_equal(t->marathon, "https://m.prod.aa:8443");
	assert_null(deploy_conf_find(c, "aa", "prod", err, sizeof(err)));
	assert_null(deploy_conf_find(c, "AA", "PROD", err, sizeof(err)));
	assert_true(deploy_conf_needs_confirm(c, "prod"));
	assert_true(deploy_conf_needs_confirm(c, "preprod"));
	assert_false(deploy_conf_needs_confirm(c, "qa"));
	assert_false(deploy_conf_needs_confirm(c, "Prod"));
	assert_false(deploy_conf_needs_confirm(c, "pro"));
	/* Without default_dc, an env in three dcs is ambiguous. */
	c->default_dc[0] = '\0';
	assert_null(deploy_conf_find(c, NULL, "prod", err, sizeof(err)));
	assert_non_null(strstr(err, "--dc"));
	assert_non_null(deploy_conf_find(c, NULL, "qa", err, sizeof(err)));
	/* Default confirmation list: prod only. */
	assert_int_equal(deploy_conf_parse("e.conf", "", c, err, sizeof(err)), 0);
	assert_true(deploy_conf_needs_confirm(c, "prod"));
	assert_false(deploy_conf_needs_confirm(c, "preprod"));
	/* An empty list: nothing needs a confirmation. */
	assert_int_equal(deploy_conf_parse("e.conf", "confirm =\n", c, err,
	    sizeof(err)), 0);
	assert_false(deploy_conf_needs_confirm(c, "prod"));
	free(c);
}

static void
test_conf_errors(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "foo = 1\n", "c.conf:1: unknown key 'foo' (before any section)" },
		{ "\n[dc1 qa]\nmarathon = x\nconfirm = prod\n",
		  "c.conf:4: unknown key 'confirm' (in a section)" },
		{ "[dc1]\n", "c.conf:1: a section is \"[DC ENV]\"" },
		{ "[dc1 qa extra]\n", "c.conf:1: a section" },
		{ "[dc/1 qa]\n", "c.conf:1: a section" },
		{ "[.dc1 qa]\n", "c.conf:1: a section" },
		{ "[dc1 qa\n", "c.conf:1: a section header" },
		{ "[dc1 qa] x\n", "c.conf:1: text after the section header" },
		{ "[dc1 qa]\nmarathon = x\n[dc1 qa]\n", "c.conf:3: section [dc1 qa] repeated" },
		{ "[dc1 qa]\nuser = u\n", "no marathon URL" },
		{ "[dc1 qa]\nmarathon = x\nuser = u\n", "user and password_file go together" },
		{ "[dc1 qa]\nmarathon = x\nuser = u\npassword_file = p\ntoken_file = t\n",
		  "not both" },
		{ "default_dc = a/b\n", "c.conf: bad value for default_dc" },
		{ "confirm = prod ../x\n", "c.conf: bad value for confirm" },
		{ "docker = \"unterminated\n", "c.conf:1: unterminated quoted value" },
		{ "timeout = 0\n", "c.conf:1: bad value '0' for timeout" },
		{ "retag = maybe\n", "c.conf:1: bad value 'maybe' for retag" },
		{ "just words\n", "c.conf:1: expected 'key = value'" },
	};
	struct deploy_conf *c = calloc(1, sizeof(*c));
	char err[512], *big;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		err[0] = '\0';
		if (deploy_conf_parse("c.conf", cases[i].text, c, err,
		    sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
	big = malloc(5000);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	assert_int_equal(deploy_conf_parse("c.conf", big, c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "c.conf:1: line too long"));
	free(big);
	assert_int_equal(deploy_conf_load("/nonexistent/d.conf", c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/d.conf"));
	free(c);
}

/* --- X-Registry-Auth ------------------------------------------------------ */

/* Decode base64url for the check (padding allowed). */
static char *
unb64url(const char *s)
{
	static const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = calloc(1, strlen(s) + 1);
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;

	for (; *s != '\0' && *s != '='; s++) {
		const char *p = strchr(a, *s);
		assert_non_null(p);
		acc = (acc << 6) | (unsigned)(p - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return out;
}

static void
test_registry_auth(void **state)
{
	/* "hoist:p@ss:w?rd" in standard base64. */
	const char *conf = "{\"auths\": {\"https://127.0.0.1:5000/v2/\": "
	    "{\"auth\": \"aG9pc3Q6cEBzczp3P3Jk\"}, \"https://index.docker.io/v1/\": "
	    "{\"username\": \"hub\", \"password\": \"hubpw\"}}}";
	char *out = NULL, *plain, err[256];
	cJSON *j;

	(void)state;
	assert_int_equal(deploy_docker_registry_auth(conf, "127.0.0.1:5000",
	    &out, err, sizeof(err)), 0);
	assert_null(strchr(out, '+'));
	assert_null(strchr(out, '/'));
	plain = unb64url(out);
	j = cJSON_Parse(plain);
	assert_string_equal(cJSON_GetObjectItem(j, "username")->valuestring,
	    "hoist");
	assert_string_equal(cJSON_GetObjectItem(j, "password")->valuestring,
	    "p@ss:w?rd");
	assert_string_equal(cJSON_GetObjectItem(j, "serveraddress")->valuestring,
	    "127.0.0.1:5000");
	cJSON_Delete(j);
	free(plain);
	free(out);

	assert_int_equal(deploy_docker_registry_auth(conf, "docker.io", &out,
	    err, sizeof(err)), 0);
	plain = unb64url(out);
	assert_string_equal(plain, "{\"username\":\"hub\",\"password\":\"hubpw\","
	    "\"serveraddress\":\"docker.io\"}");
	free(plain);
	free(out);

	/* No entry, or no file: an empty auth object. */
	assert_int_equal(deploy_docker_registry_auth(conf, "other:1", &out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "e30=");
	free(out);
	assert_int_equal(deploy_docker_registry_auth(NULL, "x", &out, err,
	    sizeof(err)), 0);
	assert_string_equal(out, "e30=");
	free(out);

	assert_int_equal(deploy_docker_registry_auth("{\"auths\": {\"r:1\": "
	    "{\"auth\": \"bm9jb2xvbg==\"}}}", "r:1", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "user:password"));
	assert_int_equal(deploy_docker_registry_auth("{\"auths\": {\"r:1\": "
	    "{\"auth\": \"!!!\"}}}", "r:1", &out, err, sizeof(err)), -1);
	assert_int_equal(deploy_docker_registry_auth("[", "r:1", &out, err,
	    sizeof(err)), -1);
}

static void
test_exit_strings(void **state)
{
	(void)state;
	assert_string_equal(deploy_exit_str(DEPLOY_OK), "deployed");
	assert_string_equal(deploy_exit_str(DEPLOY_E_TIMEOUT), "timeout");
	assert_string_equal(deploy_exit_str(DEPLOY_E_ROLLED_BACK), "rolled back");
	assert_string_equal(deploy_exit_str(DEPLOY_E_IMAGE), "image error");
	assert_string_equal(deploy_exit_str((enum deploy_exit)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_render_ok),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_conf_good),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_registry_auth),
		cmocka_unit_test(test_exit_strings),
	};

	return cmocka_run_group_tests_name("deploy", tests, NULL, NULL);
}
