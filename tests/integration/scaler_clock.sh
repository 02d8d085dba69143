#!/bin/sh
# hoist-scaler's rounds keep their pace when the wall clock steps (issue 9
# §3): the scaler runs under libfaketime with the wall clock read from a
# file (the monotonic clock left alone, as a real NTP step leaves it), and
# the test steps it back an hour.  Scheduled on the wall clock, the rounds
# would stall for that hour; on CLOCK_MONOTONIC they go on every second.
# /v1/status's next_evaluation_s shows the step took effect (it follows
# the faked wall clock), so the test cannot pass without a step, and the
# decision records written to a file output carry the stepped wall clock.
# Everything started here is stopped on exit (trap).
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
BIN="$HOIST_TOP/$BUILD/hoist-scaler"
# The thread-safe build: the scaler's API thread reads the clock too (the
# plain libfaketime.so.1 races with itself there, as TSan reports).
FT_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
T=$(mktemp -d /tmp/hoist-scaler-clock.XXXXXX)
SPID="" MPID=""
fails=0

cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

[ -e "$FT_LIB" ] || { echo "FAIL: $FT_LIB missing (Debian package libfaketime)"; exit 1; }

. "$HOIST_TOP/tests/lib/wait.sh"

python3 "$HOIST_TOP/tests/marathon_standin.py" --port 0 \
	--port-file "$T/mport" >"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the stand-in's port file" test -s "$T/mport" || { echo "stand-in did not start"; cat "$T/standin.log"; exit 1; }
MURL="http://127.0.0.1:$(cat "$T/mport")"
curl -sf -X POST -d '{"app": {"id": "/clock/app", "instances": 1, "cmd": "sleep 3600"}}' \
	"$MURL/_standin/seed" >/dev/null || { echo "seed failed"; exit 1; }

echo "+0" >"$T/faketime"
LD_PRELOAD="$FT_LIB" FAKETIME_TIMESTAMP_FILE="$T/faketime" \
FAKETIME_NO_CACHE=1 DONT_FAKE_MONOTONIC=1 \
	"$BIN" --marathon "$MURL" --listen 127.0.0.1:0 --state-dir "$T/state" \
	--interval 1 --output "file:$T/decisions.lp" >"$T/scaler.log" 2>&1 &
SPID=$!
port() { PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1); [ -n "$PORT" ]; }
wait_for 10 "the scaler's port in its log" port || { echo "scaler did not start"; cat "$T/scaler.log"; exit 1; }
API="http://127.0.0.1:$PORT"

rounds() {
	curl -sf "$API/metrics" | sed -n 's/^hoist_scaler_rounds_total \([0-9]*\)$/\1/p'
}
rounds_at_least() { r=$(rounds); [ -n "$r" ] && [ "$r" -ge "$1" ]; }
next_eval() {
	curl -sf "$API/v1/status" | python3 -c \
		'import json,sys; print(int(json.load(sys.stdin)["next_evaluation_s"]))'
}

# One rule: every round leaves a decision record (hoist_scaling) in the
# output file, stamped with the scaler's wall clock.
curl -sf -X POST -d '{"app_id": "/clock/app", "min_instances": 1,
	"max_instances": 2, "cpu": {"above": 80, "below": 20}}' \
	"$API/v1/rules" >/dev/null || fail "POST /v1/rules"
wait_for 10 "two rounds" rounds_at_least 2 || fail "no rounds before the step: $(rounds)"
r0=$(rounds)

# Step the wall clock back an hour.
echo "-1h" >"$T/faketime"
stepped() { n=$(next_eval) && [ "$n" -lt $(($(date +%s) - 3000)) ]; }
if wait_for 10 "the scaler's clock an hour back" stepped; then
	ok "the scaler's wall clock stepped back an hour (next_evaluation_s $(next_eval), now $(date +%s))"
else
	fail "the faked clock did not step (next_evaluation_s $(next_eval), now $(date +%s))"
fi
if wait_for 10 "4 more rounds after the step back" rounds_at_least $((r0 + 4)); then
	ok "rounds go on after the step back: $r0 -> $(rounds)"
else
	fail "rounds stalled after the step back: $r0 -> $(rounds)"
fi
# The records keep the wall clock: the newest is stamped an hour back.
last_ts_s() {
	sed -n 's/^hoist_scaling,.* \([0-9]*\)$/\1/p' "$T/decisions.lp" | tail -1 |
		awk '{ printf "%d", $1 / 1000000000 }'
}
stamped_back() { t=$(last_ts_s); [ -n "$t" ] && [ "$t" -lt $(($(date +%s) - 3000)) ]; }
if wait_for 10 "a decision record stamped an hour back" stamped_back; then
	ok "decision records carry the (stepped) wall clock: $(last_ts_s), now $(date +%s)"
else
	fail "no decision record stamped an hour back (last $(last_ts_s), now $(date +%s))"
fi

# And forward two hours (one hour past the real time): no burst.
r1=$(rounds)
echo "+1h" >"$T/faketime"
ahead() { n=$(next_eval) && [ "$n" -gt $(($(date +%s) + 3000)) ]; }
wait_for 10 "the scaler's clock an hour ahead" ahead || fail "the faked clock did not step forward"
r2=$(rounds)
sleep 2     # a window to count rounds in, not a wait for an event
r3=$(rounds)
if [ $((r3 - r2)) -le 3 ] && [ $((r3 - r2)) -ge 1 ]; then
	ok "after the step forward: $((r3 - r2)) rounds in 2 s (one a second)"
else
	fail "after the step forward: $((r3 - r2)) rounds in 2 s, want 1..3"
fi
[ "$r2" -ge "$r1" ] || fail "rounds went back: $r1 -> $r2"

kill -TERM "$SPID"; wait "$SPID"; rc=$?; SPID=""
[ $rc -eq 0 ] || fail "SIGTERM exit status $rc, want 0"
if [ $fails -ne 0 ]; then
	echo "--- scaler log"; tail -20 "$T/scaler.log"
	exit 1
fi
echo "scaler_clock: all passed"
