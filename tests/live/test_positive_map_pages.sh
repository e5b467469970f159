#!/bin/bash
# Positive control for fault-unlocked (seed 001), on real faults: xfs from
# 5.10 to 6.3 took MMAPLOCK (invalidate_lock) shared in ->map_pages; this
# kernel does not.  Asserting the old protocol must make faultline report
# the real, lock-free fault-around passes it sees, with definite evidence
# from the lock word, the file's path and the fault-around stack.
. "$(dirname "$0")/lib.sh"
require_live

run_fl_expect 1 "$TMP/pos" demo --fs xfs --seconds 2 --assume-protocol xfs:map-pages-locked --json "$TMP/pos.json"
J=$TMP/pos.json
assert_json "$J" '[.violations[] | select(.rule == "fault-unlocked" and .evidence == "definite" and .fs == "xfs" and .event == "map_pages")] | length > 0' "no definite fault-unlocked on xfs map_pages"
assert_json "$J" '[.violations[] | select(.rule == "fault-unlocked") | .stack | map(startswith("filemap_map_pages")) | any] | all' "fault-unlocked without filemap_map_pages on the stack"
assert_json "$J" '[.violations[] | select(.rule == "fault-unlocked") | .path | test("/xfs/faultline-demo.dat$")] | all' "path not resolved"
assert_json "$J" '[.violations[] | .locks.invalidate_lock] | map(. == "free" or . == "exclusive-by-other") | all' "evidence is not from the lock word"
# only the assumed rule fires: everything else on this kernel is healthy
assert_json "$J" '[.violations[] | select(.rule != "fault-unlocked")] | length == 0' "other rules fired"
grep -q 'fault-unlocked (definite)' "$TMP/pos.stdout" || fail "text report lacks the violation"
# BPF sends a code path's repeats at most once a second and counts the
# rest: the counts come back into the violations, nothing is lost
assert_json "$J" '.counts.candidate_repeats > 0' "no repeats counted in BPF (gate not exercised)"
assert_json "$J" '([.violations[].count] | add) > .counts.candidates' "repeats not added to the violations"
assert_json "$J" '.counts.lost == 0' "events lost"
# coverage speaks of the watched filesystem only: xfs follows every rule
assert_json "$J" '[.rules[].not_checked_on[]] | length == 0' "coverage names filesystems that were not watched"
sed -n '/^rules:/,/^[^ ]/{/^  /p}' "$TMP/pos.stdout" | grep -E 'ext4|f2fs|btrfs|tmpfs|zoofs' &&
	fail "the rules' coverage names filesystems that were not watched"
exit 0
