#!/usr/bin/env python3
"""The simulated cluster of the fleet benchmark (bench/fleet.sh), in one
process, all on loopback (Python 3 stdlib, asyncio):

  Marathon on 127.0.0.1:PORT, every reply delayed by --latency-ms (a
  remote Marathon), bodies in Marathon's real shapes (each app is the
  fixture app definition tests/fixtures/marathon/v2_app_definition.json
  with its own id, each task the fixture task of
  v2_app_get_with_tasks.json with its own id and host):
    GET /v2/apps[?embed=...][&id=S]   every app (id: substring filter)
    GET /v2/apps/{id}                 {"app": ...} with tasks
    PUT /v2/apps/{id}                 {"deploymentId", "version"}
  Agents: --hosts H addresses 127.1.X.Y (host i: X = i / 250,
  Y = i % 250 + 1), all on --agent-port (0: one chosen, printed), each
  answering the collector's GET /v1/apps (every app on that host, per
  task cpu_percent_of_limit / mem_percent_of_limit, as
  docs/api-collector.md) and GET /v1/apps/{id}.  --slow-frac of the hosts
  accept and never answer (a hung agent: the scaler's timeout), --down-frac
  refuse (nothing listens).  Task i of app a runs on host (a * T + i) % H.
  Figures: 50 % of the limit, except every --hot-every'th app at 95 %.

  GET /_stats -> {"marathon_requests": N, "agent_requests": N};
  DELETE /_stats resets them.  Prints "PORT AGENT_PORT" once listening.

    fleet_standin.py --apps N --tasks T --hosts H [--latency-ms 20]
        [--slow-frac 0.05] [--down-frac 0] [--hot-every 100]
"""
import argparse
import asyncio
import copy
import json
import os
import resource
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(TOP, "tests", "fixtures", "marathon")


def host_addr(i):
    return "127.1.%d.%d" % (i // 250, i % 250 + 1)


class Cluster:
    def __init__(self, o):
        self.o = o
        with open(os.path.join(FIX, "v2_app_definition.json")) as f:
            self.app_tpl = json.load(f)
        with open(os.path.join(FIX, "v2_app_get_with_tasks.json")) as f:
            self.task_tpl = json.load(f)["app"]["tasks"][0]
        self.per_app = o.tasks // o.apps
        self.instances = [self.per_app] * o.apps
        self.ids = ["/bench/fleet/app-%05d" % a for a in range(o.apps)]
        self.index = {aid: a for a, aid in enumerate(self.ids)}
        self.stats = {"marathon_requests": 0, "agent_requests": 0}
        self.frag = [self.render(a).encode() for a in range(o.apps)]
        self.hosts = self.place()

    def task_host(self, a, i):
        return (a * self.per_app + i) % self.o.hosts

    def tasks(self, a):
        out = []
        for i in range(self.per_app):
            t = copy.deepcopy(self.task_tpl)
            tid = "%s.%08d-0000" % (self.ids[a][1:].replace("/", "_"), i)
            t.update({"appId": self.ids[a], "id": tid,
                      "host": host_addr(self.task_host(a, i)),
                      "state": "TASK_RUNNING", "slaveId": "agent-%d" %
                      self.task_host(a, i)})
            for h in t["healthCheckResults"]:
                h["taskId"] = tid
            out.append(t)
        return out

    def render(self, a, tasks=True):
        d = copy.deepcopy(self.app_tpl)
        d.update({"id": self.ids[a], "instances": self.instances[a],
                  "version": "2026-12-01T00:00:00.000Z",
                  "versionInfo": {"lastScalingAt": "2026-12-01T00:00:00.000Z",
                                  "lastConfigChangeAt":
                                  "2026-12-01T00:00:00.000Z"},
                  "tasksStaged": 0, "tasksRunning": self.per_app,
                  "tasksHealthy": self.per_app, "tasksUnhealthy": 0,
                  "deployments": []})
        if tasks:
            d["tasks"] = self.tasks(a)
        return json.dumps(d, separators=(",", ":"))

    def figure(self, a):
        return 95.0 if self.o.hot_every and a % self.o.hot_every == 0 \
            else 50.0

    def agent_task(self, a, i):
        tid = "%s.%08d-0000" % (self.ids[a][1:].replace("/", "_"), i)
        f = self.figure(a)
        return {"mesos_task_id": tid, "container_id": "%064x" % (a * 1000 + i),
                "name": "mesos-%s" % tid, "state": "running",
                "started": "2026-12-01T00:00:00.000Z",
                "cpu_percent_of_limit": f, "cpu_percent": f / 2,
                "cpu_limit_cores": 0.5, "mem_percent_of_limit": 40.0,
                "mem_working_set": 134217728, "mem_limit": 335544320}

    def agent_app(self, h, a, tasks):
        return {"id": self.ids[a], "host": host_addr(h),
                "sampled_at": "2026-12-01T00:00:00.000Z",
                "sample_age_s": 1.5, "task_count": len(tasks),
                "cpu_percent_of_limit": {"n": len(tasks), "mean":
                                         self.figure(a), "max":
                                         self.figure(a)},
                "mem_percent_of_limit": {"n": len(tasks), "mean": 40.0,
                                         "max": 40.0},
                "tasks": tasks}

    def place(self):
        """host -> {app: [agent task, ...]}, then the bodies."""
        per = [dict() for _ in range(self.o.hosts)]
        for a in range(self.o.apps):
            for i in range(self.per_app):
                per[self.task_host(a, i)].setdefault(a, []).append(
                    self.agent_task(a, i))
        self.agent_one = [{a: json.dumps(self.agent_app(h, a, ts)).encode()
                           for a, ts in p.items()}
                          for h, p in enumerate(per)]
        return [json.dumps([self.agent_app(h, a, ts)
                            for a, ts in sorted(p.items())]).encode()
                for h, p in enumerate(per)]


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    length = 0
    for ln in lines[1:]:
        if ln.lower().startswith("content-length:"):
            length = int(ln.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return method, target, body


def response(status, body, ctype="application/json"):
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}
    return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            b"\r\n" % (status, reason.get(status, "X").encode(),
                       ctype.encode(), len(body))) + body


async def serve(reader, writer, handle):
    try:
        while True:
            method, target, body = await read_request(reader)
            out = await handle(method, target, body)
            writer.write(out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError,
            asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


def marathon_handler(cl):
    from urllib.parse import parse_qs, urlsplit

    async def handle(method, target, body):
        u = urlsplit(target)
        if u.path == "/_stats":
            if method == "DELETE":
                for k in cl.stats:
                    cl.stats[k] = 0
            return response(200, json.dumps(cl.stats).encode())
        cl.stats["marathon_requests"] += 1
        await asyncio.sleep(cl.o.latency_ms / 1000.0)
        if u.path == "/v2/apps" and method == "GET":
            q = parse_qs(u.query)
            want = q.get("id", [""])[0]
            parts = [cl.frag[a] for a, aid in enumerate(cl.ids)
                     if want in aid]
            return response(200, b'{"apps":[' + b",".join(parts) + b"]}")
        if u.path.startswith("/v2/apps/"):
            a = cl.index.get(u.path[len("/v2/apps"):])
            if a is None:
                return response(404, b'{"message":"App does not exist"}')
            if method == "GET":
                return response(200, b'{"app":' + cl.frag[a] + b"}")
            if method == "PUT":
                n = json.loads(body or b"{}").get("instances")
                if isinstance(n, int):
                    cl.instances[a] = n
                    cl.frag[a] = cl.render(a).encode()
                return response(200, b'{"deploymentId":"00000000-0000-'
                                b'0000-0000-%012d","version":"2026-12-01T'
                                b'00:00:01.000Z"}' % a)
        return response(404, b'{"message":"not found"}')
    return handle


def agent_handler(cl, h):
    async def handle(method, target, body):
        cl.stats["agent_requests"] += 1
        if target == "/v1/apps":
            return response(200, cl.hosts[h])
        if target.startswith("/v1/apps/"):
            a = cl.index.get(target[len("/v1/apps"):])
            b = cl.agent_one[h].get(a) if a is not None else None
            if b is not None:
                return response(200, b)
        return response(404, b'{"error":"no such app","field":null}')
    return handle


def hang_handler(cl):
    async def hang(reader, writer):
        cl.stats["agent_requests"] += 1    # asked, never answered
        await hang_forever(reader, writer)
    return hang


async def hang_forever(reader, writer):
    try:
        await reader.read()      # until the scaler gives up
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main_async(o):
    cl = Cluster(o)
    msrv = await asyncio.start_server(
        lambda r, w: serve(r, w, marathon_handler(cl)), "127.0.0.1", 0,
        limit=1 << 20)
    mport = msrv.sockets[0].getsockname()[1]
    nslow = int(round(o.hosts * o.slow_frac))
    ndown = int(round(o.hosts * o.down_frac))
    port = o.agent_port
    servers = [msrv]
    for h in range(o.hosts):
        if h >= o.hosts - ndown:
            continue
        if h >= o.hosts - ndown - nslow:
            cb = hang_handler(cl)
        else:
            cb = (lambda hh: lambda r, w: serve(r, w, agent_handler(cl, hh)))(h)
        s = await asyncio.start_server(cb, host_addr(h), port,
                                       reuse_address=True, backlog=128)
        if port == 0:
            port = s.sockets[0].getsockname()[1]
        servers.append(s)
    print("%d %d" % (mport, port), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apps", type=int, required=True)
    ap.add_argument("--tasks", type=int, required=True)
    ap.add_argument("--hosts", type=int, required=True)
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--slow-frac", type=float, default=0.05)
    ap.add_argument("--down-frac", type=float, default=0)
    ap.add_argument("--hot-every", type=int, default=100)
    ap.add_argument("--agent-port", type=int, default=0)
    o = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        asyncio.run(main_async(o))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
