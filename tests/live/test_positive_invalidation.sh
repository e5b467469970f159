#!/bin/bash
# Positive control for invalidation-unlocked (seed 004's punch side), on
# real hole punches: tmpfs drops page cache in punch and truncate without
# invalidate_lock (it serialises with its own shmem_falloc protocol).
# Asserting the ext4/xfs protocol on tmpfs must make faultline report every
# such drop as definite, with the punch's stack; without the assumption the
# same workload is silent (the rules know tmpfs's protocol).
. "$(dirname "$0")/lib.sh"
require_live

run_fl_expect 0 "$TMP/neg" demo --fs tmpfs --seconds 1 --json "$TMP/neg.json"
assert_json "$TMP/neg.json" '.violations | length == 0' "violations on tmpfs"

run_fl_expect 1 "$TMP/pos" demo --fs tmpfs --seconds 1 --assume-protocol tmpfs:inval-excl --json "$TMP/pos.json"
J=$TMP/pos.json
assert_json "$J" '[.violations[] | select(.rule == "invalidation-unlocked" and .evidence == "definite" and .fs == "tmpfs")] | length > 0' "no definite invalidation-unlocked"
assert_json "$J" '[.violations[] | .stack | map(test("^(shmem_undo_range|shmem_truncate_range|truncate_inode_folio)")) | any] | all' "stack is not a truncation"
assert_json "$J" '[.violations[] | .comm] | all(. == "fl-invalidate")' "reported a task that does not invalidate"
exit 0
