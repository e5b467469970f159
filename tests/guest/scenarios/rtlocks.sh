# PREEMPT_RT lock words: on an RT kernel rw_semaphore is rwbase_rt (a
# reader count and an rtmutex), read by BPF in that shape.  A healthy demo
# on ext4 and xfs (negative control: the lock rules checked, no violation)
# and ext4 with ->map_pages asserted to need invalidate_lock, which no
# kernel's ext4 takes there (positive control: definite fault-unlocked
# from the RT lock word).  The host side skips non-RT kernels.
#
# attach: auto tp precise
# flavours: rt
# timeout: 240
# modules: loop ext4 xfs
# guest-bins: mkfs.ext4 mkfs.xfs
# host-files: /etc/mke2fs.conf
. /lib/fl-guest.sh
fl_run probe probe $FL_ATTACH_ARGS
fl_run neg demo --fs ext4,xfs --seconds "${FL_DEMO_SECONDS:-3}" --json "$FL_RESULTS/neg.json" \
	$FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
neg=$?
fl_run pos demo --fs ext4 --seconds 2 --assume-protocol ext4:map-pages-locked \
	--json "$FL_RESULTS/pos.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
kernel_facts
grep faultline-scratch /proc/mounts >leftover-mounts.txt
exit $neg
