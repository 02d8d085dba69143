# tests/lib/influxd.sh — sourced by integration tests (POSIX sh).
#
# Starts Debian's influxd (InfluxDB 1.6) on loopback with its own temp
# data dir and config: HTTP and the RPC (backup) listener both on free
# ports of 127.0.0.1, reporting, the _internal monitor store and the
# subscriber service off, logs in the temp dir.
#
#   . "$HOIST_TOP/tests/lib/influxd.sh"
#   influxd_start           # sets INFLUX_TMP, INFLUX_PORT, INFLUX_URL
#   influxd_query 'SELECT count(*) FROM m'   # JSON on stdout (db $INFLUX_DB)
#   influxd_halt            # stop the server, keep its data (an outage)
#   influxd_start           # start it again on the same port and data
#   influxd_stop            # stop it and remove the temp dir
#
#   influxd_setup           # the usual start of a test: influxd installed
#                           # (else FAIL), started, the test's cleanup()
#                           # trapped, database $INFLUX_DB created
#
# influxd_start installs EXIT and INT/TERM/HUP/PIPE traps that call
# influxd_stop; a test that sets its own trap must call influxd_stop from it.
: "${INFLUX_DB:=hoist}"
# wait_for (tests/lib/wait.sh): the tests set HOIST_TOP or top.
. "${HOIST_TOP:-$top}/tests/lib/wait.sh"

# influxd answers /ping, or has exited (the wait ends, the caller says so).
influxd_up() {
	kill -0 "$INFLUXD_PID" 2>/dev/null || { echo "influxd exited"; return 0; }
	curl -sf -o /dev/null "$INFLUX_URL/ping"
}

# A free TCP port on 127.0.0.1 (the kernel's choice; freed at once).
influxd_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

influxd_write_config() {
	cat >"$INFLUX_TMP/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
[meta]
  dir = "$INFLUX_TMP/meta"
  logging-enabled = false
[data]
  dir = "$INFLUX_TMP/data"
  wal-dir = "$INFLUX_TMP/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
CONF
}

influxd_start() {
	if [ -z "${INFLUX_TMP:-}" ]; then
		INFLUX_TMP=$(mktemp -d /tmp/hoist-influxd.XXXXXX) || return 1
		INFLUX_PORT=$(influxd_free_port) || return 1
		INFLUX_RPC_PORT=$(influxd_free_port) || return 1
		INFLUX_URL="http://127.0.0.1:$INFLUX_PORT"
		influxd_write_config
		trap influxd_stop EXIT
	# A signal (Ctrl-C, a closed pipe) must clean up too: dash
	# runs no EXIT trap when a signal ends it.
	trap 'influxd_stop; trap - EXIT; exit 1' INT TERM HUP PIPE
	fi
	influxd -config "$INFLUX_TMP/influxdb.conf" >>"$INFLUX_TMP/influxd.log" 2>&1 &
	INFLUXD_PID=$!
	if ! wait_for 30 "influxd to answer $INFLUX_URL/ping" influxd_up ||
	    ! kill -0 "$INFLUXD_PID" 2>/dev/null; then
		echo "influxd did not start:"; tail -20 "$INFLUX_TMP/influxd.log"
		return 1
	fi
}

# Stop the server (SIGTERM, then SIGKILL after 15 s); the data stays.
# Safe under set -e.
influxd_halt() {
	[ -n "${INFLUXD_PID:-}" ] || return 0
	kill "$INFLUXD_PID" 2>/dev/null || true
	wait_for 15 "influxd to exit after SIGTERM" pid_gone "$INFLUXD_PID" 2>/dev/null || true
	kill -9 "$INFLUXD_PID" 2>/dev/null || true
	wait "$INFLUXD_PID" 2>/dev/null || true
	INFLUXD_PID=
}

influxd_stop() {
	influxd_halt
	if [ -n "${INFLUX_TMP:-}" ]; then
		rm -rf "$INFLUX_TMP"
	fi
	INFLUX_TMP=
}

# Run one InfluxQL query against $INFLUX_DB; timestamps in ns.
influxd_query() {
	curl -sS -G "$INFLUX_URL/query" --data-urlencode "db=$INFLUX_DB" \
		--data-urlencode "epoch=ns" --data-urlencode "q=$1"
}

# For a test that defines cleanup() (calling influxd_stop, removing what
# it made; safe to call before anything else started) and fail(): check
# that influxd is installed, start it, trap cleanup on exit and on a
# signal (instead of influxd_start's traps) and create $INFLUX_DB.  A
# failure says FAIL with the cause and exits 1, cleaned up.
influxd_setup() {
	command -v influxd >/dev/null 2>&1 || {
		echo "FAIL: influxd not installed (Debian: influxdb)"
		cleanup; exit 1
	}
	influxd_start || { echo "FAIL: influxd"; cleanup; exit 1; }
	trap cleanup EXIT
	trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
	curl -sf -XPOST "$INFLUX_URL/query" \
		--data-urlencode "q=CREATE DATABASE $INFLUX_DB" >/dev/null ||
		fail "create database $INFLUX_DB"
}
