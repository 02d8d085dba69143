#!/bin/sh
# hoist-collector under valgrind (memcheck, leaks are errors) on the real
# host with a private dockerd: containers come and go between sweeps, the
# API is queried, SIGTERM ends it.  Any error or leak fails the test.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lib/dockerd.sh"
. "$top/tests/lib/wait.sh"
# valgrind needs the plain build (an ASan binary cannot run under it),
# also when the suite runs with SANITIZE=1.
make -s -C "$top" SANITIZE= build/hoist-collector >/dev/null || { echo "FAIL: build"; exit 1; }
BIN="$top/build/hoist-collector"
fail() { echo "FAIL: $*"; [ -f "${LOG:-}" ] && tail -40 "$LOG"; exit 1; }
dockerd_start || exit 1
LOG="$DOCKER_TMP/valgrind.log"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$DOCKER run -d --name stay --network none --label MARATHON_APP_ID=/vg/app \
	hoist-busybox:test sleep 3600 >/dev/null || fail "run"
$DOCKER run -d --name go --network none hoist-busybox:test sleep 3600 >/dev/null || fail "run"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--log-file="$LOG" "$BIN" --interval 0.5 --docker "unix://$DOCKER_SOCK" \
	--listen "127.0.0.1:$PORT" --output "file:$DOCKER_TMP/out.lp" --label-include 'MARATHON*' \
	2>"$DOCKER_TMP/err" &
VG=$!
# Valgrind is slow: up to 60 s for start-up and for a sweep.
wait_for 60 "the API under valgrind to answer" curl -sf "http://127.0.0.1:$PORT/healthz" ||
	fail "API never answered"
$DOCKER rm -f go >/dev/null
NEWID=$($DOCKER run -d --name new --network none hoist-busybox:test sleep 3600)
wait_for 60 "a sweep with the new container $NEWID" \
	file_has "$DOCKER_TMP/out.lp" "container_id=\"$NEWID\"" ||
	fail "new container $NEWID never seen"
for p in /v1/containers /v1/apps /v1/apps/vg/app /metrics /healthz /nope; do
	curl -s -o /dev/null "http://127.0.0.1:$PORT$p" || fail "GET $p"
done
kill -TERM "$VG"
wait "$VG"; rc=$?
[ $rc -eq 0 ] || fail "valgrind/collector exit status $rc"
[ -s "$LOG" ] && fail "valgrind reported"
echo ok
