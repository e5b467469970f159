# Helpers for the live tests.  Each test is a bash script that exits 0 on
# pass, 77 on skip (after printing "SKIP: reason"), anything else on failure.
set -u
FL=${FL:-$PWD/faultline}
TMP=$(mktemp -d /tmp/faultline-live.XXXXXX)
cleanup_hooks=()
cleanup() {
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$TMP"
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "# $*"; }

require_live() {
	[ "$(id -u)" = 0 ] || skip "live tests need root"
	[ -r /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	[ -x "$FL" ] || fail "$FL not built"
	command -v jq >/dev/null || fail "jq missing (make deps-test)"
}

# jq expression must be true on FILE, or fail with MESSAGE.
assert_json() {	# file expr message
	jq -e "$2" "$1" >/dev/null || { echo "--- $1:"; jq -c '.counts, .filesystems, [.violations[] | {rule, evidence, fs, comm, stack: .stack[0:3]}]' "$1" | head -c 4000; echo; fail "$3"; }
}

# The exit status the contract (README, "Exit status") gives the run a
# JSON report describes: 1 violations, 4 incomplete ("complete": false),
# 8 the traced command exited nonzero or was killed.
contract_rc() {	# json
	jq -r '(if (.violations | length) > 0 or .violations_dropped > 0 then 1 else 0 end) +
		(if .complete then 0 else 4 end) +
		(if .command != null and .command.exit_status != 0 then 8 else 0 end)' "$1"
}

# Run faultline, keep its output, return its status.
run_fl() {	# out-prefix args...
	local out=$1; shift
	"$FL" "$@" >"$out.stdout" 2>"$out.stderr"
	local rc=$?
	echo "# faultline $* -> exit $rc"
	return $rc
}

# run_fl, and fail unless faultline exits WANT, the end of its output shown.
run_fl_expect() {	# want out-prefix args...
	local want=$1 out=$2 rc
	shift
	run_fl "$@"
	rc=$?
	[ $rc = "$want" ] && return 0
	tail -n 20 "$out.stdout" "$out.stderr"
	fail "faultline ${*:2}: exit $rc, expected $want"
}

# A scratch filesystem under $TMP; sets MNT.  Cleaned up on exit.  The
# image is sparse: SIZE only bounds what a workload may fill.
scratch_fs() {	# fstype [size]
	local fs=$1 img=$TMP/$1.img size=${2:-}
	MNT=$TMP/$1
	mkdir -p "$MNT"
	case $fs in
	tmpfs) mount -t tmpfs -o size=${size:-128m} fl-test "$MNT" || fail "mount tmpfs" ;;
	ext4) truncate -s "${size:-256M}" "$img" && mkfs.ext4 -q -F "$img" && mount -o loop "$img" "$MNT" || fail "ext4 scratch" ;;
	xfs) truncate -s "${size:-512M}" "$img" && mkfs.xfs -q -f "$img" && mount -o loop "$img" "$MNT" || fail "xfs scratch" ;;
	# fuse2fs serves an ext4 image and leaves when its mount goes
	fuse) truncate -s "${size:-256M}" "$img" && mkfs.ext4 -q -F "$img" && fuse2fs "$img" "$MNT" || fail "fuse2fs scratch" ;;
	esac
	cleanup_hooks+=("umount '$MNT' 2>/dev/null || umount -l '$MNT'")
}

# Wait until a faultline started in the background says it is tracing
# (its stderr), or fail with what it said.  Loading can take seconds.
wait_tracing() {	# pid stderr-file [tries of 0.1 s]
	local pid=$1 err=$2
	for _ in $(seq "${3:-300}"); do
		grep -qE '^faultline: tracing[ ;]' "$err" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -qE '^faultline: tracing[ ;]' "$err" || { cat "$err"; fail "faultline never started tracing"; }
}

# tests/live/tools/stale_heavy.c, the stale-map workload, as $TMP/stale_heavy.
build_stale_heavy() {
	gcc -O2 -D_GNU_SOURCE "$(dirname "${BASH_SOURCE[0]}")/tools/stale_heavy.c" -lpthread \
		-o "$TMP/stale_heavy" || fail "cannot build the workload"
}

# The stale-map agreement with xfs's own check: the workload made xfs find
# stale maps, and faultline saw each of them go stale, in time or late.
assert_stale_agreement() {	# json [label]
	local j=$1 l=${2:+$2: }
	assert_json "$j" '.stale_maps.kernel_found > 0' "${l}the kernel found no stale map (workload ineffective)"
	assert_json "$j" '.stale_maps.missed == 0' "${l}the kernel found stale maps faultline had not seen go stale"
	assert_json "$j" '.stale_maps.faultline_saw + .stale_maps.faultline_saw_late == .stale_maps.kernel_found' "${l}agreement counts do not add up"
}

# A script of I/O for a command under check, run as `bash FILE DIR`: a file
# of SIZE MiB read back after dropping the caches (faults, insertions) and a
# hole punched in it (an invalidation).  Further steps may be appended.
io_script() {	# file size-in-MiB
	cat >"$1" <<W
set -e
dd if=/dev/urandom of="\$1/f" bs=1M count=$2 status=none
sync; echo 3 > /proc/sys/vm/drop_caches
cat "\$1/f" >/dev/null
fallocate -p -o 0 -l 1M "\$1/f"
W
}
