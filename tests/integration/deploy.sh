#!/bin/sh
# hoist-deploy against the Marathon stand-in (tests/marathon_standin.py) on
# an ephemeral loopback port, with basic auth.  Every case checks the exit
# code, the words on stderr and, through the stand-in's request log, what
# was (or was not) sent.
#
# Cases: a deployment followed to its end; --json; --dry-run sends nothing;
# a locked app is refused (no PUT), --force sends ?force=true; a deployment
# that never finishes times out (6), and with --rollback-on-failure the
# previous version is PUT back (7); prod without a terminal and without
# --yes is refused with no request at all (3); prod on a terminal (a pty)
# answered "n" is refused and "y" deploys; 401 and 422 give exit 5 with
# Marathon's message, and so does an unreachable Marathon; broken JSON, a
# missing id, an invalid id, negative instances and a missing image field
# give exit 2 naming the file and the JSON path, with nothing sent; a bad
# config gives exit 2.
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
. "$HOIST_TOP/tests/lib/wait.sh"
DEPLOY="$HOIST_TOP/$BUILD/hoist-deploy"
T=$(mktemp -d /tmp/hoist-deploy-test.XXXXXX)
SP=""
cleanup() {
	[ -z "$SP" ] || { kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; }
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE
trap 'exit 1' INT TERM

fails=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

python3 "$HOIST_TOP/tests/marathon_standin.py" --port-file "$T/port" \
	--user ops --password s3cret --deploy-delay 0.3 >/dev/null 2>"$T/standin.err" &
SP=$!
wait_for 10 "the stand-in's port file" test -s "$T/port" ||
	{ echo "stand-in did not start"; cat "$T/standin.err"; exit 1; }
B="http://127.0.0.1:$(cat "$T/port")"

CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 's3cret\n' > "$T/pw"
printf 'wrong\n' > "$T/badpw"
# Credential files must be private (common/secret.h).
chmod 600 "$T/pw" "$T/badpw"
cat > "$T/deploy.conf" <<EOF
# test config
confirm = prod
default_dc = dc1
deploy_dir = $T/deploy

[dc1 qa]
marathon = $B
user = ops
password_file = $T/pw

[dc1 prod]
marathon = "$B"
user = ops
password_file = $T/pw

[dc2 qa]
marathon = $B
user = ops
password_file = $T/badpw

[dc3 qa]
marathon = http://127.0.0.1:$CLOSED

# Names as the deploy-only job's parameters carry them (upper case).
[AA prod]
marathon = $B
user = ops
password_file = $T/pw
EOF
mkdir -p "$T/deploy"
definition() {  # id instances -> stdout
	cat <<EOF
{
  "id": "$1",
  "instances": $2,
  "cpus": 0.1,
  "mem": 32,
  "cmd": "sleep 1000",
  "container": {"type": "DOCKER", "docker": {"image": "filled-in-by-hoist-deploy"}},
  "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}]
}
EOF
}
definition /shop/web 2 > "$T/deploy/qa-deploy.json"
definition /shop/web 3 > "$T/deploy/prod-deploy.json"
IMG=127.0.0.1:5000/shop/web

ctl() { curl -sf -X "$1" ${3:+-d "$3"} "$B/_standin/$2"; }
clear_log() { ctl DELETE requests >/dev/null; }
# Number of logged requests matching a python expression over r.
count() {
	ctl GET requests | python3 -c '
import json, sys
log = json.load(sys.stdin)
print(sum(1 for r in log if eval(sys.argv[1])))' "$1"
}
app_field() {  # python expression over a (the app)
	curl -sf -u ops:s3cret "$B/v2/apps/shop/web" | python3 -c '
import json, sys
a = json.load(sys.stdin)["app"]
print(eval(sys.argv[1]))' "$1"
}
run() {  # run hoist-deploy, stdin from /dev/null; sets rc, out, err files
	"$DEPLOY" --config "$T/deploy.conf" --interval 0.1 "$@" \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
expect_rc() {  # want name
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $rc)"; else
		bad "$2: exit $rc, want $1"; sed 's/^/    /' "$T/err" "$T/out"; fi
}
expect_err() {  # fixed-string name
	if grep -qF -- "$1" "$T/err"; then ok "$2"; else
		bad "$2: stderr lacks '$1'"; sed 's/^/    /' "$T/err"; fi
}
expect_eq() {  # got want name
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: got '$1', want '$2'"; fi
}

# --- a deployment followed to its end ------------------------------------
clear_log
run --image "$IMG" --release 1.0 --env qa --timeout 20
expect_rc 0 "qa deploy of a new app"
expect_err "deployment finished; tasks: 2/2 on the new version, 2 running, 2 healthy" \
	"progress followed until tasks run the new version, healthy"
expect_eq "$(app_field 'a["container"]["docker"]["image"]')" "$IMG:1.0" "image set to REPO:VERSION"
expect_eq "$(app_field 'len([t for t in a["tasks"] if t["state"] == "TASK_RUNNING"])')" 2 "2 tasks running"
expect_eq "$(count 'r["method"] == "PUT" and r["path"] == "/v2/apps/shop/web" and "force" not in r["query"]')" 1 "one PUT, not forced"
grep -q "^deployed $IMG:1.0 to qa on dc1: /shop/web version" "$T/out" && ok "summary line" || bad "summary line: $(cat "$T/out")"

run --image "$IMG:latest" --release 1.1 --env qa --timeout 20 --json
expect_rc 0 "update with --json"
python3 - "$T/out" <<'EOF' && ok "--json summary" || bad "--json summary: $(cat "$T/out")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["result"] == "deployed" and s["exit_code"] == 0, s
assert s["app"] == "/shop/web" and s["image"] == "127.0.0.1:5000/shop/web:1.1", s
assert s["env"] == "qa" and s["dc"] == "dc1" and len(s["deployment_id"]) == 36, s
assert s["previous_version"] and s["version"] > s["previous_version"], s
EOF

# --- dry run ----------------------------------------------------------------
clear_log
run --image "$IMG" --release 9.9 --env qa --dry-run
expect_rc 0 "--dry-run"
grep -qF "\"image\":	\"$IMG:9.9\"" "$T/out" && ok "dry run prints the rendered definition" || bad "dry run output: $(cat "$T/out")"
grep -qF "PUT $B/v2/apps/shop/web" "$T/out" && ok "dry run lists the PUT" || bad "dry run lists the PUT"
expect_eq "$(count 'True')" 0 "dry run sent nothing"

# --- locked app ------------------------------------------------------------
ctl POST config '{"deploy_delay": null}' >/dev/null
curl -sf -u ops:s3cret -X PUT -d '{"instances": 1}' "$B/v2/apps/shop/web" >/dev/null
clear_log
run --image "$IMG" --release 2.0 --env qa
expect_rc 4 "locked app refused"
expect_err "deployment in progress for /shop/web" "the running deployment is listed"
expect_eq "$(count 'r["method"] == "PUT"')" 0 "no PUT while locked"
clear_log
run --image "$IMG" --release 2.0 --env qa --force --timeout 0.5
expect_rc 6 "--force deploys over it (and times out here)"
expect_eq "$(count 'r["method"] == "PUT" and r["query"] == "force=true"')" 1 "--force sent ?force=true"
ctl POST finish >/dev/null

# --- timeout, and rollback ------------------------------------------------
run --image "$IMG" --release 3.0 --env qa --timeout 1
expect_rc 6 "never-finishing deployment times out"
expect_err "not finished after 1 s" "timeout message"
ctl POST finish >/dev/null
expect_eq "$(app_field 'a["container"]["docker"]["image"]')" "$IMG:3.0" "3.0 in place before the rollback case"
clear_log
run --image "$IMG" --release 4.0 --env qa --timeout 1 --rollback-on-failure --json
expect_rc 7 "timeout with --rollback-on-failure"
expect_err "rolling back /shop/web to version" "rollback announced"
expect_eq "$(count 'r["method"] == "PUT" and r["query"] == "force=true" and "shop/web:3.0" in r["body"]')" 1 "previous version (3.0) PUT back"
expect_eq "$(count 'r["method"] == "GET" and "/versions/" in r["path"]')" 1 "previous definition read from the versions endpoint"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["result"]=="rolled back" and s["rollback_deployment_id"], s' "$T/out" \
	&& ok "--json says rolled back" || bad "--json rollback: $(cat "$T/out")"
ctl POST finish >/dev/null
expect_eq "$(app_field 'a["container"]["docker"]["image"]')" "$IMG:3.0" "app back on 3.0"
ctl POST config '{"deploy_delay": 0.3}' >/dev/null

# --- confirmation ---------------------------------------------------------
clear_log
run --image "$IMG" --release 5.0 --env prod
expect_rc 3 "prod without a terminal and without --yes"
expect_err "needs a confirmation and there is no terminal" "refusal says why"
expect_eq "$(count 'True')" 0 "no request sent before the answer"

pty_run() {  # answer args... -> rc; prompt text into $T/pty
	python3 - "$@" >"$T/pty" 2>&1 <<'EOF'
import os, pty, sys, time
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b""
deadline = time.time() + 20
while b"[y/N]" not in seen and time.time() < deadline:
    try:
        seen += os.read(fd, 1024)
    except OSError:
        break
os.write(fd, answer.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
sys.stdout.write(seen.decode(errors="replace"))
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status))
EOF
	rc=$?
}
clear_log
pty_run n "$DEPLOY" --config "$T/deploy.conf" --interval 0.1 --image "$IMG" --release 5.0 --env prod
expect_rc 3 "prod on a terminal answered n"
grep -qF "Deploy $IMG:5.0 to prod on dc1 ($B)? [y/N]" "$T/pty" && ok "prompt names image, env, dc and Marathon" || bad "prompt: $(cat "$T/pty")"
expect_eq "$(count 'True')" 0 "no request after a no"
pty_run y "$DEPLOY" --config "$T/deploy.conf" --interval 0.1 --timeout 20 --image "$IMG" --release 5.0 --env prod
expect_rc 0 "prod on a terminal answered y"
run --image "$IMG" --release 5.1 --env prod --yes --timeout 20
expect_rc 0 "prod with --yes"
expect_eq "$(app_field 'a["instances"]')" 3 "prod definition (3 instances) in place"

# --- Marathon errors ---------------------------------------------------------
run --image "$IMG" --release 6.0 --env qa --dc dc2
expect_rc 5 "401 from Marathon"
expect_err "401" "401 status shown"
expect_err "Invalid username or password." "Marathon's 401 message shown"
run --image "$IMG" --release 6.0 --env qa --dc dc3 --timeout 5
expect_rc 5 "Marathon unreachable"
expect_err "cannot reach Marathon" "unreachable Marathon explained"
mkdir -p "$T/inv"
python3 - "$T/deploy/qa-deploy.json" > "$T/inv/qa-deploy.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["upgradeStrategy"] = {"minimumHealthCapacity": 2}
print(json.dumps(d))
EOF
run --image "$IMG" --release 6.0 --env qa --deploy-dir "$T/inv"
expect_rc 5 "422 from Marathon"
expect_err "Object is not valid; /upgradeStrategy/minimumHealthCapacity: is greater than 1" \
	"Marathon's 422 message and path shown"

# --- bad definitions: exit 2, file and JSON path named, nothing sent -------
bad_def() {  # name content expected-text
	mkdir -p "$T/$1"
	printf '%s\n' "$2" > "$T/$1/qa-deploy.json"
	clear_log
	run --image "$IMG" --release 7.0 --env qa --deploy-dir "$T/$1"
	expect_rc 2 "bad definition: $1"
	expect_err "$T/$1/qa-deploy.json: $3" "bad definition $1: message names file and path"
	expect_eq "$(count 'True')" 0 "bad definition $1: nothing sent"
}
bad_def broken '{"id": "/shop/web",
  "instances": 2,,
}' "line 2, column"
bad_def noid '{"instances": 2, "container": {"docker": {"image": "x"}}}' "/id: missing"
bad_def badid '{"id": "/Shop/web_1", "instances": 2, "container": {"docker": {"image": "x"}}}' "/id: app id '/Shop/web_1': segment 'Shop'"
bad_def negative '{"id": "/shop/web", "instances": -1, "container": {"docker": {"image": "x"}}}' "/instances: must be an integer >= 0, got -1"
bad_def noimage '{"id": "/shop/web", "instances": 1, "container": {"docker": {}}}' "/container/docker/image: missing"
bad_def array '[1, 2]' "/: must be a JSON object"

# --- bad input elsewhere ----------------------------------------------------
clear_log
printf '[dc1 qa]\nmarathon = %s\nfoo = bar\n' "$B" > "$T/bad.conf"
"$DEPLOY" --config "$T/bad.conf" --image "$IMG" --release 1 --env qa </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 2 "unknown config key"
expect_err "$T/bad.conf:3: unknown key 'foo'" "config error names file and line"
run --image "$IMG" --release "bad tag!" --env qa
expect_rc 2 "bad release tag"
run --image "$IMG" --release 1 --env staging
expect_rc 2 "environment missing from the config"
expect_eq "$(count 'True')" 0 "bad input: nothing sent"

# --- data-centre names as pipelines carry them; -n; flags as keys ----------
clear_log
run --image "$IMG" --release 7.0 --env prod --dc AA --dry-run
expect_rc 0 "--dc AA --env prod (section [AA prod]) dry run"
grep -qF "PUT $B/v2/apps/shop/web" "$T/out" && ok "[AA prod] resolves to its Marathon" || bad "[AA prod] dry run: $(cat "$T/out")"
run --image "$IMG" --release 7.0 --env prod --dc aa --dry-run
expect_rc 2 "--dc aa does not match [AA prod] (names match exactly)"
expect_err "no [aa prod] section" "the missing section is named"
"$DEPLOY" -n --config "$T/deploy.conf" </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "-n on a good config"
grep -qx "configuration OK" "$T/out" && ok "-n says configuration OK" || bad "-n output: $(cat "$T/out")"
"$DEPLOY" -n --config "$T/bad.conf" </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 2 "-n on a bad config"
"$DEPLOY" -n --config "$T/deploy.conf" --image "$IMG" --release 7.0 --env prod --dc AA </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "-n with a deployment named checks its inputs"
"$DEPLOY" -n --config "$T/deploy.conf" --image "$IMG" --release 7.0 --env staging </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 2 "-n finds the missing section"
# Keys after the last section belong to it: put the flags' keys first.
{ printf 'dry_run = yes\nimage = %s\nrelease = 8.0\nenv = qa\n' "$IMG"; cat "$T/deploy.conf"; } > "$T/keys.conf"
"$DEPLOY" --config "$T/keys.conf" </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "flags as config keys (dry_run, image, release, env)"
grep -qF "\"image\":	\"$IMG:8.0\"" "$T/out" && ok "image and release from the file" || bad "keys run output: $(cat "$T/out")"
"$DEPLOY" --config "$T/keys.conf" --release 8.1 </dev/null >"$T/out" 2>"$T/err"
grep -qF "\"image\":	\"$IMG:8.1\"" "$T/out" && ok "the command line overrides the file" || bad "override output: $(cat "$T/out")"
expect_eq "$(count 'True')" 0 "dry runs and -n sent nothing"

echo "deploy: $fails failure(s)"
[ "$fails" -eq 0 ]
