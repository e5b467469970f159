# The bug zoo (tests/zoo): every seed bug class reproduced on purpose on a
# zoofs mount (buggy) next to its healthy twin, with real page faults,
# punches and writes from zootrigger, all under one `faultline check` per
# twin.  Each class gets its own mount, so its reports are told apart by
# device.  Runs with tracepoints-or-fallbacks (auto), kprobes, and precise
# lock tracking.
#
# attach: auto kprobe precise
# timeout: 240
# headers: yes
. /lib/fl-guest.sh
classes="004 004t 001 000 003 002"
insmod "$FL_FILES/faultline_zoo.ko" || exit 10

run_twin() {	# twin (bug|ok)
	local twin=$1 paths="" cmd="" c m
	for c in $classes; do
		m=/mnt/zoo-$c-$twin
		mkdir -p "$m"
		# 002 is a bug of iomap files: its healthy twin has them too
		if [ "$twin" = bug ]; then
			mount -t zoofs -o "bugs=$c" zoo "$m" || return 11
		elif [ "$c" = 002 ]; then
			mount -t zoofs -o iomap zoo "$m" || return 11
		else
			mount -t zoofs zoo "$m" || return 11
		fi
		# major:minor of the mount, from mountinfo (field 3)
		echo "$c $(awk -v m="$m" '$5 == m { print $3 }' /proc/self/mountinfo)" >>"devs-$twin.txt"
		paths="$paths --path $m"
		cmd="$cmd $FL_FILES/zootrigger $c $m/f -t ${FL_ZOO_SECONDS:-1.5} -q;"
	done
	fl_run "zoo-$twin" check $paths --json "$FL_RESULTS/zoo-$twin.json" \
		$FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- sh -c "$cmd"
	echo $? >"zoo-$twin.rc"
	for c in $classes; do
		umount "/mnt/zoo-$c-$twin"
	done
}

run_twin bug
run_twin ok
rmmod faultline_zoo
kernel_facts
exit 0
