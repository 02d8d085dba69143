#!/usr/bin/env python3
"""hostile_http.py — hostile clients against a running hoist daemon's HTTP
API (issue 10 §5), over raw sockets so that every byte is ours.

    hostile_http.py --port P --kind collector|scaler [--token T]
                    [--slow N] [--tls CAFILE]

Checks, each printed as "ok ..." or "FAIL ...", exit 1 on any failure:
  - a raw NUL byte in the request line, and "%00" in the path: 400;
  - 300 (collector) or 500 (scaler) query parameters: 414 at once;
  - two Content-Length headers: 400;
  - a 400 for a path of bytes that are not UTF-8 is valid UTF-8 JSON;
  - a 20 KiB header: 431;  (scaler) a 65 KiB body: 413;
  - (scaler) rule bodies with \\u0000, duplicate keys, junk after the
    document, 10,000-deep nesting: 400 naming the field;
  - slowloris: N connections sending one header byte a second (each one
    reconnects on its next tick when the server closes it); meanwhile a
    normal client's GET /healthz must answer 200 within 100 ms (all 30 of
    a window; up to 3 windows, against scheduling noise on a shared
    machine), and within 1 s of the slow clients leaving 64 parallel
    clients must all get 200.
"""
import argparse
import json
import multiprocessing
import resource
import selectors
import socket
import ssl
import sys
import threading
import time

ARGS = None
FAILED = []


def ok(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILED.append(what)


def connect(timeout=5.0):
    s = socket.create_connection(("127.0.0.1", ARGS.port), timeout=timeout)
    if ARGS.tls:
        ctx = ssl.create_default_context(cafile=ARGS.tls)
        ctx.check_hostname = False
        s = ctx.wrap_socket(s)
    return s


def raw(data, timeout=5.0):
    """Send data on a fresh connection; return (status, headers, body)."""
    s = connect(timeout)
    try:
        s.sendall(data)
    except OSError:
        pass            # the server may answer and close early
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, OSError):
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ")[1])
    except (IndexError, ValueError):
        status = 0
    return status, head, body


def req(method, path, body=b"", auth=True, extra=b""):
    h = b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (
        method.encode(), path)
    if auth and ARGS.token:
        h += b"Authorization: Bearer %s\r\n" % ARGS.token.encode()
    if body:
        h += b"Content-Length: %d\r\nContent-Type: application/json\r\n" % len(body)
    return raw(h + extra + b"\r\n" + body)


def json_error(body):
    """The parsed JSON error, or None when not valid UTF-8 JSON."""
    try:
        return json.loads(body.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return None


def check_request_line():
    st, _, body = raw(b"GET /healthz\0xyz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    ok(st == 400 and json_error(body) is not None,
       "raw NUL in the request line: %d %r" % (st, body[:80]))
    path = (b"/v1/rules/shop/web%00anything" if ARGS.kind == "scaler"
            else b"/v1/apps/shop/web%00anything")
    st, _, body = req("GET", path)
    ok(st == 400, "%%00 in the path %s: %d %r" % (path.decode(), st, body[:80]))
    n = 500 if ARGS.kind == "scaler" else 300
    q = b"&".join(b"p%d=%d" % (i, i) for i in range(n))
    t0 = time.monotonic()
    st, _, body = req("GET", b"/v1/decisions?" + q if ARGS.kind == "scaler"
                      else b"/v1/containers?" + q)
    dt = time.monotonic() - t0
    ok(st in (400, 414) and dt < 2, "%d query parameters: %d in %.3f s"
       % (n, st, dt))
    st, _, body = raw(b"POST /v1/rules HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 2\r\nContent-Length: 3\r\n"
                      b"Connection: close\r\n\r\n{}x")
    ok(st == 400, "two Content-Length headers: %d %r" % (st, body[:80]))
    st, _, body = req("GET", b"/v1/rules/%ff%fe\xff" if ARGS.kind == "scaler"
                      else b"/v1/apps/%ff\xfe%0a")
    j = json_error(body)
    ok(st == 400 and j is not None and "error" in j,
       "400 body is UTF-8 JSON when the path is not: %d %r" % (st, body[:80]))
    st, _, _ = req("GET", b"/healthz", extra=b"X-Big: " + b"b" * 20000 + b"\r\n")
    ok(st == 431, "20 KiB header: %d" % st)


RULE = b'"min_instances":1,"max_instances":5,"cpu":{"above":80,"below":20}'


def check_rules():
    cases = [
        (b'{"app_id":"/u1\\u0000evil",' + RULE + b'}', "app_id"),
        (b'{"app_id":"/u2","cpu\\u0000x":{"above":1,"below":0},'
         b'"min_instances":1,"max_instances":5}', "cpu\x7fx"),
        (b'{"app_id":"/u3","mode":"target\\u0000x",'
         b'"min_instances":1,"max_instances":5,"cpu":{"target":50}}', "mode"),
        (b'{"app_id":"/u4","min_instances":1,"max_instances":5,'
         b'"cpu":{"above":80,"below":20,"above":90}}', "cpu.above"),
        (b'{"app_id":"/u5",' + RULE + b',"max_instances":6}', "max_instances"),
        (b'{"app_id":"/u6",' + RULE + b'} xyz', None),
        (b'{"app_id":"/u7",' + RULE + b'}\0garbage', None),
        (b'[' * 10000 + b']' * 10000, None),
    ]
    for body, field in cases:
        st, _, out = req("POST", b"/v1/rules", body)
        j = json_error(out)
        ok(st == 400 and j is not None and j.get("field") == field,
           "rule body %r: %d %r" % (body[:40], st, out[:100]))
    st, _, _ = req("GET", b"/v1/rules/u1")
    ok(st == 404, "no rule /u1 was stored: %d" % st)
    st, _, out = req("POST", b"/v1/rules", b" " * (65 << 10))
    ok(st == 413, "65 KiB body: %d" % st)


class Slowloris:
    """N connections that send one header byte a second, forever.  They
    run in a process of their own, so that the measuring client below
    never waits for this one's interpreter lock."""

    def __init__(self, n):
        self.n = n
        self.stop = multiprocessing.Event()
        self.kicked = multiprocessing.Value("i", 0)
        self.p = multiprocessing.Process(target=self.run, daemon=True)

    def start(self):
        self.p.start()

    @staticmethod
    def open_one():
        try:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", ARGS.port))
            return [s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", 0]
        except OSError:
            return None

    def run(self):
        socks = [c for c in (self.open_one() for _ in range(self.n)) if c]
        while not self.stop.is_set():
            for i, c in enumerate(socks):
                s, data, off = c
                try:
                    if s.send(data[off % len(data):off % len(data) + 1]) == 1:
                        c[2] = off + 1
                except BlockingIOError:
                    pass
                except OSError:
                    # Closed by the server: come back on the next tick.
                    s.close()
                    with self.kicked.get_lock():
                        self.kicked.value += 1
                    socks[i] = self.open_one() or c
            self.stop.wait(1.0)
        for c in socks:
            c[0].close()

    def close(self):
        self.stop.set()
        self.p.join()


CONNECT_MS = []     # how long each measured connect() took


def healthz_ms():
    """GET /healthz on a new connection: (status, total ms)."""
    t0 = time.monotonic()
    try:
        s = connect()
        CONNECT_MS.append((time.monotonic() - t0) * 1000)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
        s.close()
        st = int(out.split(b" ")[1]) if out.startswith(b"HTTP/1.") else 0
    except (OSError, ValueError, IndexError):
        st = 0
    return st, (time.monotonic() - t0) * 1000


def check_slowloris():
    lo = Slowloris(ARGS.slow)
    lo.start()
    time.sleep(3)           # every slow client connected and trickling
    # A window is 30 requests 100 ms apart, each of which must answer 200
    # within 100 ms.  On a loaded shared machine a scheduling hiccup of
    # our own can spoil one window, so up to three are tried; a server
    # that slow clients lock out fails every one.
    for window in range(3):
        lat = []
        del CONNECT_MS[:]
        for _ in range(30):
            st, ms = healthz_ms()
            lat.append(ms if st == 200 else 1e9)
            if lat[-1] > 100:
                break       # this window has failed already
            time.sleep(0.1)
        lat.sort()
        good = lat[-1] <= 100
        print("     window %d: /healthz median %.1f ms, max %.1f ms "
              "(of which connect() at most %.1f ms)"
              % (window + 1, lat[len(lat) // 2], lat[-1],
                 max(CONNECT_MS or [0])), flush=True)
        if good:
            break
    ok(good, "with %d slow clients (%d closed by the server), /healthz "
       "answered within 100 ms in a window of 30 requests: median %.1f ms, "
       "max %.1f ms" % (ARGS.slow, lo.kicked.value, lat[len(lat) // 2],
                        lat[-1]))
    lo.close()
    t0 = time.monotonic()
    res = []

    def one():
        res.append(healthz_ms())
    ts = [threading.Thread(target=one) for _ in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    good = sum(1 for st, _ in res if st == 200)
    ok(good == 64 and dt <= 1.0, "after the slow clients left: %d/64 "
       "parallel /healthz 200 within %.3f s (want 64 within 1 s)" % (good, dt))


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--kind", choices=("collector", "scaler"), required=True)
    p.add_argument("--token", default="")
    p.add_argument("--slow", type=int, default=0)
    p.add_argument("--tls", default="")
    ARGS = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, ARGS.slow + 512))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    check_request_line()
    if ARGS.kind == "scaler":
        check_rules()
    if ARGS.slow:
        check_slowloris()
    st, _, _ = req("GET", b"/healthz", auth=False)
    ok(st == 200, "still serving: %d" % st)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
