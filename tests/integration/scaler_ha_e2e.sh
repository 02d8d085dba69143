#!/bin/sh
# scaler_ha_e2e — hoist-scaler's failover end to end (issue 13), with real
# containers as scaler_e2e has them:
#   - a private dockerd, the Marathon stand-in running each task as a
#     container, a real hoist-collector serving /v1/apps/{id};
#   - a 3-server ZooKeeper ensemble and two scalers sharing it.
# The app's containers burn CPU for 25 s, then go idle.  The rule (target
# 50 %, at most +1 a step, cooldown_up_s 60, stabilization 8 s) makes one
# scaler send exactly two PUTs: up to 2 while busy, down to 1 once idle.  The leader is killed
# with -9 right after the first PUT, while the app is still busy: the
# other scaler takes over within the session timeout + one interval,
# sends no second scale-up (the old leader's cooldown holds), and scales
# the app back down when it is idle: the PUTs are exactly "2 1".
# Everything started here is stopped on exit (trap).
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
SCALER="$HOIST_TOP/$BUILD/hoist-scaler"
COLLECTOR="$HOIST_TOP/$BUILD/hoist-collector"
T=$(mktemp -d /tmp/hoist-scaler-ha-e2e.XXXXXX)
SP1="" SP2="" MPID="" CPID=""
TIMEOUT_MS=4000
[ -x "$SCALER" ] && [ -x "$COLLECTOR" ] || { echo "FAIL: binaries not built"; exit 1; }

. "$HOIST_TOP/tests/lib/dockerd.sh"
. "$HOIST_TOP/tests/lib/zookeeper.sh"
cleanup() {
	for p in $SP1 $SP2 $CPID; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	if [ -n "$MPID" ]; then
		curl -s -m 20 -X POST "$MURL/_standin/shutdown" >/dev/null 2>&1
		kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null
	fi
	zk_stop
	dockerd_stop
	rm -rf "$T"
}
fail() {
	echo "FAIL: $*"
	for f in "$T"/s1.log "$T"/s2.log; do
		echo "--- $f"; grep -v 'zookeeper client' "$f" 2>/dev/null | tail -20
	done
	exit 1
}
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

dockerd_start || { echo "FAIL: dockerd"; exit 1; }
zk_start 3 || { dockerd_stop; echo "FAIL: ZooKeeper"; exit 1; }
# Both starters set their own traps; ours stops everything.
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 --port-file "$T/mport" \
	--docker-sock "$DOCKER_SOCK" --default-image hoist-busybox:test \
	--deploy-delay 0.5 >"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" || fail "stand-in did not start"
MURL="http://127.0.0.1:$(cat "$T/mport")"

CPORT=$(freeport)
"$COLLECTOR" --interval 1 --docker "unix://$DOCKER_SOCK" --listen "127.0.0.1:$CPORT" \
	--output "file:$T/collector.lp" >"$T/collector.log" 2>&1 &
CPID=$!

cat >"$T/scaler.conf" <<EOF
marathon = $MURL
interval = 1
agent_port = $CPORT
agent_timeout_ms = 1000
zookeeper = zk://$ZK_CONNECT/hoist/e2e
zookeeper_session_timeout_ms = $TIMEOUT_MS
EOF
start_scaler() {  # N: sets SPN and APIN
	_p=$(freeport)
	"$SCALER" -c "$T/scaler.conf" --listen "127.0.0.1:$_p" \
		--zookeeper-instance-id "s$1" >"$T/s$1.log" 2>&1 &
	eval "SP$1=$!"
	eval "API$1=http://127.0.0.1:$_p"
	wait_for 20 "s$1's /healthz" curl -fs "http://127.0.0.1:$_p/healthz" ||
		fail "s$1 did not start"
}
role_of() { curl -s "$1/v1/status" | sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'; }
start_scaler 1
wait_for 15 "s1 to lead" sh -c "[ \"\$(curl -s $API1/v1/status | grep -o '\"role\":\"leader\"')\" ]" ||
	fail "s1 does not lead"
start_scaler 2
[ "$(role_of "$API2")" = follower ] || fail "s2: $(role_of "$API2")"

# The rule first, through the follower, then the app: the load starts
# when its container does.
code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT --data-binary \
	'{"min_instances":1,"max_instances":6,"mode":"target","cpu":{"target":50},"scale_up_max_instances":1,
	  "warmup_s":0,"cooldown_up_s":60,"cooldown_down_s":2,"stabilization_s":8,
	  "rate_period_s":5,"scale_down_max_percent":100}' "$API2/v1/rules/e2e/busy")
[ "$code" = 201 ] || fail "rule: $code $(cat "$T/out")"
BUSY='yes >/dev/null & sleep 25; kill $!; exec sleep 3600'
python3 - "$MURL" "$BUSY" <<'EOF' || fail "seeding the app"
import json, sys, urllib.request
url, busy = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url + "/_standin/seed", json.dumps(
    {"app": {"id": "/e2e/busy", "instances": 1, "cpus": 0.2, "cmd": busy}}).encode(),
    {"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=60).read()
EOF

puts() {
	curl -s "$MURL/_standin/requests" | python3 -c '
import json, sys
print(" ".join(str(json.loads(r["body"])["instances"]) for r in json.load(sys.stdin)
      if r["method"] == "PUT" and r["path"] == "/v2/apps/e2e/busy"))'
}
first_put() { [ -n "$(puts)" ]; }
WAIT_FOR_INTERVAL=0.05 wait_for 40 "the leader's scale-up PUT" first_put || fail "no scale-up while busy"
[ "$(puts)" = 2 ] || fail "first PUTs: '$(puts)', want '2'"
kill -9 "$SP1"
wait "$SP1" 2>/dev/null
SP1=""
t0=$(wait_now_ms)
echo "s1 PUT instances=2 and was killed with -9 while the app is busy"
WAIT_FOR_INTERVAL=0.05 wait_for 15 "s2 to lead" sh -c "[ \"\$(curl -s $API2/v1/status | grep -o '\"role\":\"leader\"')\" ]" ||
	fail "s2 does not lead"
ms=$(( $(wait_now_ms) - t0 ))
[ "$ms" -le $((TIMEOUT_MS + 1000)) ] || fail "s2 led $ms ms after the kill"
echo "s2 leads ${ms} ms after the kill (session timeout $TIMEOUT_MS ms + 1 interval)"
down() { case "$(puts)" in *" 1") return 0 ;; esac; return 1; }
wait_for 90 "the scale-down PUT to 1" down || fail "never scaled back down: PUTs '$(puts)'"
sleep 3   # rounds go on: a further PUT would show now
[ "$(puts)" = "2 1" ] || fail "PUTs across the failover: '$(puts)', want '2 1'"
echo "PUTs across the failover: $(puts) (as one scaler: none doubled, none missed)"
curl -s "$API2/v1/decisions?app=/e2e/busy&limit=500" >"$T/dec.json"
python3 - "$T/dec.json" <<'EOF' || fail "s2's decisions"
import json, sys
d = json.load(open(sys.argv[1]))["decisions"][::-1]
assert d and all(x.get("scaler") == "s2" for x in d), d[:2]
held = [x for x in d if "cooling down" in x["reason"] and x["cpu"] is not None and x["cpu"] > 55]
downs = [x for x in d if x["action"] == "scale" and x["desired"] < x["current"]]
assert held, "no busy evaluation held by the old leader's cooldown"
assert len(downs) == 1 and downs[0]["desired"] == 1, downs
print("s2: %d busy evaluations held by s1's cooldown (first at cpu %.1f%%: %s); "
      "scaled %d -> 1 at cpu %.1f%%" % (len(held), held[0]["cpu"], held[0]["reason"],
      downs[0]["current"], downs[0]["cpu"]))
EOF
echo "scaler_ha_e2e: ok"
exit 0
