#!/bin/sh
# hoist-collector's command line and signals, on the fixture trees (no
# root needed): -n with good and bad configs (file and line named, exit 2),
# unknown flags, --once on v1/v2/hybrid trees (exit 0, one sweep, the right
# measurements), --schema telegraf, SIGHUP reopening a file output after
# logrotate moved it, SIGTERM ending cleanly.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
FIX="$top/tests/fixtures/cgroup"
LPQ="python3 $top/tests/lib/lpq.py"
. "$top/tests/lib/wait.sh"
T=$(mktemp -d /tmp/hoist-cli.XXXXXX)
trap '[ -n "${CPID:-}" ] && kill -9 "$CPID" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
base="--docker none --listen none --self-metrics no"

# -n: good config, bad key, bad value, unknown flag.
printf 'interval = 2\noutput = file:%s/x.lp\ncgroup_root = %s/v1\n' "$T" "$FIX" >"$T/good.conf"
"$BIN" -c "$T/good.conf" -n >"$T/o" 2>&1 || fail "-n on a good config"
grep -q "configuration OK" "$T/o" || fail "-n says nothing"
printf '# comment\ninterval = 2\nnot_a_key = 1\n' >"$T/bad.conf"
"$BIN" -c "$T/bad.conf" -n >"$T/o" 2>&1; rc=$?
[ $rc = 2 ] || fail "bad key: exit $rc"
grep -q "bad.conf:3: unknown key 'not_a_key'" "$T/o" || fail "bad key message: $(cat "$T/o")"
printf 'interval = soon\n' >"$T/bad2.conf"
"$BIN" -c "$T/bad2.conf" -n >"$T/o" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "bad2.conf:1: bad value 'soon' for interval" "$T/o" || fail "bad value: $rc $(cat "$T/o")"
"$BIN" --no-such-flag >"$T/o" 2>&1; rc=$?
[ $rc = 2 ] || fail "unknown flag: exit $rc"
"$BIN" --schema influx -n >"$T/o" 2>&1; rc=$?
[ $rc = 2 ] || fail "bad schema accepted"

# --once on each layout: one sweep, exit 0.
for tree in v1 v2 hybrid; do
	"$BIN" $base --once --interval 0.1 --cgroup-root "$FIX/$tree" >"$T/$tree.lp" 2>"$T/$tree.err" ||
		fail "--once on $tree: exit $?"
	n=$(cut -d' ' -f3 "$T/$tree.lp" | sort -u | wc -l)
	[ "$n" = 1 ] || fail "$tree: $n timestamps in one sweep"
	for m in container_cpu container_mem container_status; do
		$LPQ "$T/$tree.lp" $m container_id >/dev/null || fail "$tree: no $m"
	done
	grep -q "layout $tree" "$T/$tree.err" || fail "$tree: layout not detected as $tree"
done
$LPQ "$T/v2.lp" container_blkio io_service_bytes_recursive_read device=total >/dev/null || fail "v2 io.stat"
$LPQ "$T/v2.lp" container_mem pressure_some_avg10 >/dev/null || fail "v2 memory.pressure"
"$BIN" $base --once --interval 0.1 --cgroup-root "$FIX/v1" --schema telegraf >"$T/tg.lp" 2>/dev/null || fail "telegraf schema"
$LPQ "$T/tg.lp" docker_container_cpu usage_total cpu=cpu-total >/dev/null || fail "telegraf measurement names"
grep -q '^container_' "$T/tg.lp" && fail "hoist names in telegraf schema"

# SIGHUP reopens a file output; SIGTERM ends with exit 0.
"$BIN" $base --interval 0.2 --cgroup-root "$FIX/v1" --output "file:$T/points.lp" 2>"$T/run.err" &
CPID=$!
# Sweeps in a file: the v1 tree has 3 containers, one container_status each.
sweeps() { echo $(( $(count_lines "$1" '^container_status') / 3 )); }
sweeps_at_least() { [ "$(sweeps "$1")" -ge "$2" ]; }
wait_for 10 "2 sweeps in points.lp" sweeps_at_least "$T/points.lp" 2 ||
	fail "the collector wrote no sweeps"
mv "$T/points.lp" "$T/points.lp.1"
kill -HUP "$CPID"
wait_for 10 "the reopen logged after SIGHUP" file_has "$T/run.err" reopened ||
	fail "no reopen log line"
wait_for 10 "a sweep in the new points.lp" sweeps_at_least "$T/points.lp" 1 ||
	fail "no new file after SIGHUP"
# The new file has sweeps, so the reopen is done: two more sweeps must
# all go to the new file and none to the moved one.
before=$(wc -l <"$T/points.lp.1")
wait_for 10 "2 more sweeps in the new points.lp" \
	sweeps_at_least "$T/points.lp" $(( $(sweeps "$T/points.lp") + 2 )) ||
	fail "the collector stopped writing after SIGHUP"
[ "$(wc -l <"$T/points.lp.1")" = "$before" ] || fail "still writing the moved file"
kill -TERM "$CPID"; wait "$CPID"; rc=$?; CPID=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
grep -q "reopened" "$T/run.err" || fail "no reopen log line"
echo ok
