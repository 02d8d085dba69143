#!/bin/sh
# bench/docker.sh — the collector's cost on REAL Docker containers (issue
# 11 §2), every baseline in the same run:
#
#   sh bench/docker.sh [BUILD/bench/docker] [BUILD/hoist-collector]
#
# Starts a private dockerd (tests/lib/dockerd.sh: image by `docker import`
# of busybox-static), runs BENCH_DOCKER_N containers (default 200) with
# --network none: all but 10 sleeping, 10 busy at --cpus 0.05; then
# build/bench/docker runs hoist-collector (1 s interval, stdout to
# /dev/null) and collectd's cgroups plugin (its own Interval 1) side by
# side, each in a cpuacct cgroup of its own, and in the same windows times
# the pread floors itself (see bench/docker_main.c).  Everything started is
# stopped at the end (dockerd_stop removes the containers).
# Knobs: BENCH_DOCKER_N, BENCH_DOCKER_WINDOWS (default 5),
# BENCH_DOCKER_WINDOW_S (default 10), BENCH_DOCKER_BUSY (default 10),
# BENCH_DOCKER_TICKING (default 0: of the sleeping containers, this many
# instead wake twice a second, `sleep 0.5` in a loop: their CPU usage moves
# every sweep, so the collector reads all their files every sweep, its
# worst case per container),
# BENCH_DOCKER_HOIST_ARGS (more options for the collector under test
# only, e.g. "--keep-slow-files-open no"),
# BENCH_DOCKER_BASELINE (another hoist-collector binary, run alongside in
# the same windows in a cgroup of its own: `docker baseline` line with
# base_us and ratio_base = this binary / that one, for before/after
# comparisons on a loaded machine).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=build}"
BENCH=${1:-$top/$BUILD/bench/docker}
BIN=${2:-$top/$BUILD/hoist-collector}
N=${BENCH_DOCKER_N:-200}
BUSY=${BENCH_DOCKER_BUSY:-10}
[ "$BUSY" -le "$N" ] || BUSY=$N
TICKING=${BENCH_DOCKER_TICKING:-0}
[ "$((BUSY + TICKING))" -le "$N" ] || TICKING=$((N - BUSY))
HOIST_TOP=$top
. "$top/tests/lib/dockerd.sh"

dockerd_start || { echo "bench docker: dockerd did not start"; exit 1; }
CONF="$DOCKER_TMP/collectd.conf"
LIST="$DOCKER_TMP/containers.txt"

# collectd with the cgroups plugin alone (no write plugin: it only reads).
collectd_conf() {
	cat <<EOF
Hostname "bench"
FQDNLookup false
Interval 1
BaseDir "$DOCKER_TMP/collectd"
PIDFile "$DOCKER_TMP/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin cgroups
EOF
}
mkdir -p "$DOCKER_TMP/collectd"
collectd_conf >"$CONF"

# Start the containers, 4 docker runs at a time.
start_one() {
	if [ "$1" -le "$BUSY" ]; then
		$DOCKER run -d --network none --cpus 0.05 hoist-busybox:test \
			sh -c 'while :; do :; done'
	elif [ "$1" -le "$((BUSY + TICKING))" ]; then
		$DOCKER run -d --network none hoist-busybox:test \
			sh -c 'while :; do sleep 0.5; done'
	else
		$DOCKER run -d --network none hoist-busybox:test sleep 100000
	fi
}
t0=$(date +%s)
i=1
while [ "$i" -le "$N" ]; do
	pids=
	while [ "$((i % 4))" -ne 0 ] || [ -z "$pids" ]; do
		[ "$i" -le "$N" ] || break
		start_one "$i" >/dev/null 2>>"$DOCKER_TMP/run.err" &
		pids="$pids $!"
		i=$((i + 1))
	done
	# Not a bare `wait`: that would wait for dockerd too.
	for p in $pids; do wait "$p"; done
done
running() { [ "$($DOCKER ps -q | wc -l)" -ge "$N" ]; }
if ! wait_for 60 "$N containers running" running; then
	echo "bench docker: only $($DOCKER ps -q | wc -l) of $N containers run:"
	tail -5 "$DOCKER_TMP/run.err"
	exit 1
fi
echo "bench docker: $N containers ($BUSY busy, $TICKING waking twice a second) up in $(($(date +%s) - t0)) s"
# One line per container: the cgroup path relative to a v1 controller (or
# the unified root) and the pid of its process.
$DOCKER inspect -f 'docker/{{.Id}} {{.State.Pid}}' $($DOCKER ps -q) >"$LIST" ||
	exit 1
"$BENCH" "$LIST" "$BIN" "unix://$DOCKER_SOCK" "$CONF" \
	"${BENCH_DOCKER_WINDOWS:-5}" "${BENCH_DOCKER_WINDOW_S:-10}"
rc=$?
echo "bench docker: netdata's cgroups plugin not measured (a thread of the netdata daemon in Debian's netdata-core)"
dockerd_stop
exit $rc
