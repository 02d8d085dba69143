#!/bin/sh
# grafana_queries — every Grafana panel, template variable and annotation of
# grafana/dashboards/ returns data from a real InfluxDB.
#
# Starts Debian's influxd (1.x) on loopback with a temp data dir, fills
# database "hoist", then runs tests/grafana_check.py: the static check of
# the dashboard JSON and provisioning files, and every query with its
# variables substituted (each must return >= 1 series with a value).
#
# Where the data comes from (HOIST_GRAFANA_DATA):
#   collector  a real hoist-collector ($BUILD/hoist-collector) sweeping real
#              containers of a private dockerd (tests/lib/dockerd.sh) every
#              second for ~15 s (HOIST_GRAFANA_SECONDS), writing to influxd
#              through its own InfluxDB output; the containers carry Marathon
#              app ids (label MARATHON_APP_ID, env MESOS_TASK_ID), CPU,
#              memory and pids limits, a busy loop, loopback pings and disk
#              writes.
#   synth      line protocol from `grafana_check.py synth` with exactly the
#              names the collector emits (see docs/ops.md).
#   auto       (default) collector when $BUILD/hoist-collector exists, else
#              synth, said loudly.
# The scaler's decisions (hoist_scaling) are synthetic in both modes: the
# scaler end-to-end test owns running it against a Marathon stand-in.
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
tmp=$(mktemp -d /tmp/hoist-grafana.XXXXXX)
INFLUXD_PID= COLLECTOR_PID=

cleanup() {
	[ -z "$COLLECTOR_PID" ] || { kill "$COLLECTOR_PID" 2>/dev/null; wait "$COLLECTOR_PID" 2>/dev/null; }
	[ -z "$INFLUXD_PID" ] || { kill "$INFLUXD_PID" 2>/dev/null; wait "$INFLUXD_PID" 2>/dev/null; }
	command -v dockerd_stop >/dev/null 2>&1 && dockerd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A minimal influxd of our own: loopback only, temp dirs, nothing else on.
influxd_start() {
	INFLUX_PORT=$(free_port)
	rpc_port=$(free_port)
	mkdir -p "$tmp/influx"
	cat >"$tmp/influx/influxd.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$tmp/influx/meta"
[data]
  dir = "$tmp/influx/data"
  wal-dir = "$tmp/influx/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
[continuous_queries]
  enabled = false
CONF
	influxd -config "$tmp/influx/influxd.conf" >"$tmp/influx/log" 2>&1 &
	INFLUXD_PID=$!
	INFLUX_URL="http://127.0.0.1:$INFLUX_PORT"
	i=0
	until curl -sf -o /dev/null "$INFLUX_URL/ping"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$INFLUXD_PID" 2>/dev/null; then
			echo "influxd did not start:"; tail -20 "$tmp/influx/log"; return 1
		fi
		sleep 0.1
	done
	curl -sf -o /dev/null -XPOST "$INFLUX_URL/query" --data-urlencode "q=CREATE DATABASE hoist"
}

influx_write() {
	curl -sf -o "$tmp/write.out" -w '%{http_code}' -XPOST \
		"$INFLUX_URL/write?db=hoist&precision=ns" --data-binary "@$1" | grep -qx 204 ||
		{ echo "write to influxd failed:"; cat "$tmp/write.out"; return 1; }
}

fill_collector() {
	. "$top/tests/lib/dockerd.sh"
	dockerd_start || return 1
	trap cleanup EXIT
	D=$DOCKER
	# /shop/web: two tasks, one busy against a small CPU quota (throttled),
	# one pinging its loopback (network counters); /shop/api writes to disk;
	# and one container in no Marathon app.  pids limits where a panel
	# shows one (unlimited gives no pids_limit).  cgroup v1 counts block
	# I/O in blkio.throttle.* only for a device with a throttle rule, so
	# api-1 gets a (generous) write limit on the disk under $tmp.
	disk=$(df --output=source "$tmp" | tail -1)
	bps=
	[ -b "$disk" ] && bps="--device-write-bps $disk:500mb"
	$D run -d --name web-1 --cpus 0.2 --memory 64m --pids-limit 64 \
		-l MARATHON_APP_ID=/shop/web -e MESOS_TASK_ID=shop_web.1 hoist-busybox:test \
		sh -c 'while :; do :; done' >/dev/null || return 1
	$D run -d --name web-2 --cpus 0.5 --memory 64m -l MARATHON_APP_ID=/shop/web \
		-e MESOS_TASK_ID=shop_web.2 hoist-busybox:test \
		sh -c 'while :; do busybox ping -q -c 5 -i 0.2 127.0.0.1 >/dev/null 2>&1; sleep 1; done' \
		>/dev/null || return 1
	$D run -d --name api-1 --cpus 1 --memory 128m --pids-limit 64 $bps \
		-e MARATHON_APP_ID=/shop/api -e MESOS_TASK_ID=shop_api.1 hoist-busybox:test \
		sh -c 'while :; do dd if=/dev/zero of=/tmp/f bs=64k count=64 conv=fsync 2>/dev/null; sleep 1; done' \
		>/dev/null || return 1
	$D run -d --name plain hoist-busybox:test sleep 600 >/dev/null || return 1
	# The whole chain: the collector's own InfluxDB output writes into
	# influxd (SIGTERM flushes what is queued before exit).
	"$top/$BUILD/hoist-collector" --interval 1 --docker "unix://$DOCKER_SOCK" \
		--output "influxdb:$INFLUX_URL/hoist" --spool_dir "$tmp/spool" \
		--listen none >"$tmp/collector.log" 2>&1 &
	COLLECTOR_PID=$!
	sleep "${HOIST_GRAFANA_SECONDS:-15}"
	kill -0 "$COLLECTOR_PID" 2>/dev/null ||
		{ echo "hoist-collector died:"; tail -20 "$tmp/collector.log"; return 1; }
	kill "$COLLECTOR_PID"; wait "$COLLECTOR_PID"; rc=$?
	COLLECTOR_PID=
	[ $rc -eq 0 ] || { echo "hoist-collector exit $rc:"; tail -20 "$tmp/collector.log"; return 1; }
	n=$(curl -sf --noproxy '*' "$INFLUX_URL/query" --data-urlencode "db=hoist" \
		--data-urlencode 'q=SELECT count("sweep_duration_ms") FROM "hoist_collector"' |
		sed -n 's/.*"values":\[\[[^,]*,\([0-9]*\)\]\].*/\1/p')
	echo "hoist-collector delivered ${n:-0} sweeps to influxd"
	python3 "$top/tests/grafana_check.py" synth --span "$(( ${HOIST_GRAFANA_SECONDS:-15} + 5 ))" --step 1 --scaling-only \
		>"$tmp/scaling.lp" && influx_write "$tmp/scaling.lp"
}

fill_synth() {
	python3 "$top/tests/grafana_check.py" synth --span 900 --step 10 >"$tmp/synth.lp" &&
		influx_write "$tmp/synth.lp" &&
		echo "wrote $(wc -l <"$tmp/synth.lp") synthetic points"
}

python3 "$top/tests/grafana_check.py" static "$top/grafana" || exit 1
influxd_start || exit 1
case $mode in
collector) fill_collector || exit 1 ;;
synth) fill_synth || exit 1 ;;
*) echo "HOIST_GRAFANA_DATA=$mode: want collector, synth or auto"; exit 1 ;;
esac
echo "data: $mode"
python3 "$top/tests/grafana_check.py" queries "$top/grafana" "$INFLUX_URL" hoist || exit 1
if [ -n "${HOIST_GRAFANA_RENDER:-}" ]; then
	/usr/bin/python3 "$top/tests/grafana_render.py" ${HOIST_GRAFANA_RENDER_ARGS:-} \
		"$top/grafana" "$INFLUX_URL" hoist "$HOIST_GRAFANA_RENDER" || exit 1
fi
