#!/bin/sh
# make bench: every benchmark, each measuring its baseline in the same run.
# Needs root (real cgroups, a private influxd).  Prints one line per figure.
#   collector  cost per container per sweep vs the pread floor (N=200, 1000)
#   sink       points/s to a real InfluxDB and to a null endpoint
#   api        the collector's API: render times and requests/s
#   host       host metrics per sweep (CPU and wall), the process scan apart
#   scaler     engine decisions/s, one round of 1000 rules, REST requests/s
#   store      a rule change (POST) at 1,000 and 10,000 rules, old state.json
#              vs the per-app store, and /healthz during 10,000 POSTs
#   fleet      hoist-scaler's rounds against a simulated cluster
#              (bench/fleet.sh): thousands of rules, hundreds of hosts
#   docker     cost per container per sweep on 200 real Docker containers
#              vs the 8-file floor, hoist's own floor and collectd
#   backtest   7 days at 10 s steps, 50 tasks: replay time and peak RSS;
#              the InfluxDB query apart (bench/backtest.sh)
set -u
: "${BUILD:=build}"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rc=0
cleanup_groups() {
	for c in cpu cpuacct memory blkio pids; do
		for d in /sys/fs/cgroup/$c/docker/b0b0b0b0*; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	done
}
trap cleanup_groups EXIT INT TERM
# BENCH_ONLY="store fleet docker backtest" runs only those (names as above).
want() {
	[ -z "${BENCH_ONLY:-}" ] && return 0
	case " $BENCH_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}
if want collector; then
	. "$top/tests/lib/influxd.sh"
	influxd_start || exit 1
	trap 'influxd_stop; cleanup_groups' EXIT INT TERM
	for n in 200 1000; do
		"$BUILD/bench/collector" "$n" "${BENCH_SWEEPS:-100}" "$BUILD/hoist-collector" "$INFLUX_URL" || rc=1
	done
	influxd_stop
	trap cleanup_groups EXIT INT TERM
fi
if want sink; then sh bench/sink.sh "$BUILD/bench/sink" || rc=1; fi
if want api; then "$BUILD/bench/api" || rc=1; fi
if want host; then "$BUILD/bench/host" || rc=1; fi
if want scaler; then sh bench/scaler.sh "$BUILD/bench/scaler" || rc=1; fi
if want store; then BUILD=$BUILD sh bench/store.sh "$BUILD/bench/store" || rc=1; fi
if want fleet; then sh bench/fleet.sh "$BUILD/bench/fleet" || rc=1; fi
if want docker; then
	BUILD=$BUILD sh bench/docker.sh "$BUILD/bench/docker" "$BUILD/hoist-collector" || rc=1
fi
if want backtest; then sh bench/backtest.sh "$BUILD/bench/backtest" "$BUILD/hoist-scaler" || rc=1; fi
exit $rc
