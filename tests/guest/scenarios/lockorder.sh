# Lock order (faultline --lock-order): the zoo's "lo" class, i_rwsem and
# invalidate_lock taken in both orders by one task (bugs=lo) next to its
# healthy twin (the documented order on both paths).  zoofs has no lock
# tracepoints: only precise mode (fentry on the rw_semaphore operations)
# sees its locks; in auto mode the zoo twins are negative controls only.
# The healthy workload on ext4 and xfs under --lock-order is lockload's
# (stress-ng and a file storm, with the same checks and more): a demo here
# cost one more BPF load per mode for nothing it did not check.
#
# attach: precise auto
# timeout: 300
# headers: yes
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
kernel_facts
exit 0
