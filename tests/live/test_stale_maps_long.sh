#!/bin/bash
# Stale-map agreement under a heavier workload, run long (issue 14.11): on
# a scratch xfs with reflink, many files take fsx-style random operations
# from several threads (unaligned buffered and direct I/O, mmap reads and
# writes, punch, zero, collapse, insert, truncate, preallocation, reflink
# and its COW, writeback, cache drops) while files are deleted and
# re-created, so inodes are evicted and their memory reused by new ones
# (and at the end the files go while small files keep coming for 10 s).
# Every map xfs found stale faultline must have seen go stale: missed == 0.
# Before the fix the agreement decided a late trace at the end of the run
# by whatever inode then lived at the old one's address: four 150 s runs
# of that code (one a diagnostic build of it, the last with the teardown)
# missed 20, 18, 5 and 7 (tests/live/tools/stale_heavy.c).
#
# FL_STALE_LONG_SECS sets the workload's length (default 150 s).
. "$(dirname "$0")/lib.sh"
require_live
[ -e /sys/kernel/tracing/available_events ] || mount -t tracefs nodev /sys/kernel/tracing
grep -qx 'xfs:xfs_iomap_invalid' /sys/kernel/tracing/available_events ||
	skip "this kernel has no xfs_iomap_invalid (xfs validity cookies came in 6.2)"
SECS=${FL_STALE_LONG_SECS:-150}

build_stale_heavy
# 1 GiB: the files stay below 4 MiB each, reflinks share what they can
MNT=$TMP/xfs
mkdir -p "$MNT"
truncate -s 1G "$TMP/xfs.img" && mkfs.xfs -q -f -m reflink=1 "$TMP/xfs.img" &&
	mount -o loop "$TMP/xfs.img" "$MNT" || fail "xfs scratch"
cleanup_hooks+=("umount '$MNT' 2>/dev/null || umount -l '$MNT'")

run_fl_expect 0 "$TMP/s" check --path "$MNT" --json "$TMP/s.json" -- "$TMP/stale_heavy" "$MNT" "$SECS" 48
J=$TMP/s.json
note "$(grep '^stale_heavy:' "$TMP/s.stdout")"
note "stale maps: $(jq -c .stale_maps "$J")"
assert_stale_agreement "$J"
assert_json "$J" '.violations | length == 0' "violations on a healthy kernel"
assert_json "$J" '[.rules[] | select(.rule == "stale-map")][0] | .checked and (.not_checked_on | index("xfs") == null)' "stale-map rule not checked on xfs"
assert_json "$J" '.counts.stale_maps_revalidated == .counts.stale_map_uses' "a stale map was used without revalidation"
assert_json "$J" '.counts.lost == 0' "events lost"
exit 0
