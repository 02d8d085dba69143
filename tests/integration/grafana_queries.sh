#!/bin/sh
# grafana_queries — every Grafana panel, template variable and annotation of
# grafana/dashboards/ returns data from a real InfluxDB.
#
# Starts Debian's influxd (1.x) on loopback with a temp data dir
# (tests/lib/influxd.sh), fills database "hoist", then runs
# tests/grafana_check.py: the static check of the dashboard JSON and
# provisioning files, and every query with its variables substituted (each
# must return >= 1 series with a value).
#
# Where the data comes from (HOIST_GRAFANA_DATA):
#   collector  a real hoist-collector ($BUILD/hoist-collector) sweeping real
#              containers of a private dockerd (tests/lib/dockerd.sh) every
#              second until influxd holds 15 of its sweeps
#              (HOIST_GRAFANA_SECONDS) and, with the scaler, a decision
#              other than "none" from it, writing to influxd
#              through its own InfluxDB output; the containers carry Marathon
#              app ids (label MARATHON_APP_ID, env MESOS_TASK_ID), CPU,
#              memory and pids limits, a busy loop, loopback pings and disk
#              writes.
#   synth      line protocol from `grafana_check.py synth` with exactly the
#              names the collector emits (see docs/ops.md).
#   auto       (default) collector when $BUILD/hoist-collector exists, else
#              synth, said loudly.
# The scaler's decisions (hoist_scaling): in collector mode, when
# $BUILD/hoist-scaler is built, from the real scaler (metrics from this
# InfluxDB, the Marathon stand-in tests/marathon_standin.py for the apps and
# their task ids, decisions written back through its InfluxDB output);
# otherwise synthetic.
# With HOIST_GRAFANA_RENDER=DIR, after the checks pass, each dashboard is
# drawn from the same data into DIR/<name>.png (tests/grafana_render.py,
# needs python3-matplotlib; HOIST_GRAFANA_RENDER_ARGS passes options such
# as --interval 2s --var marathon_app_id=/shop/web): how
# grafana/screenshots/ is made (see docs/ops.md).
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
mode=${HOIST_GRAFANA_DATA:-auto}
if [ "$mode" = auto ]; then
	if [ -x "$top/$BUILD/hoist-collector" ]; then mode=collector; else
		mode=synth
		echo "NOTE: $BUILD/hoist-collector not built: checking against synthetic data"
	fi
fi
export PYTHONDONTWRITEBYTECODE=1
. "$top/tests/lib/wait.sh"
tmp=$(mktemp -d /tmp/hoist-grafana.XXXXXX)
COLLECTOR_PID= SCALER_PID= STANDIN_PID= MURL=

cleanup() {
	[ -z "$SCALER_PID" ] || { kill "$SCALER_PID" 2>/dev/null; wait "$SCALER_PID" 2>/dev/null; }
	[ -z "$STANDIN_PID" ] || { kill "$STANDIN_PID" 2>/dev/null; wait "$STANDIN_PID" 2>/dev/null; }
	[ -z "$COLLECTOR_PID" ] || { kill "$COLLECTOR_PID" 2>/dev/null; wait "$COLLECTOR_PID" 2>/dev/null; }
	command -v influxd_stop >/dev/null 2>&1 && influxd_stop
	command -v dockerd_stop >/dev/null 2>&1 && dockerd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
trap 'exit 1' INT TERM

# influxd from tests/lib/influxd.sh (loopback, temp data dir), with the
# database the dashboards read.
start_influxd() {
	. "$top/tests/lib/influxd.sh"
	influxd_start || return 1
	trap cleanup EXIT
	curl -sf --noproxy '*' -o /dev/null -XPOST "$INFLUX_URL/query" \
		--data-urlencode "q=CREATE DATABASE hoist"
}

influx_write() {
	curl -sf -o "$tmp/write.out" -w '%{http_code}' -XPOST \
		"$INFLUX_URL/write?db=hoist&precision=ns" --data-binary "@$1" | grep -qx 204 ||
		{ echo "write to influxd failed:"; cat "$tmp/write.out"; return 1; }
}

# influx_count QUERY: the count a "SELECT count(..)" query returns (0: none).
influx_count() {
	n=$(curl -sf --noproxy '*' "$INFLUX_URL/query" --data-urlencode "db=hoist" \
		--data-urlencode "q=$1" |
		sed -n 's/.*"values":\[\[[^,]*,\([0-9]*\)\]\].*/\1/p')
	echo "${n:-0}"
}
influx_sweeps_at_least() {
	[ "$(influx_count 'SELECT count("sweep_duration_ms") FROM "hoist_collector"')" -ge "$1" ]
}
# The scaler wrote a decision other than "none" (the dashboards'
# annotations show those).
influx_has_action() {
	[ "$(influx_count "SELECT count(\"desired\") FROM \"hoist_scaling\" WHERE \"action\" != 'none'")" -ge 1 ]
}

# task_ids APP: the ids of the stand-in's tasks of APP, one a line.
task_ids() {
	curl -sf --noproxy '*' "$MURL/v2/apps${1}/tasks" |
		python3 -c 'import json,sys; [print(t["id"]) for t in json.load(sys.stdin)["tasks"]]'
}

fill_collector() {
	. "$top/tests/lib/dockerd.sh"
	dockerd_start || return 1
	trap cleanup EXIT
	D=$DOCKER
	# With hoist-scaler built, the Marathon stand-in knows the apps (/shop/web
	# with two tasks, /shop/api with one) and the containers carry its task
	# ids, so the real scaler finds their numbers in InfluxDB.
	web1=shop_web.1 web2=shop_web.2 api1=shop_api.1
	if [ -x "$top/$BUILD/hoist-scaler" ]; then
		python3 "$top/tests/marathon_standin.py" --port 0 --port-file "$tmp/mport" \
			>"$tmp/standin.log" 2>&1 &
		STANDIN_PID=$!
		wait_for 10 "the stand-in's port file" test -s "$tmp/mport" ||
			{ echo "Marathon stand-in did not start"; return 1; }
		MURL="http://127.0.0.1:$(cat "$tmp/mport")"
		for a in /shop/web:2 /shop/api:1; do
			curl -sf --noproxy '*' -X POST "$MURL/_standin/seed" -d \
				"{\"app\": {\"id\": \"${a%:*}\", \"instances\": ${a#*:}, \"cmd\": \"x\"}}" \
				>/dev/null || { echo "seeding ${a%:*} failed"; return 1; }
		done
		web1=$(task_ids /shop/web | sed -n 1p) web2=$(task_ids /shop/web | sed -n 2p)
		api1=$(task_ids /shop/api | sed -n 1p)
		[ -n "$web1" ] && [ -n "$web2" ] && [ -n "$api1" ] || { echo "no task ids"; return 1; }
	fi
	# /shop/web: one task busy against a small CPU quota (throttled), one
	# pinging its loopback (network counters); /shop/api writes to disk;
	# and one container in no Marathon app.  pids limits where a panel
	# shows one (unlimited gives no pids_limit).  cgroup v1 counts block
	# I/O in blkio.throttle.* only for a device with a throttle rule, so
	# api-1 gets a (generous) write limit on the disk under $tmp.
	disk=$(df --output=source "$tmp" | tail -1)
	bps=
	[ -b "$disk" ] && bps="--device-write-bps $disk:500mb"
	$D run -d --name web-1 --cpus 0.2 --memory 64m --pids-limit 64 \
		-l MARATHON_APP_ID=/shop/web -e MESOS_TASK_ID="$web1" hoist-busybox:test \
		sh -c 'while :; do :; done' >/dev/null || return 1
	$D run -d --name web-2 --cpus 0.5 --memory 64m -l MARATHON_APP_ID=/shop/web \
		-e MESOS_TASK_ID="$web2" hoist-busybox:test \
		sh -c 'while :; do busybox ping -q -c 5 -i 0.2 127.0.0.1 >/dev/null 2>&1; sleep 1; done' \
		>/dev/null || return 1
	$D run -d --name api-1 --cpus 0.1 --memory 128m --pids-limit 64 $bps \
		-e MARATHON_APP_ID=/shop/api -e MESOS_TASK_ID="$api1" hoist-busybox:test \
		sh -c 'while :; do dd if=/dev/zero of=/tmp/f bs=64k count=64 conv=fsync 2>/dev/null; sleep 1; done' \
		>/dev/null || return 1
	$D run -d --name plain hoist-busybox:test sleep 600 >/dev/null || return 1
	# The whole chain: the collector's own InfluxDB output writes into
	# influxd (SIGTERM flushes what is queued before exit).
	# --container-net-interfaces '*': the containers run with --network
	# none, so their network panels can only show lo (left out by
	# default, as cAdvisor does).
	"$top/$BUILD/hoist-collector" --interval 1 --docker "unix://$DOCKER_SOCK" \
		--output "influxdb:$INFLUX_URL/hoist" --spool_dir "$tmp/spool" \
		--container-net-interfaces '*' \
		--listen none >"$tmp/collector.log" 2>&1 &
	COLLECTOR_PID=$!
	secs=${HOIST_GRAFANA_SECONDS:-15}
	if [ -n "$MURL" ]; then
		# The scaler reads the collector's numbers from influxd: start
		# it once 3 sweeps are there.
		wait_for 60 "3 collector sweeps in influxd" influx_sweeps_at_least 3 ||
			{ echo "no sweeps reached influxd:"; tail -20 "$tmp/collector.log"; return 1; }
		start_scaler || return 1
		wait_for 60 "a scaler decision other than none in influxd" influx_has_action ||
			{ echo "no scaler decision in influxd:"; tail -20 "$tmp/scaler.log"; return 1; }
	fi
	# Enough data for every panel: $secs sweeps (one a second; the bound
	# of 4 s a sweep is for a loaded machine).
	wait_for $((secs * 4)) "$secs collector sweeps in influxd" influx_sweeps_at_least "$secs" ||
		{ echo "the collector did not deliver $secs sweeps:"; tail -20 "$tmp/collector.log"; return 1; }
	kill -0 "$COLLECTOR_PID" 2>/dev/null ||
		{ echo "hoist-collector died:"; tail -20 "$tmp/collector.log"; return 1; }
	if [ -n "$SCALER_PID" ]; then
		kill "$SCALER_PID"; wait "$SCALER_PID"; rc=$?
		SCALER_PID=
		[ $rc -eq 0 ] || { echo "hoist-scaler exit $rc:"; tail -20 "$tmp/scaler.log"; return 1; }
	fi
	kill "$COLLECTOR_PID"; wait "$COLLECTOR_PID"; rc=$?
	COLLECTOR_PID=
	[ $rc -eq 0 ] || { echo "hoist-collector exit $rc:"; tail -20 "$tmp/collector.log"; return 1; }
	n=$(curl -sf --noproxy '*' "$INFLUX_URL/query" --data-urlencode "db=hoist" \
		--data-urlencode 'q=SELECT count("sweep_duration_ms") FROM "hoist_collector"' |
		sed -n 's/.*"values":\[\[[^,]*,\([0-9]*\)\]\].*/\1/p')
	echo "hoist-collector delivered ${n:-0} sweeps to influxd"
	if [ -n "$MURL" ]; then
		n=$(curl -sf --noproxy '*' "$INFLUX_URL/query" --data-urlencode "db=hoist" \
			--data-urlencode 'q=SELECT count("desired") FROM "hoist_scaling"' |
			sed -n 's/.*"values":\[\[[^,]*,\([0-9]*\)\]\].*/\1/p')
		echo "hoist-scaler delivered ${n:-0} decisions to influxd;" \
			"Marathon PUTs: $(curl -s --noproxy '*' "$MURL/_standin/requests" |
			python3 -c 'import json,sys; print([(r["path"], r["body"]) for r in json.load(sys.stdin) if r["method"] == "PUT"])')"
	else
		echo "NOTE: $BUILD/hoist-scaler not built: synthetic scaler decisions"
		python3 "$top/tests/grafana_check.py" synth --span "$(( secs + 5 ))" --step 1 \
			--scaling-only >"$tmp/scaling.lp" && influx_write "$tmp/scaling.lp"
	fi
}

# The real scaler, metrics from InfluxDB (what the collector wrote), its
# decisions back into InfluxDB.  Threshold rules low enough that both apps
# get a decision other than "none": /shop/web scales up (one task at 100 %
# of its quota: mean 50 % > 40 %), /shop/api is a dry run (its task writes
# to disk at a few % of a 0.1-core quota: > 0.5 %).
start_scaler() {
	"$top/$BUILD/hoist-scaler" --listen 127.0.0.1:0 --marathon "$MURL" \
		--state_dir "$tmp/scaler-state" --interval 1 --source influxdb \
		--source_influxdb_url "$INFLUX_URL" --source_influxdb_db hoist \
		--source_window_s 10 --output "influxdb:$INFLUX_URL/hoist" \
		--flush_interval_ms 200 --spool_dir "$tmp/scaler-spool" \
		>"$tmp/scaler.log" 2>&1 &
	SCALER_PID=$!
	# The scaler logs its API port once it listens ("... (port N)").
	wait_for 10 "the scaler to log its API port" file_has "$tmp/scaler.log" '\(port [0-9]+\)' ||
		{ echo "hoist-scaler did not start:"; tail -20 "$tmp/scaler.log"; return 1; }
	sport=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/scaler.log" | head -1)
	for r in \
	    'shop/web {"min_instances":1,"max_instances":4,"mode":"threshold","cpu":{"above":40,"below":1},"trigger":"any","step":1,"confirm_cycles":1,"warmup_s":0}' \
	    'shop/api {"min_instances":1,"max_instances":3,"mode":"threshold","cpu":{"above":0.5,"below":0.1},"trigger":"any","step":1,"confirm_cycles":1,"warmup_s":0,"dry_run":true}'; do
		code=$(curl -s --noproxy '*' -o "$tmp/rule.out" -w '%{http_code}' -X PUT \
			"http://127.0.0.1:$sport/v1/rules/${r%% *}" --data-binary "${r#* }")
		[ "$code" = 201 ] || { echo "rule ${r%% *}: $code $(cat "$tmp/rule.out")"; return 1; }
	done
}

fill_synth() {
	python3 "$top/tests/grafana_check.py" synth --span 900 --step 10 >"$tmp/synth.lp" &&
		influx_write "$tmp/synth.lp" &&
		echo "wrote $(wc -l <"$tmp/synth.lp") synthetic points"
}

python3 "$top/tests/grafana_check.py" static "$top/grafana" || exit 1
start_influxd || exit 1
case $mode in
collector) fill_collector || exit 1 ;;
synth) fill_synth || exit 1 ;;
*) echo "HOIST_GRAFANA_DATA=$mode: want collector, synth or auto"; exit 1 ;;
esac
echo "data: $mode"
# The collector sees every container of the host, those of tests running
# at the same time too (suite run 4 picked another test's /grp/shop/batch,
# first in order, which this test's scaler never decided on): the variables
# take this test's own app.
vars=
[ "$mode" = collector ] && vars="--var marathon_app_id=/shop/api"
python3 "$top/tests/grafana_check.py" queries "$top/grafana" "$INFLUX_URL" hoist $vars || exit 1
if [ -n "${HOIST_GRAFANA_RENDER:-}" ]; then
	/usr/bin/python3 "$top/tests/grafana_render.py" ${HOIST_GRAFANA_RENDER_ARGS:-} \
		"$top/grafana" "$INFLUX_URL" hoist "$HOIST_GRAFANA_RENDER" || exit 1
fi
