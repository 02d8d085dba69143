#!/bin/sh
# api_promtool: the collector's /metrics output must pass
# `promtool check metrics` (Debian package prometheus).
#
# The exposition of the fixture table (tests/unit/api_fixture.h, with every
# optional family switched on) is written by the test_prom unit test when
# HOIST_PROM_OUT names a file; promtool then checks that file.  When
# hoist-collector exists and takes --listen, its live /metrics is checked
# too, against the cgroup fixture tree.
set -u
: "${BUILD:=build}"
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed (Debian: prometheus)"; exit 1; }

tmp=$(mktemp -d) || exit 1
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

make -s "$BUILD/tests/test_prom" || exit 1
HOIST_PROM_OUT="$tmp/metrics.txt" "$BUILD/tests/test_prom" >"$tmp/unit.log" 2>&1 \
	|| { cat "$tmp/unit.log"; exit 1; }
[ -s "$tmp/metrics.txt" ] || { echo "no exposition written"; exit 1; }
if ! promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.log" 2>&1; then
	echo "promtool rejects the fixture exposition:"; cat "$tmp/promtool.log"; exit 1
fi
# The check must be able to fail: a counter without _total is refused.
printf '# HELP x_bad a counter\n# TYPE x_bad counter\nx_bad 1\n' >"$tmp/bad.txt"
if promtool check metrics <"$tmp/bad.txt" >/dev/null 2>&1; then
	echo "promtool accepted a bad exposition: the check proves nothing"; exit 1
fi
families=$(grep -c '^# TYPE ' "$tmp/metrics.txt")
echo "fixture exposition: $families families, promtool ok"

# The live collector, when it is there and knows --listen.
coll=./hoist-collector
fixture=${HOIST_SHARED:-$top/../shared}/fixtures/cgroup/v2-sample
if [ -x "$coll" ] && "$coll" --help 2>&1 | grep -q -- '--listen' && [ -d "$fixture" ]; then
	port=$(( 20000 + $$ % 20000 ))
	"$coll" --cgroup-root "$fixture" --listen "127.0.0.1:$port" --interval 1 \
		--output stdout >/dev/null 2>"$tmp/coll.log" &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		curl -fsS "http://127.0.0.1:$port/metrics" -o "$tmp/live.txt" 2>/dev/null \
			&& grep -q '^hoist_collector_sweeps_total [1-9]' "$tmp/live.txt" && break
		sleep 0.2; i=$((i + 1))
	done
	[ -s "$tmp/live.txt" ] || { echo "collector served no /metrics"; cat "$tmp/coll.log"; exit 1; }
	promtool check metrics <"$tmp/live.txt" || { echo "promtool rejects live /metrics"; exit 1; }
	echo "live collector /metrics: promtool ok"
else
	echo "hoist-collector with --listen not built yet: live check skipped"
fi
exit 0
