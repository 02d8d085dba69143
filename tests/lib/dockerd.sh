# tests/lib/dockerd.sh — sourced by integration tests (POSIX sh).
#
# Starts a private Docker daemon: its own data root, exec root, pidfile and
# unix socket under a temp dir, no iptables, no bridge, its own containerd
# namespace, so it never touches a system dockerd.  Builds the image
# "hoist-busybox:test" with `docker import` from a tar of busybox-static.
#
#   . "$HOIST_TOP/tests/lib/dockerd.sh"
#   dockerd_start            # sets DOCKER_TMP, DOCKER_SOCK, DOCKER (command)
#   $DOCKER run -d --network none hoist-busybox:test sleep 100
#   dockerd_stop             # removes every container, stops the daemon
#
# dockerd_start installs EXIT and INT/TERM/HUP/PIPE traps that call
# dockerd_stop; a test that sets its own trap must call dockerd_stop from it.

# wait_for (tests/lib/wait.sh): the tests set HOIST_TOP or top.
. "${HOIST_TOP:-$top}/tests/lib/wait.sh"

# dockerd answers, or has exited (then the wait ends and the caller says so).
dockerd_up() {
	kill -0 "$DOCKERD_PID" 2>/dev/null || { echo "dockerd exited"; return 0; }
	$DOCKER version
}

# The cgroup v1 hierarchies this process belongs to (/proc/self/cgroup)
# that are not mounted in its mount namespace, one a line ("hugetlb",
# "net_cls,net_prio").  Normally none.  They appear when a program in
# another mount namespace (a systemd in a container or chroot) mounts a
# controller the host never mounted: the hierarchy then exists for every
# process, and containerd, which looks each listed controller up in its own
# mountinfo, fails every stats call ("cannot find cgroup mount destination";
# `docker stats` shows 0).
dockerd_unmounted_controllers() {
	while IFS=: read -r _id _ctrls _path; do
		case $_ctrls in ''|name=*) continue ;; esac
		# mountinfo: after " - " come fstype, source and the options.
		sed -n 's/.* - cgroup [^ ]* //p' /proc/self/mountinfo |
			tr ',' '\n' | grep -qx -- "${_ctrls%%,*}" || echo "$_ctrls"
	done </proc/self/cgroup
}

dockerd_start() {
	DOCKER_TMP=$(mktemp -d /tmp/hoist-dockerd.XXXXXX)
	DOCKER_SOCK="$DOCKER_TMP/docker.sock"
	DOCKER="docker -H unix://$DOCKER_SOCK"
	ns="hoist$$"
	# With such hierarchies (see above), run dockerd in a mount namespace
	# of its own where they are mounted (under $DOCKER_TMP/cg), so its
	# stats work; it goes away with dockerd.  Otherwise run it as is.
	set --
	for _c in $(dockerd_unmounted_controllers); do set -- "$@" "$_c"; done
	if [ $# -gt 0 ]; then
		echo "dockerd.sh: cgroup hierarchies not mounted here: $*;" \
			"dockerd gets its own mount namespace with them"
		set -- unshare -m --propagation private sh -c '
			d=$1; shift
			while [ "$1" != -- ]; do
				mkdir -p "$d/$1" && mount -t cgroup -o "$1" cgroup "$d/$1" || exit 1
				shift
			done
			shift
			exec "$@"' sh "$DOCKER_TMP/cg" "$@" -- dockerd
	else
		set -- dockerd
	fi
	"$@" --data-root "$DOCKER_TMP/data" --exec-root "$DOCKER_TMP/exec" \
		--pidfile "$DOCKER_TMP/dockerd.pid" -H "unix://$DOCKER_SOCK" \
		--iptables=false --ip6tables=false --bridge=none \
		--containerd-namespace "$ns" --containerd-plugins-namespace "${ns}p" \
		>"$DOCKER_TMP/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	if ! wait_for 30 "dockerd to answer on $DOCKER_SOCK" dockerd_up ||
	    ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
		echo "dockerd did not start:"; tail -20 "$DOCKER_TMP/dockerd.log"
		return 1
	fi
	trap dockerd_stop EXIT
	# A signal (Ctrl-C, a closed pipe) must clean up too: dash
	# runs no EXIT trap when a signal ends it.
	trap 'dockerd_stop; trap - EXIT; exit 1' INT TERM HUP PIPE
	rootfs="$DOCKER_TMP/rootfs"
	mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/etc"
	cp /bin/busybox "$rootfs/bin/busybox"
	for c in sh sleep cat dd head yes true false env ls mkdir rm seq; do
		ln -sf busybox "$rootfs/bin/$c"
	done
	tar -C "$rootfs" -cf "$DOCKER_TMP/busybox.tar" .
	$DOCKER import "$DOCKER_TMP/busybox.tar" hoist-busybox:test >/dev/null || return 1
}

dockerd_stop() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	ids=$($DOCKER ps -aq 2>/dev/null)
	[ -z "$ids" ] || $DOCKER rm -f $ids >/dev/null 2>&1
	kill "$DOCKERD_PID" 2>/dev/null
	wait_for 15 "dockerd to exit after SIGTERM" pid_gone "$DOCKERD_PID" 2>/dev/null
	kill -9 "$DOCKERD_PID" 2>/dev/null
	# containerd-shim processes of this namespace, if any survived.
	pkill -f "containerd-shim.*-namespace hoist$$" 2>/dev/null
	# Every mount dockerd left below its folder, deepest first: the nsfs
	# bind at exec/netns/default is not reached by `umount -R exec`
	# (exec itself is no mount point), and it kept the folder alive.
	awk -v p="$DOCKER_TMP/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
	rm -rf "$DOCKER_TMP" 2>/dev/null
	DOCKERD_PID=
}
