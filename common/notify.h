/*
 * notify.h — tell the service manager what the daemon is doing
 * (systemd's Type=notify protocol, through libsystemd's sd_notify).
 *
 * The daemons call notify_ready() once they can serve (collector: first
 * sweep done and API listening; scaler: state loaded and API listening),
 * notify_watchdog() from their main loop at least every
 * notify_watchdog_interval_ns(), and notify_stopping() when SIGTERM
 * arrives.  Without NOTIFY_SOCKET in the environment every call is a no-op
 * that returns 0, so a daemon started by hand or by a test runs the same.
 *
 * Return values follow sd_notify: 1 = a datagram was sent, 0 = nothing to
 * do (no NOTIFY_SOCKET, or no watchdog for this process), -1 = the send
 * failed (errno set; the caller logs it and goes on: a failed notification
 * never stops a daemon).  Safe to call from any thread.
 */
#ifndef HOIST_NOTIFY_H
#define HOIST_NOTIFY_H

#include <stdint.h>

/* The longest STATUS= text sent; longer texts are cut. */
#define NOTIFY_STATUS_MAX 256

/* notify.c */
/* Sends "READY=1". */
int      notify_ready(void);
/* Sends "WATCHDOG=1", but only when the manager asked this process for
 * keep-alives (WATCHDOG_USEC set and WATCHDOG_PID unset or our pid). */
int      notify_watchdog(void);
/* Sends "STOPPING=1". */
int      notify_stopping(void);
/* Sends "STATUS=<text>" (shown by systemctl status); the text is formatted
 * like printf and cut at NOTIFY_STATUS_MAX bytes. */
int      notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* How often to call notify_watchdog(): half of WatchdogSec=, in ns, as
 * sd_watchdog_enabled(3) recommends; 0 when no watchdog is asked for (or
 * WATCHDOG_USEC is malformed). */
uint64_t notify_watchdog_interval_ns(void);
/*
 * Test hook (docs/packaging.md): installs a SIGUSR2 handler after which
 * the next notify_watchdog() call never returns, so the main loop that
 * calls it is wedged for good, as a real deadlock would leave it.  It
 * lets the systemd test show WatchdogSec= at work (the manager kills the
 * process with SIGABRT and Restart=on-failure starts it again).  Without
 * the hook SIGUSR2 would end the daemon anyway (its default action), so
 * a stray SIGUSR2 costs no more with it than without it.
 */
void     notify_wedge_hook(void);

#endif
