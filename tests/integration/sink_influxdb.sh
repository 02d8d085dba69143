#!/bin/sh
# tests/integration/sink_influxdb.sh — hoist-collector writing to a real
# InfluxDB 1.x (Debian's influxd, tests/lib/influxd.sh) through an outage.
#
# The collector sweeps a fixture cgroup v2 tree of 3 containers every
# second, with two outputs: file (synchronous: the record of every sweep)
# and influxdb (queued, spooled).  Part 1 stops InfluxDB for 8 sweeps in the
# middle of a run; part 2 also kills the collector with kill -9 during the
# outage and starts it again after InfluxDB is back.  Each time, every
# (timestamp, container) of the container_cpu (cpu-total) points in the file must
# be in InfluxDB exactly once (count per timestamp = 3), the spool must
# have been used and be empty at the end, and (part 1) the sweep must
# have kept its 1 s pace while InfluxDB was down.
# Every wait is for an event (tests/lib/wait.sh): sweeps in the file,
# points in InfluxDB, spool segments on disk; the outage is measured in
# sweeps the collector made while InfluxDB was down.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
COLLECTOR="$HOIST_TOP/$BUILD/hoist-collector"
. "$HOIST_TOP/tests/lib/influxd.sh"
. "$HOIST_TOP/tests/lib/wait.sh"

T=$(mktemp -d /tmp/hoist-sinkit.XXXXXX)
CPID=
cleanup() {
	if [ -n "$CPID" ]; then
		kill -9 "$CPID" 2>/dev/null
		wait "$CPID" 2>/dev/null
	fi
	influxd_stop
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
fail() {
	echo "FAIL: $*"
	tail -20 "$T/collector.log"
	exit 1
}

# A cgroup v2 tree with three Docker (systemd driver) containers.
tree="$T/cgroup"
mkdir -p "$tree"
echo "cpu memory io pids" >"$tree/cgroup.controllers"
for i in 1 2 3; do
	d="$tree/system.slice/docker-$(printf '%064d' $i).scope"
	mkdir -p "$d"
	printf 'usage_usec %d\nuser_usec 100\nsystem_usec 50\n' $((i * 1000)) \
		>"$d/cpu.stat"
	echo $((i * 1000000)) >"$d/memory.current"
	echo "max 100000" >"$d/cpu.max"
	: >"$d/cgroup.procs"
done

influxd_start || fail "influxd did not start"
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# start_collector DB SPOOL FILE: run it in the background, pid in CPID.
start_collector() {
	"$COLLECTOR" --interval 1 --docker none --listen none \
		--cgroup-root "$tree" --output "file:$3" \
		--output "influxdb:$INFLUX_URL/$1" \
		--influxdb-create-db --spool-dir "$2" --flush-interval-ms 200 \
		--hostname it >/dev/null 2>>"$T/collector.log" &
	CPID=$!
}

stop_collector() {
	kill -TERM "$CPID"
	wait "$CPID"
	rc=$?
	CPID=
	[ "$rc" -eq 0 ] || fail "collector exited with $rc"
}

segments() {
	find "$1" -name '*.seg' 2>/dev/null | wc -l
}

spool_empty() { [ "$(segments "$1")" -eq 0 ]; }
spool_used() { [ "$(segments "$1")" -gt 0 ]; }

# Sweeps in the file output FILE: one container_cpu cpu-total line per
# container (3) per sweep.
sweeps() {
	echo $(( $(count_lines "$1" '^container_cpu,.*,cpu=cpu-total ') / 3 ))
}
sweeps_at_least() { [ "$(sweeps "$1")" -ge "$2" ]; }

# cpu-total points of database DB in InfluxDB (0 before the first write).
influx_points() {
	INFLUX_DB=$1 influxd_query "SELECT count(usage_total) FROM container_cpu WHERE cpu = 'cpu-total'" |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["results"][0]
print(r["series"][0]["values"][0][1] if "series" in r else 0)' 2>/dev/null || echo 0
}
influx_points_at_least() { [ "$(influx_points "$1")" -ge "$2" ]; }

# Wait until the spool in $1 is empty.  60 s: after an outage of ~8 s the
# sink's retry backoff may have grown to 8-16 s before its next try.
wait_spool_empty() {
	wait_for 60 "spool $1 to drain" spool_empty "$1" ||
		fail "spool $1 did not drain: $(ls -lR "$1")"
}

# run_sweeps FILE DB N: wait until N more sweeps are in FILE and InfluxDB
# has every point the file had when the wait ended (the sink delivers).
run_sweeps() {
	_n=$(( $(sweeps "$1") + $3 ))
	wait_for 60 "$3 more sweeps in $1" sweeps_at_least "$1" "$_n" ||
		fail "the collector stopped sweeping"
	_p=$(( _n * 3 ))
	wait_for 30 "$_p cpu-total points in InfluxDB database $2" \
		influx_points_at_least "$2" "$_p" || fail "InfluxDB lags behind the file"
}

# outage FILE SPOOL N: with InfluxDB down, wait for N sweeps (the outage
# under test is N sweeps long, about N s at --interval 1) and for the
# spool to hold a segment.
outage() {
	_n=$(( $(sweeps "$1") + $3 ))
	wait_for 60 "$3 sweeps during the outage" sweeps_at_least "$1" "$_n" ||
		fail "the collector stopped sweeping while InfluxDB was down"
	wait_for 30 "a spool segment in $2" spool_used "$2" ||
		fail "nothing spooled during the outage"
}

# check DB FILE MAXGAP: the comparison described at the top.
check() {
	INFLUX_DB=$1 influxd_query "SELECT container_id FROM container_cpu WHERE cpu = 'cpu-total'" \
		>"$T/$1.json" || fail "query $1"
	python3 - "$T/$1.json" "$2" "$3" <<'PY' || fail "check of $1"
import json, re, sys
from collections import Counter
q, path, maxgap = sys.argv[1], sys.argv[2], float(sys.argv[3])
res = json.load(open(q))["results"][0]
rows = res["series"][0]["values"] if "series" in res else []
influx = Counter((int(t), cid) for t, cid in rows)
want = Counter()
spooled = 0
for line in open(path):
    m = re.match(r'container_cpu,.*,cpu=cpu-total .*container_id="([0-9]+)" ([0-9]+)$', line)
    if m:
        want[(int(m.group(2)), m.group(1))] += 1
    m = re.search(r'^hoist_collector,.*points_spooled=([0-9]+)i', line)
    if m:
        spooled = max(spooled, int(m.group(1)))
times = sorted({t for t, _ in want})
per_ts = Counter(t for t, _ in influx)
missing = [k for k in want if k not in influx]
extra = [k for k in influx if k not in want]
doubled = [k for k, n in influx.items() if n != 1]
bad_ts = [t for t in times if per_ts[t] != 3]
gaps = [(b - a) / 1e9 for a, b in zip(times, times[1:])]
print("sweeps=%d rows=%d missing=%d extra=%d doubled=%d bad_ts=%d "
      "max_gap=%.2fs spooled=%d" % (len(times), sum(influx.values()),
      len(missing), len(extra), len(doubled), len(bad_ts),
      max(gaps) if gaps else 0, spooled))
ok = (len(times) >= 12 and not missing and not extra and not doubled
      and not bad_ts and spooled > 0 and (maxgap <= 0 or max(gaps) <= maxgap))
sys.exit(0 if ok else 1)
PY
}

echo "part 1: InfluxDB stopped for 8 sweeps"
start_collector hoist "$T/spool1" "$T/points1.lp"
run_sweeps "$T/points1.lp" hoist 5
influxd_halt
outage "$T/points1.lp" "$T/spool1" 8
influxd_start || fail "influxd did not restart"
wait_spool_empty "$T/spool1"
run_sweeps "$T/points1.lp" hoist 3
stop_collector
check hoist "$T/points1.lp" 1.6

echo "part 2: collector killed with kill -9 during the outage"
start_collector hoist2 "$T/spool2" "$T/points2.lp"
run_sweeps "$T/points2.lp" hoist2 5
influxd_halt
outage "$T/points2.lp" "$T/spool2" 4
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
CPID=
n=$(segments "$T/spool2")
[ "$n" -gt 0 ] || fail "no spool segments after kill -9"
influxd_start || fail "influxd did not restart"
start_collector hoist2 "$T/spool2" "$T/points2.lp"
wait_spool_empty "$T/spool2"
run_sweeps "$T/points2.lp" hoist2 3
stop_collector
check hoist2 "$T/points2.lp" 0
grep -q "replaying them first" "$T/collector.log" ||
	fail "the restarted collector did not report the spool it found"
echo "ok"
