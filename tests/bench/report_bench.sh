#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part of `make bench`: `faultline report` throughput on a synthetic dump of
# BENCH_REPORT_EVENTS (default 20 million) events of the usual mix
# (tests/tools/gendump.c bench: faults, map_pages, insertions, deletions,
# iomap steps, an invalidation window every 4096 events; 2.5 GB at 20 M).
# Three runs, the file in the page cache; printed: median wall time,
# events/s by wall time and by CPU time (user + system), peak RSS from
# /usr/bin/time -v.  Target: at least 5 million events/s.  Not asserted.
set -u -o pipefail
N=${BENCH_REPORT_EVENTS:-20000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FL=${FAULTLINE:-$ROOT/faultline}
GENDUMP=$ROOT/build/tests/gendump
say() { printf 'bench: %s\n' "$*" >&2; }
[ -x /usr/bin/time ] || { say "error: /usr/bin/time missing (Debian package time)"; exit 1; }
make -s -C "$ROOT" faultline build/tests/gendump >/dev/null || exit 1
W=$(mktemp -d /tmp/faultline-rbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
say "writing a synthetic dump of $N events"
"$GENDUMP" bench "$W/b.fld" "$N" || { say "error: gendump failed"; exit 1; }
size=$(stat -c %s "$W/b.fld")
cat "$W/b.fld" >/dev/null	# page cache: measure the reader, not the disk
for i in 1 2 3; do
	/usr/bin/time -v "$FL" report "$W/b.fld" >"$W/out" 2>"$W/time.$i" ||
		{ [ $? = 1 ] || { say "error: report failed"; tail "$W/time.$i" >&2; exit 1; }; }
	grep -q "^faultline report:" "$W/out" || { say "error: no report"; exit 1; }
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
			for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
		/User time/ { u = $2 } /System time/ { sy = $2 }
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.3f %.3f %d\n", wall, u + sy, rss }' "$W/time.$i"
done >"$W/runs"
sort -n "$W/runs" | sed -n 2p | {
	read -r wall cpu rss
	echo
	echo "faultline report throughput, $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg):"
	echo
	echo "| events | dump size | wall (median of 3) | events/s (wall) | CPU s | events/s (CPU) | peak RSS |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -v n="$N" -v sz="$size" -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {
		printf "| %d | %.2f GB | %.2f s | %.2f M | %.2f | %.2f M | %.1f MB |\n",
			n, sz / 1e9, w, n / w / 1e6, c, n / c / 1e6, r / 1024 }'
	echo
	echo "events/s (wall) is the target's measure (issue 12: at least 30 M/s); events/s (CPU) shows the reader's own"
	echo "cost when other work shares the CPUs.  Checksums: ISA-L CRC-32 (see README)."
}
