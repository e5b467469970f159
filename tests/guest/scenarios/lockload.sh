# Lock order under load in the guest kernels (issue 13): stress-ng's file
# stressors and a file storm (tests/live/tools/file_storm.sh) on xfs and
# ext4 (scenario disks made on the host), one after the other under a
# single check --lock-order at the default ring, with and without precise
# lock tracking.  One faultline start per mode: in TCG loading the BPF
# objects costs more than the workloads.  Not stress-ng's madvise stressor:
# as root it poisons pages (MADV_HWPOISON), which the 6.12 guest handles
# as memory failure and stress-ng reports as failed.  The host side
# (lockload.host) holds the expectations.
#
# attach: auto precise
# timeout: 420
# modules: xfs
# guest-bins: stress-ng
. /lib/fl-guest.sh
SECS=${FL_LOAD_SECS:-6}
for fs in xfs ext4; do
	m=/mnt/load-$fs
	mkdir -p "$m"
	mount "/dev/disk/by-serial/load$fs" "$m" || { echo "cannot mount the $fs disk"; exit 10; }
	mkdir -p "$m/s" "$m/f"
done
# Each workload's exit status in its own file (the cwd is FL_RESULTS):
# the host tells a failed workload from a faultline finding.
cat >workload.sh <<EOS
for fs in xfs ext4; do
	m=/mnt/load-\$fs
	stress-ng --mmap 2 --mmap-file --mmap-bytes 16M \\
		--fallocate 1 --fallocate-bytes 32M --fpunch 1 --fiemap 1 --rename 1 \\
		--copy-file 1 --copy-file-bytes 128M --link 1 --msync 1 \\
		--readahead 1 --readahead-bytes 16M --temp-path "\$m/s" -t $SECS --quiet
	echo \$? >"$PWD/\$fs-stress.wrc"
	sh "$FL_FILES/file_storm.sh" "\$m/f" $SECS 1000
	echo \$? >"$PWD/\$fs-storm.wrc"
done
EOS
fl_run load check --lock-order --path /mnt/load-xfs --path /mnt/load-ext4 \
	--json "$FL_RESULTS/load.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- sh workload.sh
rc=$?
for f in ./*.wrc; do echo "# workload $(basename "$f" .wrc): exit $(cat "$f")"; done
for fs in xfs ext4; do umount "/mnt/load-$fs"; done
exit $rc
