#!/bin/sh
# Consistency of the backtest with the live scaler: a live hoist-scaler
# (source influxdb, the Marathon stand-in, decisions to InfluxDB as
# hoist_scaling) runs a threshold rule while a writer plays a load as the
# collectors would write it, once a second, for the tasks the stand-in
# runs at that moment, spreading a total demand over them (the HPA model:
# 100 for 30 s, 180 for 30 s, then 45 — percent of one task's limit):
# the scaler goes 2 -> 3 -> 2.  Then `hoist-scaler backtest` of the same
# period with the same rule, at the scaler's interval as the step, window
# and step alike, and no scale delay (the stand-in deploys in 0.3 s): its
# timeline must hold the same scale actions, from -> to in the same
# order, each within one step of the live record.  The backtest takes the
# actual count from those records (hoist_scaling's running).
#
# Containers are left out (the writer stands in for the collectors): the
# point is the engine and the model, which scaler_e2e.sh already checks
# against real containers for the live side.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-btlive.XXXXXX)
SPID="" MPID="" WPID=""
STEP=5

. "$HOIST_TOP/tests/lib/influxd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"
cleanup() {
	for p in $WPID $SPID $MPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	influxd_stop
	rm -rf "$T"
}
fail() {
	echo "FAIL: $*"
	echo "--- scaler log"; grep -v ': none ' "$T/scaler.log" 2>/dev/null | tail -15
	echo "--- writer"; tail -5 "$T/writer.log" 2>/dev/null
	exit 1
}
influxd_setup

python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 --port-file "$T/mport" \
	>"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" || fail "stand-in did not start"
MURL="http://127.0.0.1:$(cat "$T/mport")"
curl -sf -X POST -d '{"app": {"id": "/shop/web", "instances": 2, "cmd": "x"}}' \
	"$MURL/_standin/seed" >/dev/null || fail "seed"

RULE='{"min_instances":1,"max_instances":6,"cpu":{"above":80,"below":20},"confirm_cycles":2,"cooldown_up_s":0,"cooldown_down_s":0,"warmup_s":0}'
printf '%s\n' "$RULE" >"$T/rule.json"
"$BIN" --listen 127.0.0.1:0 --marathon "$MURL" --state-dir "$T/state" --interval "$STEP" \
	--source influxdb --source-influxdb-url "$INFLUX_URL" --source-influxdb-db hoist \
	--source-window-s "$STEP" --output "influxdb:$INFLUX_URL/hoist" --flush-interval-ms 100 \
	-v >"$T/scaler.log" 2>&1 &
SPID=$!
wait_for 10 "the scaler to log its API port" file_has "$T/scaler.log" '\(port [0-9]+\)' ||
	fail "scaler did not start"
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)
code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT "http://127.0.0.1:$PORT/v1/rules/shop/web" \
	--data-binary "$RULE")
[ "$code" = 201 ] || fail "rule: $code $(cat "$T/out")"

# The writer: once a second, the demand of the phase spread over the
# tasks the stand-in runs now (at 0.4 s into each second: never on a
# step's edge), as container_cpu / container_mem points.
FROM=$(( ($(date +%s) / STEP + 1) * STEP ))
python3 - "$MURL" "$INFLUX_URL" "$FROM" >"$T/writer.log" 2>&1 <<'EOF' &
import json, sys, time, urllib.request
murl, iurl, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
def demand(k):
    return 100 if k < 30 else 180 if k < 60 else 45
while time.time() < start + 0.4:
    time.sleep(0.05)
for k in range(100):
    t = start + k + 0.4
    while time.time() < t:
        time.sleep(0.02)
    tasks = json.load(urllib.request.urlopen(murl + "/v2/apps/shop/web/tasks"))["tasks"]
    n = len(tasks)
    lines = []
    for task in tasks:
        tags = "marathon_app_id=/shop/web,mesos_task_id=%s" % task["id"]
        ts = int(t * 1e9)
        lines.append("container_cpu,%s,cpu=cpu-total usage_percent_of_limit=%.3f %d" % (tags, demand(k) / n, ts))
        lines.append("container_mem,%s usage_percent=30 %d" % (tags, ts))
    urllib.request.urlopen(urllib.request.Request(iurl + "/write?db=hoist", "\n".join(lines).encode()))
    print(k, n, demand(k) / n, flush=True)
print("done", flush=True)
EOF
WPID=$!
wait_for 150 "the writer to play the 100 s load" file_has "$T/writer.log" '^done' ||
	fail "the writer did not finish"
wait "$WPID"; WPID=""
TO=$((FROM + 100 + STEP))
# The round that sees the last window has run and been written.
sleep_until_past() { [ "$(date +%s)" -ge "$TO" ]; }
wait_for 20 "the live scaler's rounds to pass the range" sleep_until_past || fail "clock"
scales_written() {
	influxd_query "SELECT current, desired FROM hoist_scaling WHERE action = 'scale' AND app_id = '/shop/web'" >"$T/live.json" &&
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; sys.exit(0 if len(r.get("series",[{}])[0].get("values",[]))>=2 else 1)' "$T/live.json"
}
wait_for 20 "the live scale records in InfluxDB" scales_written ||
	fail "live records: $(cat "$T/live.json")"

"$BIN" backtest --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --step "$STEP" \
	--scale-delay 0 --format json --source-influxdb-url "$INFLUX_URL" --source-influxdb-db hoist \
	--state-dir "$T/none" >"$T/bt.json" 2>"$T/bt.err" || fail "backtest: $(cat "$T/bt.err")"

python3 - "$T/live.json" "$T/bt.json" "$STEP" <<'EOF' || fail "live and backtest differ"
import json, sys
live_doc, bt, step = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
import calendar, time
def secs(t):
    # influxd_query asks for epoch=ns; an RFC 3339 string otherwise.
    if isinstance(t, str):
        return calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
    return int(t) // 10**9 if t > 10**12 else int(t)
ser = live_doc["results"][0]["series"][0]
cols = ser["columns"]
live = [(secs(v[0]), v[cols.index("current")], v[cols.index("desired")]) for v in ser["values"]]
sim = [(e["time_s"], e["from"], e["to"]) for e in bt["timeline"]]
print("live:     ", [(t - live[0][0], a, b) for t, a, b in live])
print("backtest: ", [(t - live[0][0], a, b) for t, a, b in sim])
assert [(a, b) for _, a, b in live] == [(2, 3), (3, 2)], live
assert [(a, b) for _, a, b in sim] == [(a, b) for _, a, b in live], (live, sim)
for (tl, _, _), (ts, _, _) in zip(live, sim):
    assert abs(tl - ts) <= step, ("more than one step apart", tl, ts)
# Up, then down 30 s later: inside the rule's 300 s stabilization window,
# a flap by the summary's definition.
assert (bt["summary"]["scale_ups"], bt["summary"]["scale_downs"], bt["summary"]["flaps"]) == (1, 1, 1), bt["summary"]
# The actual count came from the live scaler's hoist_scaling records.
assert bt["summary"]["steps_actual_from_records"] >= 15, bt["summary"]
EOF
echo "scaler_backtest_live: ok"
exit 0
