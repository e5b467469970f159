#!/bin/bash
# Negative control: the demo workload on real ext4, xfs and tmpfs on this
# (healthy) kernel.  Every filesystem must show faults, fault-around,
# insertions and invalidations, nothing may be lost, and there must be no
# violation; the stale-map agreement with xfs must hold.
. "$(dirname "$0")/lib.sh"
require_live

run_fl "$TMP/demo" demo --seconds 3 --json "$TMP/demo.json"
rc=$?
cat "$TMP/demo.stdout"
[ $rc = 0 ] || { cat "$TMP/demo.stderr"; fail "demo exited $rc, expected 0 (no violations)"; }
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
exit 0
