#!/bin/sh
# scaler_ha — hoist-scaler's high availability (issue 13) on a real
# 3-server ZooKeeper ensemble (tests/lib/zookeeper.sh), three scalers,
# the Marathon stand-in (which records every PUT) and a fake agent that
# makes the app busy or idle (tests/lib/fake_agent.py):
#   - one leader, two followers, all agreeing on who leads; the nodes'
#     ACL lets no other identity write;
#   - a rule POSTed to a follower is in every instance's GET within 1 s
#     and the leader acts on it (exactly one PUT); a rule deleted on the
#     leader is gone from the followers' GET within 1 s;
#   - kill -9 of the leader while the app is busy: a follower leads
#     within the session timeout + one interval; the cooldown the old
#     leader set holds under the new one; the PUTs are exactly those a
#     single scaler sends (2, then 3 after the cooldown; none doubled,
#     none missed); decisions carry the deciding scaler's id;
#   - SIGSTOP of the leader for longer than the session timeout while the
#     app is busy: the new leader scales; after SIGCONT the old one sends
#     no PUT (its scale_requests_total stays) and comes back a follower;
#   - 2 of the 3 ZooKeeper servers stopped: every scaler says no-quorum,
#     GET /v1/rules and /v1/rules/{id} are served with "stale": true, a
#     POST gets 503 with a clear message, no PUT is sent; quorum back:
#     one leader again;
#   - one scaler cut off from ZooKeeper (but not from Marathon) by an
#     iptables owner rule (it runs as user nobody): it stops leading and
#     sending PUTs within the session timeout.
# Everything started here is stopped on exit (trap), the iptables rule
# removed.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/zookeeper.sh"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
T=$(mktemp -d /tmp/hoist-scaler-ha.XXXXXX)
chmod 755 "$T"
MPID="" APID="" LPID="" SP1="" SP2="" SP3="" SP4="" IPT=""
TIMEOUT_MS=4000
fails=0

cleanup() {
	[ -n "$IPT" ] && iptables -D OUTPUT $IPT 2>/dev/null
	for p in $LPID $SP1 $SP2 $SP3 $SP4; do
		kill -CONT "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in $MPID $APID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	zk_stop
	rm -rf "$T"
}

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
now_ms() { wait_now_ms; }

zk_start 3 || { echo "ZooKeeper did not start"; exit 1; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# --- the Marathon stand-in and the fake agent
python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 \
	--port-file "$T/mport" >"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" ||
	{ cat "$T/standin.log"; exit 1; }
MURL="http://127.0.0.1:$(cat "$T/mport")"
echo 50 >"$T/cpu"
python3 "$HOIST_TOP/tests/lib/fake_agent.py" --marathon "$MURL" \
	--cpu-file "$T/cpu" --port-file "$T/aport" >"$T/agent.log" 2>&1 &
APID=$!
wait_for 10 "the fake agent's port file" test -s "$T/aport" ||
	{ cat "$T/agent.log"; exit 1; }
for app in /shop/web /shop/api; do
	curl -sf -X POST -d "{\"app\": {\"id\": \"$app\", \"instances\": 1, \"cmd\": \"sleep 3600\"}}" \
		"$MURL/_standin/seed" >/dev/null || { echo "seed $app failed"; exit 1; }
done

ZK_AUTH="hoist:s3cret"
printf '%s\n' "$ZK_AUTH" >"$T/zkauth"
chmod 600 "$T/zkauth"
ZURL="zk://$ZK_CONNECT/hoist/ha"
cat >"$T/scaler.conf" <<EOF
marathon = $MURL
agent_port = $(cat "$T/aport")
agent_timeout_ms = 1000
interval = 1
zookeeper = $ZURL
zookeeper_session_timeout_ms = $TIMEOUT_MS
zookeeper_auth_file = $T/zkauth
EOF
chmod 644 "$T/scaler.conf"

# start_scaler N [PREFIX...]: scaler sN; sets SPN and PORTN
start_scaler() {
	_n=$1
	shift
	"$@" "$BIN" -c "$T/scaler.conf" --listen 127.0.0.1:0 \
		--zookeeper-instance-id "s$_n" >"$T/s$_n.log" 2>&1 &
	eval "SP$_n=$!"
	wait_for 20 "scaler s$_n to log its API port" \
		file_has "$T/s$_n.log" '\(port [0-9]+\)' ||
		{ echo "scaler s$_n did not start"; cat "$T/s$_n.log"; exit 1; }
	eval "PORT$_n=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/s$_n.log" | head -1)"
}
api() { eval "echo http://127.0.0.1:\$PORT$1"; }
# jget N PATH EXPR: python expression over the JSON reply `j`
jget() {
	curl -s --max-time 5 "$(api "$1")$2" | python3 -c "import json, sys
try:
    j = json.load(sys.stdin)
    print($3)
except Exception:
    print('-')"
}
# The role, cheaply (no python: the failover is timed by polling it).
role() {
	curl -s --max-time 5 "$(api "$1")/v1/status" |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
leader_of() { jget "$1" /v1/status 'j["leader_id"]'; }
metric() {
	curl -s --max-time 5 "$(api "$1")/metrics" |
		sed -n "s/^$2 \([0-9]*\)$/\1/p"
}
# The PUT bodies' instance counts for an app, "2 3".
puts() {
	curl -s "$MURL/_standin/requests" | python3 -c "import json, sys
print(' '.join(str(json.loads(r['body'])['instances']) for r in json.load(sys.stdin)
      if r['method'] == 'PUT' and r['path'] == '/v2/apps$1'))"
}
put_times() {  # unix times of the app's PUTs
	curl -s "$MURL/_standin/requests" | python3 -c "import json, sys
print(' '.join('%.3f' % r['time'] for r in json.load(sys.stdin)
      if r['method'] == 'PUT' and r['path'] == '/v2/apps$1'))"
}
count_puts() { _p=$(puts "$1"); set -- $_p; echo $#; }
puts_at_least() { [ "$(count_puts "$1")" -ge "$2" ]; }
leaders() {  # the instances (of those given) that say they lead
	_l=""
	for _i in "$@"; do [ "$(role "$_i")" = leader ] && _l="$_l s$_i"; done
	echo "${_l# }"
}
one_leader() { [ "$(leaders "$@" | wc -w)" -eq 1 ]; }
all_follow() {  # $1 = leader id, rest = instances
	_want=$1
	shift
	for _i in "$@"; do [ "$(leader_of "$_i")" = "$_want" ] || return 1; done
}
req() {  # N METHOD PATH [BODY] -> $CODE, body in $T/out
	CODE=$(curl -s -o "$T/out" -w '%{http_code}' -X "$2" ${4:+--data-binary "$4"} \
		"$(api "$1")$3")
}

# --- one leader
start_scaler 1
wait_for 20 "s1 to lead" sh -c "[ \"\$(curl -s $(api 1)/v1/status | grep -o '\"role\":\"leader\"')\" ]" ||
	fail "s1 does not lead: $(curl -s "$(api 1)/v1/status")"
start_scaler 2
start_scaler 3
wait_for 10 "s2 and s3 to follow s1" all_follow s1 1 2 3 ||
	fail "leader ids: $(leader_of 1) $(leader_of 2) $(leader_of 3)"
[ "$(role 2)" = follower ] && [ "$(role 3)" = follower ] &&
	[ "$(leaders 1 2 3)" = s1 ] && ok "s1 leads, s2 and s3 follow" ||
	fail "roles: $(role 1) $(role 2) $(role 3)"
[ "$(metric 1 hoist_scaler_leader)" = 1 ] && [ "$(metric 2 hoist_scaler_leader)" = 0 ] &&
	[ "$(metric 2 hoist_scaler_zookeeper_connected)" = 1 ] &&
	ok "/metrics: hoist_scaler_leader 1 / 0, zookeeper_connected 1" ||
	fail "metrics: leader $(metric 1 hoist_scaler_leader)/$(metric 2 hoist_scaler_leader)"
acl=$(ZK_AUTH= zk_py '
from kazoo.exceptions import NoAuthError
try:
    zk.create("/hoist/ha/rules/intruder", b"{}")
    print("written")
except NoAuthError:
    print("refused")')
[ "$acl" = refused ] && ok "another identity cannot write under /hoist/ha" ||
	fail "unauthenticated create: $acl"

# --- a rule POSTed to a follower: everywhere within 1 s, acted on once
req 3 POST /v1/rules '{"app_id": "/shop/api", "min_instances": 2, "max_instances": 4, "cpu": {"above": 80, "below": 20}, "warmup_s": 0}'
t0=$(now_ms)
[ "$CODE" = 201 ] || fail "POST to a follower: $CODE $(cat "$T/out")"
code_of() { curl -s -o /dev/null -w '%{http_code}' "$(api "$1")$2"; }
on_all() { for _i in 1 2 3; do [ "$(code_of "$_i" /v1/rules/shop/api)" = 200 ] || return 1; done; }
WAIT_FOR_INTERVAL=0.02 wait_for 1 "the rule on every instance" on_all &&
	ok "rule POSTed to s3 (201) on all instances $(( $(now_ms) - t0 )) ms later" ||
	fail "rule not on every instance within 1 s"
wait_for 10 "the leader's PUT for /shop/api" puts_at_least /shop/api 1
sleep 3   # rounds go on: a second PUT would show now
[ "$(puts /shop/api)" = 2 ] && ok "the leader PUT /shop/api instances=2 once" ||
	fail "PUTs for /shop/api: '$(puts /shop/api)', want '2'"
req 1 DELETE /v1/rules/shop/api
t0=$(now_ms)
[ "$CODE" = 204 ] || fail "DELETE on the leader: $CODE"
gone() { for _i in 2 3; do [ "$(code_of "$_i" /v1/rules/shop/api)" = 404 ] || return 1; done; }
WAIT_FOR_INTERVAL=0.02 wait_for 1 "the rule gone from s2 and s3" gone &&
	ok "delete (204 on s1) seen by the followers $(( $(now_ms) - t0 )) ms later" ||
	fail "deleted rule still on a follower after 1 s"

# --- two instances create the same rule at once: one wins (201), the
# other is told (409), and both then serve the winner's rule
curl -s -o "$T/race2" -w '%{http_code}' -X POST --data-binary '{"app_id": "/shop/race", "min_instances": 1, "max_instances": 2, "cpu": {"above": 80, "below": 20}, "dry_run": true}' "$(api 2)/v1/rules" >"$T/code2" &
c2=$!
curl -s -o "$T/race3" -w '%{http_code}' -X POST --data-binary '{"app_id": "/shop/race", "min_instances": 1, "max_instances": 3, "cpu": {"above": 80, "below": 20}, "dry_run": true}' "$(api 3)/v1/rules" >"$T/code3"
wait $c2
codes="$(cat "$T/code2") $(cat "$T/code3")"
case "$codes" in
"201 409") want=2 ;;
"409 201") want=3 ;;
*) want=x; fail "racing creates: $codes, want one 201 and one 409" ;;
esac
agree() { for _i in 1 2 3; do [ "$(jget "$_i" /v1/rules/shop/race 'j["max_instances"]')" = "$want" ] || return 1; done; }
wait_for 2 "every instance to serve the winner's rule" agree &&
	ok "racing creates: $codes; every instance serves max_instances=$want" ||
	fail "after the race: $(jget 1 /v1/rules/shop/race 'j["max_instances"]') $(jget 2 /v1/rules/shop/race 'j["max_instances"]') $(jget 3 /v1/rules/shop/race 'j["max_instances"]'), want $want"
req 1 DELETE /v1/rules/shop/race

# --- -n checks the connection and the ACL; --import-state copies a
# local state dir once
"$BIN" -n -c "$T/scaler.conf" --zookeeper-instance-id check >"$T/check.log" 2>&1 &&
	grep -q "the ACL is as expected and a node can be written" "$T/check.log" &&
	ok "-n: ZooKeeper reached, ACL as expected, a node written" ||
	fail "-n with ZooKeeper: $(cat "$T/check.log")"
printf 'hoist:wrong\n' >"$T/badauth"
chmod 600 "$T/badauth"
"$BIN" -n -c "$T/scaler.conf" --zookeeper-auth-file "$T/badauth" \
	--zookeeper-instance-id check >"$T/check.log" 2>&1
rc=$?
[ $rc = 1 ] && grep -qE "cannot (write|create)" "$T/check.log" &&
	ok "-n with the wrong password: exit 1, $(grep -oE 'cannot (write|create).*' "$T/check.log" | head -1)" ||
	fail "-n with the wrong password: exit $rc, $(cat "$T/check.log")"
"$BIN" --marathon "$MURL" --listen 127.0.0.1:0 --state-dir "$T/local" \
	--interval 3600 >"$T/local.log" 2>&1 &
LPID=$!
wait_for 10 "the local scaler's port" file_has "$T/local.log" '\(port [0-9]+\)'
LPORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/local.log" | head -1)
curl -s -o /dev/null -X PUT -d '{"min_instances": 1, "max_instances": 2, "cpu": {"above": 80, "below": 20}, "dry_run": true}' \
	"http://127.0.0.1:$LPORT/v1/rules/import/me"
kill -TERM "$LPID"
wait "$LPID"
LPID=""
"$BIN" -c "$T/scaler.conf" --import-state "$T/local" >"$T/import.log" 2>&1 &&
	grep -q "1 copied" "$T/import.log" || fail "import: $(cat "$T/import.log")"
imported() { [ "$(code_of 2 /v1/rules/import/me)" = 200 ]; }
wait_for 2 "the imported rule on s2" imported && ok "--import-state: $(grep -o 'import: 1 rule.*' "$T/import.log")" ||
	fail "imported rule not served by s2"
"$BIN" -c "$T/scaler.conf" --import-state "$T/local" >"$T/import.log" 2>&1 &&
	grep -q "1 kept" "$T/import.log" && ok "a second import keeps what is there" ||
	fail "second import: $(cat "$T/import.log")"
req 1 DELETE /v1/rules/import/me

# --- kill -9 of the leader while the app is busy
req 2 POST /v1/rules '{"app_id": "/shop/web", "min_instances": 1, "max_instances": 10, "cpu": {"above": 80, "below": 20}, "confirm_cycles": 1, "cooldown_up_s": 15, "cooldown_down_s": 600, "scale_up_max_instances": 1, "warmup_s": 0, "stabilization_s": 0}'
[ "$CODE" = 201 ] || fail "POST /shop/web: $CODE $(cat "$T/out")"
echo 95 >"$T/cpu"
WAIT_FOR_INTERVAL=0.05 wait_for 15 "the first scale-up PUT of /shop/web" puts_at_least /shop/web 1 ||
	fail "no PUT for the busy app"
kill -9 "$SP1"
wait "$SP1" 2>/dev/null
SP1=""
t_kill=$(now_ms)
put1=$(put_times /shop/web)
WAIT_FOR_INTERVAL=0.05 wait_for 15 "a new leader" one_leader 2 3 ||
	fail "no leader among s2, s3 after kill -9: $(role 2) $(role 3)"
t_fail=$(( $(now_ms) - t_kill ))
NEW=$(leaders 2 3)
NEW=${NEW#s}
[ "$t_fail" -le $((TIMEOUT_MS + 1000)) ] &&
	ok "s$NEW leads ${t_fail} ms after kill -9 (bound: session timeout $TIMEOUT_MS ms + 1 interval)" ||
	fail "failover took $t_fail ms"
# The cooldown (15 s from the first PUT) holds under the new leader.
until_s=$(python3 -c "print($put1 + 13)")
while python3 -c "import time, sys; sys.exit(0 if time.time() < $until_s else 1)"; do sleep 0.5; done
[ "$(puts /shop/web)" = 2 ] && ok "cooldown held by the new leader: still one PUT 13 s after it" ||
	fail "PUTs during the cooldown: '$(puts /shop/web)'"
wait_for 10 "the scale-up after the cooldown" puts_at_least /shop/web 2 ||
	fail "no scale-up after the cooldown"
echo 50 >"$T/cpu"
sleep 2
[ "$(puts /shop/web)" = "2 3" ] && ok "PUTs across the failover: 2 3 (as one scaler)" ||
	{ fail "PUTs for /shop/web: '$(puts /shop/web)', want '2 3'"
	  curl -s "$(api "$NEW")/v1/decisions?app=/shop/web&limit=30"; echo; }
tagged=$(jget "$NEW" '/v1/decisions?app=/shop/web&limit=1' 'j["decisions"][0].get("scaler")')
[ "$tagged" = "s$NEW" ] && ok "decisions carry scaler=s$NEW" || fail "decision scaler tag: $tagged"

# --- SIGSTOP of the leader for longer than the session timeout
OTHER=$((5 - NEW))   # of 2 and 3
req "$OTHER" PUT /v1/rules/shop/web '{"min_instances": 1, "max_instances": 20, "cpu": {"above": 80, "below": 20}, "confirm_cycles": 1, "cooldown_up_s": 1, "cooldown_down_s": 600, "scale_up_max_instances": 1, "warmup_s": 0, "stabilization_s": 0}'
[ "$CODE" = 200 ] || fail "PUT /shop/web: $CODE $(cat "$T/out")"
sleep 1
eval "SPN=\$SP$NEW"
before=$(metric "$NEW" hoist_scaler_scale_requests_total)
n0=$(count_puts /shop/web)
kill -STOP "$SPN"
echo 95 >"$T/cpu"
wait_for 15 "s$OTHER to lead while s$NEW is stopped" one_leader "$OTHER" ||
	fail "s$OTHER does not lead"
wait_for 10 "the new leader to scale" puts_at_least /shop/web $((n0 + 1)) ||
	fail "the new leader did not scale"
python3 -c "import time; time.sleep(max(0, $TIMEOUT_MS / 1000 + 2 - 0))"
kill -CONT "$SPN"
wait_for 15 "s$NEW to come back as a follower" sh -c "curl -s $(api "$NEW")/v1/status | grep -q '\"role\":\"follower\"'" ||
	fail "s$NEW after SIGCONT: $(role "$NEW")"
sleep 3
after=$(metric "$NEW" hoist_scaler_scale_requests_total)
[ "$before" = "$after" ] && ok "s$NEW sent no PUT after waking (scale_requests_total $before -> $after, fenced $(metric "$NEW" hoist_scaler_fenced_total))" ||
	fail "s$NEW sent PUTs after SIGCONT: $before -> $after"
[ "$(leaders 2 3)" = "s$OTHER" ] && ok "one leader (s$OTHER) after the pause" ||
	fail "leaders after the pause: '$(leaders 2 3)'"
echo 50 >"$T/cpu"
sleep 2

# --- the leader's election node deleted behind its back (an operator, a
# bug): it does not watch its own node, so only the check before the PUT
# can tell it.  That check must stop the PUT; the other instance leads.
L=$OTHER
F=$NEW
f0=$(metric "$L" hoist_scaler_fenced_total)
r0=$(metric "$L" hoist_scaler_scale_requests_total)
gone=$(ZK_AUTH=$ZK_AUTH zk_py '
kids = sorted(zk.get_children("/hoist/ha/leader"), key=lambda n: n[-10:])
mine = [k for k in kids if k.startswith("n_s'"$L"'~")]
zk.delete("/hoist/ha/leader/" + mine[0])
print(mine[0])')
echo 95 >"$T/cpu"
fenced() { [ "$(metric "$L" hoist_scaler_fenced_total)" -gt "$f0" ]; }
wait_for 10 "s$L's scale request to be fenced" fenced &&
	ok "node $gone deleted: s$L's next scale request fenced (hoist_scaler_fenced_total $f0 -> $(metric "$L" hoist_scaler_fenced_total))" ||
	fail "s$L not fenced after its node went: $(grep 'fenced\|not sent' "$T/s$L.log" | tail -2)"
[ "$(metric "$L" hoist_scaler_scale_requests_total)" = "$r0" ] ||
	fail "s$L sent PUTs without its node: $r0 -> $(metric "$L" hoist_scaler_scale_requests_total)"
wait_for 10 "s$F to lead and s$L to follow" sh -c "[ \"\$(curl -s $(api "$F")/v1/status | grep -o '\"role\":\"leader\"')\" ] && curl -s $(api "$L")/v1/status | grep -q '\"role\":\"follower\"'" &&
	ok "s$F leads, s$L follows with a new node" || fail "roles: s$F $(role "$F"), s$L $(role "$L")"
echo 50 >"$T/cpu"
sleep 2

# --- loss of quorum: 2 of 3 ZooKeeper servers stopped
zk_halt 2
zk_halt 3
noq() { for _i in 2 3; do [ "$(role "$_i")" = no-quorum ] || return 1; done; }
wait_for $((TIMEOUT_MS / 1000 + 10)) "no-quorum on s2 and s3" noq &&
	ok "no-quorum on every scaler" || fail "roles without quorum: $(role 2) $(role 3)"
n0=$(count_puts /shop/web)
echo 95 >"$T/cpu"
stale=$(jget 2 /v1/rules 'str(j.get("stale")) + " " + str(len(j["rules"]))')
[ "$stale" = "True 1" ] && ok "GET /v1/rules served stale from the last copy" ||
	fail "GET /v1/rules without quorum: $stale"
one=$(jget 2 /v1/rules/shop/web 'str(j.get("stale")) + " " + j["app_id"]')
[ "$one" = "True /shop/web" ] && ok "GET /v1/rules/shop/web served stale too" ||
	fail "GET /v1/rules/shop/web without quorum: $one"
req 3 POST /v1/rules '{"app_id": "/shop/new", "min_instances": 1, "max_instances": 2, "cpu": {"above": 80, "below": 20}}'
[ "$CODE" = 503 ] && grep -q "retry" "$T/out" && ok "POST without quorum: 503 $(cat "$T/out")" ||
	fail "POST without quorum: $CODE $(cat "$T/out")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$(api 2)/healthz")" = 200 ] ||
	fail "/healthz without quorum (after a first read) should stay 200"
sleep 3
[ "$(count_puts /shop/web)" = "$n0" ] && ok "no PUT without quorum" ||
	fail "PUTs without quorum: $n0 -> $(count_puts /shop/web)"
echo 50 >"$T/cpu"
zk_resume 2
zk_resume 3
wait_for 60 "the ensemble back" zk_all_up || fail "ZooKeeper did not come back"
wait_for 30 "one leader after quorum is back" one_leader 2 3 &&
	ok "quorum back: one leader ($(leaders 2 3))" || fail "leaders: '$(leaders 2 3)'"

# --- a scaler cut off from ZooKeeper, not from Marathon
for p in $SP2 $SP3; do kill -TERM "$p"; wait "$p" 2>/dev/null; done
SP2="" SP3=""
chown nobody "$T/zkauth"
: >"$T/s4.log"
chown nobody "$T/s4.log"
start_scaler 4 setpriv --reuid=nobody --regid=nogroup --clear-groups
wait_for 20 "s4 to lead" one_leader 4 || fail "s4 does not lead: $(role 4)"
echo 95 >"$T/cpu"
wait_for 10 "s4 to scale" sh -c "[ \"\$(curl -s $(api 4)/metrics | sed -n 's/^hoist_scaler_scale_requests_total //p')\" -gt 0 ]" ||
	fail "s4 does not scale"
IPT="-o lo -p tcp -m owner --uid-owner nobody -m multiport --dports $ZK_PORT1,$ZK_PORT2,$ZK_PORT3 -j DROP"
iptables -I OUTPUT $IPT || { fail "iptables"; IPT=""; }
t_cut=$(now_ms)
wait_for $((TIMEOUT_MS / 1000 + 5)) "s4 to stop leading" sh -c "! curl -s $(api 4)/v1/status | grep -q '\"role\":\"leader\"'" ||
	fail "s4 still leads when cut off from ZooKeeper"
t_stop=$(( $(now_ms) - t_cut ))
[ "$t_stop" -le "$TIMEOUT_MS" ] && ok "s4 stopped leading ${t_stop} ms after the cut (session timeout $TIMEOUT_MS ms)" ||
	fail "s4 stopped leading only after $t_stop ms"
c0=$(metric 4 hoist_scaler_scale_requests_total)
sleep 3
[ "$(metric 4 hoist_scaler_scale_requests_total)" = "$c0" ] && ok "s4 sends no PUT while cut off (role $(role 4))" ||
	fail "s4 scaled while cut off: $c0 -> $(metric 4 hoist_scaler_scale_requests_total)"
iptables -D OUTPUT $IPT
IPT=""
echo 50 >"$T/cpu"

echo "scaler_ha: $fails failure(s)"
if [ "$fails" -ne 0 ]; then
	for f in "$T"/s*.log; do echo "--- $f"; grep -v 'zookeeper client' "$f" | tail -25; done
fi
[ "$fails" -eq 0 ]
