#!/usr/bin/env python3
"""Check tests/marathon_standin.py against the documented Marathon payloads.

Starts the stand-in on an ephemeral loopback port, drives it through the
documented exchanges, and compares every reply with the matching fixture in
tests/fixtures/marathon/: the same keys (at every level that the
fixture shows), the same fixed messages, the same status codes.  Exits 0
when everything matches; prints each mismatch otherwise.
"""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures", "marathon")
failures = []


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return json.load(f) if name.endswith(".json") else f.read()


def check(cond, what):
    if not cond:
        failures.append(what)
        print("MISMATCH: " + what)


def keys_cover(got, want, what, exact=False):
    """got must have every key of want (or exactly want's keys)."""
    if not isinstance(got, dict):
        check(False, "%s: not an object: %r" % (what, got))
        return
    missing = set(want) - set(got)
    check(not missing, "%s: missing keys %s" % (what, sorted(missing)))
    if exact:
        extra = set(got) - set(want)
        check(not extra, "%s: extra keys %s" % (what, sorted(extra)))


class Client:
    def __init__(self, base, user=None, password=None):
        self.base = base
        self.auth = None
        if user is not None:
            self.auth = "Basic " + base64.b64encode(
                ("%s:%s" % (user, password)).encode()).decode()

    def call(self, method, path, body=None):
        data = None if body is None else (
            body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw) if raw else None, raw
        except ValueError:
            return status, None, raw


def wait_idle(c, path):
    for _ in range(100):
        _, app, _ = c.call("GET", path)
        if not app["app"]["deployments"]:
            return app
        time.sleep(0.05)
    check(False, "deployment of %s never ended" % path)
    return app


def run(base):
    c = Client(base, "ops", "pw")
    anon = Client(base)
    guest = Client(base, "guest", "guest")
    locked_fix = fixture("error_409_app_locked.json")

    # /ping and auth.
    st, _, raw = anon.call("GET", "/ping")
    check(st == 200 and raw.decode() == fixture("ping_response.txt"), "ping")
    st, body, _ = anon.call("GET", "/v2/apps")
    check(st == 401, "no auth -> %d" % st)
    check(body == fixture("error_401_unauthorized.json"), "401 body")
    st, body, _ = guest.call("GET", "/v2/apps")
    check(st == 403, "forbidden user -> %d" % st)
    check(body == fixture("error_403_forbidden.json"), "403 body")

    # /v2/info.
    st, body, _ = c.call("GET", "/v2/info")
    info = fixture("v2_info_get.json")
    keys_cover(body, info, "/v2/info")
    keys_cover(body.get("http_config"), info["http_config"],
               "/v2/info http_config")

    # 404 for an app.
    st, body, _ = c.call("GET", "/v2/apps/minecraft/survival-world")
    want = fixture("error_404_app_not_found.json")
    check(st == 404, "missing app -> %d" % st)
    keys_cover(body, want, "404 body", exact=True)
    check(body["message"] == want["message"].replace(
        "/not_existent", "/minecraft/survival-world"), "404 message")

    # Create a nested app with PUT: the deployment result.
    definition = fixture("v2_app_definition.json")
    definition["id"] = "/minecraft/survival-world"
    definition["container"]["docker"]["image"] = "hoist-busybox:test"
    st, body, _ = c.call("PUT", "/v2/apps/minecraft/survival-world",
                         definition)
    check(st == 201, "PUT create -> %d" % st)
    keys_cover(body, fixture("v2_deployment_result.json"), "PUT result",
               exact=True)
    dep_id = body["deploymentId"]
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                       body["version"]) is not None, "version format")

    # While it deploys: GET /v2/deployments and the 409 on another PUT.
    st, deps, _ = c.call("GET", "/v2/deployments")
    dfix = fixture("v2_deployments_get.json")[0]
    check(st == 200 and len(deps) == 1, "one deployment listed")
    keys_cover(deps[0], dfix, "deployment")
    keys_cover(deps[0]["steps"][0]["actions"][0],
               dfix["steps"][0]["actions"][0], "deployment step action")
    keys_cover(deps[0]["currentActions"][0],
               {k: 1 for k in dfix["currentActions"][0]}, "currentAction")
    check(deps[0]["id"] == dep_id, "deployment id")
    check(deps[0]["affectedApps"] == ["/minecraft/survival-world"],
          "affectedApps")
    st, body, _ = c.call("PUT", "/v2/apps/minecraft/survival-world",
                         fixture("v2_app_put_scale_request_doc.json"))
    check(st == 409, "PUT while deploying -> %d" % st)
    keys_cover(body, locked_fix, "409 body", exact=True)
    check(body["message"] == locked_fix["message"], "409 message")
    check(body["deployments"] == [{"id": dep_id}], "409 deployment ids")

    # Single app: {"app": {...}} with tasks, like the fixture.
    app = wait_idle(c, "/v2/apps/minecraft/survival-world")
    afix = fixture("v2_app_get_with_tasks.json")
    check(set(app) == {"app"}, "single app wrapped in {\"app\": ...}")
    skip = {"lastTaskFailure"}   # only present after a task failed
    keys_cover(app["app"], {k: 1 for k in afix["app"] if k not in skip},
               "app")
    keys_cover(app["app"]["versionInfo"], afix["app"]["versionInfo"],
               "versionInfo", exact=True)
    tasks = app["app"]["tasks"]
    check(len(tasks) == 2, "2 tasks after the deployment")
    tfix = dict(afix["app"]["tasks"][0])
    tfix.update(fixture("v2_app_tasks_get.json")["tasks"][0])
    for k in ("region", "zone", "role"):   # fault-domain extras
        tfix.pop(k, None)
    keys_cover(tasks[0], tfix, "task")
    keys_cover(tasks[0]["healthCheckResults"][0],
               afix["app"]["tasks"][0]["healthCheckResults"][0],
               "healthCheckResult", exact=True)
    check(tasks[0]["id"].startswith("minecraft_survival-world."),
          "task id form")
    check(tasks[0]["state"] == "TASK_RUNNING", "task state")
    check(tasks[0]["host"] == "127.0.0.1", "task host")

    # App list and tasks endpoint.
    st, body, _ = c.call("GET", "/v2/apps")
    lfix = fixture("v2_apps_get.json")
    check(set(body) == {"apps"}, "apps list wrapper")
    keys_cover(body["apps"][0], lfix["apps"][0], "listed app")
    check("tasks" not in body["apps"][0], "no tasks without embed")
    # The bulk read hoist-scaler's fleet rounds make: tasks and
    # deployments embedded, narrowed by Marathon's id substring filter.
    st, body, _ = c.call("GET", "/v2/apps?embed=apps.tasks&"
                         "embed=apps.deployments&id=/minecraft/")
    check(st == 200 and [a["id"] for a in body["apps"]] ==
          ["/minecraft/survival-world"], "id filter keeps the app")
    check(isinstance(body["apps"][0].get("tasks"), list) and
          isinstance(body["apps"][0].get("deployments"), list),
          "embedded tasks and deployments")
    st, body, _ = c.call("GET", "/v2/apps?embed=apps.tasks&id=/nomatch/")
    check(st == 200 and body == {"apps": []}, "id filter drops the rest")
    st, body, _ = c.call("GET", "/v2/apps/minecraft/survival-world/tasks")
    keys_cover(body, fixture("v2_app_tasks_get.json"), "tasks", exact=True)

    # Validation: 422 and 400 bodies.
    st, body, _ = c.call("PUT", "/v2/apps/minecraft/survival-world",
                         {"upgradeStrategy": {"minimumHealthCapacity": 2}})
    vfix = fixture("error_422_object_not_valid.json")
    check(st == 422, "422 status %d" % st)
    check(body == vfix, "422 body equals the fixture: %r" % body)
    st, body, _ = c.call("PUT", "/v2/apps/x", b"{not json")
    jfix = fixture("error_400_invalid_json.json")
    check(st == 400, "400 status %d" % st)
    keys_cover(body, jfix, "400 body", exact=True)
    check(body["message"] == jfix["message"], "400 message")
    keys_cover(body["details"][0], jfix["details"][0], "400 details",
               exact=True)

    # POST of an existing id.
    st, body, _ = c.call("POST", "/v2/apps", definition)
    efix = fixture("error_409_app_exists.json")
    check(st == 409, "POST existing -> %d" % st)
    check(body == {"message": efix["message"].replace(
        "/existing_app", "/minecraft/survival-world")}, "409 exists body")

    # Versions.
    st, body, _ = c.call("GET", "/v2/apps/minecraft/survival-world/versions")
    check(st == 200 and len(body["versions"]) == 1, "versions")
    st, old, _ = c.call("GET", "/v2/apps/minecraft/survival-world/versions/"
                        + body["versions"][0])
    check(st == 200 and old["container"]["docker"]["image"] ==
          "hoist-busybox:test", "version body")

    # Deployments: cancel (rollback) and force-cancel, and 404.
    c.call("POST", "/_standin/config", {"deploy_delay": None})
    st, body, _ = c.call("PUT", "/v2/apps/minecraft/survival-world",
                         {"instances": 3})
    check(st == 200, "scale -> %d" % st)
    st, body, raw = c.call("DELETE", "/v2/deployments/" + body["deploymentId"])
    check(st == 200, "DELETE deployment -> %d" % st)
    keys_cover(body, fixture("v2_deployment_delete_response.json"),
               "DELETE deployment body", exact=True)
    st, body, raw = c.call("DELETE", "/v2/deployments/%s?force=true"
                           % body["deploymentId"])
    check(st == 202 and raw == b"", "force DELETE -> %d %r" % (st, raw))
    st, body, _ = c.call("DELETE", "/v2/deployments/unknown_deployment")
    check(st == 404 and body == fixture(
        "error_404_deployment_not_found.json"), "deployment 404 body")


def main():
    tmp = tempfile.mkdtemp(prefix="hoist-standin-check.")
    portfile = os.path.join(tmp, "port")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "marathon_standin.py"),
         "--port", "0", "--port-file", portfile, "--user", "ops",
         "--password", "pw", "--forbidden-user", "guest",
         "--forbidden-password", "guest", "--deploy-delay", "0.2"],
        stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(portfile):
                break
            time.sleep(0.05)
        with open(portfile) as f:
            port = int(f.read())
        run("http://127.0.0.1:%d" % port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if os.path.exists(portfile):
            os.unlink(portfile)
        os.rmdir(tmp)
    if failures:
        print("%d mismatches" % len(failures))
        return 1
    print("stand-in matches the fixtures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
