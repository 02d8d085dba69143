#!/bin/sh
# systemd_notify — the daemons speak systemd's notify protocol correctly.
#
# Each daemon is started the way systemd starts a Type=notify service with
# WatchdogSec=2: NOTIFY_SOCKET names a datagram socket of this test's own
# (tests/lib/notify_listen.py, which stamps every message), WATCHDOG_USEC=
# 2000000 and WATCHDOG_PID = the daemon's pid (the shell execs into it).
# Checked, for hoist-collector and hoist-scaler:
#  - READY=1 arrives once, and only when the API already answers: the
#    listener GETs /healthz (and, for the collector, /v1/containers, which
#    must list the test's container: the first sweep is done) the moment
#    READY=1 arrives, before reading on; both must be 200.  The time of the
#    first 200 seen by polling /healthz from here is printed next to it.
#  - WATCHDOG=1 keeps arriving: at least 4 times after READY, no gap
#    (READY to the first one included) longer than WATCHDOG_USEC.
#  - SIGTERM gives STOPPING=1, then exit status 0, and nothing after it.
#  - Without NOTIFY_SOCKET the daemon runs the same: /healthz answers 200
#    and SIGTERM ends it with 0.
# The collector sweeps a private dockerd (tests/lib/dockerd.sh) with one
# container; the scaler gets a Marathon URL where nothing listens (its API
# must come up regardless).
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
export PYTHONDONTWRITEBYTECODE=1
. "$top/tests/lib/wait.sh"
tmp=$(mktemp -d /tmp/hoist-notify.XXXXXX)
LISTEN_PID= DAEMON_PID= fails=0

cleanup() {
	[ -z "$DAEMON_PID" ] || { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; }
	[ -z "$LISTEN_PID" ] || { kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID" 2>/dev/null; }
	command -v dockerd_stop >/dev/null 2>&1 && dockerd_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
now_ns() { date +%s%N; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' --noproxy '*' "$1"; }

[ -x "$top/$BUILD/hoist-collector" ] || { echo "FAIL: $BUILD/hoist-collector not built"; exit 1; }

# notify_case NAME PORT PROBE_URL... -- COMMAND...
# Runs one daemon under a notify listener and checks READY, WATCHDOG and
# STOPPING as described above.  Sets CASE_LOG to the listener's log.
notify_case() {
	name=$1 port=$2; shift 2
	probes=
	while [ "$1" != -- ]; do probes="$probes --probe $1"; shift; done
	shift
	log="$tmp/$name.notify.log" sock="$tmp/$name.sock"
	CASE_LOG=$log
	python3 "$top/tests/lib/notify_listen.py" $probes "$sock" "$log" \
		2>"$tmp/$name.listen.err" &
	LISTEN_PID=$!
	wait_for 10 "the notify listener's pid file" test -e "$log.pid" ||
		{ fail "$name: listener did not start"; return 1; }

	start=$(now_ns)
	# exec keeps the pid, so WATCHDOG_PID names the daemon, as under systemd.
	NOTIFY_SOCKET=$sock WATCHDOG_USEC=2000000 \
		sh -c 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"' sh "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	DAEMON_PID=$!

	# Wait for READY=1, polling /healthz meanwhile to note when it first
	# answers (printed beside READY's time, for information).
	first_ok=
	ready_seen() {
		if [ -z "$first_ok" ] && [ "$(http_code "http://127.0.0.1:$port/healthz")" = 200 ]; then
			first_ok=$(now_ns)
		fi
		grep -q ' READY=1$' "$log" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || { echo "daemon exited"; return 0; }
		return 1
	}
	if ! wait_for 30 "READY=1 from $name" ready_seen || ! grep -q ' READY=1$' "$log"; then
		fail "$name: no READY=1 (daemon stderr follows)"
		tail -20 "$tmp/$name.err"; return 1
	fi
	# The listener probes right after logging READY=1: wait for the probes.
	n=$(echo "$probes" | wc -w); n=$((n / 2))
	wait_for 10 "$n probe result(s) in the notify log" lines_at_least "$log" "$n" ' PROBE '
	ready=$(awk '$2 == "READY=1" { print $1; exit }' "$log")
	echo "$name: READY=1 after $(( (ready - start) / 1000000 )) ms;" \
		"first /healthz 200 polled from here at" \
		"$([ -n "$first_ok" ] && echo "$(( (first_ok - start) / 1000000 )) ms" || echo "(not before READY)")"
	bad=$(grep ' PROBE ' "$log" | grep -v ' PROBE 200 ')
	if [ "$(grep -c ' PROBE 200 ' "$log")" -eq "$n" ] && [ -z "$bad" ]; then
		ok "$name: API answered 200 on all $n probe(s) sent the moment READY=1 arrived"
	else
		fail "$name: probes on READY=1: $(grep ' PROBE ' "$log")"
	fi

	# Watchdog keep-alives: wait for 4 after READY (every <= 1 s when the
	# daemon keeps the pace; the gaps are checked below, so the wait's
	# bound only has to cover a loaded machine).
	wd_count() {
		awk -v ready="$ready" '$2 == "WATCHDOG=1" && $1 >= ready { n++ }
			END { print n + 0 }' "$log"
	}
	wd_at_least() { kill -0 "$DAEMON_PID" 2>/dev/null || return 0; [ "$(wd_count)" -ge "$1" ]; }
	wait_for 20 "4 WATCHDOG=1 after READY=1" wd_at_least 4
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		fail "$name: daemon died after READY"; tail -20 "$tmp/$name.err"; return 1
	fi
	awk -v ready="$ready" '
		$2 == "WATCHDOG=1" && $1 >= ready {
			n++; gap = $1 - last; if (gap > max) max = gap; last = $1 }
		BEGIN { last = ready }
		END { printf "%d %d %d\n", n, max / 1000000, (last - ready) / 1000000 }' "$log" >"$tmp/wd"
	read -r wd_n wd_gap wd_span <"$tmp/wd"
	if [ "$wd_n" -ge 4 ] && [ "$wd_gap" -le 2000 ]; then
		ok "$name: $wd_n WATCHDOG=1 in $wd_span ms, longest gap $wd_gap ms (WATCHDOG_USEC 2000 ms)"
	else
		fail "$name: $wd_n WATCHDOG=1 in $wd_span ms, longest gap $wd_gap ms (want >= 4, <= 2000 ms)"
	fi

	# SIGTERM: STOPPING=1, exit 0, nothing after STOPPING=1.
	term=$(now_ns)
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	# The daemon is gone; a marker sent now is logged after everything it
	# sent (one socket, read in order): once the marker is in the log, so
	# is every message of the daemon.
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"X_TEST_MARKER=1", sys.argv[1])' "$sock" ||
		fail "$name: cannot send the end marker"
	wait_for 10 "the end marker in the notify log" file_has "$log" ' X_TEST_MARKER=1$'
	kill "$LISTEN_PID"; wait "$LISTEN_PID"; LISTEN_PID=
	[ $rc -eq 0 ] && ok "$name: exit status 0 after SIGTERM" ||
		{ fail "$name: exit status $rc after SIGTERM"; tail -20 "$tmp/$name.err"; }
	stop=$(awk -v t="$term" '$2 == "STOPPING=1" && $1 >= t { print $1; exit }' "$log")
	if [ -z "$stop" ]; then
		fail "$name: no STOPPING=1 after SIGTERM"
	elif awk -v s="$stop" '$1 > s && $2 != "X_TEST_MARKER=1" { f = 1 } END { exit !f }' "$log"; then
		fail "$name: messages after STOPPING=1: $(awk -v s="$stop" '$1 > s && $2 != "X_TEST_MARKER=1"' "$log")"
	else
		ok "$name: STOPPING=1 $(( (stop - term) / 1000000 )) ms after SIGTERM, last message"
	fi
	[ "$(grep -c ' READY=1$' "$log")" -eq 1 ] || fail "$name: READY=1 sent $(grep -c ' READY=1$' "$log") times"
}

# plain_case NAME PORT COMMAND...: no NOTIFY_SOCKET at all.
plain_case() {
	name=$1 port=$2; shift 2
	env -u NOTIFY_SOCKET -u WATCHDOG_USEC -u WATCHDOG_PID "$@" \
		>"$tmp/$name.plain.out" 2>"$tmp/$name.plain.err" &
	DAEMON_PID=$!
	healthz_200() {
		kill -0 "$DAEMON_PID" 2>/dev/null || { echo "daemon exited"; return 0; }
		[ "$(http_code "http://127.0.0.1:$port/healthz")" = 200 ]
	}
	if ! wait_for 30 "$name's /healthz without NOTIFY_SOCKET" healthz_200 ||
	    ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		fail "$name without NOTIFY_SOCKET: /healthz never answered"
		tail -20 "$tmp/$name.plain.err"; return 1
	fi
	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?; DAEMON_PID=
	[ $rc -eq 0 ] && ok "$name without NOTIFY_SOCKET: serves, exits 0 on SIGTERM" ||
		fail "$name without NOTIFY_SOCKET: exit status $rc after SIGTERM"
}

# --- hoist-collector ----------------------------------------------------------
. "$top/tests/lib/dockerd.sh"
dockerd_start || exit 1
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
cid=$($DOCKER run -d --name notify-probe hoist-busybox:test sleep 300) || exit 1
port=$(free_port)
notify_case collector "$port" "http://127.0.0.1:$port/healthz" \
	"http://127.0.0.1:$port/v1/containers" -- \
	"$top/$BUILD/hoist-collector" --interval 1 --docker "unix://$DOCKER_SOCK" \
	--listen "127.0.0.1:$port" --output "file:$tmp/points.lp"
# The first sweep was done when READY=1 came: the container is listed.
body="$CASE_LOG.probe2.body"
if [ -f "$body" ] && grep -q "$(echo "$cid" | cut -c1-12)" "$body"; then
	ok "collector: /v1/containers at READY=1 lists the container (first sweep done)"
else
	fail "collector: /v1/containers at READY=1 does not list $cid: $(head -c 300 "$body" 2>/dev/null)"
fi
port=$(free_port)
plain_case collector "$port" "$top/$BUILD/hoist-collector" --interval 1 \
	--docker "unix://$DOCKER_SOCK" --listen "127.0.0.1:$port" --output "file:$tmp/points2.lp"
dockerd_stop
DOCKERD_PID=

# --- hoist-scaler -------------------------------------------------------------
# The Makefile builds it once scaler/scaler_main.c exists; until then the
# scaler's half is skipped, loudly.
if [ ! -x "$top/$BUILD/hoist-scaler" ]; then
	echo "SKIP: $BUILD/hoist-scaler not built (no main yet): scaler checks"
	[ $fails -eq 0 ] || { echo "systemd_notify: $fails failure(s)"; exit 1; }
	echo "systemd_notify: collector checks passed, scaler skipped"
	exit 0
fi
port=$(free_port)
mkdir -p "$tmp/state" "$tmp/state2"
notify_case scaler "$port" "http://127.0.0.1:$port/healthz" -- \
	"$top/$BUILD/hoist-scaler" --listen "127.0.0.1:$port" \
	--marathon "http://127.0.0.1:$(free_port)" --state-dir "$tmp/state" --interval 1
port=$(free_port)
plain_case scaler "$port" "$top/$BUILD/hoist-scaler" --listen "127.0.0.1:$port" \
	--marathon "http://127.0.0.1:$(free_port)" --state-dir "$tmp/state2" --interval 1

[ $fails -eq 0 ] || { echo "systemd_notify: $fails failure(s)"; exit 1; }
echo "systemd_notify: all checks passed"
