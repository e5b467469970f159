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

run_fl_expect 0 "$TMP/s" demo --fs xfs --stale-maps --seconds 4 --json "$TMP/s.json"
J=$TMP/s.json
jq -c .stale_maps "$J"
assert_stale_agreement "$J"
assert_json "$J" '.violations | length == 0' "violations on a healthy kernel"
assert_json "$J" '[.rules[] | select(.rule == "stale-map")][0] | .checked and (.not_checked_on | index("xfs") == null)' "stale-map rule not checked on xfs"
assert_json "$J" '.counts.stale_map_uses > 0' "no write instantiated a folio under a map gone stale (the rule was not exercised)"
assert_json "$J" '.counts.stale_maps_revalidated == .counts.stale_map_uses' "a stale map was used without revalidation"
assert_json "$J" '.counts.lost == 0' "events lost"

# --pid: the watched process's maps go stale through extent changes other
# tasks make (writeback's unwritten conversion and COW remapping run in
# kworkers), so those are followed whichever task makes them.  Before they
# were, this missed 12 and saw 825 only late (206,379 found).  The workload
# waits on a FIFO until faultline has attached, so no map predates it.
build_stale_heavy
scratch_fs xfs
mkfifo "$TMP/go"
sh -c "read x < '$TMP/go'; exec '$TMP/stale_heavy' '$MNT' 20 48" >"$TMP/wl.out" 2>&1 &
W=$!
cleanup_hooks=("kill $W 2>/dev/null; wait $W 2>/dev/null" "${cleanup_hooks[@]}")
"$FL" check --pid $W --path "$MNT" --json "$TMP/p.json" >"$TMP/p.stdout" 2>"$TMP/p.stderr" &
F=$!
cleanup_hooks=("kill $F 2>/dev/null; wait $F 2>/dev/null" "${cleanup_hooks[@]}")
wait_tracing $F "$TMP/p.stderr"
echo go >"$TMP/go"
wait $W || { cat "$TMP/wl.out"; fail "the workload failed"; }
kill -INT $F
wait $F
rc=$?
[ $rc = 0 ] || { tail "$TMP/p.stdout" "$TMP/p.stderr"; fail "check --pid: expected exit 0, got $rc"; }
J=$TMP/p.json
note "--pid: $(cat "$TMP/wl.out")"
note "--pid: stale maps $(jq -c .stale_maps "$J")"
assert_stale_agreement "$J" --pid
assert_json "$J" '.violations | length == 0' "--pid: violations on a healthy kernel"
assert_json "$J" '.counts.lost == 0' "--pid: events lost"
exit 0
