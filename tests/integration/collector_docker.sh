#!/bin/sh
# hoist-collector against a real Docker daemon started here (issue 2):
#  - a container limited to --cpus 0.5 running a busy loop: usage_percent
#    within 5 points of `docker stats --no-stream`, usage_percent_of_limit
#    near 100 (90..110);
#  - a container holding 64 MB (tmpfs file): memory usage within 5% of
#    docker stats' figure;
#  - label MARATHON_APP_ID and env MESOS_TASK_ID come out as tags; name,
#    image and tag from the Docker API;
#  - a container removed mid-run disappears without errors.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lib/dockerd.sh"
. "$top/tests/lib/wait.sh"
BIN="$top/${BUILD:-build}/hoist-collector"
LPQ="python3 $top/tests/lib/lpq.py"
fail() { echo "FAIL: $*"; [ -f "${OUT:-}" ] && tail -c 2000 "$OUT"; exit 1; }

dockerd_start || exit 1
OUT="$DOCKER_TMP/points.lp"
ERR="$DOCKER_TMP/collector.err"
cleanup() { [ -n "${CPID:-}" ] && kill "$CPID" 2>/dev/null; dockerd_stop; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

$DOCKER run -d --name busy --network none --cpus 0.5 \
	--label MARATHON_APP_ID=/shop/web -e MESOS_TASK_ID=shop_web.1234 \
	hoist-busybox:test sh -c 'while :; do :; done' >/dev/null || fail "run busy"
$DOCKER run -d --name mem --network none --shm-size 128m \
	hoist-busybox:test sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>/dev/null; : >/tmp/filled; sleep 3600' \
	>/dev/null || fail "run mem"
$DOCKER run -d --name doomed --network none hoist-busybox:test sleep 3600 >/dev/null || fail "run doomed"
wait_for 30 "the mem container to hold its 64 MB" $DOCKER exec mem ls /tmp/filled ||
	fail "mem never filled /dev/shm"

"$BIN" --interval 1 --docker "unix://$DOCKER_SOCK" --output "file:$OUT" --listen none \
	--label-include 'MARATHON_APP_ID' 2>"$ERR" &
CPID=$!
# Rates need two samples: wait for a sweep that has busy's usage_percent.
wait_for 30 "a sweep with busy's usage_percent" \
	$LPQ "$OUT" container_cpu usage_percent container_name=busy cpu=cpu-total ||
	fail "the collector never measured busy"
# Strip the screen-clearing escapes; the CLI prints each report several
# times: keep one; drop each container's first report (near 0% while the
# daemon has no previous sample yet).
stats_reports() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$DOCKER_TMP/stats.txt" |
	awk 'NF>=3 && $2 != "--" { k = $1 " " $2 " " $3 " " $4 " " $5;
		if (k == last[$1]) next; last[$1] = k; if (n[$1]++ >= 1) print }'
}
# busy has >= $1 distinct reports in stats.txt, and mem one (its figure
# does not change, so its reports are all alike).
stats_at_least() {
	echo "busy reports: $(stats_reports | grep -c '^busy '), want $1"
	[ "$(stats_reports | grep -c '^busy ')" -ge "$1" ] &&
		sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$DOCKER_TMP/stats.txt" |
		awk '$1 == "mem" && $2 != "--" { f = 1 } END { exit !f }'
}
# The collector has >= $1 sweeps of busy in [t0 + 2 s, now].
sweeps_in_window() {
	n=$($LPQ "$OUT" container_cpu usage_percent container_name=busy cpu=cpu-total \
		--since $((t0 + 2000000000)) 2>/dev/null | wc -l)
	[ "$n" -ge "$1" ]
}
# Compare over the same window: docker stats (streaming, one report a
# second) and the collector's 1 s sweeps, both averaged, so a machine busy
# with other work shifts both the same way.  The window ends when both
# have enough samples (5 reports, 4 sweeps: ~6 s on an idle machine).
$DOCKER stats --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' >"$DOCKER_TMP/stats.txt" 2>&1 &
SPID=$!
t0=$(date +%s%N)
wait_for 60 "5 docker stats reports of busy, one of mem" stats_at_least 5 ||
	fail "docker stats: $(tail -c 500 "$DOCKER_TMP/stats.txt")"
wait_for 60 "4 collector sweeps of busy in the window" sweeps_in_window 4 ||
	fail "the collector stopped sweeping"
t1=$(date +%s%N)
kill "$SPID"; wait "$SPID" 2>/dev/null
STATS=$(stats_reports)
echo "docker stats (streamed):"; echo "$STATS" | tail -3
win="--since $((t0 + 2000000000)) --until $t1"
$DOCKER rm -f doomed >/dev/null
# Two sweeps after the removal that no longer list doomed.
doomed_gone() {
	! $LPQ "$OUT" container_mem usage container_name=doomed --last-sweep >/dev/null 2>&1 &&
		[ "$($LPQ "$OUT" hoist_collector sweeps 2>/dev/null | wc -l)" -ge "$1" ]
}
n0=$($LPQ "$OUT" hoist_collector sweeps 2>/dev/null | wc -l)
wait_for 30 "two sweeps without the removed container" doomed_gone $((n0 + 2)) ||
	fail "doomed still reported after removal"
kill "$CPID"; wait "$CPID"; rc=$?; CPID=
[ $rc -eq 0 ] || cat "$ERR"
[ $rc -eq 0 ] || fail "collector exit status $rc"

busy_docker=$(echo "$STATS" | awk '$1=="busy"{sub("%","",$2); s+=$2; n++} END{if(n) printf "%.3f", s/n}')
mem_docker=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$DOCKER_TMP/stats.txt" |
	awk '$1=="mem" && $2 != "--" {m=$3} END{print m}')
[ -n "$busy_docker" ] && [ -n "$mem_docker" ] || fail "no docker stats"
busy_pct=$($LPQ "$OUT" container_cpu usage_percent container_name=busy cpu=cpu-total $win --mean) || fail "no usage_percent for busy"
busy_lim=$($LPQ "$OUT" container_cpu usage_percent_of_limit container_name=busy cpu=cpu-total $win --mean) || fail "no usage_percent_of_limit"
cores=$($LPQ "$OUT" container_cpu limit_cores container_name=busy --last-sweep | head -1)
mem_usage=$($LPQ "$OUT" container_mem usage container_name=mem $win --mean) || fail "no mem usage"
echo "collector: busy usage_percent=$busy_pct of_limit=$busy_lim limit_cores=$cores; mem usage=$mem_usage bytes"
echo "docker:    busy $busy_docker% (mean); mem $mem_docker"

python3 - "$busy_pct" "$busy_docker" "$busy_lim" "$cores" "$mem_usage" "$mem_docker" <<'PY' || fail "numbers"
import re, sys
pct, dpct, lim, cores, mem, dmem = sys.argv[1:7]
pct, dpct, lim, cores, mem = float(pct), float(dpct), float(lim), float(cores), float(mem)
units = {'B': 1, 'KiB': 1024, 'MiB': 1024**2, 'GiB': 1024**3, 'kB': 1000, 'MB': 1e6, 'GB': 1e9}
m = re.match(r'([0-9.]+)([A-Za-z]+)', dmem)
dmem_b = float(m.group(1)) * units[m.group(2)]
ok = True
if abs(pct - dpct) > 5: print("usage_percent %.2f vs docker %.2f: off by more than 5 points" % (pct, dpct)); ok = False
# Percent of limit: docker's own figure over the 0.5-core limit, within 10
# points; and near 100 whenever the machine let the loop have its half core
# (docker itself saw >= 45%), which it does on an idle machine.
if abs(lim - dpct / 0.5) > 10: print("usage_percent_of_limit %.2f vs docker %.2f/0.5" % (lim, dpct)); ok = False
if dpct >= 45 and not 90 <= lim <= 110: print("usage_percent_of_limit %.2f not near 100" % lim); ok = False
if abs(lim - pct / cores) > 0.5: print("usage_percent_of_limit %.2f != usage_percent/limit_cores" % lim); ok = False
if abs(cores - 0.5) > 1e-9: print("limit_cores %s != 0.5" % cores); ok = False
if abs(mem - dmem_b) > 0.05 * dmem_b: print("mem usage %d vs docker %d: off by more than 5%%" % (mem, dmem_b)); ok = False
if mem < 64 * 1024**2: print("mem usage %d below the 64 MiB the container holds" % mem); ok = False
sys.exit(0 if ok else 1)
PY

# Tags from labels/env and the Docker API.
$LPQ "$OUT" container_mem usage container_name=busy marathon_app_id=/shop/web \
	mesos_task_id=shop_web.1234 container_image=hoist-busybox container_version=test \
	runtime=docker MARATHON_APP_ID=/shop/web --last-sweep >/dev/null || fail "busy's tags"
# The removed container: present before, absent from the last sweep.
$LPQ "$OUT" container_mem usage container_name=doomed >/dev/null || fail "doomed never seen"
if $LPQ "$OUT" container_mem usage container_name=doomed --last-sweep >/dev/null; then
	last_doomed=1; else last_doomed=0; fi
last_any=$($LPQ "$OUT" container_mem usage --last-sweep | wc -l)
[ "$last_doomed" = 0 ] && [ "$last_any" -ge 2 ] || fail "doomed still reported after removal"
# No warnings or errors from the collector for any of this.
if grep -E 'warning|error' "$ERR"; then fail "collector logged warnings"; fi
vanished_err=$($LPQ "$OUT" hoist_collector errors_cgroup --last-sweep)
[ "$vanished_err" = 0 ] || fail "errors_cgroup=$vanished_err after a removal"
echo "ok"
