# Precise lock tracking against the bug zoo's rdins class: two threads
# hold invalidate_lock shared over and over, an ioctl inserts folios (on
# the buggy twin without the lock) and a punch loop takes the lock
# exclusive, so that the readers queue behind each punch and are granted
# the lock together when it ends.  While readers hold it, the lock word
# cannot say whether the inserter is one of them: --locks=precise must.
# The buggy twin runs a second time with the lock word alone, to show how
# much of it that leaves unknown.
#
# attach: precise
# timeout: 240
# headers: yes
. /lib/fl-guest.sh
insmod "$FL_FILES/faultline_zoo.ko" || exit 10

run_rdins() {	# name bug|ok faultline-attach-args...
	local name=$1 twin=$2 m=/mnt/rdins-$1
	shift 2
	mkdir -p "$m"
	if [ "$twin" = bug ]; then
		mount -t zoofs -o bugs=rdins zoo "$m" || return 11
	else
		mount -t zoofs zoo "$m" || return 11
	fi
	# major:minor of the mount, from mountinfo (field 3)
	awk -v m="$m" '$5 == m { print $3 }' /proc/self/mountinfo >"$name.dev"
	fl_run "$name" check --path "$m" --json "$FL_RESULTS/$name.json" "$@" ${FL_VERBOSE:+-v} \
		-- "$FL_FILES/zootrigger" rdins "$m/f" -t "${FL_RDINS_SECONDS:-3}" -n 1000000
	umount "$m"
}

run_rdins bug-precise bug $FL_ATTACH_ARGS
run_rdins ok-precise ok $FL_ATTACH_ARGS
run_rdins bug-lockword bug --attach=auto
rmmod faultline_zoo
kernel_facts
exit 0
