#!/bin/sh
# bench/fleet.sh BIN — run by bench/run.sh with build/bench/fleet (alone:
# BENCH_ONLY=fleet make bench).  One simulated cluster per line
# (bench/fleet_standin.py, started and stopped here): Marathon 20 ms away,
# agent hosts on 127.1.X.Y, 5 tasks per app.
#   1. the issue's configuration: 2000 rules, 10000 tasks, 500 hosts,
#      5 % of them hung (agent_timeout_ms 2000): fleet rounds, then the
#      per-rule design on a sample of the same cluster, same run;
#   2. the curve: rules 100, 1000, 5000 x hosts 10, 100, 1000, no hung
#      host (BENCH_FLEET_CURVE=0 skips it).
set -u
BIN=${1:-build/bench/fleet}
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/hoist-bench-fleet.XXXXXX)
SPID=""
rc=0
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	SPID=""
}
trap 'cleanup; rm -rf "$T"' EXIT INT TERM

# start RULES HOSTS SLOW_FRAC: the cluster; sets MURL and APORT
start() {
	rm -f "$T/ports"
	python3 "$top/bench/fleet_standin.py" --apps "$1" --tasks $(($1 * 5)) \
		--hosts "$2" --latency-ms 20 --slow-frac "$3" >"$T/ports" \
		2>"$T/standin.log" &
	SPID=$!
	i=0
	while [ ! -s "$T/ports" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/ports" ] || { echo "bench fleet: stand-in did not start"; cat "$T/standin.log"; return 1; }
	read -r mport APORT <"$T/ports"
	MURL="http://127.0.0.1:$mport"
}

if start 2000 500 0.05; then
	"$BIN" fleet 2000 10000 500 20 5 "$MURL" "$APORT" 3 || rc=1
	"$BIN" per_rule 2000 10000 500 20 5 "$MURL" "$APORT" \
		"${BENCH_FLEET_SAMPLE:-50}" || rc=1
else
	rc=1
fi
cleanup
if [ "${BENCH_FLEET_CURVE:-1}" != 0 ]; then
	for rules in 100 1000 5000; do
		for hosts in 10 100 1000; do
			start "$rules" "$hosts" 0 || { rc=1; continue; }
			"$BIN" fleet "$rules" $((rules * 5)) "$hosts" 20 0 \
				"$MURL" "$APORT" 3 || rc=1
			cleanup
		done
	done
fi
exit $rc
