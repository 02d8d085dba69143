#!/bin/sh
# Run every tests/integration/*.sh.  Each script starts the real servers it
# needs (dockerd, influxd, ...) on loopback or unix sockets of its own and
# stops them on exit.  A script exits 0 (pass) or non-zero (fail).
# Prints one "integration: N passed, N failed" line at the end.
: "${BUILD:=build}"
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
export HOIST_TOP="$top"
pass=0 fail=0 failed=""
for t in "$top"/tests/integration/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	# ONLY="a b": run just these (space-separated names).
	if [ -n "${ONLY:-}" ]; then
		case " $ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	echo "=== integration: $name"
	start=$(date +%s)
	if sh "$t"; then
		pass=$((pass + 1)); echo "--- PASS $name ($(( $(date +%s) - start ))s)"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "--- FAIL $name"
	fi
done
echo "integration: $pass passed, $fail failed"
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
