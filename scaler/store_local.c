/*
 * store_local.c — the local backend of store.h: one directory, one file
 * per node (docs/state-format.md).
 *
 *   DIR/lock                  flock(LOCK_EX) for the life of the context:
 *                             a second scaler on DIR refuses to start
 *   DIR/rules/<name>.json     a rule node
 *   DIR/state/<name>.json     a state node
 *   DIR/state.json.migrated   the single-file state of older versions,
 *                             kept after its migration
 *
 * A put writes <name>.json.tmp, makes it durable, renames it over
 * <name>.json and fsyncs the folder: a crash leaves the old node or the
 * new one, never half of one, and never touches another node.  A batch
 * of more than LOCAL_SYNCFS_MIN puts (the round's state writes, a
 * migration) writes every temp file, makes them all durable with one
 * syncfs(2), then renames them; each folder is fsync'ed once at the end.
 * One fsync per file would cost one disk cache flush each: on a busy
 * disk 10,000 of them took 26 to 50 s, one syncfs 3 to 12 s (syncfs also
 * writes other processes' dirty data of that filesystem, which is what
 * makes its time vary).  Temp files left by a crash are removed by
 * load_all.
 *
 * The lock makes this process the only writer, so versions are counted
 * here from 0 at start-up and the compare-and-set of store.h holds
 * trivially: apply does not read the files back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "common/log.h"
#include "common/util.h"
#include "scaler/store.h"

#define LOCAL_SYNCFS_MIN   8     /* a larger batch: one syncfs */
#define LOCAL_OLD_FILE     "state.json"
#define LOCAL_OLD_KEPT     "state.json.migrated"
#define LOCAL_OLD_MAX      (64u << 20)
#define LOCAL_PATH_MAX     2048

struct local {
	char                  dir[1024];
	int                   lock_fd;
	int                   dfd[STORE_KINDS];   /* rules/, state/ */
	struct store_listener l;
};

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
node_path(const struct local *s, enum store_kind k, const char *app_id,
    const char *suffix, char *out, size_t outlen)
{
	char name[STORE_NAME_MAX];

	if (store_encode_id(app_id, name, sizeof(name)) != 0)
		name[0] = '\0';         /* ids are normalized: cannot happen */
	snprintf(out, outlen, "%s/%s/%s.json%s", s->dir, store_kind_dir(k),
	    name, suffix);
}

static void
fail_item(struct store_write *w, enum store_result r, const char *path)
{
	char m[LOCAL_PATH_MAX + 128];

	w->result = r;
	snprintf(m, sizeof(m), "%s: %s", path, strerror(errno));
	str_copy_trunc(w->err, m, sizeof(w->err));
}

/*
 * Write w's temp file and start its writeback (sync_tmp() waits for it).
 * 0, or -1 with w's result set.
 */
static int
put_tmp(const struct local *s, struct store_write *w)
{
	char tmp[LOCAL_PATH_MAX];
	int fd;

	node_path(s, w->kind, w->app_id, ".tmp", tmp, sizeof(tmp));
	if (w->len > STORE_NODE_MAX) {
		errno = EFBIG;
		fail_item(w, STORE_E_TOO_BIG, tmp);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, w->data, w->len) != 0 ||
	    write_all(fd, "\n", 1) != 0) {
		fail_item(w, STORE_E_IO, tmp);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	/* Start the writeback now: the fsyncs of a batch then mostly wait
	 * for I/O already under way. */
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (close(fd) != 0) {
		fail_item(w, STORE_E_IO, tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Make w's temp file durable: fsync(2) through a new descriptor (any
 * descriptor of the file will do).  After the batch's first one has
 * committed the journal, the others mostly wait for their own data.
 */
static void
sync_tmp(const struct local *s, struct store_write *w)
{
	char tmp[LOCAL_PATH_MAX];
	int fd, bad;

	node_path(s, w->kind, w->app_id, ".tmp", tmp, sizeof(tmp));
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	bad = fd < 0 || fsync(fd) != 0;
	if (fd >= 0 && close(fd) != 0)
		bad = 1;
	if (!bad)
		return;
	fail_item(w, STORE_E_IO, tmp);
	unlink(tmp);
}

/* Rename w's temp file into place, or unlink w's node. */
static void
finish_item(const struct local *s, struct store_write *w)
{
	char path[LOCAL_PATH_MAX], tmp[LOCAL_PATH_MAX];

	node_path(s, w->kind, w->app_id, "", path, sizeof(path));
	if (w->data == NULL) {
		if (unlink(path) != 0)
			fail_item(w, errno == ENOENT ? STORE_E_NOT_FOUND :
			    STORE_E_IO, path);
		else
			w->new_version = STORE_VERSION_NONE;
		return;
	}
	node_path(s, w->kind, w->app_id, ".tmp", tmp, sizeof(tmp));
	if (rename(tmp, path) != 0) {
		fail_item(w, STORE_E_IO, path);
		unlink(tmp);
		return;
	}
	w->new_version = w->version >= 0 ? w->version + 1 : 0;
}

static void
local_apply(void *ctx, struct store_write *w, size_t n)
{
	struct local *s = ctx;
	int touched[STORE_KINDS] = { 0, 0 }, k;
	size_t i, puts = 0;

	/* Every temp file written, then made durable (each with fsync, or
	 * a large batch at once with syncfs), then renamed into place. */
	for (i = 0; i < n; i++) {
		w[i].result = STORE_OK;
		w[i].err[0] = '\0';
		puts += w[i].data != NULL;
	}
	for (i = 0; i < n; i++)
		if (w[i].data != NULL)
			put_tmp(s, &w[i]);
	if (puts > LOCAL_SYNCFS_MIN && syncfs(s->dfd[0]) != 0)
		for (i = 0; i < n; i++)
			if (w[i].data != NULL && w[i].result == STORE_OK)
				fail_item(&w[i], STORE_E_IO, s->dir);
	for (i = 0; i < n && puts <= LOCAL_SYNCFS_MIN; i++)
		if (w[i].data != NULL && w[i].result == STORE_OK)
			sync_tmp(s, &w[i]);
	for (i = 0; i < n; i++) {
		if (w[i].result != STORE_OK)
			continue;
		finish_item(s, &w[i]);
		if (w[i].result == STORE_OK)
			touched[w[i].kind] = 1;
	}
	/* The renames and unlinks: one fsync per folder. */
	for (k = 0; k < STORE_KINDS; k++) {
		if (!touched[k] || fsync(s->dfd[k]) == 0)
			continue;
		for (i = 0; i < n; i++)
			if (w[i].kind == (enum store_kind)k &&
			    w[i].result == STORE_OK)
				fail_item(&w[i], STORE_E_IO, s->dir);
	}
}

/* ---- open ---- */

static void
local_close(void *ctx)
{
	struct local *s = ctx;
	int k;

	if (s == NULL)
		return;
	for (k = 0; k < STORE_KINDS; k++)
		if (s->dfd[k] >= 0)
			close(s->dfd[k]);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

static int
open_dirs(struct local *s, char *err, size_t errlen)
{
	char p[LOCAL_PATH_MAX];
	int k;

	for (k = 0; k < STORE_KINDS; k++) {
		snprintf(p, sizeof(p), "%s/%s", s->dir,
		    store_kind_dir((enum store_kind)k));
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			return -1;
		}
		s->dfd[k] = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dfd[k] < 0) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void *
local_open(const char *spec, const struct store_listener *l, char *err,
    size_t errlen)
{
	struct local *s = calloc(1, sizeof(*s));
	char lock[LOCAL_PATH_MAX];

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->lock_fd = s->dfd[0] = s->dfd[1] = -1;
	if (l != NULL)
		s->l = *l;
	if (strlen(spec) >= sizeof(s->dir) - 16) {
		snprintf(err, errlen, "state dir path too long");
		goto fail;
	}
	str_copy_trunc(s->dir, spec, sizeof(s->dir));
	if (mkdir(spec, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		goto fail;
	}
	snprintf(lock, sizeof(lock), "%s/lock", spec);
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s: %s (another hoist-scaler uses "
		    "this state dir?)", lock, errno == EWOULDBLOCK ?
		    "locked" : strerror(errno));
		goto fail;
	}
	if (open_dirs(s, err, errlen) != 0)
		goto fail;
	return s;
fail:
	local_close(s);
	return NULL;
}

/* ---- load ---- */

static void
report_bad(struct local *s, const char *where, const char *why)
{
	if (s->l.bad != NULL)
		s->l.bad(s->l.arg, where, why);
}

/* One directory entry of kind k. */
static void
load_entry(struct local *s, enum store_kind k, const char *name)
{
	char path[LOCAL_PATH_MAX], id[RULES_APP_ID_MAX], why[256];
	size_t len = strlen(name), dlen = 0;
	struct store_node n;
	char *data = NULL;

	snprintf(path, sizeof(path), "%s/%s/%s", s->dir, store_kind_dir(k),
	    name);
	if (len > 9 && strcmp(name + len - 9, ".json.tmp") == 0) {
		/* A write a crash cut short: the node is its old self. */
		if (unlink(path) == 0)
			log_info("state: removed %s, left by an interrupted "
			    "write", path);
		return;
	}
	if (len <= 5 || strcmp(name + len - 5, ".json") != 0) {
		report_bad(s, path, "not a node file (<name>.json)");
		return;
	}
	if (store_decode_id(name, len - 5, id, sizeof(id), why,
	    sizeof(why)) != 0) {
		report_bad(s, path, why);
		return;
	}
	if (read_file(path, STORE_NODE_MAX, &data, &dlen) != 0) {
		report_bad(s, path, errno == EFBIG ? "larger than 65536 bytes"
		    : strerror(errno));
		return;
	}
	memset(&n, 0, sizeof(n));
	n.kind = k;
	n.app_id = id;
	n.where = path;
	n.data = data;
	n.len = dlen;
	n.version = 0;
	if (s->l.node != NULL)
		s->l.node(s->l.arg, &n);
	free(data);
}

static int
load_kind(struct local *s, enum store_kind k, char *err, size_t errlen)
{
	char p[LOCAL_PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(p, sizeof(p), "%s/%s", s->dir, store_kind_dir(k));
	d = opendir(p);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		load_entry(s, k, de->d_name);
		errno = 0;
	}
	if (errno != 0) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

static int local_migrate(struct local *s, char *err, size_t errlen);

static int
local_load_all(void *ctx, char *err, size_t errlen)
{
	struct local *s = ctx;

	if (local_migrate(s, err, errlen) != 0)
		return -1;
	if (load_kind(s, STORE_RULE, err, errlen) != 0)
		return -1;
	return load_kind(s, STORE_STATE, err, errlen);
}

/* ---- migration from DIR/state.json ---- */

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

static int
history_empty(const struct policy_history *h)
{
	return h->last_up_s == 0 && h->last_down_s == 0 &&
	    h->streak_dir == 0 && h->streak_n == 0 && h->nrecs == 0 &&
	    h->nevents == 0;
}

static int
oom(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

/* The old file's apps[i] as two writes (w[0] rule, w[1] state; w[1]
 * without data when the history is empty). */
static int
migrate_app(const cJSON *a, int i, const char *path, struct store_write *w,
    char *err, size_t errlen)
{
	struct policy_history h;
	struct rules_error re;
	struct rule r;
	char why[256];

	if (rules_from_cjson(cJSON_GetObjectItemCaseSensitive(a, "rule"),
	    NULL, &r, &re) != 0) {
		snprintf(err, errlen, "%s: apps[%d].rule: %s%s%s", path, i,
		    re.field, re.field[0] ? ": " : "", re.error);
		return -1;
	}
	if (store_history_from_cjson(cJSON_GetObjectItemCaseSensitive(a,
	    "history"), &h, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: apps[%d].history%s", path, i, why);
		return -1;
	}
	memset(w, 0, 2 * sizeof(*w));
	w[0].kind = STORE_RULE;
	w[1].kind = STORE_STATE;
	STR_COPY_ARRAY(w[0].app_id, r.app_id);
	STR_COPY_ARRAY(w[1].app_id, r.app_id);
	w[0].version = w[1].version = STORE_VERSION_ANY;
	w[0].data = store_encode_rule(&r, &w[0].len);
	/* An empty history needs no node (a rule without one starts
	 * empty); w[1] then stays without data and is left out. */
	if (history_empty(&h))
		return w[0].data != NULL ? 0 : oom(path, err, errlen);
	w[1].data = store_encode_state(r.app_id, &h, &w[1].len);
	if (w[0].data == NULL || w[1].data == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

static void
free_writes(struct store_write *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)(uintptr_t)w[i].data);
	free(w);
}

/* Leave out the writes without data (empty histories); the new count. */
static size_t
compact_writes(struct store_write *w, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (w[i].data != NULL)
			w[o++] = w[i];
	return o;
}

/* Decode every app of the old file into writes (*out, 2 per app). */
static int
migrate_decode(const char *path, const char *text, size_t len,
    struct store_write **out, size_t *nout, char *err, size_t errlen)
{
	const char *end = NULL;
	const cJSON *apps, *a;
	struct store_write *w = NULL;
	cJSON *root;
	int i = 0, ret = -1, n = 0;

	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		snprintf(err, errlen, "%s: invalid JSON near byte %zu", path,
		    end != NULL && end >= text ? (size_t)(end - text) :
		    (size_t)0);
		return -1;
	}
	apps = cJSON_GetObjectItemCaseSensitive(root, "apps");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(apps)) {
		snprintf(err, errlen, "%s: not a hoist-scaler state file "
		    "(no \"apps\" array)", path);
		goto out;
	}
	n = cJSON_GetArraySize(apps);
	w = calloc((size_t)n * 2 + 1, sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	cJSON_ArrayForEach(a, apps) {
		int j;

		if (migrate_app(a, i, path, &w[2 * i], err, errlen) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(w[2 * j].app_id, w[2 * i].app_id) == 0) {
				snprintf(err, errlen, "%s: apps[%d]: %s appears "
				    "twice", path, i, w[2 * i].app_id);
				i++;
				goto out;
			}
		i++;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret != 0 && w != NULL) {
		free_writes(w, (size_t)n * 2);
		w = NULL;
	}
	*out = w;
	*nout = ret == 0 ? compact_writes(w, (size_t)i * 2) : 0;
	return ret;
}

/*
 * DIR/state.json of older versions: every app written as its two nodes,
 * then the file renamed to state.json.migrated.  A crash before the
 * rename migrates again at the next start (the same nodes).  A file that
 * does not load stops start-up, as it always did: nothing is lost.
 */
static int
local_migrate(struct local *s, char *err, size_t errlen)
{
	char path[LOCAL_PATH_MAX], kept[LOCAL_PATH_MAX], *text = NULL;
	struct store_write *w = NULL;
	size_t len = 0, n = 0, i, rules;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", s->dir, LOCAL_OLD_FILE);
	snprintf(kept, sizeof(kept), "%s/%s", s->dir, LOCAL_OLD_KEPT);
	if (read_file(path, LOCAL_OLD_MAX, &text, &len) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (migrate_decode(path, text, len, &w, &n, err, errlen) != 0)
		goto out;
	local_apply(s, w, n);
	for (i = 0; i < n; i++)
		if (w[i].result != STORE_OK) {
			snprintf(err, errlen, "migrating %s: %s", path,
			    w[i].err);
			goto out;
		}
	if (rename(path, kept) != 0 || sync_dir(s->dir) != 0) {
		snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
		goto out;
	}
	for (i = 0, rules = 0; i < n; i++)
		rules += w[i].kind == STORE_RULE;
	log_info("state: migrated %zu rules from %s to %s/rules and "
	    "%s/state (one file per app); the old file is kept as %s",
	    rules, path, s->dir, s->dir, kept);
	ret = 0;
out:
	if (w != NULL)
		free_writes(w, n);
	free(text);
	return ret;
}

const struct store_ops store_local_ops = {
	.name = "local",
	.open = local_open,
	.load_all = local_load_all,
	.apply = local_apply,
	.close = local_close,
	.lazy_s = 60,
};
