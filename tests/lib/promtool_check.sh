# tests/lib/promtool_check.sh — sourced by integration tests (POSIX sh).
#
#   promtool_check FILE     # 0 when FILE is a clean exposition
#
# `promtool check metrics` exits 1 on a format error and 3 on lint
# notes.  The host metrics carry node_exporter's own names, two kinds of
# which promtool's lint flags (as it does node_exporter's output):
# node_memory_* keep /proc/meminfo's CamelCase keys (MemAvailable), and
# node_entropy_available_bits counts bits.  Those notes, and only those,
# are accepted; anything else is printed and fails.
promtool_check() {
	_pc_out=$(promtool check metrics <"$1" 2>&1)
	_pc_rc=$?
	case $_pc_rc in
	0) return 0 ;;
	3) ;;
	*) printf 'promtool exit %s:\n%s\n' "$_pc_rc" "$_pc_out"; return 1 ;;
	esac
	_pc_left=$(printf '%s\n' "$_pc_out" | grep -v \
		-e "^node_memory_[A-Za-z_]* metric names should be written in 'snake_case' not 'camelCase'\$" \
		-e '^node_entropy_available_bits use base unit "bytes" instead of "bits"$' \
		-e '^$')
	[ -z "$_pc_left" ] && return 0
	printf 'promtool:\n%s\n' "$_pc_left"
	return 1
}
