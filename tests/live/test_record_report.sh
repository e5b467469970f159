#!/bin/bash
# record + report against the live check of the same run.
#  1. negative control: the demo workload on real ext4 and xfs loop mounts
#     under `record --json`; `report` of the dump gives the same counts,
#     filesystems, stale-map settlement and violations (none) as the live
#     JSON of that run.
#  2. positive control: the same with --assume-protocol xfs:map-pages-locked
#     (see test_positive_map_pages.sh): the live run has violations, and
#     the report of its dump has exactly the same ones (rule, evidence,
#     count, stack, path, race), symbolised from the dump; its timeline
#     is valid trace-event JSON that flags each violation.
#  3. --max-size cuts the dump cleanly, says so, and report marks it partial;
#     so does a full disk (a 2 MiB tmpfs), which the recorder reports as an error.
#  4. kill -9 of the recorder: the dump is readable up to its last record
#     and reported as partial.
# Every exit status is the contract's for the run's JSON (contract_rc):
# a partial report exits with bit 4 set, a cut recording stopped its
# command (bit 8).
. "$(dirname "$0")/../dump/lib.sh"
require_live
need_tools faultline
gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$ROOT/include" -I"$ROOT/src" "$ROOT/tests/live/tools/workload.c" \
	"$ROOT/src/workload.c" "$ROOT/src/util.c" -lpthread -o "$TMP/workload" || fail "cannot build the workload"
scratch_fs ext4; EXT4=$MNT
scratch_fs xfs; XFS=$MNT

# the same fields from a live and a post-mortem JSON report
same_as_live() {	# live.json report.json what
	local f
	for f in counts filesystems stale_maps violations violations_dropped lost_per_cpu; do
		cmp -s <(jq -S ".$f" "$1") <(jq -S ".$f" "$2") || {
			diff <(jq -S ".$f" "$1") <(jq -S ".$f" "$2") | head -40
			fail "$3: .$f of the report differs from the live check's"
		}
	done
}

# 1. negative control, both filesystems at once
umask 000
run_fl "$TMP/rec" record -o "$TMP/run.fld" --json "$TMP/live.json" --path "$EXT4" --path "$XFS" \
	-- sh -c "'$TMP/workload' '$EXT4' 2 & '$TMP/workload' '$XFS' 2; wait"
rc=$?
umask 022
# 0, or 4 if the ring buffer lost events (64 MiB makes it rare)
[ $rc = "$(contract_rc "$TMP/live.json")" ] && [ $rc != 2 ] ||
	{ tail "$TMP/rec.stderr"; fail "record: exit $rc on the healthy workload, the contract says $(contract_rc "$TMP/live.json")"; }
[ "$(stat -c %a "$TMP/run.fld")" = 600 ] || fail "dump mode $(stat -c %a "$TMP/run.fld") under umask 000"
run_fl "$TMP/rep" report "$TMP/run.fld" --json "$TMP/rep.json"
rc=$?
[ $rc = "$(contract_rc "$TMP/rep.json")" ] || { tail "$TMP/rep.stderr"; fail "report: exit $rc, the contract says $(contract_rc "$TMP/rep.json")"; }
assert_json "$TMP/live.json" '.counts.faults > 0 and .counts.insertions > 0 and .counts.invalidations > 0' "workload did not run"
assert_json "$TMP/live.json" '[.filesystems[].fstype] | sort == ["ext4", "xfs"]' "not both filesystems"
assert_json "$TMP/live.json" '.violations == []' "the healthy run has violations"
same_as_live "$TMP/live.json" "$TMP/rep.json" "healthy run"
# a dump that ends properly is complete unless the ring buffer lost events
assert_json "$TMP/rep.json" '.partial_reason == null and .complete == (.counts.lost == 0) and .mode == "report"' "complete dump reported partial"
note "healthy: $(jq -c '.counts | {faults, insertions, deletions, invalidations, iomap_iter}' "$TMP/rep.json") identical"

# 2. positive control
run_fl "$TMP/prec" record -o "$TMP/pos.fld" --json "$TMP/plive.json" --path "$XFS" \
	--assume-protocol xfs:map-pages-locked -- "$TMP/workload" "$XFS" 2
rc=$?
[ $rc = 1 ] || [ $rc = "$(contract_rc "$TMP/plive.json")" -a $rc = 5 ] ||
	{ tail "$TMP/prec.stderr"; fail "record (positive): exit $rc, expected 1 (5 if events were lost)"; }
assert_json "$TMP/plive.json" '[.violations[] | select(.rule == "fault-unlocked" and .evidence == "definite")] | length > 0' "positive control: no violation live"
# on another machine the local kernel symbols are not there to help
run_fl "$TMP/prep" report "$TMP/pos.fld" --json "$TMP/prep.json" --timeline "$TMP/ptl.json"
rc=$?
[ $rc = "$(contract_rc "$TMP/prep.json")" ] && [ $((rc & 1)) = 1 ] ||
	{ tail "$TMP/prep.stderr"; fail "report (positive): exit $rc, expected 1 (5 if events were lost)"; }
same_as_live "$TMP/plive.json" "$TMP/prep.json" "positive control"
assert_json "$TMP/prep.json" '[.violations[] | .stack | map(startswith("filemap_map_pages")) | any] | all' "stacks not symbolised from the dump"
# (the timeline of the positive run only: jq takes seconds per 100 MB)
check_timeline "$TMP/ptl.json" "$TMP/prep.json"
jq -e '[.traceEvents[] | select(.cat == "invalidation")] | length > 0' "$TMP/ptl.json" >/dev/null ||
	fail "timeline: no invalidation spans"
note "positive: $(jq '.violations | length' "$TMP/prep.json") violations, identical to the live run's"

# 3. --max-size
run_fl "$TMP/cut" record -o "$TMP/cut.fld" --json "$TMP/cutlive.json" --max-size 300K --path "$XFS" -- "$TMP/workload" "$XFS" 2
rc=$?
# the cut ends the recording: faultline stops the command (bit 8)
assert_json "$TMP/cutlive.json" '.command.signal == "SIGTERM" and (.command.stopped_by | test("max-size"))' "record --max-size: the command was not stopped, or not said so"
[ $rc = "$(contract_rc "$TMP/cutlive.json")" ] && [ $((rc & 8)) = 8 ] || fail "record --max-size: exit $rc"
grep -q 'max-size.*reached' "$TMP/cut.stderr" || fail "record --max-size did not say it cut the dump"
size=$(stat -c %s "$TMP/cut.fld")
[ "$size" -le $((300 * 1024)) ] || fail "dump of $size bytes over --max-size 300K"
run_fl "$TMP/cutr" report "$TMP/cut.fld" --json "$TMP/cut.json"
rc=$?
[ $rc = 4 ] || [ $rc = 5 ] || fail "report of the cut dump: exit $rc, expected 4 (incomplete; 5 with violations)"
assert_json "$TMP/cut.json" '.complete == false and (.partial_reason | test("max-size"))' "cut dump not reported partial"
grep -q '^PARTIAL: ' "$TMP/cutr.stdout" || fail "text report of the cut dump not marked PARTIAL"

# 3b. a full disk: the recorder says so and fails; the dump is readable
mkdir "$TMP/full"
mount -t tmpfs -o size=2m fl-test-full "$TMP/full" || fail "mount a small tmpfs"
cleanup_hooks+=("umount '$TMP/full' 2>/dev/null")
run_fl "$TMP/full" record -o "$TMP/full/d.fld" --path "$XFS" -- "$TMP/workload" "$XFS" 2
rc=$?
[ $rc = 2 ] || fail "record onto a full disk: exit $rc, expected 2"
grep -q 'No space left on device' "$TMP/full.stderr" || fail "record did not say the disk is full"
run_fl "$TMP/fullr" report "$TMP/full/d.fld" --json "$TMP/full.json"
rc=$?
[ $rc = 4 ] || [ $rc = 5 ] || fail "report of a dump cut by a full disk: exit $rc, expected 4 or 5"
assert_json "$TMP/full.json" '.complete == false and (.partial_reason | length > 0)' "dump cut by a full disk not reported partial"
umount "$TMP/full"

# 4. kill -9 mid-run, once the dump has grown (a loaded machine starts slowly)
"$FL" record -o "$TMP/k.fld" --path "$XFS" -- "$TMP/workload" "$XFS" 6 >"$TMP/k.out" 2>&1 &
pid=$!
cleanup_hooks=("kill -9 $pid 2>/dev/null; sleep 6.5" "${cleanup_hooks[@]}")
for _ in $(seq 50); do
	[ "$(stat -c %s "$TMP/k.fld" 2>/dev/null || echo 0)" -gt $((1024 * 1024)) ] && break
	sleep 0.2
done
sleep 1.2	# past a counter snapshot (one a second)
kill -9 $pid
wait $pid 2>/dev/null
sleep 6	# the workload ends by itself (6 s)
run_fl "$TMP/kr" report "$TMP/k.fld" --json "$TMP/k.json"
rc=$?
[ $rc = 4 ] || [ $rc = 5 ] || { cat "$TMP/kr.stderr"; fail "report of a killed recording: exit $rc, expected 4 or 5"; }
assert_json "$TMP/k.json" '.complete == false and (.counts.faults + .counts.insertions + .counts.deletions) > 0' "killed recording: not partial, or nothing read"
grep -q 'events from' "$TMP/kr.stderr" && note "killed: $(grep -o '[0-9]* events from' "$TMP/kr.stderr"), $(jq -r .partial_reason "$TMP/k.json")"
exit 0
