# Helpers for scenario scripts inside the guest (busybox sh): installed as
# /lib/fl-guest.sh; a scenario starts with `. /lib/fl-guest.sh`.
#
# Environment of a scenario (set by /init, the run directory is the cwd):
#   FL_SCENARIO  scenario name          FL_ATTACH   attach mode (auto, tp, fentry, kprobe)
#   FL_RESULTS   result dir (= cwd)     FL_FILES    /scenarios/<name>/files (extra files)
#   FL_KVER      uname -r               FL_SERIES   6.1, 6.12, ...
#   FL           /bin/faultline         FL_ATTACH_ARGS  faultline options for the mode
# Everything written to FL_RESULTS comes back to the host, in
# build/guest/results/<series>/<scenario>[@<attach>]/.

FL=/bin/faultline
# faultline's --attach MODE (auto is its default, passed explicitly).
# "precise" is auto attachment with precise lock tracking: a column of its
# own in the matrix, since it loads another BPF object and changes evidence.
case ${FL_ATTACH:-auto} in
precise) FL_ATTACH_ARGS="--attach=auto --locks=precise" ;;
*) FL_ATTACH_ARGS="--attach=${FL_ATTACH:-auto}" ;;
esac

note() { echo "# $*"; }

# Run faultline with its stdout and stderr kept as files (and shown on the
# console); the exit status is returned and written to <name>.rc.
fl_run() {	# name args...
	local name=$1 rc t0
	shift
	echo "# faultline $*"
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$FL" "$@" >"$name.stdout" 2>"$name.stderr"
	rc=$?
	echo "$rc" >"$name.rc"
	cat "$name.stdout"
	sed 's/^/stderr: /' "$name.stderr"
	echo "# faultline $1 -> exit $rc ($(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s wall)"
	return $rc
}

# Ground truth about the kernel, independent of faultline: which
# tracepoints exist (tracefs is mounted if faultline did not).
kernel_facts() {
	grep -q ' /sys/kernel/tracing ' /proc/mounts ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	cat /sys/kernel/tracing/available_events >available_events.txt 2>/dev/null
	uname -r >uname.txt
	cat /proc/filesystems >filesystems.txt
}
