/*
 * test_zkpath.c — scaler/zkpath: the zookeeper URL (every error names
 * what is wrong) and election node names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "scaler/zkpath.h"

static void
test_url_good(void **state)
{
	static const struct {
		const char *url, *hosts, *root;
		size_t      n;
	} cases[] = {
		{ "zk://127.0.0.1:2181/hoist", "127.0.0.1:2181", "/hoist", 1 },
		{ "zk://a:1,b.example.com:2182,[::1]:65535/mesos/hoist",
		  "a:1,b.example.com:2182,[::1]:65535", "/mesos/hoist", 3 },
		{ "zk://zk-1.prod:2181/a_b/c.d/E-F", "zk-1.prod:2181",
		  "/a_b/c.d/E-F", 1 },
	};
	struct zkpath_url u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("case %zu: %s\n", i, cases[i].url);
		assert_int_equal(zkpath_parse_url(cases[i].url, &u, err,
		    sizeof(err)), 0);
		assert_string_equal(u.hosts, cases[i].hosts);
		assert_string_equal(u.root, cases[i].root);
		assert_int_equal(u.nhosts, cases[i].n);
	}
}

static void
test_url_bad(void **state)
{
	static const struct { const char *url, *want; } cases[] = {
		{ "", "must start with zk://" },
		{ "http://a:1/x", "must start with zk://" },
		{ "zk://a:1", "a node path after the hosts is required" },
		{ "zk://a:1/", "a node path after the hosts is required" },
		{ "zk://a/x", "host 1: a port is required" },
		{ "zk://a:/x", "host 1: empty port" },
		{ "zk://a:0/x", "host 1: port is outside 1 to 65535" },
		{ "zk://a:65536/x", "host 1: port is outside 1 to 65535" },
		{ "zk://a:99999999999999999999/x", "port is outside" },
		{ "zk://a:1x/x", "host 1: the port must be a number" },
		{ "zk://a:1,,b:2/x", "host 2: empty" },
		{ "zk://a:1,/x", "host 2: empty" },
		{ "zk://:1/x", "host 1: empty host name" },
		{ "zk://a b:1/x", "host 1: ' ' is not allowed" },
		{ "zk://[::1/x", "host 1: '[' without" },
		{ "zk://[]:1/x", "host 1: '[' without" },
		{ "zk://[::g]:1/x", "host 1: not an IPv6 address" },
		{ "zk://[::1]/x", "host 1: a port is required" },
		{ "zk://u:p@a:1/x", "zookeeper_auth_file" },
		{ "zk://a:1/x?y=1", "no query or fragment" },
		{ "zk://a:1/x#y", "no query or fragment" },
		{ "zk://a:1/x/", "must not end with '/'" },
		{ "zk://a:1/x//y", "empty segment" },
		{ "zk://a:1/x/../y", "'.' and '..'" },
		{ "zk://a:1/.", "'.' and '..'" },
		{ "zk://a:1/x y", "' ' is not allowed" },
		{ "zk://a:1/x\ny", "'?' is not allowed" },
	};
	struct zkpath_url u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		print_message("case %zu: %s\n", i, cases[i].url);
		err[0] = '\0';
		assert_int_equal(zkpath_parse_url(cases[i].url, &u, err,
		    sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' does not say '%s'", i, err,
			    cases[i].want);
	}
}

static void
test_url_limits(void **state)
{
	char url[8192], err[256];
	struct zkpath_url u;
	size_t i, o;

	(void)state;
	/* 16 hosts fit, 17 do not */
	o = (size_t)snprintf(url, sizeof(url), "zk://");
	for (i = 0; i < 17; i++)
		o += (size_t)snprintf(url + o, sizeof(url) - o, "%sh%zu:1",
		    i ? "," : "", i);
	snprintf(url + o, sizeof(url) - o, "/x");
	assert_int_equal(zkpath_parse_url(url, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 16 hosts"));
	/* a host name of 254 bytes */
	memset(url, 0, sizeof(url));
	memcpy(url, "zk://", 5);
	memset(url + 5, 'a', 254);
	memcpy(url + 259, ":1/x", 4);
	assert_int_equal(zkpath_parse_url(url, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 253"));
	/* a path of 512 bytes */
	memset(url, 0, sizeof(url));
	memcpy(url, "zk://a:1/", 9);
	memset(url + 9, 'p', 511);
	assert_int_equal(zkpath_parse_url(url, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "path: longer than 511"));
	url[9 + 510] = '\0';
	assert_int_equal(zkpath_parse_url(url, &u, err, sizeof(err)), 0);
}

static void
test_election_names(void **state)
{
	char tok[ZKPATH_TOKEN_MAX], id[ZKPATH_ID_MAX];
	int64_t seq = -1;

	(void)state;
	assert_int_equal(zkpath_election_parse("n_web-1~3f2a9c01_0000000042",
	    &seq, tok, sizeof(tok)), 0);
	assert_int_equal(seq, 42);
	assert_string_equal(tok, "web-1~3f2a9c01");
	assert_int_equal(zkpath_token_id(tok, id, sizeof(id)), 0);
	assert_string_equal(id, "web-1");
	assert_int_equal(zkpath_election_parse("n_h:9110~ab_2147483648",
	    &seq, tok, sizeof(tok)), 0);
	assert_int_equal(seq, 2147483648LL);
	assert_int_equal(zkpath_election_parse("n_a~b_000000004", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("x_a~b_0000000042", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_ab_0000000042", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_~b_0000000042", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_a~_0000000042", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_a~b~c_0000000042", &seq,
	    tok, sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_a~b_00000000x2", &seq, tok,
	    sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse("n_a b~c_0000000042", &seq,
	    tok, sizeof(tok)), -1);
	/* the random part: lowercase hex, 1 to 16 digits */
	assert_int_equal(zkpath_election_parse("n_a~xyz_0000000042", &seq,
	    tok, sizeof(tok)), -1);
	assert_int_equal(zkpath_election_parse(
	    "n_a~0123456789abcdef0_0000000042", &seq, tok, sizeof(tok)), -1);
	/* an id of 128 bytes (found by fuzz_zkpath) */
	{
		char name[200];

		memcpy(name, "n_", 2);
		memset(name + 2, 'i', 128);
		memcpy(name + 130, "~b_0000000042", 14);
		assert_int_equal(zkpath_election_parse(name, &seq, tok,
		    sizeof(tok)), -1);
		name[129] = '~';
		memcpy(name + 130, "b_0000000042", 13);
		assert_int_equal(zkpath_election_parse(name, &seq, tok,
		    sizeof(tok)), 0);
	}
	assert_int_equal(zkpath_valid_id("web-1.prod:9110"), 1);
	assert_int_equal(zkpath_valid_id(""), 0);
	assert_int_equal(zkpath_valid_id("a~b"), 0);
	assert_int_equal(zkpath_valid_id("a/b"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_url_limits),
		cmocka_unit_test(test_election_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
