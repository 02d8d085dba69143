#!/bin/sh
# hoist-scaler with `source = influxdb`, against a real InfluxDB 1.x
# (tests/lib/influxd.sh) and the Marathon stand-in, on loopback:
#   - container_cpu / container_mem points (as the collector writes them:
#     tags marathon_app_id, mesos_task_id, cpu=cpu-total) for the app's
#     two tasks at 100 % of the CPU limit make a target-50 % rule scale
#     2 -> 4, with the decision showing cpu 100 and 2/2 tasks with metrics;
#   - the decision record also lands in InfluxDB (output influxdb:...) as
#     measurement hoist_scaling;
#   - with the points of another app only, the decision is `none`, "no
#     metrics".
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-influx.XXXXXX)
SPID="" MPID=""

. "$HOIST_TOP/tests/lib/influxd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	influxd_stop
	rm -rf "$T"
}
fail() {
	echo "FAIL: $*"
	echo "--- scaler log"; tail -15 "$T/scaler.log" 2>/dev/null
	exit 1
}
influxd_setup

python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 --port-file "$T/mport" \
	>"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" || fail "stand-in did not start"
MURL="http://127.0.0.1:$(cat "$T/mport")"
for app in /shop/web /shop/idle; do
	curl -sf -X POST -d "{\"app\": {\"id\": \"$app\", \"instances\": 2, \"cmd\": \"x\"}}" \
		"$MURL/_standin/seed" >/dev/null || fail "seed $app"
done

# Points for the two tasks of /shop/web, now, as the collector writes them.
python3 - "$MURL" "$INFLUX_URL" <<'EOF' || fail "writing points"
import json, sys, time, urllib.request
murl, iurl = sys.argv[1], sys.argv[2]
tasks = json.load(urllib.request.urlopen(murl + "/v2/apps/shop/web/tasks"))["tasks"]
assert len(tasks) == 2, tasks
now = time.time_ns()
lines = []
for t in tasks:
    for k in range(3):
        ts = now - k * 5 * 10**9
        tags = "marathon_app_id=/shop/web,mesos_task_id=%s" % t["id"]
        lines.append("container_cpu,%s,cpu=cpu-total usage_percent=20,usage_percent_of_limit=100 %d" % (tags, ts))
        lines.append("container_cpu,%s,cpu=cpu0 usage_total=1i %d" % (tags, ts))
        lines.append("container_mem,%s usage_percent=30 %d" % (tags, ts))
req = urllib.request.Request(iurl + "/write?db=hoist", "\n".join(lines).encode())
assert urllib.request.urlopen(req).status == 204
EOF

"$BIN" --listen 127.0.0.1:0 --marathon "$MURL" --state-dir "$T/state" --interval 1 \
	--source influxdb --source-influxdb-url "$INFLUX_URL" --source-influxdb-db hoist \
	--source-window-s 60 --output "influxdb:$INFLUX_URL/hoist" --flush-interval-ms 100 \
	-v >"$T/scaler.log" 2>&1 &
SPID=$!
# The scaler logs its API port once it listens ("... (port N)").
wait_for 10 "the scaler to log its API port" file_has "$T/scaler.log" '\(port [0-9]+\)' ||
	fail "scaler did not start"
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)
API="http://127.0.0.1:$PORT"
for app in shop/web shop/idle; do
	code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT "$API/v1/rules/$app" --data-binary \
		'{"min_instances":1,"max_instances":8,"mode":"target","cpu":{"target":50},"mem":{"target":60},"warmup_s":0}')
	[ "$code" = 201 ] || fail "rule $app: $code $(cat "$T/out")"
done

web_scaled() {
	curl -s "$API/v1/decisions?app=/shop/web&limit=50" >"$T/web.json" &&
		grep -q '"action":"scale"' "$T/web.json"
}
wait_for 10 "a scale decision for /shop/web" web_scaled
python3 - "$T/web.json" <<'EOF' || fail "web decision: $(cat "$T/web.json")"
import json, sys
d = [x for x in json.load(open(sys.argv[1]))["decisions"] if x["action"] == "scale"][-1]
assert (d["current"], d["desired"]) == (2, 4), d
assert abs(d["cpu"] - 100) < 0.01 and abs(d["mem"] - 30) < 0.01, d
assert (d["tasks_with_metrics"], d["tasks_total"]) == (2, 2), d
print("influxdb source: %s" % d["reason"])
EOF
curl -s "$MURL/_standin/requests" | python3 -c '
import json, sys
puts = [r for r in json.load(sys.stdin) if r["method"] == "PUT"]
assert [(r["path"], json.loads(r["body"])) for r in puts] == [("/v2/apps/shop/web", {"instances": 4})], puts
' || fail "PUTs"
curl -s "$API/v1/decisions?app=/shop/idle&limit=1" >"$T/idle.json"
grep -q '"action":"none","reason":"no metrics' "$T/idle.json" || fail "idle: $(cat "$T/idle.json")"

# The decision records reached InfluxDB.
scale_recorded() {
	n=$(influxd_query "SELECT count(\"desired\") FROM hoist_scaling WHERE \"action\" = 'scale' AND app_id = '/shop/web'" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)')
	[ "$n" -ge 1 ] 2>/dev/null
}
wait_for 10 "the scale decision record in InfluxDB" scale_recorded ||
	fail "no hoist_scaling point in InfluxDB"
echo "scaler_influx: ok"
exit 0
