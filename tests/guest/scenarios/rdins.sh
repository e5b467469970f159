# Precise lock tracking against the bug zoo's rdins class: two threads
# hold invalidate_lock shared over and over, an ioctl inserts folios (on
# the buggy twin without the lock) and a punch loop takes the lock
# exclusive, so that the readers queue behind each punch and are granted
# the lock together when it ends.  While readers hold it, the lock word
# cannot say whether the inserter is one of them: --locks=precise must.
# The buggy twin runs a second time with the lock word alone, to show how
# much of it that leaves unknown.  Last, a hold taken before faultline
# attached (see run_preheld).
#
# attach: precise
# timeout: 420
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

# The negative control of a task's own record: a task that took
# invalidate_lock shared before faultline attached and inserts under it
# (healthy).  Precise tracking never saw that hold taken: its insertions
# must all stay unknown, none reported.
run_preheld() {
	local m=/mnt/rdins-preheld pid
	mkdir -p "$m"
	mount -t zoofs zoo "$m" || return 11
	awk -v m="$m" '$5 == m { print $3 }' /proc/self/mountinfo >preheld.dev
	# held until faultline is done (however long it takes to start)
	"$FL_FILES/zootrigger" rdhold "$m/f" -t 300 >preheld.trigger 2>&1 &
	pid=$!
	while ! grep -q holding preheld.trigger 2>/dev/null; do sleep 0.2; done
	sleep 1
	fl_run preheld check --pid "$pid" --path "$m" --duration 8 --json "$FL_RESULTS/preheld.json" \
		$FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
	kill "$pid"
	wait "$pid"
	cat preheld.trigger
	umount "$m"
}

run_rdins bug-precise bug $FL_ATTACH_ARGS
run_rdins ok-precise ok $FL_ATTACH_ARGS
run_rdins bug-lockword bug --attach=auto
run_preheld
rmmod faultline_zoo
kernel_facts
exit 0
