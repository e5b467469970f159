# Lock order on PREEMPT_RT (issue 10).  RT kernels preempt BPF programs,
# so the kernel may skip a run of precise tracking's fentry hooks (busy on
# its CPU): those records cannot feed lock order there, and with
# --locks=precise lock order must be what it is without it (tracepoints
# and lock words).  Per attach mode, under `check --lock-order`:
#   zoo-bug   positive control: the zoo (bugs=lo) writes a page of an xfs
#             file under the task's mmap_lock (lo-other: i_rwsem under
#             mmap_lock, seen by the mmap_lock and xfs_ilock tracepoints),
#             then its zoofs-only inversions (lo), which only precise
#             tracking's records could see;
#   zoo-ok    its healthy twin (the same paths in the documented order);
#   load      negative control: stress-ng's file stressors on ext4 and xfs.
# The host side skips non-RT kernels.  Not in `make test` (its time: two
# runs of 45-60 s, and the RT kernel's headers, whose install also pulls
# the RT image onto the host): run it by name,
#   tests/guest/run.sh --kernel 6.12-rt --scenario rtlockorder
#
# attach: auto precise
# flavours: rt
# default-kernels: none
# timeout: 420
# headers: yes
# modules: loop ext4 xfs
# guest-bins: mkfs.ext4 mkfs.xfs stress-ng
# host-files: /etc/mke2fs.conf
. /lib/fl-guest.sh
SECS=${FL_LOAD_SECS:-5}
for fs in xfs ext4; do
	m=/mnt/lo-$fs img=/tmp/lo-$fs.img
	mkdir -p "$m"
	case $fs in
	xfs) truncate -s 512M "$img" && mkfs.xfs -q -f "$img" ;;	# 300 MB at least
	ext4) truncate -s 256M "$img" && mkfs.ext4 -q -F "$img" ;;
	esac && mount -o loop "$img" "$m" || { echo "cannot make $fs"; exit 10; }
	mkdir -p "$m/s"
done
insmod "$FL_FILES/faultline_zoo.ko" || exit 11
for twin in bug ok; do
	m=/mnt/zoo-lo-$twin
	mkdir -p "$m"
	if [ $twin = bug ]; then
		mount -t zoofs -o bugs=lo zoo "$m" || exit 12
	else
		mount -t zoofs zoo "$m" || exit 12
	fi
	cat >"zoo-$twin.sh" <<EOS
"$FL_FILES/zootrigger" lo-other "$m/f" -o /mnt/lo-xfs/other-$twin -t 1 -q &&
	"$FL_FILES/zootrigger" lo "$m/f" -t 1 -q
EOS
	fl_run "zoo-$twin" check --lock-order --path "$m" --path /mnt/lo-xfs \
		--json "$FL_RESULTS/zoo-$twin.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- sh "zoo-$twin.sh"
	umount "$m"
done
rmmod faultline_zoo
cat >load.sh <<EOS
for fs in xfs ext4; do
	stress-ng --mmap 2 --mmap-file --mmap-bytes 16M \\
		--fallocate 1 --fallocate-bytes 32M --fpunch 1 --rename 1 \\
		--copy-file 1 --copy-file-bytes 128M --msync 1 \\
		--readahead 1 --readahead-bytes 16M --temp-path /mnt/lo-\$fs/s -t $SECS --quiet
	echo \$? >"$PWD/\$fs-stress.wrc"
done
EOS
fl_run load check --lock-order --path /mnt/lo-xfs --path /mnt/lo-ext4 \
	--json "$FL_RESULTS/load.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- sh load.sh
for f in ./*.wrc; do echo "# workload $(basename "$f" .wrc): exit $(cat "$f")"; done
for fs in xfs ext4; do umount "/mnt/lo-$fs"; rm -f "/tmp/lo-$fs.img"; done
kernel_facts
exit 0
