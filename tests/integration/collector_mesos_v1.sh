#!/bin/sh
# A Mesos-containerizer container on real cgroup v1 (issue 2): the test
# makes /mesos/<uuid> under cpu, cpuacct, memory, pids and blkio with
# libcgroup's tools (cgcreate/cgset/cgexec/cgdelete), runs a busy loop in
# it with Marathon's and Mesos' environment, and checks that
# hoist-collector finds it (runtime=mesos), measures it (CPU as a percent
# of its 0.2-core quota, within 5 points of what the group's cpuacct.usage
# shows around the run, near 100 on an idle machine; memory, pids) and
# tags it from the task's environment.
# Everything it made is removed on exit.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
LPQ="python3 $top/tests/lib/lpq.py"
. "$top/tests/lib/wait.sh"
CTRLS="cpu cpuacct memory pids blkio"
[ -d /sys/fs/cgroup/cpuacct ] || { echo "FAIL: no cgroup v1 cpuacct hierarchy on this host"; exit 1; }
U=$(cat /proc/sys/kernel/random/uuid)
T=$(mktemp -d /tmp/hoist-mesos.XXXXXX)
made_parent=""
for c in $CTRLS; do [ -d "/sys/fs/cgroup/$c/mesos" ] || made_parent="$made_parent $c"; done
cleanup() {
	[ -n "${LOOP:-}" ] && kill "$LOOP" 2>/dev/null && wait "$LOOP" 2>/dev/null
	for c in $CTRLS; do
		cgdelete -g "$c:/mesos/$U" 2>/dev/null
		rmdir "/sys/fs/cgroup/$c/mesos/$U" 2>/dev/null
	done
	for c in $made_parent; do rmdir "/sys/fs/cgroup/$c/mesos" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
fail() { echo "FAIL: $*"; exit 1; }

cgcreate -g "cpu,cpuacct,memory,pids,blkio:/mesos/$U" || fail "cgcreate"
cgset -r cpu.cfs_quota_us=20000 -r cpu.cfs_period_us=100000 "/mesos/$U" || fail "cgset cpu"
cgset -r memory.limit_in_bytes=268435456 "/mesos/$U" || fail "cgset memory"
cgset -r pids.max=64 "/mesos/$U" || fail "cgset pids"
cgexec -g "cpu,cpuacct,memory,pids,blkio:/mesos/$U" \
	env MARATHON_APP_ID=/shop/batch MESOS_TASK_ID=shop_batch.4711 \
	sh -c 'while :; do :; done' &
LOOP=$!
wait_for 10 "the loop (pid $LOOP) in /mesos/$U" \
	file_has "/sys/fs/cgroup/cpuacct/mesos/$U/cgroup.procs" "^$LOOP\$" ||
	fail "the loop is not in the cgroup"

usage_ns() { cat "/sys/fs/cgroup/cpuacct/mesos/$U/cpuacct.usage"; }
# The wall clock and the host CPU time per online CPU (/proc/stat's cpu
# line, user .. steal: the clock the collector's percentages are taken
# on), in seconds, read together.
clocks() {
	python3 -c 'import os, time
f = open("/proc/stat").readline().split()
print(time.time(), sum(int(x) for x in f[1:9]) / os.sysconf("SC_CLK_TCK") / os.sysconf("SC_NPROCESSORS_ONLN"))'
}
u0=$(usage_ns) c0=$(clocks)
"$BIN" --once --interval 2 --docker none --listen none --output "file:$T/out.lp" 2>"$T/err" || fail "collector exit"
u1=$(usage_ns) c1=$(clocks)
cat "$T/err"
pct=$($LPQ "$T/out.lp" container_cpu usage_percent_of_limit container_name="$U" runtime=mesos cpu=cpu-total) || fail "no cpu point for the mesos container"
cores=$($LPQ "$T/out.lp" container_cpu limit_cores container_name="$U" cpu=cpu-total)
lim=$($LPQ "$T/out.lp" container_mem limit container_name="$U")
pids=$($LPQ "$T/out.lp" container_status pids_current container_name="$U")
pidl=$($LPQ "$T/out.lp" container_status pids_limit container_name="$U")
$LPQ "$T/out.lp" container_mem usage container_name="$U" marathon_app_id=/shop/batch \
	mesos_task_id=shop_batch.4711 runtime=mesos >/dev/null || fail "tags from the task environment"
echo "mesos container $U: cpu of limit=$pct% limit_cores=$cores mem limit=$lim pids=$pids/$pidl"
# The collector's two samples lie --interval 2 s apart inside the window
# [c0, c1] measured here (W s of wall time, H s of host CPU time per CPU,
# so 2 s of wall is 2 H / W of the collector's clock), and the group uses
# at most 0.2 core; with U its CPU seconds in the window, the collector's
# figure lies between (U - 0.2 (W - 2) - 0.04) and U CPU seconds over
# 2 H / W (0.04 s: a CFS period of quota at each end), as a percent of 0.2 core.
# That holds however busy the machine is (a loaded one gives the loop
# less, and the collector must report just that): on an idle machine W is
# about 2 and the range is narrow.
python3 - "$pct" "$u0" "$u1" $c0 $c1 <<'PY' || fail "cpu percent of limit $pct"
import sys
pct = float(sys.argv[1])
u = (int(sys.argv[3]) - int(sys.argv[2])) / 1e9
w = float(sys.argv[6]) - float(sys.argv[4])
h = float(sys.argv[7]) - float(sys.argv[5])
inner = 2 * h / w
lo = max(0.0, (u - 0.2 * (w - 2) - 0.04) / inner / 0.2 * 100) - 2
hi = min(u / inner / 0.2 * 100 + 2, 110)
print("around the run: %.3f s of CPU in %.3f s (%.3f s of host CPU per CPU);"
      " want %.1f <= %.1f <= %.1f" % (u, w, h, lo, pct, hi))
sys.exit(0 if pct > 0 and lo <= pct <= hi else 1)
PY
[ "$cores" = 0.2 ] || fail "limit_cores $cores != 0.2"
[ "$lim" = 268435456 ] || fail "memory limit $lim"
[ "$pids" -ge 1 ] && [ "$pidl" = 64 ] || fail "pids $pids/$pidl"
if grep -E 'warning|error' "$T/err"; then fail "collector warned"; fi
echo ok
