#!/bin/bash
# Stale extent maps (seed 002), against xfs's own check: with unaligned
# writes over unwritten extents while writeback converts them, the cache is
# dropped and ranges are punched and reallocated, xfs finds its write and
# writeback maps stale (xfs_iomap_invalid, xfs_wb_*_iomap_invalid).  Every
# map the kernel found stale faultline must have seen go stale through the
# extent changes it traces itself.  The stale-map rule's negative control:
# writes do instantiate folios under maps gone stale, and xfs revalidates
# every one of them (a new map at that folio), so there is no violation.
. "$(dirname "$0")/lib.sh"
require_live
[ -e /sys/kernel/tracing/available_events ] || mount -t tracefs nodev /sys/kernel/tracing
grep -qx 'xfs:xfs_iomap_invalid' /sys/kernel/tracing/available_events ||
	skip "this kernel has no xfs_iomap_invalid (xfs validity cookies came in 6.2)"

run_fl "$TMP/s" demo --fs xfs --stale-maps --seconds 4 --json "$TMP/s.json"
rc=$?
[ $rc = 0 ] || { cat "$TMP/s.stderr"; fail "expected exit 0, got $rc"; }
J=$TMP/s.json
jq -c .stale_maps "$J"
assert_json "$J" '.stale_maps.kernel_found > 0' "the kernel found no stale map (workload ineffective)"
assert_json "$J" '.stale_maps.missed == 0' "the kernel found stale maps faultline had not seen go stale"
assert_json "$J" '.stale_maps.faultline_saw + .stale_maps.faultline_saw_late == .stale_maps.kernel_found' "agreement counts do not add up"
assert_json "$J" '.violations | length == 0' "violations on a healthy kernel"
assert_json "$J" '[.rules[] | select(.rule == "stale-map")][0] | .checked and (.not_checked_on | index("xfs") == null)' "stale-map rule not checked on xfs"
assert_json "$J" '.counts.stale_map_uses > 0' "no write instantiated a folio under a map gone stale (the rule was not exercised)"
assert_json "$J" '.counts.stale_maps_revalidated == .counts.stale_map_uses' "a stale map was used without revalidation"
assert_json "$J" '.counts.lost == 0' "events lost"
exit 0
