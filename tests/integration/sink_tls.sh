#!/bin/sh
# tests/integration/sink_tls.sh — the influxdb output over https: a Python
# TLS stand-in on 127.0.0.1 that requires a client certificate accepts
# hoist-collector's write when tls_ca_file, tls_cert_file and tls_key_file
# are given; without the CA file, or without the client certificate, the
# handshake fails, nothing is written, and the failure is logged.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/wait.sh"
COLLECTOR="$HOIST_TOP/$BUILD/hoist-collector"

T=$(mktemp -d /tmp/hoist-tlsit.XXXXXX)
SPID=
cleanup() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
fail() {
	echo "FAIL: $*"
	tail -5 "$T"/*.log 2>/dev/null
	exit 1
}

mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 1 -subj "/CN=$2" -addext "subjectAltName=$3" \
		-keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null ||
		fail "openssl req for $1"
}
mkcert server 127.0.0.1 IP:127.0.0.1
mkcert client hoist-test DNS:hoist-test

tree="$T/cgroup"
mkdir -p "$tree/system.slice/docker-$(printf '%064d' 7).scope"
echo "cpu memory" >"$tree/cgroup.controllers"
d="$tree/system.slice/docker-$(printf '%064d' 7).scope"
printf 'usage_usec 10\nuser_usec 5\nsystem_usec 5\n' >"$d/cpu.stat"
echo 4096 >"$d/memory.current"

python3 - "$T" >"$T/server.log" 2>&1 <<'PY' &
import gzip, http.server, ssl, sys
t = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        with open(t + "/requests.txt", "a") as f:
            f.write("%s %s\n%s" % (self.command, self.path, body.decode()))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(t + "/server.pem", t + "/server.key")
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(t + "/client.pem")
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(t + "/port", "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
SPID=$!
wait_for 10 "the TLS stand-in's port file" test -s "$T/port" ||
	fail "TLS stand-in did not start"
URL="https://127.0.0.1:$(cat "$T/port")/tlsdb"

# run NAME [flags...]: one sweep (--once) to the stand-in.
run() {
	name=$1; shift
	"$COLLECTOR" --once --interval 0.2 --docker none --listen none \
		--cgroup-root "$tree" \
		--self-metrics=no --output "influxdb:$URL" \
		--spool-dir "$T/spool-$name" --http-timeout-ms 3000 "$@" \
		>/dev/null 2>"$T/$name.log" || fail "$name: collector failed"
}

run ok --tls-ca-file "$T/server.pem" --tls-cert-file "$T/client.pem" \
	--tls-key-file "$T/client.key"
grep -q '^POST /write?db=tlsdb&precision=ns$' "$T/requests.txt" ||
	fail "no write request over TLS"
grep -q "^container_mem,.*container_id=\"0*7\"" "$T/requests.txt" ||
	fail "the points did not arrive"
n=$(grep -c '^POST' "$T/requests.txt")

run noca --tls-cert-file "$T/client.pem" --tls-key-file "$T/client.key"
grep -qi "certificate" "$T/noca.log" || fail "noca: no certificate error logged"
run nocert --tls-ca-file "$T/server.pem"
grep -q "network" "$T/nocert.log" || fail "nocert: no failure logged"
[ "$(grep -c '^POST' "$T/requests.txt")" -eq "$n" ] ||
	fail "a write got through without a trusted TLS setup"
# What could not be sent is kept in the spool.
[ -n "$(find "$T/spool-noca" -name '*.seg' -size +0)" ] ||
	fail "noca: points not spooled"
echo "ok"
