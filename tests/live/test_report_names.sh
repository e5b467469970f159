#!/bin/bash
# Report injection (issue 14, point 6): a task named "x\nviolations: 0"
# (prctl PR_SET_NAME) and a file named with a newline and an ESC [31m
# sequence cause real violations (the positive-control setup of
# test_positive_map_pages: with xfs's 5.10..6.3 protocol assumed, xfs
# fault-around on this kernel is one).  The text report must show both
# names escaped: no forged line, no raw ESC byte, on stdout or stderr;
# the JSON report must carry both names byte for byte.
. "$(dirname "$0")/lib.sh"
require_live

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EVIL=$ROOT/build/tests/evilname
[ -x "$EVIL" ] || fail "$EVIL not built (make test-live)"

COMM=$'x\nviolations: 0'			# 15 bytes: all of it is the comm
FNAME=$'f\n\e[31mred'
scratch_fs xfs
XDEV=$(mountpoint -d "$MNT")
note "xfs $XDEV at $MNT"

run_fl "$TMP/n" check --dev "$XDEV" --assume-protocol xfs:map-pages-locked \
	--json "$TMP/n.json" -- "$EVIL" "$MNT" "$FNAME" "$COMM" 2
rc=$?
cat "$TMP/n.stdout"
[ $rc = 1 ] || { cat "$TMP/n.stderr"; fail "expected exit 1 (violations), got $rc"; }
J=$TMP/n.json

# JSON: the exact bytes (jq compares the decoded strings)
assert_json "$J" '[.violations[] | select(.rule == "fault-unlocked")] | length > 0' "no fault-unlocked violation"
n_exact=$(jq --arg c "$COMM" '[.violations[] | select(.comm == $c)] | length' "$J")
note "violations with the exact comm in JSON: $n_exact of $(jq '.violations | length' "$J")"
[ "$n_exact" -gt 0 ] || fail "JSON lacks the exact task name"
n_path=$(jq --arg p "$MNT/$FNAME" '[.violations[] | select(.path == $p)] | length' "$J")
note "violations with the exact path in JSON: $n_path"
[ "$n_path" -gt 0 ] || fail "JSON lacks the exact file name"

# text: nothing forged, nothing raw
esc=$(printf '\033')
for f in "$TMP/n.stdout" "$TMP/n.stderr"; do
	n=$(grep -c "$esc" "$f")
	note "raw ESC bytes in $(basename "$f"): $n"
	[ "$n" = 0 ] || fail "raw ESC byte in $(basename "$f")"
done
n=$(grep -c '^violations: ' "$TMP/n.stdout")
note "lines starting 'violations: ': $n ($(grep '^violations: ' "$TMP/n.stdout" | tr '\n' '|'))"
[ "$n" = 1 ] || fail "a task name forged a 'violations:' line"
grep -q '^violations: [1-9][0-9]* distinct$' "$TMP/n.stdout" || fail "the real summary line is not the one left"
grep -qF 'task ' "$TMP/n.stdout" || fail "no task line"
grep -qF '(x\nviolations: 0) mapped cached pages' "$TMP/n.stdout" ||
	fail "task name not shown escaped"
grep -qF "$MNT/f\\n\\x1b[31mred" "$TMP/n.stdout" || fail "file name not shown escaped"
# each violation is a block of known lines: a name cannot add one
bad=$(grep -v -E '^(faultline |  |rules:|violations: |$|\[[0-9]+\] |    |coverage: |note: |stale maps: |unknown:|LOST|PARTIAL|LOCK|command: )' "$TMP/n.stdout" | head -3)
[ -z "$bad" ] || fail "unexpected lines in the text report: $bad"
exit 0
