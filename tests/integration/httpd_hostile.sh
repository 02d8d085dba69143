#!/bin/sh
# httpd_hostile: both daemons' HTTP servers (common/httpd) against hostile
# clients, over raw sockets (tests/hostile_http.py), issue 10 §5:
#   - hoist-collector and hoist-scaler, each with a bearer token file:
#     raw NUL and %00 -> 400, 300/500 query parameters -> 414 at once,
#     two Content-Length -> 400, UTF-8 JSON errors, 431, (scaler) strict
#     rule JSON and 413; 500 slowloris clients while /healthz must answer
#     within 100 ms, and full recovery within 1 s after they leave;
#   - the same listen/token/TLS semantics in both: ":PORT" refused, a
#     group-readable token file refused with "chmod 600", and HTTPS with
#     --api-tls-cert/--api-tls-key (a self-signed certificate made here by
#     openssl): curl --cacert gets 200, a plain-HTTP request gets no 200.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B="$top/${BUILD:-build}"
PY="$top/tests/hostile_http.py"
T=$(mktemp -d /tmp/hoist-httpd.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; for f in "$T"/*.log; do [ -f "$f" ] && tail -5 "$f"; done; exit 1; }
ok() { echo "ok   $*"; }
for x in "$B/hoist-collector" "$B/hoist-scaler"; do
	[ -x "$x" ] || fail "$x not built"
done
command -v openssl >/dev/null || fail "openssl not installed"

printf 'tok-%s\n' "$$" >"$T/token"
chmod 600 "$T/token"
TOKEN="tok-$$"

# Wait (at most 10 s) for "(port N)" in a log; prints N.
port_of() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$1" | head -1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

start_collector() {     # $1 = log, rest = extra flags
	log=$1; shift
	# A long interval: the sweep of the host's cgroups takes the table
	# lock /healthz needs; what is measured here is the server core.
	"$B/hoist-collector" --docker none --interval 30 \
		--output "file:$T/out.lp" --listen 127.0.0.1:0 \
		--api-token-file "$T/token" "$@" 2>"$log" &
	PIDS="$PIDS $!"
}
start_scaler() {        # $1 = log, $2 = state dir, rest = extra flags
	log=$1; st=$2; shift 2
	"$B/hoist-scaler" --listen 127.0.0.1:0 --state-dir "$st" \
		--marathon http://127.0.0.1:9 --interval 3600 \
		--api-token-file "$T/token" "$@" 2>"$log" &
	PIDS="$PIDS $!"
}

# --- hostile clients, both daemons
start_collector "$T/c.log"
CP=$(port_of "$T/c.log") || fail "collector did not start"
python3 "$PY" --port "$CP" --kind collector --token "$TOKEN" --slow 500 ||
	fail "collector: hostile clients"
start_scaler "$T/s.log" "$T/st1"
SP=$(port_of "$T/s.log") || fail "scaler did not start"
python3 "$PY" --port "$SP" --kind scaler --token "$TOKEN" --slow 500 ||
	fail "scaler: hostile clients"

# --- one listen and token semantics
# Each of these must refuse to start; timeout keeps a wrong success short.
timeout 10 "$B/hoist-scaler" --listen :0 --state-dir "$T/st2" \
	--marathon http://127.0.0.1:9 2>"$T/l.log"
[ $? -ne 0 ] && grep -q 'has no host' "$T/l.log" &&
	ok "scaler refuses --listen :PORT" || fail "scaler took :PORT: $(cat "$T/l.log")"
timeout 10 "$B/hoist-collector" --docker none --listen :0 --output file:/dev/null \
	2>"$T/l.log"
[ $? -ne 0 ] && grep -q 'has no host' "$T/l.log" &&
	ok "collector refuses --listen :PORT" || fail "collector took :PORT: $(cat "$T/l.log")"
cp "$T/token" "$T/open-token"
chmod 640 "$T/open-token"
timeout 10 "$B/hoist-scaler" --listen 127.0.0.1:0 --state-dir "$T/st3" \
	--marathon http://127.0.0.1:9 --api-token-file "$T/open-token" 2>"$T/l.log"
[ $? -ne 0 ] && grep -q 'chmod 600' "$T/l.log" &&
	ok "scaler refuses a group-readable token file" || fail "scaler: $(cat "$T/l.log")"
timeout 10 "$B/hoist-collector" --docker none --listen 127.0.0.1:0 --output file:/dev/null \
	--api-token-file "$T/open-token" 2>"$T/l.log"
[ $? -ne 0 ] && grep -q 'chmod 600' "$T/l.log" &&
	ok "collector refuses a group-readable token file" || fail "collector: $(cat "$T/l.log")"

# --- TLS, both daemons
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" \
	-out "$T/cert.pem" 2>"$T/openssl.log" || fail "openssl"
chmod 600 "$T/key.pem"
start_collector "$T/ct.log" --api-tls-cert "$T/cert.pem" --api-tls-key "$T/key.pem"
CTP=$(port_of "$T/ct.log") || fail "collector with TLS did not start"
start_scaler "$T/st.log" "$T/st4" --api-tls-cert "$T/cert.pem" --api-tls-key "$T/key.pem"
STP=$(port_of "$T/st.log") || fail "scaler with TLS did not start"
for p in "$CTP" "$STP"; do
	code=$(curl -sS --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$p/metrics")
	[ "$code" = 200 ] && ok "https /metrics on $p: 200" || fail "https on $p: $code"
	code=$(curl -sS --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' \
		"https://127.0.0.1:$p/v1/containers")
	[ "$code" = 401 ] && ok "https without the token on $p: 401" || fail "https no token on $p: $code"
	code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$p/healthz" 2>/dev/null)
	[ "$code" != 200 ] && ok "plain http on the TLS port $p: no 200 ($code)" ||
		fail "plain http served on the TLS port $p"
done
python3 "$PY" --port "$STP" --kind scaler --token "$TOKEN" --tls "$T/cert.pem" ||
	fail "scaler over TLS: hostile clients"
# A key others may read is refused like a token file.
chmod 644 "$T/key.pem"
timeout 10 "$B/hoist-scaler" --listen 127.0.0.1:0 --state-dir "$T/st5" \
	--marathon http://127.0.0.1:9 --api-tls-cert "$T/cert.pem" \
	--api-tls-key "$T/key.pem" 2>"$T/l.log"
[ $? -ne 0 ] && grep -q 'chmod 600' "$T/l.log" &&
	ok "a world-readable TLS key is refused" || fail "TLS key mode: $(cat "$T/l.log")"
echo "httpd_hostile: all ok"
