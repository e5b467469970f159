#!/bin/bash
# Lock order, negative control on this (healthy) kernel: the demo workload
# on real ext4, xfs and tmpfs, then the heavier stale-maps workload on xfs
# (unaligned writes racing writeback, punches, cache drops), both with
# --lock-order.  There must be no lock-order report (no violation at all),
# nothing lost, and order edges must have been observed: xfs's IOLOCK ->
# ILOCK and MMAPLOCK -> ILOCK (xfs_ilock tracepoints), ext4's i_rwsem /
# invalidate_lock -> jbd2 handle (jbd2 tracepoints with the lock words of
# the inode being punched or truncated), and something nested in mmap_lock
# (mmap_lock tracepoints).  The positive control is the zoo's
# "lo" class in the guests (tests/guest/scenarios/lockorder.*) and the unit
# tests (tests/unit/test_lockorder.c).
. "$(dirname "$0")/lib.sh"
require_live
[ -e /sys/kernel/tracing/available_events ] || mount -t tracefs nodev /sys/kernel/tracing
grep -qx 'xfs:xfs_ilock' /sys/kernel/tracing/available_events ||
	modprobe xfs 2>/dev/null
grep -qx 'xfs:xfs_ilock' /sys/kernel/tracing/available_events ||
	skip "no xfs_ilock tracepoint (xfs not available)"

run_fl_expect 0 "$TMP/demo" demo --lock-order --seconds 3 --json "$TMP/demo.json"
sed -n '/^lock order:/,/^violations:/p' "$TMP/demo.stdout"
J=$TMP/demo.json
assert_json "$J" '.violations | length == 0' "violations (lock-order or other) on a healthy kernel"
assert_json "$J" '.counts.lost == 0 and .complete' "events were lost"
assert_json "$J" '.rules[] | select(.rule == "lock-order") | .checked' "lock-order not reported as checked"
assert_json "$J" '.lock_order.edges | length > 0' "no lock-order edge observed"
assert_json "$J" '.lock_order.cycles | length == 0' "cycles on a healthy kernel"
assert_json "$J" '[.lock_order.edges[] | select(.from == "i_rwsem (xfs IOLOCK)" and .to == "ILOCK (xfs)")] | length == 1' "xfs: no IOLOCK -> ILOCK edge"
assert_json "$J" '[.lock_order.edges[] | select(.from == "invalidate_lock (xfs MMAPLOCK)" and .to == "ILOCK (xfs)")] | length == 1' "xfs: no MMAPLOCK -> ILOCK edge"
assert_json "$J" '[.lock_order.edges[] | select(.to == "jbd2_handle (ext4)")] | length > 0' "ext4: no edge to a jbd2 handle"
# mmap_lock from its tracepoints: faults that fall back from the per-VMA
# lock, mmap() and page_mkwrite under it, nest the fs's locks in it
if jq -e '[.attach[] | select(.program == "fl_lo_mmap_acq" or .program == "fl_lo_mmap_acq_memcg") | .status == "attached"] | any' "$J" >/dev/null; then
	assert_json "$J" '[.lock_order.edges[] | select(.from == "mmap_lock")] | length > 0' "mmap_lock tracked, but no edge from it"
else
	fail "mmap_lock tracepoints not attached: $(jq -c '[.attach[] | select(.program | test("mmap"))]' "$J")"
fi
# the first observation of an edge keeps the acquisition's stack
assert_json "$J" '[.lock_order.edges[] | select(.to == "ILOCK (xfs)") | .acquired.stack | length > 0] | all' "edge without the acquisition's stack"
note "demo: $(jq -c '[.lock_order.edges[] | "\(.from) -> \(.to) x\(.count)"]' "$J")"

run_fl_expect 0 "$TMP/stale" demo --lock-order --fs xfs --stale-maps --seconds 3 --json "$TMP/stale.json"
J=$TMP/stale.json
assert_json "$J" '.violations | length == 0' "violations on the heavier xfs workload"
assert_json "$J" '.counts.lost == 0' "events were lost (heavier xfs workload)"
assert_json "$J" '(.lock_order.edges | length > 0) and (.lock_order.cycles | length == 0)' "heavier xfs workload: no edges, or cycles"
note "stale-maps: $(jq -c '{acquisitions: .lock_order.acquisitions, edges: [.lock_order.edges[] | "\(.from) -> \(.to) x\(.count)"]}' "$J")"
grep -q faultline-scratch /proc/mounts && fail "scratch mounts left behind"
exit 0
