#!/bin/sh
# A hung Docker daemon (SIGSTOP: it accepts nothing and answers nothing)
# must not stall the sweep: the collector starts while dockerd is stopped,
# sweeps every second with cgroup ids as names, and fills in the names once
# dockerd is continued.  Then dockerd is stopped again mid-run: sweeps go
# on, names stay.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lib/dockerd.sh"
. "$top/tests/lib/wait.sh"
BIN="$top/${BUILD:-build}/hoist-collector"
LPQ="python3 $top/tests/lib/lpq.py"
fail() { echo "FAIL: $*"; exit 1; }
dockerd_start || exit 1
OUT="$DOCKER_TMP/out.lp"
cleanup() { kill -CONT "$DOCKERD_PID" 2>/dev/null; [ -n "${CPID:-}" ] && kill "$CPID" 2>/dev/null; dockerd_stop; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
ID=$($DOCKER run -d --name hangtest --network none hoist-busybox:test sleep 3600) || fail run
kill -STOP "$DOCKERD_PID"
"$BIN" --interval 1 --docker "unix://$DOCKER_SOCK" --docker-timeout-ms 1000 \
	--listen none --output "file:$OUT" 2>"$DOCKER_TMP/err" &
CPID=$!
# sweeps_at_least N: the file holds N sweeps (one hoist_collector line each).
sweeps_now() { count_lines "$OUT" '^hoist_collector'; }
sweeps_at_least() { [ "$(sweeps_now)" -ge "$1" ]; }
# While Docker hangs: 5 sweeps (more than the 1 s Docker timeout each).
wait_for 30 "5 sweeps while Docker hangs" sweeps_at_least 5 || fail "the sweep stalled while Docker hangs"
$LPQ "$OUT" container_mem usage container_name="$ID" >/dev/null || fail "no points named by id while Docker hangs"
kill -CONT "$DOCKERD_PID"
wait_for 30 "the container's name after Docker came back" \
	$LPQ "$OUT" container_mem usage container_name=hangtest --last-sweep ||
	fail "name never filled in after Docker came back"
kill -STOP "$DOCKERD_PID"
# Docker hangs again for 5 sweeps, and for at least 12 in all (the check
# of the pace below wants that many).
n=$(( $(sweeps_now) + 5 )); [ $n -ge 12 ] || n=12
wait_for 30 "$n sweeps, the last 5 while Docker hangs again" sweeps_at_least $n ||
	fail "the sweep stalled while Docker hangs again"
kill -CONT "$DOCKERD_PID"
kill "$CPID"; wait "$CPID"; rc=$?; CPID=
[ $rc = 0 ] || fail "collector exit $rc"
# One sweep a second throughout: no gap between consecutive sweeps over 2.5 s.
python3 - "$OUT" <<'PY' || fail "the sweep stalled"
import sys
ts = sorted({int(l.rsplit(' ', 1)[1]) for l in open(sys.argv[1]) if l.startswith('hoist_collector')})
gaps = [(b - a) / 1e9 for a, b in zip(ts, ts[1:])]
print("sweeps=%d max_gap_s=%.2f" % (len(ts), max(gaps)))
sys.exit(0 if len(ts) >= 12 and max(gaps) < 2.5 else 1)
PY
$LPQ "$OUT" container_mem usage container_name=hangtest --last-sweep >/dev/null || fail "name lost while Docker hung again"
grep -q "docker" "$DOCKER_TMP/err" || fail "the hang was not logged"
echo ok
