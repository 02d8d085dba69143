#!/bin/sh
# bench/sink.sh BINARY — called by bench/run.sh with build/bench/sink:
# starts a private InfluxDB (tests/lib/influxd.sh), then measures the
# influxdb sink against it and against an in-process null endpoint.
# Prints the binary's lines ("sink target=... points_per_s=...").
set -u
bin=${1:-build/bench/sink}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/influxd.sh"
influxd_start || exit 1
"$bin" -n "${BENCH_SINK_POINTS:-200000}" "$INFLUX_URL/hoist_bench" -
