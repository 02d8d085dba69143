#!/bin/sh
# hoist-scaler's fleet rounds end to end, on loopback: the Marathon
# stand-in with 30 apps /fleet/app-NN (and one app outside the rules'
# prefix), a stand-in agent (tests/lib/agent_standin.py) answering the
# collector's GET /v1/apps, and the scaler with
# max_scale_requests_per_round = 5:
#   - each round reads Marathon once, GET /v2/apps?embed=apps.tasks&
#     embed=apps.deployments&id=/fleet/, and never app by app;
#   - 30 apps overloaded at once: 5 PUTs a round, the most loaded first
#     (app-29 .. app-25, sent at once, then app-24 .. app-20, ...), the
#     rest `deferred` naming the bound, until
#     every app is scaled once; one agent request per host per round;
#   - /v1/status "last_round" and the new /metrics families;
#   - the bulk read fails (503): every rule gets `error` naming it, no
#     PUT, one "unreachable" warning per round with backoff, no warning
#     per rule; the next good round scales again.
# Everything started here is stopped on exit (trap).
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/wait.sh"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-fleet.XXXXXX)
SPID="" MPID="" APID=""
fails=0
N=30

cleanup() {
	for p in $SPID $APID $MPID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 \
	--port-file "$T/mport" >"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" ||
	{ echo "stand-in did not start"; cat "$T/standin.log"; exit 1; }
MURL="http://127.0.0.1:$(cat "$T/mport")"
i=0
while [ $i -lt $N ]; do
	curl -sf -X POST -d "{\"app\": {\"id\": \"/fleet/app-$(printf %02d $i)\", \"instances\": 1, \"cmd\": \"sleep 3600\"}}" \
		"$MURL/_standin/seed" >/dev/null || { echo "seed failed"; exit 1; }
	i=$((i + 1))
done
curl -sf -X POST -d '{"app": {"id": "/other/x", "instances": 1, "cmd": "sleep 3600"}}' \
	"$MURL/_standin/seed" >/dev/null || { echo "seed failed"; exit 1; }

echo '{}' >"$T/figures.json"        # every task at 50 %: nothing to do
python3 "$HOIST_TOP/tests/lib/agent_standin.py" "$MURL" "$T/figures.json" \
	"$T/aport" >"$T/agent.log" 2>&1 &
APID=$!
wait_for 10 "the agent's port file" test -s "$T/aport" ||
	{ echo "agent did not start"; cat "$T/agent.log"; exit 1; }
AURL="http://127.0.0.1:$(cat "$T/aport")"

"$BIN" --marathon "$MURL" --listen 127.0.0.1:0 --state-dir "$T/state" \
	--interval 1 --agent-port "$(cat "$T/aport")" \
	--agent-timeout-ms 2000 --max-scale-requests-per-round 5 \
	>"$T/scaler.log" 2>&1 &
SPID=$!
wait_for 10 "the scaler to log its API port" file_has "$T/scaler.log" '\(port [0-9]+\)' ||
	{ echo "scaler did not start"; cat "$T/scaler.log"; exit 1; }
API="http://127.0.0.1:$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)"

i=0
while [ $i -lt $N ]; do
	curl -sf -X POST -H 'Content-Type: application/json' --data-binary \
		"{\"app_id\":\"/fleet/app-$(printf %02d $i)\",\"min_instances\":1,\"max_instances\":5,\"confirm_cycles\":1,\"cooldown_up_s\":3600,\"warmup_s\":0,\"cpu\":{\"above\":80,\"below\":20}}" \
		"$API/v1/rules" >/dev/null || fail "POST rule $i"
	i=$((i + 1))
done

status_has() {  # a fleet round over every rule has run
	curl -sf "$API/v1/status" >"$T/status" &&
		grep -q "\"mode\":\"fleet\"" "$T/status" &&
		grep -q "\"rules\":$N," "$T/status"
}
wait_for 15 "a fleet round over $N rules" status_has ||
	fail "no fleet round: $(cat "$T/status")"
curl -sf -X DELETE "$MURL/_standin/requests" >/dev/null

# --- 30 apps overloaded at once: app-NN at 81 + NN %
python3 - "$T/figures.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
json.dump({"/fleet/app-%02d" % i: 81.0 + i for i in range(n)},
          open(sys.argv[1], "w"))
PY
puts_count() {
	curl -sf "$MURL/_standin/requests" >"$T/reqs" &&
		python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["method"] == "PUT"))' "$T/reqs"
}
all_scaled() { [ "$(puts_count)" -ge $N ]; }
wait_for 60 "$N scale requests" all_scaled ||
	fail "only $(puts_count) PUTs: $(curl -s "$API/v1/status" | head -c 600)"
curl -sf "$API/v1/decisions?limit=1000" >"$T/decisions"
python3 - "$T/reqs" "$T/decisions" "$N" <<'PY' || fail "requests: see above"
import json, sys
reqs = json.load(open(sys.argv[1]))
decs = json.load(open(sys.argv[2]))["decisions"]
n = int(sys.argv[3])
puts = [r["path"] for r in reqs if r["method"] == "PUT"]
want = ["/v2/apps/fleet/app-%02d" % i for i in reversed(range(n))]
bad = 0
# The PUTs of one round go out at once: compare round by round (5 each).
for k in range(0, n, 5):
    if sorted(puts[k:k + 5]) != sorted(want[k:k + 5]):
        print("PUTs %d..%d: %s, want %s" % (k, k + 4, puts[k:k + 5],
                                            want[k:k + 5])); bad = 1
# The stand-in agent's own reads (embed=apps.tasks alone) aside.
reqs = [r for r in reqs if r["query"] != "embed=apps.tasks"]
gets = [r for r in reqs if r["method"] == "GET"]
per_app = [r for r in gets if r["path"] != "/v2/apps"]
if per_app:
    print("per-app reads: %s" % per_app[:3]); bad = 1
for r in gets:
    if r["query"] != "embed=apps.tasks&embed=apps.deployments&id=/fleet/":
        print("bulk read query %r" % r["query"]); bad = 1
        break
if any(r.get("force") for r in reqs) or any("force" in r["query"]
                                            for r in reqs):
    print("force sent"); bad = 1
deferred = [d for d in decs if d["action"] == "deferred"]
if not any("max_scale_requests_per_round 5 reached" in d["reason"]
           for d in deferred):
    print("no deferred decision names the bound"); bad = 1
# Rounds: between two bulk reads, at most 5 PUTs.
run = 0
for r in reqs:
    if r["method"] == "GET":
        run = 0
    elif r["method"] == "PUT":
        run += 1
        if run > 5:
            print("more than 5 PUTs in one round"); bad = 1
            break
sys.exit(bad)
PY
[ $fails -eq 0 ] && ok "5 PUTs a round, most loaded first, one bulk read a round, bound named"

# --- one agent request per host (one host here) per round
m1=$(curl -sf "$API/metrics" | sed -n 's/^hoist_scaler_agent_requests_total //p')
a=$(curl -sf "$AURL/_standin/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["v1_apps"])')
m2=$(curl -sf "$API/metrics" | sed -n 's/^hoist_scaler_agent_requests_total //p')
# The agent also answered the per-rule rounds before the fleet ones? No:
# those asked /v1/apps/{id}, which this agent does not count.
if [ -n "$m1" ] && [ "$m1" -le "$a" ] && [ "$a" -le "$m2" ]; then
	ok "agent requests = hoist_scaler_agent_requests_total ($a)"
else
	fail "agent answered $a, metrics said $m1 .. $m2"
fi
curl -sf "$API/metrics" >"$T/metrics"
for m in 'hoist_scaler_last_round_phase_seconds{phase="marathon"}' \
	'hoist_scaler_last_round_phase_seconds{phase="agents"}' \
	'hoist_scaler_last_round_phase_seconds{phase="evaluation"}' \
	'hoist_scaler_last_round_phase_seconds{phase="writes"}' \
	'hoist_scaler_last_round_agent_hosts 1' \
	'hoist_scaler_last_round_agent_hosts_failed 0' \
	hoist_scaler_last_round_deferred_by_bounds \
	hoist_scaler_last_round_marathon_requests \
	hoist_scaler_marathon_requests_total hoist_scaler_marathon_bulk_errors_total \
	hoist_scaler_agent_request_failures_total hoist_scaler_deferred_by_bounds_total; do
	grep -qF "$m" "$T/metrics" || fail "/metrics lacks $m"
done
d=$(sed -n 's/^hoist_scaler_deferred_by_bounds_total //p' "$T/metrics")
[ "${d:-0}" -ge 25 ] && ok "deferred_by_bounds_total $d" ||
	fail "deferred_by_bounds_total ${d:-none}, want >= 25"
curl -sf "$API/v1/status" >"$T/status"
python3 - "$T/status" <<'PY' && ok "/v1/status last_round" || fail "status: $(cat "$T/status")"
import json, sys
lr = json.load(open(sys.argv[1]))["last_round"]
keys = ("mode", "wall_ms", "marathon_ms", "agents_ms", "evaluation_ms",
        "writes_ms", "rules", "marathon_requests", "agent_hosts",
        "agent_hosts_failed", "deferred_by_bounds")
assert all(k in lr for k in keys), lr
assert lr["mode"] == "fleet" and lr["agent_hosts"] == 1, lr
assert lr["marathon_requests"] >= 1, lr
PY

# --- the bulk read fails three times: error rounds, then a good one
curl -sf -X DELETE "$MURL/_standin/requests" >/dev/null
: >"$T/mark"
lines_before=$(wc -l <"$T/scaler.log")
curl -sf -X POST -d '{"status": 503, "count": 3, "method": "GET", "path": "/v2/apps", "body": {"message": "leader election"}}' \
	"$MURL/_standin/fail" >/dev/null
# A rule whose app is under its minimum makes the good round visible.
curl -sf -X PUT -H 'Content-Type: application/json' --data-binary \
	'{"min_instances":4,"max_instances":5,"cpu":{"above":80,"below":20}}' \
	"$API/v1/rules/fleet/app-00" >/dev/null || fail "PUT rule app-00"
scaled_00() {
	curl -sf "$MURL/_standin/requests" | grep -q '"path": "/v2/apps/fleet/app-00"'
}
wait_for 20 "app-00 scaled after the error rounds" scaled_00 ||
	fail "no PUT after the error rounds"
curl -sf "$API/v1/decisions?app=/fleet/app-05&limit=10" >"$T/d5"
grep -q '"action":"error","reason":"marathon bulk read: HTTP 503 (server error): leader election"' "$T/d5" &&
	ok "error round: every rule's decision names the cause" ||
	fail "no bulk-read error decision: $(cat "$T/d5")"
curl -sf "$MURL/_standin/requests" >"$T/reqs2"
python3 - "$T/reqs2" <<'PY' && ok "nothing scaled in an error round" || fail "PUT during the error rounds"
import json, sys
reqs = [r for r in json.load(open(sys.argv[1]))
        if r["query"] != "embed=apps.tasks"]
# The 3 failed reads come first; the first PUT only after a good read.
first_put = next(i for i, r in enumerate(reqs) if r["method"] == "PUT")
gets = [r for r in reqs[:first_put] if r["method"] == "GET"]
sys.exit(0 if len(gets) >= 4 else 1)
PY
tail -n +"$((lines_before + 1))" "$T/scaler.log" >"$T/errlog"
w=$(grep -c 'marathon unreachable: 30 rules' "$T/errlog")
[ "$w" -ge 1 ] && [ "$w" -le 3 ] && ok "$w aggregated warning(s) for 3 error rounds" ||
	fail "aggregated warnings: $w: $(cat "$T/errlog")"
grep -q 'app-[0-9]*: error:' "$T/errlog" &&
	fail "a warning per rule: $(grep -m3 'error:' "$T/errlog")" ||
	ok "no warning per rule"
grep -q 'answers the bulk read again' "$T/errlog" &&
	ok "recovery logged once" || fail "no recovery line: $(cat "$T/errlog")"

kill -TERM "$SPID"
wait "$SPID"
rc=$?
SPID=""
[ $rc -eq 0 ] || fail "SIGTERM exit status $rc"
[ $fails -eq 0 ] || { echo "--- scaler log"; tail -40 "$T/scaler.log"; }
exit $((fails > 0))
