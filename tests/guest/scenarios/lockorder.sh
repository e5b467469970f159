# Lock order (faultline --lock-order): the zoo's "lo" class, i_rwsem and
# invalidate_lock taken in both orders by one task (bugs=lo) next to its
# healthy twin (the documented order on both paths), then the demo on ext4
# and xfs as a healthy workload.  zoofs has no lock tracepoints: only
# precise mode (fentry on the rw_semaphore operations) sees its locks; in
# auto mode the zoo twins are negative controls only and the demo's xfs
# and ext4 edges come from xfs_ilock / jbd2 tracepoints.
#
# attach: precise auto
# timeout: 300
# headers: yes
# modules: loop xfs
# guest-bins: mkfs.ext4 mkfs.xfs
# host-files: /etc/mke2fs.conf
. /lib/fl-guest.sh
insmod "$FL_FILES/faultline_zoo.ko" || exit 10

for twin in bug ok; do
	m=/mnt/zoo-lo-$twin
	mkdir -p "$m"
	if [ $twin = bug ]; then
		mount -t zoofs -o bugs=lo zoo "$m" || exit 11
	else
		mount -t zoofs zoo "$m" || exit 11
	fi
	fl_run "zoo-$twin" check --lock-order --path "$m" --json "$FL_RESULTS/zoo-$twin.json" \
		$FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- "$FL_FILES/zootrigger" lo "$m/f" -t 1 -q
	umount "$m"
done
rmmod faultline_zoo

fl_run demo demo --lock-order --fs ext4,xfs --seconds "${FL_DEMO_SECONDS:-3}" \
	--json "$FL_RESULTS/demo.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
kernel_facts
exit 0
