#!/bin/sh
# scaler_backtest_zk — hoist-scaler backtest reads the app's stored rule
# from ZooKeeper (issue 15 with issue 13's store), read-only:
#   - one ZooKeeper server (tests/lib/zookeeper.sh) and an InfluxDB
#     (tests/lib/influxd.sh) holding the trace scaler_backtest.sh uses
#     (two tasks, CPU 50 %, 90 % from minute 10, 50 % from minute 20);
#   - a scaler with `zookeeper` (and digest auth: the nodes are readable
#     by that identity only) stores the rule through its REST API (PUT),
#     then stops;
#   - `hoist-scaler backtest` with the same configuration and no --rule
#     reads that rule from ZooKeeper and prints the expected timeline
#     (one scale 2 -> 3 at from + 720 s);
#   - it writes nothing: every node under the scaler's PATH (data and
#     child versions, zxids; an election node created and deleted shows
#     in the parent's cversion) is the same after it ran, and a PATH
#     that does not exist is not created (exit 2, "no stored rule");
#   - with a wrong password (another identity, which the nodes' ACL does
#     not let read): exit 1, "not readable by this identity";
#   - with the ZooKeeper server down: exit 1, "out of reach".
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
. "$HOIST_TOP/tests/lib/zookeeper.sh"
. "$HOIST_TOP/tests/lib/influxd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"
T=$(mktemp -d /tmp/hoist-scaler-btzk.XXXXXX)
SPID=""

cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	influxd_stop
	zk_stop
	rm -rf "$T"
}
fail() {
	echo "FAIL: $*"
	echo "--- scaler log"; tail -15 "$T/scaler.log" 2>/dev/null
	exit 1
}
zk_start 1 || { echo "FAIL: ZooKeeper did not start"; rm -rf "$T"; exit 1; }
influxd_setup

# The trace: 30 minutes starting on a minute, an hour ago.
FROM=$(( ($(date +%s) - 3600) / 60 * 60 ))
TO=$((FROM + 1800))
python3 "$HOIST_TOP/tests/lib/backtest_trace.py" "$INFLUX_URL" "$FROM" || fail "writing the trace"

ZK_AUTH="hoist:s3cret"
printf '%s\n' "$ZK_AUTH" >"$T/zkauth"
chmod 600 "$T/zkauth"
cat >"$T/scaler.conf" <<EOF
marathon = http://127.0.0.1:9
interval = 3600
zookeeper = zk://$ZK_CONNECT/hoist/bt
zookeeper_auth_file = $T/zkauth
source_influxdb_url = $INFLUX_URL
source_influxdb_db = hoist
EOF

# ---- the rule, stored through a running scaler's REST API ----
"$BIN" -c "$T/scaler.conf" --listen 127.0.0.1:0 --zookeeper-instance-id s1 \
	>"$T/scaler.log" 2>&1 &
SPID=$!
wait_for 20 "the scaler to log its API port" file_has "$T/scaler.log" '\(port [0-9]+\)' ||
	fail "scaler did not start"
API="http://127.0.0.1:$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)"
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$API/healthz")" = 200 ]; }
wait_for 20 "the scaler to read ZooKeeper (/healthz 200)" ready || fail "scaler not ready"
RULE='{"app_id":"/shop/web","min_instances":1,"max_instances":8,"cpu":{"above":80,"below":20},"confirm_cycles":2,"warmup_s":0,"cooldown_up_s":0}'
code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT "$API/v1/rules/shop/web" --data-binary "$RULE")
[ "$code" = 201 ] || fail "PUT rule: $code $(cat "$T/out")"
kill "$SPID"
wait "$SPID"
SPID=""
echo "ok: rule stored in ZooKeeper through the REST API; scaler stopped"

# Every node under /hoist: path, versions and zxids (kazoo, with auth).
snapshot() {
	zk_py '
def walk(p):
    data, st = zk.get(p)
    print(p, st.version, st.cversion, st.aversion, st.mzxid, st.pzxid,
          st.numChildren, len(data or b""))
    for c in sorted(zk.get_children(p)):
        walk(p + "/" + c)
walk("/hoist")
print("exists /hoist/none:", zk.exists("/hoist/none") is not None)'
}
snapshot >"$T/before" || fail "snapshot"
grep -q "^/hoist/bt/rules/shop%2Fweb " "$T/before" || fail "no rule node: $(cat "$T/before")"

# ---- the CLI reads it from ZooKeeper ----
"$BIN" backtest -c "$T/scaler.conf" --app /shop/web --from "$FROM" --to "$TO" --step 60 \
	--format json >"$T/cli.json" 2>"$T/cli.err" || fail "CLI, rule in ZooKeeper: $(cat "$T/cli.err")"
python3 - "$T/cli.json" "$FROM" <<'EOF' || fail "CLI timeline: $(cat "$T/cli.json")"
import json, sys
d = json.load(open(sys.argv[1]))
start = int(sys.argv[2])
tl = d["timeline"]
assert d["complete"] is True, d
assert [(e["time_s"] - start, e["action"], e["from"], e["to"]) for e in tl] == \
    [(720, "scale", 2, 3)], tl
assert d["rule"]["app_id"] == "/shop/web" and d["rule"]["max_instances"] == 8, d["rule"]
s = d["summary"]
assert (s["steps"], s["scale_ups"], s["scale_downs"]) == (30, 1, 0), s
print("ok: backtest of the rule read from ZooKeeper: %s" % tl[0]["reason"])
EOF
# A path with no rules: exit 2, and the path is not created.
"$BIN" backtest -c "$T/scaler.conf" --zookeeper "zk://$ZK_CONNECT/hoist/none" \
	--app /shop/web --from "$FROM" --to "$TO" >"$T/none.out" 2>"$T/none.err"
rc=$?
[ "$rc" = 2 ] && grep -q "no stored rule for /shop/web in the zookeeper store" "$T/none.err" &&
	[ ! -s "$T/none.out" ] || fail "empty PATH: exit $rc: $(cat "$T/none.err")"
echo "ok: a PATH without the rule: exit 2, $(grep "^hoist-scaler backtest:" "$T/none.err")"
snapshot >"$T/after" || fail "snapshot after"
diff "$T/before" "$T/after" >"$T/diff" ||
	fail "the backtest changed ZooKeeper: $(cat "$T/diff")"
grep -q "exists /hoist/none: False" "$T/after" || fail "/hoist/none created"
echo "ok: nothing written: $(wc -l <"$T/after") nodes unchanged (versions, cversions, zxids), no election node, /hoist/none not created"

# ---- another identity (a wrong password): exit 1, told why ----
printf 'hoist:wrong\n' >"$T/badauth"
chmod 600 "$T/badauth"
"$BIN" backtest -c "$T/scaler.conf" --zookeeper-auth-file "$T/badauth" --app /shop/web \
	--from "$FROM" --to "$TO" >"$T/auth.out" 2>"$T/auth.err"
rc=$?
[ "$rc" = 1 ] && grep -q "not readable by this identity" "$T/auth.err" &&
	grep -q "out of reach or refuses reads" "$T/auth.err" && [ ! -s "$T/auth.out" ] ||
	fail "wrong password: exit $rc: $(cat "$T/auth.err")"
echo "ok: a wrong password: exit 1, $(grep -o 'zookeeper: .*not readable.*' "$T/auth.err" | head -1)"

# ---- ZooKeeper down: exit 1, the cause named ----
zk_halt 1
"$BIN" backtest -c "$T/scaler.conf" --zookeeper-session-timeout-ms 2000 --app /shop/web \
	--from "$FROM" --to "$TO" >"$T/down.out" 2>"$T/down.err"
rc=$?
[ "$rc" = 1 ] && grep -q "out of reach" "$T/down.err" && [ ! -s "$T/down.out" ] ||
	fail "ZooKeeper down: exit $rc: $(cat "$T/down.err")"
echo "ok: ZooKeeper down: exit 1, $(grep 'out of reach' "$T/down.err")"
exit 0
