#!/bin/sh
# bench/store.sh BIN — run by bench/run.sh with build/bench/store: what a
# rule change costs a running hoist-scaler and what it does to /healthz,
# for today's scaler (the per-app store, "new") and, in the same run, the
# single-file state.json of the commit before it ("old", built here from
# `git archive`; BENCH_STORE_OLD_BIN=path uses a built one instead, and
# BENCH_STORE_OLD=0 skips it).  Each line (bench/store_main.c):
#   rules=0+1000      1,000 POSTs into an empty state dir
#   rules=9900+100    100 POSTs into a state dir seeded with 9,900 rules
#                     (a state.json, which "new" migrates at start-up)
#   rules=0+10000     (new only) a stream of 10,000 POSTs: /healthz
#                     during all of it
#   round_flush_*     (new only, in-process) what the end of a round waits
#                     for with 10,000 rules: a usual round (windows moved,
#                     written in the background) and one where every app
#                     scaled (old: one whole state.json, as a POST at
#                     10,000 rules costs)
# The scaler runs against a Marathon that is not there with a 3600 s
# interval: the one round at start-up has no rules, so only the REST
# API and the state store work.
set -u
BIN=${1:-build/bench/store}
: "${BUILD:=build}"
: "${BENCH_STORE_OLD_REV:=7c8cce6e0eb5149800669e9722e99392da1c7e12}"
: "${BENCH_STORE_OLD:=1}"
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/wait.sh"
T=$(mktemp -d /tmp/hoist-bench-store.XXXXXX)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
rc=0

# The old-format state file with N rules /bench/app-0 ...
seed() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
apps = [{"rule": {"app_id": "/bench/app-%d" % i, "min_instances": 1,
                  "max_instances": 50, "mode": "target",
                  "cpu": {"target": 60}, "warmup_s": 0}}
        for i in range(n)]
with open(path, "w") as f:
    json.dump({"version": 1, "apps": apps}, f)
PY
}

# start SCALER DIR: start it, set URL; 1 when it does not come up.
start() {
	"$1" -s "$2" -l 127.0.0.1:0 -m http://127.0.0.1:9 -i 3600 \
	    >"$T/scaler.log" 2>&1 &
	SPID=$!
	wait_for 120 "the scaler to listen" file_has "$T/scaler.log" \
	    'listening on .*\(port [0-9]+\)' || { cat "$T/scaler.log"; return 1; }
	port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/scaler.log" | head -1)
	URL="http://127.0.0.1:$port"
	wait_for 30 "the API" curl -sf -o /dev/null "$URL/healthz"
}

stop() {
	kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	SPID=""
}

# run IMPL SCALER: the lines of one implementation.
run() {
	impl=$1 scaler=$2
	rm -rf "$T/s" && mkdir "$T/s"
	start "$scaler" "$T/s" || return 1
	"$BIN" "impl=$impl" "$URL" 0 1000 || rc=1
	stop
	rm -rf "$T/s" && mkdir "$T/s"
	seed 9900 "$T/s/state.json"
	t0=$(wait_now_ms)
	start "$scaler" "$T/s" || return 1
	echo "scaler_store impl=$impl start_with_rules=9900 start_ms=$(( $(wait_now_ms) - t0 ))"
	"$BIN" "impl=$impl" "$URL" 9900 100 || rc=1
	stop
	[ "$impl" = new ] || return 0
	rm -rf "$T/s" && mkdir "$T/s"
	start "$scaler" "$T/s" || return 1
	"$BIN" "impl=$impl" "$URL" 0 10000 || rc=1
	stop
	rm -rf "$T/s" && mkdir "$T/s"
	seed 10000 "$T/s/state.json"
	"$BIN" flush "$T/s" || rc=1
}

old_bin() {
	[ "$BENCH_STORE_OLD" = 1 ] || return 1
	if [ -n "${BENCH_STORE_OLD_BIN:-}" ]; then
		echo "$BENCH_STORE_OLD_BIN"
		return 0
	fi
	git -C "$top" cat-file -e "$BENCH_STORE_OLD_REV^{commit}" 2>/dev/null ||
		{ echo "bench store: no commit $BENCH_STORE_OLD_REV here: old skipped" >&2; return 1; }
	mkdir "$T/old"
	git -C "$top" archive "$BENCH_STORE_OLD_REV" | tar -x -C "$T/old" &&
	nice make -s -C "$T/old" -j2 build/hoist-scaler >"$T/old-build.log" 2>&1 ||
		{ echo "bench store: old build failed (see below)" >&2; tail -20 "$T/old-build.log" >&2; return 1; }
	echo "$T/old/build/hoist-scaler"
}

if ob=$(old_bin); then
	run old "$ob" || rc=1
fi
run new "$top/$BUILD/hoist-scaler" || rc=1
exit $rc
