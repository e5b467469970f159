# The filesystems the cloud kernels lack, and PREEMPT_RT (issue 10), on
# Debian's generic and RT flavours: f2fs, gfs2 (lock_nolock), zonefs (a
# zoned null_blk device) and fuse (fuse2fs over an ext4 image); on RT
# kernels ext4 and xfs too, whose lock words have another shape there.
# Per filesystem, in one boot per kernel:
#   demo      the built-in workload (negative control)
#   stress    third-party workloads under `faultline check`: stress-ng's
#             file stressors (mmap faults, fallocate punch/zero/collapse/
#             insert, truncate, seeks with punches, random I/O with cache
#             drops, fiemap, msync, and msyncmany, whose many mappings of
#             one file page read-fault it in: fault-around, which the
#             others did not always give on gfs2) on each filesystem but zonefs, whose
#             files are zones: xfs_io there (mmap writes and reads of a
#             conventional zone; direct appends to sequential zones, their
#             read-only mappings, resets and finishes by truncation)
#   positive  fault-around on a cached file of each of those mounts with
#             map-pages-locked assumed for every filesystem (positive
#             control: no filesystem here holds invalidate_lock there)
# fs.host judges each filesystem apart: RESULT lines, one per filesystem.
# zonefs first gets a probe of its own sequential-zone writes (zonefs_probe):
# a kernel that fails them has zonefs left out, said loudly (a SKIP line).
#
# attach: auto precise
# attach-generic: auto
# flavours: generic rt
# timeout: 600
# modules: loop ext4 xfs f2fs gfs2 zonefs configfs null_blk fuse
# guest-bins: mkfs.ext4 mkfs.xfs mkfs.f2fs mkfs.gfs2 fuse2fs stress-ng xfs_io
# host-files: /etc/mke2fs.conf
. /lib/fl-guest.sh
SECS=${FL_DEMO_SECONDS:-2}
STRESS_SECS=${FL_STRESS_SECONDS:-20}
case $FL_FLAVOUR in
rt) FS="ext4 xfs f2fs gfs2 zonefs fuse" ;;
*) FS="f2fs gfs2 zonefs fuse" ;;
esac

# --- the third-party workloads, run by `faultline check` below ------------
stress_one() {	# fstype mountpoint
	if [ "$1" = zonefs ]; then
		# xfs_io (fstests' tool): mmap writes, msync, reads and cache
		# drops on a conventional zone's file; direct appends to
		# sequential zones, read-only mappings of them, zone resets
		# (truncate 0) and finishes (truncate to the zone size)
		end=$(($(date +%s) + STRESS_SECS))
		while [ "$(date +%s)" -lt "$end" ]; do
			xfs_io -c "mmap -rw 0 16m" -c "mwrite -S 0x5a 0 16m" -c "msync -s 0 16m" \
				-c "munmap" -c "fadvise -d 0 16m" -c "mmap -r 0 16m" -c "mread 0 16m" \
				-c "pread -q 0 1m" "$2/cnv/1" >/dev/null
		done &
		# each pass writes, then reads, then resets a zone: a reset
		# drops page cache every pass (an empty zone's reset drops none)
		while [ "$(date +%s)" -lt "$end" ]; do
			for z in 1 2; do
				f=$2/seq/$z
				fin=
				[ $z = 1 ] && fin="truncate 16m"	# zone finish
				xfs_io -d -c "pwrite -q -b 64k 0 2m" ${fin:+-c "$fin"} "$f" &&
					xfs_io -r -c "mmap -r 0 2m" -c "mread 0 2m" -c "pread -q 0 2m" "$f" >/dev/null &&
					xfs_io -c "truncate 0" "$f"
			done
		done
		wait
		return 0
	fi
	mkdir -p "$2/stress"
	stress-ng --temp-path "$2/stress" -t "$STRESS_SECS" --quiet \
		--mmap 1 --mmap-file --mmap-bytes 8M \
		--fallocate 1 --fallocate-bytes 16M \
		--fpunch 1 \
		--seek 1 --seek-punch --seek-size 16M \
		--hdd 1 --hdd-bytes 8M --hdd-write-size 64K --hdd-opts wr-rnd,rd-rnd,fadv-dontneed \
		--fiemap 1 --fiemap-bytes 8M \
		--msync 1 --msync-bytes 8M \
		--msyncmany 1
}
# Fault-around on a cached file of each mount: written, read into the page
# cache, then mapped and read twice (the positive control's real faults).
fault_around() {	# fstype mountpoint
	local f=$2/fault-around
	if [ "$1" = zonefs ]; then
		f=$2/cnv/2	# a conventional zone: the file exists, fixed size
	else
		xfs_io -f -c "pwrite -q 0 1m" "$f" || return 1
	fi
	xfs_io -c "pread -q 0 1m" -c "mmap -r 0 1m" -c "mread 0 1m" -c "munmap" \
		-c "mmap -r 0 1m" -c "mread 0 1m" "$f" >/dev/null
	[ "$1" = zonefs ] || rm -f "$f"
}
if [ "${1:-}" = --fault-around ]; then
	shift
	while [ $# -ge 2 ]; do
		fault_around "$1" "$2" || echo "# fault-around on $1 failed"
		shift 2
	done
	exit 0
fi
if [ "${1:-}" = --stress ]; then
	shift
	while [ $# -ge 2 ]; do
		echo "# stress on $1 ($2)"
		stress_one "$1" "$2" || echo "# stress on $1 exited $?"
		shift 2
	done
	exit 0
fi

# --- scratch filesystems for the stress run ---------------------------------
# zonefs without mkzonefs: a zoned null_blk device and the one-block
# superblock (fs/zonefs/zonefs.h): "ZOFS" little-endian, the kernel's
# crc32(~0) of the block (zlib's CRC, which gzip's trailer holds, with
# every bit inverted), nothing else set.
zonefs_make() {	# mountpoint [configfs name]
	local z=/sys/kernel/config/nullb/${2:-flstress} crc
	grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs none /sys/kernel/config
	mkdir "$z" || return 1
	echo 256 >"$z/size" && echo 4096 >"$z/blocksize" && echo 1 >"$z/memory_backed" &&
		echo 1 >"$z/zoned" && echo 16 >"$z/zone_size" && echo 4 >"$z/zone_nr_conv" &&
		echo 1 >"$z/power" || return 1
	# named after the configfs directory since 6.0, nullb<index> before
	ZDEV=/dev/${2:-flstress}
	[ -b "$ZDEV" ] || ZDEV=/dev/nullb$(cat "$z/index")
	[ -b "$ZDEV" ] || { echo "# no block device for $z"; return 1; }
	{ printf 'SFOZ'; head -c 4092 /dev/zero; } >/tmp/zsb
	crc=$(gzip -c /tmp/zsb | tail -c 8 | head -c 4 | od -An -tu1 |
		awk '{ for (i = 1; i <= NF; i++) printf "\\%03o", 255 - $i }')
	{ printf 'SFOZ'; printf "$crc"; head -c 4088 /dev/zero; } >/tmp/zsb
	dd if=/tmp/zsb of="$ZDEV" bs=4096 count=1 conv=fsync 2>/dev/null &&
		mount -t zonefs "$ZDEV" "$1"
}

zonefs_drop() {	# [configfs name]
	local z=/sys/kernel/config/nullb/${1:-flstress}
	[ -d "$z" ] || return 0
	echo 0 >"$z/power"
	rmdir "$z"
}

# zonefs's own sequential-zone write, before faultline is near it: one
# synchronous direct write of a block to seq/0 of a fresh zonefs.  Debian's
# 6.1.192 fails every such write with EIO, "Corrupted write pointer"
# (tests/findings/zonefs-6.1-sync-dio-eio.md); zonefs is then left out of
# this kernel's runs and fs.host says so.  The probe's kernel messages are
# the finding, not a splat: they go to zonefs-probe-dmesg.txt, what came
# before them to pre-probe-dmesg.txt (fs.host looks at both).
zonefs_probe() {
	local m=/mnt/zonefs-probe out
	uname -v >uname-v.txt
	grep -qw zonefs /proc/filesystems || modprobe zonefs 2>/dev/null
	grep -qw zonefs /proc/filesystems || { echo "absent" >zonefs-probe.txt; return 0; }
	dmesg -c >pre-probe-dmesg.txt
	mkdir -p "$m"
	if ! zonefs_make "$m" flprobe; then
		echo "unmade" >zonefs-probe.txt
	elif out=$(xfs_io -d -c "pwrite -q 0 4k" "$m/seq/0" 2>&1); then
		echo "ok" >zonefs-probe.txt
	else
		echo "broken: $out" >zonefs-probe.txt
	fi
	umount "$m" 2>/dev/null
	zonefs_drop flprobe
	dmesg -c >zonefs-probe-dmesg.txt
	echo "# zonefs probe: $(cat zonefs-probe.txt)"
}

make_fs() {	# fstype mountpoint
	local img=/tmp/stress-$1.img
	mkdir -p "$2"
	case $1 in
	zonefs) zonefs_make "$2"; return ;;
	xfs) truncate -s 512M "$img" && mkfs.xfs -q -f "$img" ;;
	f2fs) truncate -s 256M "$img" && mkfs.f2fs -q -f "$img" ;;
	gfs2) truncate -s 256M "$img" && mkfs.gfs2 -O -q -p lock_nolock -j 1 -J 8 "$img" ;;
	ext4 | fuse) truncate -s 256M "$img" && mkfs.ext4 -q -F "$img" ;;
	esac || return 1
	if [ "$1" = fuse ]; then
		fuse2fs "$img" "$2" || return 1
	else
		mount -t "$1" -o loop "$img" "$2"
	fi
}

# guest uptime at each step: where a slow run spends its time
step() { echo "# step $1 at $(cut -d' ' -f1 /proc/uptime)"; }
rc=0
step start
zonefs_probe
case $(cat zonefs-probe.txt) in
broken*)
	echo "# zonefs: not checked on $(uname -r): its own synchronous direct writes to" \
		"sequential zones fail with EIO (tests/findings/zonefs-6.1-sync-dio-eio.md)"
	FS=$(echo $FS | sed 's/zonefs//')
	;;
esac
if [ "$FL_ATTACH" = auto ] && [ "$FL_FLAVOUR" = rt ]; then
	fl_run probe probe -v
	cp probe.stdout probe.txt
fi
list=$(echo $FS | tr ' ' ,)
step demo
fl_run demo demo --fs "$list" --seconds "$SECS" --json "$FL_RESULTS/demo.json" \
	$FL_ATTACH_ARGS ${FL_VERBOSE:+-v} || rc=1
assume=
for fs in $FS; do assume="$assume --assume-protocol $fs:map-pages-locked"; done
step mkfs
paths= args=
for fs in $FS; do
	m=/mnt/stress-$fs
	if make_fs "$fs" "$m"; then
		paths="$paths --path $m"
		args="$args $fs $m"
		echo "$fs $m $(awk -v m="$m" '$5 == m { print $3 }' /proc/self/mountinfo)" >>stress-mounts.txt
	else
		echo "# cannot make $fs for the stress run"
		echo "$fs" >>stress-unmade.txt
	fi
done
step stress
if [ -n "$paths" ]; then
	fl_run stress check $paths --json "$FL_RESULTS/stress.json" $FL_ATTACH_ARGS \
		${FL_VERBOSE:+-v} -- sh /scenarios/fs/run.sh --stress $args || rc=1
fi
# positive control: fault-around on every mount with the stricter
# protocol assumed for every filesystem
step positive
assume=
for fs in $FS; do assume="$assume --assume-protocol $fs:map-pages-locked"; done
if [ -n "$paths" ]; then
	fl_run positive check $paths $assume --json "$FL_RESULTS/positive.json" $FL_ATTACH_ARGS \
		${FL_VERBOSE:+-v} -- sh /scenarios/fs/run.sh --fault-around $args
fi
step end
kernel_facts
# xfs 5.10..6.3 takes MMAPLOCK shared in ->map_pages (fs.host)
grep -q ' xfs_filemap_map_pages' /proc/kallsyms && echo yes >xfs-map-pages-locked.txt
for fs in $FS; do
	umount "/mnt/stress-$fs" 2>/dev/null
	rm -f "/tmp/stress-$fs.img"
done
zonefs_drop
grep faultline-scratch /proc/mounts >leftover-mounts.txt
exit $rc
