#!/bin/sh
# wait_for — tests/lib/wait.sh itself: it returns as soon as the condition
# holds, gives up at the deadline with a message naming what it waited for
# and for how long, measures the deadline on the clock (a slow condition
# does not stretch it), and runs shell functions in the caller's shell.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$HOIST_TOP/tests/lib/wait.sh"
T=$(mktemp -d /tmp/hoist-waitfor.XXXXXX)
BG=
trap '[ -z "$BG" ] || kill "$BG" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. An event 0.5 s away: success, well before the 10 s bound.
( sleep 0.5; echo x >"$T/f" ) &
BG=$!
t0=$(wait_now_ms)
wait_for 10 "file f" test -s "$T/f" || fail "event not seen"
dt=$(( $(wait_now_ms) - t0 ))
[ $dt -ge 400 ] && [ $dt -lt 3000 ] || fail "returned after $dt ms, want ~500"
wait "$BG"; BG=

# 2. An event that never comes: exit 1 after the deadline, and the message
# names the description, the time and the last output.
t0=$(wait_now_ms)
wait_for 0.7 "the never event" sh -c 'echo still not there; exit 1' 2>"$T/err"
rc=$?
dt=$(( $(wait_now_ms) - t0 ))
[ $rc = 1 ] || fail "timeout exit $rc, want 1"
[ $dt -ge 700 ] && [ $dt -lt 3000 ] || fail "gave up after $dt ms, want ~700"
grep -q '^wait_for: gave up after 0\.[0-9] s waiting for the never event$' "$T/err" ||
	fail "message: $(cat "$T/err")"
grep -q 'still not there' "$T/err" || fail "last output not shown: $(cat "$T/err")"

# 3. A slow condition (0.4 s a try) does not stretch a 1 s deadline to
# many tries' worth.
t0=$(wait_now_ms)
wait_for 1 "a slow false" sh -c 'sleep 0.4; exit 1' 2>/dev/null
dt=$(( $(wait_now_ms) - t0 ))
[ $dt -lt 2000 ] || fail "slow condition: gave up after $dt ms, want < 2000"

# 4. A shell function runs in this shell (it can set variables) and its
# output stays out of the test's.
probe() { seen=yes; echo noise; }
seen=
out=$(wait_for 1 "probe" probe)
[ -z "$out" ] || fail "output leaked: $out"
wait_for 1 "probe" probe
[ "$seen" = yes ] || fail "function did not run in the caller's shell"

# 5. Predicates.
printf 'a\nb\nc\n' >"$T/l"
lines_at_least "$T/l" 3 >/dev/null || fail "lines_at_least 3"
lines_at_least "$T/l" 4 >/dev/null && fail "lines_at_least 4"
lines_at_least "$T/l" 1 '^b$' >/dev/null || fail "lines_at_least ERE"
[ "$(count_lines "$T/nope")" = 0 ] || fail "count_lines of a missing file"
[ "$(count_lines "$T/l" '^[ab]$')" = 2 ] || fail "count_lines ERE"
file_has "$T/l" '^c$' || fail "file_has"
file_has "$T/l" '^d$' && fail "file_has d"
sleep 30 &
BG=$!
pid_gone "$BG" && fail "pid_gone of a running process"
kill "$BG"; wait "$BG" 2>/dev/null
pid_gone "$BG" || fail "pid_gone of an exited process"
BG=
# port_open: a listener that comes up after 0.3 s; then gone.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(0.3)
s.listen(1); time.sleep(30)' "$T/port" &
BG=$!
wait_for 10 "the port file" test -s "$T/port" || fail "no port file"
wait_for 10 "the port to accept" port_open "$(cat "$T/port")" || fail "port_open"
kill "$BG"; wait "$BG" 2>/dev/null; BG=
port_open "$(cat "$T/port")" 2>/dev/null && fail "port_open on a closed port"
wait_for 1 "usage" 2>/dev/null; [ $? = 2 ] || fail "usage error not 2"

[ $fails = 0 ] || { echo "wait_for: $fails failure(s)"; exit 1; }
echo "wait_for: ok"
