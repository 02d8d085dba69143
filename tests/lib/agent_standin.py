#!/usr/bin/env python3
"""A stand-in for hoist-collector's GET /v1/apps, for the scaler's fleet
tests: every app the Marathon stand-in runs, with each of its tasks'
cpu_percent_of_limit taken from a JSON file the test edits
({"/fleet/app-3": 95.0, ...}; apps not in it: 50), memory null.  Shapes
as docs/api-collector.md.  Python 3 stdlib only; listens on 127.0.0.1,
writes its port to PORT_FILE.  Counts the requests it answered
(GET /_standin/requests -> {"v1_apps": N}).

    agent_standin.py MARATHON_URL FIGURES_JSON PORT_FILE
"""
import json
import os
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        if self.path == "/_standin/requests":
            self.reply(200, {"v1_apps": srv.count})
            return
        if self.path != "/v1/apps":
            self.reply(404, {"error": "not found", "field": None})
            return
        with srv.lock:
            srv.count += 1
        try:
            with open(srv.figures) as f:
                figures = json.load(f)
        except (OSError, ValueError):
            figures = {}
        with urllib.request.urlopen(srv.marathon +
                                    "/v2/apps?embed=apps.tasks",
                                    timeout=10) as r:
            apps = json.load(r)["apps"]
        out = []
        for a in sorted(apps, key=lambda a: a["id"]):
            cpu = float(figures.get(a["id"], 50.0))
            tasks = [{"mesos_task_id": t["id"], "container_id": "c" * 64,
                      "name": t["id"], "state": "running",
                      "started": t.get("startedAt"),
                      "cpu_percent_of_limit": cpu, "cpu_percent": cpu,
                      "cpu_limit_cores": 1.0, "mem_percent_of_limit": None,
                      "mem_working_set": None, "mem_limit": None}
                     for t in a.get("tasks", [])]
            if not tasks:
                continue
            out.append({"id": a["id"], "host": "127.0.0.1",
                        "sampled_at": None, "sample_age_s": 0.5,
                        "task_count": len(tasks),
                        "cpu_percent_of_limit": {"n": len(tasks),
                                                 "mean": cpu, "max": cpu},
                        "mem_percent_of_limit": {"n": 0, "mean": None,
                                                 "max": None},
                        "tasks": tasks})
        self.reply(200, out)

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.marathon = sys.argv[1].rstrip("/")
    srv.figures = sys.argv[2]
    srv.lock = threading.Lock()
    srv.count = 0
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    srv.serve_forever()


if __name__ == "__main__":
    main()
