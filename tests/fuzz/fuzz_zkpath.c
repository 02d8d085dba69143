/*
 * fuzz_zkpath.c — libFuzzer harness for scaler/zkpath: the `zookeeper`
 * URL from a config file or the command line, and the names of the
 * election nodes read back from ZooKeeper (anyone with write access to
 * PATH/leader/ may have put them there).
 *
 * Input: the bytes as a URL and as an election node name.  Checked: an
 * accepted URL's hosts and root are parts of it and the root starts with
 * '/' and has no "//"; an election name that parses has a token with one
 * '~' whose id part is a valid instance id.  (App ids as node names are
 * store.h's, fuzzed with the state codecs.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scaler/zkpath.h"
#include "tests/fuzz/fuzzlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
url(const char *s)
{
	struct zkpath_url u;
	char err[256];

	if (zkpath_parse_url(s, &u, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (u.nhosts < 1 || u.nhosts > ZKPATH_HOSTS_MAX ||
	    strncmp(s + 5, u.hosts, strlen(u.hosts)) != 0 ||
	    strcmp(s + 5 + strlen(u.hosts), u.root) != 0 ||
	    u.root[0] != '/' || strstr(u.root, "//") != NULL)
		abort();
}

static void
names(const char *s)
{
	char tok[ZKPATH_TOKEN_MAX], iid[ZKPATH_ID_MAX];
	int64_t seq;

	if (zkpath_election_parse(s, &seq, tok, sizeof(tok)) == 0) {
		if (seq < 0 || seq > 9999999999LL ||
		    zkpath_token_id(tok, iid, sizeof(iid)) != 0 ||
		    !zkpath_valid_id(iid))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);

	if (text == NULL)
		return 0;
	url(text);
	names(text);
	free(text);
	return 0;
}
