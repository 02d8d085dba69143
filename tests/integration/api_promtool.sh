#!/bin/sh
# api_promtool: the collector's /metrics output must pass
# `promtool check metrics` (Debian package prometheus).
#
# The exposition of the fixture table (tests/unit/api_fixture.h, with every
# optional family switched on) is written by the test_prom unit test when
# HOIST_PROM_OUT names a file; promtool then checks that file.  The live
# collector's /metrics is checked by api_live.sh.
set -u
: "${BUILD:=build}"
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed (Debian: prometheus)"; exit 1; }

tmp=$(mktemp -d) || exit 1
cleanup() {
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

exit 0
