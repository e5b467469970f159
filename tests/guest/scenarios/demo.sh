# faultline demo on loop-mounted ext4 and xfs made inside the guest
# (mkfs.ext4/mkfs.xfs copied from the host with their libraries).
#
# attach: auto tp fentry kprobe precise
# timeout: 240
# modules: loop xfs
# guest-bins: mkfs.ext4 mkfs.xfs
# host-files: /etc/mke2fs.conf
. /lib/fl-guest.sh
fl_run demo demo --fs ext4,xfs --seconds "${FL_DEMO_SECONDS:-3}" --json "$FL_RESULTS/demo.json" \
	$FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
rc=$?
kernel_facts
grep faultline-scratch /proc/mounts >leftover-mounts.txt
exit $rc
