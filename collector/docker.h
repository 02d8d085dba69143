/*
 * docker.h — container metadata from the Docker Engine API (names, images,
 * tags, labels, Marathon app id, Mesos task id, state, pid, start time).
 *
 * Two layers:
 *
 *  - docker_decode.c: pure functions that turn the JSON of
 *    GET /containers/{id}/json (inspect) and GET /containers/json?all=1
 *    (list) into plain structs, and the small helpers behind them (image
 *    reference split, RFC 3339 time, label include patterns).  No I/O, no
 *    clock, no globals: tested with tables of cases.
 *
 *  - docker.c: a cache of container_meta by Docker id, filled by a
 *    background thread that owns the only Docker API client
 *    (common/docker_api.c, shared with hoist-deploy).  The sweep calls
 *    docker_lookup() and docker_find_mesos(), which never wait on Docker:
 *    they copy out what is cached under one mutex (held for a copy, never
 *    for I/O) and queue unknown ids for the thread.  Each container is
 *    inspected once; it is inspected again only when the periodic list
 *    shows that its state changed (it stopped or restarted), or after
 *    retry_ms when an inspection failed.  The per-container stats endpoint
 *    is never used.
 *
 * Every function that takes a struct docker accepts NULL (Docker disabled):
 * lookups then return 0 and the sweep keeps the cgroup ids as names.
 *
 * The API is used without a version prefix, so the daemon answers in its
 * own current version; only fields that exist from API 1.24 to today are
 * read (Id, Name, Names, State, Config.Image, Config.Labels, Config.Env,
 * State.Status, State.Pid, State.StartedAt).  A versioned prefix such as
 * /v1.41 would break on Docker 29, which refuses API versions below 1.44.
 */
#ifndef HOIST_DOCKER_H
#define HOIST_DOCKER_H

#include <stddef.h>
#include <stdint.h>

#include "collector/container.h"

#define DOCKER_URL_DEFAULT          "unix:///var/run/docker.sock"
#define DOCKER_TIMEOUT_MS_DEFAULT   3000   /* one whole request */
#define DOCKER_CONNECT_MS_DEFAULT   1000
#define DOCKER_REFRESH_MS_DEFAULT   10000  /* container list period */
#define DOCKER_RETRY_MS_DEFAULT     60000  /* after a 404 or a bad reply */

#define DOCKER_CACHE_MAX            4096   /* containers remembered */
#define DOCKER_LIST_MAX             8192   /* entries read from one list */
#define DOCKER_LIST_BODY_MAX        (16u << 20)
#define DOCKER_INSPECT_BODY_MAX     (4u << 20)
#define DOCKER_LABEL_PATTERNS_MAX   32
#define DOCKER_LABEL_KEY_MAX        256    /* longer keys are skipped */
#define DOCKER_LABEL_VALUE_MAX      1024   /* longer values are cut */
#define DOCKER_ID_MAX               64     /* hex digits in a full id */

/* Append-only; every value has a string in docker_strerror(). */
enum docker_result {
	DOCKER_OK = 0,
	DOCKER_E_JSON,      /* not JSON, or truncated */
	DOCKER_E_SHAPE,     /* JSON, but not the expected shape (types, Id) */
	DOCKER_E_NOMEM,
	DOCKER_E_ARG,       /* bad argument (URL, pattern list) */
	DOCKER_E_TOO_LONG,  /* a name, image or id longer than its field */
};

/* Label include patterns: exact keys, or a prefix when ending in '*'
 * ("com.example.*"; a lone "*" takes every label). */
struct docker_labels {
	uint32_t n;
	char     pat[DOCKER_LABEL_PATTERNS_MAX][DOCKER_LABEL_KEY_MAX];
};

/* One entry of GET /containers/json. */
struct docker_list_entry {
	char id[DOCKER_ID_MAX + 1];
	char name[CONTAINER_NAME_MAX];   /* without the leading '/' */
	char state[32];                  /* "running", "exited", ... or "" */
};

/*
 * Settings; docker_options_init() fills the defaults.  The collector maps
 * its config keys onto them: docker_timeout_ms -> timeout_ms,
 * docker_refresh_s -> refresh_ms (times 1000), label_include ->
 * label_include.
 */
struct docker_options {
	long        timeout_ms;          /* one whole request */
	long        connect_timeout_ms;
	long        refresh_ms;          /* list period */
	long        retry_ms;            /* wait before re-asking after a 404 or
	                                    a bad reply */
	const char *label_include;       /* comma-separated patterns, or NULL;
	                                    borrowed, copied by docker_new() */
};

/* Counters, ever (since docker_new). */
struct docker_stats {
	uint64_t requests;       /* HTTP requests sent */
	uint64_t errors;         /* every failed request or reply, all kinds */
	uint64_t timeouts;       /* of which: no reply in time */
	uint64_t connect_errors; /* of which: socket missing, refused */
	uint64_t decode_errors;  /* of which: a reply that did not decode */
	uint64_t http_errors;    /* of which: an unexpected HTTP status */
	uint64_t not_found;      /* inspections answered 404 (not counted as
	                            errors: a cgroup that is not Docker's) */
	uint64_t inspects;       /* inspections that succeeded */
	uint64_t lists;          /* list refreshes that succeeded */
	uint64_t cached;         /* containers in the cache now */
	int      up;             /* the last request got a reply */
};

/* docker_decode.c */
const char *docker_strerror(enum docker_result r);
/*
 * Decode the body of GET /containers/{id}/json into *meta.  Sets name,
 * image, version, marathon_app_id, mesos_task_id, state, pid, started_ns,
 * labels (those matching `inc`; inc NULL = none) and runtime =
 * RUNTIME_DOCKER; meta->id gets the Id.  `meta` is cleared on entry, so it
 * must not hold labels (free them first); on success its labels are owned
 * by the caller (docker_meta_free_labels).  On error *meta is cleared.
 * Rules: name is .Name without its '/'; image/version from Config.Image
 * (docker_split_image); MARATHON_APP_ID and MESOS_TASK_ID from
 * Config.Labels, else from Config.Env ("KEY=value"); state from
 * State.Status; pid from State.Pid; started_ns from State.StartedAt.
 * Missing or null fields stay empty; an Id that is not 1..64 hex digits
 * is DOCKER_E_SHAPE.  A name, image, version, MARATHON_APP_ID or
 * MESOS_TASK_ID longer than its field is DOCKER_E_TOO_LONG (a cut one
 * would name something else); a state too long is left empty.
 */
enum docker_result docker_decode_inspect(const char *json, size_t len,
	const struct docker_labels *inc, struct container_meta *meta);
/*
 * Decode the body of GET /containers/json into a malloc'ed array (caller
 * frees *out with free()) of at most `max` entries.  Entries without a
 * valid Id are skipped and counted in *skipped (may be NULL).  The name is
 * the first of Names without another '/' (link aliases have one), else
 * Names[0], without the leading '/'.  A name or state longer than its
 * field is left empty (never cut).
 */
enum docker_result docker_decode_list(const char *json, size_t len,
	size_t max, struct docker_list_entry **out, size_t *n, size_t *skipped);
/*
 * Split an image reference into image and version:
 *   "repo/name:tag" -> "repo/name", "tag";  "name" -> "name", "latest";
 *   "host:5000/name" -> "host:5000/name", "latest" (a port is no tag);
 *   "name@sha256:ab.." -> "name", "sha256:ab..";
 *   "name:tag@sha256:ab.." -> "name", "tag" (the tag reads better);
 *   "sha256:ab.." (run by image id) -> "sha256:ab..", "unknown";
 *   "" -> "", "unknown".
 * Returns 0, or -1 when the image or the version does not fit its
 * buffer: both are then cut (never overrun) and must not be used.
 */
int  docker_split_image(const char *ref, char *image, size_t imagelen,
	char *version, size_t versionlen);
/* Parse "a,b*, c" into patterns (blanks around items dropped, empty items
 * skipped).  NULL or "" gives none.  Error when there are too many
 * patterns or one is too long. */
enum docker_result docker_labels_parse(const char *csv,
	struct docker_labels *out, char *err, size_t errlen);
/* 1 when `key` matches one of the patterns. */
int  docker_labels_match(const struct docker_labels *inc, const char *key);
/* 1 when `id` is 1..64 lowercase hex digits (a Docker id or prefix). */
int  docker_id_valid(const char *id);
/* Free the label strings a meta owns and set nlabels to 0. */
void docker_meta_free_labels(struct container_meta *meta);
/* Deep-copy the Docker-known fields of src into dst (name, image,
 * version, marathon_app_id, mesos_task_id, state, pid, started_ns,
 * labels).  dst's own labels are freed first; dst->id and dst->runtime are
 * kept.  Returns 0, or -1 when a label could not be copied (dst then has
 * the labels copied so far). */
int  docker_meta_copy(struct container_meta *dst,
	const struct container_meta *src);

/* docker.c */
void docker_options_init(struct docker_options *o);
/* 1 when `url` turns Docker off ("none" or empty). */
int  docker_url_disabled(const char *url);
/*
 * Start the cache and its background thread.  url is
 * "unix:///path/to/docker.sock" or "http://host:port" (both copied).
 * o may be NULL for the defaults.  The daemon need not be up: the thread
 * keeps trying with backoff.  Returns NULL with err filled on a bad URL,
 * bad label patterns, or when the thread cannot start; call
 * http_global_init() first.
 */
struct docker *docker_new(const char *url, const struct docker_options *o,
	char *err, size_t errlen);
/* Stop the thread (waits for at most one request in flight to finish or
 * time out) and free everything.  NULL ok. */
void docker_free(struct docker *d);
/*
 * Non-blocking.  If Docker has been asked about `id` (a full or short hex
 * id), copy its metadata into *meta as docker_meta_copy() does and return
 * 1.  Else return 0 with *meta unchanged and queue `id` for inspection.
 * meta's labels must be owned (zero-initialised, or from an earlier
 * lookup); they are replaced.  An id that is not hex is ignored (0).
 */
int  docker_lookup(struct docker *d, const char *id,
	struct container_meta *meta);
/*
 * Non-blocking.  Find the Docker container named "mesos-<mesos_id>" (or
 * "mesos-<agent id>.<mesos_id>", the older Mesos form) in the last list
 * and copy its Docker id into docker_id.  Returns 1 if found, else 0.
 */
int  docker_find_mesos(struct docker *d, const char *mesos_id,
	char *docker_id, size_t len);
/* The container vanished: drop it from the cache. */
void docker_forget(struct docker *d, const char *id);
/* Copy the counters (all zero for d == NULL). */
void docker_get_stats(struct docker *d, struct docker_stats *out);

#endif
