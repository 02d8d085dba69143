#!/bin/sh
# api_live: the collector's HTTP API end to end (issue 3).  A
# Mesos-containerizer container on real cgroup v1 (task /grp/shop/batch,
# 0.2-core quota, 256 MiB limit) runs a busy loop; hoist-collector sweeps
# every second with --listen on a loopback port and a bearer token file.
# The test checks: /healthz without the token; 401 without it elsewhere;
# /v1/apps/grp/shop/batch (nested id) has the task, matched by its
# mesos_task_id, with CPU near 100 % of its limit and the right limits;
# /v1/containers/{id} agrees; /metrics passes promtool and carries the
# limit; a malformed request gets a 4xx and the API keeps serving.
# Everything it made is removed on exit.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
CTRLS="cpu cpuacct memory pids blkio"
. "$top/tests/lib/wait.sh"
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }
[ -d /sys/fs/cgroup/cpuacct ] || { echo "FAIL: no cgroup v1 cpuacct hierarchy on this host"; exit 1; }
command -v promtool >/dev/null 2>&1 || { echo "FAIL: promtool not installed (Debian: prometheus)"; exit 1; }
U=$(cat /proc/sys/kernel/random/uuid)
T=$(mktemp -d /tmp/hoist-api.XXXXXX)
TOKEN="tok-$U"
LOOP="" COLL=""
made_parent=""
for c in $CTRLS; do [ -d "/sys/fs/cgroup/$c/mesos" ] || made_parent="$made_parent $c"; done
cleanup() {
	[ -n "$COLL" ] && kill "$COLL" 2>/dev/null && wait "$COLL" 2>/dev/null
	[ -n "$LOOP" ] && kill "$LOOP" 2>/dev/null && wait "$LOOP" 2>/dev/null
	for c in $CTRLS; do
		cgdelete -g "$c:/mesos/$U" 2>/dev/null
		rmdir "/sys/fs/cgroup/$c/mesos/$U" 2>/dev/null
	done
	for c in $made_parent; do rmdir "/sys/fs/cgroup/$c/mesos" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$T/err" ] && tail -20 "$T/err"; exit 1; }

cgcreate -g "cpu,cpuacct,memory,pids,blkio:/mesos/$U" || fail "cgcreate"
cgset -r cpu.cfs_quota_us=20000 -r cpu.cfs_period_us=100000 "/mesos/$U" || fail "cgset cpu"
cgset -r memory.limit_in_bytes=268435456 "/mesos/$U" || fail "cgset memory"
cgexec -g "cpu,cpuacct,memory,pids,blkio:/mesos/$U" \
	env MARATHON_APP_ID=/grp/shop/batch MESOS_TASK_ID=grp_shop_batch.4711 \
	sh -c 'while :; do :; done' &
LOOP=$!

printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
# A free port: bind 0 in python, read it back, release it.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --docker none --interval 1 --max_sweeps 60 --output "file:$T/out.lp" \
	--listen "127.0.0.1:$PORT" --api_token_file "$T/token" 2>"$T/err" &
COLL=$!
URL="http://127.0.0.1:$PORT"
AUTH="Authorization: Bearer $TOKEN"

# Wait for three sweeps: the first rates need two samples.
three_sweeps() {
	kill -0 "$COLL" 2>/dev/null || { echo "collector exited"; return 0; }
	curl -fsS "$URL/healthz" -o "$T/health.json" &&
	python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["sweeps"] >= 3 else 1)' "$T/health.json"
}
# 30 s (was 10): an upper bound for start-up and three 1 s sweeps on a
# loaded machine; an idle one takes about 3 s.
wait_for 30 "/healthz to report 3 sweeps" three_sweeps || fail "no healthy API"
kill -0 "$COLL" 2>/dev/null || fail "collector exited"
grep -q '"status":"ok"' "$T/health.json" || fail "healthz: $(cat "$T/health.json")"

code=$(curl -s -o "$T/401.json" -w '%{http_code}' "$URL/v1/containers")
[ "$code" = 401 ] || fail "no token: $code"
grep -q '"error":"unauthorized"' "$T/401.json" || fail "401 body"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "$URL/metrics")
[ "$code" = 401 ] || fail "wrong token: $code"

# The CPU figure is the rate between the last two sweeps.  Bracket it with
# the group's own cpuacct.usage: read it, wait for three more sweeps (the
# first may have read its sample before; the interval between the next two
# lies inside), query, read it again.
usage_ns() { cat "/sys/fs/cgroup/cpuacct/mesos/$U/cpuacct.usage"; }
sweeps_now() {
	curl -fsS "$URL/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sweeps"])'
}
sweeps_at_least() { [ "$(sweeps_now)" -ge "$1" ]; }
# Host CPU time in seconds per online CPU (/proc/stat's cpu line, user ..
# steal): the clock the collector's percentages are taken on.
host_s() {
	python3 -c 'import os
f = open("/proc/stat").readline().split()
print(sum(int(x) for x in f[1:9]) / os.sysconf("SC_CLK_TCK") / os.sysconf("SC_NPROCESSORS_ONLN"))'
}
u0=$(usage_ns) t0=$(host_s)
s0=$(sweeps_now) || fail "healthz"
wait_for 30 "3 more sweeps" sweeps_at_least $((s0 + 3)) || fail "the collector stopped sweeping"
curl -fsS -H "$AUTH" "$URL/v1/apps/grp/shop/batch" -o "$T/app.json" || fail "GET /v1/apps/grp/shop/batch"
curl -fsS -H "$AUTH" "$URL/v1/containers" -o "$T/containers.json" || fail "GET /v1/containers"
u1=$(usage_ns) t1=$(host_s)
python3 - "$T/app.json" "$T/containers.json" "$U" "$u0" "$u1" "$t0" "$t1" <<'PY' || fail "JSON checks"
import json, sys
app = json.load(open(sys.argv[1]))
conts = json.load(open(sys.argv[2]))
u = sys.argv[3]
# CPU seconds of the group, and host CPU seconds per CPU (the collector's
# clock; about the wall time) around the queries.
cpu_s = (int(sys.argv[5]) - int(sys.argv[4])) / 1e9
wall_s = float(sys.argv[7]) - float(sys.argv[6])   # host CPU s per CPU
def check(cond, what):
    if not cond:
        print("bad:", what); sys.exit(1)
check(app["id"] == "/grp/shop/batch", "app id %r" % app["id"])
check(app["task_count"] == 1, "task_count %r" % app["task_count"])
t = app["tasks"][0]
check(t["mesos_task_id"] == "grp_shop_batch.4711", "task id %r" % t["mesos_task_id"])
check(t["cpu_limit_cores"] == 0.2, "limit cores %r" % t["cpu_limit_cores"])
check(t["mem_limit"] == 268435456, "mem limit %r" % t["mem_limit"])
p = t["cpu_percent_of_limit"]
# The sweep interval I (--interval 1; 0.9..1.1 s) lies inside the wall_s
# window and the loop uses at most 0.2 core, so its use over I is between
# cpu_s - 0.2 (wall_s - I) and cpu_s; as a percent of 0.2 core over I, and
# never above 115 (the quota); 0.04 s for a CFS period of quota at each
# end of the window.  On an idle machine that is about 64..115.
lo = max(0.0, (cpu_s - 0.2 * (wall_s - 0.9) - 0.04) / 1.1 / 0.2 * 100)
hi = min(cpu_s / 0.9 / 0.2 * 100, 115)
print("cpuacct.usage around the queries: %.3f s of CPU in %.3f s; want %.1f <= %r <= %.1f"
      % (cpu_s, wall_s, lo, p, hi))
check(p is not None and p > 0 and lo <= p <= hi, "cpu percent of limit %r" % p)
check(app["cpu_percent_of_limit"]["n"] == 1 and app["cpu_percent_of_limit"]["max"] == p, "cpu stat")
check(app["mem_percent_of_limit"]["n"] == 1, "mem stat")
check(app["sample_age_s"] is not None and app["sample_age_s"] < 3, "sample age")
mine = [c for c in conts if c["mesos_task_id"] == "grp_shop_batch.4711"]
check(len(mine) == 1, "container by task id")
c = mine[0]
check(c["runtime"] == "mesos", "runtime %r" % c["runtime"])
check(c["marathon_app_id"] == "/grp/shop/batch", "app id in container")
check(c["memory"]["limit"] == 268435456, "memory.limit")
check(c["cpu"]["quota_us"] == 20000 and c["cpu"]["period_us"] == 100000, "quota")
check(c["cpu"]["usage_ns"] > 0, "usage")
open(sys.argv[1] + ".id", "w").write(c["id"])
print("app /grp/shop/batch: cpu %.1f%% of 0.2 cores, mem %.3f%% of 256 MiB, container %s"
      % (p, t["mem_percent_of_limit"], c["id"]))
PY
CID=$(cat "$T/app.json.id")
curl -fsS -H "$AUTH" "$URL/v1/containers/$CID" -o "$T/one.json" || fail "GET /v1/containers/{id}"
grep -q '"mesos_task_id":"grp_shop_batch.4711"' "$T/one.json" || fail "one container"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/v1/apps/grp/shop")
[ "$code" = 404 ] || fail "parent group is no app: $code"

curl -fsS -H "$AUTH" "$URL/metrics" -o "$T/metrics.txt" || fail "GET /metrics"
. "$top/tests/lib/promtool_check.sh"
promtool_check "$T/metrics.txt" || fail "promtool rejects /metrics"
grep -q "^container_spec_memory_limit_bytes{id=\"$CID\",.*marathon_app_id=\"/grp/shop/batch\",mesos_task_id=\"grp_shop_batch.4711\"} 268435456\$" \
	"$T/metrics.txt" || fail "limit series in /metrics"

# Malformed and hostile requests, then a good one.
python3 - "$PORT" <<'PY' || fail "hostile requests"
import socket, sys
port = int(sys.argv[1])
def send(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        s.sendall(data)
        got = b""
        while True:
            b = s.recv(4096)
            if not b: break
            got += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return int(got[9:12]) if got.startswith(b"HTTP/1.") else 0
for req in [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 65536 + b"\r\n\r\n",
            b"GET /v1/containers/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"\x16\x03\x01\x00\xff\x01\x00\x00"]:
    st = send(req)
    if st != 0 and not 400 <= st < 500:
        print("status", st, "for", req[:40]); sys.exit(1)
    ok = send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    if ok != 200:
        print("not serving after", req[:40], ok); sys.exit(1)
PY
kill -0 "$COLL" 2>/dev/null || fail "collector died"
if grep -q "$TOKEN" "$T/err"; then fail "the token reached the log"; fi
echo ok
