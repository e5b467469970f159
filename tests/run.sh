#!/bin/bash
# faultline's test runner: unit tests (cmocka binaries in build/tests/),
# live tests (tests/live/*.sh, real BPF on real loop-mounted filesystems),
# and the guest kernels (tests/guest/run.sh: Debian 6.1 and 6.12 under
# QEMU, the bug zoo; started first, alongside the rest);
# tests/dump/*.sh (post-mortem readers, no BPF) run after the unit tests.
# `tests/run.sh unit|dump|live|guest` runs one part.  Prints one line per
# test and a closing "N passed, N failed, N skipped" line.  Under CI=true a
# skip is a failure: CI machines can load tp_btf, so nothing core may be
# skipped there.
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
pass=0 fail=0 skip=0
failed=()
log_dir=$(mktemp -d /tmp/faultline-tests.XXXXXX)
trap 'rm -rf "$log_dir"' EXIT

result() {	# name status(0 pass, 77 skip, else fail) logfile
	local name=$1 rc=$2 log=$3
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1)); echo "PASS $name"
	elif [ "$rc" = 77 ] && [ "${CI:-}" != true ]; then
		skip=$((skip + 1)); echo "SKIP $name: $(grep -m1 '^SKIP:' "$log" | cut -c7-)"
	else
		fail=$((fail + 1)); failed+=("$name")
		[ "$rc" = 77 ] && echo "FAIL $name (skipped in CI: $(grep -m1 '^SKIP:' "$log" | cut -c7-))" ||
			echo "FAIL $name (exit $rc)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
}

# Guest kernels under QEMU, started first when everything runs (they are
# the longest part): they wait on one vCPU in the guest's BPF verifier most
# of the time, so the host tests take the other CPU
# (FL_GUESTS_ALONGSIDE=0: guests after the host tests).
guest_pid=
run_guests() {
	[ -x build/faultline-static ] || make -s build/faultline-static >/dev/null
	FL_FAULTLINE=$PWD/build/faultline-static tests/guest/run.sh
}
if [ "$what" = all ] && [ "${FL_GUESTS_ALONGSIDE:-1}" != 0 ]; then
	echo "guest kernels: started alongside the host tests (their lines follow them)"
	run_guests >"$log_dir/guest" 2>&1 &
	guest_pid=$!
	# run.sh's own trap stops its guests
	trap '[ -n "$guest_pid" ] && pkill -TERM -P "$guest_pid"; rm -rf "$log_dir"' EXIT
fi

# The host tests' tools (make test builds only the static binary first, for
# the guests); `make test-unit` etc. have built them already.
if [ "$what" = all ] && ! make -s test-tools >"$log_dir/build" 2>&1; then
	tail -n 30 "$log_dir/build"
	echo "FAIL build: make test-tools"
	exit 1
fi

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		name=unit/$(basename "$t")
		"$t" >"$log_dir/log" 2>&1
		result "$name" $? "$log_dir/log"
	done
fi

scripts() {	# part: tests/PART/test_*.sh, 15 minutes each at most (the guests run meanwhile)
	for t in tests/$1/test_*.sh; do
		name=$1/$(basename "$t" .sh)
		start=$(date +%s)
		timeout 900 bash "$t" >"$log_dir/log" 2>&1
		rc=$?
		result "$name ($(( $(date +%s) - start ))s)" $rc "$log_dir/log"
	done
}


# Post-mortem readers without BPF: synthetic dumps, bad files, the fuzzer.
if [ "$what" = all ] || [ "$what" = dump ]; then
	scripts dump
fi

if [ "$what" = all ] || [ "$what" = live ]; then
	scripts live
fi

# Guest kernels under QEMU: every run is one test; its own summary line
# is folded into ours.
if [ "$what" = all ] || [ "$what" = guest ]; then
	if [ -n "$guest_pid" ]; then
		# followed from here on, so that a stuck guest shows where it is
		tail -n +1 -f --pid="$guest_pid" "$log_dir/guest" &
		tail_pid=$!
		wait "$guest_pid"
		rc=$?
		guest_pid=
		wait "$tail_pid"
	else
		run_guests 2>&1 | tee "$log_dir/guest"
		rc=${PIPESTATUS[0]}
	fi
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log_dir/guest" | tail -1)
	if [ -n "$summary" ]; then
		read -r gp _ gf _ gs _ <<<"$summary"
		pass=$((pass + gp)) fail=$((fail + gf)) skip=$((skip + gs))
		[ "$gf" = 0 ] || failed+=("guest ($gf)")
	fi
	if [ -z "$summary" ] || { [ "$rc" != 0 ] && [ "${gf:-0}" = 0 ]; }; then
		fail=$((fail + 1)); failed+=("guest harness (exit $rc)")
	fi
fi

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
