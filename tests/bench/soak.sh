#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak leg of `make bench` (alone: `make bench-soak`): `faultline
# watch` left running over a mixed workload, as a service is for weeks,
# and what it shows over time.
#
# On a scratch xfs and a scratch ext4 (loop devices under a new temporary
# directory), for FL_SOAK_MINUTES: the demo's workload on each (mmap faults,
# read/write, punch, zero, collapse, insert, truncate, cache drops),
# stress-ng's file stressors on each, a file storm (cp -a / mv / rm -rf of
# thousands of small files) on each, all as fast as this machine runs them,
# under
#
#   faultline watch --path XFS --path EXT4 --assume-protocol xfs:map-pages-locked
#                   --events - --stats-interval SAMPLE --metrics FILE [--lock-order]
#
# --assume-protocol makes every fault-around on xfs a violation (a test
# protocol, seed 001's): a bug that fires all the time on every file, the
# worst case for violation storage, which soakprobe's churn makes worse
# (new files, each mapped and read, then removed).  At spread times
# soakprobe reaches fault-around through eight other kernel paths (mlock, a
# kernel copy_from_user, /proc/self/mem, process_vm_readv, O_DIRECT,
# vmsplice, ptrace, an AF_UNIX send): each a new signature, so a new alert.
#
# What it prints:
#   - a series, one row per SAMPLE seconds: faultline's VmRSS and VmHWM
#     (read by this script from /proc), events and lost events so far, and
#     the fill of every BPF map (entries of max_entries, from watch's NDJSON
#     "stats" objects) and of the engine's own tables;
#   - the trend of each after the warm-up (least squares over the samples
#     after it, as growth over that span).  Growth of what is keyed by
#     tasks, inodes, semaphores or events (and of VmRSS/VmHWM) beyond a
#     slack fails the leg: that is state that would pile up over weeks.
#     LRU maps are bounded by eviction and may fill up to their maximum;
#     tables keyed by code paths (stacks, lock classes, order edges,
#     violations per code path) grow with each new path, which the provoked
#     violations are by design, so they are shown, not failed;
#   - alert latency: for every violation line, the time from the BPF event
#     that proved it (its ts_ns, CLOCK_MONOTONIC) to the line reaching a
#     reader of the stream (linestamp.c, the same clock): median and max;
#   - the event rate, and lost events (any fails the leg).
#
# Exit status: 0 the leg passed, 1 it failed (growth, losses, no alert
# for a provoked violation), 2 it could not run.  Performance figures are
# never pass/fail.
#
# Run as root from the repository root after `make faultline
# build/tests/workload_run`.  Knobs:
#   FL_SOAK_MINUTES=20    duration
#   FL_SOAK_SAMPLE=60     seconds between samples (and NDJSON stats objects)
#   FL_SOAK_WARMUP=       minutes before the trend is taken (default a
#                         quarter of the run, at least one sample interval)
#   FL_SOAK_LOCK_ORDER=1  also --lock-order (its maps, and its cost)
#   FL_SOAK_RING=         --ring-size MiB (default faultline's, 4)
#   FL_SOAK_KEEP=         a directory to copy the raw series and streams to
#   FAULTLINE=./faultline
set -u -o pipefail

MINUTES=${FL_SOAK_MINUTES:-20}
SAMPLE=${FL_SOAK_SAMPLE:-60}
WARMUP=${FL_SOAK_WARMUP:-}
LOCK_ORDER=${FL_SOAK_LOCK_ORDER:-1}
RING=${FL_SOAK_RING:-}
KEEP=${FL_SOAK_KEEP:-}
FAULTLINE=${FAULTLINE:-./faultline}
WORKLOAD_RUN=${WORKLOAD_RUN:-build/tests/workload_run}
SRC_DIR=$(cd "$(dirname "$0")" && pwd)
STORM=$SRC_DIR/../live/tools/file_storm.sh
# Fixed before any run, not tuned to one: VmRSS/VmHWM may move by allocator
# noise; a map or table by 1% of its size (at least 2 entries).
RSS_SLACK_KIB=1024
PROBES="mlock kwrite procmem vmreadv dio vmsplice ptrace unixsend"

WORK=
FL_PID=
STAMP_PID=
LOADS=()
MOUNTS=()

say() { printf 'soak: %s\n' "$*" >&2; }
die() { printf 'soak: error: %s\n' "$*" >&2; exit 2; }

# Stop what this script started, by process id (each workload leads its
# own process group), and take the scratch filesystems down.
stop_loads() {
	local p

	for p in "${LOADS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	for p in "${LOADS[@]}"; do
		for _ in $(seq 50); do
			kill -0 -- "-$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LOADS=()
}

cleanup() {
	local rc=$? m

	trap - EXIT INT TERM
	stop_loads
	if [ -n "$FL_PID" ] && kill -0 "$FL_PID" 2>/dev/null; then
		kill -TERM "$FL_PID"
		for _ in $(seq 100); do
			kill -0 "$FL_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$FL_PID" 2>/dev/null
	fi
	[ -n "$STAMP_PID" ] && kill "$STAMP_PID" 2>/dev/null
	wait 2>/dev/null
	for m in "${MOUNTS[@]}"; do
		# mount -o loop sets autoclear: the loop device goes with the mount
		umount "$m" 2>/dev/null || umount -l "$m" || say "warning: could not unmount $m"
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		rm -rf --one-file-system "$WORK" || say "warning: could not remove $WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# ---- preflight --------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root (BPF, loop mounts)"
[ -x "$FAULTLINE" ] || die "$FAULTLINE not found: run from the repository root after \`make faultline\`"
[ -x "$WORKLOAD_RUN" ] || die "$WORKLOAD_RUN not found: make build/tests/workload_run"
for t in gcc mkfs.xfs mkfs.ext4 mount umount jq awk truncate setsid stress-ng; do
	command -v "$t" >/dev/null || die "$t is not installed (make deps-test installs it)"
done
case $MINUTES in '' | *[!0-9]* | 0) die "FL_SOAK_MINUTES=$MINUTES: not a positive integer" ;; esac
case $SAMPLE in '' | *[!0-9]* | 0) die "FL_SOAK_SAMPLE=$SAMPLE: not a positive integer" ;; esac
TOTAL=$((MINUTES * 60))
if [ -z "$WARMUP" ]; then
	WARM_S=$((TOTAL / 4 > SAMPLE ? TOTAL / 4 : SAMPLE))
else
	case $WARMUP in *[!0-9]*) die "FL_SOAK_WARMUP=$WARMUP: not an integer" ;; esac
	WARM_S=$((WARMUP * 60))
fi
[ "$WARM_S" -lt "$TOTAL" ] || die "the warm-up ($WARM_S s) leaves nothing of the $TOTAL s run"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/faultline-soak.XXXXXX") || die "cannot create a temporary directory"
for tool in linestamp soakprobe; do
	gcc -O2 -Wall -Wextra -D_GNU_SOURCE "$SRC_DIR/$tool.c" -o "$WORK/$tool" ||
		die "cannot build $SRC_DIR/$tool.c"
done

# room for stress-ng (it fills a small filesystem: ENOSPC); sparse images
for fs in xfs ext4; do
	truncate -s 4G "$WORK/$fs.img" || die "cannot create $WORK/$fs.img"
	if [ "$fs" = xfs ]; then
		mkfs.xfs -q -f "$WORK/$fs.img" || die "mkfs.xfs failed"
	else
		mkfs.ext4 -q -F "$WORK/$fs.img" || die "mkfs.ext4 failed"
	fi
	mkdir "$WORK/$fs" || die "cannot create $WORK/$fs"
	mount -o loop "$WORK/$fs.img" "$WORK/$fs" || die "mount -o loop $WORK/$fs.img failed"
	MOUNTS+=("$WORK/$fs")
	mkdir "$WORK/$fs/demo" "$WORK/$fs/stress" "$WORK/$fs/storm" "$WORK/$fs/churn" ||
		die "mkdir on $fs"
done
XFS=$WORK/xfs
EXT4=$WORK/ext4
# soakprobe's file, cached by its own read before each probe
head -c 1M /dev/urandom >"$XFS/probe.dat" || die "cannot write $XFS/probe.dat"
sync

# ---- faultline watch ----------------------------------------------------------

OPTS=(watch --path "$XFS" --path "$EXT4" --assume-protocol xfs:map-pages-locked
	--events - --stats-interval "$SAMPLE" --metrics "$WORK/faultline.prom"
	--json "$WORK/final.json")
[ "$LOCK_ORDER" = 1 ] && OPTS+=(--lock-order)
[ -n "$RING" ] && OPTS+=(--ring-size "$RING")
mkfifo "$WORK/events.fifo" || die "mkfifo"
"$WORK/linestamp" <"$WORK/events.fifo" >"$WORK/events.stamped" &
STAMP_PID=$!
"$FAULTLINE" "${OPTS[@]}" >"$WORK/events.fifo" 2>"$WORK/watch.err" &
FL_PID=$!
for _ in $(seq 600); do
	grep -qE '^faultline: tracing[ ;]' "$WORK/watch.err" && break
	kill -0 "$FL_PID" 2>/dev/null || break
	sleep 0.1
done
grep -qE '^faultline: tracing[ ;]' "$WORK/watch.err" ||
	{ cat "$WORK/watch.err" >&2; die "faultline watch never started tracing"; }
T0=$(date +%s)
say "$(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$SRC_DIR" rev-parse --short HEAD 2>/dev/null || echo ?)"
say "faultline ${OPTS[*]} (pid $FL_PID)"
say "$MINUTES min, a sample every $SAMPLE s, trend after a $WARM_S s warm-up"

# ---- the workload -------------------------------------------------------------

# start CMD...: in its own process group (setsid execs in place: $! leads it)
start() {
	setsid "$@" >>"$WORK/loads.out" 2>&1 </dev/null &
	LOADS+=($!)
}

for d in "$XFS" "$EXT4"; do
	start "$WORKLOAD_RUN" "$d/demo" "$TOTAL"
	start stress-ng --mmap 1 --mmap-file --fallocate 1 --fpunch 1 --fiemap 1 --rename 1 \
		--copy-file 1 --link 1 --msync 1 --readahead 1 \
		--temp-path "$d/stress" -t "$TOTAL" --quiet
	start sh "$STORM" "$d/storm" "$TOTAL" 3000
done
# the same violation on ever new files (xfs: the assumed protocol's)
start "$WORK/soakprobe" churn "$XFS/churn" "$TOTAL"

# ---- samples and probes -------------------------------------------------------

SERIES=$WORK/series.tsv	# t_s rss_kib hwm_kib load1 (the host's, shared)
: >"$SERIES"
PROBE_LOG=$WORK/probes.tsv	# t_s action status
: >"$PROBE_LOG"
read -ra probes <<<"$PROBES"
NPROBES=${#probes[@]}
next_probe=0
next_sample=$SAMPLE

load1() { cut -d' ' -f1 /proc/loadavg; }

status_kib() {	# field
	awk -v f="$1:" '$1 == f { print $2; found = 1 } END { if (!found) print "-" }' \
		"/proc/$FL_PID/status" 2>/dev/null || echo -
}

while :; do
	now=$(($(date +%s) - T0))
	[ "$now" -ge "$TOTAL" ] && break
	kill -0 "$FL_PID" 2>/dev/null || die "faultline watch died: $(tail -n 5 "$WORK/watch.err")"
	if [ "$next_probe" -lt "$NPROBES" ] &&
		[ "$now" -ge $((TOTAL * (next_probe + 1) / (NPROBES + 1))) ]; then
		a=${probes[$next_probe]}
		"$WORK/soakprobe" "$a" "$XFS/probe.dat" "$EXT4/probe.$a" >>"$WORK/probes.err" 2>&1
		printf '%s\t%s\t%s\n' "$now" "$a" "$?" >>"$PROBE_LOG"
		next_probe=$((next_probe + 1))
	fi
	if [ "$now" -ge "$next_sample" ]; then
		printf '%s\t%s\t%s\t%s\n' "$now" "$(status_kib VmRSS)" "$(status_kib VmHWM)" "$(load1)" >>"$SERIES"
		next_sample=$((next_sample + SAMPLE))
	fi
	sleep 1
done

printf '%s\t%s\t%s\t%s\n' "$now" "$(status_kib VmRSS)" "$(status_kib VmHWM)" "$(load1)" >>"$SERIES"
stop_loads
# the last sample's stats object, then the report
sleep 2
kill -TERM "$FL_PID"
wait "$FL_PID"
FL_RC=$?
FL_PID=
wait "$STAMP_PID"
STAMP_PID=
case $FL_RC in
0 | 1 | 4 | 5) ;;
*) tail -n 20 "$WORK/watch.err" >&2; die "faultline watch failed (exit $FL_RC)" ;;
esac
[ -s "$WORK/final.json" ] || die "faultline watch wrote no JSON report"

# ---- the stream: stats and violations -----------------------------------------

# "stamp<TAB>json" lines; the final text report went down the same stdout
jq -R -c 'index("\t") as $i | (.[$i + 1:] | fromjson? // empty) + {stamp_ns: (.[:$i] | tonumber)}' \
	"$WORK/events.stamped" >"$WORK/events.json" 2>/dev/null
jq -c 'select(.type == "stats")' "$WORK/events.json" >"$WORK/stats.json"
jq -c 'select(.type == "violation")' "$WORK/events.json" >"$WORK/violations.json"
[ -s "$WORK/stats.json" ] || die "no stats objects in the NDJSON stream"

FAILED=()
fail_leg() { FAILED+=("$*"); }

# ---- the series -------------------------------------------------------------

# The samples on one timeline: this script's /proc reads every SAMPLE s,
# and the stats objects watch writes every SAMPLE s (their uptime).
echo
echo "soak series: faultline watch, $(uname -r), $(nproc) CPUs, $MINUTES min, $(date -u +%Y-%m-%d), commit $(git -C "$SRC_DIR" rev-parse --short HEAD 2>/dev/null || echo ?)"
echo
jq -s -r --slurpfile rss <(awk -F'\t' '{ printf "{\"t\":%s,\"rss\":\"%s\",\"hwm\":\"%s\",\"load\":\"%s\"}\n", $1, $2, $3, $4 }' "$SERIES") '
	. as $st
	| ($rss | map({key: (.t | tostring), value: .}) | from_entries) as $r
	| "| min | load | VmRSS KiB | VmHWM KiB | events | lost | violations | alerts | fl_seen | fl_stackmap | fl_extchg | fl_tasks | fl_curmap |",
	  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
	  ($st[] | (.uptime_s | round) as $t
	   | ($r | to_entries | map(select((.value.t - $t) | fabs <= ('"$SAMPLE"' / 2))) | first | .value) as $m
	   | "| \($t / 60 * 10 | round / 10) | \($m.load // "-") | \($m.rss // "-") | \($m.hwm // "-") | \([.counts.faults, .counts.map_pages, .counts.insertions, .counts.deletions, .counts.iomap_iter, .counts.iomap_maps] | add) | \(.lost) | \(.tables.violations.entries // .violations) | \(.alerts) | \(.maps.fl_seen.entries // "-") | \(.maps.fl_stackmap.entries // "-") | \(.maps.fl_extchg.entries // "-") | \(.maps.fl_tasks.entries // "-") | \(.maps.fl_curmap.entries // "-") |")
' "$WORK/stats.json"

# every map and table: name, kind, max, the series of its entries
echo
echo "fill per sample (entries; max in brackets):"
jq -s -r '
	(.[0].maps | to_entries | map(select(.value.entries != null)) | map(.key)) as $maps
	| (.[0].tables | keys_unsorted) as $tabs
	| . as $st
	| ($maps[] | . as $k | "  \($k) [\($st[0].maps[$k].max_entries), \($st[0].maps[$k].type)]: \([$st[].maps[$k].entries] | map(tostring) | join(" "))"),
	  ($tabs[] | . as $k | "  \($k) [\($st[0].tables[$k].max_entries), user space]: \([$st[].tables[$k].entries] | map(tostring) | join(" "))")
' "$WORK/stats.json"
echo "  not walkable (arrays: full by construction; ring buffer; task storage, freed with its task): $(jq -s -r '.[0].maps | to_entries | map(select(.value.entries == null) | "\(.key) (\(.value.type))") | join(", ")' "$WORK/stats.json")"

# ---- the trends ---------------------------------------------------------------

# trend T... V...: least-squares slope of V over T, times the span of T
trend() {
	awk '{ n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; if (n == 1) t0 = $1; t1 = $1 }
		END { if (n < 2 || sxx * n == sx * sx) { print "-"; exit }
			b = (n * sxy - sx * sy) / (n * sxx - sx * sx); printf "%.1f\n", b * (t1 - t0) }'
}

# classify NAME TYPE: what its keys are, hence what its growth means
classify() {
	case $1:$2 in
	*:lru_hash | *:lru_percpu_hash) echo lru ;;
	fl_stackmap:* | fl_lo_edges:* | fl_lo_classes:* | fl_other_magic:* | fl_slot_claim:* | \
	violations:* | alerts:* | lock_order_edges:* | lock_order_classes:* | lock_order_cycles:*)
		echo code ;;
	fl_fs_rules:* | fl_tgids:*) echo config ;;
	*) echo state ;;
	esac
}

echo
echo "after the warm-up ($WARM_S s): growth = least-squares trend over the samples, times their span"
post() {	# jq expression for one value per stats object -> "t value" lines after the warm-up
	jq -r --argjson w "$WARM_S" "select(.uptime_s >= \$w) | \"\\(.uptime_s) \\($1)\"" "$WORK/stats.json" |
		grep -v ' null$'
}
NEW_ALERTS=$(jq -s --argjson w "$WARM_S" '[.[] | select(.uptime_s >= $w)] | if length > 0 then (last.alerts - first.alerts) else 0 end' "$WORK/stats.json")
for what in rss hwm; do
	col=$([ "$what" = rss ] && echo 2 || echo 3)
	g=$(awk -F'\t' -v w="$WARM_S" -v c="$col" '$1 >= w && $c != "-" { print $1, $c }' "$SERIES" | trend)
	label=$([ "$what" = rss ] && echo VmRSS || echo VmHWM)
	if [ "$g" = - ]; then
		echo "  $label: too few samples after the warm-up"
		fail_leg "$label: too few samples after the warm-up for a trend"
	elif awk -v g="$g" -v s="$RSS_SLACK_KIB" 'BEGIN { exit !(g > s) }'; then
		echo "  $label: GROWS by $g KiB (slack $RSS_SLACK_KIB KiB)"
		fail_leg "$label grows by $g KiB after the warm-up"
	else
		echo "  $label: flat ($g KiB, slack $RSS_SLACK_KIB KiB)"
	fi
done
while IFS=$'\t' read -r src name type max; do
	kind=$(classify "$name" "$type")
	if [ "$src" = map ]; then
		g=$(post ".maps.$name.entries" | trend)
		last=$(jq -s -r "last.maps.$name.entries" "$WORK/stats.json")
	else
		g=$(post ".tables.$name.entries" | trend)
		last=$(jq -s -r "last.tables.$name.entries" "$WORK/stats.json")
	fi
	slack=$(awk -v m="$max" 'BEGIN { s = m / 100; print (s < 2 ? 2 : s) }')
	grows=$(awk -v g="$g" -v s="$slack" 'BEGIN { print (g != "-" && g > s) ? 1 : 0 }')
	line="  $name ($type, $last of $max): trend $g"
	case $kind:$grows in
	state:1)
		echo "$line: GROWS (keyed by tasks, inodes or events; slack $slack)"
		fail_leg "$name grows by $g entries after the warm-up" ;;
	lru:1) echo "$line: fills toward its maximum (LRU: bounded by eviction)" ;;
	code:1) echo "$line: grows with new code paths ($NEW_ALERTS new alerts after the warm-up)" ;;
	*) echo "$line: flat" ;;
	esac
done < <(jq -s -r '.[0] | (.maps | to_entries[] | select(.value.entries != null) | "map\t\(.key)\t\(.value.type)\t\(.value.max_entries)"),
	(.tables | to_entries[] | "table\t\(.key)\tuser space\t\(.value.max_entries)")' "$WORK/stats.json")

# ---- losses, rate, alerts -----------------------------------------------------

J=$WORK/final.json
LOST=$(jq -r '[.counts.lost, ([.lost_per_cpu[]] | add // 0)] | max' "$J")
DUR=$(jq -r .duration_s "$J")
EVENTS=$(jq -r '(.counts | .faults + .map_pages + .insertions + .deletions + .iomap_iter + .iomap_maps) + (.lock_order.acquisitions // 0) + (.lock_order.releases // 0)' "$J")
echo
echo "events: $EVENTS in $DUR s ($(awk -v e="$EVENTS" -v d="$DUR" 'BEGIN { printf "%.0f", e / d }')/s: faults, map_pages, insertions, deletions, iomap steps and maps$([ "$LOCK_ORDER" = 1 ] && echo ", lock acquisitions and releases"))"
echo "candidates $(jq -r .counts.candidates "$J"), counted in BPF instead of sent $(jq -r .counts.candidate_repeats "$J"); unknown lock states $(jq -r .counts.unknown_lock_state "$J")"
echo "lost: $LOST; complete: $(jq -r .complete "$J"); faultline exit $FL_RC"
[ "$LOST" = 0 ] || fail_leg "$LOST events lost"
jq -e .complete "$J" >/dev/null || fail_leg "the verdict is incomplete"
echo "violations: $(jq -r '.violations | length' "$J") kept, $(jq -r '[.violations[].count] | add // 0' "$J") occurrences, $(jq -r '[.violations[].count_other_files] | add // 0' "$J") more on other files, $(jq -r .violations_dropped "$J") dropped; $(jq -r '[.violations[] | select(.rule != "fault-unlocked" or .fs != "xfs")] | length' "$J") not the assumed xfs fault-around rule"

echo
echo "alerts (NDJSON violation lines): event (ts_ns) to the line read by a consumer:"
echo
echo "| signature | comm | path (the frames below handle_mm_fault) | at (s) | latency ms |"
echo "| --- | --- | --- | ---: | ---: |"
jq -r --argjson t0 "$(jq -s 'first.time - first.uptime_s' "$WORK/stats.json")" '
	[.stack[] | sub("\\+0x[0-9a-f]+$"; "")] as $f
	| ([$f | index("handle_mm_fault"), -1] | map(select(. != null)) | first) as $h
	| "| \(.signature) | \(.comm) | \($f[$h + 1:$h + 6] | join(" < ")) | \(.time - $t0 | . * 10 | round / 10) | \((.stamp_ns - .ts_ns) / 1e6 | . * 10 | round / 10) |"' \
	"$WORK/violations.json"
LAT=$(jq -r '(.stamp_ns - .ts_ns) / 1e6' "$WORK/violations.json" | sort -g)
N=$(grep -c . <<<"$LAT")
echo
if [ "$N" -gt 0 ]; then
	echo "alert latency over $N alerts: median $(awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }' <<<"$LAT") ms, max $(tail -n 1 <<<"$LAT" | awk '{ printf "%.1f", $1 }') ms"
fi
PROVOKED=$(jq -s '[.[] | select(.comm == "soakprobe")] | length' "$WORK/violations.json")
TWICE=$(jq -s -r '[group_by(.signature)[] | select(length > 1) | .[0].signature] | join(" ")' "$WORK/violations.json")
echo "alerts dropped (alert table full): $(jq -s -r 'last.alerts_dropped // 0' "$WORK/stats.json"); signatures alerted more than once: ${TWICE:-none}"
[ -z "$TWICE" ] || fail_leg "signatures alerted more than once: $TWICE"
echo "host load average (1 min; other work shares this machine) over the samples: $(awk -F'\t' '$4 != "" { if (n == 0 || $4 < lo) lo = $4; if ($4 > hi) hi = $4; n++ } END { printf "%s to %s", lo, hi }' "$SERIES")"
echo "probes: $(awk -F'\t' '{ printf "%s%s@%ss%s", sep, $2, $1, ($3 == 0 ? "" : "(exit " $3 ")"); sep = " " }' "$PROBE_LOG"); alerts from them: $PROVOKED of $NPROBES"
awk -F'\t' '$3 != 0 { bad = 1 } END { exit bad }' "$PROBE_LOG" || fail_leg "a probe failed: $(tail -n 3 "$WORK/probes.err")"
[ "$PROVOKED" = "$NPROBES" ] || fail_leg "$PROVOKED alerts from $NPROBES probes"

if [ -n "$KEEP" ]; then
	mkdir -p "$KEEP" && cp "$WORK"/{series.tsv,probes.tsv,stats.json,violations.json,final.json,watch.err} "$KEEP"/ &&
		say "raw series and streams copied to $KEEP"
fi
echo
if [ "${#FAILED[@]}" -gt 0 ]; then
	for f in "${FAILED[@]}"; do
		echo "!!! SOAK FAILED: $f"
	done
	exit 1
fi
echo "soak: passed (flat after the warm-up, nothing lost, every probe alerted)"
exit 0
