/*
 * tests/lib/utf8_valid.h — is a byte string valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF)?  Written apart
 * from the code under test, so the tests and the fuzz harness judge its
 * output independently.  Header-only: the fuzz harnesses, built with
 * clang, link nothing from tests/lib.
 */
#ifndef HOIST_TESTS_UTF8_VALID_H
#define HOIST_TESTS_UTF8_VALID_H

#include <stddef.h>

static inline int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = (s[i] & 0xe0) == 0xc0 ? 2 : (s[i] & 0xf0) == 0xe0 ? 3 :
		    (s[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || i + len > n)
			return 0;
		cp = s[i] & (0xffu >> (len + 1));
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

#endif
