#!/usr/bin/env python3
"""A stand-in for the collectors' GET /v1/apps/{id} on loopback, for the
scaler tests that need an app to look busy or idle without containers.

    fake_agent.py --marathon URL --cpu-file FILE [--port-file FILE]

For GET /v1/apps/{id} it asks the Marathon stand-in (URL) for the app's
tasks and answers {"tasks": [{"mesos_task_id": ID,
"cpu_percent_of_limit": CPU, "mem_percent_of_limit": 10}, ...]} where CPU
is the number in --cpu-file, read at each request (a test changes the
load by writing the file).  Listens on 127.0.0.1, port chosen by the
kernel (printed, and written to --port-file).  Standard library only.
"""
import argparse
import http.server
import json
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--marathon", required=True)
    ap.add_argument("--cpu-file", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    a = ap.parse_args()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if not self.path.startswith("/v1/apps/"):
                self.send_response(404)
                self.end_headers()
                return
            app = self.path[len("/v1/apps"):]
            try:
                with open(a.cpu_file) as f:
                    cpu = float(f.read().strip() or 0)
                with urllib.request.urlopen(
                        a.marathon + "/v2/apps" + app + "/tasks",
                        timeout=2) as r:
                    tasks = json.load(r)["tasks"]
            except Exception:   # app gone, stand-in down: no tasks
                tasks = []
            body = json.dumps({"tasks": [
                {"mesos_task_id": t["id"], "cpu_percent_of_limit": cpu,
                 "mem_percent_of_limit": 10} for t in tasks]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    port = srv.server_address[1]
    print(port, flush=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
