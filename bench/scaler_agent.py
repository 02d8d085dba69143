#!/usr/bin/env python3
"""A stand-in hoist-collector API for bench/scaler: GET /v1/apps/{id}
answers the collector's app object for the tasks the Marathon stand-in
reports for that app (GET {marathon}/v2/apps/{id}/tasks), and GET /v1/apps
(what fleet rounds ask) every app's, each task with fixed figures (CPU
90 % and memory 30 % of the limit).  Python 3 stdlib only;
listens on 127.0.0.1, prints its port on stdout.

    scaler_agent.py MARATHON_URL
"""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY,
    # Nagle and the client's delayed ACK add ~40 ms to each keep-alive
    # request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/v1/apps":
            with urllib.request.urlopen(self.server.marathon +
                                        "/v2/apps?embed=apps.tasks",
                                        timeout=30) as r:
                apps = json.load(r)["apps"]
            self.reply(200, [self.app(a["id"], a.get("tasks", []))
                             for a in apps])
            return
        if not self.path.startswith("/v1/apps/"):
            self.reply(404, {"error": "not found"})
            return
        app = self.path[len("/v1/apps"):]
        try:
            with urllib.request.urlopen(self.server.marathon + "/v2/apps" +
                                        app + "/tasks", timeout=10) as r:
                tasks = json.load(r)["tasks"]
        except Exception:
            self.reply(404, {"error": "no such app"})
            return
        self.reply(200, self.app(app, tasks))

    @staticmethod
    def app(app_id, tasks):
        return {
            "id": app_id, "host": "127.0.0.1", "task_count": len(tasks),
            "tasks": [{"mesos_task_id": t["id"], "cpu_percent_of_limit": 90.0,
                       "mem_percent_of_limit": 30.0} for t in tasks]}

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
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
