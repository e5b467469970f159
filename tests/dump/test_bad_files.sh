#!/bin/bash
# Bad input to `faultline report` (the ASan/UBSan build): a dump truncated
# at every record boundary and inside every record, single bit flips in the
# preamble, the header and the records, wrong magic, a future format
# version, absurd lengths, an empty file, a directory, a FIFO with no
# writer.  Each must end in a clear error (exit 2) or a report marked
# partial, which exits with bit 4 (incomplete) set -- never a crash, a
# sanitizer finding or a hang (timeout 20 s).
. "$(dirname "$0")/lib.sh"
need_tools build/tests/gendump build/asan/faultline
D=$TMP/good.fld
"$GENDUMP" seeded "$D" || fail "gendump seeded"
size=$(stat -c %s "$D")
mapfile -t offs < <("$GENDUMP" offsets "$D")
hdr_end=${offs[1]}	# end of the header record
[ "${offs[-1]}" = "$size" ] || fail "record walk ends at ${offs[-1]}, file is $size bytes"
n=0

# expect FILE error|partial|complete [what]
expect() {
	local f=$1 want=$2 what=${3:-$1} rc
	n=$((n + 1))
	rm -f "$TMP/o.json"
	timeout 20 "$ASAN_FL" report "$f" --json "$TMP/o.json" >"$TMP/o.out" 2>"$TMP/o.err"
	rc=$?
	case $rc in
	124) fail "$what: report hung (timeout)" ;;
	0|1|2|4|5) ;;
	*) cat "$TMP/o.err" | head -30; fail "$what: exit $rc (crash or sanitizer finding)" ;;
	esac
	rc_last=$rc
	case $want in
	error)
		[ $rc = 2 ] || fail "$what: exit $rc, expected an error (2)"
		grep -q 'faultline: error: report: ' "$TMP/o.err" || fail "$what: no clear error message"
		[ ! -e "$TMP/o.json" ] || fail "$what: a JSON report for unreadable input" ;;
	partial)
		[ $rc = 4 ] || [ $rc = 5 ] || { cat "$TMP/o.err"; fail "$what: exit $rc, expected a partial report (4 or 5)"; }
		jq -e '.complete == false and (.partial_reason | type == "string")' "$TMP/o.json" >/dev/null ||
			fail "$what: not marked partial"
		grep -q '^PARTIAL: ' "$TMP/o.out" || fail "$what: text report not marked PARTIAL" ;;
	complete)
		[ $rc = 1 ] || fail "$what: exit $rc on the intact dump"
		jq -e '.complete == true' "$TMP/o.json" >/dev/null || fail "$what: intact dump not complete" ;;
	esac
}

cut_at() { head -c "$1" "$D" >"$TMP/cut.fld"; }

expect "$D" complete "intact dump"
# damage early in the records (a CRC error at the first event): nothing
# judged, no violation -- and still never the exit status of a clean run
expect_flip_at_first_record() {
	cp "$D" "$TMP/early.fld"
	printf '\xff' | dd of="$TMP/early.fld" bs=1 seek=$((hdr_end + 20)) conv=notrunc status=none
	expect "$TMP/early.fld" partial "CRC error in the first record"
	[ $rc_last = 4 ] || fail "CRC error in the first record: exit $rc_last, expected 4"
	grep -q '^violations: 0 distinct in an INCOMPLETE verdict' "$TMP/o.out" ||
		fail "CRC error in the first record: the verdict line does not say it is incomplete"
	note "CRC error at byte $((hdr_end + 20)) of $size ($(( (hdr_end + 20) * 100 / size ))%): exit $rc_last, $(grep '^violations' "$TMP/o.out")"
}
expect_flip_at_first_record
# truncated at every record boundary and inside every record
for ((i = 0; i < ${#offs[@]}; i++)); do
	o=${offs[$i]}
	next=${offs[$((i + 1))]:-$o}
	for c in "$o" $((o + 1)) $((o + 7)) $(((o + next) / 2)) $((next - 1)); do
		[ "$c" -lt "$size" ] || continue
		[ "$c" -ge 0 ] || continue
		cut_at "$c"
		if [ "$c" -lt "$hdr_end" ]; then
			expect "$TMP/cut.fld" error "cut at $c (before the header's end)"
		else
			expect "$TMP/cut.fld" partial "cut at $c"
		fi
	done
done
expect_flip() {	# offset bit want
	cp "$D" "$TMP/flip.fld"
	local byte
	byte=$(od -An -tu1 -j "$1" -N1 "$D" | tr -d ' ')
	printf "$(printf '\\%03o' $((byte ^ (1 << $2))))" |
		dd of="$TMP/flip.fld" bs=1 seek="$1" conv=notrunc status=none
	cmp -s "$D" "$TMP/flip.fld" && fail "flip at $1 changed nothing"
	expect "$TMP/flip.fld" "$3" "bit $2 flipped at offset $1"
}
# bit flips: every byte of the preamble, every 17th of the header, and in
# every record its first byte, its length, the word after, its middle and
# its last byte (the CRC32); a CRC32 catches every single-bit error, so
# more flips inside one record's payload would test the same path again
for ((o = 0; o < 16; o++)); do expect_flip $o $((o % 8)) error; done
for ((o = 16; o < hdr_end; o += 17)); do expect_flip $o $((o % 8)) error; done
for ((i = 1; i + 1 < ${#offs[@]}; i++)); do
	o=${offs[$i]} next=${offs[$((i + 1))]}
	for c in "$o" $((o + 4)) $((o + 8)) $(((o + next) / 2)) $((next - 1)); do
		[ "$c" -lt "$next" ] && expect_flip "$c" $((c % 8)) partial
	done
done

# wrong magic, future version, other byte order
printf 'NOTADUMP' | dd of="$TMP/m.fld" bs=1 conv=notrunc status=none; cat "$D" | tail -c +9 >>"$TMP/m.fld"
expect "$TMP/m.fld" error "wrong magic"
cp "$D" "$TMP/v.fld"; printf '\x02' | dd of="$TMP/v.fld" bs=1 seek=8 conv=notrunc status=none
expect "$TMP/v.fld" error "future format version"
grep -q 'format version 2' "$TMP/o.err" || fail "future version: message does not say so"
cp "$D" "$TMP/v.fld"; printf '\x00\x00\x00\x01' | dd of="$TMP/v.fld" bs=1 seek=8 conv=notrunc status=none
expect "$TMP/v.fld" error "other byte order"
# absurd lengths: the header's, a record's (then its CRC cannot match either)
cp "$D" "$TMP/l.fld"; printf '\xf0\xff\xff\xff' | dd of="$TMP/l.fld" bs=1 seek=20 conv=notrunc status=none
expect "$TMP/l.fld" error "absurd header length"
cp "$D" "$TMP/l.fld"; printf '\xf0\xff\xff\xff' | dd of="$TMP/l.fld" bs=1 seek=$((hdr_end + 4)) conv=notrunc status=none
expect "$TMP/l.fld" partial "absurd record length"
cp "$D" "$TMP/l.fld"; printf '\x00\x00\x0f\x00' | dd of="$TMP/l.fld" bs=1 seek=$((hdr_end + 4)) conv=notrunc status=none
expect "$TMP/l.fld" partial "record length past the end"
# garbage appended after a complete dump is never read (END ends it)
cp "$D" "$TMP/g.fld"; head -c 100 /dev/urandom >>"$TMP/g.fld"
expect "$TMP/g.fld" complete "garbage after END"
# not files
: >"$TMP/empty.fld"
expect "$TMP/empty.fld" error "empty file"
mkdir "$TMP/dir.fld"
expect "$TMP/dir.fld" error "directory"
mkfifo "$TMP/fifo.fld"
expect "$TMP/fifo.fld" error "FIFO without a writer"
grep -q 'not a regular file' "$TMP/o.err" || fail "FIFO: unclear message"
expect /dev/null error "character device"
expect "$TMP/missing.fld" error "missing file"
echo "# $n bad inputs: each an error or a partial report, none crashed or hung"
exit 0
