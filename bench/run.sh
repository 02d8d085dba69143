#!/bin/sh
# make bench: every benchmark, each measuring its baseline in the same run.
# Needs root (real cgroups, a private influxd).  Prints one line per figure.
#   collector  cost per container per sweep vs the pread floor (N=200, 1000)
#   sink       points/s to a real InfluxDB and to a null endpoint
#   api        the collector's API: render times and requests/s
#   host       host metrics per sweep (CPU and wall), the process scan apart
#   scaler     engine decisions/s, one round of 1000 rules, REST requests/s
#   backtest   7 days at 10 s steps, 50 tasks: replay time and peak RSS;
#              the InfluxDB query apart (bench/backtest.sh)
# BENCH_ONLY=backtest runs that line alone.
set -u
: "${BUILD:=build}"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rc=0
if [ "${BENCH_ONLY:-}" = backtest ]; then
	sh bench/backtest.sh "$BUILD/bench/backtest" "$BUILD/hoist-scaler"
	exit $?
fi
cleanup_groups() {
	for c in cpu cpuacct memory blkio pids; do
		for d in /sys/fs/cgroup/$c/docker/b0b0b0b0*; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	done
}
trap cleanup_groups EXIT INT TERM
. "$top/tests/lib/influxd.sh"
influxd_start || exit 1
trap 'influxd_stop; cleanup_groups' EXIT INT TERM
for n in 200 1000; do
	"$BUILD/bench/collector" "$n" "${BENCH_SWEEPS:-100}" "$BUILD/hoist-collector" "$INFLUX_URL" || rc=1
done
influxd_stop
sh bench/sink.sh "$BUILD/bench/sink" || rc=1
"$BUILD/bench/api" || rc=1
"$BUILD/bench/host" || rc=1
sh bench/scaler.sh "$BUILD/bench/scaler" || rc=1
sh bench/backtest.sh "$BUILD/bench/backtest" "$BUILD/hoist-scaler" || rc=1
exit $rc
