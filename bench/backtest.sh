#!/bin/sh
# bench/backtest.sh BIN HOIST_SCALER — run by bench/run.sh.
#   1. the replay alone (BIN: build/bench/backtest): 7 days at 10 s steps,
#      50 tasks, in memory;
#   2. the same trace written into a private influxd as the collector
#      writes it, then `hoist-scaler backtest` over it: the InfluxDB query
#      time (all chunks, with decoding) and the replay time as the CLI
#      reports them, and the CLI's peak RSS.
set -u
BIN=${1:-build/bench/backtest}
SCALER=${2:-build/hoist-scaler}
top=$(cd "$(dirname "$0")/.." && pwd)
"$BIN" || exit 1
T=$(mktemp -d /tmp/hoist-bench-backtest.XXXXXX)
. "$top/tests/lib/influxd.sh"
influxd_start || { rm -rf "$T"; exit 1; }
trap 'influxd_stop; rm -rf "$T"' EXIT INT TERM
curl -sf -XPOST "$INFLUX_URL/query" --data-urlencode "q=CREATE DATABASE hoist" >/dev/null || exit 1
FROM=$(( ($(date +%s) - 8 * 86400) / 86400 * 86400 ))
TO=$((FROM + 7 * 86400))
"$BIN" lp "$FROM" "$T" || { echo "bench backtest: cannot write the trace"; exit 1; }
t0=$(date +%s.%N)
for f in "$T"/trace-*.lp; do
	curl -sf -XPOST "$INFLUX_URL/write?db=hoist" --data-binary @"$f" || { echo "bench backtest: write failed"; exit 1; }
	rm -f "$f"
done
t1=$(date +%s.%N)
printf '%s\n' '{"app_id":"/bench/web","min_instances":2,"max_instances":200,"mode":"target","cpu":{"target":50},"mem":{"target":80}}' >"$T/rule.json"
python3 - "$SCALER" "$INFLUX_URL" "$FROM" "$TO" "$T" "$t0" "$t1" <<'PY'
import re, resource, subprocess, sys
scaler, url, frm, to, tmp, t0, t1 = sys.argv[1:]
p = subprocess.run([scaler, "backtest", "--app", "/bench/web", "--rule", tmp + "/rule.json",
                    "--from", frm, "--to", to, "--step", "10", "--format", "json",
                    "--source-influxdb-url", url, "--state-dir", tmp],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if p.returncode != 0:
    print("bench backtest: CLI failed: " + p.stderr.strip())
    sys.exit(1)
m = re.search(r"(\d+) steps, (\d+) tasks, (\d+) figures; influxdb query ([\d.]+) s, replay ([\d.]+) s", p.stderr)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print("scaler backtest cli steps=%s tasks=%s figures=%s influxdb_query_s=%s replay_s=%s "
      "cli_peak_rss_mb=%.1f (influxdb write of the trace: %.1f s)" %
      (m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), rss, float(t1) - float(t0)))
PY
