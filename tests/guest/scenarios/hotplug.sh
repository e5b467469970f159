# A module loaded after faultline started (issue 11): `faultline watch`
# starts while xfs is not loaded, then xfs.ko is insmod'ed, an xfs disk
# mounted and a workload run on it.  The xfs hooks (its invalidation,
# extent and stale-map tracepoints, and ILOCK's with --lock-order) must
# attach when the module is live, be reported as attached late, and see
# events.
#   bug twin: --assume-protocol xfs:map-pages-locked (fault-around without
#             MMAPLOCK is a violation where xfs no longer takes it, 6.4+),
#             the demo workload, and the zoo's unlocked filler (fill-bug:
#             insert-unlocked on any kernel) racing its punches;
#   ok twin:  no assumed protocol, the same workload, the healthy filler,
#             and --lock-order: the late lock hooks must not make a false
#             report either.  (Lock-order runs cost the most in these
#             TCG guests: one twin only.)
# xfs and its dependencies come as files (prepare), not as boot modules:
# loaded at boot by another scenario, xfs is unloaded first and loaded
# again at the end.
#
# attach: auto
# timeout: 480
# headers: yes
. /lib/fl-guest.sh
M=/mnt/hotplug
DISK=/dev/disk/by-serial/hotxfs
up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$1 $(up)" >>timeline.txt; echo "# $1 at $(up)"; }
modname() { basename "$1" .ko | tr - _; }

unload_xfs() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -d /sys/module/xfs ] || return 0
		rmmod xfs 2>/dev/null && return 0
		sleep 0.5
	done
	echo "cannot unload xfs: $(cat /sys/module/xfs/refcnt 2>/dev/null) references"
	return 1
}

load_xfs() {
	local ko
	while read -r ko; do
		[ -d "/sys/module/$(modname "$ko")" ] && continue
		insmod "$FL_FILES/mods/$ko" || { [ "$ko" != xfs.ko ] || return 1; echo "# insmod $ko failed (a dependency: going on)"; }
	done <"$FL_FILES/mods.list"
	[ "$(cat /sys/module/xfs/initstate 2>/dev/null)" = live ]
}

# until FILE has a line matching PATTERN, at most SECS seconds of uptime
# (not a count of polls: under TCG on a loaded host a poll takes 0.3 s)
wait_for() {	# file pattern secs
	local end
	end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

twin() {	# name zootrigger-class [faultline options...]
	local name=$1 cls=$2 pid rc
	shift 2
	mkdir -p "$M"
	rm -f "$name.ndjson"
	echo "# faultline watch $* (twin $name)"
	mark "$name-start"
	"$FL" watch --events "$name.ndjson" --stats-interval 1 \
		--json "$FL_RESULTS/$name.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v} "$@" \
		>"$name.stdout" 2>"$name.stderr" &
	pid=$!
	if ! wait_for "$name.stderr" 'tracing; Ctrl-C' 90; then
		echo "# $name: faultline did not start tracing"
		kill -TERM $pid; wait $pid
		cat "$name.stderr"
		return 1
	fi
	mark "$name-tracing"
	load_xfs || { echo "# cannot load xfs"; kill -TERM $pid; wait $pid; return 1; }
	mark "$name-xfs-live"
	# the late load: seconds since 02f4e1b; over 105 s with --lock-order
	# on a loaded CI host before it (the verifier)
	wait_for "$name.ndjson" '"type":"attach"' 240 || echo "# $name: no attach line within 240 s"
	mark "$name-attach-seen"
	mount -t xfs "$DISK" "$M" || { echo "# cannot mount the xfs disk"; kill -TERM $pid; wait $pid; return 1; }
	mark "$name-mounted"
	"$FL_FILES/workload_run" "$M" "${FL_HOTPLUG_SECS:-3}" >"$name.workload" 2>&1
	# xfs finds write maps stale (6.2+), the late extent hooks saw them go stale
	"$FL_FILES/workload_run" "$M" 2 stale >>"$name.workload" 2>&1
	"$FL_FILES/zootrigger" "$cls" "$M/zf" -t 2 >"$name.zoo" 2>&1
	mark "$name-workload-done"
	# a stats line at --stats-interval 1, and the violations out
	sleep 2
	kill -TERM $pid
	wait $pid
	rc=$?
	echo $rc >"$name.rc"
	mark "$name-stopped"
	cat "$name.stdout"
	sed 's/^/stderr: /' "$name.stderr"
	echo "# faultline watch ($name) -> exit $rc"
	# the events file, without the stats lines' bulk
	grep -v '"type":"stats"' "$name.ndjson" | cut -c1-400
	cat "$name.workload" "$name.zoo"
	kernel_facts	# while xfs is loaded: its events are in the list
	cp available_events.txt "$name.events.txt"
	# xfs 5.10..6.3 wraps ->map_pages in MMAPLOCK: the assumed protocol holds there
	grep -c ' xfs_filemap_map_pages' /proc/kallsyms >"$name.map_pages_wrapped"
	rm -rf "$M/"*
	umount "$M"
	unload_xfs
}

was_loaded=0
[ -d /sys/module/xfs ] && was_loaded=1
unload_xfs || exit 12
# modules.dep: faultline tells a module not loaded from a tracepoint not there
cp "$FL_FILES/modules.dep" "/lib/modules/$FL_KVER/" || exit 11
insmod "$FL_FILES/faultline_zoo.ko" || exit 10
: >timeline.txt
rc=0
twin bug fill-bug --assume-protocol xfs:map-pages-locked || rc=13
twin ok fill --lock-order || rc=13
rmmod faultline_zoo
rm -f "/lib/modules/$FL_KVER/modules.dep"
[ $was_loaded = 1 ] && { load_xfs || rc=14; }
exit $rc
