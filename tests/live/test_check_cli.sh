#!/bin/bash
# `faultline check` as a user drives it: a command under tracing, filters,
# exit statuses, and clear errors for bad input: numbers parsed strictly,
# outputs checked before tracing starts, probe failing on a plan it cannot
# attach, faultline's own error first.  (The exit contract's bits and the
# command's fate: test_exit_contract; filters: test_filters.)
. "$(dirname "$0")/lib.sh"
require_live
scratch_fs ext4

# A command run under check: faults and an insertion-heavy read on ext4.
io_script "$TMP/work.sh" 8
echo 'truncate -s 4M "$1/f"' >>"$TMP/work.sh"
run_fl "$TMP/c1" check --path "$MNT" --json "$TMP/c1.json" -- bash "$TMP/work.sh" "$MNT"
[ $? = 0 ] || { cat "$TMP/c1.stderr"; fail "check of a clean command did not exit 0"; }
assert_json "$TMP/c1.json" '.counts.insertions > 0 and .counts.invalidations >= 2' "command's I/O not seen"
assert_json "$TMP/c1.json" '.violations | length == 0' "violations"
assert_json "$TMP/c1.json" '.kernel | length > 0' "no kernel release"

# The pid filter: watching another process sees none of this I/O.
sleep 30 & other=$!
cleanup_hooks+=("kill $other 2>/dev/null")
run_fl "$TMP/c2" check --path "$MNT" --pid $other --json "$TMP/c2.json" -- bash "$TMP/work.sh" "$MNT"
[ $? = 0 ] || fail "check with --pid failed"
assert_json "$TMP/c2.json" '.counts.insertions == 0 and .counts.invalidations == 0' "--pid did not filter"

# --duration without a command
run_fl "$TMP/c3" check --path "$MNT" --duration 1 --json "$TMP/c3.json"
[ $? = 0 ] || fail "check --duration 1 did not exit 0"
assert_json "$TMP/c3.json" '.duration_s >= 0.9 and .duration_s < 10' "duration not honoured"

# Usage and environment errors exit 2 with a reason.
run_fl "$TMP/e1" check --bogus; [ $? = 2 ] || fail "unknown option: not exit 2"
run_fl "$TMP/e2" check --path /nonexistent; [ $? = 2 ] || fail "bad --path: not exit 2"
grep -q 'nonexistent' "$TMP/e2.stderr" || fail "bad --path: no reason given"
run_fl "$TMP/e3" check --duration -1; [ $? = 2 ] || fail "negative duration: not exit 2"
# a command that cannot be run failed (8), with faultline's line saying so
run_fl "$TMP/e4" check --path "$MNT" -- /nonexistent/command; [ $? = 8 ] || fail "unrunnable command: not exit 8"
grep -q 'the traced command could not be run' "$TMP/e4.stderr" || fail "unrunnable command: no error line"
run_fl "$TMP/e5" check --dev /etc/passwd; [ $? = 2 ] || fail "--dev of a regular file: not exit 2"
run_fl "$TMP/e6" frobnicate; [ $? = 2 ] || fail "unknown command: not exit 2"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FL" check --duration 1 >"$TMP/e7.out" 2>&1
	[ $? = 2 ] || fail "unprivileged run: not exit 2"
	grep -q 'needs root' "$TMP/e7.out" || fail "unprivileged run: no reason"
	# demo as well, before it tries loop devices
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FL" demo --seconds 1 >"$TMP/e8.out" 2>&1
	[ $? = 2 ] || fail "unprivileged demo: not exit 2"
	head -1 "$TMP/e8.out" | grep -q 'needs root' || { cat "$TMP/e8.out"; fail "unprivileged demo: the first line does not say it needs root"; }
	grep -q 'loop' "$TMP/e8.out" && fail "unprivileged demo: blames loop devices"
fi

# numbers: finite seconds, an integer ring size
for bad in "--duration nan" "--duration inf" "--duration -nan" "--duration 20000000" "--ring-size 1.5" "--ring-size 0" \
	"--ring-size 3K" "--ring-size -1" "--ring-size 2048"; do
	# shellcheck disable=SC2086
	timeout 10 "$FL" check $bad --path "$MNT" --duration 1 >"$TMP/n.out" 2>&1
	rc=$?
	[ $rc = 2 ] || { cat "$TMP/n.out"; fail "check $bad: exit $rc, expected 2 (refused)"; }
	[ "$(wc -l <"$TMP/n.out")" = 1 ] || { cat "$TMP/n.out"; fail "check $bad: not one line"; }
	note "check $bad: $(cat "$TMP/n.out")"
done
run_fl "$TMP/r4k" check --ring-size 4K --path "$MNT" --duration 0.5; [ $? = 0 ] || fail "--ring-size 4K refused"
run_fl "$TMP/r16" check --ring-size 16 --path "$MNT" --duration 0.5; [ $? = 0 ] || fail "--ring-size 16 refused"

# outputs are checked before tracing starts, and never replace an input
# or each other (the report side: tests/dump/test_outputs.sh)
start=$(date +%s.%N)
run_fl "$TMP/o1" check --json /nonexistent/dir/x.json --path "$MNT" --duration 30
rc=$?
took=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.3f", a - b }')
[ $rc = 2 ] || fail "--json into a missing directory: exit $rc"
grep -q 'tracing' "$TMP/o1.stderr" && fail "--json into a missing directory: refused only after tracing (${took}s)"
note "--json /nonexistent/dir/x.json: exit 2 after ${took}s: $(cat "$TMP/o1.stderr")"
run_fl "$TMP/o2" check --json /dev/null --path "$MNT" --duration 1
[ $? = 2 ] || fail "--json /dev/null: not refused"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
echo keep >"$TMP/same"
chmod 600 "$TMP/same"
run_fl "$TMP/o3" record -o "$TMP/same" --json "$TMP/same" --path "$MNT" --duration 1
[ $? = 2 ] || fail "record -o X --json X: not refused"
[ "$(cat "$TMP/same")" = keep ] && [ "$(stat -c %a "$TMP/same")" = 600 ] || fail "record -o X --json X: X was written"
grep -q 'the same file as' "$TMP/o3.stderr" || fail "record -o X --json X: unclear message"
run_fl "$TMP/o4" record -o "$TMP/new.fld" --json "$TMP/./new.fld" --path "$MNT" --duration 1
[ $? = 2 ] || fail "record -o X --json ./X (X new): not refused"
[ -e "$TMP/new.fld" ] && fail "record -o X --json ./X: X was created"

# --assume-protocol names the rules it assumes
run_fl "$TMP/ap" check --assume-protocol xfs:map-pages-locked,write-locked --path "$MNT" --duration 0.5
grep -q "assuming the xfs protocol requires map-pages-locked, write-locked" "$TMP/ap.stderr" ||
	{ cat "$TMP/ap.stderr"; fail "--assume-protocol warning does not name the rules"; }
grep -q "0x" "$TMP/ap.stderr" && fail "--assume-protocol warning shows bit values"

# probe takes --locks as check does; a forced mode the kernel cannot do fails
for l in "--locks word" "--locks=word" "--locks precise" "--locks=precise"; do
	# shellcheck disable=SC2086
	"$FL" probe $l >"$TMP/pl.out" 2>&1
	rc=$?
	grep -q '^usage:' "$TMP/pl.out" && fail "probe $l: not accepted"
	case $l in
	*word) [ $rc = 0 ] || fail "probe $l: exit $rc" ;;
	*precise) grep -q 'fentry/fexit .* yes' "$TMP/pl.out" && want=0 || want=2
		[ $rc = $want ] || fail "probe $l: exit $rc, expected $want (fentry $([ $want = 0 ] || echo not) allowed)" ;;
	esac
done
if ! "$FL" probe 2>/dev/null | grep -q 'kprobe attach .* yes'; then
	run_fl "$TMP/pk" probe --attach kprobe
	rc=$?
	[ $rc = 2 ] || fail "probe --attach kprobe on a kernel without kprobes: exit $rc, expected 2"
	grep -q 'fl_kp_.*(kprobe) *planned' "$TMP/pk.stdout" && fail "probe --attach kprobe: kprobe programs shown as planned"
	grep -q 'fl_kp_.*(kprobe) *unattachable' "$TMP/pk.stdout" || fail "probe --attach kprobe: no program shown unattachable"
	note "probe --attach kprobe: exit 2, $(grep -c unattachable "$TMP/pk.stdout") programs unattachable"
else
	note "this kernel has kprobes: probe --attach kprobe is possible here (not tested)"
fi

# missing capabilities: faultline's own one line, not libbpf's guesses first
if command -v capsh >/dev/null; then
	capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c "'$FL' check --path '$MNT' --duration 1" >"$TMP/cap.out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "without capabilities: exit $rc"
	head -1 "$TMP/cap.out" | grep -q '^faultline: error: ' || { cat "$TMP/cap.out"; fail "without capabilities: the first line is not faultline's error"; }
	grep -q '^libbpf: \|RLIMIT_MEMLOCK\|ulimit' "$TMP/cap.out" && { cat "$TMP/cap.out"; fail "without capabilities: libbpf's hints shown without -v"; }
	note "without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: $(head -1 "$TMP/cap.out")"
fi

for c in check demo probe; do
	"$FL" $c --help | grep -q "usage: faultline $c" || fail "$c --help"
done
"$FL" probe >"$TMP/probe.out" 2>&1 || fail "probe failed"
grep -q 'fl_tp_fault .*mm_filemap_fault .*planned' "$TMP/probe.out" || fail "probe shows no plan"
exit 0
