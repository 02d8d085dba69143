#!/usr/bin/env python3
"""A stand-in for Marathon's REST API (v2), for hoist's tests.

No real Marathon can run on a Debian test machine, so this server follows
the documented API as the payloads in tests/fixtures/marathon/ show
it (tests/marathon_standin_check.py checks the shapes against them).
Python 3 standard library only.  It listens on 127.0.0.1 only.

    marathon_standin.py [--port N] [--port-file FILE] [--user U --password P]
        [--forbidden-user U --forbidden-password P] [--token T]
        [--deploy-delay SEC|never] [--docker-sock PATH]
        [--default-image IMG] [--unhealthy]

--port 0 (the default) lets the kernel choose; the chosen port is printed
on stdout as one line, and written to --port-file when given.

Marathon endpoints (all under the optional auth):
    GET    /ping                          "pong" (never needs auth)
    GET    /v2/info
    GET    /v2/apps                       {"apps": [...]}; ?embed=apps.tasks
                                          embeds the tasks (repeatable
                                          embed=; apps.deployments and
                                          apps.counts are always there, as
                                          Marathon's default); ?id=S keeps
                                          the apps whose id contains S
                                          (Marathon's documented substring
                                          filter)
    POST   /v2/apps                       create; 201 + the app; 409 exists
    GET    /v2/apps/{id}                  {"app": {..., "tasks", "deployments"}}
    PUT    /v2/apps/{id}[?force=true]     create (201) or update (200);
                                          {"deploymentId", "version"};
                                          409 locked while a deployment of
                                          the app runs, unless force=true;
                                          {"version": V} alone rolls back to V
    GET    /v2/apps/{id}/tasks            {"tasks": [...]}
    GET    /v2/apps/{id}/versions         {"versions": [newest first]}
    GET    /v2/apps/{id}/versions/{v}     the definition stored at version v
    GET    /v2/deployments                [ {id, version, affectedApps, ...} ]
    DELETE /v2/deployments/{id}[?force=true]  200 + rollback deployment,
                                          or 202 with an empty body (force)

Authentication: with --user/--password, HTTP basic is required (401 and
the documented body otherwise); the --forbidden-user authenticates but
every /v2 request gets 403.  With --token, "Authorization: token=T" (the
DC/OS form) is accepted too.

Deployments finish --deploy-delay seconds after they start (default 0.3;
"never" keeps them running until told).  When one finishes, the app's
tasks are made to match its definition: TASK_RUNNING, host 127.0.0.1,
id "<app id without its leading slash, '/' -> '_'>.<uuid>" (the fixtures'
form), and one alive healthCheckResult per health check (none when the
app has no health checks, as Marathon does; --unhealthy makes them not
alive).

Test control endpoints (never logged, never authenticated):
    GET    /_standin/requests             every /v2 and /ping request so far
    DELETE /_standin/requests             forget them
    POST   /_standin/finish[?id=D]        finish one deployment, or all
    POST   /_standin/config               {"deploy_delay": SEC|null (never),
                                           "unhealthy": bool}
    POST   /_standin/seed                 {"app": {...definition...},
                                           "locked": bool} creates a running
                                          app at once; "locked" adds a
                                          deployment that never finishes
    POST   /_standin/fail                 {"status": 500, "count": 1,
                                           "method": "PUT", "path": "/v2/apps",
                                           "body": {...}}: the next `count`
                                          matching requests get this reply
    POST   /_standin/shutdown             stop serving (containers removed)

--docker-sock PATH: each task is a real container started with
    docker -H unix://PATH run -d --network none
        --label MESOS_TASK_ID=<task id> -e MARATHON_APP_ID=<app id>
        --cpus <cpus> <container.docker.image or --default-image> sh -c <cmd>
(cmd defaults to "sleep 3600"); scaling down or replacing tasks removes
their containers, and so does stopping the stand-in.
"""

import argparse
import base64
import copy
import json
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# The documented messages (fixtures error_*.json).
MSG_401 = "Invalid username or password."
MSG_403 = "Not Authorized to perform this action!"
MSG_LOCKED = ("App is locked by one or more deployments. Override with the "
              "option '?force=true'. View details at "
              "'/v2/deployments/<DEPLOYMENT_ID>'.")

# Marathon's rule for one segment of an id (PathId.scala): dot-separated
# labels of lowercase letters, digits and inner hyphens, or "." / "..".
SEGMENT_RE = re.compile(
    r"^(?:(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*"
    r"(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$|^\.{1,2}$")

# Fields a client may not set; Marathon computes them.
READ_ONLY = ("version", "versionInfo", "tasks", "tasksRunning",
             "tasksHealthy", "tasksUnhealthy", "tasksStaged", "deployments",
             "lastTaskFailure", "readinessCheckResults")

DEFAULTS = {
    "cmd": None, "args": None, "user": None, "env": {}, "instances": 1,
    "cpus": 1.0, "mem": 128.0, "disk": 0.0, "executor": "",
    "constraints": [], "uris": [], "fetch": [], "storeUrls": [],
    "ports": [0], "portDefinitions": [], "requirePorts": False,
    "backoffSeconds": 1, "backoffFactor": 1.15,
    "maxLaunchDelaySeconds": 3600, "container": None, "healthChecks": [],
    "readinessChecks": [], "dependencies": [],
    "upgradeStrategy": {"minimumHealthCapacity": 1,
                        "maximumOverCapacity": 1},
    "labels": {}, "acceptedResourceRoles": None,
}


def iso_ms(t):
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03dZ" % (ms % 1000)


def canon_id(raw):
    """'/a/b', 'a/b' -> '/a/b'; returns None when a segment is empty."""
    parts = raw.strip("/").split("/") if raw.strip("/") else []
    if not parts or any(p == "" for p in parts):
        return None
    return "/" + "/".join(parts)


class Reply(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def invalid(path, error):
    return Reply(422, {"message": "Object is not valid",
                       "details": [{"path": path, "errors": [error]}]})


def validate_definition(d):
    """Raise Reply(422) like Marathon's validators for the usual mistakes."""
    aid = d.get("id")
    if not isinstance(aid, str) or canon_id(aid) is None:
        raise invalid("/id", "error.path.missing" if aid is None
                      else "must be a valid path")
    for seg in aid.strip("/").split("/"):
        if not SEGMENT_RE.match(seg):
            raise invalid("/id", "must fully match regular expression "
                          "'^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*"
                          "([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|"
                          "(\\.|\\.\\.)$'")
    n = d.get("instances")
    if isinstance(n, bool) or not isinstance(n, int):
        raise invalid("/instances", "error.expected.jsnumber")
    if n < 0:
        raise invalid("/instances", "got %d, expected 0 or more" % n)
    for k in ("cpus", "mem", "disk"):
        v = d.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise invalid("/" + k, "error.expected.jsnumber")
        if v < 0:
            raise invalid("/" + k, "got %s, expected 0.0 or more" % v)
    us = d.get("upgradeStrategy")
    if isinstance(us, dict):
        mhc = us.get("minimumHealthCapacity", 1)
        if isinstance(mhc, (int, float)) and mhc > 1:
            raise invalid("/upgradeStrategy/minimumHealthCapacity",
                          "is greater than 1")
    c = d.get("container")
    if c is not None:
        if not isinstance(c, dict):
            raise invalid("/container", "error.expected.jsobject")
        dk = c.get("docker")
        if dk is not None and (not isinstance(dk, dict) or
                               not isinstance(dk.get("image"), str) or
                               not dk.get("image")):
            raise invalid("/container/docker/image", "must not be empty")
    if d.get("cmd") is None and d.get("args") is None and c is None:
        raise invalid("/", "AppDefinition must either contain one of 'cmd' "
                      "or 'args', and/or a 'container'.")


def coerce_numbers(d):
    """The old docs send numbers as strings ("instances": "2"); accept
    whole decimal strings for the numeric fields, as those examples do."""
    for k in ("instances",):
        v = d.get(k)
        if isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,9}", v):
            d[k] = int(v)
    for k in ("cpus", "mem", "disk"):
        v = d.get(k)
        if isinstance(v, str):
            try:
                d[k] = float(v)
            except ValueError:
                pass


class Standin:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.RLock()
        self.apps = {}          # id -> app record
        self.deployments = {}   # id -> deployment record
        self.requests = []
        self.failures = []
        self.deploy_delay = opts.deploy_delay
        self.unhealthy = opts.unhealthy
        self.last_version_t = 0.0

    # --- versions and ids -------------------------------------------------
    def new_version(self):
        t = max(time.time(), self.last_version_t + 0.001)
        self.last_version_t = t
        return iso_ms(t)

    # --- app rendering ----------------------------------------------------
    def render_task(self, app, t):
        hcs = app["def"].get("healthChecks") or []
        out = {
            "appId": app["def"]["id"], "id": t["id"], "host": "127.0.0.1",
            "ports": [], "slaveId": "standin-agent-0",
            "stagedAt": t["stagedAt"], "startedAt": t["startedAt"],
            "version": t["version"], "state": "TASK_RUNNING",
            "ipAddresses": [{"ipAddress": "127.0.0.1", "protocol": "IPv4"}],
            "localVolumes": [],
        }
        if hcs:
            out["healthCheckResults"] = [{
                "alive": t["healthy"], "consecutiveFailures":
                    0 if t["healthy"] else 3,
                "firstSuccess": t["startedAt"] if t["healthy"] else None,
                "lastFailure": None if t["healthy"] else t["startedAt"],
                "lastSuccess": t["startedAt"] if t["healthy"] else None,
                "taskId": t["id"]} for _ in hcs]
        else:
            out["healthCheckResults"] = []
        return out

    def render_app(self, app, embed_tasks):
        d = copy.deepcopy(app["def"])
        hcs = d.get("healthChecks") or []
        healthy = sum(1 for t in app["tasks"] if t["healthy"]) if hcs else 0
        unhealthy = len(app["tasks"]) - healthy if hcs else 0
        d.update({
            "version": app["version"],
            "versionInfo": {"lastScalingAt": app["lastScalingAt"],
                            "lastConfigChangeAt": app["lastConfigChangeAt"]},
            "tasksStaged": 0, "tasksRunning": len(app["tasks"]),
            "tasksHealthy": healthy, "tasksUnhealthy": unhealthy,
            "deployments": [{"id": dep} for dep in app["deployments"]],
        })
        if embed_tasks:
            d["tasks"] = [self.render_task(app, t) for t in app["tasks"]]
        return d

    def render_deployment(self, dep):
        return {
            "id": dep["id"], "version": dep["version"],
            "affectedApps": [dep["app"]], "affectedPods": [],
            "steps": [{"actions": [{"action": dep["action"],
                                    "app": dep["app"]}]}],
            "currentActions": [{"action": dep["action"], "app": dep["app"],
                                "readinessCheckResults": []}],
            "currentStep": 1, "totalSteps": 1,
        }

    # --- tasks (optionally real containers) -------------------------------
    def docker(self, *args):
        cmd = ["docker", "-H", "unix://" + self.opts.docker_sock] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60, check=False)
        if r.returncode != 0:
            sys.stderr.write("standin: %s: %s\n" %
                             (" ".join(cmd), r.stderr.decode(errors="replace")))
            return None
        return r.stdout.decode().strip()

    def start_task(self, app):
        d = app["def"]
        tid = "%s.%s" % (d["id"].strip("/").replace("/", "_"), uuid.uuid4())
        now = iso_ms(time.time())
        t = {"id": tid, "stagedAt": now, "startedAt": now,
             "version": app["lastConfigChangeAt"],
             "healthy": not self.unhealthy, "container": None}
        if self.opts.docker_sock:
            image = ((d.get("container") or {}).get("docker") or {}).get(
                "image") or self.opts.default_image
            cmd = d.get("cmd") or "sleep 3600"
            cid = self.docker("run", "-d", "--network", "none",
                              "--label", "MESOS_TASK_ID=" + tid,
                              "-e", "MARATHON_APP_ID=" + d["id"],
                              "--cpus", "%g" % float(d.get("cpus") or 0.1),
                              image, "sh", "-c", cmd)
            if cid is None:
                return None
            t["container"] = cid
        return t

    def stop_task(self, t):
        if self.opts.docker_sock and t.get("container"):
            self.docker("rm", "-f", t["container"])

    def converge(self, app, restart):
        """Make the running tasks match the definition."""
        if restart:
            for t in app["tasks"]:
                self.stop_task(t)
            app["tasks"] = []
        want = app["def"]["instances"]
        while len(app["tasks"]) > want:
            self.stop_task(app["tasks"].pop())
        while len(app["tasks"]) < want:
            t = self.start_task(app)
            if t is None:
                break
            app["tasks"].append(t)

    # --- deployments -----------------------------------------------------
    def start_deployment(self, app, action, restart, never=False):
        did = str(uuid.uuid4())
        delay = None if never else self.deploy_delay
        dep = {"id": did, "version": app["version"], "app": app["def"]["id"],
               "action": action, "restart": restart,
               "due": None if delay is None else time.monotonic() + delay}
        self.deployments[did] = dep
        app["deployments"].append(did)
        return dep

    def finish_deployment(self, did):
        dep = self.deployments.pop(did, None)
        if dep is None:
            return False
        app = self.apps.get(dep["app"])
        if app is not None:
            if did in app["deployments"]:
                app["deployments"].remove(did)
            self.converge(app, dep["restart"])
        return True

    def tick(self):
        with self.lock:
            now = time.monotonic()
            for did, dep in list(self.deployments.items()):
                if dep["due"] is not None and dep["due"] <= now:
                    self.finish_deployment(did)

    # --- apps ------------------------------------------------------------
    def store(self, app, d):
        app["def"] = d
        app["version"] = self.new_version()
        app["versions"].insert(0, (app["version"], copy.deepcopy(d)))

    def create_app(self, d):
        app = {"def": None, "tasks": [], "deployments": [], "versions": []}
        self.store(app, d)
        app["lastScalingAt"] = app["lastConfigChangeAt"] = app["version"]
        self.apps[d["id"]] = app
        return app

    def update_app(self, app, d):
        old = app["def"]
        same = {k: v for k, v in old.items() if k != "instances"} == \
            {k: v for k, v in d.items() if k != "instances"}
        self.store(app, d)
        app["lastScalingAt"] = app["version"]
        if not same:
            app["lastConfigChangeAt"] = app["version"]
        return not same

    def build_definition(self, aid, body, base):
        d = copy.deepcopy(base) if base is not None else copy.deepcopy(DEFAULTS)
        for k, v in body.items():
            if k not in READ_ONLY:
                d[k] = v
        d["id"] = aid
        coerce_numbers(d)
        validate_definition(d)
        return d


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive clients would otherwise wait ~40 ms per request (Nagle
    # against delayed ACKs).
    disable_nagle_algorithm = True
    server_version = "marathon-standin/1"

    def log_message(self, fmt, *args):  # quiet: tests read the request log
        pass

    # --- plumbing --------------------------------------------------------
    def send(self, status, body, headers=None, content_type="application/json"):
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def auth_kind(self):
        h = self.headers.get("Authorization")
        if h is None:
            return None
        if h.startswith("Basic "):
            try:
                user = base64.b64decode(h[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                user = "?"
            return "basic:" + user
        if h.startswith("token="):
            return "token"
        return "other"

    def check_auth(self):
        o = self.server.standin.opts
        if not o.user and not o.token:
            return
        h = self.headers.get("Authorization") or ""
        ok = forbidden = False
        if h.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user = pw = None
            if o.user and user == o.user and pw == o.password:
                ok = True
            elif o.forbidden_user and user == o.forbidden_user and \
                    pw == o.forbidden_password:
                forbidden = True
        elif o.token and h == "token=" + o.token:
            ok = True
        if forbidden:
            raise Reply(403, {"message": MSG_403})
        if not ok:
            raise Reply(401, {"message": MSG_401},
                        {"WWW-Authenticate": 'Basic realm="Mesosphere"'})

    def handle_any(self, method):
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query)
        body = self.read_body()
        st = self.server.standin
        st.tick()
        try:
            if path.startswith("/_standin/"):
                self.control(method, path, query, body)
                return
            with st.lock:
                st.requests.append({
                    "method": method, "path": path, "query": url.query,
                    "auth": self.auth_kind(),
                    "content_type": self.headers.get("Content-Type"),
                    "body": body.decode(errors="replace"),
                    "time": time.time()})
                for f in st.failures:
                    if f["count"] > 0 and (f.get("method") in (None, method)) \
                            and path.startswith(f.get("path", "/")):
                        f["count"] -= 1
                        raise Reply(f.get("status", 500), f.get(
                            "body", {"message": "injected failure"}))
            if path == "/ping":
                self.send(200, "pong", content_type="text/plain")
                return
            self.check_auth()
            with st.lock:
                self.route(method, path, query, body)
        except Reply as r:
            self.send(r.status, r.body, r.headers)

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PATCH(self):
        self.handle_any("PATCH")

    # --- the Marathon API ------------------------------------------------
    def parse_json(self, body):
        try:
            v = json.loads(body.decode() if body else "")
        except (ValueError, UnicodeDecodeError) as e:
            raise Reply(400, {"message": "Invalid JSON", "details": [
                {"path": "/", "errors": [str(e)]}]})
        if not isinstance(v, dict):
            raise Reply(400, {"message": "Invalid JSON", "details": [
                {"path": "/", "errors": ["error.expected.jsobject"]}]})
        return v

    def route(self, method, path, query, body):
        st = self.server.standin
        force = query.get("force", ["false"])[0] == "true"
        if path == "/v2/info" and method == "GET":
            self.send(200, info_body(self.server.server_address[1]))
            return
        if path in ("/v2/apps", "/v2/apps/"):
            if method == "GET":
                embeds = query.get("embed", [])
                embed = "apps.tasks" in embeds or "apps.failures" in embeds
                want = query.get("id", [""])[0]
                self.send(200, {"apps": [st.render_app(a, embed)
                                         for aid, a in st.apps.items()
                                         if want in aid]})
                return
            if method == "POST":
                b = self.parse_json(body)
                aid = canon_id(b["id"]) if isinstance(b.get("id"), str) else None
                if aid is None:
                    validate_definition(b)  # raises the /id error
                if aid in st.apps:
                    raise Reply(409, {"message": "An app with id [%s] "
                                      "already exists." % aid})
                d = st.build_definition(aid, b, None)
                app = st.create_app(d)
                st.start_deployment(app, "StartApplication", True)
                self.send(201, st.render_app(app, True),
                          {"Location": "/v2/apps" + aid})
                return
            raise Reply(405, {"message": "HTTP 405 Method Not Allowed"})
        if path == "/v2/deployments" and method == "GET":
            self.send(200, [st.render_deployment(d)
                            for d in st.deployments.values()])
            return
        if path.startswith("/v2/deployments/") and method == "DELETE":
            self.delete_deployment(unquote(path[len("/v2/deployments/"):]),
                                   force)
            return
        if path.startswith("/v2/apps/"):
            self.app_route(method, unquote(path[len("/v2/apps"):]), query,
                           body, force)
            return
        raise Reply(404, {"message": "Not found: %s" % path})

    def find_app(self, aid):
        app = self.server.standin.apps.get(aid)
        if app is None:
            raise Reply(404, {"message": "App '%s' does not exist" % aid})
        return app

    def app_route(self, method, rest, query, body, force):
        st = self.server.standin
        m = re.fullmatch(r"(.+?)/versions(?:/([^/]+))?", rest)
        if m and method == "GET":
            app = self.find_app(canon_id(m.group(1)) or m.group(1))
            if m.group(2) is None:
                self.send(200, {"versions": [v for v, _ in app["versions"]]})
                return
            for v, d in app["versions"]:
                if v == m.group(2):
                    out = copy.deepcopy(d)
                    out["version"] = v
                    self.send(200, out)
                    return
            raise Reply(404, {"message": "App '%s' does not exist in version "
                              "%s" % (app["def"]["id"], m.group(2))})
        m = re.fullmatch(r"(.+?)/tasks", rest)
        if m and method == "GET":
            app = self.find_app(canon_id(m.group(1)) or m.group(1))
            self.send(200, {"tasks": [st.render_task(app, t)
                                      for t in app["tasks"]]})
            return
        aid = canon_id(rest)
        if aid is None:
            raise Reply(404, {"message": "App '%s' does not exist" % rest})
        if method == "GET":
            self.send(200, {"app": st.render_app(self.find_app(aid), True)})
            return
        if method == "PUT":
            self.put_app(aid, self.parse_json(body), force)
            return
        raise Reply(405, {"message": "HTTP 405 Method Not Allowed"})

    def put_app(self, aid, b, force):
        st = self.server.standin
        app = st.apps.get(aid)
        if app is not None and app["deployments"] and not force:
            raise Reply(409, {"message": MSG_LOCKED, "deployments": [
                {"id": d} for d in app["deployments"]]})
        if "version" in b:
            # Marathon's rollback form: {"version": V} (and maybe "id").
            if set(b) - {"version", "id"}:
                raise invalid("/version", "The 'version' field may only be "
                              "combined with the 'id' field.")
            if app is None:
                raise Reply(404, {"message": "App '%s' does not exist" % aid})
            old = [d for v, d in app["versions"] if v == b["version"]]
            if not old:
                raise Reply(404, {"message": "App '%s' does not exist in "
                                  "version %s" % (aid, b["version"])})
            b = old[0]
        if app is not None and force:
            for did in list(app["deployments"]):
                st.deployments.pop(did, None)
            app["deployments"] = []
        if app is None:
            d = st.build_definition(aid, b, None)
            app = st.create_app(d)
            dep = st.start_deployment(app, "StartApplication", True)
            status = 201
        else:
            d = st.build_definition(aid, b, app["def"])
            restart = st.update_app(app, d)
            dep = st.start_deployment(app, "RestartApplication" if restart
                                      else "ScaleApplication", restart)
            status = 200
        self.send(status, {"deploymentId": dep["id"],
                           "version": app["version"]})

    def delete_deployment(self, did, force):
        st = self.server.standin
        dep = st.deployments.get(did)
        if dep is None:
            raise Reply(404, {"message": "DeploymentPlan %s does not exist"
                              % did})
        st.deployments.pop(did)
        app = st.apps.get(dep["app"])
        if app is not None and did in app["deployments"]:
            app["deployments"].remove(did)
        if force:
            self.send(202, None)
            return
        # Without force, Marathon rolls the change back with a new deployment.
        if app is not None and len(app["versions"]) > 1:
            st.update_app(app, copy.deepcopy(app["versions"][1][1]))
            new = st.start_deployment(app, "RestartApplication", True)
            self.send(200, {"deploymentId": new["id"],
                            "version": app["version"]})
            return
        self.send(200, {"deploymentId": str(uuid.uuid4()),
                        "version": st.new_version()})

    # --- test control ------------------------------------------------------
    def control(self, method, path, query, body):
        st = self.server.standin
        with st.lock:
            if path == "/_standin/requests" and method == "GET":
                self.send(200, st.requests)
            elif path == "/_standin/requests" and method == "DELETE":
                st.requests = []
                self.send(204, None)
            elif path == "/_standin/finish" and method == "POST":
                ids = query.get("id") or list(st.deployments)
                done = [d for d in ids if st.finish_deployment(d)]
                self.send(200, {"finished": done})
            elif path == "/_standin/config" and method == "POST":
                b = json.loads(body or b"{}")
                if "deploy_delay" in b:
                    st.deploy_delay = b["deploy_delay"]
                if "unhealthy" in b:
                    st.unhealthy = bool(b["unhealthy"])
                self.send(200, {"deploy_delay": st.deploy_delay,
                                "unhealthy": st.unhealthy})
            elif path == "/_standin/seed" and method == "POST":
                b = json.loads(body or b"{}")
                d = b["app"]
                aid = canon_id(d.get("id", ""))
                if aid is None:
                    raise Reply(400, {"message": "seed needs an app id"})
                d = st.build_definition(aid, d, None)
                app = st.apps.get(aid)
                if app is None:
                    app = st.create_app(d)
                else:
                    st.update_app(app, d)
                st.converge(app, True)
                dep = None
                if b.get("locked"):
                    dep = st.start_deployment(app, "ScaleApplication", False,
                                              never=True)
                self.send(200, {"version": app["version"],
                                "deploymentId": dep["id"] if dep else None})
            elif path == "/_standin/fail" and method == "POST":
                b = json.loads(body or b"{}")
                b.setdefault("count", 1)
                st.failures.append(b)
                self.send(200, b)
            elif path == "/_standin/shutdown" and method == "POST":
                self.send(200, {"ok": True})
                threading.Thread(target=self.server.shutdown,
                                 daemon=True).start()
            else:
                raise Reply(404, {"message": "no such control endpoint"})


def info_body(port):
    return {
        "name": "marathon", "version": "1.10.17-standin",
        "buildref": "standin", "elected": True,
        "leader": "127.0.0.1:%d" % port,
        "frameworkId": "00000000-0000-0000-0000-000000000000-0000",
        "marathon_config": {
            "checkpoint": True, "executor": "//cmd", "failover_timeout": 604800,
            "framework_name": "marathon", "ha": False, "hostname": "127.0.0.1",
            "local_port_max": 20000, "local_port_min": 10000,
            "master": "local", "mesos_role": None, "mesos_user": "root",
            "webui_url": None},
        "zookeeper_config": {"zk": None, "zk_timeout": 10000,
                             "zk_session_timeout": 10000,
                             "zk_max_versions": 50},
        "http_config": {"http_port": port, "https_port": 8443},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--forbidden-user")
    ap.add_argument("--forbidden-password")
    ap.add_argument("--token")
    ap.add_argument("--deploy-delay", default="0.3")
    ap.add_argument("--docker-sock")
    ap.add_argument("--default-image", default="hoist-busybox:test")
    ap.add_argument("--unhealthy", action="store_true")
    opts = ap.parse_args()
    opts.deploy_delay = None if opts.deploy_delay == "never" \
        else float(opts.deploy_delay)

    st = Standin(opts)
    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    srv.daemon_threads = True
    srv.standin = st
    port = srv.server_address[1]
    if opts.port_file:
        with open(opts.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.rename(opts.port_file + ".tmp", opts.port_file)
    print(port, flush=True)

    stop = threading.Event()

    def ticker():
        while not stop.wait(0.1):
            st.tick()

    threading.Thread(target=ticker, daemon=True).start()

    def on_term(_sig, _frm):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        with st.lock:
            for app in st.apps.values():
                for t in app["tasks"]:
                    st.stop_task(t)
        srv.server_close()


if __name__ == "__main__":
    main()
