#!/bin/bash
# A full ring buffer is an accounted loss, never a silent one: tmpfs punches
# and truncates open and close about a thousand invalidation windows a
# second, far more than a 4 KiB ring holds between two polls.  The losses
# must be counted per CPU and the report marked incomplete, in the text and
# in the JSON.
. "$(dirname "$0")/lib.sh"
require_live

run_fl "$TMP/l" demo --fs tmpfs --seconds 2 --ring-size 0.004 --json "$TMP/l.json"
rc=$?
[ $rc = 0 ] || { cat "$TMP/l.stderr"; fail "expected exit 0 (no violations), got $rc"; }
J=$TMP/l.json
assert_json "$J" '.counts.lost > 0' "no loss with a 4 KiB ring (test ineffective)"
assert_json "$J" '.complete == false' "lossy run not marked incomplete"
assert_json "$J" '(.lost_per_cpu | add) == .counts.lost' "per-CPU losses do not add up"
grep -q 'LOST EVENTS' "$TMP/l.stdout" || fail "text summary does not say events were lost"
exit 0
