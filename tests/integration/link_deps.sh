#!/bin/sh
# link_deps — each program needs only the shared libraries it uses
# (issue 10): the NEEDED entries of each binary, against the list of what
# its code calls.  A library that creeps in (hoist-deploy linking
# libcgroup, libmicrohttpd or libsystemd again) fails here.
set -u
: "${HOIST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
fails=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }

needed() {  # binary -> sorted library stems, one line ("libc libcurl ...")
	readelf -d "$1" | sed -n 's/.*Shared library: \[\(lib[a-z0-9_+-]*\)\.so.*/\1/p' |
		grep -v -x -e libc -e libm -e libpthread -e 'libasan' -e 'libubsan' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
check() {  # program want
	bin="$HOIST_TOP/$BUILD/$1"
	[ -x "$bin" ] || { bad "$1: $bin not built"; return; }
	got=$(needed "$bin")
	[ "$got" = "$2" ] && ok "$1 needs: $got" || bad "$1 needs '$got', want '$2'"
}
check hoist-collector "libcgroup libcjson libcurl libmicrohttpd libsystemd libz"
check hoist-scaler "libcjson libcurl libmicrohttpd libsystemd libz libzookeeper_mt"
check hoist-deploy "libcjson libcurl"
echo "link_deps: $fails failure(s)"
[ "$fails" -eq 0 ]
