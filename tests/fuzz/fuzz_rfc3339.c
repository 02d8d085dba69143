/*
 * fuzz_rfc3339.c — libFuzzer harness for common/rfc3339.c: rfc3339_parse()
 * reads times from Docker and Marathon replies.  Whatever parses must
 * format and parse back to the same second.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[RFC3339_MAX];
	int64_t ns, back;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rfc3339_parse(s, &ns) == 0 &&
	    rfc3339_format(out, sizeof(out), ns, 9) > 0 &&
	    (rfc3339_parse(out, &back) != 0 || back != ns))
		abort();
	free(s);
	return 0;
}
