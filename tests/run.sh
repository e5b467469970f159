#!/bin/bash
# faultline's test runner: unit tests (cmocka binaries in build/tests/),
# then live tests (tests/live/*.sh, real BPF on real loop-mounted
# filesystems).  Prints one line per test and a closing
# "N passed, N failed, N skipped" line.  Under CI=true a skip is a failure:
# CI machines can load tp_btf, so nothing core may be skipped there.
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

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		name=unit/$(basename "$t")
		"$t" >"$log_dir/log" 2>&1
		result "$name" $? "$log_dir/log"
	done
fi

if [ "$what" = all ] || [ "$what" = live ]; then
	for t in tests/live/test_*.sh; do
		name=live/$(basename "$t" .sh)
		start=$(date +%s)
		timeout 600 bash "$t" >"$log_dir/log" 2>&1
		rc=$?
		result "$name ($(( $(date +%s) - start ))s)" $rc "$log_dir/log"
	done
fi

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
