#!/bin/bash
# faultline's guest-kernel tests: Debian kernels booted under QEMU (TCG),
# where fentry and kprobes are allowed (the host forbids them).
#
#   tests/guest/run.sh [--kernel ENTRY|all] [--scenario NAME|all]
#                      [--attach MODE|all] [-v]
#
#   --kernel    an entry SERIES[-FLAVOUR] (newest Debian build of each):
#               6.1, 6.12 (cloud), 6.1-generic, 6.12-generic, 6.1-rt,
#               6.12-rt; repeatable or comma-separated; default
#               $FL_GUEST_KERNELS (6.1 6.12 6.12-rt 6.12-generic)
#   --scenario  tests/guest/scenarios/NAME.sh (repeatable or comma-separated;
#               default all)
#   --attach    only runs in this attach mode (auto, tp, fentry, kprobe, precise;
#               default: every mode each scenario lists)
#   -v          show the serial console while the guest runs, and the
#               checks' notes for passing runs
#
# One boot per kernel runs every selected scenario x attach mode that
# applies to its series and flavour; each run keeps its own results in
# build/guest/results/<entry>/<scenario>[@<mode>]/ (console.log = its slice
# of the serial log, output.log, dmesg.txt, the scenario's files,
# check.log); the whole serial log is build/guest/results/<entry>/console.log.
# Prints one line per run (or, for a scenario whose check() reports per
# filesystem, one per filesystem: "PASS 6.12-rt/f2fs@precise"), a matrix
# and "N passed, N failed, N skipped"; under CI=true a skip counts as a
# failure.  Exit 0 iff nothing failed.
#
# Environment: FL_FAULTLINE (static faultline binary; default: make static,
# build/faultline-static), FL_GUEST_CACHE (kernel package cache), FL_GUEST_MEM
# (MiB, default 1024), FL_GUEST_SMP (default 2), FL_GUEST_JOBS (kernels
# booted at once, default 2), FL_GUEST_BOOT_TIMEOUT
# (seconds for a whole boot; default 120 + the scenarios' timeouts),
# FL_GUEST_READY_TIMEOUT (seconds from qemu's start to /init; default 300;
# a run's own deadline is its timeout + 150 s, see watch_guest),
# FL_GUEST_KERNEL_6_1=<release>, FL_GUEST_KERNEL_6_12_RT=<release> etc.
# (pin a build), FL_GUEST_KERNELS (the default entries), FL_GUEST_SCENARIO_DIR
# (scenarios from another directory; default tests/guest/scenarios).
#
# Scenario interface (see scenarios/README): NAME.sh runs in the guest with
# "# key: value" headers (attach, timeout, modules, guest-bins, host-files,
# kernels, default-kernels, flavours, headers, allow-splat); NAME.host on the host defines
# check() and optionally prepare().
set -u
. "$(dirname "$0")/lib.sh"
. "$FL_GUEST_DIR/initramfs.sh"
SCEN_DIR=${FL_GUEST_SCENARIO_DIR:-$FL_GUEST_DIR/scenarios}

kernels=() scenarios=() attach_filter=all verbose=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel | -k) kernels+=(${2//,/ }); shift ;;
	--kernel=*) v=${1#*=}; kernels+=(${v//,/ }) ;;
	--scenario | -s) scenarios+=(${2//,/ }); shift ;;
	--scenario=*) v=${1#*=}; scenarios+=(${v//,/ }) ;;
	--attach | -a) attach_filter=$2; shift ;;
	--attach=*) attach_filter=${1#*=} ;;
	-v | --verbose) verbose=1 ;;
	-h | --help) sed -n '2,43p' "$0" | cut -c3-; exit 0 ;;
	*) echo "usage: $0 [--kernel ENTRY|all] [--scenario NAME|all] [--attach MODE|all] [-v]" >&2; exit 2 ;;
	esac
	shift
done
[ ${#kernels[@]} = 0 ] || [[ " ${kernels[*]} " == *" all "* ]] && kernels=($FL_GUEST_KERNELS)
# A scenario named here runs on every kernel it applies to; its
# "default-kernels" line only keeps it out of the default run (systemd.sh).
scen_named=1
if [ ${#scenarios[@]} = 0 ] || [[ " ${scenarios[*]} " == *" all "* ]]; then
	scen_named=
	scenarios=()
	for f in "$SCEN_DIR"/*.sh; do scenarios+=("$(basename "$f" .sh)"); done
fi
for s in "${scenarios[@]}"; do
	[ -f "$SCEN_DIR/$s.sh" ] || gdie "no scenario '$s' (tests/guest/scenarios/$s.sh)"
	[ -f "$SCEN_DIR/$s.host" ] || gdie "scenario '$s' has no host side ($s.host)"
done
[ "$(id -u)" = 0 ] || gdie "run as root (apt-get, depmod, and the initramfs owner)"
export FL_GUEST_VERBOSE=$verbose

# --- cleanup: QEMU, tail, temp dirs --------------------------------------
qemu_pid= tail_pid= tmp_dirs=() kids=()
cleanup() {
	local kid
	for kid in "${kids[@]}"; do [ -n "$kid" ] && kill -TERM "$kid" 2>/dev/null; done
	[ -n "${prefetch_pid:-}" ] && kill -TERM "$prefetch_pid" 2>/dev/null
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	if [ -n "$qemu_pid" ]; then
		kill -TERM "$qemu_pid" 2>/dev/null
		sleep 1
		kill -KILL "$qemu_pid" 2>/dev/null
		[ -f "${work:-}/qemu.pid" ] && kill -KILL "$(cat "$work/qemu.pid")" 2>/dev/null
	fi
	for d in "${tmp_dirs[@]}"; do rm -rf "$d"; done
	qemu_pid= tail_pid= tmp_dirs=() kids=() prefetch_pid=
}
trap cleanup EXIT
trap 'echo "guest: interrupted" >&2; exit 130' INT TERM HUP

fl_guest_deps
FL_BIN=${FL_FAULTLINE:-}
if [ -z "$FL_BIN" ]; then
	make -C "$FL_ROOT" -s --no-print-directory static >&2 || gdie "make static failed"
	FL_BIN=$FL_ROOT/build/faultline-static
fi
[ -x "$FL_BIN" ] || gdie "$FL_BIN is not an executable"
file -L "$FL_BIN" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$FL_BIN" 2>&1 | grep -q 'not a dynamic' || gmsg "warning: $FL_BIN may not be static"

# --- results bookkeeping ---------------------------------------------------
declare -A status detail secs release
order=()	# "entry id name attach"
pass=0 fail=0 skip=0 failed=()
t_all=$(date +%s)

record() {	# entry id status detail secs
	local key="$1 $2"
	status[$key]=$3 detail[$key]=$4 secs[$key]=$5
	case $3 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) if [ "${CI:-}" = true ]; then fail=$((fail + 1)); failed+=("$1/$2"); status[$key]=FAIL; detail[$key]="skipped in CI: $4"; else skip=$((skip + 1)); fi ;;
	*) fail=$((fail + 1)); failed+=("$1/$2") ;;
	esac
	local line="${status[$key]} $1/$2"
	[ -n "$5" ] && line+=" (${5}s)"
	[ -n "${detail[$key]}" ] && line+=": ${detail[$key]}"
	echo "$line"
}

show_log() {	# file [lines]
	[ -f "$1" ] && tail -n "${2:-60}" "$1" | sed 's/^/    | /'
}

# a panic's cause is at its head, not its tail: from the first splat line on
show_splat() {	# file [lines]
	local n
	n=$(grep -m1 -n -E 'BUG:|Oops|general protection|WARNING:|Kernel panic' "$1" | cut -d: -f1)
	[ -n "$n" ] || { show_log "$@"; return; }
	tail -n "+$n" "$1" | head -n "${2:-60}" | sed 's/^/    | /'
}

# A check() that judges per filesystem prints "RESULT PASS|FAIL|SKIP NAME
# [why]" lines: each is a result of its own, <entry>/<NAME>@<mode>, and the
# scenario's run itself is counted only if check() failed beyond them.
record_parts() {	# entry id scenario mode check-rc check.log secs
	local entry=$1 id=$2 sname=$3 smode=$4 crc=$5 log=$6 gsecs=$7 st sub why bad=
	while read -r _ st sub why; do
		order+=("$entry $sub@$smode $sname:$sub $smode")
		record "$entry" "$sub@$smode" "$st" "$why" ""
		[ "$st" = PASS ] || bad=1
	done < <(grep -E '^RESULT (PASS|FAIL|SKIP) ' "$log")
	if [ "$crc" != 0 ] && [ "$crc" != 77 ] && [ -z "$bad" ]; then
		record "$entry" "$id" FAIL "$(grep -m1 '^FAIL:' "$log" | cut -c7-)" "$gsecs"
		bad=1
	fi
	echo "   ($sname@$smode: ${gsecs}s in the guest)"
	if [ -n "$bad" ]; then
		show_log "$log" 80
	elif [ -n "$verbose" ]; then
		show_log "$log" 120
	fi
}

# A guest that hangs (a lockup under TCG, a kernel stuck before /init) would
# otherwise hold its boot for the whole boot timeout, the sum of all its
# runs' timeouts: longer than CI's budget.  The serial console's markers
# show progress, so each step gets a deadline of its own: /init within
# FL_GUEST_READY_TIMEOUT (default 300 s), a run within its timeout plus
# 150 s (the guest's own timeout, then dmesg and the results archive), the
# next marker 180 s after an "end".  Past one, qemu is killed and the
# reason is written to HUNG.
watch_guest() {	# qemu-timeout-pid console qemu-pidfile hung-file
	local pid=$1 con=$2 pidfile=$3 hung=$4 seen=0 n line now deadline why
	now=$(date +%s)
	deadline=$((now + ${FL_GUEST_READY_TIMEOUT:-300}))
	why="no /init after ${FL_GUEST_READY_TIMEOUT:-300}s"
	rm -f "$hung"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		now=$(date +%s)
		n=$(grep -c -E '^@@FL-GUEST (ready|begin|end|done) ' "$con" 2>/dev/null)
		if [ "${n:-0}" != "$seen" ]; then
			seen=$n
			line=$(grep -E '^@@FL-GUEST (ready|begin|end|done) ' "$con" | tail -n1)
			case $line in
			"@@FL-GUEST begin "*)
				local id tmo
				id=$(echo "$line" | cut -d' ' -f3)
				tmo=$(echo "$line" | sed -n 's/.* timeout=\([0-9]*\).*/\1/p')
				deadline=$((now + ${tmo:-300} + 150))
				why="$id did not end within its timeout (${tmo:-300}s) + 150s" ;;
			*)
				deadline=$((now + 180))
				why="no progress for 180s after: ${line#@@FL-GUEST }" ;;
			esac
		fi
		[ "$now" -le "$deadline" ] && continue
		echo "$why" >"$hung"
		gmsg "watchdog: the guest is hung ($why); killing qemu"
		kill -TERM "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
		sleep 5
		kill -KILL "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null
		return
	done
}

# --- one kernel -------------------------------------------------------------
run_kernel() {	# entry (6.12, 6.12-rt, ...)
	local entry=$1 series flavour rel kdir runs=() f name modes mode id tmo sum=0 kern flv
	series=$(fl_kernel_series "$entry")
	flavour=$(fl_kernel_flavour "$entry")
	rel=$(fl_kernel_resolve "$entry") || { record "$entry" boot FAIL "no kernel package resolved" ""; return; }
	kdir=$(fl_kernel_fetch "$rel") || { record "$entry" boot FAIL "cannot fetch $rel" ""; return; }
	release[$entry]=$rel
	echo "== kernel $entry: $rel ($(sed 's|.*/||' "$FL_GUEST_CACHE/kernels/$rel/.ok"))"

	work=$FL_GUEST_BUILD/work/$entry
	local res=$FL_GUEST_BUILD/results/$entry stage
	rm -rf "$work" && mkdir -p "$work" "$res" || gdie "cannot create $work"
	stage=$(mktemp -d /tmp/faultline-guest-stage.XXXXXX)
	tmp_dirs+=("$stage")
	fl_stage_base "$stage" "$kdir" "$rel" "$entry" "$FL_BIN" ||
		{ record "$entry" boot FAIL "initramfs base failed" ""; return; }

	local disks=()
	for name in "${scenarios[@]}"; do
		f=$SCEN_DIR/$name.sh
		# "kernels" names series or entries, "flavours" the flavours (default
		# cloud): a new flavour boots only for what differs on it
		kern=$(fl_scenario_meta "$f" kernels all)
		[ "$kern" = all ] || [[ " $kern " == *" $series "* ]] || [[ " $kern " == *" $entry "* ]] || continue
		kern=$(fl_scenario_meta "$f" default-kernels all)
		[ "$kern" = all ] || [ -n "$scen_named" ] || [[ " $kern " == *" $series "* ]] || [[ " $kern " == *" $entry "* ]] || continue
		flv=$(fl_scenario_meta "$f" flavours cloud)
		[ "$flv" = all ] || [[ " $flv " == *" $flavour "* ]] || continue
		# "attach-<flavour>" overrides "attach" on that flavour
		modes=$(fl_scenario_meta "$f" "attach-$flavour" "$(fl_scenario_meta "$f" attach auto)")
		[ "$attach_filter" = all ] || modes=$([[ " $modes " == *" $attach_filter "* ]] && echo "$attach_filter")
		[ -n "$modes" ] || continue
		tmo=$(fl_scenario_meta "$f" timeout 300)
		local ids=()
		for mode in $modes; do
			id=$name
			[ "$mode" = auto ] || id=$name@$mode
			ids+=("$id")
			order+=("$entry $id $name $mode")
		done
		# host-side preparation (e.g. build a module against this kernel)
		local files=$stage/scenarios/$name/files prc=0 plog=$work/prepare-$name.log
		mkdir -p "$files" "$work/disks/$name"
		if ! fl_stage_scenario "$stage" "$kdir" "$rel" "$f" >"$plog" 2>&1; then
			for id in "${ids[@]}"; do record "$entry" "$id" FAIL "staging failed: $(tail -n1 "$plog")" ""; done
			continue
		fi
		if grep -q '^prepare()' "$SCEN_DIR/$name.host"; then
			(
				export FL_FILES=$files FL_KDIR=$kdir FL_KVER=$rel FL_SERIES=$series FL_ROOT
				# the zoo is built once per kernel, not per scenario
				export ZOO_CACHE=$FL_GUEST_BUILD/zoo
				export FL_KERNEL=$entry FL_FLAVOUR=$flavour
				export FL_DISKS=$work/disks/$name
				if [ "$(fl_scenario_meta "$f" headers no)" = yes ]; then
					FL_HEADERS=$(fl_kernel_headers "$rel") || fail "no headers for $rel"
					export FL_HEADERS
				fi
				. "$FL_GUEST_DIR/check-lib.sh"
				. "$SCEN_DIR/$name.host"
				prepare
			) >>"$plog" 2>&1
			prc=$?
		fi
		if [ $prc != 0 ]; then
			local why
			why=$(grep -m1 -E '^(SKIP|FAIL): ' "$plog" | cut -c7-)
			for id in "${ids[@]}"; do
				if [ $prc = 77 ]; then record "$entry" "$id" SKIP "${why:-prepare skipped}" ""
				else record "$entry" "$id" FAIL "prepare failed: ${why:-exit $prc}" ""; show_log "$plog" 30; fi
			done
			continue
		fi
		for d in "$work/disks/$name"/*.img; do [ -f "$d" ] && disks+=("$d"); done
		for id in "${ids[@]}"; do
			mode=${id#*@}; [ "$mode" = "$id" ] && mode=auto
			echo "$id $name $mode $tmo" >>"$stage/scenarios/runs"
			sum=$((sum + tmo))
		done
	done
	[ -s "$stage/scenarios/runs" ] || { echo "   (nothing to run on $entry)"; return; }

	fl_cpio "$stage" "$work/initrd.cpio" || { record "$entry" boot FAIL "cpio failed" ""; return; }

	# no_timer_check: under TCG on a loaded host the IO-APIC timer check
	# can miss its ticks and panic ("IO-APIC + timer doesn't work", seen
	# booting Debian's 6.1 generic kernel); the guests' timer is QEMU's
	local qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max
		-m "${FL_GUEST_MEM:-1024}" -smp "${FL_GUEST_SMP:-2}"
		-kernel "$kdir/boot/vmlinuz-$rel" -initrd "$work/initrd.cpio"
		-append "console=ttyS0 panic=-1 quiet no_timer_check${FL_GUEST_APPEND:+ $FL_GUEST_APPEND}"
		-display none -nodefaults -no-reboot -no-user-config
		-serial "file:$res/console.log" -pidfile "$work/qemu.pid"
		-drive "file=$work/results.img,format=raw,if=none,id=results"
		-device virtio-blk-pci,drive=results,serial=flresults)
	for d in "${disks[@]}"; do
		local dn
		dn=$(basename "$d" .img)
		qemu+=(-drive "file=$d,format=raw,if=none,id=d-$dn" -device "virtio-blk-pci,drive=d-$dn,serial=$dn")
	done
	printf '%q ' timeout "${qemu[@]}" >"$work/qemu.cmd"; echo >>"$work/qemu.cmd"

	local boot_tmo=${FL_GUEST_BOOT_TIMEOUT:-$((120 + sum))} t0 t1 qrc boot_secs ready attempt
	echo "   initrd $(du -h "$work/initrd.cpio" | cut -f1), $(wc -l <"$stage/scenarios/runs") runs, boot timeout ${boot_tmo}s"
	# Under TCG a kernel now and then dies in its own early boot, before
	# /init and so before any of our code (seen: an int3 Oops at
	# sched_clock_cpu+0x9 in the 6.12 cloud kernel). Such a boot is
	# retried once, loudly; a guest that reached /init never is.
	for attempt in 1 2; do
		rm -f "$res/console.log"
		# a fresh results disk for each boot
		truncate -s 0 "$work/results.img" && truncate -s 256M "$work/results.img"
		t0=$(date +%s.%N)
		timeout -k 10 "$boot_tmo" "${qemu[@]}" </dev/null >"$work/qemu.out" 2>&1 &
		qemu_pid=$!
		if [ -n "$verbose" ]; then
			sleep 0.5
			tail -n +1 -F "$res/console.log" 2>/dev/null | sed 's/^/   > /' &
			tail_pid=$!
		fi
		watch_guest "$qemu_pid" "$res/console.log" "$work/qemu.pid" "$work/hung"
		wait "$qemu_pid"
		qrc=$?
		qemu_pid=
		t1=$(date +%s.%N)
		[ -n "$tail_pid" ] && { sleep 0.3; kill "$tail_pid" 2>/dev/null; tail_pid=; }
		boot_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		ready=$(sed -n 's/^@@FL-GUEST ready uptime=\([0-9.]*\).*/\1/p' "$res/console.log" | head -n1)
		echo "   boot: ${boot_secs}s wall (qemu exit $qrc$([ "$qrc" = 124 ] && echo ': TIMEOUT'), /init ready at ${ready:-?}s guest uptime)"
		[ -n "$ready" ] || [ "$qrc" = 124 ] && break
		if [ -s "$work/hung" ]; then gmsg "$entry: the kernel hung before /init"
		else gmsg "$entry: the kernel died before /init"; fi
		show_splat "$res/console.log" 30
		[ "$attempt" = 2 ] && break
		cp "$res/console.log" "$res/console-died-before-init.log" 2>/dev/null
		gmsg "$entry: booting it once more (first console: ${res#$FL_ROOT/}/console-died-before-init.log)"
	done
	boot_wall[$entry]="${boot_secs}s wall"
	[ "$attempt" = 2 ] && boot_wall[$entry]+=" (booted twice: the first died or hung before /init)"
	[ -s "$work/qemu.out" ] && sed 's/^/   qemu: /' "$work/qemu.out" | head -n 5

	# results: the tar archive the guest wrote to its disk
	local out
	out=$(mktemp -d /tmp/faultline-guest-results.XXXXXX)
	tmp_dirs+=("$out")
	tar xf "$work/results.img" -C "$out" 2>"$work/untar.err" ||
		gmsg "$entry: no results archive ($(head -n1 "$work/untar.err")); using the console only"
	[ -f "$out/boot-dmesg.txt" ] && cp "$out/boot-dmesg.txt" "$res/"
	grep -qE 'BUG:|WARNING:|Oops|general protection|Call Trace:' "$res/boot-dmesg.txt" 2>/dev/null &&
		gmsg "$entry: kernel splat while booting (see ${res#$FL_ROOT/}/boot-dmesg.txt)"
	grep '^@@FL-GUEST warn' "$res/console.log" | sed 's/^@@FL-GUEST /   /'

	local line sname smode grc gsecs dst allow
	while read -r id sname smode tmo; do
		dst=$res/$id
		rm -rf "$dst" && mkdir -p "$dst"
		[ -d "$out/$id" ] && cp -a "$out/$id/." "$dst/"
		awk -v b="@@FL-GUEST begin $id " -v e="@@FL-GUEST end $id " \
			'index($0, b) == 1 { on = 1 } on { print } index($0, e) == 1 { on = 0 }' \
			"$res/console.log" >"$dst/console.log"
		line=$(grep -m1 "^@@FL-GUEST end $id " "$res/console.log")
		if [ -z "$line" ]; then
			local why="guest did not finish it"
			grep -q 'Kernel panic' "$dst/console.log" && why="kernel panic during the run"
			[ "$qrc" = 124 ] && why+=" (boot timeout ${boot_tmo}s)"
			[ -s "$work/hung" ] && why="the guest hung: $(cat "$work/hung")"
			if grep -q "^@@FL-GUEST begin $id " "$res/console.log"; then
				record "$entry" "$id" FAIL "$why" ""
				show_splat "$dst/console.log" 60
			else
				if [ -s "$work/hung" ]; then record "$entry" "$id" FAIL "never started (the guest hung before it)" ""
				else record "$entry" "$id" FAIL "never started (the guest died before it)" ""; fi
			fi
			continue
		fi
		grc=$(echo "$line" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
		gsecs=$(echo "$line" | sed -n 's/.* secs=\([0-9.]*\).*/\1/p')
		# a kernel splat fails any run unless the scenario expects them
		allow=$(fl_scenario_meta "$SCEN_DIR/$sname.sh" allow-splat no)
		if [ "$allow" != yes ] && grep -qE 'BUG:|WARNING:|Oops|general protection|Call Trace:' "$dst/dmesg.txt" 2>/dev/null; then
			record "$entry" "$id" FAIL "kernel splat in dmesg (guest exit $grc)" "$gsecs"
			grep -hE -A12 'BUG:|WARNING:|Oops|general protection' "$dst/dmesg.txt" | head -n 40 | sed 's/^/    | /'
			continue
		fi
		(
			export FL_RESULT=$dst FL_SERIES=$series FL_KVER=$rel FL_ATTACH=$smode FL_GUEST_RC=$grc
			export FL_CONSOLE=$dst/console.log FL_ROOT FL_KERNEL=$entry FL_FLAVOUR=$flavour
			cd "$dst" || exit 2
			. "$FL_GUEST_DIR/check-lib.sh"
			. "$SCEN_DIR/$sname.host"
			[ "$smode" = precise ] && fl_precise_skips_note
			check
		) >"$dst/check.log" 2>&1
		local crc=$?
		if grep -qE '^RESULT (PASS|FAIL|SKIP) ' "$dst/check.log"; then
			record_parts "$entry" "$id" "$sname" "$smode" "$crc" "$dst/check.log" "$gsecs"
			continue
		fi
		case $crc in
		0) record "$entry" "$id" PASS "" "$gsecs"; [ -n "$verbose" ] && show_log "$dst/check.log" 80 ;;
		77) record "$entry" "$id" SKIP "$(grep -m1 '^SKIP:' "$dst/check.log" | cut -c7-)" "$gsecs" ;;
		*)
			record "$entry" "$id" FAIL "$(grep -m1 '^FAIL:' "$dst/check.log" | cut -c7-) (guest exit $grc)" "$gsecs"
			show_log "$dst/check.log" 60
			echo "    | --- console (last lines; all of it in ${dst#$FL_ROOT/}/console.log):"
			show_log "$dst/console.log" 8
			;;
		esac
	done <"$stage/scenarios/runs"
	cleanup
}

declare -A boot_wall
# Kernels boot FL_GUEST_JOBS at a time (default 2): most of a guest's time
# is faultline's BPF load, which the guest kernel verifies on one vCPU, so
# a second guest uses the CPU the first leaves idle.  Each kernel runs in a
# child of this script (FL_GUEST_CHILD); when all are done their output is
# shown whole, in kernel order, and their results, which come back as lines
# in a file, are counted here.
jobs=${FL_GUEST_JOBS:-2}
if [ "$jobs" -gt 1 ] && [ ${#kernels[@]} -gt 1 ] && [ -z "${FL_GUEST_CHILD:-}" ]; then
	args=(--attach "$attach_filter")
	[ -z "$scen_named" ] || args+=(--scenario "$(IFS=,; echo "${scenarios[*]}")")
	[ -n "$verbose" ] && args+=(-v)
	mkdir -p "$FL_GUEST_BUILD/work"
	start_kid() {	# index
		local k=${kernels[$1]}
		FL_GUEST_CHILD=$FL_GUEST_BUILD/work/run-$k.records FL_FAULTLINE=$FL_BIN \
			"$0" --kernel "$k" "${args[@]}" >"$FL_GUEST_BUILD/work/run-$k.out" 2>&1 &
		kids[$1]=$!
	}
	# The kernels that wait for a slot are fetched meanwhile, once the
	# first ones have theirs (the fetch's lock lets one through at a time):
	# the download is the network's time, not the critical path's.
	(
		for k in "${kernels[@]:0:$jobs}"; do
			for _ in $(seq 300); do
				grep -q '^== kernel' "$FL_GUEST_BUILD/work/run-$k.out" 2>/dev/null && break
				sleep 2
			done
		done
		for k in "${kernels[@]:$jobs}"; do
			rel=$(fl_kernel_resolve "$k") && fl_kernel_fetch "$rel" >/dev/null
		done
	) >"$FL_GUEST_BUILD/work/prefetch.out" 2>&1 &
	prefetch_pid=$!
	next=0 running=0
	while [ $next -lt ${#kernels[@]} ] || [ $running -gt 0 ]; do
		if [ $next -lt ${#kernels[@]} ] && [ $running -lt "$jobs" ]; then
			start_kid $next
			next=$((next + 1)) running=$((running + 1))
			# the first child fetches its kernel and runs apt alone
			sleep "${FL_GUEST_STAGGER:-2}"
			continue
		fi
		# whichever finishes first makes room for the next kernel
		wait -n -p done_pid
		[ "$done_pid" = "$prefetch_pid" ] && continue
		running=$((running - 1))
		for i in "${!kids[@]}"; do
			[ "${kids[$i]}" = "$done_pid" ] || continue
			kids[$i]=
			# progress for whoever follows the log; the results come below
			echo "   (${kernels[$i]}: its runner finished at $(( $(date +%s) - t_all ))s)"
		done
	done
	for i in "${!kernels[@]}"; do
		k=${kernels[$i]}
		sed -n '/^@@FL-RUN-END/q; p' "$FL_GUEST_BUILD/work/run-$k.out"
		recs=$FL_GUEST_BUILD/work/run-$k.records
		grep -q "^R|$k|-|" "$recs" 2>/dev/null ||
			record "$k" boot FAIL "its runner died (output: build/guest/work/run-$k.out)" ""
		while IFS='|' read -r tag rs rid rst rsecs rrel rboot rname rmode rdetail; do
			[ "$tag" = R ] || continue
			[ -n "$rrel" ] && release[$rs]=$rrel
			[ -n "$rboot" ] && boot_wall[$rs]=$rboot
			[ "$rid" = - ] && continue
			[ "$rid" = boot ] || order+=("$rs $rid $rname $rmode")
			record "$rs" "$rid" "$rst" "$rdetail" "$rsecs" >/dev/null
		done <"$recs" 2>/dev/null
	done
else
	for k in "${kernels[@]}"; do
		run_kernel "$k"
	done
fi
if [ -n "${FL_GUEST_CHILD:-}" ]; then
	# for the parent: every run's outcome, then stop before the matrix
	: >"$FL_GUEST_CHILD"
	for k in "${kernels[@]}"; do
		echo "R|$k|-|||${release[$k]:-}|${boot_wall[$k]:-}|||" >>"$FL_GUEST_CHILD"
		[ -n "${status["$k boot"]:-}" ] &&
			echo "R|$k|boot|${status["$k boot"]}||||||${detail["$k boot"]:-}" >>"$FL_GUEST_CHILD"
	done
	for o in "${order[@]}"; do
		read -r k id name mode <<<"$o"
		# a run judged per filesystem has its outcome in its parts' rows
		[ -n "${status["$k $id"]:-}" ] || continue
		printf 'R|%s|%s|%s|%s|||%s|%s|%s\n' "$k" "$id" "${status["$k $id"]:-}" \
			"${secs["$k $id"]:-}" "$name" "$mode" "${detail["$k $id"]:-}" >>"$FL_GUEST_CHILD"
	done
	echo "@@FL-RUN-END"
	exit 0
fi

# --- matrix -------------------------------------------------------------------
echo
echo "matrix (scenario or scenario:filesystem x attach mode x kernel):"
hdr=$(printf '  %-18s %-8s' scenario attach)
for k in "${kernels[@]}"; do hdr+=$(printf ' | %-12s' "$k"); done
echo "$hdr"
declare -A seen
for o in "${order[@]}"; do
	read -r _ id name mode <<<"$o"
	[ -n "${seen[$id]:-}" ] && continue
	seen[$id]=1
	row=$(printf '  %-18s %-8s' "$name" "$mode") any=
	for k in "${kernels[@]}"; do
		st=${status["$k $id"]:--}
		[ "$st" != - ] && any=1
		[ -n "${secs["$k $id"]:-}" ] && st+=" ${secs["$k $id"]}s"
		row+=$(printf ' | %-12s' "$st")
	done
	# a scenario judged per filesystem has its rows under its parts
	[ -n "$any" ] && echo "$row"
done
for k in "${kernels[@]}"; do
	[ -n "${release[$k]:-}" ] && echo "  $k: ${release[$k]}${boot_wall[$k]:+, boot ${boot_wall[$k]}}"
	[ -n "${status["$k boot"]:-}" ] && echo "  $k: ${status["$k boot"]} ${detail["$k boot"]}"
done
echo "  total wall $(( $(date +%s) - t_all ))s; results in ${FL_GUEST_BUILD#$FL_ROOT/}/results/"
echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
