# The window form of the stale-map rule (issue 10, point 5), on the bug
# zoo: zoofs mounted "nocookie" hands out maps without a validity cookie or
# ->iomap_valid and publishes no extent sequence (as gfs2 and zonefs), so
# faultline judges its maps by invalidation windows.  zootrigger 002w
# rewrites 1 MiB with one pwrite (one map) while another thread punches
# 64 KiB ranges of it.  Healthy twin: punches take i_rwsem, no map outlives
# a punch of its range.  Buggy twin (bugs=002w): punches skip i_rwsem, a
# write's map is held across whole punches: stale-map, observed race.
#
# attach: auto kprobe precise
# timeout: 240
# headers: yes
. /lib/fl-guest.sh
insmod "$FL_FILES/faultline_zoo.ko" || exit 10

run_twin() {	# twin options
	local twin=$1 opts=$2 m=/mnt/stalewin-$1
	mkdir -p "$m"
	mount -t zoofs -o "$opts" zoo "$m" || return 11
	awk -v m="$m" '$5 == m { print $3 }' /proc/self/mountinfo >"dev-$twin.txt"
	fl_run "sw-$twin" check --path "$m" --json "$FL_RESULTS/sw-$twin.json" \
		$FL_ATTACH_ARGS ${FL_VERBOSE:+-v} -- \
		"$FL_FILES/zootrigger" 002w "$m/f" -t "${FL_ZOO_SECONDS:-2}"
	echo $? >"sw-$twin.rc"
	grep "dev=$(cat "dev-$twin.txt") " /proc/fs/zoofs/stats >"zoo-$twin.stats"
	umount "$m"
}

run_twin bug nocookie,bugs=002w
run_twin ok nocookie
rmmod faultline_zoo
kernel_facts
exit 0
