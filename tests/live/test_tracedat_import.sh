#!/bin/bash
# trace-cmd import (issue 4, point 3): a trace.dat recorded on this host
# over the demo workload (without faultline's BPF) is read through
# libtracecmd by `faultline report`.
#
#  1. negative control: nonzero faults, fault-around, insertions,
#     invalidations on ext4 and xfs, nothing lost, zero violations
# 1b. the same records through the direct reader (version 7, compressed
#     and not) and through libtracecmd's (version 6): the same report
#  2. trace-cmd and `faultline record` trace one run together: the import
#     counts what the dump's report counts (faults, fault-around, deletions,
#     invalidations, iomap steps exactly; insertions up to the non-regular
#     inodes BPF leaves out; more "unknown": no lock words)
#  3. positive control: assuming xfs's 5.10..6.3 protocol (map_pages under
#     MMAPLOCK), the xfs lock tracepoints prove fault-around unlocked; the
#     --timeline of that import flags every violation
#  4. kernel stacks (the stacktrace option, trace-cmd -T) reach the report
#  5. a filesystem whose own events start only after its page-cache events
#     (xfs tracepoints enabled late): its early events are judged as xfs's
#     all the same, as if the file had been read twice (the import reads
#     it once when every device is named before its first use)
#  6. bad files under ASan/UBSan: clear error or partial report, no crash,
#     no hang (a page whose size overflows it: PARTIAL, the records before
#     it read); then the libFuzzer target for a fixed 20 s
. "$(dirname "$0")/../dump/lib.sh"	# live/lib.sh and check_timeline
. "$(dirname "$0")/tracedat_lib.sh"
require_live

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BT=$ROOT/build/tests
REP=("$ROOT/faultline" report)
ASAN=("$ROOT/build/asan/faultline" report)
WL=$BT/workload_run
FUZZ=$ROOT/build/fuzz/fuzz_tracedat
command -v trace-cmd >/dev/null || { [ "${CI:-}" = true ] && fail "trace-cmd missing"; skip "trace-cmd not installed (make deps-test)"; }
for b in "${REP[0]}" "${ASAN[0]}" "$WL" "$FUZZ"; do
	[ -x "$b" ] || fail "$b not built (make test-live)"
done
[ -d "$TDT_TRACEFS/instances" ] || skip "tracefs has no instances directory"

INST=fl-import-$$
cleanup_hooks+=("tdt_remove $INST")

scratch_fs ext4; EXT=$MNT
scratch_fs xfs; XFS=$MNT
EDEV=$(mountpoint -d "$EXT") XDEV=$(mountpoint -d "$XFS")
note "ext4 $EDEV, xfs $XDEV"

# record NAME OUT SECONDS BUFFER_KB [stacks] [KALLSYMS]: the workload on both
# filesystems
record() {
	tdt_start "$1" "$4" "${5:-}" || fail "cannot set up tracefs instance $1"
	# drop nothing: a full buffer stops recording instead of overwriting
	echo 0 > "$TDT_TRACEFS/instances/$1/options/overwrite"
	"$WL" "$EXT" "$3" > "$TMP/wl1.out" & local a=$!
	"$WL" "$XFS" "$3" > "$TMP/wl2.out"
	wait $a
	tdt_stop "$1" "$2" "${6:-}" || fail "trace-cmd extract failed"
	cat "$TMP/wl1.out" "$TMP/wl2.out"
}

# ---- 1. negative control ------------------------------------------------
record "$INST" "$TMP/trace.dat" 3 262144
"${REP[@]}" "$TMP/trace.dat" --dev "$EDEV" --dev "$XDEV" --json "$TMP/imp.json" \
	> "$TMP/imp.out" 2> "$TMP/imp.err"
rc=$?
cat "$TMP/imp.out" "$TMP/imp.err"
[ $rc = 0 ] || fail "import of a healthy run exited $rc, expected 0 (no violations)"
J=$TMP/imp.json
assert_json "$J" '.violations | length == 0' "violations in a healthy import"
assert_json "$J" '.counts.lost == 0 and .complete' "events lost in the recording"
assert_json "$J" '.attach_mode == "trace-cmd" and .mode == "report"' "run info not filled"
assert_json "$J" ".kernel == \"$(uname -r)\"" "kernel release not taken from the trace.dat"
assert_json "$J" '[.filesystems[].fstype] | sort == ["ext4","xfs"]' "filesystems not recognised"
for fs in ext4 xfs; do
	for c in faults map_pages insertions deletions invalidations; do
		assert_json "$J" ".filesystems[] | select(.fstype == \"$fs\") | .counts.$c > 0" "$fs: no $c imported"
	done
done
assert_json "$J" '.filesystems[] | select(.fstype == "xfs") | .counts.iomap_iter > 0' "xfs: no iomap_iter"
# no lock words: every ext4 insertion is unknown, none judged
assert_json "$J" '.filesystems[] | select(.fstype == "ext4") | .counts.unknown_lock_state == .counts.insertions' \
	"ext4 insertions not all unknown"
grep -q "skipped=0 " "$TMP/imp.err" || fail "records skipped in a good trace.dat"

# ---- 1b. the direct reader against libtracecmd's ------------------------
# A version 7 file is read by src/tracedat_fly.c, compressed (as recorded)
# or not; the same records as version 6 go through libtracecmd's reader.
# All three reports must be the same, byte for byte.
trace-cmd convert -i "$TMP/trace.dat" -o "$TMP/plain7.dat" --compression none >/dev/null 2>&1 ||
	fail "trace-cmd convert to uncompressed version 7 failed"
trace-cmd convert -i "$TMP/trace.dat" -o "$TMP/plain6.dat" --file-version 6 --compression none \
	>/dev/null 2>&1 || fail "trace-cmd convert to version 6 failed"
for v in trace plain7 plain6; do
	"${REP[@]}" "$TMP/$v.dat" --dev "$EDEV" --dev "$XDEV" -v > "$TMP/$v.rep" 2> "$TMP/$v.err" ||
		{ tail -5 "$TMP/$v.err"; fail "import of $v.dat failed"; }
	if grep -q "read through libtracecmd" "$TMP/$v.err"; then reader=libtracecmd; else reader=direct; fi
	[ "$reader" = "$([ $v = plain6 ] && echo libtracecmd || echo direct)" ] ||
		fail "$v.dat read by the $reader reader: $(grep -m1 'read through' "$TMP/$v.err")"
	note "$v.dat: $reader reader, $(grep -o 'records=[0-9]*' "$TMP/$v.err" | head -1)"
done
cmp -s "$TMP/trace.rep" "$TMP/plain6.rep" || { diff "$TMP/trace.rep" "$TMP/plain6.rep" | head; \
	fail "the direct reader's report differs from libtracecmd's (compressed)"; }
cmp -s "$TMP/plain7.rep" "$TMP/plain6.rep" || { diff "$TMP/plain7.rep" "$TMP/plain6.rep" | head; \
	fail "the direct reader's report differs from libtracecmd's (uncompressed)"; }
rm -f "$TMP/plain7.dat" "$TMP/plain6.dat"

# ---- 2. against faultline record of the same run -----------------------
# trace-cmd and faultline record one run together (ftrace and BPF on the
# same tracepoints): the import must count what the dump counts.  The
# differences the missing evidence explains: tracepoints carry no lock
# words (more "unknown"), and BPF leaves out inodes that are no regular
# files (ext4's mballoc buddy cache), which the import sees as insertions
# and, when the workload drops caches, as deletions.
INST2=fl-same-$$
cleanup_hooks+=("tdt_remove $INST2")
tdt_start "$INST2" 262144 || fail "cannot set up tracefs instance $INST2"
echo 0 > "$TDT_TRACEFS/instances/$INST2/options/overwrite"
"$ROOT/faultline" record -o "$TMP/same.fld" --dev "$EDEV" --dev "$XDEV" -- \
	bash -c "'$WL' '$EXT' 3 > /dev/null & '$WL' '$XFS' 3 > /dev/null; wait" \
	> "$TMP/same-rec.out" 2>&1 || { cat "$TMP/same-rec.out"; fail "faultline record of the workload failed"; }
tdt_stop "$INST2" "$TMP/same.dat" || fail "trace-cmd extract failed"
"${REP[@]}" "$TMP/same.dat" --dev "$EDEV" --dev "$XDEV" --json "$TMP/same-imp.json" \
	> /dev/null 2> "$TMP/same-imp.err" || { cat "$TMP/same-imp.err"; fail "import of the shared run failed"; }
"$ROOT/faultline" report "$TMP/same.fld" --json "$TMP/same-rep.json" > /dev/null 2>&1 ||
	fail "report of the shared run's dump failed"
for f in same-imp same-rep; do
	assert_json "$TMP/$f.json" '.counts.lost == 0 and .complete' "$f: events lost"
done
for fs in ext4 xfs; do
	for c in faults map_pages insertions deletions invalidations iomap_iter unknown_lock_state; do
		a=$(jq ".filesystems[] | select(.fstype == \"$fs\") | .counts.$c" "$TMP/same-imp.json")
		b=$(jq ".filesystems[] | select(.fstype == \"$fs\") | .counts.$c" "$TMP/same-rep.json")
		note "$fs $c: import $a, record $b"
		case $c in
		insertions|deletions) ok=$(( a >= b && (a - b) * 100 <= b )) ;;	# + non-regular inodes, < 1%
		unknown_lock_state) ok=$(( a >= b )) ;;		# no lock words
		*) ok=$(( a == b )) ;;
		esac
		[ "$ok" = 1 ] && [ "$b" -gt 0 -o $c = unknown_lock_state -o $c = iomap_iter ] ||
			fail "$fs $c: import $a against record $b of the same run"
	done
done

# ---- 3. positive control ------------------------------------------------
"${REP[@]}" "$TMP/trace.dat" --dev "$EDEV" --dev "$XDEV" --json "$TMP/pos.json" \
	--timeline "$TMP/pos-tl.json" --assume-protocol xfs:map-pages-locked > "$TMP/pos.out" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$TMP/pos.out"; fail "assumed protocol: import exited $rc, expected 1"; }
P=$TMP/pos.json
assert_json "$P" '[.violations[] | select(.rule == "fault-unlocked" and .evidence == "definite" and .fs == "xfs")] | length > 0' \
	"xfs map_pages without MMAPLOCK not reported"
assert_json "$P" '[.violations[] | select(.fs != "xfs" or .rule != "fault-unlocked")] | length == 0' \
	"the assumption reported something else"
check_timeline "$TMP/pos-tl.json" "$P"

# ---- 4. stacks ----------------------------------------------------------
record "$INST" "$TMP/stacks.dat" 1 131072 stacks
"${REP[@]}" "$TMP/stacks.dat" --dev "$XDEV" --json "$TMP/st.json" \
	--assume-protocol xfs:map-pages-locked > "$TMP/st.out" 2> "$TMP/st.err"
cat "$TMP/st.err"
grep -q "stacks=0 " "$TMP/st.err" && fail "no kernel stack attached"
assert_json "$TMP/st.json" '[.violations[] | select([.stack[] | select(test("filemap_map_pages"))] | length > 0)] | length > 0' \
	"violation without its filemap_map_pages stack"

# ---- 5. a device named late ----------------------------------------------
INST3=fl-late-$$
cleanup_hooks+=("tdt_remove $INST3")
tdt_start "$INST3" 131072 || fail "cannot set up tracefs instance $INST3"
# xfs's events off from the first record on (the earlier runs' background work)
echo 0 > "$TDT_TRACEFS/instances/$INST3/tracing_on"
echo 0 > "$TDT_TRACEFS/instances/$INST3/events/xfs/enable"
echo 0 > "$TDT_TRACEFS/instances/$INST3/options/overwrite"
echo > "$TDT_TRACEFS/instances/$INST3/trace"
echo 1 > "$TDT_TRACEFS/instances/$INST3/tracing_on"
"$WL" "$XFS" 0.5 > /dev/null
echo 1 > "$TDT_TRACEFS/instances/$INST3/events/xfs/enable"
"$WL" "$XFS" 0.5 > /dev/null
tdt_stop "$INST3" "$TMP/late.dat" || fail "trace-cmd extract failed"
# the first page-cache event on the xfs device comes before any xfs event
trace-cmd report -i "$TMP/late.dat" > "$TMP/late.txt" 2>/dev/null || fail "trace-cmd report of late.dat failed"
first_pc=$(grep -n -m1 " mm_filemap_[a-z_]*: *dev $XDEV " "$TMP/late.txt" | cut -d: -f1)
first_xfs=$(grep -n -m1 " xfs_[a-z_]*: *dev $XDEV " "$TMP/late.txt" | cut -d: -f1)
[ -n "$first_pc" ] && [ -n "$first_xfs" ] && [ "$first_pc" -lt "$first_xfs" ] ||
	fail "late.dat: page-cache events (line ${first_pc:-none}) do not come before xfs's (line ${first_xfs:-none})"
adds=$(grep -c " mm_filemap_add_to_page_cache: *dev $XDEV " "$TMP/late.txt")
"${REP[@]}" "$TMP/late.dat" --dev "$XDEV" --json "$TMP/late.json" -v > /dev/null 2> "$TMP/late.err" ||
	{ cat "$TMP/late.err"; fail "import of late.dat failed"; }
grep -q "needs a device no record named before" "$TMP/late.err" ||
	fail "late.dat: the import did not go back for the device named late"
assert_json "$TMP/late.json" '[.filesystems[].fstype] == ["xfs"]' "late.dat: the device is not xfs"
# xfs's rules applied to every insertion: unknown lock states, none unchecked
assert_json "$TMP/late.json" ".filesystems[0].counts | .insertions == $adds and .unchecked == 0 and .unknown_lock_state > 0" \
	"late.dat: early insertions not judged as xfs's ($adds in the file)"
note "late.dat: $adds insertions, all judged as xfs's"

# ---- 6. bad files, under ASan/UBSan --------------------------------------
# a small recording for the corpus (and the fuzzer's seed)
# (a 1 MiB buffer per CPU that stops when full: some 10^4 records per CPU),
# with 3000 of the host's symbols: all of them (5-10 MB) would be most of
# the file, where most cuts and flips would land, and each run under ASan
# would spend seconds in libtraceevent parsing them
head -n 3000 /proc/kallsyms > "$TMP/kallsyms.small"
record "$INST" "$TMP/small.dat" 0.3 1024 "" "$TMP/kallsyms.small"
[ "$(trace-cmd dump --kallsyms -i "$TMP/small.dat" 2>/dev/null | grep -c ' [tTdDbBrR] ')" -le 3000 ] ||
	fail "small.dat has more symbols than the 3000 given (the bind mount did not take)"
trace-cmd convert -i "$TMP/small.dat" -o "$TMP/small6.dat" --file-version 6 \
	--compression none >/dev/null 2>&1 || fail "trace-cmd convert to version 6 failed"
# uncompressed version 7: the direct reader meets damaged pages themselves
# (in a compressed file most damage stops at decompression)
trace-cmd convert -i "$TMP/small.dat" -o "$TMP/small7.dat" --compression none \
	>/dev/null 2>&1 || fail "trace-cmd convert to uncompressed version 7 failed"
# the libraries' own leaks (libtracecmd 3.1, libtraceevent) are not ours;
# libtracecmd's sscanf("%ms") in tracecmd_parse_trace_clock shows only the
# glibc frames with the fast unwinder (faultline never uses %m)
printf 'leak:libtracecmd.so\nleak:libtraceevent.so\nleak:__vfscanf_internal\n' > "$TMP/lsan.supp"
# absurd lengths in a bad file make libtracecmd ask malloc for exabytes:
# NULL, as glibc answers, not an abort
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$TMP/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

BAD=$TMP/bad; mkdir -p "$BAD"
: > "$BAD/empty.dat"
mkdir "$BAD/dir.dat"
mkfifo "$BAD/fifo.dat"
head -c 65536 /dev/urandom > "$BAD/random.dat"
printf 'not a trace.dat at all\n' > "$BAD/text.dat"
# the version string after the magic ("\x17\x08\x44tracing" then "7\0" or "6\0")
for v in small small6 small7; do
	cp "$TMP/$v.dat" "$BAD/$v-future.dat"
	printf '9' | dd of="$BAD/$v-future.dat" bs=1 seek=10 conv=notrunc status=none
	cp "$TMP/$v.dat" "$BAD/$v-magic.dat"
	printf 'X' | dd of="$BAD/$v-magic.dat" bs=1 seek=3 conv=notrunc status=none
	size=$(stat -c %s "$TMP/$v.dat")
	for frac in 1 5 10 25 50 75 90 99; do
		head -c $((size * frac / 100)) "$TMP/$v.dat" > "$BAD/$v-cut$frac.dat"
	done
	head -c $((size - 1)) "$TMP/$v.dat" > "$BAD/$v-cutlast.dat"
	RANDOM=7
	for i in $(seq 1 12); do
		off=$(( (RANDOM * 32768 + RANDOM) % size ))
		[ $i -le 4 ] && off=$((off % 4096))	# header and formats
		cp "$TMP/$v.dat" "$BAD/$v-flip$i.dat"
		printf "\\x$(printf %02x $((RANDOM % 255 + 1)))" |
			dd of="$BAD/$v-flip$i.dat" bs=1 seek=$off conv=notrunc status=none
	done
done
# Damaged pages in the middle of the first CPU's data of small7.dat (the
# direct reader) and small6.dat (libtracecmd's): the records before them
# are read, the report is PARTIAL.  A commit word that claims more than a
# page; a padding event whose length points back to itself (libtraceevent's
# kbuffer would loop on it for ever).  libtracecmd ends the CPU's records
# at such a page without a word: import_tracedat.c's probe finds it.
read -r _ off size _ < <(trace-cmd dump --options -i "$TMP/small7.dat" 2>/dev/null |
	grep -m1 'data offset and size')
[ -n "${size:-}" ] && [ "$size" -ge 8192 ] || fail "small7.dat: no CPU data found by trace-cmd dump"
page7=$((off + size / 4096 / 2 * 4096))
read -r off size _ < <(trace-cmd dump --flyrecord -i "$TMP/small6.dat" 2>/dev/null |
	grep -m1 -E '^[[:space:]]*[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+\[offset, size of cpu')
[ -n "${size:-}" ] && [ "$size" -ge 8192 ] || fail "small6.dat: no CPU data found by trace-cmd dump"
page6=$((off + size / 4096 / 2 * 4096))
damage_page() {	# NAME OFFSET-IN-PAGE BYTES
	local v=${1%%-*} page
	page=$([ "$v" = small6 ] && echo "$page6" || echo "$page7")
	cp "$TMP/$v.dat" "$BAD/$1"
	printf "$3" | dd of="$BAD/$1" bs=1 seek=$((page + $2)) conv=notrunc status=none
	timeout 60 "${REP[@]}" "$BAD/$1" > "$TMP/page.out" 2> "$TMP/page.err"
	rc=$?
	[ $rc = 124 ] && fail "$1: hang (killed after 60 s)"
	[ $((rc & 4)) = 4 ] && grep -q '^PARTIAL: ' "$TMP/page.out" ||
		{ cat "$TMP/page.err"; fail "$1: a page that does not fit, not PARTIAL (exit $rc)"; }
	n_ok=$(sed -n 's/^tracedat: records=\([0-9]*\).*/\1/p' "$TMP/page.err")
	[ "${n_ok:-0}" -gt 0 ] || fail "$1: no record read before the damaged page"
	note "$1: exit $rc, PARTIAL, $n_ok records before the damaged page"
}
damage_page small7-commit.dat 8 '\xff\xff\xff\x0f'
damage_page small7-padloop.dat 16 '\x1d\x00\x00\x00\xfc\xff\xff\xff'
damage_page small6-commit.dat 8 '\xff\xff\xff\x0f'

n=0
for f in "$BAD"/*.dat /nonexistent/trace.dat; do
	timeout 120 "${ASAN[@]}" "$f" > "$TMP/bad.out" 2> "$TMP/bad.err"
	rc=$?
	n=$((n + 1))
	[ $rc = 124 ] && fail "$(basename "$f"): hang (killed after 120 s)"
	grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$TMP/bad.err" &&
		{ head -40 "$TMP/bad.err"; fail "$(basename "$f"): sanitizer report"; }
	# a partial import says PARTIAL and exits with bit 4 set; no other does
	case $rc in
	0|1|4|5) grep -q '^violations: ' "$TMP/bad.out" || fail "$(basename "$f"): exit $rc without a report"
		incomplete=0
		grep -q '^PARTIAL: \|^LOST EVENTS' "$TMP/bad.out" && incomplete=4
		[ $((rc & 4)) = $incomplete ] ||
			fail "$(basename "$f"): exit $rc, but the report is $([ $incomplete = 4 ] || echo "not ")incomplete" ;;
	2) grep -q 'error: ' "$TMP/bad.err" || fail "$(basename "$f"): exit 2 without a message" ;;
	*) cat "$TMP/bad.err"; fail "$(basename "$f"): exit $rc (crash?)" ;;
	esac
	note "$(basename "$f"): exit $rc $(grep -m1 -o 'error: .*\|partial=[01]' "$TMP/bad.err" | cut -c1-100)"
done
note "$n bad files: no crash, no hang, no sanitizer report"

# ---- libFuzzer, fixed budget ----------------------------------------------
mkdir -p "$TMP/corpus" "$TMP/artifacts"
cp "$TMP/small.dat" "$TMP/small6.dat" "$TMP/small7.dat" "$TMP/corpus/"
max=$(stat -c %s "$TMP/small6.dat" "$TMP/small7.dat" | sort -n | tail -n 1)
(cd "$TMP" && timeout 300 "$FUZZ" -max_total_time=20 -max_len="$max" -rss_limit_mb=0 -malloc_limit_mb=0 \
	-artifact_prefix="$TMP/artifacts/" "$TMP/corpus" > "$TMP/fuzz.log" 2>&1)
rc=$?
# Kept for a post-mortem of the failure (TMP goes away).
keep_artifacts() {
	mkdir -p "$ROOT/build/fuzz-artifacts" && cp "$TMP"/artifacts/* "$ROOT/build/fuzz-artifacts/"
	echo "artifacts kept in $ROOT/build/fuzz-artifacts/"
}
[ $rc = 0 ] || { grep -A30 "ERROR\|runtime error" "$TMP/fuzz.log" | head -60; keep_artifacts; fail "fuzzer exited $rc"; }
# A slow unit (over libFuzzer's 10 s) on a loaded machine may be the load
# (make test runs the guests meanwhile): run it again alone, and the larger
# seed right after it as the yardstick of this machine at this moment.  The
# input's own fault: failing, or over 5 s and over 3 times the seed's time.
run_alone() {	# input -> ms on stdout; exit status of the harness in $TMP/alone.rc
	local t0 rc
	t0=$(date +%s%N)
	(cd "$TMP" && timeout 120 "$FUZZ" -rss_limit_mb=0 -malloc_limit_mb=0 "$1" >"$TMP/slow.log" 2>&1)
	rc=$?
	echo $rc >"$TMP/alone.rc"
	echo $((($(date +%s%N) - t0) / 1000000))
}
for a in "$TMP"/artifacts/slow-unit-*; do
	[ -e "$a" ] || continue
	ms=$(run_alone "$a") rc=$(cat "$TMP/alone.rc")
	seed_ms=$(run_alone "$TMP/small6.dat")
	note "$(basename "$a"): $ms ms alone, exit $rc; the seed small6.dat: $seed_ms ms"
	[ $rc = 0 ] && { [ $ms -lt 5000 ] || [ $ms -le $((3 * seed_ms)) ]; } ||
		{ keep_artifacts; fail "fuzzer: a slow input ($(basename "$a"): $ms ms alone, exit $rc; seed $seed_ms ms)"; }
	rm -f "$a"
done
ls "$TMP/artifacts" | grep -q . && { keep_artifacts; fail "fuzzer left crash artifacts: $(ls "$TMP/artifacts")"; }
note "fuzzer: $(grep -m1 -o "Done [0-9]* runs in [0-9]* second(s)" "$TMP/fuzz.log")"
grep -q "Done [0-9]* runs" "$TMP/fuzz.log" || fail "fuzzer did not finish its budget"
exit 0
