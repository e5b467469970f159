#!/bin/bash
# Negative control: the demo workload on real ext4, xfs and tmpfs on this
# (healthy) kernel.  Every filesystem must show faults, fault-around,
# insertions and invalidations, nothing may be lost, and there must be no
# violation; the stale-map agreement with xfs must hold.
# Then the same workload under an unfiltered `check` (no --dev: every
# filesystem of the host is watched): each of the three still has its own
# row in the text and in JSON `filesystems`, the rules' coverage names only
# filesystems of this run, and the "unknown" count is explained.
. "$(dirname "$0")/lib.sh"
require_live
WL=$(cd "$(dirname "$0")/../.." && pwd)/build/tests/workload_run
[ -x "$WL" ] || fail "$WL not built (make tracedat-tools)"

run_fl_expect 0 "$TMP/demo" demo --seconds 3 --json "$TMP/demo.json"
cat "$TMP/demo.stdout"
J=$TMP/demo.json
assert_json "$J" '.violations | length == 0' "violations on a healthy kernel"
assert_json "$J" '.counts.lost == 0 and .complete' "events were lost"
assert_json "$J" '[.filesystems[].fstype] | sort == ["ext4","tmpfs","xfs"]' "not all filesystems watched"
for fs in ext4 xfs tmpfs; do
	for c in faults map_pages insertions invalidations; do
		assert_json "$J" ".filesystems[] | select(.fstype == \"$fs\") | .counts.$c > 0" "$fs: no $c counted"
	done
done
# iomap is xfs's buffered I/O path (ext4 buffered I/O does not use iomap)
assert_json "$J" '.filesystems[] | select(.fstype == "xfs") | .counts.iomap_iter > 0' "xfs: no iomap_iter"
# the rules say what they cannot check instead of passing silently
# stale maps: checked on xfs, every map xfs found stale seen going stale
# (clones make writeback find COW-fork snapshots stale), none used unrevalidated
assert_json "$J" '.rules[] | select(.rule == "stale-map") | .checked and (.not_checked_on | index("xfs") == null)' "stale-map not checked on xfs"
assert_json "$J" '.stale_maps.missed == 0' "xfs found stale maps faultline had not seen go stale"
assert_json "$J" '.counts.stale_maps_revalidated == .counts.stale_map_uses' "a stale map was used without revalidation"
assert_json "$J" '.rules[] | select(.rule == "fault-unlocked") | .not_checked_on | index("tmpfs") != null' "tmpfs protocol not declared"
# no mounts left behind
grep -q faultline-scratch /proc/mounts && fail "scratch mounts left behind"

# ---- unfiltered: rows for every filesystem --------------------------------
scratch_fs ext4; EXT=$MNT
scratch_fs xfs; XFS=$MNT
scratch_fs tmpfs; TMPFS=$MNT
EDEV=$(mountpoint -d "$EXT") XDEV=$(mountpoint -d "$XFS") TDEV=$(mountpoint -d "$TMPFS")
note "unfiltered: ext4 $EDEV, xfs $XDEV, tmpfs $TDEV"
run_fl_expect 0 "$TMP/all" check --json "$TMP/all.json" -- sh -c \
	"'$WL' '$EXT' 2 >/dev/null & '$WL' '$XFS' 2 >/dev/null & '$WL' '$TMPFS' 2 >/dev/null; wait"
cat "$TMP/all.stdout"
A=$TMP/all.json
assert_json "$A" '.violations | length == 0' "unfiltered: violations on a healthy kernel"
assert_json "$A" '.filesystems | length > 0' "unfiltered: no per-filesystem rows in JSON"
note "unfiltered rows: $(jq -c '[.filesystems[] | "\(.fstype) \(.dev)"]' "$A"), other: $(jq -c '.other_filesystems' "$A" | head -c 200)"
for fd in "ext4 $EDEV" "xfs $XDEV" "tmpfs $TDEV"; do
	set -- $fd
	assert_json "$A" "[.filesystems[] | select(.dev == \"$2\" and .fstype == \"$1\")] | length == 1" \
		"unfiltered: no JSON row for $1 $2"
	grep -q "^  $1 $2 " "$TMP/all.stdout" || fail "unfiltered: no text row for $1 $2"
done
for dev in "$EDEV" "$XDEV"; do
	for c in faults map_pages insertions deletions invalidations; do
		assert_json "$A" ".filesystems[] | select(.dev == \"$dev\") | .counts.$c > 0" "unfiltered: $dev: no $c"
	done
done
# shmem has its own fault path: tmpfs faults are traced only when a tmpfs is named
for c in map_pages deletions invalidations; do
	assert_json "$A" ".filesystems[] | select(.dev == \"$TDEV\") | .counts.$c > 0" "unfiltered: tmpfs: no $c"
done
# the rows add up to the total (other filesystems included)
assert_json "$A" '([.filesystems[].counts.insertions] | add) + (.other_filesystems.counts.insertions // 0) == .counts.insertions' \
	"unfiltered: rows do not add up to the total"
# coverage names the run's filesystems only
assert_json "$A" '([.filesystems[].fstype] + (.other_filesystems.fstypes // [])) as $seen | [.rules[].not_checked_on[] | select(. as $n | $seen | index($n) | not)] | length == 0' \
	"unfiltered: coverage names a filesystem the run did not see"
# the unknown share: counted, explained, and how to decide it
u=$(jq '.counts.unknown_lock_state' "$A")
note "unfiltered: unknown $u of $(jq '.counts.insertions' "$A") insertions"
assert_json "$A" '.unknown.count == .counts.unknown_lock_state and (.unknown.to_decide | test("--locks=precise")) and (.unknown.why | length > 0)' \
	"unfiltered: the unknown count is not explained in JSON"
if [ "$u" -gt 0 ]; then
	grep -q "^unknown: $u lock checks undecided (.* per 100 insertions): .*owner hint.*--locks=precise" "$TMP/all.stdout" ||
		fail "unfiltered: no line explaining the $u unknown"
fi
exit 0
