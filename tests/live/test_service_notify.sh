#!/bin/bash
# `faultline watch` speaks systemd's notify protocol (sd_notify(3)) as
# src/faultline.service (Type=notify, WatchdogSec=) needs it, heard by a
# stand-in for the service manager (tests/tools/notify_listen: this host
# has no systemd; tests/guest/scenarios/systemd.sh runs the unit under a
# real one): READY=1 once, when tracing; STATUS= with the counts every
# second; WATCHDOG=1 every second only when WATCHDOG_USEC/WATCHDOG_PID ask
# for it; on SIGTERM, STOPPING=1 with a last ping, since systemd keeps the
# watchdog armed while a service stops and the final report must have a
# whole WatchdogSec.
. "$(dirname "$0")/lib.sh"
require_live
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" build/tests/notify_listen >/dev/null || fail "cannot build notify_listen"
LISTEN=$ROOT/build/tests/notify_listen
ldd "$FL" | grep -q libsystemd || skip "$FL is built without libsystemd: sd_notify is a no-op"
scratch_fs tmpfs	# nothing runs there: a quiet, complete watch

# faultline watch under the stand-in, SIGTERM after 3.5 s of tracing.
run_notified() {	# name yes|no (the watchdog asked)
	local name=$1 sock=$TMP/$1.sock lpid fpid
	"$LISTEN" "$sock" >"$TMP/$name.notify" 2>"$TMP/$name.listen" &
	lpid=$!
	cleanup_hooks+=("kill $lpid 2>/dev/null")
	for _ in $(seq 50); do grep -q ready "$TMP/$name.listen" && break; sleep 0.1; done
	grep -q ready "$TMP/$name.listen" || fail "$name: notify_listen: $(cat "$TMP/$name.listen")"
	if [ "$2" = yes ]; then
		# WATCHDOG_PID names the process that pings: faultline, after exec
		env -u INVOCATION_ID -u JOURNAL_STREAM NOTIFY_SOCKET="$sock" WATCHDOG_USEC=5000000 \
			sh -c 'export WATCHDOG_PID=$$; exec "$0" "$@"' "$FL" watch --path "$MNT" \
			>"$TMP/$name.stdout" 2>"$TMP/$name.stderr" &
	else
		env -u INVOCATION_ID -u JOURNAL_STREAM NOTIFY_SOCKET="$sock" "$FL" watch --path "$MNT" \
			>"$TMP/$name.stdout" 2>"$TMP/$name.stderr" &
	fi
	fpid=$!
	wait_tracing $fpid "$TMP/$name.stderr"
	sleep 3.5
	kill -TERM $fpid
	wait $fpid
	echo $? >"$TMP/$name.rc"
	sleep 0.2
	kill -TERM $lpid
	wait $lpid
	note "$name: exit $(cat "$TMP/$name.rc"); the manager heard:"
	sed 's/^[0-9]* /#   /' "$TMP/$name.notify"
}

# Checks both runs share: one READY=1, first; STATUS with counts; STOPPING=1 last.
common() {	# name
	local N=$TMP/$1.notify
	[ "$(cat "$TMP/$1.rc")" = 0 ] || { cat "$TMP/$1.stderr"; fail "$1: exit $(cat "$TMP/$1.rc"), expected 0"; }
	[ "$(grep -c 'READY=1' "$N")" = 1 ] || fail "$1: READY=1 not sent exactly once"
	head -n1 "$N" | grep -q 'READY=1' || fail "$1: READY=1 is not the first message"
	head -n1 "$N" | grep -q 'STATUS=watching' || fail "$1: READY=1 without a STATUS"
	[ "$(grep -cE 'STATUS=watching; [0-9]+ distinct violations \([0-9]+ occurrences\), [0-9]+ lost events' "$N")" -ge 3 ] ||
		fail "$1: fewer than 3 STATUS updates with counts in 3.5 s"
	[ "$(grep -c 'STOPPING=1' "$N")" = 1 ] || fail "$1: STOPPING=1 not sent exactly once on SIGTERM"
	tail -n1 "$N" | grep -q 'STOPPING=1' || fail "$1: messages after STOPPING=1"
}

run_notified wd yes
common wd
N=$TMP/wd.notify
[ "$(grep -c 'WATCHDOG=1' "$N")" -ge 3 ] || fail "wd: fewer than 3 WATCHDOG=1 in 3.5 s"
tail -n1 "$N" | grep -q 'WATCHDOG=1' || fail "wd: no ping with STOPPING=1: the final report would not have a whole WatchdogSec"
# pinged every tick: no gap over 2 s (WatchdogSec must only exceed that)
gap=$(grep 'WATCHDOG=1' "$N" | awk 'NR > 1 { d = ($1 - p) / 1e9; if (d > m) m = d } { p = $1 } END { printf "%.2f", m }')
note "wd: longest gap between pings ${gap} s"
awk -v g="$gap" 'BEGIN { exit !(g <= 2) }' || fail "wd: ${gap} s between two pings"

# negative control: the unit did not ask, nobody is pinged
run_notified nowd no
common nowd
grep -q 'WATCHDOG=1' "$TMP/nowd.notify" && fail "nowd: WATCHDOG=1 sent though no watchdog was asked for"
exit 0
