#!/bin/sh
# hoist-scaler end to end, on loopback, with real containers:
#   - a private dockerd (tests/lib/dockerd.sh);
#   - the Marathon stand-in in container mode: each task of an app is a
#     real container (label MESOS_TASK_ID, env MARATHON_APP_ID, --cpus),
#     reported as a task on host 127.0.0.1;
#   - a real hoist-collector on that dockerd serving /v1/apps/{id};
#   - hoist-scaler with a CPU target rule, metrics from the agents.
# Case 1: the app's containers burn CPU for ~25 s, then go idle.  The
#   scaler must scale up while they are busy and back down to
#   min_instances after they go idle and the stabilization window passes;
#   the stand-in records every PUT.
# Case 2: an app whose deployment never finishes gets `deferred`, and no
#   PUT is sent for it until the deployment is finished.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
SCALER="$HOIST_TOP/$BUILD/hoist-scaler"
COLLECTOR="$HOIST_TOP/$BUILD/hoist-collector"
T=$(mktemp -d /tmp/hoist-scaler-e2e.XXXXXX)
SPID="" MPID="" CPID=""
[ -x "$SCALER" ] && [ -x "$COLLECTOR" ] || { echo "FAIL: binaries not built"; exit 1; }

. "$HOIST_TOP/tests/lib/dockerd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"
cleanup() {
	for p in $SPID $CPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	if [ -n "$MPID" ]; then
		# The stand-in removes its containers when it stops.
		curl -s -m 20 -X POST "$MURL/_standin/shutdown" >/dev/null 2>&1
		kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null
	fi
	dockerd_stop
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*"
	echo "--- scaler log"; tail -25 "$T/scaler.log" 2>/dev/null
	echo "--- stand-in log"; tail -10 "$T/standin.log" 2>/dev/null
	exit 1
}
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

dockerd_start || fail "dockerd"
# dockerd_start set its own EXIT trap; ours calls dockerd_stop itself.
trap cleanup EXIT INT TERM

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

# Busy for 25 s from its start, then idle: every new instance too.  (The
# 25 s are the load under test, not a wait.)
BUSY='yes >/dev/null & sleep 25; kill $!; exec sleep 3600'
python3 - "$MURL" "$BUSY" <<'EOF' || fail "seeding apps"
import json, sys, urllib.request
url, busy = sys.argv[1], sys.argv[2]
def post(path, body):
    req = urllib.request.Request(url + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))
post("/_standin/seed", {"app": {"id": "/e2e/busy", "instances": 1,
     "cpus": 0.2, "cmd": busy}})
post("/_standin/seed", {"app": {"id": "/e2e/held", "instances": 1,
     "cpus": 0.1, "cmd": "sleep 3600"}, "locked": True})
EOF

SPORT=$(freeport)
"$SCALER" --listen "127.0.0.1:$SPORT" --marathon "$MURL" --state-dir "$T/state" \
	--interval 1 --agent-port "$CPORT" --agent-timeout-ms 1000 -v \
	>"$T/scaler.log" 2>&1 &
SPID=$!
API="http://127.0.0.1:$SPORT"
wait_for 10 "the scaler's /healthz" curl -fs "$API/healthz" || fail "scaler did not start"
put_rule() {
	code=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT --data-binary "$2" "$API/v1/rules$1")
	[ "$code" = 201 ] || fail "rule $1: $code $(cat "$T/out")"
}
# Target 50 % of the CPU limit; quick windows so the test stays short.
put_rule /e2e/busy '{"min_instances":1,"max_instances":3,"mode":"target",
	"cpu":{"target":50},"warmup_s":0,"cooldown_up_s":2,"cooldown_down_s":2,
	"stabilization_s":8,"rate_period_s":5,"scale_down_max_percent":100}'
put_rule /e2e/held '{"min_instances":3,"max_instances":4,"cpu":{"above":80,"below":10}}'

# PUT bodies the stand-in saw for an app, as "n n n".
puts() {
	curl -s "$MURL/_standin/requests" | python3 -c '
import json, sys
app = sys.argv[1]
print(" ".join(str(json.loads(r["body"])["instances"]) for r in json.load(sys.stdin)
      if r["method"] == "PUT" and r["path"] == "/v2/apps" + app and "force" not in r["query"]))
' "$1"
}

# PUTs of /e2e/busy (in $p) include a scale-up to 2 or 3.
scaled_up() {
	p=$(puts /e2e/busy)
	case " $p " in *" 2 "*|*" 3 "*) return 0;; esac
	return 1
}
# PUTs of /e2e/busy (in $p) end with a scale-down to 1.
scaled_down() {
	p=$(puts /e2e/busy)
	case "$p" in *" 1") return 0;; esac
	return 1
}
held_put() { [ -n "$(puts /e2e/held)" ]; }
# The stand-in runs $1 containers of /e2e/busy (count in $n).
busy_containers() {
	n=$($DOCKER ps --format '{{.Label "MESOS_TASK_ID"}}' | grep -c '^e2e_busy\.')
	[ "$n" = "$1" ]
}

# --- Case 1: up while busy (the containers burn CPU for 25 s)
wait_for 60 "a scale-up PUT for /e2e/busy" scaled_up
echo "PUTs for /e2e/busy while busy: $p"
case " $p " in *" 2 "*|*" 3 "*) ;; *) fail "no scale-up while busy";; esac
curl -s "$API/v1/decisions?app=/e2e/busy&limit=200" >"$T/dec.json"
grep -q '"action":"scale"' "$T/dec.json" || fail "no scale decision"

# --- Case 2 (meanwhile): the locked app is deferred, never PUT
curl -s "$API/v1/decisions?app=/e2e/held&limit=5" >"$T/held.json"
grep -q '"action":"deferred","reason":"deployment [0-9a-f-]* in progress"' "$T/held.json" ||
	fail "held app not deferred: $(cat "$T/held.json")"
[ -z "$(puts /e2e/held)" ] || fail "PUT sent for a locked app: $(puts /e2e/held)"
echo "held app deferred, no PUT"
curl -s -X POST "$MURL/_standin/finish" >/dev/null
wait_for 10 "a PUT for /e2e/held after its deployment" held_put
[ "$(puts /e2e/held)" = 3 ] || fail "after the deployment: PUTs '$(puts /e2e/held)', want 3"
echo "after the deployment finished: PUT instances=3"

# --- Case 1: back down to 1 once idle and past stabilization (the rest
# of the 25 s busy time + the 8 s window + cooldowns: 90 s is ample)
wait_for 90 "a scale-down PUT to 1 for /e2e/busy" scaled_down
echo "PUTs for /e2e/busy: $p"
case "$p" in *" 1") ;; *) fail "never scaled back down to 1";; esac
curl -s "$API/v1/decisions?app=/e2e/busy&limit=500" >"$T/dec.json"
python3 - "$T/dec.json" <<'EOF' || fail "decision history"
import json, sys
d = json.load(open(sys.argv[1]))["decisions"][::-1]
ups = [x for x in d if x["action"] == "scale" and x["desired"] > x["current"]]
downs = [x for x in d if x["action"] == "scale" and x["desired"] < x["current"]]
assert ups and downs, "ups %d downs %d" % (len(ups), len(downs))
u = ups[0]
assert u["cpu"] is not None and u["cpu"] > 55, u
assert u["tasks_with_metrics"] >= 1, u
last = downs[-1]
assert last["desired"] == 1 and last["cpu"] is not None and last["cpu"] < 45, last
held = [x for x in d if x["action"] == "none" and "stabilization" in x["reason"]]
print("first up: %d -> %d at cpu %.1f%%; last down: %d -> 1 at cpu %.1f%%; %d held by stabilization"
      % (u["current"], u["desired"], u["cpu"], last["current"], last["cpu"], len(held)))
EOF
# The stand-in removes the surplus container when the deployment ends.
wait_for 10 "one container of /e2e/busy" busy_containers 1
[ "$n" = 1 ] || fail "containers of /e2e/busy: $n, want 1"
echo "scaler_e2e: ok"
exit 0
