#!/bin/sh
# Run each cmocka unit-test binary given on the command line; with
# VALGRIND=1, under valgrind memcheck (any error or leak fails the run).
# Prints one "unit: N passed, N failed" line at the end.
# The tests read tests/fixtures/ of the tree this script is in (see
# tests/lib/fixture.h), whatever folder the run starts from.
HOIST_FIXTURES="$(cd "$(dirname "$0")" && pwd)/fixtures"
export HOIST_FIXTURES
pass=0 fail=0 failed=""
for t in "$@"; do
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$t"
	else
		"$t"
	fi
	if [ $? -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
