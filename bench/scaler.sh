#!/bin/sh
# bench/scaler.sh BIN — run by bench/run.sh with build/bench/scaler.
# The engine and REST figures need nothing; the evaluation round needs a
# Marathon stand-in with 1000 apps (one task each, host 127.0.0.1) and a
# stand-in agent on loopback, started here and stopped on exit.
set -u
BIN=${1:-build/bench/scaler}
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/hoist-bench-scaler.XXXXXX)
MPID="" APID=""
cleanup() {
	for p in $APID $MPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
# The stand-in writes headers and body separately; with Nagle on, every
# keep-alive request waits ~40 ms for the client's delayed ACK, which a
# real Marathon (Jetty, TCP_NODELAY) does not.  Switch it off here.
python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import marathon_standin as m
m.Handler.disable_nagle_algorithm = True
sys.argv = ["marathon_standin.py", "--port", "0", "--port-file", sys.argv[2]]
m.main()
' "$top/tests" "$T/mport" >"$T/standin.log" 2>&1 &
MPID=$!
i=0
while [ ! -s "$T/mport" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/mport" ] || { echo "bench scaler: stand-in did not start"; exit 1; }
MURL="http://127.0.0.1:$(cat "$T/mport")"
python3 - "$MURL" <<'PY' || { echo "bench scaler: seeding failed"; exit 1; }
import json, sys, urllib.request
for i in range(1000):
    body = {"app": {"id": "/bench/app-%d" % i, "instances": 1, "cmd": "sleep 1"}}
    req = urllib.request.Request(sys.argv[1] + "/_standin/seed",
                                 json.dumps(body).encode())
    urllib.request.urlopen(req, timeout=30).read()
PY
python3 "$top/bench/scaler_agent.py" "$MURL" >"$T/aport" 2>"$T/agent.log" &
APID=$!
i=0
while [ ! -s "$T/aport" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/aport" ] || { echo "bench scaler: agent did not start"; exit 1; }
"$BIN" "${BENCH_SCALER_ROUNDS:-200}" "$MURL" "$(cat "$T/aport")"
