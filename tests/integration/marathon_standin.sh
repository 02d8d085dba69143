#!/bin/sh
# The Marathon stand-in (tests/marathon_standin.py) against the documented
# payloads in tests/fixtures/marathon: same keys, messages and
# statuses for every exchange the fixtures show.  The checker starts and
# stops its own stand-in on an ephemeral loopback port.
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
exec timeout 120 python3 "$HOIST_TOP/tests/marathon_standin_check.py"
