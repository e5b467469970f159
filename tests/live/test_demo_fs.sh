#!/bin/bash
# The demo beyond ext4, xfs and tmpfs (issue 10) on this host.  fuse
# (fuse2fs serving an ext4 image) runs here; f2fs, gfs2 and zonefs run
# where the kernel has them (the guests' generic and RT kernels, scenario
# fs), and each one this kernel lacks is named with the reason before and
# after the report, never dropped silently.  What the kernel has is read
# from /proc/filesystems after the run (the demo may load a module).
#   negative: nonzero faults, map_pages, insertions, invalidations on each
#             filesystem that ran, no violation, nothing lost, no mount and
#             no fuse2fs left; only unavailable ones: exit 2
#   positive: fuse's fault-around with map-pages-locked assumed is
#             fault-unlocked, definite
#   stress-ng's file stressors on a fuse mount under check: counts, no
#             violation
. "$(dirname "$0")/lib.sh"
require_live
command -v fuse2fs >/dev/null || fail "fuse2fs missing (make deps-test)"
grep -qw fuse /proc/filesystems || skip "this kernel has no fuse"

export TMPDIR=$TMP	# the demo's scratch directory, so leftovers are ours
run_fl "$TMP/neg" demo --fs fuse,f2fs,gfs2,zonefs --seconds 2 --json "$TMP/neg.json"
rc=$?
J=$TMP/neg.json
[ $rc = 0 ] || { cat "$TMP/neg.stderr"; fail "demo exited $rc, expected 0"; }
missing=
for fs in fuse f2fs gfs2 zonefs; do
	have=no
	grep -qw "$fs" /proc/filesystems && have=yes
	[ $fs = zonefs ] && [ ! -d /sys/kernel/config/nullb ] && have=no
	if [ $have = yes ]; then
		n=$(jq --arg m "/$fs\$" '[.filesystems[] | select(.mount | test($m)) | .counts | select(.faults > 0 and .map_pages > 0 and .insertions > 0 and .invalidations > 0)] | length' "$J")
		[ "$n" = 1 ] || { jq -c .filesystems "$J"; fail "$fs: no row with nonzero faults, map_pages, insertions and invalidations"; }
		note "$fs: $(jq -c --arg m "/$fs\$" '.filesystems[] | select(.mount | test($m)) | .counts | {faults, map_pages, insertions, invalidations}' "$J")"
	else
		grep -q "demo: $fs SKIPPED: " "$TMP/neg.stderr" || fail "$fs is not in this kernel, but the demo did not say it skipped it"
		grep -q "demo: $fs was NOT RUN: " "$TMP/neg.stderr" || fail "$fs: not named again after the report"
		note "$fs: $(grep -m1 "demo: $fs SKIPPED" "$TMP/neg.stderr" | sed 's/.*SKIPPED: //')"
		missing=$fs
	fi
done
assert_json "$J" '.violations | length == 0' "violations on a healthy kernel"
# What faultline cannot check on fuse (docs/rules.md) is said, with the
# protocol table's reason, in the JSON and in the text: never silence.
for r in invalidation-shared stale-map; do
	why=$(jq -r --arg r "$r" '.rules[] | select(.rule == $r) | .not_checked_why.fuse // ""' "$J")
	[ -n "$why" ] || fail "$r: not said to be unchecked on fuse (with a reason) in the JSON"
	grep -qF "$r not checked: $why" "$TMP/neg.stdout" || fail "$r: the text report does not say it is not checked on fuse"
	note "fuse: $r NOT CHECKED: $why"
done
assert_json "$J" '.counts.lost == 0 and .complete' "events lost"
grep -q "$TMP" /proc/mounts && fail "scratch mounts left: $(grep "$TMP" /proc/mounts)"
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "^fuse2fs .*$TMP" &&
		fail "fuse2fs left running (${p#/proc/})"
done

if [ -n "$missing" ]; then
	run_fl "$TMP/none" demo --fs "$missing" --seconds 1
	rc=$?
	[ $rc = 2 ] || fail "demo --fs $missing (unavailable): exit $rc, expected 2"
	grep -q "none of the requested filesystems" "$TMP/none.stderr" || fail "no reason given for exit 2"
fi

run_fl "$TMP/pos" demo --fs fuse --seconds 2 --assume-protocol fuse:map-pages-locked --json "$TMP/pos.json"
rc=$?
[ $rc = 1 ] || { cat "$TMP/pos.stderr"; fail "positive control: exit $rc, expected 1"; }
assert_json "$TMP/pos.json" '[.violations[] | select(.rule == "fault-unlocked" and .evidence == "definite" and .fs == "fuse" and .event == "map_pages")] | length > 0' "no definite fault-unlocked on fuse's fault-around"
assert_json "$TMP/pos.json" '[.violations[] | select(.rule != "fault-unlocked")] | length == 0' "other rules fired"

scratch_fs fuse
mkdir -p "$MNT/s"
run_fl "$TMP/stress" check --path "$MNT" --json "$TMP/stress.json" -- \
	stress-ng --temp-path "$MNT/s" -t 3 --quiet --mmap 1 --mmap-file --mmap-bytes 8M \
	--fallocate 1 --fallocate-bytes 16M --fpunch 1 --seek 1 --seek-punch --seek-size 16M \
	--hdd 1 --hdd-bytes 8M --hdd-write-size 64K --hdd-opts wr-rnd,rd-rnd,fadv-dontneed \
	--fiemap 1 --fiemap-bytes 8M --msync 1 --msync-bytes 8M --msyncmany 1
rc=$?
[ $rc = 0 ] || { cat "$TMP/stress.stderr"; fail "stress-ng on fuse: exit $rc, expected 0"; }
assert_json "$TMP/stress.json" '.filesystems[0].counts | .faults > 0 and .map_pages > 0 and .insertions > 0 and .invalidations > 0' "stress-ng on fuse: a zero count"
assert_json "$TMP/stress.json" '(.violations | length == 0) and .counts.lost == 0' "stress-ng on fuse: violations or losses"
note "stress-ng on fuse: $(jq -c '.filesystems[0].counts | {faults, map_pages, insertions, invalidations}' "$TMP/stress.json")"
exit 0
