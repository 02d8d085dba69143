#!/bin/sh
# cgroup v2 on the real kernel.  This host's unified tree
# (/sys/fs/cgroup/unified) has no controllers enabled (they are bound to
# the v1 hierarchies), but every cgroup2 group still has cpu.stat
# (usage_usec, user_usec, system_usec) and the pressure files.  The test
# makes mesos/<uuid>/leaf there, as the Mesos containerizer does on v2,
# runs a busy loop in the leaf with Marathon's environment, and points the
# collector at the unified tree as a v2 root: layout v2, the container
# found as runtime=mesos and tagged from the task's environment, CPU from
# cpu.stat (the collector's percent within what the group's own cpu.stat
# shows around the run, see below; at most 100% of a core),
# pressure from cpu.pressure, and the files a controller-less group lacks
# (memory.*, pids.*, io.stat, cpu.max) absent without any error.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
LPQ="python3 $top/tests/lib/lpq.py"
. "$top/tests/lib/wait.sh"
U2=/sys/fs/cgroup/unified
[ -f "$U2/cgroup.controllers" ] || { echo "FAIL: no cgroup2 tree at $U2"; exit 1; }
U=$(cat /proc/sys/kernel/random/uuid)
T=$(mktemp -d /tmp/hoist-v2.XXXXXX)
made_parent=0
[ -d "$U2/mesos" ] || made_parent=1
cleanup() {
	[ -n "${LOOP:-}" ] && kill "$LOOP" 2>/dev/null && wait "$LOOP" 2>/dev/null
	rmdir "$U2/mesos/$U/leaf" "$U2/mesos/$U" 2>/dev/null
	[ $made_parent = 1 ] && rmdir "$U2/mesos" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$U2/mesos/$U/leaf" || fail "mkdir"
sh -c "echo \$\$ > $U2/mesos/$U/leaf/cgroup.procs && exec env MARATHON_APP_ID=/v2/app MESOS_TASK_ID=v2_app.1 sh -c 'while :; do :; done'" &
LOOP=$!
wait_for 10 "the loop (pid $LOOP) in the leaf" \
	file_has "$U2/mesos/$U/leaf/cgroup.procs" "^$LOOP\$" ||
	fail "the loop is not in the leaf"
usage_usec() { sed -n 's/^usage_usec //p' "$U2/mesos/$U/cpu.stat"; }
# The wall clock and the host CPU time per online CPU (/proc/stat's cpu
# line, user .. steal: the clock the collector's percentages are taken
# on), in seconds, read together.
clocks() {
	python3 -c 'import os, time
f = open("/proc/stat").readline().split()
print(time.time(), sum(int(x) for x in f[1:9]) / os.sysconf("SC_CLK_TCK") / os.sysconf("SC_NPROCESSORS_ONLN"))'
}
u0=$(usage_usec) c0=$(clocks)
"$BIN" --once --interval 2 --docker none --listen none --cgroup-root "$U2" \
	--output "file:$T/out.lp" 2>"$T/err" || fail "collector exit $?"
u1=$(usage_usec) c1=$(clocks)
cat "$T/err"
grep -q "cgroup layout v2" "$T/err" || fail "layout not v2"
pct=$($LPQ "$T/out.lp" container_cpu usage_percent container_name="$U" runtime=mesos \
	marathon_app_id=/v2/app mesos_task_id=v2_app.1) || fail "no cpu point (or tags)"
$LPQ "$T/out.lp" container_cpu pressure_some_total_us container_name="$U" >/dev/null || fail "no cpu.pressure"
$LPQ "$T/out.lp" container_cpu limit_cores container_name="$U" >/dev/null && fail "limit_cores without cpu.max"
$LPQ "$T/out.lp" container_mem usage container_name="$U" >/dev/null && fail "memory usage without memory.current"
errs=$($LPQ "$T/out.lp" hoist_collector errors_cgroup)
echo "v2 container $U: usage_percent=$pct errors_cgroup=$errs"
# The collector's two samples lie --interval 2 s apart inside the window
# [c0, c1] measured here (W s of wall time, H s of host CPU time per CPU,
# so 2 s of wall is 2 H / W of the collector's clock), and the group uses
# at most 1.0 core; with U its CPU seconds in the window, the collector's
# figure lies between (U - 1.0 (W - 2) - 0.04) and U CPU seconds over
# 2 H / W (0.04 s: a CFS period of quota at each end), as a percent of one core.
# That holds however busy the machine is (a loaded one gives the loop
# less, and the collector must report just that): on an idle machine W is
# about 2 and the range is narrow.
python3 - "$pct" "$u0" "$u1" $c0 $c1 <<'PY' || fail "usage_percent $pct"
import sys
pct = float(sys.argv[1])
u = (int(sys.argv[3]) - int(sys.argv[2])) / 1e6
w = float(sys.argv[6]) - float(sys.argv[4])
h = float(sys.argv[7]) - float(sys.argv[5])
inner = 2 * h / w
lo = max(0.0, (u - 1.0 * (w - 2) - 0.04) / inner / 1.0 * 100) - 2
hi = min(u / inner / 1.0 * 100 + 2, 101)
print("around the run: %.3f s of CPU in %.3f s (%.3f s of host CPU per CPU);"
      " want %.1f <= %.1f <= %.1f" % (u, w, h, lo, pct, hi))
sys.exit(0 if pct > 0 and lo <= pct <= hi else 1)
PY
[ "$errs" = 0 ] || fail "errors_cgroup=$errs"
if grep -E 'warning|error' "$T/err"; then fail "collector warned"; fi
echo ok
