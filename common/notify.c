/*
 * notify.c — see notify.h.  A thin shell over sd_notify(3) and
 * sd_watchdog_enabled(3); libsystemd does the socket work (path and
 * abstract NOTIFY_SOCKET addresses, credentials).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "common/notify.h"

/* Set by SIGUSR2 once notify_wedge_hook() is installed. */
static volatile sig_atomic_t notify_wedged;

/*
 * Map sd_notify's "negative errno on failure" to the house convention of
 * -1 with errno set, keeping 0 (no socket) and 1 (sent) as they are.
 */
static int
notify_send(const char *msg)
{
	int r;

	r = sd_notify(0, msg);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r > 0 ? 1 : 0;
}

int
notify_ready(void)
{
	return notify_send("READY=1");
}

int
notify_watchdog(void)
{
	/* The test hook: stay here; only a fatal signal ends the wait. */
	while (notify_wedged)
		pause();
	if (notify_watchdog_interval_ns() == 0)
		return 0;
	return notify_send("WATCHDOG=1");
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int
notify_status(const char *fmt, ...)
{
	char msg[sizeof("STATUS=") + NOTIFY_STATUS_MAX];
	size_t pre = sizeof("STATUS=") - 1;
	va_list ap;

	memcpy(msg, "STATUS=", pre);
	va_start(ap, fmt);
	/* vsnprintf cuts the text and always NUL-terminates it. */
	(void)vsnprintf(msg + pre, sizeof(msg) - pre, fmt, ap);
	va_end(ap);
	return notify_send(msg);
}

uint64_t
notify_watchdog_interval_ns(void)
{
	uint64_t usec = 0;

	/* > 0: enabled for us; 0: not asked (or for another pid); < 0:
	 * malformed variables.  Leave the environment as it is (0) so a
	 * later call gives the same answer. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return usec / 2 * 1000;
}

static void
on_wedge(int sig)
{
	(void)sig;
	notify_wedged = 1;
}

void
notify_wedge_hook(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wedge;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}
