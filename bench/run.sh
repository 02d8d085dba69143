#!/bin/sh
# make bench: every benchmark, each measuring its baseline in the same run.
# Needs root (real cgroups).  Prints one line per measurement.
set -u
: "${BUILD:=build}"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rc=0
for n in 200 1000; do
	"$BUILD/bench/collector" "$n" "${BENCH_SWEEPS:-100}" "$BUILD/hoist-collector" || rc=1
done
for b in "$BUILD"/bench/*; do
	case "$(basename "$b")" in
	collector) ;;
	*) [ -x "$b/run.sh" ] && continue; [ -f "bench/$(basename "$b").sh" ] && { sh "bench/$(basename "$b").sh" "$b" || rc=1; } ;;
	esac
done
# leftovers from an interrupted run
for c in cpu cpuacct memory blkio pids; do
	for d in /sys/fs/cgroup/$c/docker/b0b0b0b0*; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
done
exit $rc
