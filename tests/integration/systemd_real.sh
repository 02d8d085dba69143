#!/bin/sh
# systemd_real — the Debian packages under a real systemd (issue 14).
#
# This machine's PID 1 need not be systemd, so a real one runs as PID 1 of
# a container on the test's private dockerd: a Debian bookworm minbase root
# with systemd and the packages' runtime libraries (tests/lib/
# systemd_image.sh; debootstrap once, then cached).  The .debs of `make
# deb` (build-deb/, built here when missing or older than the tree;
# HOIST_DEBS=DIR names others) are installed with dpkg -i and
# the shipped units run unchanged (`dpkg --verify` proves it); only the
# files an operator writes are written: /etc/hoist/*.conf, the secret files
# and, for the scaler, the LoadCredential= drop-in its unit asks for.
#
# hoist-collector: installed disabled and stopped; `systemctl start` returns
# once READY=1 came (Type=notify); its line protocol reaches a real
# InfluxDB (tests/lib/influxd.sh); a container of the private dockerd is
# seen under the sandbox (cgroups, /proc/<pid>/net/dev, Docker socket);
# WatchdogTimestamp advances; `systemctl reload` reopens the file output;
# InfluxDB stopped + `systemctl kill -s SIGKILL` → restarted by
# Restart=on-failure and every point of the file output is in InfluxDB
# exactly once (spool); the journal has warning lines at PRIORITY 4 and
# info lines at 6; a wedged main loop (SIGUSR2 test hook, common/notify.h)
# is killed and restarted by systemd after WatchdogSec=; `systemctl stop`
# exits 0 within TimeoutStopSec=; `systemd-analyze security` exposure.
# Reinstalling the package restarts the running collector and keeps the
# edited conffile.
# hoist-scaler: the same against the Marathon stand-in, with the state in
# StateDirectory= (kept across a SIGKILL restart) and the API token and the
# Marathon password handed over as credentials.
# Packages: remove stops a running unit and keeps the state; purge removes
# the state directories and the conffiles.
#
# The test does not skip silently: without Docker, debootstrap or a
# reachable mirror it fails naming the reason, unless
# HOIST_SKIP_SYSTEMD_REAL=1 says to skip it.  KEEP=1 leaves the dockerd,
# the systemd container and influxd running after the test, to look inside.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d /tmp/hoist-sdreal.XXXXXX)
SDC= MPID=

cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "KEEP=1: left running: dockerd ${DOCKER_SOCK:-}, container $SDC, influxd ${INFLUX_URL:-}, $T"
		return
	fi
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	MPID=
	# dockerd_stop removes every container, the systemd one included.
	dockerd_stop 2>/dev/null
	influxd_stop 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# The machine cannot run the test: fail with the reason, or skip when
# asked to in so many words.
unavailable() {
	if [ "${HOIST_SKIP_SYSTEMD_REAL:-0}" = 1 ]; then
		echo "SKIP (HOIST_SKIP_SYSTEMD_REAL=1): $*"
		exit 0
	fi
	echo "FAIL: cannot run: $* (HOIST_SKIP_SYSTEMD_REAL=1 skips this test)"
	exit 1
}

fail() {
	echo "FAIL: $*"
	if [ -n "$SDC" ]; then
		echo "--- journal (last 40 lines)"
		$DOCKER exec "$SDC" journalctl --no-pager -n 40 2>&1
	fi
	exit 1
}
ok() { echo "ok: $*"; }

for c in docker dockerd influxd python3 curl; do
	command -v "$c" >/dev/null || unavailable "$c is not installed (./bootstrap deps test)"
done
[ "$(id -u)" = 0 ] || unavailable "needs root (dockerd, debootstrap)"

. "$top/tests/lib/dockerd.sh"
. "$top/tests/lib/influxd.sh"
. "$top/tests/lib/systemd_image.sh"
. "$top/tests/lib/wait.sh"

# --- the packages --------------------------------------------------------
VERSION=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
[ -n "$VERSION" ] || fail "no VERSION in the Makefile"
DEBS=${HOIST_DEBS:-$top/build-deb}
# build-deb/ is rebuilt when a file of the tree is newer than its .changes
# (never when HOIST_DEBS names other packages).
stale() {
	[ -z "${HOIST_DEBS:-}" ] || return 1
	ch=$(ls "$DEBS/hoist_${VERSION}_"*.changes 2>/dev/null | head -1)
	[ -n "$ch" ] || return 0
	git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 1
	newer=$(cd "$top" && git ls-files -co --exclude-standard | while IFS= read -r f; do
		[ "$f" -nt "$ch" ] && echo "$f"; done | head -1)
	[ -n "$newer" ] && echo "$newer is newer than $ch"
}
if ! ls "$DEBS/hoist-collector_${VERSION}_"*.deb >/dev/null 2>&1 || stale; then
	command -v dpkg-buildpackage >/dev/null ||
		unavailable "no .debs in $DEBS and dpkg-buildpackage is not installed"
	echo "building the packages (make deb)"
	make -s -C "$top" deb DEB_OUT="$DEBS" >"$T/deb.log" 2>&1 ||
		{ tail -30 "$T/deb.log"; fail "make deb"; }
fi
PKGS=
for p in hoist-common_${VERSION}_all hoist-collector_${VERSION}_ \
    hoist-scaler_${VERSION}_ hoist-deploy_${VERSION}_; do
	f=$(ls "$DEBS/$p"*.deb 2>/dev/null | grep -v dbgsym | head -1)
	[ -n "$f" ] || fail "$DEBS has no $p*.deb"
	PKGS="$PKGS $f"
done

# --- the image, the servers, systemd -------------------------------------
systemd_image_tar >"$T/image.log" 2>&1 ||
	unavailable "no systemd image: $(tail -3 "$T/image.log")"
dockerd_start || unavailable "the private dockerd did not start"
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
systemd_image_import "$DOCKER" || fail "docker import of $SYSTEMD_TAR"
influxd_start || fail "influxd did not start"
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# The cgroup file systems.  On a cgroup v2 host /sys/fs/cgroup is bound as
# it is.  On a v1 or hybrid host /sys/fs/cgroup is a tmpfs holding one
# mount per hierarchy, and systemd remounts that tmpfs read-only and
# creates directories in it at boot: bound as a whole, the remount would
# reach the host's own superblock and every other test on the machine.  So
# the container gets a tmpfs of its own there, with each hierarchy bound in.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	CG_ARGS="-v /sys/fs/cgroup:/sys/fs/cgroup:rw"
else
	CG_ARGS="--tmpfs /sys/fs/cgroup:rw,nosuid,nodev,noexec,mode=755"
	for m in $(awk '$5 ~ "^/sys/fs/cgroup/" { print $5 }' /proc/self/mountinfo); do
		CG_ARGS="$CG_ARGS -v $m:$m:rw"
	done
fi
# --network host: the private dockerd runs with --bridge=none, and the
# daemons inside must reach InfluxDB and the Marathon stand-in, which
# listen on the host's loopback; the test reaches their APIs the same way
# (ports chosen free here, never the defaults 9108/9110).
# The Docker socket is bound where the collector's config expects it.
# SYS_PTRACE: PID 1 of a real host has every capability; Docker's default
# set lacks CAP_SYS_PTRACE, and without it systemd cannot set up
# PrivateUsers= together with ProtectProc=invisible (hoist-scaler's unit):
# its helper no longer sees the service's /proc entry to write uid_map
# ("Failed to set up user namespacing: No such file or directory", 217/USER;
# systemd issue 29656).  The daemons themselves get no capability either
# way (CapabilityBoundingSet= is empty in both units).
SDC=$($DOCKER run -d --network host --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
	--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	--cgroupns=host $CG_ARGS --tmpfs /run --tmpfs /run/lock \
	-v "$DOCKER_SOCK:/var/run/docker.sock" "$SYSTEMD_IMAGE") ||
	fail "docker run of the systemd image"
sd() { $DOCKER exec "$SDC" "$@"; }
sdi() { $DOCKER exec -i "$SDC" "$@"; }
prop() { sd systemctl show -p "$2" --value "$1"; }

system_up() {
	s=$(sd systemctl is-system-running 2>/dev/null)
	[ "$s" = running ] || [ "$s" = degraded ]
}
wait_for 90 "systemd to finish booting" system_up || fail "systemd did not boot"
state=$(sd systemctl is-system-running)
# "degraded" is accepted only with a failed unit listed here and the
# reason it cannot run in a container (none so far).
[ "$state" = running ] ||
	fail "systemd is $state: $(sd systemctl --failed --no-legend --plain)"
# On a host, / is a shared mount (systemd makes it so at boot, outside a
# container); in a Docker container it is private.  systemd sets up
# LoadCredential= in a helper's mount namespace and relies on the mount
# propagating back, so without this the scaler's credentials directory is
# empty (or unreadable) for the service.
sd mount --make-rshared / || fail "mount --make-rshared / in the container"
ok "systemd $(sd systemctl --version | head -1 | cut -d' ' -f2) is PID 1 ($SYSTEMD_IMAGE): running"

# --- install ----------------------------------------------------------------
# The socket's group is the host's docker group; on a real host docker.io
# creates it, here the image gets it with the same gid (SupplementaryGroups=
# docker in the collector's unit).
gid=$(stat -c %g "$DOCKER_SOCK")
sd sh -c "getent group docker >/dev/null || groupadd -g $gid docker" || fail "groupadd docker"
sd mkdir -p /tmp/debs
for f in $PKGS; do $DOCKER cp "$f" "$SDC:/tmp/debs/" || fail "docker cp $f"; done
sd sh -c 'dpkg -i /tmp/debs/*.deb' >"$T/dpkg.log" 2>&1 ||
	{ cat "$T/dpkg.log"; fail "dpkg -i"; }
for u in hoist-collector hoist-scaler; do
	[ "$(sd systemctl is-enabled $u)" = disabled ] || fail "$u enabled on install"
	[ "$(sd systemctl is-active $u)" = inactive ] || fail "$u started on install"
done
ok "installed $(sd dpkg-query -W -f '${Package} ' hoist-common hoist-collector hoist-scaler hoist-deploy); units disabled and inactive"
for p in hoist-collector hoist-scaler hoist-deploy; do
	v=$(sd dpkg-query -W -f '${Version}' $p)
	out=$(sd $p --version)
	[ "$v" = "$VERSION" ] && [ "$out" = "$p $VERSION" ] ||
		fail "$p: package $v, --version '$out', Makefile $VERSION"
done
ok "--version = package version = $VERSION"
for m in man8/hoist-collector.8 man8/hoist-scaler.8 man1/hoist-deploy.1 man5/hoist.conf.5; do
	sd test -f "/usr/share/man/$m.gz" || fail "/usr/share/man/$m.gz not installed"
done
ok "manual pages installed"

# unit_unchanged PKG: no file of PKG differs from the package, except the
# conffiles the test wrote.
unit_unchanged() {
	d=$(sd dpkg --verify "$1" | grep -v ' c /etc/hoist/')
	[ -z "$d" ] || fail "$1: files differ from the package: $d"
}
# journal_levels UNIT PROG: every "PROG: warning:" line is PRIORITY 4 and
# every "PROG: info:" line 6, and there is at least one of each.
journal_levels() {
	sd journalctl -u "$1" -o json --no-pager >"$T/journal.json" || fail "journalctl -u $1"
	python3 - "$T/journal.json" "$2" <<'PY' || fail "$1: journal priorities"
import json, sys
want = {"warning": "4", "info": "6", "error": "3"}
seen, bad = {}, []
for line in open(sys.argv[1]):
    e = json.loads(line)
    msg = e.get("MESSAGE")
    if not isinstance(msg, str) or not msg.startswith(sys.argv[2] + ": "):
        continue
    level = msg.split(": ", 2)[1]
    if level in want:
        seen[level] = seen.get(level, 0) + 1
        if e.get("PRIORITY") != want[level]:
            bad.append((e.get("PRIORITY"), msg))
print("journal lines by level:", seen)
ok = not bad and seen.get("warning", 0) > 0 and seen.get("info", 0) > 0
for b in bad[:5]:
    print("wrong priority", b)
sys.exit(0 if ok else 1)
PY
}
# stop_unit UNIT: `systemctl stop` → STOPPING=1, and the main process exits
# with status 0 (not killed by the signal), within TimeoutStopSec=.  An inactive unit is
# unloaded at once, so `systemctl show` no longer has its exit status:
# systemd's own log line says it ("Main process exited, code=exited,
# status=0/SUCCESS"), at debug level when the exit was clean.
exited_0() {
	sd journalctl -u "$1" -o cat --no-pager | grep 'Main process exited' | tail -1 |
		grep -q 'code=exited, status=0/SUCCESS'
}
stop_unit() {
	limit=$(prop "$1" TimeoutStopUSec)
	sd systemd-analyze log-level debug || fail "systemd-analyze log-level"
	t0=$(date +%s%N)
	sd systemctl stop "$1" || fail "systemctl stop $1"
	ms=$((($(date +%s%N) - t0) / 1000000))
	sd systemd-analyze log-level info
	wait_for 10 "$1: exit status 0 in the journal" exited_0 "$1" ||
		fail "$1 stop: $(sd journalctl -u "$1" -o cat --no-pager | grep 'Main process exited' | tail -1)"
	# The daemon said STOPPING=1 (logged by systemd at debug level too).
	sd journalctl -u "$1" -o cat --no-pager | grep -q 'Got notification message from PID [0-9]* (STOPPING=1)' ||
		fail "$1: no STOPPING=1 notification seen"
	[ "$ms" -lt 20000 ] || fail "$1 took $ms ms to stop (TimeoutStopSec=$limit)"
	ok "$1: systemctl stop → STOPPING=1, exit 0 in $ms ms (TimeoutStopSec=$limit)"
}
watchdog_advances() {
	w=$(prop "$1" WatchdogTimestampMonotonic)
	[ -n "$w" ] && [ "$w" != 0 ] && [ "$w" != "$2" ]
}
restarted() {   # UNIT N: NRestarts is N and the unit is running again
	[ "$(prop "$1" NRestarts)" = "$2" ] && [ "$(prop "$1" SubState)" = running ]
}

# --- hoist-collector --------------------------------------------------------
$DOCKER run -d --name hoist-probe --pid "container:$SDC" --network none \
	hoist-busybox:test sleep 3600 >/dev/null || fail "run hoist-probe"
# --pid container:: the probe's processes are in systemd's PID namespace,
# as every container's are in the host's on a real agent, so the collector
# inside finds them in cgroup.procs and reads their /proc/<pid>/net/dev.
PROBE=$($DOCKER inspect -f '{{.Id}}' hoist-probe)
CAPI=$(influxd_free_port)
sdi sh -c 'cat >/etc/hoist/collector.conf' <<EOF
interval = 1
output = influxdb:$INFLUX_URL/hoist
influxdb_create_db = yes
flush_interval_ms = 200
# The record of every sweep, to compare InfluxDB with (StateDirectory=).
output = file:/var/lib/hoist-collector/points.lp
spool_dir = /var/lib/hoist-collector/spool
docker = unix:///var/run/docker.sock
cgroup_root = /sys/fs/cgroup
listen = 127.0.0.1:$CAPI
hostname = sdreal
# The probe runs with --network none: lo is all its namespace has, and lo
# is left out by default (as cAdvisor does); this test wants its net/dev.
container_net_interfaces = *
EOF
t0=$(date +%s%N)
sd systemctl start hoist-collector || fail "systemctl start hoist-collector"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(prop hoist-collector ActiveState)/$(prop hoist-collector SubState)" = active/running ] ||
	fail "hoist-collector is $(prop hoist-collector ActiveState)/$(prop hoist-collector SubState)"
st=$(prop hoist-collector StatusText)
case $st in *containers*) ;; *) fail "no STATUS= from the collector: '$st'" ;; esac
unit_unchanged hoist-collector
ok "hoist-collector: start → active (running) after READY=1 in $ms ms; status '$st'"

probe_listed() {
	curl -sf -o "$T/containers.json" "http://127.0.0.1:$CAPI/v1/containers" &&
		grep -q '"name":"hoist-probe"' "$T/containers.json"
}
wait_for 20 "hoist-probe in the API's /v1/containers" probe_listed ||
	fail "API /v1/containers: $(head -c 300 "$T/containers.json")"
ok "API on 127.0.0.1:$CAPI lists hoist-probe (name from the Docker socket)"

probe_points() {   # MEASUREMENT [WHERE...]: at least one point of the probe
	n=$(influxd_query "SELECT count(container_id) FROM $1 WHERE container_name = 'hoist-probe' ${2:-}" |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["results"][0]
print(r["series"][0]["values"][0][1] if "series" in r else 0)')
	[ "${n:-0}" -gt 0 ]
}
wait_for 30 "container_cpu of hoist-probe in InfluxDB" probe_points container_cpu ||
	fail "no container_cpu point of hoist-probe in InfluxDB"
wait_for 10 "container_mem of hoist-probe" probe_points container_mem ||
	fail "no container_mem point (memory cgroup) of hoist-probe"
wait_for 10 "container_net of hoist-probe" probe_points container_net ||
	fail "no container_net point (/proc/<pid>/net/dev) of hoist-probe"
ok "InfluxDB has container_cpu, container_mem and container_net of hoist-probe"

w0=$(prop hoist-collector WatchdogTimestampMonotonic)
wait_for 20 "WatchdogTimestamp to advance" watchdog_advances hoist-collector "$w0" ||
	fail "WatchdogTimestamp stuck at $w0"
ok "WatchdogTimestamp advances ($w0 → $(prop hoist-collector WatchdogTimestampMonotonic))"

# reload: the file output is reopened (logrotate's move-then-HUP).
LP=/var/lib/private/hoist-collector/points.lp
pid0=$(prop hoist-collector MainPID)
sd mv "$LP" "$LP.1" || fail "mv points.lp"
sd systemctl reload hoist-collector || fail "systemctl reload hoist-collector"
wait_for 10 "a new points.lp after reload" sd test -s "$LP" || fail "points.lp not reopened"
[ "$(prop hoist-collector MainPID)" = "$pid0" ] || fail "reload restarted the collector"
ok "systemctl reload → points.lp reopened, same process ($pid0)"

# SIGKILL during an InfluxDB outage: restarted, nothing lost.
spooled() { [ -n "$(sd find /var/lib/private/hoist-collector/spool -name '*.seg')" ]; }
sweeps() { sd sh -c "grep -c '^hoist_collector' $LP"; }
influxd_halt
s0=$(sweeps)
three_more() { [ "$(sweeps)" -ge $((s0 + 3)) ]; }
wait_for 30 "3 sweeps during the outage" three_more || fail "no sweeps during the outage"
wait_for 30 "spool segments during the outage" spooled || fail "nothing spooled"
sd systemctl kill -s SIGKILL hoist-collector || fail "systemctl kill"
wait_for 30 "Restart=on-failure after SIGKILL" restarted hoist-collector 1 ||
	fail "not restarted: NRestarts=$(prop hoist-collector NRestarts) $(prop hoist-collector SubState)"
pid1=$(prop hoist-collector MainPID)
[ "$pid1" != "$pid0" ] || fail "same MainPID after SIGKILL"
ok "SIGKILL → restarted by Restart=on-failure (pid $pid0 → $pid1)"
influxd_start || fail "influxd did not restart"
spool_empty() { ! spooled; }
wait_for 90 "the spool to drain" spool_empty || fail "spool did not drain"
# A few sweeps after the drain, so the newest file lines are sent too.
s0=$(sweeps)
wait_for 20 "3 sweeps after the drain" three_more || fail "the collector stopped writing"
sd systemctl stop hoist-collector || fail "stop before the comparison"
sd cat "$LP.1" "$LP" >"$T/points.lp"
# By container_id (a field): the first sweeps may come before the name
# from Docker, with container_name = the id.
influxd_query "SELECT container_id FROM container_cpu WHERE cpu = 'cpu-total' AND container_id = '$PROBE'" \
	>"$T/influx.json" || fail "query"
python3 - "$T/influx.json" "$T/points.lp" "$PROBE" <<'PY' || fail "points lost or doubled"
import json, re, sys
from collections import Counter
res = json.load(open(sys.argv[1]))["results"][0]
rows = res["series"][0]["values"] if "series" in res else []
influx = Counter(int(t) for t, _ in rows)
want, spooled = Counter(), 0
for line in open(sys.argv[2]):
    if line.startswith("container_cpu,") and ",cpu=cpu-total" in line \
            and ('container_id="%s"' % sys.argv[3]) in line:
        want[int(line.rsplit(" ", 1)[1])] += 1
    m = re.search(r'^hoist_collector,.*points_spooled=([0-9]+)i', line)
    if m:
        spooled = max(spooled, int(m.group(1)))
missing = [t for t in want if influx[t] == 0]
doubled = [t for t, n in influx.items() if n != 1]
print("sweeps in the file: %d, in InfluxDB: %d, missing %d, doubled %d, "
      "points_spooled %d" % (len(want), len(influx), len(missing),
      len(doubled), spooled))
sys.exit(0 if len(want) >= 10 and not missing and not doubled and spooled > 0 else 1)
PY
ok "every sweep of hoist-probe in the file output is in InfluxDB exactly once"
sd systemctl start hoist-collector || fail "start again"
journal_levels hoist-collector hoist-collector
ok "hoist-collector journal: warning lines at PRIORITY 4, info at 6"

# Reinstalling (an upgrade to the same version) restarts a running daemon
# (postinst try-restart) and keeps the edited conffile.
pid2=$(prop hoist-collector MainPID)
sd sh -c 'dpkg -i /tmp/debs/hoist-collector_*.deb' >"$T/dpkg.log" 2>&1 ||
	{ cat "$T/dpkg.log"; fail "dpkg -i again"; }
new_pid() { p=$(prop hoist-collector MainPID); [ "$p" != "$pid2" ] && [ "$p" != 0 ] &&
	[ "$(prop hoist-collector SubState)" = running ]; }
wait_for 30 "the collector restarted by the upgrade" new_pid || fail "upgrade did not restart it"
sd grep -q "^listen = 127.0.0.1:$CAPI\$" /etc/hoist/collector.conf || fail "upgrade replaced the edited conffile"
ok "upgrade: running collector restarted ($pid2 → $(prop hoist-collector MainPID)), edited conffile kept"

# --- hoist-scaler -----------------------------------------------------------
python3 "$top/tests/marathon_standin.py" --port 0 --port-file "$T/mport" \
	--user ops --password pw >"$T/standin.log" 2>&1 &
MPID=$!
wait_for 10 "the Marathon stand-in" test -s "$T/mport" ||
	{ cat "$T/standin.log"; fail "stand-in did not start"; }
MURL="http://127.0.0.1:$(cat "$T/mport")"
curl -sf -X POST -d '{"app": {"id": "/shop/web", "instances": 2, "cmd": "sleep 3600"}}' \
	"$MURL/_standin/seed" >/dev/null || fail "seed the stand-in"
SAPI=$(influxd_free_port)
API="http://127.0.0.1:$SAPI"
# Secrets as an operator keeps them: root-only files under /etc/hoist,
# handed to the dynamic user as credentials by the drop-in the unit names.
sd sh -c 'umask 077; echo pw >/etc/hoist/marathon.password; echo tok-sd >/etc/hoist/scaler-api.token' ||
	fail "write the secrets"
sd mkdir -p /etc/systemd/system/hoist-scaler.service.d
sdi sh -c 'cat >/etc/systemd/system/hoist-scaler.service.d/credentials.conf' <<'EOF'
[Service]
LoadCredential=marathon-password:/etc/hoist/marathon.password
LoadCredential=api-token:/etc/hoist/scaler-api.token
EOF
write_scaler_conf() {
	sdi sh -c 'cat >/etc/hoist/scaler.conf' <<EOF
listen = 127.0.0.1:$SAPI
marathon = $MURL
marathon_user = ops
marathon_password_file = /run/credentials/hoist-scaler.service/marathon-password
api_token_file = /run/credentials/hoist-scaler.service/api-token
state_dir = /var/lib/hoist-scaler
interval = 1
source = agents
agent_port = 9
agent_timeout_ms = 200
dry_run = no
$1
EOF
}
write_scaler_conf ""
sd systemctl daemon-reload
t0=$(date +%s%N)
sd systemctl start hoist-scaler || fail "systemctl start hoist-scaler"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(prop hoist-scaler SubState)" = running ] || fail "hoist-scaler is $(prop hoist-scaler SubState)"
unit_unchanged hoist-scaler
ok "hoist-scaler: start → active (running) after READY=1 in $ms ms"

code=$(curl -s -o /dev/null -w '%{http_code}' "$API/v1/rules")
[ "$code" = 401 ] || fail "GET /v1/rules without the token: $code, want 401"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Authorization: Bearer tok-sd' \
	-H 'Content-Type: application/json' -X POST \
	--data-binary '{"app_id":"/shop/web","min_instances":3,"max_instances":5,"cpu":{"above":80,"below":20}}' \
	"$API/v1/rules")
[ "$code" = 201 ] || fail "POST /v1/rules: $code $(cat "$T/out")"
ok "REST on 127.0.0.1:$SAPI: 401 without the token, 201 with the credential's token"
put_sent() {
	curl -sf "$MURL/_standin/requests" | grep -q '"method": *"PUT"'
}
wait_for 30 "the scaler's PUT to Marathon" put_sent || fail "no PUT reached the stand-in"
ok "the scaler scaled /shop/web through Marathon (basic auth from the credential)"
# One file per rule (docs/state-format.md): /shop/web is rules/shop%2Fweb.json.
RULEF=/var/lib/private/hoist-scaler/rules/shop%2Fweb.json
owner=$(sd stat -c %u "$RULEF") || fail "no $RULEF in StateDirectory"
[ "$owner" -ge 61184 ] && [ "$owner" -le 65519 ] || fail "$RULEF owned by uid $owner, not a dynamic user"
ok "state in $RULEF (StateDirectory=, dynamic uid $owner)"

spid0=$(prop hoist-scaler MainPID)
sd systemctl kill -s SIGKILL hoist-scaler || fail "systemctl kill hoist-scaler"
wait_for 30 "Restart=on-failure of the scaler" restarted hoist-scaler 1 || fail "scaler not restarted"
rule_back() {
	curl -sf -H 'Authorization: Bearer tok-sd' "$API/v1/rules/shop/web" | grep -q '"min_instances":3'
}
wait_for 10 "the rule after the restart" rule_back || fail "rule lost across SIGKILL"
spid1=$(prop hoist-scaler MainPID)
ok "SIGKILL → restarted (pid $spid0 → $spid1), the rule kept in the state directory"

w0=$(prop hoist-scaler WatchdogTimestampMonotonic)
wait_for 20 "the scaler's WatchdogTimestamp to advance" watchdog_advances hoist-scaler "$w0" ||
	fail "scaler WatchdogTimestamp stuck"
# reload: a broken config is refused (a warning), a good one taken.
write_scaler_conf "interval = banana"
sd systemctl reload hoist-scaler || fail "reload (broken config)"
refused() { sd journalctl -u hoist-scaler --no-pager | grep -q 'keeping the old configuration'; }
wait_for 10 "the refused reload" refused || fail "broken config not reported"
write_scaler_conf ""
sd systemctl reload hoist-scaler || fail "reload"
reloaded() { sd journalctl -u hoist-scaler --no-pager | grep -q 'configuration reloaded'; }
wait_for 10 "configuration reloaded" reloaded || fail "reload not logged"
[ "$(prop hoist-scaler MainPID)" = "$spid1" ] || fail "reload restarted the scaler"
ok "systemctl reload: broken config refused, good one reloaded, same process"
journal_levels hoist-scaler hoist-scaler
ok "hoist-scaler journal: warning lines at PRIORITY 4, info at 6"

# --- the watchdog: both main loops wedged at once ---------------------------
t0=$(date +%s)
for u in hoist-collector hoist-scaler; do
	sd systemctl kill -s SIGUSR2 --kill-who=main $u || fail "SIGUSR2 $u"
done
nc=$(prop hoist-collector NRestarts) ns=$(prop hoist-scaler NRestarts)
wait_for 90 "the collector's watchdog restart" restarted hoist-collector $((nc + 1)) ||
	fail "collector not restarted by the watchdog"
wait_for 30 "the scaler's watchdog restart" restarted hoist-scaler $((ns + 1)) ||
	fail "scaler not restarted by the watchdog"
el=$(($(date +%s) - t0))
for u in hoist-collector hoist-scaler; do
	sd journalctl -u $u --no-pager | grep -q 'Watchdog timeout' ||
		fail "$u: no 'Watchdog timeout' in the journal"
done
[ "$el" -ge 29 ] || fail "restarted after $el s, before WatchdogSec=30s"
ok "wedged main loops → 'Watchdog timeout', both restarted (${el}s after SIGUSR2; WatchdogSec=30s)"

# --- stop, security, remove, purge -------------------------------------------
stop_unit hoist-collector
stop_unit hoist-scaler
# The exposure of the installed units as the running systemd (252) rates
# them; a hardening line lost raises it past the figure recorded in
# docs/packaging.md and fails here.
for ux in hoist-collector:1.6 hoist-scaler:1.1; do
	u=${ux%:*} max=${ux#*:}
	sd systemd-analyze security --no-pager $u >"$T/sec.txt" 2>&1 || true
	line=$(grep 'Overall exposure level' "$T/sec.txt")
	[ -n "$line" ] || { cat "$T/sec.txt"; fail "systemd-analyze security $u"; }
	level=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
	awk -v l="$level" -v m="$max" 'BEGIN { exit !(l != "" && l <= m) }' ||
		fail "$u exposure '$level', recorded $max: $line"
	ok "systemd-analyze security $u: exposure $level (recorded $max)"
done

sd systemctl start hoist-collector || fail "start before remove"
cpid=$(prop hoist-collector MainPID)
sd dpkg -r hoist-collector >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg -r"; }
gone() { ! sd kill -0 "$cpid"; }
wait_for 20 "the collector to stop on remove" gone || fail "remove left the collector running"
sd test -d /var/lib/private/hoist-collector/spool || fail "remove deleted the state directory"
sd test -f /etc/hoist/collector.conf || fail "remove deleted the conffile"
sd dpkg --purge hoist-collector >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg --purge"; }
sd sh -c '! ls -d /var/lib/private/hoist-collector /var/lib/hoist-collector /etc/hoist/collector.conf 2>/dev/null' ||
	fail "purge left $(sd sh -c 'ls -d /var/lib/private/hoist-collector /var/lib/hoist-collector /etc/hoist/collector.conf 2>/dev/null')"
sd dpkg -r hoist-scaler >/dev/null 2>&1 || fail "dpkg -r hoist-scaler"
sd test -f "$RULEF" || fail "remove deleted the scaler's state"
sd dpkg --purge hoist-scaler >/dev/null 2>&1 || fail "dpkg --purge hoist-scaler"
sd sh -c '! ls -d /var/lib/private/hoist-scaler /var/lib/hoist-scaler 2>/dev/null' ||
	fail "purge left the scaler's state"
ok "remove stops the unit and keeps state and conffiles; purge removes them"
echo "ok"
