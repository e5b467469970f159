#!/bin/bash
# A full ring buffer is an accounted loss, never a silent one.  The loss is
# forced, not hoped for: once tracing starts, the consumer (faultline's own
# process; the demo workload runs in a child of its own) is stopped for a
# second while tmpfs punches and truncates keep opening invalidation windows,
# far more than a 4 KiB ring holds.  How fast a free CPU drains the ring must
# not decide the outcome.  The losses must be counted per CPU and the report
# marked incomplete, in the text, in the JSON and in the exit status (4:
# an incomplete verdict never exits like a clean one).  `record` it is:
# check sends no invalidation window (only a candidate's race partner), so
# a healthy check run has nothing to lose; record sends every event.
. "$(dirname "$0")/lib.sh"
require_live
WL=$(cd "$(dirname "$0")/../.." && pwd)/build/tests/workload_run
[ -x "$WL" ] || fail "$WL not built (make tracedat-tools)"
scratch_fs tmpfs

"$FL" record -o "$TMP/l.fld" --path "$MNT" --ring-size 4K --json "$TMP/l.json" \
	-- "$WL" "$MNT" 3 >"$TMP/l.stdout" 2>"$TMP/l.stderr" &
pid=$!
cleanup_hooks+=("kill -CONT $pid 2>/dev/null; kill $pid 2>/dev/null")
wait_tracing $pid "$TMP/l.stderr"
sleep 0.3
kill -STOP $pid
sleep 1
kill -CONT $pid
wait $pid
rc=$?
echo "# faultline record --ring-size 4K -- workload_run tmpfs 3 (consumer stopped 1 s) -> exit $rc"
[ $rc = 4 ] || { cat "$TMP/l.stderr"; fail "expected exit 4 (no violations, incomplete), got $rc"; }
J=$TMP/l.json
assert_json "$J" '.counts.lost > 0' "no loss with a 4 KiB ring and a stopped consumer"
assert_json "$J" '.complete == false' "lossy run not marked incomplete"
assert_json "$J" '(.lost_per_cpu | add) == .counts.lost' "per-CPU losses do not add up"
grep -q 'LOST EVENTS' "$TMP/l.stdout" || fail "text summary does not say events were lost"
# what the loss blinds: per filesystem and kind of event, adding up
assert_json "$J" '([.counts.lost_checks, .counts.lost_windows, .counts.lost_maps, .counts.lost_lock_order] | add) == .counts.lost' "lost events by kind do not add up to the total"
assert_json "$J" '.counts.lost_windows > 0' "tmpfs punches and truncates lost no invalidation window event"
grep -q 'invalidation window events' "$TMP/l.stdout" || { sed -n '/LOST/,/incomplete/p' "$TMP/l.stdout"; fail "the text does not say the lost windows blind race partners"; }
note "$(sed -n '/LOST EVENTS/,/incomplete/p' "$TMP/l.stdout" | tr '\n' ' ')"
grep -q '^violations: 0 distinct in an INCOMPLETE verdict' "$TMP/l.stdout" || fail "the verdict line does not say it is incomplete"
# the dump says so too
"$FL" report "$TMP/l.fld" --json "$TMP/r.json" >"$TMP/r.stdout" 2>"$TMP/r.stderr"
rc=$?
[ $rc = 4 ] || { cat "$TMP/r.stderr"; fail "report of the lossy dump: expected exit 4, got $rc"; }
assert_json "$TMP/r.json" ".counts.lost == $(jq .counts.lost "$J") and .complete == false" "report of the dump: losses not those of the recording"
exit 0
