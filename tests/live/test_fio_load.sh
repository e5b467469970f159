#!/bin/bash
# fio, negative control: a third-party I/O generator racing the fault path
# against invalidations on one shared file, on a scratch xfs and ext4,
# under `check` and `check --lock-order` at the default ring.  Jobs: mmap
# random reads and writes (two, for faults, fault-around and page_mkwrite),
# random hole punches and preallocations (fio's falloc engine:
# FALLOC_FL_PUNCH_HOLE for trims), buffered and O_DIRECT random I/O (direct
# writes invalidate the cached range).  A healthy kernel takes every lock
# these paths need: every run must end with no violation, nothing lost, a
# complete verdict, and the counts that show the race happened (faults,
# insertions and invalidations of the shared file); --lock-order must also
# see order edges and follow every hold.  The positive controls of the
# same rules are test_positive_invalidation.sh, test_positive_map_pages.sh,
# test_stale_maps.sh and the zoo's seeds (tests/guest/scenarios/zoo.sh).
. "$(dirname "$0")/lib.sh"
require_live
command -v fio >/dev/null || fail "fio missing (make deps-test)"
SECS=${FL_LOAD_SECS:-8}

job() {	# dir: the job file on stdout
	cat <<J
[global]
directory=$1
filename=shared
size=64m
time_based=1
runtime=$SECS
[mmap]
ioengine=mmap
rw=randrw
bs=4k
numjobs=2
[punch]
ioengine=falloc
rw=randtrim
bs=64k
[alloc]
ioengine=falloc
rw=randwrite
bs=64k
[buffered]
ioengine=psync
rw=randrw
bs=16k
[direct]
ioengine=psync
direct=1
rw=randwrite
bs=4k
J
}

for fs in xfs ext4; do
	scratch_fs "$fs" 1G
	mkdir -p "$MNT/fio"
	job "$MNT/fio" >"$TMP/$fs.fio"
	for mode in check lock-order; do
		J=$TMP/$fs-$mode.json
		"$FL" check $([ "$mode" = lock-order ] && echo --lock-order) --path "$MNT" --json "$J" \
			-- fio --output-format=terse "$TMP/$fs.fio" >"$TMP/$fs-$mode.out" 2>&1
		rc=$?
		name="$fs fio $mode"
		note "$name: exit $rc, $(jq -c '{lost: .counts.lost, complete} + (.filesystems[0].counts | {faults, map_pages, insertions, invalidations}) + {unknown: .counts.unknown_lock_state}' "$J")"
		[ "$rc" = 0 ] || { tail -n 20 "$TMP/$fs-$mode.out"; fail "$name: exit $rc, expected 0"; }
		assert_json "$J" '.violations | length == 0' "$name: violations"
		assert_json "$J" '.counts.lost == 0 and .complete' "$name: events lost or the verdict incomplete"
		assert_json "$J" '.filesystems[0].counts | .faults > 0 and .map_pages > 0 and .insertions > 0 and .invalidations > 0' \
			"$name: a zero count (the workload did not race faults against invalidations)"
		[ "$mode" = lock-order ] || continue
		note "$name: edges $(jq -c '[.lock_order.edges[] | "\(.from) -> \(.to) x\(.count)"]' "$J")"
		assert_json "$J" '.lock_order.edges | length > 0' "$name: no order edge seen"
		for k in unmatched_releases_late held_overflow orphans no_task_state unsent_releases \
			 deferred_missed beyond_limits; do
			assert_json "$J" ".lock_order.not_followed.$k == 0" "$name: not followed: $k"
		done
	done
done
