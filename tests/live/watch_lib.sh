# Helpers for the `faultline watch` tests (after lib.sh).
#
# A watch runs in the background with its stdout stamped line by line with
# the wall-clock time the test read it ($EPOCHREALTIME, then a space, then
# the line): with `--events -` that is when each NDJSON object arrived,
# measured outside faultline.  Its stderr (and, with `--events -`, its text
# reports) go to NAME.err.

# Seconds, as a decimal, now (wall clock).
now() { echo "$EPOCHREALTIME"; }

# CLOCK_REALTIME minus CLOCK_MONOTONIC, in seconds: converts the events'
# ts_ns (bpf_ktime_get_ns, CLOCK_MONOTONIC) to wall-clock time.
mono_offset() {
	python3 -c 'import time; print("%.6f" % (time.time() - time.monotonic()))'
}

# watch_start NAME ARGS...: start `faultline watch ARGS`, wait until it
# traces; sets WPID.  Stopped (SIGTERM) on exit if still running.
watch_start() {
	local n=$1; shift
	rm -f "$TMP/$n.fifo"
	mkfifo "$TMP/$n.fifo" || fail "mkfifo"
	while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done \
		<"$TMP/$n.fifo" >"$TMP/$n.stamped" &
	WSTAMP=$!
	"$FL" watch "$@" >"$TMP/$n.fifo" 2>"$TMP/$n.err" &
	WPID=$!
	echo "# faultline watch $* (pid $WPID)"
	# first: it must stop before the filesystems it watches go away
	cleanup_hooks=("kill -0 $WPID 2>/dev/null && { kill -TERM $WPID; wait $WPID; }; wait $WSTAMP"
		       "${cleanup_hooks[@]}")
	wait_tracing "$WPID" "$TMP/$n.err"
}

# watch_stop [SIGNAL]: stop it, wait for it and its stamped stdout; sets WRC.
watch_stop() {
	kill -"${1:-TERM}" "$WPID" 2>/dev/null
	wait "$WPID"
	WRC=$?
	wait "$WSTAMP"
	echo "# watch $WPID exited $WRC"
}

# The stamped stdout's lines without their stamps (the NDJSON stream).
ndjson() { cut -d' ' -f2- "$TMP/$1.stamped"; }

# fstests' dmesg check, as common/rc and check do it: check writes the
# marker "run fstests $seqnum at $date_time" to /dev/kmsg before each test;
# _dmesg_since_test_start is the log from the last such line on;
# _check_dmesg filters the known harmless lines and fails the test (1) on
# the splat patterns.  FST_DMESG is the filtered log that was grepped.
fst_start() {	# seqnum
	seqnum=$1
	date_time=$(date "+%F %T")
	echo "run fstests $seqnum at $date_time" >/dev/kmsg || fail "cannot write /dev/kmsg"
}
fst_dmesg_since_test_start() {
	dmesg | tac | sed -ne "0,\#run fstests $seqnum at $date_time#p" | tac
}
fst_check_dmesg() {
	FST_DMESG=$TMP/$(echo "$seqnum" | tr / -).dmesg
	fst_dmesg_since_test_start | grep -E -v -e "BUG: MAX_LOCKDEP_CHAIN_HLOCKS too low" \
		-e "BUG: MAX_STACK_TRACE_ENTRIES too low" \
		-e "WARNING: Reset corrupted AGFL" >"$FST_DMESG"
	grep -E -q -e "kernel BUG at" \
		-e "WARNING:" \
		-e "\bBUG:" \
		-e "Oops:" \
		-e "possible recursive locking detected" \
		-e "(INFO|ERR): suspicious RCU usage" \
		-e "INFO: possible circular locking dependency detected" \
		-e "general protection fault:" \
		-e "BUG .* remaining" \
		-e "oom-kill" \
		-e "UBSAN:" \
		"$FST_DMESG" && return 1
	return 0
}

# The value of one sample in a Prometheus text exposition (FILE), by its
# exact name{labels}; empty when absent.
prom_value() {	# file 'name{labels}'
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
