#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Import speed of a trace-cmd recording: faultline's importer
# (`faultline report trace.dat`) against `trace-cmd report` printing the
# same file as text to /dev/null.  Called by bench.sh with a scratch mount;
# records the demo workload there (tests/live/tracedat_lib.sh), then times
# both readers BENCH_TDT_REPS times (median).  Target (issue 12): the
# import takes at most 0.1 of trace-cmd report's time.
#
#   tracedat_bench.sh MNT [SECONDS]
set -u -o pipefail
MNT=$1
SECS=${2:-3}
REPS=${BENCH_TDT_REPS:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/live/tracedat_lib.sh"
REP=$ROOT/faultline
WL=$ROOT/build/tests/workload_run
INST=fl-bench-$$
OUT=$(mktemp -d "${TMPDIR:-/tmp}/faultline-tdt-bench.XXXXXX")
trap 'tdt_remove $INST; rm -rf "$OUT"' EXIT

say() { printf 'bench: %s\n' "$*" >&2; }
command -v trace-cmd >/dev/null || { say "trace.dat import: skipped (trace-cmd not installed)"; exit 0; }
[ -x "$REP" ] && [ -x "$WL" ] || { say "trace.dat import: $REP or $WL not built"; exit 1; }

tdt_start "$INST" 262144 || { say "trace.dat import: cannot set up a tracefs instance"; exit 1; }
echo 0 > "$TDT_TRACEFS/instances/$INST/options/overwrite"
"$WL" "$MNT" "$SECS" > "$OUT/wl.out" || { say "workload failed"; exit 1; }
tdt_stop "$INST" "$OUT/trace.dat" || { say "trace-cmd extract failed"; exit 1; }
DEV=$(mountpoint -d "$MNT")

# secs CMD...: wall-clock seconds of one run, stdout to /dev/null
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" > /dev/null 2> "$OUT/err" || { say "failed: $* ($(tail -n 1 "$OUT/err"))"; return 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
# faultline report's exit contract: 0/1 and, for a trace that lost events,
# 4/5 are reports; 2 is a failure
report_ok() { "$@"; local rc=$?; [ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 4 ] || [ $rc = 5 ]; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$OUT/imp"; : > "$OUT/tc"
for _ in $(seq "$REPS"); do
	secs report_ok "$REP" report "$OUT/trace.dat" --dev "$DEV" >> "$OUT/imp" || exit 1
	secs trace-cmd report -i "$OUT/trace.dat" >> "$OUT/tc" || exit 1
done
"$REP" report "$OUT/trace.dat" --dev "$DEV" 2> "$OUT/stats" > /dev/null
records=$(sed -n 's/^tracedat: records=\([0-9]*\).*/\1/p' "$OUT/stats")
ti=$(median < "$OUT/imp") tt=$(median < "$OUT/tc")
size=$(stat -c %s "$OUT/trace.dat")
echo
echo "trace.dat import ($(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }'), $records records, demo workload on $(stat -f -c %T "$MNT") for ${SECS} s; median of $REPS):"
echo "| reader | seconds | records/s |"
echo "| --- | ---: | ---: |"
awk -v t="$ti" -v n="$records" 'BEGIN { printf "| faultline report (trace.dat) | %.3f | %.0f |\n", t, n / t }'
awk -v t="$tt" -v n="$records" 'BEGIN { printf "| trace-cmd report > /dev/null | %.3f | %.0f |\n", t, n / t }'
awk -v a="$ti" -v b="$tt" 'BEGIN { printf "import time / trace-cmd report time: %.3f (target: at most 0.1, issue 12)\n", a / b }'
