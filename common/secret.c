/*
 * secret.c — see secret.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/secret.h"
#include "common/util.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* POSIX ACL xattr layout (linux/posix_acl_xattr.h): a 4-byte version,
 * then 8-byte entries {u16 tag, u16 perm, u32 id}, little-endian. */
#define ACL_XATTR      "system.posix_acl_access"
#define ACL_VERSION    2
#define ACL_GROUP_OBJ  0x04
#define ACL_GROUP      0x08
#define ACL_MASK       0x10
#define ACL_READ       0x04

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/*
 * With a POSIX ACL the group bits of st_mode are the ACL's mask, not the
 * owning group's permission: systemd's credentials (LoadCredential=) are
 * mode 0400 plus an ACL entry for the service's user, so they look like
 * 0440.  Returns 1 when the file has an ACL and no group (owning or
 * named) can read through it, else 0.
 */
static int
acl_groups_cannot_read(int fd)
{
	unsigned char acl[512];
	unsigned mask = 7, grp = 0, tag, perm;
	ssize_t n = fgetxattr(fd, ACL_XATTR, acl, sizeof(acl));
	size_t off;

	if (n < 4 || (n - 4) % 8 != 0 || acl[0] != ACL_VERSION)
		return 0;
	for (off = 4; off + 8 <= (size_t)n; off += 8) {
		tag = le16(acl + off);
		perm = le16(acl + off + 2);
		if (tag == ACL_MASK)
			mask = perm;
		else if (tag == ACL_GROUP_OBJ || tag == ACL_GROUP)
			grp |= perm;
	}
	return (grp & mask & ACL_READ) == 0;
}

/*
 * Refuse a file others may use, or its group (or a named group) may
 * read.  Named users granted by an ACL are fine: that is how systemd
 * hands a credential to the service's user.
 */
static int
check_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((st.st_mode & S_IRWXO) || ((st.st_mode & S_IRWXG) &&
	    !acl_groups_cannot_read(fd))) {
		snprintf(err, errlen, "%s: mode %04o lets other users read "
		    "the secret; make it 0600 (chmod 600 %s) and owned by "
		    "the user hoist runs as", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Read at most SECRET_FILE_MAX bytes of fd into a malloc'ed string. */
static char *
read_all(int fd, const char *path, size_t *len, char *err, size_t errlen)
{
	char *data = malloc(SECRET_FILE_MAX + 1);
	size_t got = 0;
	ssize_t n;

	if (data == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while (got < SECRET_FILE_MAX) {
		n = read(fd, data + got, SECRET_FILE_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			explicit_bzero(data, got);
			free(data);
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	*len = got;
	return data;
}

/*
 * The first line of data[0..len), blanks cut at both ends, moved to the
 * start of data.  Returns its length.
 */
static size_t
first_line(char *data, size_t len)
{
	size_t s = 0, e;
	char *nl = memchr(data, '\n', len);

	e = nl != NULL ? (size_t)(nl - data) : len;
	while (s < e && is_blank(data[s]))
		s++;
	while (e > s && is_blank(data[e - 1]))
		e--;
	memmove(data, data + s, e - s);
	/* Wipe what follows the secret: later lines may be secrets too. */
	explicit_bzero(data + (e - s), len - (e - s));
	return e - s;
}

/* Open path, check its mode, read it whole.  NULL with err set. */
static char *
read_private(const char *path, size_t *len, char *err, size_t errlen)
{
	char *data = NULL;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (check_mode(fd, path, err, errlen) == 0)
		data = read_all(fd, path, len, err, errlen);
	close(fd);
	return data;
}

char *
secret_read(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	char *data;
	size_t len = 0, n;

	if (lenp != NULL)
		*lenp = 0;
	data = read_private(path, &len, err, errlen);
	if (data == NULL)
		return NULL;
	n = first_line(data, len);
	if (n == 0) {
		snprintf(err, errlen, "%s: empty token or password (the "
		    "first line is blank)", path);
		goto fail;
	}
	if (memchr(data, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: the secret holds a NUL byte", path);
		goto fail;
	}
	if (max > 0 && n > max) {
		snprintf(err, errlen, "%s: secret too long (%zu bytes, at most "
		    "%zu)", path, n, max);
		goto fail;
	}
	if (lenp != NULL)
		*lenp = n;
	return data;
fail:
	/* A too-long secret is a secret too. */
	explicit_bzero(data, len);
	free(data);
	return NULL;
}

char *
secret_read_pem(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	char *data;
	size_t len = 0;

	*lenp = 0;
	data = read_private(path, &len, err, errlen);
	if (data == NULL)
		return NULL;
	if (len == 0 || len >= max || len >= SECRET_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, len == 0 ? "empty" :
		    "too large");
		explicit_bzero(data, len);
		free(data);
		return NULL;
	}
	*lenp = len;
	return data;
}

int
secret_read_buf(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	size_t n;
	char *s;

	explicit_bzero(out, outlen);
	if (outlen == 0) {
		snprintf(err, errlen, "%s: no room for the secret", path);
		return -1;
	}
	s = secret_read(path, outlen - 1, &n, err, errlen);
	if (s == NULL)
		return -1;
	memcpy(out, s, n + 1);
	explicit_bzero(s, n);
	free(s);
	return 0;
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
