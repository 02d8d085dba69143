# tests/lib/wait.sh — sourced by integration tests (POSIX sh): wait for an
# event, not for a time.
#
#   . "$HOIST_TOP/tests/lib/wait.sh"
#   wait_for 10 "the API to answer" curl -sf -o /dev/null "$URL/healthz" ||
#           fail "..."
#   wait_for 30 "3 sweeps in $OUT" lines_at_least "$OUT" 3 '^hoist_collector'
#
# wait_for TIMEOUT_S DESCRIPTION CMD [ARG...]
#   Runs CMD (a program or a shell function of the caller) every
#   $WAIT_FOR_INTERVAL seconds (default 0.1) until it exits 0, and returns
#   0 then.  When TIMEOUT_S seconds (whole or decimal, e.g. 2.5) have
#   passed on the clock without success, it prints
#       wait_for: gave up after 10.0 s waiting for <DESCRIPTION>
#   with the last attempt's command and output to stderr, and returns 1.
#   CMD's output goes to a temporary file, not to the test's output.
#   The deadline is measured, not counted in polls, so a slow command
#   (a curl with its own timeout, a docker call) does not stretch it.
#   A TIMEOUT_S is an upper bound for a slow or loaded machine, never
#   what the test expects to take: an event that comes sooner ends the
#   wait sooner.
#
# Predicates for CMD, each exiting 0 when the condition holds now:
#   lines_at_least FILE N [ERE]   FILE has >= N lines (matching ERE)
#   file_has FILE ERE             a line of FILE matches ERE
#   pid_gone PID                  process PID no longer runs (or is a zombie)
#   port_open PORT [HOST]         a TCP connect to HOST (127.0.0.1) succeeds
# and a counter for them:
#   count_lines FILE [ERE]        prints the number of lines (matching ERE);
#                                 0 for a missing file

: "${WAIT_FOR_INTERVAL:=0.1}"

# Milliseconds on a monotonic clock (the uptime, in 10 ms steps): a step
# of the wall clock cannot end or stretch a wait.
wait_now_ms() {
	read -r _wn _ </proc/uptime
	_wf_frac=${_wn#*.}
	echo $(( ${_wn%.*} * 1000 + ${_wf_frac#0} * 10 ))
}

# "12" or "2.5" seconds -> milliseconds.
wait_ms_of() {
	awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000 }'
}

wait_for() {
	if [ $# -lt 3 ]; then
		echo "wait_for: usage: wait_for TIMEOUT_S DESCRIPTION CMD [ARG...]" >&2
		return 2
	fi
	_wf_limit=$(wait_ms_of "$1") _wf_what=$2
	shift 2
	_wf_out=$(mktemp /tmp/hoist-wait.XXXXXX) || return 2
	_wf_start=$(wait_now_ms)
	while :; do
		if "$@" >"$_wf_out" 2>&1; then
			rm -f "$_wf_out"
			return 0
		fi
		_wf_spent=$(( $(wait_now_ms) - _wf_start ))
		[ "$_wf_spent" -lt "$_wf_limit" ] || break
		sleep "$WAIT_FOR_INTERVAL"
	done
	printf 'wait_for: gave up after %d.%d s waiting for %s\n' \
		$((_wf_spent / 1000)) $((_wf_spent % 1000 / 100)) "$_wf_what" >&2
	printf 'wait_for: last try: %s\n' "$*" >&2
	tail -5 "$_wf_out" | sed 's/^/wait_for:   /' >&2
	rm -f "$_wf_out"
	return 1
}

count_lines() {
	if [ $# -ge 2 ]; then
		_cl=$(grep -cE -- "$2" "$1" 2>/dev/null)
	else
		_cl=$( { wc -l <"$1"; } 2>/dev/null)
	fi
	echo "${_cl:-0}"
}

lines_at_least() {
	if [ $# -ge 3 ]; then _la=$(count_lines "$1" "$3"); else _la=$(count_lines "$1"); fi
	echo "$1: $_la lines${3:+ matching $3}, want >= $2"
	[ "$_la" -ge "$2" ]
}

file_has() {
	grep -qE -- "$2" "$1" 2>/dev/null
}

pid_gone() {
	! kill -0 "$1" 2>/dev/null && return 0
	# A child that exited but was not yet reaped is gone too.
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) in
	Z|X|'') return 0 ;;
	esac
	return 1
}

port_open() {
	python3 -c 'import socket, sys
s = socket.socket()
s.settimeout(1)
s.connect((sys.argv[2], int(sys.argv[1])))' "$1" "${2:-127.0.0.1}"
}
