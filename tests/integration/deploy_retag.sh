#!/bin/sh
# hoist-deploy --retag against a real Docker daemon (tests/lib/dockerd.sh)
# and a real registry (Debian docker-registry) on a loopback port with
# htpasswd auth, plus the Marathon stand-in.
#
# Cases: the tested image REPO:latest is tagged REPO:VERSION, pushed with
# the credentials from a Docker config.json (X-Registry-Auth), the tag is
# seen through the registry API (GET /v2/<name>/tags/list), the temporary
# local tag is gone, and Marathon gets REPO:VERSION; a missing source image
# and a push with wrong credentials end with exit 8 before Marathon is
# asked anything, and leave no local tag behind.
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/wait.sh"
DEPLOY="$HOIST_TOP/$BUILD/hoist-deploy"
command -v docker-registry >/dev/null || { echo "docker-registry not installed (apt-get install docker-registry)"; exit 1; }
. "$HOIST_TOP/tests/lib/dockerd.sh"

T=$(mktemp -d /tmp/hoist-retag-test.XXXXXX)
SP="" RP=""
cleanup() {
	[ -z "$SP" ] || { kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; }
	[ -z "$RP" ] || { kill "$RP" 2>/dev/null; wait "$RP" 2>/dev/null; }
	dockerd_stop
	rm -rf "$T"
}
dockerd_start || { rm -rf "$T"; exit 1; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
trap 'exit 1' INT TERM

fails=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

# --- a registry with htpasswd auth on a free loopback port ---------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG="127.0.0.1:$port"
python3 -W ignore -c 'import crypt; print("hoist:" + crypt.crypt("pushpw", crypt.mksalt(crypt.METHOD_BLOWFISH)))' > "$T/htpasswd"
cat > "$T/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: $REG
auth:
  htpasswd:
    realm: hoist-test
    path: $T/htpasswd
EOF
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
RP=$!
# The registry answers 401 (it wants a login) once it is up.
registry_up() {
	kill -0 "$RP" 2>/dev/null || { echo "registry exited"; return 0; }
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/")" = 401 ]
}
wait_for 10 "the registry to answer 401 on /v2/" registry_up && kill -0 "$RP" 2>/dev/null ||
	{ echo "registry did not start"; cat "$T/registry.log"; exit 1; }

# --- the Marathon stand-in --------------------------------------------------
python3 "$HOIST_TOP/tests/marathon_standin.py" --port-file "$T/port" \
	--deploy-delay 0.2 >/dev/null 2>"$T/standin.err" &
SP=$!
wait_for 10 "the stand-in's port file" test -s "$T/port" ||
	{ echo "stand-in did not start"; exit 1; }
B="http://127.0.0.1:$(cat "$T/port")"

auth=$(printf 'hoist:pushpw' | base64)
printf '{"auths": {"http://%s/v2/": {"auth": "%s"}}}\n' "$REG" "$auth" > "$T/config.json"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf 'hoist:nope' | base64)" > "$T/badconfig.json"
mkdir -p "$T/deploy"
cat > "$T/deploy/qa-deploy.json" <<'EOF'
{"id": "/hoist/app", "instances": 1, "cmd": "sleep 100",
 "container": {"type": "DOCKER", "docker": {"image": "set-by-hoist-deploy"}}}
EOF
cat > "$T/deploy.conf" <<EOF
docker = $DOCKER_SOCK
docker_config = $T/config.json
deploy_dir = $T/deploy
[dc1 qa]
marathon = $B
EOF
REPO="$REG/hoist/app"
$DOCKER tag hoist-busybox:test "$REPO:latest" || exit 1

count() {
	curl -sf "$B/_standin/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
has_local() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

# --- retag, push, deploy -----------------------------------------------------
"$DEPLOY" --config "$T/deploy.conf" --interval 0.1 --timeout 60 --retag \
	--image "$REPO" --release 1.2.3 --env qa </dev/null >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "retag + deploy (exit 0)" || { bad "retag + deploy: exit $rc"; cat "$T/err"; }
grep -qF "pushed $REPO:1.2.3 to $REG, digest sha256:" "$T/err" && ok "push reported with its digest" || bad "push line: $(cat "$T/err")"
tags=$(curl -sf -u hoist:pushpw "http://$REG/v2/hoist/app/tags/list")
echo "$tags" | python3 -c 'import json,sys; t=json.load(sys.stdin); assert t["name"]=="hoist/app" and "1.2.3" in t["tags"], t' \
	&& ok "registry lists hoist/app:1.2.3 ($tags)" || bad "registry tags: $tags"
has_local "$REPO:1.2.3" && bad "temporary local tag left behind" || ok "temporary local tag removed"
has_local "$REPO:latest" && ok "source tag kept" || bad "source tag gone"
img=$(curl -sf "$B/v2/apps/hoist/app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["app"]["container"]["docker"]["image"])')
[ "$img" = "$REPO:1.2.3" ] && ok "Marathon got $img" || bad "Marathon image: $img"

# --- failures: exit 8, nothing asked of Marathon --------------------------------
curl -sf -X DELETE "$B/_standin/requests" >/dev/null
"$DEPLOY" --config "$T/deploy.conf" --retag --image "$REG/hoist/missing:latest" \
	--release 1.0 --env qa </dev/null >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 8 ] && ok "missing source image (exit 8)" || bad "missing source: exit $rc"
grep -qF "source image $REG/hoist/missing:latest not found" "$T/err" && ok "missing image named" || bad "missing message: $(cat "$T/err")"

"$DEPLOY" --config "$T/deploy.conf" --docker-config "$T/badconfig.json" --retag \
	--image "$REPO" --release 2.0 --env qa </dev/null >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 8 ] && ok "push with wrong credentials (exit 8)" || { bad "bad push: exit $rc"; cat "$T/err"; }
grep -qiE "push.*(unauthorized|authentication required|denied)" "$T/err" && ok "push refusal explained" || bad "push refusal: $(cat "$T/err")"
has_local "$REPO:2.0" && bad "local tag left after a failed push" || ok "local tag removed after a failed push"
[ "$(count)" = 0 ] && ok "Marathon not asked after an image failure" || bad "Marathon requests: $(count)"

echo "deploy_retag: $fails failure(s)"
[ "$fails" -eq 0 ]
