#!/bin/bash
# trace.dat drops (issue 14, point 3): events the kernel's ring buffer
# dropped are in no record of a trace.dat, only in the per-CPU buffer
# statistics trace-cmd stores in the file (`trace-cmd report --stat`).
# A real trace.dat recorded through a tracefs instance with a tiny
# per-CPU buffer that does not overwrite (the way tracedat_lib.sh records
# on this host) must import as incomplete: lost per CPU exactly what the
# file's statistics say (dropped + overrun + commit overrun + entries left
# unread, summed over the buffers), which is what the kernel's own per_cpu
# stats said before the extract; `complete` false, `counts.lost` the sum,
# a LOST EVENTS line naming the per-CPU counts.  In overwrite mode the
# records carry the same losses (missed_events) as the statistics'
# overruns: counted once, not twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tracedat_lib.sh"
require_live

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WL=$ROOT/build/tests/workload_run
command -v trace-cmd >/dev/null || { [ "${CI:-}" = true ] && fail "trace-cmd missing"; skip "trace-cmd not installed (make deps-test)"; }
[ -x "$WL" ] || fail "$WL not built (make tracedat-tools)"
[ -d "$TDT_TRACEFS/instances" ] || skip "tracefs has no instances directory"

scratch_fs xfs
XDEV=$(mountpoint -d "$MNT")
note "xfs $XDEV at $MNT"

# per_cpu "dropped events + overrun + commit overrun" of an instance, one line per CPU
kernel_lost() {
	local f
	for f in "$TDT_TRACEFS/instances/$1"/per_cpu/cpu*/stats; do
		awk -F': *' '$1 == "dropped events" || $1 == "overrun" || $1 == "commit overrun" { s += $2 }
			END { print s + 0 }' "$f"
	done
}

# `trace-cmd report --stat`: per CPU, over every buffer, dropped + overrun
# + commit overrun + entries; prints the sums in CPU order, space-separated
stat_lost() {
	trace-cmd report --stat "$1" 2>/dev/null | awk -F': *' '
		$1 == "CPU" { cpu = $2 + 0; if (cpu > max) max = cpu; seen = 1 }
		seen && ($1 == "dropped events" || $1 == "overrun" || $1 == "commit overrun" ||
			 $1 == "entries") { s[cpu] += $2 }
		END { for (c = 0; c <= max; c++) printf "%d%s", s[c], c < max ? " " : "\n" }'
}

# record NAME OUT OVERWRITE: 16 KiB per CPU, 1 s of the demo workload on xfs
record() {
	local inst=$1
	cleanup_hooks+=("tdt_remove $inst")
	tdt_start "$inst" 16 || fail "cannot set up tracefs instance $inst"
	echo "$3" > "$TDT_TRACEFS/instances/$inst/options/overwrite"
	"$WL" "$MNT" 1 > /dev/null || fail "workload failed"
	echo 0 > "$TDT_TRACEFS/instances/$inst/tracing_on"
	KLOST=$(kernel_lost "$inst" | paste -sd' ')
	tdt_stop "$inst" "$2" || fail "trace-cmd extract failed"
}

# ---- buffer full, not overwriting: dropped events ------------------------
record "fl-drops-$$" "$TMP/drops.dat" 0
SLOST=$(stat_lost "$TMP/drops.dat")
"$FL" report "$TMP/drops.dat" --json "$TMP/d.json" > "$TMP/d.out" 2> "$TMP/d.err"
rc=$?
cat "$TMP/d.err"
grep -A2 '^LOST' "$TMP/d.out"
FLOST=$(jq -r '.lost_per_cpu | map(tostring) | join(" ")' "$TMP/d.json")
total=$(jq '.lost_per_cpu | add' "$TMP/d.json")
note "per-CPU losses: kernel per_cpu stats before extract [$KLOST], trace-cmd report --stat [$SLOST], faultline [$FLOST]; report exit $rc"
[ "$rc" != 2 ] || fail "the import failed"
[ "$total" -gt 0 ] || fail "a 16 KiB buffer dropped nothing: the test proves nothing"
[ "$FLOST" = "$SLOST" ] || fail "faultline's per-CPU losses [$FLOST] differ from trace-cmd report --stat [$SLOST]"
[ "$KLOST" = "$SLOST" ] || fail "the file's statistics [$SLOST] differ from the kernel's [$KLOST]"
assert_json "$TMP/d.json" '.complete == false' "an import with drops is marked complete"
assert_json "$TMP/d.json" ".counts.lost == $total" "counts.lost is not the per-CPU sum"
grep -q "^LOST EVENTS: $total .*per CPU: $FLOST\$" "$TMP/d.out" || fail "no LOST EVENTS line with the per-CPU counts"
grep -q 'dropped (buffer full)' "$TMP/d.out" || fail "the text does not say where the losses come from"

# ---- overwriting: the records and the statistics count the same events ---
record "fl-overw-$$" "$TMP/overw.dat" 1
SLOST=$(stat_lost "$TMP/overw.dat")
"$FL" report "$TMP/overw.dat" --json "$TMP/o.json" > "$TMP/o.out" 2> "$TMP/o.err"
cat "$TMP/o.err"
FLOST=$(jq -r '.lost_per_cpu | map(tostring) | join(" ")' "$TMP/o.json")
recs=$(grep -o ' (records=[0-9]*' "$TMP/o.err" | grep -o '[0-9]*')
total=$(jq '.lost_per_cpu | add' "$TMP/o.json")
note "overwrite: kernel [$KLOST], trace-cmd report --stat [$SLOST], faultline [$FLOST], records' missed_events $recs"
[ "$total" -gt 0 ] || fail "a 16 KiB overwriting buffer lost nothing: the test proves nothing"
[ "$FLOST" = "$SLOST" ] || fail "overwrite: faultline [$FLOST] against trace-cmd report --stat [$SLOST]"
[ "$recs" -le "$total" ] || fail "overwrite: the records mark more losses ($recs) than counted ($total)"
assert_json "$TMP/o.json" '.complete == false' "overwrite: marked complete"
exit 0
