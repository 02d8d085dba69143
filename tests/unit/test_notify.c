/*
 * test_notify.c — notify.c against a real AF_UNIX datagram socket bound in
 * a temp dir and named by NOTIFY_SOCKET, the way systemd hands it to a
 * Type=notify service.  Each call must put exactly one datagram with
 * exactly the expected bytes on the socket; without NOTIFY_SOCKET, or
 * without a watchdog for this pid, nothing must arrive.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/notify.h"
#include "common/util.h"

struct listener {
	char dir[64];
	char path[128];
	int fd;
};

static int
listener_setup(void **state)
{
	static struct listener l;
	struct sockaddr_un sun;
	struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };

	memset(&l, 0, sizeof(l));
	str_copy_trunc(l.dir, "/tmp/hoist-notify.XXXXXX", sizeof(l.dir));
	if (mkdtemp(l.dir) == NULL)
		return -1;
	snprintf(l.path, sizeof(l.path), "%s/notify.sock", l.dir);
	l.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l.fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_copy_trunc(sun.sun_path, l.path, sizeof(sun.sun_path));
	if (bind(l.fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -1;
	/* A missing datagram fails the test after 2 s instead of hanging. */
	if (setsockopt(l.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	setenv("NOTIFY_SOCKET", l.path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = &l;
	return 0;
}

static int
listener_teardown(void **state)
{
	struct listener *l = *state;

	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (l != NULL) {
		close(l->fd);
		unlink(l->path);
		rmdir(l->dir);
	}
	return 0;
}

/* Receive one datagram and compare its exact bytes (no NUL, no newline). */
static void
expect_datagram(struct listener *l, const char *want)
{
	char got[1024];
	ssize_t n;

	n = recv(l->fd, got, sizeof(got), 0);
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(got, want, (size_t)n);
}

/* Nothing may be waiting on the socket. */
static void
expect_nothing(struct listener *l)
{
	char got[64];
	ssize_t n;

	n = recv(l->fd, got, sizeof(got), MSG_DONTWAIT);
	assert_int_equal(n, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void
test_ready_stopping(void **state)
{
	struct listener *l = *state;

	assert_int_equal(notify_ready(), 1);
	expect_datagram(l, "READY=1");
	assert_int_equal(notify_stopping(), 1);
	expect_datagram(l, "STOPPING=1");
	expect_nothing(l);
}

static void
test_status(void **state)
{
	struct listener *l = *state;
	char big[NOTIFY_STATUS_MAX * 2 + 1];
	char want[sizeof("STATUS=") + NOTIFY_STATUS_MAX];

	assert_int_equal(notify_status("sweep %d: %s", 3, "12 containers"), 1);
	expect_datagram(l, "STATUS=sweep 3: 12 containers");

	/* A text longer than the cap is cut at exactly NOTIFY_STATUS_MAX
	 * bytes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(want, sizeof(want), "STATUS=%.*s", NOTIFY_STATUS_MAX, big);
	assert_int_equal(notify_status("%s", big), 1);
	expect_datagram(l, want);
}

static void
test_watchdog_sent_only_when_asked(void **state)
{
	struct listener *l = *state;
	char pid[32];

	/* No WATCHDOG_USEC: not asked, nothing sent. */
	assert_int_equal(notify_watchdog(), 0);
	expect_nothing(l);

	setenv("WATCHDOG_USEC", "3000000", 1);
	assert_int_equal(notify_watchdog(), 1);
	expect_datagram(l, "WATCHDOG=1");

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog(), 1);
	expect_datagram(l, "WATCHDOG=1");
	/* The variables stay for later calls (sd_watchdog_enabled(0, ...)). */
	assert_int_equal(notify_watchdog(), 1);
	expect_datagram(l, "WATCHDOG=1");

	/* Asked of another process (our parent's pid): not for us. */
	snprintf(pid, sizeof(pid), "%ld", (long)getppid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog(), 0);
	expect_nothing(l);
}

/* WATCHDOG_USEC, WATCHDOG_PID ("self", "other", NULL = unset) -> ns. */
static const struct {
	const char *usec;
	const char *pid;
	uint64_t    want_ns;
} interval_cases[] = {
	{ NULL,         NULL,    0 },
	{ "20000000",   NULL,    10000000000ULL },  /* WatchdogSec=20 */
	{ "20000000",   "self",  10000000000ULL },
	{ "3000000",    "self",  1500000000ULL },   /* WatchdogSec=3 */
	{ "1001",       "self",  500000ULL },       /* usec/2 rounds down */
	{ "20000000",   "other", 0 },
	{ "0",          "self",  0 },               /* 0 is not a timeout */
	{ "garbage",    "self",  0 },
	{ "20000000",   "garbage", 0 },
};

static void
test_watchdog_interval(void **state)
{
	char pid[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(interval_cases); i++) {
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
		if (interval_cases[i].usec != NULL)
			setenv("WATCHDOG_USEC", interval_cases[i].usec, 1);
		if (interval_cases[i].pid == NULL) {
			/* leave unset */
		} else if (strcmp(interval_cases[i].pid, "self") == 0) {
			snprintf(pid, sizeof(pid), "%ld", (long)getpid());
			setenv("WATCHDOG_PID", pid, 1);
		} else if (strcmp(interval_cases[i].pid, "other") == 0) {
			snprintf(pid, sizeof(pid), "%ld", (long)getppid());
			setenv("WATCHDOG_PID", pid, 1);
		} else {
			setenv("WATCHDOG_PID", interval_cases[i].pid, 1);
		}
		if (notify_watchdog_interval_ns() != interval_cases[i].want_ns)
			fail_msg("case %zu: WATCHDOG_USEC=%s WATCHDOG_PID=%s: "
			    "got %llu ns, want %llu", i,
			    interval_cases[i].usec ? interval_cases[i].usec : "-",
			    interval_cases[i].pid ? interval_cases[i].pid : "-",
			    (unsigned long long)notify_watchdog_interval_ns(),
			    (unsigned long long)interval_cases[i].want_ns);
	}
}

static void
test_no_socket_is_noop(void **state)
{
	struct listener *l = *state;

	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "3000000", 1);
	assert_int_equal(notify_ready(), 0);
	assert_int_equal(notify_watchdog(), 0);
	assert_int_equal(notify_stopping(), 0);
	assert_int_equal(notify_status("idle"), 0);
	expect_nothing(l);
	setenv("NOTIFY_SOCKET", l->path, 1);
}

static void
test_dead_socket_fails(void **state)
{
	struct listener *l = *state;
	char gone[160];

	/* A NOTIFY_SOCKET naming no socket: -1 with errno, no crash. */
	snprintf(gone, sizeof(gone), "%s/absent.sock", l->dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	errno = 0;
	assert_int_equal(notify_ready(), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	setenv("NOTIFY_SOCKET", l->path, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ready_stopping,
		    listener_setup, listener_teardown),
		cmocka_unit_test_setup_teardown(test_status,
		    listener_setup, listener_teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_sent_only_when_asked,
		    listener_setup, listener_teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_interval,
		    listener_setup, listener_teardown),
		cmocka_unit_test_setup_teardown(test_no_socket_is_noop,
		    listener_setup, listener_teardown),
		cmocka_unit_test_setup_teardown(test_dead_socket_fails,
		    listener_setup, listener_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
