#!/bin/sh
# docker_meta — collector/docker against a real, private dockerd: a
# container with a Marathon label and a Mesos env var, and one named like
# the Mesos Docker containerizer names them (mesos-<container id>).  The
# checks are test_real_daemon in tests/unit/test_docker.c, which that
# binary runs (alone) when HOIST_DOCKER_URL is set.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
bin="$HOIST_TOP/$BUILD/tests/test_docker"
[ -x "$bin" ] || make -C "$HOIST_TOP" "$BUILD/tests/test_docker" >/dev/null || exit 1
. "$HOIST_TOP/tests/lib/dockerd.sh"
dockerd_start || exit 1

uuid=5f1f1a8e-6a8b-4c0a-9d0e-3f2e8c1b7a10
web=$($DOCKER run -d --network none --name hoist-meta-web \
	--label MARATHON_APP_ID=/shop/web --label team=shop --label other=x \
	-e MESOS_TASK_ID=shop_web.123 hoist-busybox:test sleep 300) || exit 1
mesos=$($DOCKER run -d --network none --name "mesos-$uuid" \
	-e MARATHON_APP_ID=/batch/job -e MESOS_TASK_ID=batch_job.7 \
	hoist-busybox:test sleep 300) || exit 1

HOIST_DOCKER_URL="unix://$DOCKER_SOCK" HOIST_DOCKER_ID="$web" \
HOIST_DOCKER_MESOS_UUID="$uuid" HOIST_DOCKER_MESOS_ID="$mesos" \
HOIST_FIXTURES="$HOIST_TOP/tests/fixtures" \
	"$bin"
