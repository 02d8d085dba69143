#!/bin/sh
# systemd_units — the units and `make install` as an operator meets them.
#
# 1. `make install DESTDIR=<tmp>` with PREFIX=/usr/local (the default) and
#    PREFIX=/usr lays out the binaries, both units (with @BINDIR@ and
#    @SYSCONFDIR@ filled in), the example configs, the Grafana files and
#    the man pages,
#    byte-identical to the sources where nothing is substituted.
# 2. `systemd-analyze verify` passes on both units, with no warning at all
#    (verify exits 0 on unknown keys and bad values, so its output must be
#    empty too).  verify checks that ExecStart= names an executable file, so
#    the units verified are those of a real install with PREFIX=<tmp>/prefix
#    (no DESTDIR): their ExecStart= points at the installed binary.  PID 1
#    need not be systemd: verify and `security --offline=true` only read
#    unit files.
# 3. `systemd-analyze security --offline=true` exposure of each unit is
#    printed and must stay at or below the level the units were written
#    for (collector 1.8, scaler 1.3): a hardening line lost fails the test.
# 4. The example configs pass the daemons' own check (`-n`), so they stay
#    in sync with the config keys the daemons accept.
set -u
top=${HOIST_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/hoist-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The Makefile builds a program once its main file exists; until all three
# do, the checks that need a missing binary are skipped, loudly.
built=
for p in hoist-collector hoist-scaler hoist-deploy; do
	if [ -x "$top/$BUILD/$p" ]; then built="$built $p"; else
		echo "SKIP: $BUILD/$p not built (no main yet): its install, verify and -n checks"
	fi
done
case $built in *hoist-collector*) ;; *) echo "FAIL: $BUILD/hoist-collector not built"; exit 1 ;; esac
is_built() { case " $built " in *" $1 "*) return 0 ;; esac; return 1; }
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze missing (Debian: systemd)"; exit 1; }

# --- 1. install layouts -----------------------------------------------------
# check_layout DESTDIR BINDIR SYSCONFDIR UNITDIR DATADIR
check_layout() {
	d=$1 bindir=$2 etc=$3 unitdir=$4 datadir=$5
	for p in $built; do
		[ -x "$d$bindir/$p" ] && [ -f "$d$bindir/$p" ] ||
			fail "$d$bindir/$p missing or not executable"
		cmp -s "$top/$BUILD/$p" "$d$bindir/$p" || fail "$bindir/$p differs from $BUILD/$p"
	done
	for u in hoist-collector hoist-scaler; do
		f="$d$unitdir/$u.service"
		[ -f "$f" ] || { fail "$unitdir/$u.service missing"; continue; }
		[ "$(stat -c %a "$f")" = 644 ] || fail "$f mode $(stat -c %a "$f"), want 644"
		! grep -q '@[A-Z]*@' "$f" || fail "$f still has a placeholder: $(grep '@[A-Z]*@' "$f")"
		conf=${u#hoist-}.conf
		want="ExecStart=$bindir/$u -c $etc/hoist/$conf"
		grep -qxF "$want" "$f" || fail "$f: want '$want', have '$(grep '^ExecStart=' "$f")'"
	done
	for c in collector.conf.example scaler.conf.example; do
		cmp -s "$top/systemd/$c" "$d$etc/hoist/$c" || fail "$etc/hoist/$c missing or differs"
	done
	for g in provisioning/datasources/hoist-influxdb.yaml \
	    provisioning/dashboards/hoist.yaml dashboards/hosts.json \
	    dashboards/containers.json dashboards/apps.json; do
		cmp -s "$top/grafana/$g" "$d$datadir/grafana/$g" ||
			fail "$datadir/grafana/$g missing or differs"
	done
	mandir=${datadir%/hoist}/man
	for m in hoist-deploy.1 hoist.conf.5 hoist-collector.8 hoist-scaler.8; do
		cmp -s "$top/man/$m" "$d$mandir/man${m##*.}/$m" ||
			fail "$mandir/man${m##*.}/$m missing or differs"
	done
}

make -s -C "$top" install DESTDIR="$tmp/dest-local" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install DESTDIR (PREFIX=/usr/local)"; }
check_layout "$tmp/dest-local" /usr/local/bin /usr/local/etc \
    /usr/local/lib/systemd/system /usr/local/share/hoist
make -s -C "$top" install DESTDIR="$tmp/dest-usr" PREFIX=/usr >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install DESTDIR PREFIX=/usr"; }
check_layout "$tmp/dest-usr" /usr/bin /etc /usr/lib/systemd/system /usr/share/hoist
[ $fails -eq 0 ] && ok "make install layouts (PREFIX=/usr/local and /usr)"
echo "installed files (PREFIX=/usr/local):"
(cd "$tmp/dest-local" && find . -type f | sort | sed 's/^\./  /')

# --- 2. verify ----------------------------------------------------------------
pre="$tmp/prefix"
make -s -C "$top" install PREFIX="$pre" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install PREFIX=$pre"; }
for u in hoist-collector hoist-scaler; do
	is_built "$u" || continue
	f="$pre/lib/systemd/system/$u.service"
	out=$(systemd-analyze verify "$f" 2>&1); rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		fail "systemd-analyze verify $u.service (rc=$rc): $out"
	else
		ok "systemd-analyze verify $u.service: clean"
	fi
done

# --- 3. security exposure -----------------------------------------------------
for pair in hoist-collector:1.8 hoist-scaler:1.3; do
	u=${pair%%:*} max=${pair#*:}
	f="$pre/lib/systemd/system/$u.service"
	systemd-analyze security --offline=true --no-pager "$f" >"$tmp/sec.txt" 2>&1
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/sec.txt")
	if [ -z "$level" ]; then
		cat "$tmp/sec.txt"; fail "no exposure level for $u"
		continue
	fi
	echo "exposure $u: $level (limit $max); open items:"
	grep '✗' "$tmp/sec.txt" | sed 's/  */ /g; s/^/  /'
	awk -v l="$level" -v m="$max" 'BEGIN { exit !(l <= m) }' ||
		fail "$u exposure $level above $max"
done

# --- 4. example configs accepted by the daemons -------------------------------
mkdir -p "$tmp/spool" "$tmp/state"
sed "s|^spool_dir = .*|spool_dir = $tmp/spool|" "$top/systemd/collector.conf.example" \
	>"$tmp/collector.conf"
sed -e "s|^state_dir = .*|state_dir = $tmp/state|" -e "s|^spool_dir = .*|spool_dir = $tmp/spool|" \
	"$top/systemd/scaler.conf.example" >"$tmp/scaler.conf"
for d in collector scaler; do
	is_built "hoist-$d" || continue
	if out=$("$top/$BUILD/hoist-$d" -n -c "$tmp/$d.conf" 2>&1); then
		ok "hoist-$d -n accepts $d.conf.example"
	else
		fail "hoist-$d -n rejects $d.conf.example: $out"
	fi
done

[ $fails -eq 0 ] || { echo "systemd_units: $fails failure(s)"; exit 1; }
echo "systemd_units: all checks passed"
