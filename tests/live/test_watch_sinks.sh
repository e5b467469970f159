#!/bin/bash
# `faultline watch` delivers each new violation as it happens, once per
# signature, to every sink: the NDJSON stream (--events -), the systemd
# journal (--journal), the kernel log (--kmsg, judged the way fstests'
# _check_dmesg judges it) and the Prometheus textfile (--metrics).
#
# Negative control first: the demo's workload and stress-ng's file
# stressors on a scratch xfs of this healthy kernel: no alert on any sink,
# while the run demonstrably saw the events and every sink demonstrably
# works.  Positive control: the same workload with xfs's pre-6.4 protocol
# assumed (map_pages takes invalidate_lock), whose lock-free fault-around
# faultline must report: the first violation arrives on the NDJSON stream
# while the workload still runs, within a second of the event that proved
# it (ts_ns converted to wall-clock time), and the journal, dmesg and the
# metrics say the same.
#
# The host runs no journald: one is started for the test, in a private
# mount namespace with its own /run and /var/log/journal (tmpfs), so
# nothing of it outlives the test or touches the host's logs.
if [ -z "${FL_WATCH_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: live tests need root"; exit 77; }
	command -v unshare >/dev/null || { echo "FAIL: unshare (util-linux) missing"; exit 1; }
	FL_WATCH_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/watch_lib.sh"
require_live
WL=$(cd "$(dirname "$0")/../.." && pwd)/build/tests/workload_run
[ -x "$WL" ] || fail "$WL not built (make tracedat-tools)"
JOURNALD=/lib/systemd/systemd-journald
[ -x $JOURNALD ] || skip "no $JOURNALD (systemd) to start for the journal sink"
for c in journalctl systemd-cat stress-ng python3 dmesg; do
	command -v $c >/dev/null || fail "$c missing (make deps-test)"
done
[ -w /dev/kmsg ] || skip "/dev/kmsg is not writable here"
# the message id of fault-unlocked: fixed once, never to change
MSGID_FAULT_UNLOCKED=afae6f9e85c7446d8f12f97849489e0e

# ---- a journald of our own ------------------------------------------------
mount -t tmpfs fl-watch-run /run || fail "tmpfs on /run (private namespace)"
[ -d /var/log/journal ] && { mount -t tmpfs fl-watch-journal /var/log/journal || fail "tmpfs on /var/log/journal"; }
$JOURNALD >"$TMP/journald.log" 2>&1 &
JPID=$!
cleanup_hooks+=("kill $JPID 2>/dev/null; wait $JPID 2>/dev/null")
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || { cat "$TMP/journald.log"; fail "journald did not start"; }
# journal entries: all from one identifier (-o json, one object a line)
journal() { journalctl -q -o json "$@" 2>/dev/null; }
echo "canary $$" | systemd-cat -t fl-watch-canary
for _ in $(seq 50); do journal -t fl-watch-canary | grep -q "canary $$" && break; sleep 0.1; done
journal -t fl-watch-canary | grep -q "canary $$" || fail "the journal does not work here (canary not read back)"
note "journald $JPID, private /run and /var/log/journal"

scratch_fs xfs
XFS=$MNT
DEV=$(mountpoint -d "$XFS")

# ---- negative control: healthy workloads, no alert anywhere --------------
watch_start healthy --path "$XFS" --events - --journal --kmsg --metrics "$TMP/healthy.prom" \
	--json "$TMP/healthy.json" --stats-interval 1
fst_start generic/990
"$WL" "$XFS" 3 >"$TMP/wl-healthy.out" || fail "workload failed: $(cat "$TMP/wl-healthy.out")"
# stress-ng's file stressors: a third party's idea of file I/O
stress-ng --temp-path "$XFS" --hdd 1 --hdd-bytes 8m --fallocate 1 --fallocate-bytes 8m \
	--mmap 1 --mmap-file --mmap-bytes 8m --iomix 1 --iomix-bytes 8m \
	--readahead 1 --readahead-bytes 8m --seek 1 --seek-size 8m -t 4 \
	>"$TMP/stress-ng.out" 2>&1 || { cat "$TMP/stress-ng.out"; fail "stress-ng failed"; }
note "stress-ng: $(grep -c 'passed\|completed' "$TMP/stress-ng.out") lines of success"
sleep 1
watch_stop
sleep 0.5
# (journald also imports the kernel log, older splats included: native entries only)
journal_healthy=$(journal _TRANSPORT=journal SYSLOG_IDENTIFIER=faultline; journal _PID=$WPID)
J=$TMP/healthy.json
# every check runs (a false alarm shows on every sink it reaches), then the verdict
bad=0
nope() { echo "FAIL: healthy: $*"; bad=$((bad + 1)); }
[ "$WRC" = 0 ] || { tail -20 "$TMP/healthy.err"; nope "watch exited $WRC, expected 0"; }
# the run saw the workload: the silence is a verdict, not blindness
jq -e '.violations | length == 0' "$J" >/dev/null || nope "violations in the report"
jq -e '.counts.lost == 0 and .complete' "$J" >/dev/null || nope "events lost"
for c in faults map_pages insertions invalidations; do
	jq -e ".filesystems[] | select(.dev == \"$DEV\") | .counts.$c > 0" "$J" >/dev/null || nope "no $c on the xfs"
done
# NDJSON: only objects, no violation, stats that add up to the report
ndjson healthy >"$TMP/healthy.stdout"
jq -R -s -e 'split("\n") | map(select(length > 0) | (try fromjson catch null) | type == "object") | all' "$TMP/healthy.stdout" >/dev/null 2>&1 ||
	nope "stdout is not NDJSON: $(grep -v -m1 '^{' "$TMP/healthy.stdout")"
grep '^{' "$TMP/healthy.stdout" >"$TMP/healthy.ndjson"
[ "$(jq -s '[.[] | select(.type == "violation")] | length' "$TMP/healthy.ndjson")" = 0 ] ||
	nope "a violation on --events"
jq -e -s '[.[] | select(.type == "stats")] | length >= 3' "$TMP/healthy.ndjson" >/dev/null ||
	nope "fewer than 3 stats objects in 8 s at --stats-interval 1"
jq -e -s --slurpfile r "$J" '[.[] | select(.type == "stats")] | last |
	.counts.faults == $r[0].counts.faults and .violations == 0 and .alerts == 0 and .lost == 0' \
	"$TMP/healthy.ndjson" >/dev/null || nope "the last stats object is not the report's counts, or counts alerts"
grep -q '^\[1\] ' "$TMP/healthy.err" && nope "a text alert"
# journal: nothing from faultline
[ -z "$journal_healthy" ] || { echo "$journal_healthy" | head -c 1000; echo; nope "faultline wrote to the journal"; }
# kernel log: fstests' own check passes
fst_check_dmesg || { tail -5 "$FST_DMESG"; nope "fstests' _check_dmesg fails"; }
# metrics: present, every violation counter at 0, the service down now
P=$TMP/healthy.prom
[ -s "$P" ] || nope "no metrics file"
[ "$(prom_value "$P" 'faultline_violations_total{rule="fault-unlocked",evidence="definite"}')" = 0 ] ||
	nope "faultline_violations_total for fault-unlocked is not exported at 0"
awk '/^faultline_violations_total/ && $2 != 0 { bad = 1 } END { exit bad }' "$P" ||
	nope "a violation counter is not 0: $(grep '^faultline_violations_total' "$P" | tr '\n' ' ')"
[ "$(prom_value "$P" faultline_violations_distinct)" = 0 ] || nope "violations_distinct not 0"
[ "$(prom_value "$P" faultline_up)" = 0 ] || nope "faultline_up is not 0 after the watch ended"
f=$(prom_value "$P" "faultline_events_total{fs=\"xfs\",dev=\"$DEV\",mount=\"$XFS\",kind=\"faults\"}")
[ "$f" = "$(jq ".filesystems[] | select(.dev == \"$DEV\") | .counts.faults" "$J")" ] ||
	nope "metrics faults '$f' are not the report's"
[ $bad = 0 ] || fail "healthy: $bad checks failed"
note "healthy: $(jq -c ".filesystems[] | select(.dev == \"$DEV\") | .counts | {faults, map_pages, insertions, invalidations}" "$J"), no alert on any sink"

# ---- positive control: the old xfs protocol assumed -----------------------
watch_start buggy --path "$XFS" --assume-protocol xfs:map-pages-locked --events - --journal --kmsg \
	--metrics "$TMP/buggy.prom" --json "$TMP/buggy.json"
fst_start generic/991
OFF=$(mono_offset)
T0=$(now)
"$WL" "$XFS" 3 >"$TMP/wl-buggy.out" &
WLPID=$!
# the kernel log as soon as the first alert is out, while nothing else
# (neither the workload nor faultline) writes to it: the splat is whole
for _ in $(seq 100); do grep -q '"type":"violation"' "$TMP/buggy.stamped" && break; sleep 0.05; done
sleep 0.2
fst_dmesg_since_test_start >"$TMP/early.dmesg"
wait $WLPID || fail "workload failed: $(cat "$TMP/wl-buggy.out")"
T1=$(now)
sleep 1
watch_stop
J=$TMP/buggy.json
[ "$WRC" = 1 ] || { tail -20 "$TMP/buggy.err"; fail "buggy watch exited $WRC, expected 1 (violations)"; }
assert_json "$J" '[.violations[] | select(.rule == "fault-unlocked" and .fs == "xfs")] | length > 0' \
	"buggy: no fault-unlocked in the report"

# NDJSON: the first violation, and when it arrived
ndjson buggy >"$TMP/buggy.stdout"
jq -R -s -e 'split("\n") | map(select(length > 0) | (try fromjson catch null) | type == "object") | all' "$TMP/buggy.stdout" >/dev/null 2>&1 ||
	fail "buggy: stdout is not NDJSON: $(grep -v -m1 '^{' "$TMP/buggy.stdout")"
grep '^{' "$TMP/buggy.stdout" >"$TMP/buggy.ndjson"
first=$(grep -m1 '"type":"violation"' "$TMP/buggy.stamped")
[ -n "$first" ] || { head -c 3000 "$TMP/buggy.stamped"; fail "buggy: no violation on --events"; }
ARR=${first%% *}
V=${first#* }
echo "$V" | jq -c '{rule, evidence, signature, ts_ns, time, event_time, pid, comm, path}'
read -r TS TIME ETIME < <(echo "$V" | jq -r '"\(.ts_ns) \(.time) \(.event_time)"')
note "workload $T0 .. $T1; event $ETIME (ts_ns $TS; + offset $OFF = $(echo "$TS $OFF" | awk '{printf "%.6f", $1 / 1e9 + $2}')), emitted $TIME, read $ARR"
awk -v a="$ARR" -v t0="$T0" -v t1="$T1" 'BEGIN { exit !(a > t0 && a < t1) }' ||
	fail "buggy: the first violation arrived at $ARR, not while the workload ran ($T0 .. $T1)"
# the event's time: its monotonic stamp converted with the clocks' offset
awk -v ts="$TS" -v off="$OFF" -v e="$ETIME" 'BEGIN { d = ts / 1e9 + off - e; exit !(d < 0.002 && d > -0.002) }' ||
	fail "buggy: event_time $ETIME is not ts_ns $TS on the wall clock (offset $OFF)"
awk -v e="$ETIME" -v t0="$T0" -v t1="$T1" 'BEGIN { exit !(e > t0 - 0.002 && e < t1) }' ||
	fail "buggy: the event ($ETIME) is not inside the workload ($T0 .. $T1)"
awk -v e="$ETIME" -v t="$TIME" -v a="$ARR" 'BEGIN { exit !(t >= e && t - e <= 1.0 && a - e <= 1.0) }' ||
	fail "buggy: emitted $TIME / read $ARR, more than 1 s after the event at $ETIME"
note "latency: emitted $(awk -v e="$ETIME" -v t="$TIME" 'BEGIN { printf "%.3f", t - e }') s, read $(awk -v e="$ETIME" -v a="$ARR" 'BEGIN { printf "%.3f", a - e }') s after the event"
# the report's violation keys, and one alert per signature, each in the report
missing=$(jq -r --argjson v "$V" '(.violations[0] | keys) - ($v | keys) | join(" ")' "$J")
[ -z "$missing" ] || fail "buggy: the NDJSON violation lacks the report's keys: $missing"
jq -e -s '[.[] | select(.type == "violation") | .signature] | length == (unique | length)' \
	"$TMP/buggy.ndjson" >/dev/null || fail "buggy: a signature alerted twice"
jq -e -s --slurpfile r "$J" '[.[] | select(.type == "violation") | .signature] | sort ==
	([$r[0].violations[].signature] | unique)' "$TMP/buggy.ndjson" >/dev/null ||
	fail "buggy: the alerted signatures are not the report's distinct signatures"
SIG=$(echo "$V" | jq -r .signature)
grep -q "^    signature $SIG" "$TMP/buggy.err" || fail "buggy: no text block for $SIG"

# journal: one structured entry per alert, with the violation's fields
for _ in $(seq 50); do journal FAULTLINE_SIGNATURE="$SIG" | grep -q . && break; sleep 0.1; done
journal FAULTLINE_RULE=fault-unlocked >"$TMP/journal.json"
[ "$(wc -l <"$TMP/journal.json")" = "$(jq -s '[.[] | select(.type == "violation" and .rule == "fault-unlocked")] | length' "$TMP/buggy.ndjson")" ] ||
	fail "buggy: $(wc -l <"$TMP/journal.json") journal entries for fault-unlocked, not one per alert"
E=$(jq -c --arg s "$SIG" 'select(.FAULTLINE_SIGNATURE == $s)' "$TMP/journal.json")
[ -n "$E" ] || fail "buggy: no journal entry with FAULTLINE_SIGNATURE=$SIG"
echo "$E" | jq -c 'del(._CMDLINE, .__CURSOR, ._BOOT_ID, ._MACHINE_ID, ._HOSTNAME)' | head -c 1500; echo
check_field() {	# field expected
	[ "$(echo "$E" | jq -r ".$1")" = "$2" ] || fail "buggy: journal $1 is '$(echo "$E" | jq -r ".$1")', expected '$2'"
}
check_field MESSAGE_ID $MSGID_FAULT_UNLOCKED
check_field PRIORITY 4
check_field SYSLOG_IDENTIFIER faultline
check_field _PID "$WPID"
check_field FAULTLINE_RULE fault-unlocked
check_field FAULTLINE_SIGNATURE "$SIG"
for f in evidence:EVIDENCE dev:DEV ino:INO path:PATH pid:PID comm:COMM; do
	check_field "FAULTLINE_${f#*:}" "$(echo "$V" | jq -r ".${f%%:*}")"
done
check_field FAULTLINE_STACK "$(echo "$V" | jq -r '.stack | join("\n")')"
echo "$E" | jq -r .MESSAGE | grep -q "fault-unlocked (definite) on xfs $DEV .*signature $SIG" ||
	fail "buggy: journal MESSAGE does not say what was found"
awk -v j="$(echo "$E" | jq -r .__REALTIME_TIMESTAMP)" -v t1="$T1" 'BEGIN { exit !(j / 1e6 < t1) }' ||
	fail "buggy: the journal entry was written after the workload ended"

# kernel log: fstests' check fails this test, on faultline's splat
fst_check_dmesg && { fst_dmesg_since_test_start | tail -20; fail "buggy: fstests' _check_dmesg passes"; }
grep -E 'WARNING:|end trace' "$FST_DMESG" | head -4
grep -q "WARNING: faultline: fault-unlocked (definite)" "$FST_DMESG" || fail "buggy: no WARNING splat in dmesg"
grep -q "task $(echo "$V" | jq -r .pid) (.*) on xfs $DEV ino $(echo "$V" | jq -r .ino);" "$FST_DMESG" ||
	fail "buggy: the splat does not name the task and inode"
grep -q "Call Trace: filemap_map_pages" "$FST_DMESG" || fail "buggy: the splat has no call trace"
grep -qF -- "---[ end trace faultline $SIG ]---" "$FST_DMESG" || fail "buggy: the splat does not end with its signature"
# each line a finished record: readable at once, not when the kernel next logs
grep -qF -- "---[ end trace faultline $SIG ]---" "$TMP/early.dmesg" ||
	fail "buggy: the splat's last line was not in dmesg 0.2 s after the alert: $(tail -2 "$TMP/early.dmesg")"

# metrics: the final file is the report's
P=$TMP/buggy.prom
n=$(prom_value "$P" 'faultline_violations_total{rule="fault-unlocked",evidence="definite"}')
want=$(jq '[.violations[] | select(.rule == "fault-unlocked" and .evidence == "definite") | .count] | add' "$J")
[ -n "$n" ] && [ "$n" = "$want" ] && [ "$n" -gt 0 ] ||
	fail "buggy: metrics count $n fault-unlocked occurrences, the report $want"
[ "$(prom_value "$P" faultline_violations_distinct)" = "$(jq '.violations | length' "$J")" ] ||
	fail "buggy: violations_distinct is not the report's"
exit 0
