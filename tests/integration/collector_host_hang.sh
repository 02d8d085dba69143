#!/bin/sh
# A mount that hangs must not stall the sweep (issue 11).
#
# Builds tests/integration/fuse_statfs.c (libfuse3), mounts it, and runs
# hoist-collector every 0.2 s with host metrics on that mount and /.
# Once the FUSE mount shows up in the disk points, the test freezes the
# FUSE daemon (SIGSTOP: every statfs on the mount now blocks, as on an NFS
# mount whose server died) and checks, from the hoist_collector points'
# timestamps, that sweeps keep their cadence (no gap longer than the
# interval + host_disk_timeout_ms + slack), that the hung mount is
# reported once and left out while / is still measured, and that the
# figures come back once the daemon runs again (SIGCONT).  Then SIGTERM
# ends the collector cleanly although a thread may still be blocked.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$top/${BUILD:-build}/hoist-collector"
LPQ="python3 $top/tests/lib/lpq.py"
T=$(mktemp -d /tmp/hoist-hang.XXXXXX)
FPID= CPID=
cleanup() {
	[ -n "$FPID" ] && kill -CONT "$FPID" 2>/dev/null
	[ -n "$CPID" ] && kill -9 "$CPID" 2>/dev/null
	fusermount3 -u "$T/mnt" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
fail() { echo "FAIL: $*"; [ -f "$T/c.err" ] && tail -20 "$T/c.err"; exit 1; }
. "$top/tests/lib/wait.sh"

command -v fusermount3 >/dev/null || fail "fusermount3 missing (package fuse3)"
pkg-config --exists fuse3 || fail "libfuse3-dev missing (./bootstrap installs it)"
cc -Wall -o "$T/fuse_statfs" "$top/tests/integration/fuse_statfs.c" \
	$(pkg-config --cflags --libs fuse3) || fail "cannot build the FUSE filesystem"
mkdir "$T/mnt"
"$T/fuse_statfs" -f "$T/mnt" 2>"$T/fuse.err" &
FPID=$!
wait_for 10 "the FUSE mount" grep -q " $T/mnt " /proc/self/mountinfo || fail "no FUSE mount"

"$BIN" --docker none --listen none --cgroup-root "$top/tests/fixtures/cgroup/v1" \
	--interval 0.2 --host-disk-timeout-ms 100 --host-disk-mounts "$T/mnt,/" \
	--output "file:$T/out.lp" >"$T/c.out" 2>"$T/c.err" &
CPID=$!
has_mnt() { $LPQ "$T/out.lp" disk total "path=$T/mnt" --since "${1:-0}"; }
wait_for 10 "a disk point of the FUSE mount" has_mnt || fail "the FUSE mount was never measured"
[ "$(has_mnt | tail -1)" = 4096000 ] || fail "FUSE mount total: $(has_mnt | tail -1)"

kill -STOP "$FPID"
frozen=$(date +%s%N)
# Frozen: the collector must keep sweeping every 0.2 s.  15 sweeps after
# the hang was reported (3 s at that cadence) make the window measured.
wait_for 10 "the hang being reported" file_has "$T/c.err" \
	"statvfs\($T/mnt\) did not answer within 100 ms" || fail "the hang was not reported"
sweeps_since() { $LPQ "$T/out.lp" hoist_collector sweeps --since "$1" | wc -l; }
at_least_sweeps() { [ "$(sweeps_since "$1")" -ge "$2" ]; }
wait_for 20 "15 sweeps while the mount hangs" at_least_sweeps "$frozen" 16 ||
	fail "only $(sweeps_since "$frozen") sweeps since the mount hung"
thawing=$(date +%s%N)
kill -CONT "$FPID"
sweeps=$($LPQ "$T/out.lp" hoist_collector sweeps --since "$frozen" --until "$thawing" | wc -l)
secs=$(( (thawing - frozen) / 1000000 ))
# At 0.2 s a sweep, 16 sweeps take 3 s; a stalled sweep would stretch it.
[ "$secs" -le $((16 * 200 + 1500)) ] || fail "$sweeps sweeps took $secs ms while the mount hung"
# The longest gap between two sweeps while frozen: interval + timeout + slack.
grep '^hoist_collector,' "$T/out.lp" | awk -v a="$frozen" -v b="$thawing" '
	{ ts = $NF; if (ts >= a && ts <= b) { if (prev) { g = ts - prev; if (g > max) max = g } prev = ts } }
	END { printf "%d\n", max / 1000000 }' >"$T/gap"
gap=$(cat "$T/gap")
[ "$gap" -le 700 ] || fail "a sweep gap of $gap ms while the mount hung"
n=$(grep -c "did not answer" "$T/c.err")
[ "$n" = 1 ] || fail "the hang reported $n times (want once)"
$LPQ "$T/out.lp" disk total path=/ --since "$((frozen + 1000000000))" --until "$thawing" >/dev/null ||
	fail "/ not measured while the FUSE mount hung"
n=$($LPQ "$T/out.lp" disk total "path=$T/mnt" --since "$((frozen + 1000000000))" \
	--until "$thawing" | wc -l)
[ "$n" = 0 ] || fail "the hung mount still reported $n times while frozen"
# Thawed: it answers again and is measured again.
thawed=$(date +%s%N)
wait_for 10 "the FUSE mount measured again" has_mnt "$thawed" || fail "not measured again after SIGCONT"
wait_for 5 "the recovery line" file_has "$T/c.err" "statvfs\\($T/mnt\\) answered again" || fail "no recovery line"
errs=$($LPQ "$T/out.lp" hoist_collector errors_host --last-sweep)
[ "$errs" -ge 1 ] || fail "errors_host $errs: the hang was not counted"

kill -TERM "$CPID"
wait "$CPID"; rc=$?
CPID=
[ $rc = 0 ] || fail "collector exit $rc after SIGTERM"
echo "ok: $sweeps sweeps in $secs ms with the mount hung, longest gap $gap ms"
