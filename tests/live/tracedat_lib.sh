# Recording with trace-cmd for the import tests and the bench.
#
# On hosts where `trace-cmd record` works, README's command line is the way.
# This sandbox refuses writes to the function tracer's files
# (set_ftrace_pid, /proc/sys/kernel/ftrace_enabled), which trace-cmd 3.1
# record touches unconditionally (and crashes on): here the same events are
# enabled in a tracefs instance of our own and `trace-cmd extract -B` writes
# the trace.dat from it -- the same file format, read the same way.

TDT_EVENTS="filemap/mm_filemap_add_to_page_cache filemap/mm_filemap_delete_from_page_cache
filemap/mm_filemap_fault filemap/mm_filemap_map_pages iomap/iomap_iter iomap/iomap_iter_dstmap
ext4 xfs
syscalls/sys_enter_fallocate syscalls/sys_exit_fallocate syscalls/sys_enter_ftruncate
syscalls/sys_exit_ftruncate syscalls/sys_enter_truncate syscalls/sys_exit_truncate"
TDT_TRACEFS=/sys/kernel/tracing

# tdt_start NAME BUFFER_KB [stacks]: a fresh instance, events on, tracing on
tdt_start() {
	local inst=$TDT_TRACEFS/instances/$1 ev
	mkdir "$inst" || return 1
	echo "$2" > "$inst/buffer_size_kb" || return 1
	for ev in $TDT_EVENTS; do
		echo 1 > "$inst/events/$ev/enable" || return 1
	done
	[ "${3:-}" = stacks ] && { echo 1 > "$inst/options/stacktrace" || return 1; }
	echo 1 > "$inst/tracing_on"
}

# tdt_stop NAME OUT.dat [KALLSYMS]: tracing off, trace-cmd writes the file,
# instance gone.  With KALLSYMS, trace-cmd reads that file as /proc/kallsyms
# (a bind mount in a mount namespace of its own): the file's symbol section
# is that file, not the host's 5-10 MB.
tdt_stop() {
	local inst=$TDT_TRACEFS/instances/$1 rc
	echo 0 > "$inst/tracing_on" 2>/dev/null
	if [ -n "${3:-}" ]; then
		unshare -m sh -c 'mount --bind "$1" /proc/kallsyms && exec trace-cmd extract -B "$2" -o "$3"' \
			sh "$3" "$1" "$2" >"$2.extract.log" 2>&1
	else
		trace-cmd extract -B "$1" -o "$2" >"$2.extract.log" 2>&1
	fi
	rc=$?
	# a failure says why (trace-cmd's own words) before the caller's FAIL
	[ $rc = 0 ] || { echo "trace-cmd extract -B $1: exit $rc:"; tail -n 5 "$2.extract.log"; } >&2
	rm -f "$2.extract.log"
	tdt_remove "$1"
	return $rc
}

# tdt_remove NAME: drop the instance if it is still there (extract drops it)
tdt_remove() {
	local inst=$TDT_TRACEFS/instances/$1
	[ -d "$inst" ] || return 0
	echo 0 > "$inst/tracing_on" 2>/dev/null
	echo 0 > "$inst/events/enable" 2>/dev/null
	rmdir "$inst" 2>/dev/null
}
