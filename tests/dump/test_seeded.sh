#!/bin/bash
# A synthetic dump with seeded violations (tests/tools/gendump.c, written
# through the real writer) is reported exactly: the three violations with
# their evidence, counts (repeats added), stacks from the dump's symbols,
# race partner and path; the counts from the dump's snapshot; the timeline
# shows each violation.  The same through the ASan/UBSan build.
. "$(dirname "$0")/lib.sh"
need_tools faultline build/tests/gendump build/asan/faultline
D=$TMP/seeded.fld
"$GENDUMP" seeded "$D" || fail "gendump seeded"
[ "$(stat -c %a "$D")" = 600 ] || fail "dump mode $(stat -c %a "$D"), not 0600"
for fl in "$ROOT/faultline" "$ASAN_FL"; do
	"$fl" report "$D" --json "$TMP/r.json" --timeline "$TMP/tl.json" >"$TMP/r.out" 2>"$TMP/r.err"
	rc=$?
	[ $rc = 1 ] || { cat "$TMP/r.err"; fail "$fl report: exit $rc, expected 1 (violations)"; }
	got=$(jq -c '[.violations[] | {rule, evidence, event, count, pid, comm, start, "end": .end, path,
		stack, race: (.race | if . then {pid, op, start, "end": .end} else null end)}]' "$TMP/r.json")
	want='[{"rule":"fault-unlocked","evidence":"definite","event":"insert","count":6,"pid":200,"comm":"reader","start":4096,"end":8192,"path":"/synthetic/seeded.dat","stack":["filemap_fault+0x10","__do_fault+0x8"],"race":{"pid":100,"op":"punch","start":0,"end":1048576}},{"rule":"invalidation-unlocked","evidence":"definite","event":"delete","count":1,"pid":100,"comm":"puncher","start":0,"end":4096,"path":"/synthetic/seeded.dat","stack":["truncate_inode_pages_range+0x20","xfs_free_file_space+0x40"],"race":null},{"rule":"write-unlocked","evidence":"definite","event":"iomap","count":1,"pid":300,"comm":"writer","start":65536,"end":131072,"path":"/synthetic/seeded.dat","stack":[],"race":null}]'
	[ "$got" = "$want" ] || { echo "got:  $got"; echo "want: $want"; fail "violations differ from the seeded ones"; }
	got=$(jq -c '[.counts | .faults, .insertions, .deletions, .invalidations, .iomap_iter, .candidates, .candidate_repeats, .lost]' "$TMP/r.json")
	[ "$got" = "[10,2,1,1,1,3,5,0]" ] || fail "counts $got, want the snapshot's [10,2,1,1,1,3,5,0]"
	assert_json "$TMP/r.json" '.complete == true and .partial_reason == null' "complete dump reported partial"
	assert_json "$TMP/r.json" '.kernel == "6.99.0-synthetic" and .filesystems[0].dev == "7:99"' "header not carried"
	grep -q 'violations: 3 distinct' "$TMP/r.out" || fail "text report lacks the 3 violations"
	check_timeline "$TMP/tl.json" "$TMP/r.json"
done
# 8 events: the unknown type and a reserved type are carried but not judged
grep -q ': 8 events from' "$TMP/r.err" || { cat "$TMP/r.err"; fail "not every event was read"; }
exit 0
