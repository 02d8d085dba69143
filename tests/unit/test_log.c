/*
 * test_log.c — log.c's journal priority prefix.  stderr is pointed at a
 * pipe; JOURNAL_STREAM names that pipe ("DEVICE:INODE", as systemd sets
 * it for a service whose stderr is journald's stream) or something else.
 * Each case logs one line and checks the exact bytes: "<N>" first only
 * when JOURNAL_STREAM names stderr and is well formed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"

/* What JOURNAL_STREAM holds in a case. */
enum stream_value { SV_UNSET, SV_STDERR, SV_OTHER_INODE, SV_TEXT };

static const struct log_case {
	const char       *name;
	enum stream_value value;
	const char       *text;     /* for SV_TEXT */
	enum log_level    level;
	const char       *want;
} cases[] = {
	{ "no JOURNAL_STREAM", SV_UNSET, NULL, LOGL_WARN,
	  "t: warning: m 1\n" },
	{ "journal, warning", SV_STDERR, NULL, LOGL_WARN,
	  "<4>t: warning: m 1\n" },
	{ "journal, info", SV_STDERR, NULL, LOGL_INFO, "<6>t: info: m 1\n" },
	{ "journal, debug", SV_STDERR, NULL, LOGL_DEBUG,
	  "<7>t: debug: m 1\n" },
	{ "another stream", SV_OTHER_INODE, NULL, LOGL_WARN,
	  "t: warning: m 1\n" },
	{ "empty", SV_TEXT, "", LOGL_WARN, "t: warning: m 1\n" },
	{ "no inode", SV_TEXT, "12:", LOGL_WARN, "t: warning: m 1\n" },
	{ "letters", SV_TEXT, "x:1", LOGL_WARN, "t: warning: m 1\n" },
	{ "three parts", SV_TEXT, "1:2:3", LOGL_WARN, "t: warning: m 1\n" },
	{ "sign", SV_TEXT, "-1:2", LOGL_WARN, "t: warning: m 1\n" },
	{ "overflow", SV_TEXT, "99999999999999999999999:1", LOGL_WARN,
	  "t: warning: m 1\n" },
};

/* Run one case: stderr to a pipe, log, read back what was written. */
static void
run_case(const struct log_case *c)
{
	char env[64], got[256];
	struct stat st;
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	switch (c->value) {
	case SV_UNSET:
		unsetenv("JOURNAL_STREAM");
		break;
	case SV_STDERR:
	case SV_OTHER_INODE:
		snprintf(env, sizeof(env), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino +
		    (c->value == SV_OTHER_INODE));
		setenv("JOURNAL_STREAM", env, 1);
		break;
	case SV_TEXT:
		setenv("JOURNAL_STREAM", c->text, 1);
		break;
	}
	log_init("t", LOGL_DEBUG);
	switch (c->level) {
	case LOGL_WARN:  log_warnx("m %d", 1); break;
	case LOGL_INFO:  log_info("m %d", 1); break;
	case LOGL_DEBUG: log_debug("m %d", 1); break;
	case LOGL_ERR:   break;
	}
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	assert_true(n > 0);
	got[n] = '\0';
	if (strcmp(got, c->want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", c->name, got, c->want);
}

static void
test_journal_prefix(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	unsetenv("JOURNAL_STREAM");
	log_init("t", LOGL_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
