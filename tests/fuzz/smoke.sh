#!/bin/sh
# smoke.sh TARGET... — run each libFuzzer harness $FUZZ_BUILD/fuzz_<target>
# for FUZZ_SECONDS (default 20) on its seed corpus tests/fuzz/corpus/<target>/
# and fail if any of them finds a crash, a leak, a sanitizer report or a
# timeout.  New inputs go to a temporary folder, not to the corpus in the
# repository; a crashing input is kept in $FUZZ_BUILD/artifacts/<target>/.
#
# Per-target libFuzzer flags are read from tests/fuzz/fuzz_<target>.options:
#   [libfuzzer]
#   max_len = 4096
#   dict = tests/fuzz/json.dict
# each "key = value" line becoming -key=value (max_len defaults to 4096).
#
# Prints one line per target with the number of inputs executed, then a
# total.
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
fail="" total=0
# FUZZ_WORK=DIR keeps what the runs found (DIR/<target>/) and their logs
# (DIR/<target>.log) for a longer campaign; by default both are thrown away.
if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d) || exit 1
	trap 'rm -rf "$work"' EXIT INT TERM
fi

# Prints the -key=value flags of a target's .options file.
options() {
	f=tests/fuzz/fuzz_$1.options
	[ -f "$f" ] || { echo "-max_len=4096"; return; }
	grep -q '^[[:space:]]*max_len[[:space:]]*=' "$f" || echo "-max_len=4096"
	sed -n 's/^[[:space:]]*\([a-z_]*\)[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/-\1=\2/p' "$f"
}

for t in "$@"; do
	bin=$FUZZ_BUILD/fuzz_$t seeds=tests/fuzz/corpus/$t
	art=$FUZZ_BUILD/artifacts/$t log=$work/$t.log
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz-smoke $t: missing $bin or $seeds"
		fail="$fail $t"
		continue
	fi
	mkdir -p "$art" "$work/$t"
	# shellcheck disable=SC2046
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$art/" $(options "$t") \
		"$work/$t" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=0
	total=$((total + runs))
	# Edges covered ("cov:") and features ("ft:") at the end of the run.
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 |
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
	if [ "$rc" -ne 0 ]; then
		echo "fuzz-smoke $t: FAILED (exit $rc) after $runs executions; input in $art/"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
		fail="$fail $t"
	else
		echo "fuzz-smoke $t: $runs executions in ${FUZZ_SECONDS}s, ${cov:-cov ?}, no crash"
	fi
done
echo "fuzz-smoke: $total executions, $(($# - $(echo $fail | wc -w))) passed, $(echo $fail | wc -w) failed"
[ -z "$fail" ] || { echo "failed:$fail"; exit 1; }
