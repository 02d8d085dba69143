#!/usr/bin/env python3
"""notify_listen.py - a NOTIFY_SOCKET receiver for daemon tests.

Binds an AF_UNIX datagram socket (the path a test then hands to a daemon as
NOTIFY_SOCKET) and appends every assignment that arrives to LOG, one line
each, stamped with CLOCK_REALTIME in nanoseconds (the clock of
`date +%s%N`, so a shell test can compare its own timestamps):

    1764134822123456789 READY=1
    1764134822123456789 STATUS=first sweep done

A datagram holding several newline-separated assignments gives several
lines with the same stamp.  With --probe URL (repeatable), the moment
READY=1 arrives the listener, before reading the next datagram, sends GET
to each URL and logs the outcome, so a test can prove the daemon's API was
already answering when it declared itself ready:

    1764134822125000000 PROBE 200 27 http://127.0.0.1:9108/healthz
    1764134822126000000 PROBE ERR [Errno 111] Connection refused http://...

(status, body length, URL).  Each probe's body is kept in
LOG.probe<N>.body, N counting the probes from 1.  Proxy variables in the
environment are ignored: the probes go straight to the daemon.

Usage: notify_listen.py [--probe URL]... SOCKET LOG
Writes LOG.pid once the socket is bound (a test waits for that file before
starting the daemon); exits on SIGTERM/SIGINT and removes the socket.
Python 3 standard library only.
"""

import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request


# No proxies: a test's daemon listens on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def usage():
    sys.stderr.write("usage: notify_listen.py [--probe URL]... SOCKET LOG\n")
    sys.exit(2)


def parse_args(argv):
    probes = []
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--probe":
            if i + 1 >= len(argv):
                usage()
            probes.append(argv[i + 1])
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if len(rest) != 2:
        usage()
    return probes, rest[0], rest[1]


def probe(url, logf, log_path, seq):
    """GET url with a short timeout; log status, body length and URL."""
    try:
        with OPENER.open(url, timeout=2) as resp:
            body = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        body = e.read()
        status = e.code
    except (OSError, ValueError) as e:
        logf.write("%d PROBE ERR %s %s\n" % (time.time_ns(), e, url))
        logf.flush()
        return
    with open("%s.probe%d.body" % (log_path, seq), "wb") as bf:
        bf.write(body)
    logf.write("%d PROBE %d %d %s\n" % (time.time_ns(), status, len(body), url))
    logf.flush()


def main():
    probes, sock_path, log_path = parse_args(sys.argv[1:])
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if os.path.exists(sock_path):
        os.unlink(sock_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    # A daemon may run as another user (the unit tests run as root, but be
    # kind to a test that drops privileges).
    os.chmod(sock_path, 0o666)
    # Wake up now and then to notice a signal.
    sock.settimeout(0.2)
    seq = 0
    with open(log_path, "a") as logf:
        with open(log_path + ".pid.tmp", "w") as pf:
            pf.write("%d\n" % os.getpid())
        os.rename(log_path + ".pid.tmp", log_path + ".pid")
        while not stop:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            stamp = time.time_ns()
            text = data.decode("utf-8", "replace")
            ready = False
            for line in text.split("\n"):
                if line == "":
                    continue
                logf.write("%d %s\n" % (stamp, line))
                if line == "READY=1":
                    ready = True
            logf.flush()
            if ready:
                for url in probes:
                    seq += 1
                    probe(url, logf, log_path, seq)
    sock.close()
    os.unlink(sock_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
