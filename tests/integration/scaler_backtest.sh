#!/bin/sh
# hoist-scaler backtest (CLI) and POST /v1/rules/{app_id}/backtest (REST)
# against a real InfluxDB 1.x (tests/lib/influxd.sh):
#   - a 30-minute trace written as the collector writes it (container_cpu
#     with cpu=cpu-total and per-CPU lines, container_mem; tags
#     marathon_app_id, mesos_task_id; a point every 5 s) for two tasks:
#     CPU 50 %, 90 % from minute 10, 50 % from minute 20;
#   - a threshold rule (above 80, 2 confirming cycles) at 60 s steps must
#     scale 2 -> 3 once, at from + 720 s (the 90 % buckets of minutes 10
#     and 11 confirm it), and nothing else: the simulated third task
#     brings the per-task figure to 60 %;
#   - the same timeline from the CLI (json, text, lp) and from the REST
#     endpoint (rule in the body, and the stored rule: the store's node
#     while the daemon runs, or an older state.json);
#   - --plot writes an SVG that rsvg-convert rasterizes into a PNG;
#   - bad input: --from after --to, over backtest_max_points, no data, a
#     rule failing validation: exit 2 / HTTP 400; InfluxDB down: exit 1 /
#     HTTP 503 with the reason;
#   - against a slow InfluxDB (a stand-in answering in 4 s): /healthz
#     answers at once while two backtests run, a third is refused (503),
#     and SIGTERM ends a long backtest after its query in flight (503)
#     and stops the scaler.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-backtest.XXXXXX)
SPID=""
command -v rsvg-convert >/dev/null 2>&1 || { echo "FAIL: rsvg-convert not installed (Debian: librsvg2-bin)"; exit 1; }

. "$HOIST_TOP/tests/lib/influxd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	influxd_stop
	rm -rf "$T"
}
fail() {
	echo "FAIL: $*"
	echo "--- scaler log"; tail -15 "$T/scaler.log" 2>/dev/null
	exit 1
}
influxd_setup

# The range: 30 minutes, starting on a minute, an hour ago.
FROM=$(( ($(date +%s) - 3600) / 60 * 60 ))
TO=$((FROM + 1800))
python3 "$HOIST_TOP/tests/lib/backtest_trace.py" "$INFLUX_URL" "$FROM" || fail "writing the trace"

RULE='{"app_id":"/shop/web","min_instances":1,"max_instances":8,"cpu":{"above":80,"below":20},"confirm_cycles":2,"warmup_s":0,"cooldown_up_s":0}'
printf '%s\n' "$RULE" >"$T/rule.json"
COMMON="--source-influxdb-url $INFLUX_URL --source-influxdb-db hoist --state-dir $T/state"

# The expected timeline, whatever the form (JSON from the CLI or REST).
check_json() {
	python3 - "$1" "$FROM" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
start = int(sys.argv[2])
tl = d["timeline"]
assert d["complete"] is True, d
assert [(e["time_s"] - start, e["action"], e["from"], e["to"], e["actual"]) for e in tl] == \
    [(720, "scale", 2, 3, 2)], tl
assert abs(tl[0]["cpu"] - 90) < 0.01, tl
assert "above threshold for 2 evaluations" in tl[0]["reason"], tl
s = d["summary"]
assert (s["steps"], s["scale_ups"], s["scale_downs"], s["flaps"], s["tasks_seen"]) == (30, 1, 0, 0, 2), s
assert s["steps_without_data"] == 0 and s["figures"] == 120, s
assert s["steps_actual_from_records"] == 0, s    # no live scaler here
# 90 % with two tasks over steps 10, 11 and the 30 s delay (steps 12 at
# 780 s has the third task): 120 s above.
assert s["above_s"] == 120, s
assert abs(s["instance_hours_actual"] - 1.0) < 1e-9, s
print("timeline: %s" % tl[0]["reason"])
EOF
}

# ---- CLI ----
"$BIN" backtest --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --step 60 \
	--format json --plot "$T/plot.svg" $COMMON >"$T/cli.json" 2>"$T/cli.err" ||
	fail "CLI json: $(cat "$T/cli.err")"
check_json "$T/cli.json" || fail "CLI timeline: $(cat "$T/cli.json")"
grep -q "influxdb query .* s, replay .* s" "$T/cli.err" || fail "CLI timings: $(cat "$T/cli.err")"
"$BIN" backtest --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --step 60 \
	$COMMON >"$T/cli.txt" 2>/dev/null || fail "CLI text"
grep -q "  scale   2->3  " "$T/cli.txt" && grep -q "scale ups 1, scale downs 0, flaps 0" "$T/cli.txt" ||
	fail "CLI text: $(cat "$T/cli.txt")"
sed 's/^/  | /' "$T/cli.txt"
"$BIN" backtest --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --step 60 \
	--format lp $COMMON >"$T/cli.lp" 2>/dev/null || fail "CLI lp"
[ "$(wc -l <"$T/cli.lp")" = 1 ] && grep -q "^hoist_backtest,app_id=/shop/web,action=scale current=2i,desired=3i,actual=2i,.* $(( (FROM + 720) * 1000000000 ))\$" "$T/cli.lp" ||
	fail "CLI lp: $(cat "$T/cli.lp")"
# The lp form goes into InfluxDB as it is.
curl -sf -o /dev/null -XPOST "$INFLUX_URL/write?db=hoist" --data-binary @"$T/cli.lp" || fail "lp refused by InfluxDB"

# The plot: a self-contained SVG that rasterizes to a PNG.
grep -q "<svg xmlns=" "$T/plot.svg" && ! grep -q "href=" "$T/plot.svg" || fail "plot is not self-contained"
rsvg-convert -o "$T/plot.png" "$T/plot.svg" || fail "rsvg-convert"
python3 - "$T/plot.png" <<'EOF' || fail "plot PNG"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", b[:8]
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1000, 600), (w, h)
# Decompress the image data: a real image, not a blank page.
idat = b"".join(b[i + 8:i + 8 + struct.unpack(">I", b[i:i + 4])[0]]
    for i in range(8, len(b)) if b[i + 4:i + 8] == b"IDAT")
raw = zlib.decompress(idat)
assert len(set(raw)) > 8, "blank image"
print("plot: %dx%d PNG, %d bytes" % (w, h, len(b)))
EOF

# ---- bad input (CLI): exit 2, the cause named ----
expect_exit() {
	want=$1 pat=$2; shift 2
	"$BIN" backtest "$@" $COMMON >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	[ "$rc" = "$want" ] && grep -q "$pat" "$T/bad.err" && [ ! -s "$T/bad.out" ] ||
		fail "backtest $*: exit $rc (want $want, '$pat'): $(cat "$T/bad.err") $(cat "$T/bad.out")"
}
expect_exit 2 "is not before" --app /shop/web --rule "$T/rule.json" --from "$TO" --to "$FROM"
expect_exit 2 "over backtest_max_points (10)" --app /shop/web --rule "$T/rule.json" \
	--from "$FROM" --to "$TO" --step 60 --backtest-max-points 10
printf '%s\n' '{"min_instances":1,"max_instances":8,"cpu":{"above":80,"below":20}}' >"$T/other.json"
expect_exit 2 "no data" --app /shop/other --rule "$T/other.json" --from "$FROM" --to "$TO" --step 60
printf '%s\n' '{"app_id":"/shop/web","min_instances":5,"max_instances":2,"cpu":{"above":80,"below":20}}' >"$T/bad.json"
expect_exit 2 "max_instances" --app /shop/web --rule "$T/bad.json" --from "$FROM" --to "$TO"
expect_exit 2 "no --rule and no stored rule for /shop/web" --app /shop/web --from "$FROM" --to "$TO"
expect_exit 2 "format" --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --format xml

# ---- REST ----
"$BIN" --listen 127.0.0.1:0 --marathon http://127.0.0.1:9 --interval 3600 \
	--source-influxdb-url "$INFLUX_URL" --source-influxdb-db hoist --state-dir "$T/state" \
	-v >"$T/scaler.log" 2>&1 &
SPID=$!
wait_for 10 "the scaler to log its API port" file_has "$T/scaler.log" '\(port [0-9]+\)' ||
	fail "scaler did not start"
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)
API="http://127.0.0.1:$PORT"
post() {
	curl -s -o "$T/rest.json" -w '%{http_code}' -X POST "$API/v1/rules/shop/web/backtest" --data-binary "$1"
}
code=$(post "{\"from\":$FROM,\"to\":$TO,\"step_s\":60,\"rule\":$RULE}")
[ "$code" = 200 ] || fail "REST with a rule: $code $(cat "$T/rest.json")"
check_json "$T/rest.json" || fail "REST timeline: $(cat "$T/rest.json")"
code=$(post "{\"from\":$FROM,\"to\":$TO,\"step_s\":60}")
[ "$code" = 404 ] || fail "REST without any rule: $code $(cat "$T/rest.json")"
code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT "$API/v1/rules/shop/web" --data-binary "$RULE")
[ "$code" = 201 ] || fail "PUT rule: $code $(cat "$T/out")"
code=$(post "{\"from\":\"$(date -u -d @$FROM +%Y-%m-%dT%H:%M:%SZ)\",\"to\":$TO,\"step_s\":60}")
[ "$code" = 200 ] || fail "REST stored rule: $code $(cat "$T/rest.json")"
check_json "$T/rest.json" || fail "REST stored-rule timeline: $(cat "$T/rest.json")"
# The stored rule is now there for the CLI too (read from the store's
# rules/shop%2Fweb.json while the daemon runs).
"$BIN" backtest --app /shop/web --from "$FROM" --to "$TO" --step 60 --format json \
	$COMMON >"$T/cli2.json" 2>"$T/cli.err" || fail "CLI stored rule: $(cat "$T/cli.err")"
check_json "$T/cli2.json" || fail "CLI stored-rule timeline"
# A state directory of an older scaler: the single state.json.
mkdir -p "$T/old"
printf '{"version": 1, "apps": [{"rule": %s, "history": {}}]}\n' "$RULE" >"$T/old/state.json"
"$BIN" backtest --app /shop/web --from "$FROM" --to "$TO" --step 60 --format json \
	--source-influxdb-url "$INFLUX_URL" --source-influxdb-db hoist --state-dir "$T/old" \
	>"$T/cli3.json" 2>"$T/cli.err" || fail "CLI old state.json: $(cat "$T/cli.err")"
check_json "$T/cli3.json" || fail "CLI old state.json timeline"

expect_code() {
	want=$1 pat=$2 body=$3
	code=$(post "$body")
	[ "$code" = "$want" ] && grep -q "$pat" "$T/rest.json" ||
		fail "POST $body: $code (want $want, '$pat'): $(cat "$T/rest.json")"
}
expect_code 400 "is not before" "{\"from\":$TO,\"to\":$FROM}"
expect_code 400 '"field":"rule.max_instances"' "{\"from\":$FROM,\"to\":$TO,\"rule\":{\"min_instances\":5,\"max_instances\":2,\"cpu\":{\"above\":80,\"below\":20}}}"
expect_code 400 "over backtest_max_points" "{\"from\":$FROM,\"to\":$((FROM + 86400 * 30)),\"step_s\":1}"
expect_code 400 '"field":"to"' "{\"from\":$FROM}"
expect_code 400 '"field":"step_s"' "{\"from\":$FROM,\"to\":$TO,\"step_s\":0}"
expect_code 400 "JSON object" "nope"
code=$(curl -s -o "$T/rest.json" -w '%{http_code}' -X POST "$API/v1/rules/shop/other/backtest" \
	--data-binary "{\"from\":$FROM,\"to\":$TO,\"step_s\":60,\"rule\":{\"min_instances\":1,\"max_instances\":2,\"cpu\":{\"above\":80,\"below\":20}}}")
[ "$code" = 400 ] && grep -q "no data" "$T/rest.json" || fail "REST no data: $code $(cat "$T/rest.json")"
code=$(curl -s -o "$T/rest.json" -w '%{http_code}' -X POST "$API/v1/rules/shop/web" --data-binary '{}')
[ "$code" = 405 ] || fail "POST on a rule: $code"

# A scaler without source_influxdb_url cannot backtest: 503, it says why.
"$BIN" --listen 127.0.0.1:0 --marathon http://127.0.0.1:9 --interval 3600 --state-dir "$T/state2" \
	>"$T/scaler2.log" 2>&1 &
S2=$!
wait_for 10 "the second scaler's API port" file_has "$T/scaler2.log" '\(port [0-9]+\)' ||
	{ kill "$S2"; fail "second scaler did not start"; }
P2=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler2.log" | head -1)
code=$(curl -s -o "$T/rest.json" -w '%{http_code}' -X POST "http://127.0.0.1:$P2/v1/rules/shop/web/backtest" \
	--data-binary "{\"from\":$FROM,\"to\":$TO,\"rule\":$RULE}")
kill "$S2"; wait "$S2"
[ "$code" = 503 ] && grep -q "source_influxdb_url is not set" "$T/rest.json" ||
	fail "REST without InfluxDB: $code $(cat "$T/rest.json")"
"$BIN" backtest --app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --state-dir "$T/state" \
	-c /dev/null >"$T/bad.out" 2>"$T/bad.err"
rc=$?
[ "$rc" = 2 ] && grep -q "set source_influxdb_url" "$T/bad.err" ||
	fail "CLI without InfluxDB: exit $rc: $(cat "$T/bad.err")"

# ---- a slow InfluxDB: the API keeps answering, at most 2 at once ----
# A stand-in that answers /query after 4 s (an empty result); it logs
# one line per request it receives.
python3 - "$T/slowport" >"$T/slow.log" 2>&1 <<'PY' &
import http.server, os, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print("query", flush=True)
        time.sleep(4)
        body = b'{"results":[{"statement_id":0},{"statement_id":1},{"statement_id":2}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
SLOWPID=$!
S3=""
stop_slow() {
	[ -n "$S3" ] && kill "$S3" 2>/dev/null && wait "$S3" 2>/dev/null
	kill "$SLOWPID" 2>/dev/null && wait "$SLOWPID" 2>/dev/null
}
wait_for 10 "the slow InfluxDB's port" test -s "$T/slowport" || { stop_slow; fail "slow stand-in"; }
"$BIN" --listen 127.0.0.1:0 --marathon http://127.0.0.1:9 --interval 3600 --state-dir "$T/state3" \
	--source-influxdb-url "http://127.0.0.1:$(cat "$T/slowport")" >"$T/scaler3.log" 2>&1 &
S3=$!
wait_for 10 "the third scaler's API port" file_has "$T/scaler3.log" '\(port [0-9]+\)' ||
	{ stop_slow; fail "third scaler did not start"; }
A3="http://127.0.0.1:$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler3.log" | head -1)"
C1="" C2=""
for k in 1 2; do
	curl -s -o "$T/slow$k.json" -w '%{http_code}' -X POST "$A3/v1/rules/shop/web/backtest" \
		--data-binary "{\"from\":$FROM,\"to\":$TO,\"step_s\":60,\"rule\":$RULE}" >"$T/slow$k.code" &
	eval "C$k=\$!"
done
# Both wait on the slow InfluxDB (their queries arrived): /healthz answers
# at once, a third backtest is refused.
wait_for 5 "both backtests' queries at the slow InfluxDB" lines_at_least "$T/slow.log" 2 ||
	{ cat "$T/slow"*.json "$T/scaler3.log"; stop_slow; fail "the backtests did not query"; }
t0=$(date +%s%N)
curl -sf -m 2 "$A3/healthz" >/dev/null || { stop_slow; fail "/healthz did not answer during backtests"; }
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || { stop_slow; fail "/healthz took $(( (t1 - t0) / 1000000 )) ms"; }
code=$(curl -s -o "$T/slow3.json" -w '%{http_code}' -X POST "$A3/v1/rules/shop/web/backtest" \
	--data-binary "{\"from\":$FROM,\"to\":$TO,\"step_s\":60,\"rule\":$RULE}")
[ "$code" = 503 ] && grep -q "2 backtests are running" "$T/slow3.json" ||
	{ stop_slow; fail "third backtest: $code $(cat "$T/slow3.json")"; }
wait "$C1" "$C2"
# Their empty answers: no data, 400.
for k in 1 2; do
	[ "$(cat "$T/slow$k.code")" = 400 ] && grep -q "no data" "$T/slow$k.json" ||
		{ stop_slow; fail "slow backtest $k: $(cat "$T/slow$k.code") $(cat "$T/slow$k.json")"; }
done
# SIGTERM during a backtest of many chunks (30 queries of 4 s): it stops
# after the query in flight with a 503, and the scaler exits.
curl -s -o "$T/slow4.json" -w '%{http_code}' -X POST "$A3/v1/rules/shop/web/backtest" \
	--data-binary "{\"from\":$FROM,\"to\":$((FROM + 60000)),\"step_s\":1,\"rule\":$RULE}" >"$T/slow4.code" &
C4=$!
wait_for 5 "the long backtest's first query" lines_at_least "$T/slow.log" 3 ||
	{ stop_slow; fail "the long backtest did not query"; }
kill -TERM "$S3"
wait_for 10 "the scaler to stop during a backtest" pid_gone "$S3" || { stop_slow; fail "scaler did not stop"; }
wait "$S3"; s3rc=$?; S3=""
# 0 after SIGTERM (66 would be a data race under ThreadSanitizer).
[ "$s3rc" = 0 ] || { stop_slow; fail "the scaler exited $s3rc after SIGTERM"; }
wait "$C4"
# Its answer: 503 "the scaler is stopping" (httpd_stop() waits until a
# deferred reply is written).
[ "$(cat "$T/slow4.code")" = 503 ] && grep -q "the scaler is stopping" "$T/slow4.json" ||
	{ stop_slow; fail "stopped backtest: $(cat "$T/slow4.code") $(cat "$T/slow4.json" 2>/dev/null)"; }
[ "$(grep -c query "$T/slow.log")" -le 4 ] || { stop_slow; fail "the backtest went on: $(grep -c query "$T/slow.log") queries"; }
stop_slow

# ---- InfluxDB down: exit 1 / 503 with the reason ----
influxd_halt
expect_exit 1 "metrics source unavailable: InfluxDB: .*Couldn't connect\|metrics source unavailable: InfluxDB: .*refused" \
	--app /shop/web --rule "$T/rule.json" --from "$FROM" --to "$TO" --step 60
expect_code 503 "metrics source unavailable: InfluxDB" "{\"from\":$FROM,\"to\":$TO,\"step_s\":60}"
kill -0 "$SPID" || fail "the scaler died"
echo "scaler_backtest: ok"
exit 0
