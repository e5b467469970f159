# SPDX-License-Identifier: GPL-2.0
# Helpers of bench.sh and soak.sh, which set BENCH_NAME (the prefix of
# their messages) and define cleanup() before sourcing this.

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }

# Stop a process this script started: SIGTERM, TRIES tenths of a second to
# go, then SIGKILL.
stop_pid() {	# pid tries
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
}

# A scratch mount goes; mount -o loop sets autoclear: the loop device with it.
unmount_scratch() {	# mountpoint
	umount "$1" 2>/dev/null || umount -l "$1" || say "warning: could not unmount $1"
}

# The work directory goes, and cleanup() runs on any end of the script.
remove_work() {
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		rm -rf --one-file-system "$WORK" || say "warning: could not remove $WORK"
	fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
