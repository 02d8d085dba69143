#!/bin/sh
# api_wrk.sh — requests per second of both daemons' HTTP servers under wrk
# (issue 10 §5: "about 20k requests/s on the collector and 60k/s on
# /healthz"), on loopback, for one build or two builds alternately (to
# compare before and after on a shared machine, in the same minute):
#
#     bench/api_wrk.sh DIR_A [DIR_B] [ROUNDS]
#
# DIR_* hold hoist-collector and hoist-scaler.  Each round runs
# wrk -t1 -c8 -d5s on the scaler's /healthz, the collector's /healthz and
# the collector's /v1/containers (the host's own cgroups, so that figure
# depends on the machine) and prints "TAG endpoint N req/s", with wrk's
# error lines when there are any.  Needs wrk (Debian: wrk).
set -u
A=$1; B=${2:-}; ROUNDS=${3:-2}
command -v wrk >/dev/null || { echo "api_wrk: wrk not installed"; exit 1; }
T=$(mktemp -d /tmp/hoist-wrk.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait; rm -rf "$T"' EXIT INT TERM
start() {       # $1 = dir, $2 = tag
	"$1/hoist-scaler" --listen 127.0.0.1:0 --state-dir "$T/st$2" \
		--marathon http://127.0.0.1:9 --interval 3600 2>"$T/s$2.err" &
	PIDS="$PIDS $!"
	"$1/hoist-collector" --docker none --interval 1 --output file:/dev/null \
		--listen 127.0.0.1:0 2>"$T/c$2.err" &
	PIDS="$PIDS $!"
}
port() {        # wait for "(port N)" in a log
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$1" | head -1)
		[ -n "$p" ] && { echo "$p"; return; }
		i=$((i + 1)); sleep 0.1
	done
	echo "api_wrk: no port in $1" >&2; exit 1
}
TAGS=A; start "$A" A
[ -n "$B" ] && { TAGS="A B"; start "$B" B; }
r=0
while [ $r -lt "$ROUNDS" ]; do
	for tag in $TAGS; do
		sp=$(port "$T/s$tag.err"); cp=$(port "$T/c$tag.err")
		for e in "scaler/healthz http://127.0.0.1:$sp/healthz" \
		    "collector/healthz http://127.0.0.1:$cp/healthz" \
		    "collector/v1/containers http://127.0.0.1:$cp/v1/containers"; do
			set -- $e
			printf '%s %s ' "$tag" "$1"
			wrk -t1 -c8 -d5s "$2" | awk '/Requests\/sec/ { printf "%s req/s ", $2 }
			    /Non-2xx|Socket errors/ { printf "[%s] ", $0 } END { print "" }'
		done
	done
	r=$((r + 1))
done
