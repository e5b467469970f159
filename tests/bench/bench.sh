#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what `faultline check` costs fault-heavy workloads.
#
# In one run, on a scratch xfs (loop device under a new temporary directory),
# each workload is run alternately without and with `faultline check
# --path MNT -- faultloop ...` attached (and, when bpftrace is available, under
# a bpftrace one-liner that merely counts the filemap tracepoints per thread,
# as a peer).  The workloads are tests/bench/faultloop.c:
#
#   demo-faults           the fault threads of `faultline demo --faults-only`
#   cached                MAP_SHARED read faults on a 256 MiB cached file
#   uncached              the same, page cache dropped before every pass
#   cached-private-write  MAP_PRIVATE write faults on the cached file
#
# Then, per workload and mode (check, check --lock-order), one run against
# the floor: tests/bench/flfloor as check's command attaches an empty BPF
# program of the same kind to each of faultline's hooks, and one that only
# counts its event (the count floor), and reports, from the kernel's BPF
# statistics of that run, each program's runs, ns per run and share next to
# both floors' ns per run on its hook (and the bpftrace peer's programs
# against floors on theirs).
#
# With the floor leg on (BENCH_FLOOR=1), the pairs also run each workload
# under flfloor's empty programs alone on faultline's hooks (no faultline,
# statistics off): the wall-clock cost any program there has, next to
# faultline's.
#
# Performance is reported as the median over pairs of (with / without)
# throughput, never asserted: the exit status is non-zero only when something
# broke (faultline or the workload failed to run, the scratch filesystem could
# not be made).  Lost events and violations are printed loudly, not failed on.
#
# Then the exerciser (issue 12): tests/live/tools/stale_heavy.c, fsx-style
# random operations from several threads on 48 files (buffered and direct
# I/O, mmap reads and writes, punch, zero, collapse, insert, truncate,
# preallocation, reflink, writeback, cache drops), run alternately without,
# under `faultline check` and under `faultline check --lock-order`, in an
# order rotated from pair to pair: median ops/s, the with/without ratios and
# their range over the pairs, lost events.  Targets: within 3% of the
# throughput without faultline in the default mode, within 10% with
# --lock-order.
#
# Then `faultline report` throughput on a synthetic 20-million-event dump
# (tests/bench/report_bench.sh; BENCH_REPORT_EVENTS changes the size), and
# the soak: `faultline watch` over a mixed workload for FL_SOAK_MINUTES (20),
# memory and BPF map fill sampled each minute and flat after the warm-up,
# nothing lost, alert latency (tests/bench/soak.sh; alone: make bench-soak).
#
# Run as root from the repository root after `make faultline`.  Knobs:
#   BENCH_PAIRS=9        alternating pairs per workload (this VM is noisy:
#                        many short pairs beat a few long ones); 0: no pairs (the
#                        BPF statistics legs only)
#   BENCH_SECONDS=2      seconds per timed run
#   BENCH_CASES="demo-faults cached uncached cached-private-write"
#                        none: no faultloop workload (with BENCH_FLOOR=0, e.g. to
#                        run only the exerciser)
#   BENCH_FILE_MIB=256   size of the file the loops fault over
#   BENCH_BPFTRACE=auto  auto: use bpftrace when installed or cheap to install
#                        (apt-get, Debian); 0: skip the peer
#   BENCH_LOCK_ORDER=1   also a leg under `faultline check --lock-order` (lock
#                        acquisitions from the xfs_ilock tracepoints); 0: skip
#   BENCH_FLOOR=1        the floor leg: one run per workload and mode (check,
#                        check --lock-order) with tests/bench/flfloor attaching an
#                        empty program and a counting one to each hook faultline
#                        attaches (build/tests/flfloor, FLFLOOR=path): per program
#                        runs, ns per run, share, the floors' ns per run on its hook,
#                        the ratios; 0: skip
#   BENCH_EXERCISER=1    the exerciser leg; 0: skip
#   BENCH_EX_PAIRS=5     its rotated triples (without, check, check --lock-order)
#   BENCH_EX_SECONDS=5   seconds per exerciser run (the timed phase)
#   BENCH_EX_FILES=48    files the exerciser works on (2..256)
#   BENCH_POSTMORTEM=1   the report and trace.dat import benches; 0: skip
#   BENCH_SOAK=1         the soak leg (FL_SOAK_* knobs: soak.sh); 0: skip
#   FAULTLINE=./faultline
set -u -o pipefail

PAIRS=${BENCH_PAIRS:-9}
SECS=${BENCH_SECONDS:-2}
CASES=${BENCH_CASES:-"demo-faults cached uncached cached-private-write"}
[ "$CASES" = none ] && CASES=
EX_MODE=${BENCH_EXERCISER:-1}
EX_PAIRS=${BENCH_EX_PAIRS:-5}
EX_SECS=${BENCH_EX_SECONDS:-5}
EX_FILES=${BENCH_EX_FILES:-48}
FILE_MIB=${BENCH_FILE_MIB:-256}
BPFTRACE_MODE=${BENCH_BPFTRACE:-auto}
FAULTLINE=${FAULTLINE:-./faultline}
SRC_DIR=$(cd "$(dirname "$0")" && pwd)
FLOOR_MODE=${BENCH_FLOOR:-1}
FLFLOOR=${FLFLOOR:-$SRC_DIR/../../build/tests/flfloor}

# bpftrace peer: count, per thread, what faultline's fault and page-cache
# programs see (design.md, "Cost").
BT_PROG='tracepoint:filemap:mm_filemap_fault,
tracepoint:filemap:mm_filemap_map_pages,
tracepoint:filemap:mm_filemap_add_to_page_cache { @[tid] = count(); }'

WORK=
MNT=
MOUNTED=0
CHILD=
BT_PEER=

die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	stop_peer
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		# faultline and bpftrace stop their own command on SIGTERM;
		# faultloop dies with its parent (PR_SET_PDEATHSIG) anyway
		stop_pid "$CHILD" 50
		wait "$CHILD" 2>/dev/null
	fi
	[ "$MOUNTED" = 1 ] && unmount_scratch "$MNT"
	remove_work
	exit "$rc"
}
BENCH_NAME=bench
. "$SRC_DIR/lib.sh"

# The floor leg's bpftrace peer, running beside faultline: stop it
stop_peer() {
	[ -n "$BT_PEER" ] || return 0
	kill -INT "$BT_PEER" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$BT_PEER" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$BT_PEER" 2>/dev/null
	wait "$BT_PEER" 2>/dev/null
	BT_PEER=
}

# Run "$@" in the background with stdout/stderr to files, so that a signal
# reaches our trap at once and the trap can stop it.  Returns its status.
run() {
	local out=$1 err=$2 rc

	shift 2
	"$@" >"$out" 2>"$err" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=
	return "$rc"
}

# field LINE KEY: the value of KEY=VALUE in a faultloop: line
field() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

human() {
	awk -v x="$1" 'BEGIN {
		if (x == "" || x == "-") { print "-"; exit }
		if (x >= 1e6) printf "%.2fM\n", x / 1e6
		else if (x >= 1e3) printf "%.1fk\n", x / 1e3
		else printf "%.0f\n", x }'
}

median() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (!NR) print "-"
		else if (NR % 2) print a[(NR + 1) / 2]
		else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---- preflight --------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root (BPF, loop mounts)"
[ -x "$FAULTLINE" ] || die "$FAULTLINE not found: run from the repository root after \`make faultline\`"
for t in gcc mkfs.xfs mount umount jq truncate; do
	command -v "$t" >/dev/null || die "$t is not installed (make deps-test installs it)"
done
case $PAIRS in '' | *[!0-9]*) die "BENCH_PAIRS=$PAIRS: not a number" ;; esac
case $EX_PAIRS in '' | *[!0-9]*) die "BENCH_EX_PAIRS=$EX_PAIRS: not a number" ;; esac
case $EX_FILES in '' | *[!0-9]*) die "BENCH_EX_FILES=$EX_FILES: not a number" ;; esac
awk -v s="$EX_SECS" 'BEGIN { exit !(s + 0 > 0) }' || die "BENCH_EX_SECONDS=$EX_SECS: not a positive number"
case $FILE_MIB in '' | *[!0-9]* | 0) die "BENCH_FILE_MIB=$FILE_MIB: not a positive integer" ;; esac
awk -v s="$SECS" 'BEGIN { exit !(s + 0 > 0) }' || die "BENCH_SECONDS=$SECS: not a positive number"
if [ "$FLOOR_MODE" = 1 ] && [ ! -x "$FLFLOOR" ]; then
	die "$FLFLOOR not found: make build/tests/flfloor (or BENCH_FLOOR=0 to skip the floor leg)"
fi
for c in $CASES; do
	case $c in
	demo-faults | cached | uncached | cached-private-write) ;;
	*) die "BENCH_CASES: unknown workload '$c'" ;;
	esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/faultline-bench.XXXXXX") || die "cannot create a temporary directory"
MNT=$WORK/mnt
LOOP=$WORK/faultloop
BIG=$MNT/faultloop.dat
DEMO=$MNT/faultline-demo.dat

gcc -O2 -Wall -Wextra -pthread -D_GNU_SOURCE -I"$SRC_DIR/../../src" -I"$SRC_DIR/../../include" \
	"$SRC_DIR/faultloop.c" "$SRC_DIR/../../src/workload.c" "$SRC_DIR/../../src/util.c" -o "$LOOP" ||
	die "cannot build $SRC_DIR/faultloop.c"
EXER=$WORK/stale_heavy
if [ "$EX_MODE" = 1 ]; then
	gcc -O2 -D_GNU_SOURCE "$SRC_DIR/../live/tools/stale_heavy.c" -lpthread -o "$EXER" ||
		die "cannot build $SRC_DIR/../live/tools/stale_heavy.c"
fi

# room for the big file and the demo's; recent mkfs.xfs wants >= 300 MiB
truncate -s "$((FILE_MIB < 512 ? 1024 : FILE_MIB + 512))M" "$WORK/xfs.img" || die "cannot create $WORK/xfs.img"
mkfs.xfs -q -f "$WORK/xfs.img" || die "mkfs.xfs failed on $WORK/xfs.img"
mkdir "$MNT" || die "cannot create $MNT"
mount -o loop "$WORK/xfs.img" "$MNT" || die "mount -o loop $WORK/xfs.img failed (loop devices available?)"
MOUNTED=1
if [ -n "$CASES" ]; then
	run "$WORK/create.out" "$WORK/create.err" "$LOOP" -s "$FILE_MIB" create "$BIG" ||
		die "cannot create $BIG: $(cat "$WORK/create.err")"
fi

# ---- the bpftrace peer (optional) ------------------------------------------

BPFTRACE=
BT_USED=
bpftrace_setup() {
	local n

	if [ "$BPFTRACE_MODE" = 0 ]; then
		say "bpftrace peer: skipped (BENCH_BPFTRACE=0)"
		return
	fi
	if ! command -v bpftrace >/dev/null; then
		if ! command -v apt-get >/dev/null; then
			say "bpftrace peer: skipped (bpftrace not installed, no apt-get)"
			return
		fi
		n=$(apt-get install -s -q bpftrace 2>/dev/null | grep -c '^Inst ')
		if [ "${n:-0}" = 0 ]; then
			say "bpftrace peer: skipped (bpftrace not installed and no apt candidate)"
			return
		fi
		if [ "$n" -gt 5 ]; then
			say "bpftrace peer: skipped (installing bpftrace would pull $n packages)"
			return
		fi
		say "bpftrace peer: installing bpftrace ($n packages)"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			bpftrace >"$WORK/apt.log" 2>&1; then
			say "bpftrace peer: skipped (apt-get install bpftrace failed: $(tail -n 1 "$WORK/apt.log"))"
			return
		fi
	fi
	# tracepoint probes read their format from tracefs; like faultline,
	# mount it when absent and leave it mounted
	if [ ! -d /sys/kernel/tracing/events ] &&
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		say "mounted tracefs at /sys/kernel/tracing (it was not mounted; it stays mounted)"
	fi
	if ! run "$WORK/bt.out" "$WORK/bt.err" bpftrace -e "$BT_PROG" -c /bin/true; then
		say "bpftrace peer: skipped (bpftrace cannot attach here: $(grep -m1 -i error "$WORK/bt.err" || tail -n 1 "$WORK/bt.err"))"
		return
	fi
	BPFTRACE=$(command -v bpftrace)
	BT_USED=1
	say "bpftrace peer: $("$BPFTRACE" --version 2>/dev/null | head -n 1)"
}
bpftrace_setup

# ---- one timed run ----------------------------------------------------------

RESULTS=$WORK/results.tsv
: >"$RESULTS"
LOST_TOTAL=0
VIOL_TOTAL=0

target() {
	case $1 in
	demo-faults) echo "$DEMO" ;;
	*) echo "$BIG" ;;
	esac
}

# Bring the big file back into the page cache for the cached workloads, and
# run one untimed pass (the first pass after re-caching is often slow), all
# outside any tracing: every leg starts from the same state and a traced run
# only sees the loop's own faults.
prepare() {
	case $1 in
	cached | cached-private-write)
		cat "$BIG" >/dev/null
		"$LOOP" -t 0.001 "$1" "$BIG" >/dev/null
		;;
	esac
}

# json_counts JSON OUT WHAT: from a check's JSON report, set evps (events
# per second of its traced duration), lost and viol, add them to the totals
# and say loudly when they are not zero (OUT: the run's text report).
json_counts() {
	local json=$1 out=$2 what=$3 dur events

	dur=$(jq -r '.duration_s' "$json")
	events=$(jq -r '(.counts | .faults + .map_pages + .insertions + .deletions + .iomap_iter) + (.lock_order.acquisitions // 0) + (.lock_order.releases // 0)' "$json")
	evps=$(awk -v e="$events" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? e / d : 0) }')
	lost=$(jq -r '[.counts.lost, ([.lost_per_cpu[]] | add // 0)] | max' "$json")
	viol=$(jq -r '(.violations | length) + .violations_dropped' "$json")
	LOST_TOTAL=$((LOST_TOTAL + lost))
	VIOL_TOTAL=$((VIOL_TOTAL + viol))
	if [ "$lost" != 0 ]; then
		say "!!! LOST EVENTS: $lost on $what (per CPU: $(jq -c '.lost_per_cpu' "$json"))"
	fi
	if [ "$viol" != 0 ]; then
		say "!!! VIOLATIONS: $viol on $what (a healthy kernel should show none):"
		grep -A3 -i 'violation' "$out" | head -n 20 | sed 's/^/    /' >&2
	fi
}

# run_leg CASE PAIR LEG: one timed run; appends a line to $RESULTS:
#   case pair leg ops_per_s faults_per_s events_per_s lost violations
run_leg() {
	local c=$1 p=$2 leg=$3 out=$WORK/leg.out err=$WORK/leg.err json=$WORK/run.json
	local rc line ops fps evps=- lost=- viol=- events

	prepare "$c"
	rm -f "$json"
	case $leg in
	without)
		run "$out" "$err" "$LOOP" -t "$SECS" "$c" "$(target "$c")"
		rc=$?
		[ "$rc" = 0 ] || die "faultloop $c failed (exit $rc): $(cat "$err")"
		;;
	with | lockorder)
		run "$out" "$err" "$FAULTLINE" check --path "$MNT" --json "$json" \
			$([ "$leg" = lockorder ] && echo --lock-order) -- \
			"$LOOP" -t "$SECS" "$c" "$(target "$c")"
		rc=$?
		# the exit contract: 1 violations and 4 lost events are counted in the
		# table below; 2 is faultline failing, 8 the workload
		case $rc in
		0|1|4|5) ;;
		*)	sed 's/^/    /' "$err" >&2
			die "faultline check failed (exit $rc: $([ "$rc" = 2 ] && echo faultline || echo "faultloop $c")) on $c" ;;
		esac
		[ -s "$json" ] || die "faultline check wrote no JSON report on $c"
		json_counts "$json" "$out" "$c pair $p"
		;;
	floor)
		run "$out" "$err" "$FLFLOOR" -e "$HOOKS" -- "$LOOP" -t "$SECS" "$c" "$(target "$c")"
		rc=$?
		[ "$rc" = 0 ] || die "flfloor -e -- faultloop $c failed (exit $rc): $(tail -n 3 "$err")"
		;;
	bpftrace)
		run "$out" "$err" "$BPFTRACE" -e "$BT_PROG" -c "$LOOP -t $SECS $c $(target "$c")"
		rc=$?
		if [ "$rc" != 0 ] || ! grep -q '^faultloop: ' "$out"; then
			# only the optional peer broke: go on without it
			say "warning: bpftrace -c faultloop $c failed (exit $rc), dropping the bpftrace peer: $(tail -n 3 "$err")"
			BPFTRACE=
			return
		fi
		;;
	esac
	line=$(grep -m1 '^faultloop: ' "$out") ||
		die "no faultloop result line from the $leg run of $c: $(tail -n 5 "$err")"
	ops=$(field "$line" ops_per_s)
	fps=$(field "$line" faults_per_s)
	if [ "$leg" = bpftrace ]; then
		events=$(awk -F': ' '/^@\[/ { s += $2 } END { print s + 0 }' "$out")
		evps=$(awk -v e="$events" -v d="$(field "$line" seconds)" 'BEGIN { printf "%.1f", e / d }')
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$p" "$leg" "$ops" "$fps" "$evps" "$lost" "$viol" >>"$RESULTS"
	printf '  %-22s pair %d  %-8s %12s pages/s %10s faults/s  events/s %s  lost %s\n' \
		"$c" "$p" "$leg" "$(human "$ops")" "$(human "$fps")" "$(human "$evps")" "$lost"
}

# ---- the alternating pairs --------------------------------------------------

LEGS=(without with)
[ "${BENCH_LOCK_ORDER:-1}" = 1 ] && LEGS+=(lockorder)
[ -n "$BT_USED" ] && LEGS+=(bpftrace)
# the floor alone needs faultline's hooks: one check names them
HOOKS=$WORK/hooks.txt
if [ "$FLOOR_MODE" = 1 ] && [ "$PAIRS" -gt 0 ] && [ -n "$CASES" ]; then
	run "$WORK/hooks.out" "$WORK/hooks.err" "$FAULTLINE" check --path "$MNT" -- \
		"$FLFLOOR" -w "$HOOKS" -o "$WORK/hooks.md" -- true
	[ -s "$HOOKS" ] || die "flfloor -w named no hooks: $(tail -n 3 "$WORK/hooks.err")"
	LEGS+=(floor)
fi
NLEGS=${#LEGS[@]}
NCASES=$(wc -w <<<"$CASES")
T0=$(date +%s)
if [ -n "$CASES" ]; then
	say "$(uname -r), $(nproc) CPUs; $PAIRS pairs x $NCASES workloads x $NLEGS legs x ${SECS}s on xfs at $MNT"
	say "faultline: $FAULTLINE check --path $MNT; legs alternate order from pair to pair"
	echo "raw runs:"
fi
for ((p = 1; p <= PAIRS; p++)); do
	for c in $CASES; do
		# rotate the leg order so that no leg always runs first
		for ((i = 0; i < NLEGS; i++)); do
			leg=${LEGS[$(((i + p - 1) % NLEGS))]}
			[ "$leg" = bpftrace ] && [ -z "$BPFTRACE" ] && continue
			run_leg "$c" "$p" "$leg"
		done
	done
done

# ---- faultline's own CPU cost -----------------------------------------------
#
# Wall-clock ratios on a shared VM swing by tens of percent from run to run.
# The kernel's BPF run-time statistics (faultline check --self-cost) measure
# what faultline's programs themselves cost, which noise does not move: their
# total run time over the workload's own CPU time (user + system, from
# getrusage), once per workload.  Tracepoint dispatch is not included.
COSTS=$WORK/costs.tsv
: >"$COSTS"
[ -n "$CASES" ] && printf '\nself cost (one run per workload, kernel BPF statistics on):\n'
COST_OPTS=("")
[ "${BENCH_LOCK_ORDER:-1}" = 1 ] && COST_OPTS+=(--lock-order)
for c in $CASES; do
	for opt in "${COST_OPTS[@]}"; do
		prepare "$c"
		json=$WORK/cost.json
		rm -f "$json"
		run "$WORK/cost.out" "$WORK/cost.err" "$FAULTLINE" check --self-cost --path "$MNT" \
			--json "$json" $opt -- "$LOOP" -t "$SECS" "$c" "$(target "$c")"
		line=$(grep -m1 '^faultloop: ' "$WORK/cost.out")
		if [ ! -s "$json" ] || [ -z "$line" ] || ! jq -e .self_cost "$json" >/dev/null; then
			say "warning: no self-cost measurement for $c $opt"
			continue
		fi
		ns=$(jq -r .self_cost.bpf_run_ns "$json")
		runs=$(jq -r .self_cost.bpf_runs "$json")
		cpu=$(field "$line" cpu_s)
		label=$c${opt:+ $opt}
		printf '%s\t%s\t%s\t%s\n' "$label" "$ns" "$runs" "$cpu" >>"$COSTS"
		printf '  %-35s %10s BPF runs, %8.1f ns each, %.3f s of BPF in %.3f s of workload CPU\n' \
			"$label" "$runs" "$(awk -v n="$ns" -v r="$runs" 'BEGIN { print r ? n / r : 0 }')" \
			"$(awk -v n="$ns" 'BEGIN { print n / 1e9 }')" "$cpu"
	done
done

# ---- the floor: empty programs on faultline's hooks, in the same run ---------
#
# faultline's ns per run alone says little across machines: an empty program
# costs 5 ns on one and 50 on the next.  flfloor, run as check's command,
# attaches an empty program of the same kind (tp_btf, fentry, ...) to every
# hook faultline attached, turns the BPF run-time statistics on and runs the
# workload; both sets of programs see the same events, so their ns per run
# side by side, per hook, is the measure (issue 12).  One run per workload
# and mode, the table per program in the summary.  The bpftrace peer, when
# there is one, counts in the same run (flfloor -P): its programs next to
# empty classic tracepoint programs on its hooks.
FLOOR_DIR=$WORK/floor
mkdir -p "$FLOOR_DIR"
if [ "$FLOOR_MODE" = 1 ]; then
	echo
	echo "floor (one run per workload and mode, faultline and empty programs on the same hooks):"
	for c in $CASES; do
		for opt in "${COST_OPTS[@]}"; do
			label=$c${opt:+ $opt}
			md=$FLOOR_DIR/${c}${opt:+-lock-order}.md
			prepare "$c"
			peer=()
			if [ -n "$BPFTRACE" ]; then
				"$BPFTRACE" -e "$BT_PROG" >"$WORK/peer.out" 2>"$WORK/peer.err" &
				BT_PEER=$!
				for _ in $(seq 100); do
					grep -q '^Attaching' "$WORK/peer.out" && break
					sleep 0.1
				done
				# a moment for the probes after the message
				sleep 0.5
				if kill -0 "$BT_PEER" 2>/dev/null; then
					# bpftrace 0.17 attaches without links: name its hooks
					peer=(-P "$BT_PEER" -H tracepoint:filemap/mm_filemap_fault
						-H tracepoint:filemap/mm_filemap_map_pages
						-H tracepoint:filemap/mm_filemap_add_to_page_cache)
				else
					say "warning: the bpftrace peer did not start: $(tail -n 1 "$WORK/peer.err")"
					BT_PEER=
				fi
			fi
			run "$WORK/floor.out" "$WORK/floor.err" "$FAULTLINE" check --path "$MNT" \
				--json "$WORK/floor.json" $opt -- "$FLFLOOR" -o "$md" "${peer[@]}" \
				-l "check${opt:+ $opt}, $c:" -- "$LOOP" -t "$SECS" "$c" "$(target "$c")"
			rc=$?
			stop_peer
			case $rc in
			0|1|4|5) ;;
			*)	sed 's/^/    /' "$WORK/floor.err" >&2
				die "faultline check -- flfloor failed (exit $rc) on $label" ;;
			esac
			[ -s "$md" ] || die "flfloor wrote no table on $label: $(grep flfloor "$WORK/floor.err")"
			printf '  %-35s %s\n' "$label" "$(grep -m1 '^| all ' "$md")"
		done
	done
fi

# ---- summary ----------------------------------------------------------------

# ratios CASE LEG [COLUMN]: per pair, LEG / without of COLUMN (4: pages/s)
ratios() {
	awk -F'\t' -v c="$1" -v leg="$2" -v k="${3:-4}" '
		$1 == c && $3 == "without" { base[$2] = $k }
		$1 == c && $3 == leg { val[$2] = $k; if ($2 > n) n = $2 }
		END { for (p = 1; p <= n; p++) if ((p in val) && base[p] > 0) printf "%.4f\n", val[p] / base[p] }' "$RESULTS"
}
col() {	# col CASE LEG COLUMN: the values of COLUMN
	awk -F'\t' -v c="$1" -v leg="$2" -v k="$3" '$1 == c && $3 == leg { print $k }' "$RESULTS"
}
spread() {	# min-max of numbers on stdin
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%.2f-%.2f\n", lo, hi; else print "-" }'
}
fmt3() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.3f\n", x }'; }

if [ "$PAIRS" -gt 0 ] && [ -n "$CASES" ]; then
echo
echo "pairs (with/without pages/s):"
for c in $CASES; do
	printf '  %-22s %s\n' "$c" "$(ratios "$c" with | tr '\n' ' ')"
	[ "$FLOOR_MODE" = 1 ] && printf '  %-22s %s\n' "  floor/without" "$(ratios "$c" floor | tr '\n' ' ')"
	[ -n "$BT_USED" ] && printf '  %-22s %s\n' "  bpftrace/without" "$(ratios "$c" bpftrace | tr '\n' ' ')"
done

echo
echo "faultline check overhead, $(uname -r), $(nproc) CPUs, xfs on loop, median of $PAIRS alternating pairs of ${SECS}s runs:"
echo
hdr="| workload | faults/s | without (pages/s) | with faultline (pages/s) | ratio | range | slowdown | faults/s ratio | events/s | lost | violations |"
sep="| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
if [ "$FLOOR_MODE" = 1 ]; then
	hdr="$hdr floor ratio | floor range |"
	sep="$sep ---: | ---: |"
fi
if [ -n "$BT_USED" ]; then
	hdr="$hdr bpftrace ratio | bpftrace range |"
	sep="$sep ---: | ---: |"
fi
echo "$hdr"
echo "$sep"
for c in $CASES; do
	r=$(ratios "$c" with | median)
	slow=$(awk -v r="$r" 'BEGIN { printf "%.1f%%", (1 - r) * 100 }')
	lost=$(col "$c" with 7 | awk '{ s += $1 } END { print s + 0 }')
	viol=$(col "$c" with 8 | awk '{ s += $1 } END { print s + 0 }')
	row="| $c | $(human "$(col "$c" without 5 | median)")"
	row="$row | $(human "$(col "$c" without 4 | median)") | $(human "$(col "$c" with 4 | median)")"
	row="$row | $(fmt3 "$r") | $(ratios "$c" with | spread) | $slow"
	row="$row | $(fmt3 "$(ratios "$c" with 5 | median)")"
	row="$row | $(human "$(col "$c" with 6 | median)") | $lost | $viol |"
	if [ "$FLOOR_MODE" = 1 ]; then
		row="$row $(fmt3 "$(ratios "$c" floor | median)") | $(ratios "$c" floor | spread) |"
	fi
	if [ -n "$BT_USED" ]; then
		row="$row $(fmt3 "$(ratios "$c" bpftrace | median)") | $(ratios "$c" bpftrace | spread) |"
	fi
	echo "$row"
done
if [ "${BENCH_LOCK_ORDER:-1}" = 1 ]; then
	echo
	echo "lock-order tracking (check --lock-order: xfs_ilock/xfs_iunlock/jbd2 tracepoints on top of check):"
	echo
	echo "| workload | with --lock-order (pages/s) | ratio to without | range | ratio to check | lock events/s | lost |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for c in $CASES; do
		lo_vs_with=$(awk -F'\t' -v c="$c" '
			$1 == c && $3 == "with" { w[$2] = $4 }
			$1 == c && $3 == "lockorder" { l[$2] = $4 }
			END { for (p in l) if (w[p] > 0) printf "%.4f\n", l[p] / w[p] }' "$RESULTS" | median)
		echo "| $c | $(human "$(col "$c" lockorder 4 | median)") | $(fmt3 "$(ratios "$c" lockorder | median)") | $(ratios "$c" lockorder | spread) | $(fmt3 "$lo_vs_with") | $(human "$(col "$c" lockorder 6 | median)") | $(col "$c" lockorder 7 | awk '{ s += $1 } END { print s + 0 }') |"
	done
	echo "(events/s of the lockorder leg include its lock acquisitions and releases)"
fi
fi
if [ -n "$CASES" ]; then
echo
echo "| workload | BPF program runs | ns per run | BPF time / workload CPU time |"
echo "| --- | ---: | ---: | ---: |"
while IFS=$'\t' read -r c ns runs cpu; do
	awk -v c="$c" -v n="$ns" -v r="$runs" -v cpu="$cpu" 'BEGIN {
		printf "| %s | %d | %.0f | %.2f%% |\n", c, r, (r ? n / r : 0), (cpu > 0 ? 100 * n / 1e9 / cpu : 0) }'
done <"$COSTS"
if [ "$FLOOR_MODE" = 1 ]; then
	echo
	echo "faultline's BPF programs next to the floor (empty programs of the same kind on the same"
	echo "hooks, same run) and the count floor (programs that only count their event); kernel BPF"
	echo "statistics; $(uname -r), $(nproc) CPUs:"
	echo
	echo "| workload | mode | faultline runs | faultline ns per run | floor ns per run | ratio | count floor ns per run | ratio to it | bpftrace runs | bpftrace ns per run | its floor | ratio | its count floor | ratio to it |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for c in $CASES; do
		for opt in "${COST_OPTS[@]}"; do
			md=$FLOOR_DIR/${c}${opt:+-lock-order}.md
			[ -s "$md" ] || continue
			# the first "all" row is faultline's, the second the peer's
			grep '^| all ' "$md" | awk -F' *[|] *' -v c="$c" -v m="check${opt:+ $opt}" '
				{ r[NR] = $4 " | " $5 " | " $8 " | " $9 " | " $10 " | " $11 }
				END { printf "| %s | %s | %s | %s |\n", c, m, r[1], (NR > 1 ? r[2] : "- | - | - | - | - | -") }'
		done
	done
	echo
	echo "per program (share: of faultline's BPF time in that run; floor: the empty program on"
	echo "the program's hook; ratio: ns per run over the floor's; count floor: a program that only"
	echo "counts its event in a per-CPU array, on the same hook; all: the floors weighted by each"
	echo "program's runs, two programs on one hook count two floors; peer: bpftrace counting per"
	echo "thread on the filemap tracepoints in the same run, on the whole host):"
	for c in $CASES; do
		for opt in "${COST_OPTS[@]}"; do
			md=$FLOOR_DIR/${c}${opt:+-lock-order}.md
			[ -s "$md" ] && { echo; cat "$md"; }
		done
	done
fi
echo
echo "pages/s: pages touched per second (demo-faults: mmap reads + writes, as the demo counts"
echo "them).  faults/s: minor + major faults per second of the runs without tracing."
echo "ratio: median over pairs of (with / without) pages/s, range: its min-max over the pairs;"
echo "slowdown = 1 - ratio (target: at most 2%).  faults/s ratio: the same for faults/s (the"
echo "demo's work per touch is not fixed: it depends on how much the cache dropper evicted)."
echo "events/s: faultline's faults + map_pages + insertions + deletions + iomap_iter over its"
echo "traced duration (median).  lost: events faultline dropped (target 0), summed over all runs."
echo "BPF time / workload CPU time: faultline's programs' run time (kernel BPF statistics) over"
echo "the traced workload's user + system CPU time: the part of the workload's cost faultline adds,"
echo "without the tracepoint dispatch and without the VM's run-to-run noise."
[ "$FLOOR_MODE" = 1 ] && echo "floor ratio: the same with only empty programs on faultline's hooks (flfloor -e, no faultline, statistics off)."
[ -n "$BT_USED" ] && echo "bpftrace ratio: the same with bpftrace counting per thread on mm_filemap_fault, mm_filemap_map_pages, mm_filemap_add_to_page_cache (all filesystems)."
echo
fi

# ---- the exerciser (issue 12) ------------------------------------------------
#
# stale_heavy is a mix of everything a filesystem does to the page cache, not
# a fault loop: its ops/s under check and check --lock-order against the same
# workload untraced is the cost a user sees on a busy filesystem.  Each run
# starts on an empty directory, synced, so that no leg inherits another's
# files or writeback; the teardown phase of the live test is off (its last
# argument, 0) and the rate covers the timed phase only.
EXRES=$WORK/exerciser.tsv
: >"$EXRES"

# run_ex PAIR LEG: one exerciser run; appends "pair leg ops_per_s events_per_s
# lost violations" to $EXRES
run_ex() {
	local p=$1 leg=$2 out=$WORK/ex.out err=$WORK/ex.err json=$WORK/ex.json
	local dir=$MNT/exerciser rc line ops evps=- lost=- viol=-
	local cmd=("$EXER" "$dir" "$EX_SECS" "$EX_FILES" 0)

	rm -rf --one-file-system "$dir" && mkdir "$dir" || die "cannot make $dir"
	sync
	rm -f "$json"
	case $leg in
	without)
		run "$out" "$err" "${cmd[@]}"
		rc=$?
		[ "$rc" = 0 ] || die "stale_heavy failed (exit $rc): $(tail -n 5 "$err")"
		;;
	check | lockorder)
		run "$out" "$err" "$FAULTLINE" check --path "$MNT" --json "$json" \
			$([ "$leg" = lockorder ] && echo --lock-order) -- "${cmd[@]}"
		rc=$?
		case $rc in
		0|1|4|5) ;;
		*)	sed 's/^/    /' "$err" >&2
			die "faultline check failed (exit $rc: $([ "$rc" = 2 ] && echo faultline || echo stale_heavy)) on the exerciser" ;;
		esac
		[ -s "$json" ] || die "faultline check wrote no JSON report on the exerciser"
		json_counts "$json" "$out" "exerciser $leg pair $p"
		;;
	esac
	line=$(grep -m1 '^stale_heavy_rate: ' "$out") ||
		die "no stale_heavy_rate line from the $leg run of the exerciser: $(tail -n 5 "$err")"
	ops=$(field "$line" ops_per_s)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$leg" "$ops" "$evps" "$lost" "$viol" >>"$EXRES"
	printf '  exerciser pair %d  %-9s %10s ops/s  events/s %s  lost %s\n' \
		"$p" "$leg" "$(human "$ops")" "$(human "$evps")" "$lost"
}

# ex_ratios LEG [BASE]: per pair, LEG / BASE (without) of ops/s
ex_ratios() {
	awk -F'\t' -v leg="$1" -v b="${2:-without}" '
		$2 == b { base[$1] = $3 }
		$2 == leg { val[$1] = $3; if ($1 > n) n = $1 }
		END { for (p = 1; p <= n; p++) if ((p in val) && base[p] > 0) printf "%.4f\n", val[p] / base[p] }' "$EXRES"
}
ex_col() {	# ex_col LEG COLUMN
	awk -F'\t' -v leg="$1" -v k="$2" '$2 == leg { print $k }' "$EXRES"
}

if [ "$EX_MODE" = 1 ] && [ "$EX_PAIRS" -gt 0 ]; then
	EX_LEGS=(without check lockorder)
	echo
	say "exerciser: stale_heavy, $EX_FILES files, $EX_PAIRS rotated triples x ${EX_SECS}s (without, check, check --lock-order) on xfs at $MNT"
	echo "exerciser raw runs:"
	for ((p = 1; p <= EX_PAIRS; p++)); do
		for ((i = 0; i < 3; i++)); do
			run_ex "$p" "${EX_LEGS[$(((i + p - 1) % 3))]}"
		done
	done
	echo
	echo "exerciser (stale_heavy: fsx-style random operations, 6 threads + writeback + small files,"
	echo "$EX_FILES files), $(uname -r), $(nproc) CPUs, xfs on loop, median of $EX_PAIRS rotated triples of ${EX_SECS}s runs:"
	echo
	echo "| mode | ops/s | ratio to without | range | target | events/s | lost | violations |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	echo "| without | $(human "$(ex_col without 3 | median)") | - | - | - | - | - | - |"
	for leg in check lockorder; do
		r=$(ex_ratios "$leg" | median)
		if [ "$leg" = check ]; then
			mode="check"; tgt=0.97
		else
			mode="check --lock-order"; tgt=0.90
		fi
		echo "| $mode | $(human "$(ex_col "$leg" 3 | median)") | $(fmt3 "$r") | $(ex_ratios "$leg" | spread) | >= $tgt | $(human "$(ex_col "$leg" 4 | median)") | $(ex_col "$leg" 5 | awk '{ s += $1 } END { print s + 0 }') | $(ex_col "$leg" 6 | awk '{ s += $1 } END { print s + 0 }') |"
	done
	echo
	echo "ops/s: operations the workers completed per second of the timed phase (failed ones, e.g."
	echo "a collapse past EOF, not counted); ratio: median over pairs of (mode / without) ops/s,"
	echo "range: its min-max.  events/s: as above, lock acquisitions and releases included."
	echo "Targets (issue 12): check within 3% of without, check --lock-order within 10%."
	echo
elif [ "$EX_MODE" = 1 ]; then
	say "exerciser: skipped (BENCH_EX_PAIRS=0)"
else
	say "exerciser: skipped (BENCH_EXERCISER=0)"
fi
if [ "$LOST_TOTAL" != 0 ]; then
	echo "!!! LOST EVENTS: faultline dropped $LOST_TOTAL events in this bench (target: 0)"
fi
if [ "$VIOL_TOTAL" != 0 ]; then
	echo "!!! VIOLATIONS: faultline reported $VIOL_TOTAL violations on a workload that should have none"
fi
if [ "${BENCH_POSTMORTEM:-1}" = 1 ]; then
	# post-mortem: report throughput on a synthetic dump (tests/bench/report_bench.sh)
	bash "$SRC_DIR/report_bench.sh" || die "report throughput bench failed"
	# ---- trace-cmd import speed (tests/bench/tracedat_bench.sh) ------------
	"$SRC_DIR/tracedat_bench.sh" "$MNT" || die "trace.dat import bench failed"
else
	say "report and trace.dat import benches: skipped (BENCH_POSTMORTEM=0)"
fi
# ---- the soak (tests/bench/soak.sh): watch for FL_SOAK_MINUTES ---------------
SOAK_RC=0
if [ "${BENCH_SOAK:-1}" = 1 ]; then
	FAULTLINE=$FAULTLINE "$SRC_DIR/soak.sh" || SOAK_RC=$?
else
	say "soak leg: skipped (BENCH_SOAK=0)"
fi
say "done in $(($(date +%s) - T0))s"
# growth, losses or a missing alert in the soak are findings, not noise
[ "$SOAK_RC" = 0 ] || die "the soak leg failed (exit $SOAK_RC; see its !!! lines)"
exit 0
