# Lock order (faultline --lock-order): the zoo's "lo" class, i_rwsem and
# invalidate_lock taken in both orders by one task (bugs=lo) next to its
# healthy twin (the documented order on both paths).  zoofs has no lock
# tracepoints: only precise mode (fentry on the rw_semaphore operations)
# sees its locks, so only precise runs here (in auto mode the twins were
# negative controls of a hook that sees nothing, 90-115 s on 6.1; auto
# mode's negative controls under --lock-order are lockload's stress-ng and
# file storm, its positive control on real paths rtlockorder's lo-other).
# A demo here likewise cost one more BPF load for nothing lockload does not
# check.
#
# attach: precise
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
