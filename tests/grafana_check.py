#!/usr/bin/env python3
"""grafana_check.py - prove the hoist Grafana files work (Python 3 stdlib).

    grafana_check.py static  GRAFANA_DIR
    grafana_check.py queries GRAFANA_DIR URL DB [--var NAME=VALUE]...
    grafana_check.py synth   [--span SEC] [--step SEC] [--scaling-only]

static: every dashboard in GRAFANA_DIR/dashboards/*.json has what Grafana
needs to load it (uid, title, schemaVersion, panels each with type, title,
gridPos inside the 24-column grid and not overlapping, datasource {type,
uid}, targets with refId and a raw InfluxQL query), unique uids and panel
ids, and every datasource reference (panels, targets, template variables,
annotations) names the uid provisioned in
GRAFANA_DIR/provisioning/datasources/*.yaml; the dashboards provider is a
file provider with a path.

queries: every template variable's query, then every panel target and
annotation query, runs against the InfluxDB at URL (database DB) the way
Grafana would send it: variables are resolved in order, each one taking the
first value its own query returns (regex-escaped as Grafana does for
InfluxDB), $timeFilter -> time > now() - 1h, $__interval -> 10s.  Each query
must come back without error and with at least one series holding at least
one non-null value.  Prints one line per query; exit 1 on any failure.

synth: print line protocol for two hosts (their own cpu, mem, system, disk,
diskio and net points, Telegraf's names) and a handful of containers (some
in Marathon apps) over the last --span seconds, with exactly the measurement,
tag and field names the dashboards use, plus hoist-scaler decisions
(hoist_scaling), one sweep every --step seconds (10) over the last --span
seconds (900).  Used when no real collector is at hand; with
--scaling-only, only the decisions (for the apps the synthetic or real
containers carry: /shop/web, /shop/api, /batch/worker).
"""

import glob
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
errors = []
# What $__interval becomes (Grafana derives it from the time range and the
# panel width; 10 s is the collector's default sweep interval).
INTERVAL = "10s"


def err(msg):
    errors.append(msg)
    print("FAIL: " + msg)


# --------------------------------------------------------------- static

def provisioned_uid(gdir):
    """The uid of the InfluxDB datasource in the provisioning YAML (a plain
    `uid: NAME` line; no YAML parser in the standard library)."""
    uids = []
    for path in glob.glob(os.path.join(gdir, "provisioning/datasources/*.yaml")):
        text = open(path).read()
        if not re.search(r"^\s*type:\s*influxdb\s*$", text, re.M):
            err("%s: no influxdb datasource" % path)
        if not re.search(r"^\s*database:\s*hoist\s*$", text, re.M):
            err("%s: database is not hoist" % path)
        uids += re.findall(r"^\s*uid:\s*\"?([A-Za-z0-9_.-]+)\"?\s*$", text, re.M)
    if len(uids) != 1:
        err("want exactly one provisioned datasource uid, found %r" % uids)
        return None
    return uids[0]


def check_provider(gdir):
    paths = glob.glob(os.path.join(gdir, "provisioning/dashboards/*.yaml"))
    if not paths:
        err("no dashboard provider in provisioning/dashboards/")
    for path in paths:
        text = open(path).read()
        if not re.search(r"^\s*type:\s*file\s*$", text, re.M):
            err("%s: provider is not of type file" % path)
        if not re.search(r"^\s*path:\s*/\S+\s*$", text, re.M):
            err("%s: provider has no absolute options.path" % path)


def check_ds(where, ds, uid):
    if not isinstance(ds, dict):
        err("%s: datasource is %r, want {type, uid}" % (where, ds))
        return
    if ds.get("type") != "influxdb" or ds.get("uid") != uid:
        err("%s: datasource %r, want type influxdb uid %s" % (where, ds, uid))


def all_panels(dash):
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def check_dashboard(path, uid, seen_uids):
    name = os.path.basename(path)
    try:
        dash = json.load(open(path))
    except ValueError as e:
        err("%s: not JSON: %s" % (name, e))
        return
    for key, typ in (("uid", str), ("title", str), ("schemaVersion", int), ("panels", list)):
        if not isinstance(dash.get(key), typ) or not dash.get(key):
            err("%s: %s missing or not a %s" % (name, key, typ.__name__))
    if dash.get("uid") in seen_uids:
        err("%s: uid %s used twice" % (name, dash.get("uid")))
    seen_uids.add(dash.get("uid"))
    if isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] < 30:
        err("%s: schemaVersion %d is older than Grafana 8" % (name, dash["schemaVersion"]))
    ids = set()
    cells = {}
    npanels = 0
    for p in all_panels(dash):
        where = "%s: panel %r" % (name, p.get("title"))
        if not isinstance(p.get("id"), int) or p["id"] in ids:
            err("%s: id %r missing or repeated" % (where, p.get("id")))
        ids.add(p.get("id"))
        if not p.get("type") or not p.get("title"):
            err("%s: type or title missing" % where)
        gp = p.get("gridPos")
        if not isinstance(gp, dict) or not all(isinstance(gp.get(k), int) for k in "hwxy"):
            err("%s: gridPos missing or incomplete: %r" % (where, gp))
        else:
            if gp["x"] < 0 or gp["w"] < 1 or gp["x"] + gp["w"] > 24 or gp["h"] < 1 or gp["y"] < 0:
                err("%s: gridPos %r outside the 24-column grid" % (where, gp))
            for x in range(gp["x"], gp["x"] + gp["w"]):
                for y in range(gp["y"], gp["y"] + gp["h"]):
                    if (x, y) in cells:
                        err("%s: overlaps panel %r at (%d,%d)" % (where, cells[(x, y)], x, y))
                        break
                    cells[(x, y)] = p.get("title")
                else:
                    continue
                break
        if p.get("type") == "row":
            continue
        npanels += 1
        check_ds(where, p.get("datasource"), uid)
        targets = p.get("targets")
        if not isinstance(targets, list) or not targets:
            err("%s: no targets" % where)
            continue
        refids = set()
        for t in targets:
            if not t.get("refId") or t["refId"] in refids:
                err("%s: target refId %r missing or repeated" % (where, t.get("refId")))
            refids.add(t.get("refId"))
            if "datasource" in t:
                check_ds("%s/%s" % (where, t.get("refId")), t["datasource"], uid)
            if t.get("rawQuery") is not True or not str(t.get("query", "")).strip():
                err("%s/%s: want rawQuery true and an InfluxQL query" % (where, t.get("refId")))
            elif "$timeFilter" not in t["query"]:
                err("%s/%s: query without $timeFilter" % (where, t.get("refId")))
    if npanels == 0:
        err("%s: no data panels" % name)
    for v in dash.get("templating", {}).get("list", []):
        where = "%s: variable %r" % (name, v.get("name"))
        if v.get("type") == "query":
            check_ds(where, v.get("datasource"), uid)
            if not str(v.get("query", "")).strip():
                err("%s: empty query" % where)
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        where = "%s: annotation %r" % (name, a.get("name"))
        check_ds(where, a.get("datasource"), uid)
        if "$timeFilter" not in str(a.get("query", "")):
            err("%s: query without $timeFilter" % where)
    print("ok: %s: uid %s, %d panels, %d variables, %d annotations" % (
        name, dash.get("uid"), npanels, len(dash.get("templating", {}).get("list", [])),
        len(dash.get("annotations", {}).get("list", [])) - 1))


def cmd_static(gdir):
    uid = provisioned_uid(gdir)
    check_provider(gdir)
    paths = sorted(glob.glob(os.path.join(gdir, "dashboards/*.json")))
    if len(paths) < 3:
        err("want hosts, containers and apps dashboards, found %r" % paths)
    seen = set()
    for path in paths:
        check_dashboard(path, uid, seen)
    return 1 if errors else 0


# --------------------------------------------------------------- queries

def influx_query(url, db, q):
    """Run one query; returns (series list, error text or None)."""
    qs = urllib.parse.urlencode({"db": db, "q": q, "epoch": "ms"})
    try:
        with OPENER.open("%s/query?%s" % (url, qs), timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        return [], "HTTP %d: %s" % (e.code, e.read().decode("utf-8", "replace").strip())
    except (OSError, ValueError) as e:
        return [], str(e)
    if body.get("error"):
        return [], body["error"]
    series = []
    for res in body.get("results", []):
        if res.get("error"):
            return [], res["error"]
        series += res.get("series", []) or []
    return series, None


def regex_escape(value):
    """Escape a value for /^...$/ as Grafana's InfluxDB datasource does."""
    return re.sub(r"([\\^$.|?*+()\[\]{}/])", r"\\\1", value)


def substitute(q, values):
    for name in sorted(values, key=len, reverse=True):
        v = values[name]
        q = q.replace("${%s}" % name, v).replace("[[%s]]" % name, v).replace("$" + name, v)
    q = q.replace("$timeFilter", "time > now() - 1h")
    q = q.replace("$__interval", INTERVAL).replace("$interval", INTERVAL)
    # A variable left over ($name, ${name}, [[name]]); "$/" ends a regex.
    if re.search(r"\$\{?[A-Za-z_]|\[\[\w+\]\]", re.sub(r"\$tag_\w+", "", q)):
        err("unsubstituted variable left in: %s" % q)
    return q


def has_value(series):
    for s in series:
        for row in s.get("values", []):
            if any(v is not None for v in row[1:]):
                return True
    return False


def run_checked(url, db, what, q):
    series, e = influx_query(url, db, q)
    if e:
        err("%s: query error: %s\n    %s" % (what, e, q))
        return []
    if not series or not has_value(series):
        err("%s: no series with a value\n    %s" % (what, q))
        return []
    print("ok: %s: %d series" % (what, len(series)))
    return series


def resolve_variables(url, db, dash, name, forced=None):
    """Give each query variable, in order, the first value its query
    returns (or the one in `forced`, when the query returns it too; "*"
    for all of them, as Grafana's "All" option does)."""
    values = {}
    forced = forced or {}
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = substitute(v["query"], values)
        series = run_checked(url, db, "%s: variable %s" % (name, v["name"]), q)
        vals = sorted(row[1] for s in series for row in s.get("values", []) if row[1])
        if not vals:
            values[v["name"]] = "NO-VALUE"
            continue
        if forced.get(v["name"]) == "*":
            # Grafana's "All": every value, as one alternation.
            pick = "All"
            values[v["name"]] = "(%s)" % "|".join(regex_escape(x) for x in vals)
        else:
            pick = forced[v["name"]] if forced.get(v["name"]) in vals else vals[0]
            values[v["name"]] = regex_escape(pick)
        print("    %s = %s (of %d)" % (v["name"], pick, len(vals)))
    return values


def cmd_queries(gdir, url, db, forced=None):
    nq = 0
    for path in sorted(glob.glob(os.path.join(gdir, "dashboards/*.json"))):
        dash = json.load(open(path))
        name = os.path.basename(path)
        values = resolve_variables(url, db, dash, name, forced)
        for p in all_panels(dash):
            for t in p.get("targets", []) or []:
                run_checked(url, db, "%s: %s/%s" % (name, p.get("title"), t.get("refId")),
                            substitute(t["query"], values))
                nq += 1
        for a in dash.get("annotations", {}).get("list", []):
            if a.get("builtIn"):
                continue
            run_checked(url, db, "%s: annotation %s" % (name, a.get("name")),
                        substitute(a["query"], values))
            nq += 1
    print("%d panel and annotation queries, %d failures" % (nq, len(errors)))
    return 1 if errors else 0


# --------------------------------------------------------------- synth

def esc_tag(v):
    return re.sub(r"([ ,=])", r"\\\1", v)


def synth_host(out, host, k, step, ts):
    """The host's own points, Telegraf's system measurements (as the
    collector writes them with host_metrics on)."""
    busy = 20.0 + 10.0 * ((k % 8) - 4) / 4.0
    out.write("cpu,cpu=cpu-total,host=%s usage_user=%.3f,usage_system=%.3f,usage_nice=0,"
              "usage_iowait=1.5,usage_irq=0,usage_softirq=0.5,usage_steal=0,usage_guest=0,"
              "usage_guest_nice=0,usage_idle=%.3f %d\n" % (host, busy, busy / 2, 98 - busy * 1.5, ts))
    total = 16 * 1024 ** 3
    used = int(total * (0.4 + 0.01 * (k % 10)))
    out.write("mem,host=%s total=%di,used=%di,cached=%di,buffered=%di,free=%di,available=%di,"
              "used_percent=%.3f,available_percent=%.3f %d\n" % (
                  host, total, used, total // 4, total // 32, total - used - total // 4 - total // 32,
                  total - used, 100.0 * used / total, 100.0 * (total - used) / total, ts))
    out.write("system,host=%s load1=%.2f,load5=%.2f,load15=%.2f,n_cpus=4i,uptime=%di %d\n" % (
        host, 1.0 + (k % 5) / 5.0, 1.1, 1.2, 86400 + k * step, ts))
    out.write("disk,device=sda1,fstype=ext4,host=%s,mode=rw,path=/ total=%di,free=%di,used=%di,"
              "used_percent=%.3f,inodes_total=1000000i,inodes_free=900000i,inodes_used=100000i %d\n" % (
                  host, 100 * 1024 ** 3, 60 * 1024 ** 3, 40 * 1024 ** 3, 40.0 + (k % 3) / 10.0, ts))
    out.write("diskio,host=%s,name=sda reads=%di,writes=%di,read_bytes=%di,write_bytes=%di %d\n" % (
        host, k * 10, k * 20, k * step * 40960, k * step * 81920, ts))
    out.write("net,host=%s,interface=eth0 bytes_recv=%di,bytes_sent=%di,packets_recv=%di,"
              "packets_sent=%di,err_in=0i,err_out=0i,drop_in=0i,drop_out=0i %d\n" % (
                  host, k * step * 100000, k * step * 50000, k * step * 80, k * step * 40, ts))


def cmd_synth(span, step, scaling_only):
    """Line protocol with the collector's names: two hosts, containers with
    and without Marathon apps, counters that grow, and scaler decisions."""
    now = int(time.time())
    start = now - span
    containers = [
        # host, name, image, version, app, task, cpu %, limit cores, mem
        ("agent-1", "web-1", "shop/web", "1.4", "/shop/web", "shop_web.a1", 38.0, 0.5, 120e6),
        ("agent-1", "api-1", "shop/api", "2.0", "/shop/api", "shop_api.b1", 12.0, 1.0, 300e6),
        ("agent-1", "redis", "redis", "7", "", "", 3.0, 0.0, 40e6),
        ("agent-2", "web-2", "shop/web", "1.4", "/shop/web", "shop_web.a2", 44.0, 0.5, 130e6),
        ("agent-2", "worker-1", "batch/worker", "0.9", "/batch/worker", "batch_worker.c1", 95.0, 1.0, 500e6),
    ]
    out = sys.stdout
    k = 0
    for t in range(start, now, step):
        k += 1
        ts = t * 1000000000
        per_host = {}
        for (host, name, image, ver, app, task, cpu, lim, mem) in containers:
            if scaling_only:
                continue
            per_host[host] = per_host.get(host, 0) + 1
            wave = 1.0 + 0.3 * ((k % 12) - 6) / 6.0
            tags = "host=%s,container_name=%s,container_image=%s,container_version=%s,runtime=docker" % (
                host, esc_tag(name), esc_tag(image), esc_tag(ver))
            if app:
                tags += ",marathon_app_id=%s,mesos_task_id=%s" % (esc_tag(app), esc_tag(task))
            u = cpu * wave
            cpuf = "usage_percent=%.3f,usage_total=%di,throttling_periods=%di," \
                   "throttling_throttled_periods=%di,throttling_throttled_time=%di" % (
                       u, int(k * step * u * 1e7), k * step * 10,
                       int(k * step * 10 * (0.3 if lim and u > lim * 80 else 0.01)),
                       int(k * step * 1e6 * (u / 100.0)))
            if lim:
                cpuf += ",usage_percent_of_limit=%.3f,limit_cores=%.3f" % (u / lim, lim)
            out.write("container_cpu,%s,cpu=cpu-total %s,container_id=\"%040x\" %d\n" % (
                tags, cpuf, zlib.crc32(name.encode()), ts))
            m = mem * wave
            out.write("container_mem,%s usage=%di,usage_percent=%.3f,limit=%di,max_usage=%di,rss=%di,"
                      "cache=%di,swap=0i,fail_count=%di,oom_kills=%di,inactive_file=%di %d\n" % (
                          tags, m, m / 1e9 * 100, 1000000000, mem * 1.4, m * 0.8, m * 0.3,
                          k // 20, k // 40, m * 0.1, ts))
            for net, scale in (("eth0", 1), ("lo", 0.1), ("total", 1.1)):
                out.write("container_net,%s,network=%s rx_bytes=%di,tx_bytes=%di,rx_packets=%di,"
                          "tx_packets=%di,rx_errors=%di,tx_errors=0i,rx_dropped=%di,tx_dropped=0i %d\n" % (
                              tags, net, k * step * 50000 * scale, k * step * 20000 * scale,
                              k * step * 40 * scale, k * step * 20 * scale, k // 30, k // 25, ts))
            for dev, scale in (("8:0", 1), ("total", 1)):
                out.write("container_blkio,%s,device=%s io_service_bytes_recursive_read=%di,"
                          "io_service_bytes_recursive_write=%di,io_serviced_recursive_read=%di,"
                          "io_serviced_recursive_write=%di %d\n" % (
                              tags, dev, k * step * 4096 * scale, k * step * 8192 * scale,
                              k * step * scale, k * step * 2 * scale, ts))
            out.write("container_status,%s pids_current=%di,pids_limit=%di %d\n" % (
                tags, 3 + k % 4, 512, ts))
        for host, n in sorted(per_host.items()):
            if scaling_only:
                continue
            synth_host(out, host, k, step, ts)
            out.write("hoist_collector,host=%s sweep_duration_ms=%.3f,containers=%di,points_written=%di,"
                      "points_dropped=0i,points_spooled=%di,spool_bytes=%di,errors_cgroup=%di,"
                      "errors_docker=0i %d\n" % (
                          host, 0.4 + 0.05 * (k % 5), n, k * n * 12, k // 10 * 30,
                          4096 * (k % 7), k // 50, ts))
        if k % 6 == 0:
            # Every app gets both no-op evaluations and real decisions.
            worker = "deferred" if k % 12 == 0 else "none"
            for app, cur, want, action, reason in (
                    ("/shop/web", 2, 3, "scale", "cpu 82.0% above 80% for 3 cycles"),
                    ("/batch/worker", 1, 2 if worker == "deferred" else 1, worker,
                     "deployment in progress" if worker == "deferred" else "within thresholds"),
                    ("/shop/api", 1, 2, "dry_run", "cpu 91.0% above 80%, dry run")):
                out.write('hoist_scaling,app_id=%s,action=%s current=%di,desired=%di,cpu=%.1f,mem=%.1f,'
                          'reason="%s" %d\n' % (esc_tag(app), action, cur, want, 82.0, 12.5,
                                                reason, ts))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "static":
        return cmd_static(argv[1])
    if len(argv) >= 4 and argv[0] == "queries":
        # --var NAME=VALUE: that value for the variable when its query
        # returns it (the test's own data, not another test's that the
        # same host shows), else the first, as without it.
        forced = {}
        rest = argv[4:]
        while len(rest) >= 2 and rest[0] == "--var" and "=" in rest[1]:
            k, v = rest[1].split("=", 1)
            forced[k] = v
            rest = rest[2:]
        if rest:
            print("grafana_check.py queries: unknown arguments %r" % rest, file=sys.stderr)
            return 2
        return cmd_queries(argv[1], argv[2].rstrip("/"), argv[3], forced)
    if argv and argv[0] == "synth":
        span, step = 900, 10
        if "--span" in argv:
            span = int(argv[argv.index("--span") + 1])
        if "--step" in argv:
            step = int(argv[argv.index("--step") + 1])
        return cmd_synth(span, step, "--scaling-only" in argv)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
