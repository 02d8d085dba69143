# tests/lib/zookeeper.sh — sourced by integration tests (POSIX sh).
#
# Starts Debian's ZooKeeper (3.8, Java) on loopback: 1 server
# (standalone) or 3 (an ensemble), each with its own dataDir under one
# temp folder, its client port and (ensemble) quorum and election ports
# free ports of 127.0.0.1, the admin server (Jetty, port 8080) off,
# tickTime=500 so sessions and elections are quick, the `srvr` and `ruok`
# four-letter words allowed for the readiness check.
#
#   . "$HOIST_TOP/tests/lib/zookeeper.sh"
#   zk_start 3              # sets ZK_TMP, ZK_CONNECT ("127.0.0.1:p1,...")
#                           # and ZK_PORT1..ZK_PORT3; waits for a quorum
#   zk_mode 2               # prints leader | follower | standalone | down
#   zk_halt 2               # stop server 2 (SIGKILL), keep its data
#   zk_resume 2             # start it again on the same ports and data
#   zk_stop                 # stop every server and remove ZK_TMP
#   zk_py 'print(zk.get_children("/"))'   # kazoo, with `zk` connected
#
# zk_start installs EXIT and INT/TERM/HUP/PIPE traps that call zk_stop; a
# test that sets its own trap must call zk_stop from it.
. "${HOIST_TOP:-$top}/tests/lib/wait.sh"

: "${ZK_JAVA:=java}"
# Debian's python3 (python3-kazoo is a Debian package; another python3
# may come first in PATH).
: "${ZK_PYTHON:=/usr/bin/python3}"

zk_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The four-letter word $2 to server $1; prints the reply.
zk_4lw() {
	eval "_zp=\$ZK_PORT$1"
	python3 - "$_zp" "$2" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
    s.settimeout(2)
    s.sendall(sys.argv[2].encode())
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    sys.stdout.write(out.decode(errors="replace"))
except OSError:
    pass
PY
}

zk_mode() {
	_zm=$(zk_4lw "$1" srvr | sed -n 's/^Mode: //p')
	echo "${_zm:-down}"
}

# Every server of the ensemble serves (leader, follower or standalone).
zk_all_up() {
	_zu=1
	while [ "$_zu" -le "$ZK_N" ]; do
		case $(zk_mode "$_zu") in
		leader|follower|standalone) ;;
		*) return 1 ;;
		esac
		_zu=$((_zu + 1))
	done
}

zk_write_config() {  # $1 = server number
	_zd="$ZK_TMP/s$1"
	mkdir -p "$_zd/data"
	echo "$1" >"$_zd/data/myid"
	eval "_zp=\$ZK_PORT$1"
	cat >"$_zd/zoo.cfg" <<CONF
tickTime=500
initLimit=10
syncLimit=4
dataDir=$_zd/data
clientPort=$_zp
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat
maxSessionTimeout=60000
minSessionTimeout=1000
CONF
	if [ "$ZK_N" -gt 1 ]; then
		_zj=1
		while [ "$_zj" -le "$ZK_N" ]; do
			eval "echo \"server.$_zj=127.0.0.1:\$ZK_QPORT$_zj:\$ZK_EPORT$_zj\"" \
				>>"$_zd/zoo.cfg"
			_zj=$((_zj + 1))
		done
	fi
	# log4j: to a file of the server's own, warnings and up.
	cat >"$_zd/log4j.properties" <<CONF
log4j.rootLogger=WARN, F
log4j.appender.F=org.apache.log4j.FileAppender
log4j.appender.F.File=$_zd/server.log
log4j.appender.F.layout=org.apache.log4j.PatternLayout
log4j.appender.F.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] %-5p %c{1}: %m%n
CONF
}

zk_resume() {  # $1 = server number
	_zd="$ZK_TMP/s$1"
	"$ZK_JAVA" -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-Dlog4j.configuration="file:$_zd/log4j.properties" \
		-Dzookeeper.jmx.log4j.disable=true \
		-cp "/usr/share/java/zookeeper.jar:/usr/share/java/*" \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$_zd/zoo.cfg" \
		>>"$_zd/stdout.log" 2>&1 &
	eval "ZK_PID$1=\$!"
}

zk_halt() {  # $1 = server number; SIGKILL, the data stays
	eval "_zpid=\${ZK_PID$1:-}"
	[ -n "$_zpid" ] || return 0
	kill -9 "$_zpid" 2>/dev/null || true
	wait "$_zpid" 2>/dev/null || true
	eval "ZK_PID$1="
}

zk_start() {  # $1 = 1 or 3 servers
	ZK_N=${1:-3}
	ZK_TMP=$(mktemp -d /tmp/hoist-zk.XXXXXX) || return 1
	trap zk_stop EXIT
	trap 'zk_stop; trap - EXIT; exit 1' INT TERM HUP PIPE
	ZK_CONNECT=
	_zi=1
	while [ "$_zi" -le "$ZK_N" ]; do
		eval "ZK_PORT$_zi=$(zk_free_port)"
		eval "ZK_QPORT$_zi=$(zk_free_port)"
		eval "ZK_EPORT$_zi=$(zk_free_port)"
		eval "ZK_CONNECT=\"\${ZK_CONNECT:+\$ZK_CONNECT,}127.0.0.1:\$ZK_PORT$_zi\""
		_zi=$((_zi + 1))
	done
	_zi=1
	while [ "$_zi" -le "$ZK_N" ]; do
		zk_write_config "$_zi"
		zk_resume "$_zi"
		_zi=$((_zi + 1))
	done
	if ! wait_for 60 "$ZK_N ZooKeeper server(s) to serve" zk_all_up; then
		for _zl in "$ZK_TMP"/s*/server.log "$ZK_TMP"/s*/stdout.log; do
			echo "--- $_zl"; tail -20 "$_zl"
		done
		return 1
	fi
}

zk_stop() {
	_zi=1
	while [ "$_zi" -le "${ZK_N:-0}" ]; do
		zk_halt "$_zi"
		_zi=$((_zi + 1))
	done
	[ -n "${ZK_TMP:-}" ] && rm -rf "$ZK_TMP"
	ZK_TMP=
}

# Run python code with `zk` a connected kazoo client (digest auth
# from $ZK_AUTH "user:password" when set); its stdout is the output.
zk_py() {
	"$ZK_PYTHON" - "$ZK_CONNECT" "${ZK_AUTH:-}" "$1" <<'PY'
import sys, logging
logging.basicConfig(level=logging.CRITICAL)
from kazoo.client import KazooClient
auth = [("digest", sys.argv[2])] if sys.argv[2] else None
zk = KazooClient(hosts=sys.argv[1], auth_data=auth, timeout=10)
zk.start(timeout=20)
try:
    exec(sys.argv[3])
finally:
    zk.stop()
    zk.close()
PY
}
