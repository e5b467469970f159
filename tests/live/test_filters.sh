#!/bin/bash
# --path and --dev name the filesystem BPF sees (inode->i_sb->s_dev, from
# /proc/self/mountinfo), not a file's st_dev: on btrfs (a subvolume, a
# subvolume mounted on its own, a bind mount, the block device) the events
# of a command must be counted under the btrfs device; an overlay is
# watched through its layers.  A filter that matches nothing is an error
# (exit 2, one line), and a watched filesystem that sees no event says so.
. "$(dirname "$0")/lib.sh"
require_live
command -v mkfs.btrfs >/dev/null || fail "mkfs.btrfs missing (make deps-test installs btrfs-progs)"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" build/tests/workload_run >/dev/null || fail "cannot build workload_run"
scratch_fs tmpfs; QUIET=$MNT

B=$TMP/btrfs
mkdir -p "$B" "$TMP/subvol" "$TMP/bind"
truncate -s 300M "$TMP/btrfs.img" && mkfs.btrfs -q -f "$TMP/btrfs.img" >/dev/null &&
	mount -o loop "$TMP/btrfs.img" "$B" || fail "btrfs scratch"
cleanup_hooks+=("umount '$B' 2>/dev/null || umount -l '$B'")
LOOP=$(awk -v m="$B" '$5 == m { print $(NF - 1) }' /proc/self/mountinfo)
DEV=$(awk -v m="$B" '$5 == m { print $3 }' /proc/self/mountinfo)
btrfs subvolume create "$B/sub" >/dev/null || fail "btrfs subvolume create"
mount -o subvol=sub "$LOOP" "$TMP/subvol" || fail "mount the subvolume"
cleanup_hooks+=("umount '$TMP/subvol' 2>/dev/null")
mount --bind "$B/sub" "$TMP/bind" || fail "bind mount"
cleanup_hooks+=("umount '$TMP/bind' 2>/dev/null")
note "btrfs on $LOOP: s_dev $DEV (mountinfo); st_dev of $B $(stat -c %Hd:%Ld "$B"), of sub $(stat -c %Hd:%Ld "$B/sub")"

# I/O the filters must see: insertions (a read after dropping caches)
# and an invalidation (a hole punch)
cat >"$TMP/io.sh" <<'W'
set -e
dd if=/dev/urandom of="$1/f" bs=1M count=4 status=none
sync; echo 3 > /proc/sys/vm/drop_caches
cat "$1/f" >/dev/null
fallocate -p -o 0 -l 1M "$1/f"
W
watch_btrfs() {	# name dir-for-the-io filter...
	local name=$1 dir=$2
	shift 2
	run_fl "$TMP/$name" check "$@" --json "$TMP/$name.json" -- bash "$TMP/io.sh" "$dir"
	local rc=$?
	[ $rc = 0 ] || { cat "$TMP/$name.stderr"; fail "$name: exit $rc"; }
	assert_json "$TMP/$name.json" ".filesystems | map({dev, fstype}) == [{\"dev\": \"$DEV\", \"fstype\": \"btrfs\"}]" \
		"$name: not the btrfs filesystem $DEV"
	assert_json "$TMP/$name.json" '.counts.insertions > 0 and .counts.invalidations > 0 and (.filesystems[0].no_events | not)' \
		"$name: the command's I/O on btrfs was not seen"
	note "$name ($*): $(jq -c '.filesystems[0] | {dev, fstype, mount, inserts: .counts.insertions, invals: .counts.invalidations}' "$TMP/$name.json")"
}
watch_btrfs subvolume "$B/sub" --path "$B/sub"
watch_btrfs subvol-mount "$TMP/subvol" --path "$TMP/subvol"
watch_btrfs bind "$TMP/bind" --path "$TMP/bind"
watch_btrfs blockdev "$B" --dev "$LOOP"

# an overlay: its files' page cache is on its layers (btrfs below, tmpfs above)
mkdir -p "$B/lower" "$QUIET/upper" "$QUIET/work" "$TMP/ovl"
dd if=/dev/urandom of="$B/lower/f" bs=1M count=2 status=none
mount -t overlay overlay -o "lowerdir=$B/lower,upperdir=$QUIET/upper,workdir=$QUIET/work" "$TMP/ovl" ||
	fail "mount an overlay"
cleanup_hooks=("umount '$TMP/ovl' 2>/dev/null" "${cleanup_hooks[@]}")
sync; echo 3 >/proc/sys/vm/drop_caches
run_fl "$TMP/ovl" check --path "$TMP/ovl" --json "$TMP/ovl.json" -- cat "$TMP/ovl/f"
[ $? = 0 ] || { cat "$TMP/ovl.stderr"; fail "overlay: exit $?"; }
assert_json "$TMP/ovl.json" "[.filesystems[] | {dev, fstype}] | sort_by(.fstype) == [{\"dev\": \"$DEV\", \"fstype\": \"btrfs\"}, {\"dev\": \"$(awk -v m="$QUIET" '$5 == m { print $3 }' /proc/self/mountinfo)\", \"fstype\": \"tmpfs\"}]" \
	"overlay: not its layers' filesystems"
assert_json "$TMP/ovl.json" ".filesystems[] | select(.fstype == \"btrfs\") | .counts.insertions > 0" "overlay: the read of a lower file was not seen on btrfs"
note "overlay: $(jq -c '[.filesystems[] | {dev, fstype, inserts: .counts.insertions}]' "$TMP/ovl.json")"
umount "$TMP/ovl"

# --pid watches that process's tasks: a busy xfs next door, whose extents
# change in its writer and in kworkers (which faultline follows for any
# watched file's maps), is not a filesystem of this run.  The watched
# process writes with bash builtins only: its children would not be it.
scratch_fs xfs; NB=$MNT
NBDEV=$(awk -v m="$NB" '$5 == m { print $3 }' /proc/self/mountinfo)
(
	while [ ! -e "$TMP/nb.stop" ]; do
		dd if=/dev/zero of="$NB/f" bs=64k count=64 conv=notrunc status=none
		sync "$NB/f"
		fallocate -p -o 65536 -l 1M "$NB/f"
	done
) &
nbpid=$!
cleanup_hooks=("touch '$TMP/nb.stop'; wait $nbpid 2>/dev/null" "${cleanup_hooks[@]}")
mkfifo "$TMP/go"
bash -c 'read -t 10 <"$1"; for i in {1..256}; do printf "%4096s" x >>"$2/pidfile"; done' \
	_ "$TMP/go" "$B" &
wpid=$!
"$FL" check --pid $wpid --duration 6 --json "$TMP/pid.json" >"$TMP/pid.stdout" 2>"$TMP/pid.stderr" &
flpid=$!
wait_tracing $flpid "$TMP/pid.stderr"
echo go >"$TMP/go"
wait $flpid
rc=$?
wait $wpid
touch "$TMP/nb.stop"
wait $nbpid
[ $rc = 0 ] || { cat "$TMP/pid.stderr"; fail "--pid: exit $rc"; }
assert_json "$TMP/pid.json" "[.filesystems[] | select(.dev == \"$DEV\") | .counts.insertions > 0] == [true]" \
	"--pid: the process's writes on btrfs $DEV were not seen"
assert_json "$TMP/pid.json" ".filesystems | map(.dev) | index(\"$NBDEV\") == null" \
	"--pid: the neighbour's xfs $NBDEV is in the report"
note "--pid: $(jq -c '[.filesystems[] | {dev, fstype, ins: .counts.insertions}]' "$TMP/pid.json"), neighbour $NBDEV"

# filters that match nothing: exit 2 with one line
nothing() {	# what args...
	local what=$1 rc
	shift
	run_fl "$TMP/n" check --duration 1 "$@"
	rc=$?
	[ $rc = 2 ] || fail "$what: exit $rc, expected 2"
	[ "$(wc -l <"$TMP/n.stderr")" = 1 ] || { cat "$TMP/n.stderr"; fail "$what: not one line on stderr"; }
	note "$what: $(cat "$TMP/n.stderr")"
}
nothing "--dev of no device" --dev 999:999
truncate -s 64M "$TMP/spare.img"
SPARE=$(losetup -f --show "$TMP/spare.img") || fail "losetup"
cleanup_hooks+=("losetup -d '$SPARE'")
nothing "--dev of a device with no filesystem mounted" --dev "$SPARE"
pid=999999
while [ -e /proc/$pid ]; do pid=$((pid + 1)); done
nothing "--pid of no process" --pid $pid
"$ROOT/build/tests/workload_run" "$QUIET" 5 >/dev/null 2>&1 &
wl=$!
cleanup_hooks+=("kill $wl 2>/dev/null")
tid=""
for _ in $(seq 50); do
	tid=$(ls /proc/$wl/task 2>/dev/null | grep -vx "$wl" | head -1)
	[ -n "$tid" ] && break
	sleep 0.1
done
[ -n "$tid" ] || fail "the workload started no thread"
nothing "--pid of a thread" --pid "$tid"
kill $wl; wait $wl 2>/dev/null

# a watched filesystem that saw nothing says so, and is no error (a
# tmpfs of its own: nothing above touched it, nothing is left running there)
mkdir "$TMP/idle"
mount -t tmpfs -o size=1m fl-test-idle "$TMP/idle" || fail "mount a tmpfs"
cleanup_hooks+=("umount '$TMP/idle' 2>/dev/null")
run_fl "$TMP/idle" check --path "$TMP/idle" --duration 1 --json "$TMP/idle.json"
[ $? = 0 ] || fail "an idle watched filesystem: not exit 0"
grep -q "^NO EVENTS: tmpfs .* was watched but saw no event" "$TMP/idle.stdout" ||
	{ jq -c .filesystems "$TMP/idle.json"; fail "no NO EVENTS line for the idle filesystem"; }
assert_json "$TMP/idle.json" '.filesystems[0].no_events == true' "JSON: no_events not set"
exit 0
