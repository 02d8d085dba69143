#!/bin/sh
# An output that refuses every write is counted, not silently lost (issue
# 9 §3), and the count is shared safely with the API thread: the
# collector writes to file:/dev/full (every write fails with ENOSPC)
# every 0.1 s over a fixture cgroup tree while the test reads /metrics
# and /healthz over and over.  hoist_collector_errors_total{kind="output"}
# must grow, and the collector must exit 0 on SIGTERM.  Under
# `make SANITIZE=thread` that exit status is also ThreadSanitizer's
# verdict (66 on a data race): the counter was once bumped without the
# lock the API thread reads it under.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
FIX="$top/tests/fixtures/cgroup"
T=$(mktemp -d /tmp/hoist-outerr.XXXXXX)
COLL=""
cleanup() {
	[ -n "$COLL" ] && kill "$COLL" 2>/dev/null && wait "$COLL" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -f "$T/err" ] && tail -5 "$T/err"; exit 1; }
[ -x "$BIN" ] || fail "$BIN not built"
[ -w /dev/full ] || fail "/dev/full missing"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --docker none --interval 0.1 --cgroup-root "$FIX/v2" \
	--output file:/dev/full --listen "127.0.0.1:$PORT" 2>"$T/err" &
COLL=$!
URL="http://127.0.0.1:$PORT"

. "$top/tests/lib/wait.sh"
errors() {
	curl -fsS "$URL/metrics" 2>/dev/null |
		sed -n 's/^hoist_collector_errors_total{kind="output"} \([0-9]*\)$/\1/p'
}
# Read /metrics and /healthz while the sweeps write (the API thread reads
# the counters the main thread bumps), until 20 refusals were counted.
counted_20() {
	curl -fsS "$URL/healthz" >/dev/null 2>&1
	n=$(errors)
	[ -n "$n" ] && [ "$n" -ge 20 ]
}
WAIT_FOR_INTERVAL=0.05 wait_for 30 "20 refused writes in errors_total{kind=\"output\"}" counted_20 ||
	fail "errors_total{kind=\"output\"} at '$(errors)'"
echo "ok: refused writes counted: $(errors)"
grep -q "No space left on device" "$T/err" || fail "the refusals were not logged"
echo "ok: refusals logged"
kill -TERM "$COLL"; wait "$COLL"; rc=$?; COLL=""
[ $rc -eq 0 ] || fail "exit status $rc on SIGTERM, want 0 (66: a data race under TSan)"
echo "collector_output_errors: ok"
