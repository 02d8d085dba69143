#!/bin/sh
# A Mesos-containerizer container on real cgroup v1 (issue 2): the test
# makes /mesos/<uuid> under cpu, cpuacct, memory, pids and blkio with
# libcgroup's tools (cgcreate/cgset/cgexec/cgdelete), runs a busy loop in
# it with Marathon's and Mesos' environment, and checks that
# hoist-collector finds it (runtime=mesos), measures it (CPU as a percent
# of its 0.2-core quota, within what the group's cpuacct.usage shows around
# the run, and near 100 on an idle machine; memory, pids) and tags it from
# the task's environment.
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
u0=$(usage_ns) t0=$(date +%s%N)
"$BIN" --once --interval 2 --docker none --listen none --output "file:$T/out.lp" 2>"$T/err" || fail "collector exit"
u1=$(usage_ns) t1=$(date +%s%N)
cat "$T/err"
pct=$($LPQ "$T/out.lp" container_cpu usage_percent_of_limit container_name="$U" runtime=mesos cpu=cpu-total) || fail "no cpu point for the mesos container"
cores=$($LPQ "$T/out.lp" container_cpu limit_cores container_name="$U" cpu=cpu-total)
lim=$($LPQ "$T/out.lp" container_mem limit container_name="$U")
pids=$($LPQ "$T/out.lp" container_status pids_current container_name="$U")
pidl=$($LPQ "$T/out.lp" container_status pids_limit container_name="$U")
$LPQ "$T/out.lp" container_mem usage container_name="$U" marathon_app_id=/shop/batch \
	mesos_task_id=shop_batch.4711 runtime=mesos >/dev/null || fail "tags from the task environment"
echo "mesos container $U: cpu of limit=$pct% limit_cores=$cores mem limit=$lim pids=$pids/$pidl"
# The collector's two samples lie 2 s (or a little more) apart inside
# [t0, t1] (W s); the loop uses at most 0.2 core.  With U the group's CPU
# seconds over [t0, t1]: (U - 0.2 (W - 2)) / 2 <= its use <= U / 2, as a
# percent of 0.2 core; and at most 110 (the quota caps it).  On an idle
# machine U / W is 0.2 core, so this means "near 100"; on a loaded one the
# loop may get less, and the collector must report just that.
python3 - "$pct" "$u0" "$u1" "$t0" "$t1" <<'PY' || fail "cpu percent of limit $pct"
import sys
pct = float(sys.argv[1])
u = (int(sys.argv[3]) - int(sys.argv[2])) / 1e9
w = (int(sys.argv[5]) - int(sys.argv[4])) / 1e9
lo = max(0.0, (u - 0.2 * (w - 2)) / 2 / 0.2 * 100)
hi = min(u / 2 / 0.2 * 100, 110)
print("cpuacct.usage around the run: %.3f s of CPU in %.3f s; want %.1f <= %.1f <= %.1f"
      % (u, w, lo - 2, pct, hi + 2))
sys.exit(0 if pct > 0 and lo - 2 <= pct <= hi + 2 else 1)
PY
[ "$cores" = 0.2 ] || fail "limit_cores $cores != 0.2"
[ "$lim" = 268435456 ] || fail "memory limit $lim"
[ "$pids" -ge 1 ] && [ "$pidl" = 64 ] || fail "pids $pids/$pidl"
if grep -E 'warning|error' "$T/err"; then fail "collector warned"; fi
echo ok
