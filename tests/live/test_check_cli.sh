#!/bin/bash
# `faultline check` as a user drives it: a command under tracing, filters,
# exit statuses, and clear errors for bad input.
. "$(dirname "$0")/lib.sh"
require_live
scratch_fs ext4

# A command run under check: faults and an insertion-heavy read on ext4.
cat >"$TMP/work.sh" <<'W'
set -e
dd if=/dev/urandom of="$1/f" bs=1M count=8 status=none
sync; echo 3 > /proc/sys/vm/drop_caches
cat "$1/f" >/dev/null
fallocate -p -o 0 -l 1M "$1/f"
truncate -s 4M "$1/f"
W
run_fl "$TMP/c1" check --path "$MNT" --json "$TMP/c1.json" -- bash "$TMP/work.sh" "$MNT"
[ $? = 0 ] || { cat "$TMP/c1.stderr"; fail "check of a clean command did not exit 0"; }
assert_json "$TMP/c1.json" '.counts.insertions > 0 and .counts.invalidations >= 2' "command's I/O not seen"
assert_json "$TMP/c1.json" '.violations | length == 0' "violations"
assert_json "$TMP/c1.json" '.kernel | length > 0' "no kernel release"

# The pid filter: watching another process sees none of this I/O.
sleep 30 & other=$!
cleanup_hooks+=("kill $other 2>/dev/null")
run_fl "$TMP/c2" check --path "$MNT" --pid $other --json "$TMP/c2.json" -- bash "$TMP/work.sh" "$MNT"
[ $? = 0 ] || fail "check with --pid failed"
assert_json "$TMP/c2.json" '.counts.insertions == 0 and .counts.invalidations == 0' "--pid did not filter"

# --duration without a command
run_fl "$TMP/c3" check --path "$MNT" --duration 1 --json "$TMP/c3.json"
[ $? = 0 ] || fail "check --duration 1 did not exit 0"
assert_json "$TMP/c3.json" '.duration_s >= 0.9 and .duration_s < 10' "duration not honoured"

# Usage and environment errors exit 2 with a reason.
run_fl "$TMP/e1" check --bogus; [ $? = 2 ] || fail "unknown option: not exit 2"
run_fl "$TMP/e2" check --path /nonexistent; [ $? = 2 ] || fail "bad --path: not exit 2"
grep -q 'nonexistent' "$TMP/e2.stderr" || fail "bad --path: no reason given"
run_fl "$TMP/e3" check --duration -1; [ $? = 2 ] || fail "negative duration: not exit 2"
run_fl "$TMP/e4" check --path "$MNT" -- /nonexistent/command; [ $? = 2 ] || fail "unrunnable command: not exit 2"
run_fl "$TMP/e5" check --dev /etc/passwd; [ $? = 2 ] || fail "--dev of a regular file: not exit 2"
run_fl "$TMP/e6" frobnicate; [ $? = 2 ] || fail "unknown command: not exit 2"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FL" check --duration 1 >"$TMP/e7.out" 2>&1
	[ $? = 2 ] || fail "unprivileged run: not exit 2"
	grep -q 'needs root' "$TMP/e7.out" || fail "unprivileged run: no reason"
fi
for c in check demo probe; do
	"$FL" $c --help | grep -q "usage: faultline $c" || fail "$c --help"
done
"$FL" probe >"$TMP/probe.out" 2>&1 || fail "probe failed"
grep -q 'fl_tp_fault .*mm_filemap_fault .*planned' "$TMP/probe.out" || fail "probe shows no plan"
exit 0
