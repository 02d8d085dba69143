/*
 * secret.h — one reader for every credential file hoist takes (API
 * tokens, Marathon and InfluxDB passwords and tokens).
 *
 * The secret is the file's first line with blanks (space, tab, CR) cut
 * at both ends; the rest of the file is ignored, so a trailing newline
 * or a comment line after the secret is harmless.  The file must not be
 * readable by its group or by others (mode 0600 or 0400): a secret that
 * every local user can read protects nothing, so such a file is refused
 * with a message that says which mode to use.  A POSIX ACL that grants a
 * named user (not a group) read access is fine: that is how systemd's
 * LoadCredential= hands a file to a service.  Every copy of the secret
 * that hoist frees is wiped first (explicit_bzero), on error paths too.
 */
#ifndef HOIST_SECRET_H
#define HOIST_SECRET_H

#include <stddef.h>

#define SECRET_FILE_MAX (64u << 10) /* bytes read from a secret file */

/* secret.c */
/*
 * Read the secret in `path`.  Returns a malloc'ed NUL-terminated string
 * (the caller owns it and frees it with secret_free()) and its length in
 * *len (may be NULL), or NULL with err set: unreadable, group/world
 * readable, empty, or longer than `max` bytes (0: no limit but
 * SECRET_FILE_MAX).  err never holds the secret.
 */
char *secret_read(const char *path, size_t max, size_t *len, char *err,
	size_t errlen);
/* The same into a caller's buffer of outlen bytes (the secret must be
 * shorter).  Returns 0, or -1 with out wiped and err set. */
int   secret_read_buf(const char *path, char *out, size_t outlen, char *err,
	size_t errlen);
/*
 * A private file read whole (a PEM private key): the same mode check,
 * at most max bytes (less than SECRET_FILE_MAX).  Returns a malloc'ed
 * NUL-terminated copy the caller wipes (explicit_bzero over *len) and
 * frees, or NULL with err set.
 */
char *secret_read_pem(const char *path, size_t max, size_t *len, char *err,
	size_t errlen);
/* Wipe and free a secret from secret_read().  NULL is a no-op. */
void  secret_free(char *s);

#endif
