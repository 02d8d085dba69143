/*
 * zkpath.h — the ZooKeeper names hoist-scaler uses, pure: the
 * `zookeeper` URL (Marathon's form) and the names of election nodes.
 *
 * URL (outside input: config file or command line):
 *
 *     zk://HOST:PORT[,HOST:PORT...]/PATH
 *
 * HOST is a DNS name or IPv4 address ([a-zA-Z0-9.-], at most 253 bytes)
 * or an IPv6 address in brackets ("[::1]"); PORT 1 to 65535 (required);
 * at most ZKPATH_HOSTS_MAX hosts.  PATH is one or more '/'-separated
 * segments of [a-zA-Z0-9._-], none "." or "..", no empty segment, no
 * trailing '/', at most ZKPATH_ROOT_MAX - 1 bytes.  No user:password@
 * (credentials go in zookeeper_auth_file), no query or fragment.
 * Errors name what is wrong ("host 2: port 0 is outside 1 to 65535").
 *
 * App ids as node names are store.h's (store_encode_id).
 */
#ifndef HOIST_ZKPATH_H
#define HOIST_ZKPATH_H

#include <stddef.h>
#include <stdint.h>

#define ZKPATH_HOSTS_MAX  16
#define ZKPATH_HOST_MAX   254     /* a DNS name, NUL included */
#define ZKPATH_HOSTS_LEN  4096    /* "h:p,h:p" for zookeeper_init() */
#define ZKPATH_ROOT_MAX   512     /* "/hoist/prod", NUL included */

struct zkpath_url {
	char   hosts[ZKPATH_HOSTS_LEN];   /* "127.0.0.1:2181,[::1]:2182" */
	size_t nhosts;
	char   root[ZKPATH_ROOT_MAX];     /* "/hoist" */
};

/* zkpath.c */
/* Parse a zk:// URL; 0, or -1 with err saying what is wrong. */
int  zkpath_parse_url(const char *url, struct zkpath_url *out, char *err,
	size_t errlen);
/*
 * An election node's name is "n_" TOKEN "_" and the 10 digits
 * ZooKeeper appends (a sequential node): "n_web-1~3f2a9c01_0000000042".
 * TOKEN is the instance id, '~', and a random number drawn at start-up
 * (1 to 16 lowercase hex digits),
 * so an instance finds its own node after a lost connection (its
 * create may have gone through) and a restarted instance never takes
 * its predecessor's node for its own.  Instance ids are
 * [a-zA-Z0-9._:-], 1 to ZKPATH_ID_MAX - 1 bytes.
 *
 * Parse one: 0 with *seq and the token (out, NUL-terminated), or -1.
 */
#define ZKPATH_ID_MAX     128
#define ZKPATH_TOKEN_MAX  (ZKPATH_ID_MAX + 20)
int  zkpath_election_parse(const char *name, int64_t *seq, char *token,
	size_t tokenlen);
/* The instance id of a token ("web-1~3f2a9c01" -> "web-1"); 0 or -1. */
int  zkpath_token_id(const char *token, char *id, size_t idlen);
/* Is id a valid instance id?  1 or 0. */
int  zkpath_valid_id(const char *id);

#endif
