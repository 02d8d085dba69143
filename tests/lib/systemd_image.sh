# tests/lib/systemd_image.sh — sourced by integration tests (POSIX sh).
#
# A Docker image whose PID 1 is a real systemd (Debian bookworm, minbase,
# plus the libraries hoist's packages need), for running the shipped units
# under the systemd they are written for.
#
#   . "$HOIST_TOP/tests/lib/systemd_image.sh"
#   systemd_image_tar          # sets SYSTEMD_TAR (builds it when not cached)
#   systemd_image_import "$DOCKER"   # sets SYSTEMD_IMAGE
#
# The root file system comes from debootstrap against the Debian mirror apt
# is configured with on this machine (read at run time, never written down
# here), and is cached as a tarball under $HOIST_TEST_CACHE
# (/var/cache/hoist-tests) named by a hash of the suite, the architecture
# and the package list: change the list and a new tarball is made.

: "${HOIST_TEST_CACHE:=/var/cache/hoist-tests}"
SYSTEMD_SUITE=bookworm
# systemd as PID 1, and the runtime libraries of hoist-collector,
# hoist-scaler and hoist-deploy (what dh_shlibdeps puts in Depends:), so
# `dpkg -i` needs no network inside the container.
SYSTEMD_PKGS="systemd,systemd-sysv,dbus,libcurl4,libmicrohttpd12,libcjson1,libcgroup2,zlib1g,libsystemd0,libzookeeper-mt2"

# The URI of the first apt source that serves $SYSTEMD_SUITE itself (not
# -updates or -security); empty when there is none.
systemd_image_mirror() {
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages' 2>/dev/null |
		awk -v s="$SYSTEMD_SUITE" '$1 == s { print $2; exit }'
}

systemd_image_tar() {
	arch=$(dpkg --print-architecture) || return 1
	key=$(printf '%s %s %s\n' "$SYSTEMD_SUITE" "$arch" "$SYSTEMD_PKGS" | sha256sum | cut -c1-16)
	SYSTEMD_TAR="$HOIST_TEST_CACHE/systemd-$SYSTEMD_SUITE-$arch-$key.tar"
	SYSTEMD_KEY=$key
	[ -s "$SYSTEMD_TAR" ] && return 0
	mkdir -p "$HOIST_TEST_CACHE" || return 1
	# One debootstrap at a time: a second test waits for the first and
	# then finds the tarball.
	exec 9>"$HOIST_TEST_CACHE/.lock" || return 1
	flock 9 || return 1
	if [ -s "$SYSTEMD_TAR" ]; then exec 9>&-; return 0; fi
	systemd_image_debootstrap
	rc=$?
	exec 9>&-
	return $rc
}

systemd_image_debootstrap() {
	command -v debootstrap >/dev/null ||
		{ echo "systemd_image: debootstrap is not installed (./bootstrap deps test)"; return 1; }
	mirror=$(systemd_image_mirror)
	[ -n "$mirror" ] ||
		{ echo "systemd_image: no apt source for $SYSTEMD_SUITE (apt-get indextargets)"; return 1; }
	root=$(mktemp -d "$HOIST_TEST_CACHE/root.XXXXXX") || return 1
	echo "systemd_image: debootstrap $SYSTEMD_SUITE from $mirror (cached as $SYSTEMD_TAR)"
	if ! debootstrap --variant=minbase --include="$SYSTEMD_PKGS" \
		"$SYSTEMD_SUITE" "$root" "$mirror" >"$root.log" 2>&1; then
		echo "systemd_image: debootstrap failed:"; tail -20 "$root.log"
		rm -rf "$root" "$root.log"
		return 1
	fi
	# Written under a temporary name and renamed, so a run that is
	# interrupted never leaves a truncated tarball behind the cache name.
	tar -C "$root" -cf "$SYSTEMD_TAR.tmp$$" . &&
		mv "$SYSTEMD_TAR.tmp$$" "$SYSTEMD_TAR"
	rc=$?
	rm -rf "$root" "$root.log" "$SYSTEMD_TAR.tmp$$"
	return $rc
}

# Import the cached tarball into the daemon behind $1 (a docker command
# line) as hoist-systemd-test:<key>, with systemd as its entry point.
systemd_image_import() {
	SYSTEMD_IMAGE="hoist-systemd-test:$SYSTEMD_KEY"
	$1 image inspect "$SYSTEMD_IMAGE" >/dev/null 2>&1 && return 0
	$1 import -c 'ENTRYPOINT ["/lib/systemd/systemd"]' "$SYSTEMD_TAR" "$SYSTEMD_IMAGE" >/dev/null
}
