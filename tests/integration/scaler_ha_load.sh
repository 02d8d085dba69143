#!/bin/sh
# scaler_ha_load — hoist-scaler on ZooKeeper at 5,000 rules (issue 13),
# and the bad nodes of a shared tree:
#   - 5,000 rule nodes and 5,000 state nodes written with kazoo; a
#     scaler's start-up (every node read, every watch set: /healthz 200)
#     within 5 s; a second scaler the same; a leadership change (the
#     leader stopped with SIGTERM, its session closed) within 5 s, and
#     after kill -9 within the session timeout + 5 s.  The figures are
#     printed (docs/ha.md#figures);
#   - corrupt or hostile nodes (not JSON, wrong types, a rule that fails
#     validation, a rule naming another app, a 1 MB value, a name that is
#     not an app id, a corrupt state node): each logged with its path,
#     counted (hoist_scaler_store_bad_nodes_total), skipped; the 5,000
#     good rules served; one made bad later through a watch is reported
#     too, a deleted one disappears.
# Everything started here is stopped on exit (trap).
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/zookeeper.sh"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-ha-load.XXXXXX)
SP1="" SP2=""
N=${HA_LOAD_RULES:-5000}
TIMEOUT_MS=4000
fails=0

cleanup() {
	for p in $SP1 $SP2; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	zk_stop
	rm -rf "$T"
}
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

zk_start 1 || { echo "ZooKeeper did not start"; exit 1; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# --- a bad zookeeper URL or instance id is a configuration error (2)
for bad in "--zookeeper zk://127.0.0.1:2181" "--zookeeper http://127.0.0.1:2181/x" \
    "--zookeeper zk://u:p@127.0.0.1:2181/x" \
    "--zookeeper zk://127.0.0.1:2181/x --zookeeper-instance-id a~b" \
    "--zookeeper zk://127.0.0.1:2181/x --zookeeper-session-timeout-ms 10" \
    "--import-state /tmp"; do
	"$BIN" -n $bad >"$T/bad.log" 2>&1
	rc=$?
	[ $rc = 2 ] && ok "$bad: exit 2, $(tail -1 "$T/bad.log" | cut -c1-100)" ||
		fail "$bad: exit $rc, $(cat "$T/bad.log")"
done

# --- the tree: N good apps, and the bad nodes
t0=$(wait_now_ms)
zk_py "
import json
root = '/hoist/load'
for k in ('rules', 'state', 'leader'):
    zk.ensure_path(root + '/' + k)
ops = []
for i in range($N):
    app = '/load/app-%d' % i
    name = 'load%%2Fapp-%d' % i
    rule = {'app_id': app, 'min_instances': 1, 'max_instances': 3,
            'cpu': {'above': 80, 'below': 20}, 'dry_run': True}
    st = {'last_up_s': 0, 'last_down_s': 0, 'streak_dir': 0, 'streak_n': 0,
          'recs': [], 'events': [], 'version': 1, 'app_id': app}
    ops.append(zk.create_async(root + '/rules/' + name, json.dumps(rule).encode()))
    ops.append(zk.create_async(root + '/state/' + name, json.dumps(st).encode()))
    if len(ops) >= 2000:
        for o in ops: o.get()
        ops = []
for o in ops: o.get()
bad = {
    'rules/bad%2Fnotjson': b'{{ not json',
    'rules/bad%2Ftypes': json.dumps({'app_id': '/bad/types', 'min_instances': 'one', 'max_instances': 2, 'cpu': {'target': 50}, 'mode': 'target'}).encode(),
    'rules/bad%2Finvalid': json.dumps({'app_id': '/bad/invalid', 'min_instances': 5, 'max_instances': 2, 'cpu': {'above': 80, 'below': 20}}).encode(),
    'rules/bad%2Fother': json.dumps({'app_id': '/load/app-1', 'min_instances': 1, 'max_instances': 2, 'cpu': {'above': 80, 'below': 20}}).encode(),
    'rules/bad%2Fbig': b' ' * 1000000,
    'rules/NOT..an-id': b'{}',
}
for k, v in bad.items():
    zk.create(root + '/' + k, v)
zk.set(root + '/state/load%2Fapp-7', b'[1, 2')
print(len(zk.get_children(root + '/rules')), len(zk.get_children(root + '/state')))
" >"$T/made" || { fail "kazoo could not write the tree"; exit 1; }
echo "tree: $(cat "$T/made") rule and state nodes written in $(( $(wait_now_ms) - t0 )) ms"

cat >"$T/scaler.conf" <<EOF
marathon = http://127.0.0.1:9
interval = 3600
dry_run = yes
agent_timeout_ms = 200
zookeeper = zk://$ZK_CONNECT/hoist/load
zookeeper_session_timeout_ms = $TIMEOUT_MS
EOF

start_scaler() {  # N: sets SPN, PORTN, and MS: ms until /healthz 200
	_t=$(wait_now_ms)
	"$BIN" -c "$T/scaler.conf" --listen 127.0.0.1:0 \
		--zookeeper-instance-id "s$1" >"$T/s$1.log" 2>&1 &
	eval "SP$1=$!"
	wait_for 30 "scaler s$1 to log its API port" \
		file_has "$T/s$1.log" '\(port [0-9]+\)' ||
		{ echo "s$1 did not start"; cat "$T/s$1.log"; exit 1; }
	eval "PORT$1=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/s$1.log" | head -1)"
	MS=
	WAIT_FOR_INTERVAL=0.02 wait_for 30 "s$1's /healthz" \
		curl -sf -o /dev/null "$(api "$1")/healthz" || return 1
	MS=$(( $(wait_now_ms) - _t ))
}
api() { eval "echo http://127.0.0.1:\$PORT$1"; }
role() {
	curl -s --max-time 5 "$(api "$1")/v1/status" |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
metric() {
	curl -s --max-time 5 "$(api "$1")/metrics" | sed -n "s/^$2 \([0-9]*\)$/\1/p"
}
nrules() {
	curl -s "$(api "$1")/v1/rules" | python3 -c "import json, sys
print(len(json.load(sys.stdin)['rules']))"
}

# --- start-up at N rules
start_scaler 1 || fail "s1 not ready"
ms1=$MS
read1=$(sed -n 's/.*zookeeper: read \([0-9]*\) rule and \([0-9]*\) state nodes .* in \([0-9]*\) ms/\1 rules, \2 states in \3 ms/p' "$T/s1.log")
[ "${ms1:-99999}" -le 5000 ] && ok "start-up at $N rules: /healthz 200 after $ms1 ms (read: $read1)" ||
	fail "start-up took ${ms1:-?} ms (read: $read1)"
[ "$(nrules 1)" = "$N" ] && ok "s1 serves exactly the $N good rules" ||
	fail "s1 serves $(nrules 1) rules, want $N"
bad=$(metric 1 hoist_scaler_store_bad_nodes_total)
[ "$bad" = 7 ] && ok "7 bad nodes counted" || fail "bad nodes counted: $bad, want 7"
for p in bad%2Fnotjson bad%2Ftypes bad%2Finvalid bad%2Fother bad%2Fbig NOT..an-id; do
	grep -q "/hoist/load/rules/$p" "$T/s1.log" || fail "no log line naming /hoist/load/rules/$p"
done
grep -q "/hoist/load/state/load%2Fapp-7" "$T/s1.log" ||
	fail "no log line naming the corrupt state node"
grep -E "/hoist/load/(rules|state)/" "$T/s1.log" | sed 's/^/    /' | cut -c1-160
wait_for 10 "s1 to lead" sh -c "curl -s $(api 1)/v1/status | grep -q '\"role\":\"leader\"'" ||
	fail "s1 does not lead"
start_scaler 2 || fail "s2 not ready"
ms2=$MS
echo "second scaler: /healthz 200 after $ms2 ms"
[ "$(role 2)" = follower ] || fail "s2: $(role 2)"

# --- a node made bad through a watch; a deleted one
zk_py "
zk.set('/hoist/load/rules/load%2Fapp-3', b'garbage')
zk.delete('/hoist/load/rules/load%2Fapp-4')"
wait_for 5 "the changed node reported by s2" file_has "$T/s2.log" '/hoist/load/rules/load%2Fapp-3' ||
	fail "a node made corrupt through a watch is not reported"
wait_for 5 "the deleted rule gone from s2" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $(api 2)/v1/rules/load/app-4)\" = 404 ]" ||
	fail "deleted rule still on s2"

# --- leadership change: SIGTERM (session closed), then kill -9
t0=$(wait_now_ms)
kill -TERM "$SP1"
WAIT_FOR_INTERVAL=0.02 wait_for 10 "s2 to lead" sh -c "curl -s $(api 2)/v1/status | grep -q '\"role\":\"leader\"'" ||
	fail "s2 does not lead after SIGTERM of s1"
ch=$(( $(wait_now_ms) - t0 ))
wait "$SP1" 2>/dev/null
SP1=""
[ "$ch" -le 5000 ] && ok "leadership change at $N rules (leader stopped): $ch ms" ||
	fail "leadership change took $ch ms"
start_scaler 1 || fail "s1 not ready again"
wait_for 10 "s1 to follow" sh -c "curl -s $(api 1)/v1/status | grep -q '\"role\":\"follower\"'" ||
	fail "s1 back: $(role 1)"
t0=$(wait_now_ms)
kill -9 "$SP2"
WAIT_FOR_INTERVAL=0.02 wait_for 20 "s1 to lead" sh -c "curl -s $(api 1)/v1/status | grep -q '\"role\":\"leader\"'" ||
	fail "s1 does not lead after kill -9 of s2"
ch9=$(( $(wait_now_ms) - t0 ))
wait "$SP2" 2>/dev/null
SP2=""
[ "$ch9" -le $((TIMEOUT_MS + 5000)) ] &&
	ok "leadership change at $N rules (leader killed): $ch9 ms (session timeout $TIMEOUT_MS ms)" ||
	fail "leadership change after kill -9 took $ch9 ms"

# --- ZooKeeper unreachable at start-up: not ready, retrying, no local
# fallback; ready once it is back
kill -TERM "$SP1"
wait "$SP1" 2>/dev/null
SP1=""
zk_halt 1
"$BIN" -c "$T/scaler.conf" --listen 127.0.0.1:0 --zookeeper-instance-id s3 \
	>"$T/s3.log" 2>&1 &
SP2=$!
wait_for 30 "s3 to log its API port" file_has "$T/s3.log" '\(port [0-9]+\)' ||
	{ fail "s3 did not start without ZooKeeper"; cat "$T/s3.log"; }
PORT2=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/s3.log" | head -1)
code=$(curl -s -o "$T/hz" -w '%{http_code}' "$(api 2)/healthz")
[ "$code" = 503 ] && [ "$(role 2)" = no-quorum ] &&
	ok "ZooKeeper down at start-up: /healthz 503 ($(cat "$T/hz")), role no-quorum" ||
	fail "without ZooKeeper: /healthz $code, role $(role 2)"
zk_resume 1
wait_for 60 "s3 ready once ZooKeeper is back" curl -sf -o /dev/null "$(api 2)/healthz" ||
	fail "s3 not ready after ZooKeeper came back"
[ "$(nrules 2)" = "$((N - 2))" ] && ok "then it serves the rules ($((N - 2)): one deleted, one made corrupt above)" ||
	fail "s3 serves $(nrules 2) rules"

# --- writes: --import-state of a state.json of N apps into a new path
# (2 N nodes created, 512 in flight)
python3 - "$N" "$T/local" <<'PY'
import json, os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(d, mode=0o700)
apps = [{"rule": {"app_id": "/imp/app-%d" % i, "min_instances": 1,
                  "max_instances": 3, "cpu": {"above": 80, "below": 20}},
         "history": {"last_up_s": 1000 + i, "last_down_s": 0, "streak_dir": 0,
                     "streak_n": 0, "recs": [[1000, 2]], "events": [[1000, 1]]}}
        for i in range(n)]
with open(d + "/state.json", "w") as f:
    json.dump({"version": 1, "apps": apps}, f)
PY
"$BIN" -c "$T/scaler.conf" --zookeeper "zk://$ZK_CONNECT/hoist/imp" \
	--import-state "$T/local" >"$T/import.log" 2>&1 ||
	fail "import: $(cat "$T/import.log")"
imp_ms=$(sed -n "s/.*import: $N rule(s) from .*: $N copied to \/hoist\/imp, 0 kept (already there), 0 failed, in \([0-9]*\) ms/\1/p" "$T/import.log")
[ -n "$imp_ms" ] && ok "--import-state of $N apps ($((2 * N)) nodes written): $imp_ms ms" ||
	fail "import of $N apps: $(tail -3 "$T/import.log")"
got=$(zk_py 'print(len(zk.get_children("/hoist/imp/rules")), len(zk.get_children("/hoist/imp/state")), zk.get("/hoist/imp/state/imp%2Fapp-7")[0].decode())')
case "$got" in
"$N $N "*'"last_up_s":1007'*) ok "all $N rule and state nodes there, the history kept" ;;
*) fail "after the import: $got" ;;
esac

echo "scaler_ha_load: rules=$N startup_ms=$ms1 second_startup_ms=$ms2 restart_ms=$MS change_ms=$ch change_kill9_ms=$ch9 session_timeout_ms=$TIMEOUT_MS import_ms=${imp_ms:-?}"
echo "scaler_ha_load: $fails failure(s)"
[ "$fails" -eq 0 ] || { for f in "$T"/s*.log; do echo "--- $f"; grep -v 'zookeeper client' "$f" | tail -20; done; }
[ "$fails" -eq 0 ]
