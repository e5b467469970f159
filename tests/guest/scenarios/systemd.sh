# faultline.service under a real systemd: Debian's systemd 252 and journald
# (from the host) run as PID 1 of new PID and mount namespaces in the guest,
# on a system staged by `make install` (the unit, /etc/default/faultline,
# the dynamic faultline: the static one has no libsystemd, so no sd_notify
# and no journal).  This script drives systemctl through each case and
# records what systemd and the journal say; systemd.host judges.
#
#   main        enable --now; READY; STATUS; watchdog pings; a violation
#               (ext4 under an assumed map-pages-locked protocol) in the
#               journal, /dev/kmsg, NDJSON, metrics; reload; stop
#   badargs     a typo in FAULTLINE_ARGS: start fails (2), said in the journal, no restart
#   nosysadmin  the bounding set without CAP_SYS_ADMIN: start fails (2), no restart
#   nonames     without CAP_SYSLOG and CAP_DAC_READ_SEARCH (one case: each
#               costs a start): runs and finds; stacks unnamed (kallsyms),
#               no file names on 6.1 and 6.12 (open_by_handle_at)
#   lost        events lost (4 KiB ring, eight files' violations, faultline stopped
#               12 s): stop leaves the unit failed
#   watchdog    WatchdogSec=3s: pinged while alive; SIGSTOP: killed and restarted
#
# About 2.5 min of guest time per kernel on a loaded host (TCG): most of it
# is the BPF load of the seven runs (3 to 10 s each, with the host's load);
# the waits are as short as the checks allow (RestartSec=1s where a restart
# is awaited or ruled out).
#
# What it checks is systemd's and faultline's user space, the same on 6.1
# and 6.12, so `make test` runs it on one kernel (its time): 6.1, whose
# guest finishes before 6.12's and the RT kernel's after it; name it to run
# it on another: tests/guest/run.sh --kernel 6.12 --scenario systemd.
# kernels: all
# default-kernels: 6.1
# timeout: 600
# modules: loop
# allow-splat: yes
# guest-bins: /lib/systemd/systemd /lib/systemd/systemd-journald /bin/systemctl /usr/bin/journalctl /usr/bin/unshare /usr/bin/nsenter mkfs.ext4
# host-files: /etc/mke2fs.conf /etc/os-release /lib/systemd/system/sysinit.target /lib/systemd/system/basic.target /lib/systemd/system/sockets.target /lib/systemd/system/multi-user.target /lib/systemd/system/local-fs.target /lib/systemd/system/shutdown.target /lib/systemd/system/umount.target /lib/systemd/system/final.target /lib/systemd/system/exit.target /lib/systemd/system/systemd-exit.service /lib/systemd/system/timers.target /lib/systemd/system/paths.target /lib/systemd/system/slices.target /lib/systemd/system/sys-kernel-tracing.mount /lib/systemd/system/systemd-journald.service /lib/systemd/system/systemd-journald.socket /lib/systemd/system/systemd-journald-dev-log.socket /lib/systemd/system/systemd-journald-audit.socket
. /lib/fl-guest.sh
R=$FL_RESULTS
MNT=/srv/ext4
STATE=/var/lib/faultline
PROM=/var/lib/prometheus/node-exporter
DROPIN=/etc/systemd/system/faultline.service.d
PROPS=ActiveState,SubState,Result,StatusText,NRestarts,ExecMainStatus,ExecMainCode,MainPID,InvocationID,WatchdogUSec,WatchdogTimestampMonotonic
ALL_CAPS="CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYSLOG CAP_DAC_READ_SEARCH"
VIOLATION_ARGS="--path $MNT --assume-protocol ext4:map-pages-locked"
sd_pid= loopdev=

log() { echo "# $(cut -d' ' -f1 /proc/uptime) $*"; }
# a command inside systemd's namespaces: its /run (systemctl's socket), its PIDs
sx() { nsenter -t "$sd_pid" -m -p -- "$@"; }
prop() { sx systemctl show -p "$1" --value faultline; }
props() {	# step: systemctl show, one file per step
	sx systemctl show -p "$PROPS" faultline >"$R/props-$1.txt" 2>&1
	log "$1: $(tr '\n' ' ' <"$R/props-$1.txt")"
}
# Wait until faultline's PROP matches the regex, at most SECS seconds.
wait_prop() {	# prop regex secs
	local i=0
	while [ $i -lt "$3" ]; do
		prop "$1" 2>/dev/null | grep -qE "^($2)\$" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# One case's configuration: FAULTLINE_ARGS and a drop-in (may be empty).
configure() {	# args dropin-text
	log "configure: $1 / $2"
	printf 'FAULTLINE_ARGS="%s"\n' "$1" >/etc/default/faultline
	rm -f "$DROPIN/case.conf"
	[ -n "$2" ] && printf '[Service]\n%s\n' "$2" >"$DROPIN/case.conf"
	sx systemctl daemon-reload
	sx systemctl reset-failed faultline 2>/dev/null
	rm -f "$STATE/report.json" "$STATE/events.ndjson" "$PROM/faultline.prom"
}

start() {	# case
	local t0
	t0=$(cut -d' ' -f1 /proc/uptime)
	sx systemctl start faultline >"$R/$1.start.txt" 2>&1
	echo $? >"$R/$1.start.rc"
	awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f\n", b - a }' >"$R/$1.start.secs"
	props "$1-started"
}

# The demo's workload on the scratch ext4: mmap faults and fault-around.
workload() {	# case secs settle-secs
	/usr/local/bin/workload_run "$MNT" "$2" >"$R/$1.workload.txt" 2>&1
	rm -f "$MNT/faultline-demo.dat"
	sleep "$3"
}

finish() {	# case: stop, keep the journal of this invocation and the outputs
	local inv
	inv=$(prop InvocationID)
	sx systemctl stop faultline
	props "$1-stopped"
	[ -n "$inv" ] && sx journalctl --no-pager -o json _SYSTEMD_INVOCATION_ID="$inv" >"$R/$1.journal.json"
	cp "$STATE/report.json" "$R/$1.report.json" 2>/dev/null
	cp "$STATE/events.ndjson" "$R/$1.events.ndjson" 2>/dev/null
	cp "$PROM/faultline.prom" "$R/$1.prom" 2>/dev/null
	return 0
}

cleanup() {
	if [ -n "$sd_pid" ] && [ -d "/proc/$sd_pid" ]; then
		# PID 1 of its namespace: killing it kills everything in there
		kill -KILL "$sd_pid" 2>/dev/null
		sleep 1
	fi
	umount "$MNT" 2>/dev/null
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	rm -f /tmp/ext4.img
	# the cgroups systemd made live on in the (global) cgroup2 hierarchy
	mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg &&
		{ find /tmp/cg -mindepth 1 -depth -type d -exec rmdir {} + ; umount /tmp/cg; }
	rmdir /tmp/cg
	grep -E " ($MNT|/tmp/cg|/sys/fs/cgroup|/sys/kernel/tracing|/run) " /proc/mounts >"$R/leftover-mounts.txt"
	losetup -a >"$R/leftover-loops.txt"
	ps -o pid,comm 2>/dev/null | grep -E 'systemd|faultline|journal' >"$R/leftover-procs.txt"
}
trap cleanup EXIT

# --- the installed system -------------------------------------------------------
cp -a "$FL_FILES/root/." / || exit 2
# can the emulator be trusted with setcc on a faulting store? (the host judges)
"$FL_FILES/tcg_setcc" >"$R/tcg-setcc.txt" 2>&1
echo $? >"$R/tcg-setcc.rc"
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
printf 'root:x:0:\nsystemd-journal:x:101:\n' >/etc/group
: >/etc/machine-id
U=/lib/systemd/system
mkdir -p $U/sysinit.target.wants $U/sockets.target.wants "$PROM"
ln -sf ../systemd-journald.service ../sys-kernel-tracing.mount $U/sysinit.target.wants/
ln -sf ../systemd-journald.socket ../systemd-journald-dev-log.socket $U/sockets.target.wants/

# a scratch ext4, mounted before systemd's namespace copies the mount table
mkdir -p "$MNT"
dd if=/dev/zero of=/tmp/ext4.img bs=1M count=0 seek=128 2>/dev/null
mkfs.ext4 -q -F /tmp/ext4.img || exit 2
loopdev=$(losetup -f) && losetup "$loopdev" /tmp/ext4.img && mount "$loopdev" "$MNT" || exit 2

# The reference: the same watch run by hand, as root, without systemd.
mount -t tracefs nodev /sys/kernel/tracing
log "direct run"
/usr/local/sbin/faultline watch $VIOLATION_ARGS --json "$R/direct.report.json" \
	>"$R/direct.stdout" 2>"$R/direct.stderr" &
dpid=$!
for i in $(seq 600); do
	grep -q '^faultline: tracing' "$R/direct.stderr" && break
	[ -d "/proc/$dpid" ] || break
	sleep 0.5
done
/usr/local/bin/workload_run "$MNT" 3 >"$R/direct.workload.txt" 2>&1
rm -f "$MNT/faultline-demo.dat"
sleep 1
kill -TERM $dpid
wait $dpid
echo $? >"$R/direct.rc"
umount /sys/kernel/tracing
log "direct run: exit $(cat "$R/direct.rc")"

# --- systemd as PID 1 of its own namespaces ---------------------------------------
log "starting systemd"
unshare --fork --pid --mount --mount-proc --propagation private \
	env -i container=faultline-test PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/lib/systemd/systemd --system --unit=multi-user.target --log-target=journal-or-kmsg \
	--log-level=info --show-status=no >"$R/systemd.log" 2>&1 </dev/null &
upid=$!
for i in $(seq 50); do
	sd_pid=$(cut -d' ' -f1 "/proc/$upid/task/$upid/children" 2>/dev/null)
	[ -n "$sd_pid" ] && break
	sleep 0.2
done
[ -n "$sd_pid" ] || { log "no systemd process"; exit 2; }
state=
for i in $(seq 120); do
	state=$(sx systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	sleep 1
done
log "systemd (pid $sd_pid here): $state"
echo "$state" >"$R/system-state.txt"
sx systemctl --version >"$R/systemd-version.txt" 2>&1
sx systemctl --failed --no-legend >"$R/failed-units.txt" 2>&1
sx systemctl show -p FragmentPath,CapabilityBoundingSet,ExecStart,WatchdogUSec faultline >"$R/unit.txt"
# TCG emulation loads BPF ten times slower than a host: more than the
# default 90 s start timeout when the host is busy
mkdir -p "$DROPIN"
printf '[Service]\nTimeoutStartSec=10min\n' >"$DROPIN/tcg.conf"

# --- main: the shipped unit, every sink ------------------------------------------
configure "$VIOLATION_ARGS --events $STATE/events.ndjson --stats-interval 2 --kmsg --metrics $PROM/faultline.prom" ""
t0=$(cut -d' ' -f1 /proc/uptime)
sx systemctl enable --now faultline >"$R/main.start.txt" 2>&1
echo $? >"$R/main.start.rc"
awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f\n", b - a }' >"$R/main.start.secs"
sx systemctl is-enabled faultline >"$R/main.enabled.txt" 2>&1
props main-started
sleep 3	# pings every second
props main-idle
workload main 3 3	# a tick (1 s) for STATUS, two for the NDJSON stats
props main-violation
sx systemctl reload faultline >"$R/main.reload.txt" 2>&1
echo $? >"$R/main.reload.rc"
# reload only sends SIGHUP (ExecReload=kill): is the report there when it returns?
if [ -s "$STATE/report.json" ]; then echo yes; else echo no; fi >"$R/main.reload-sync.txt"
for i in $(seq 20); do
	[ -s "$STATE/report.json" ] && break
	sleep 0.5
done
sleep 1
props main-reloaded
cp "$STATE/report.json" "$R/main.reload-report.json" 2>/dev/null
finish main
dmesg >"$R/main.dmesg.txt"

# --- a bad configuration: fails at once, is not restarted ----------------------------
configure "--path $MNT-typo" "RestartSec=1s"
start badargs
sleep 3	# past RestartSec
finish badargs

# --- the capability set, one capability less at a time -----------------------------
without() {	# caps...: the unit's bounding set without them
	local c out=
	for c in $ALL_CAPS; do
		case " $* " in *" $c "*) ;; *) out="$out $c" ;; esac
	done
	printf 'CapabilityBoundingSet=\nCapabilityBoundingSet=%s' "${out# }"
}
configure "$VIOLATION_ARGS" "$(without CAP_SYS_ADMIN)
RestartSec=1s"
start nosysadmin
sleep 4	# past RestartSec: a restart would show in NRestarts
finish nosysadmin
configure "$VIOLATION_ARGS" "$(without CAP_SYSLOG CAP_DAC_READ_SEARCH)"
start nonames
workload nonames 2 1
finish nonames

# --- lost events: the verdict is incomplete, the unit ends failed --------------------
# A healthy watch sends user space next to nothing (windows stay in BPF):
# under the assumed protocol every file's fault-around is a candidate, sent
# once a second per file and code path (a short record: its stack is in the
# stack map), and eight files overfill the 4 KiB ring in the 12 s faultline is
# stopped.
configure "$VIOLATION_ARGS --ring-size 4K" ""
start lost
wpids=
for i in 1 2 3 4 5 6 7 8; do
	mkdir -p "$MNT/lost$i"
	/usr/local/bin/workload_run "$MNT/lost$i" 16 >>"$R/lost.workload.txt" 2>&1 &
	wpids="$wpids $!"
done
sleep 1
mpid=$(prop MainPID)
sx kill -STOP "$mpid"
sleep 12
sx kill -CONT "$mpid"
wait $wpids
rm -rf "$MNT"/lost?
sleep 2	# a tick for STATUS
props lost-running
finish lost

# --- the watchdog: pings keep it alive, a stopped faultline is killed and restarted ---
configure "--path $MNT" "WatchdogSec=3s
RestartSec=1s"
start watchdog
sleep 7	# over twice WatchdogSec: alive only if pinged
props watchdog-alive
mpid=$(prop MainPID)
sx kill -STOP "$mpid"
wait_prop NRestarts '[1-9][0-9]*' 20
props watchdog-fired
wait_prop SubState running 600
props watchdog-restarted
finish watchdog

# --- the end: systemd exits as a container's init does ------------------------------
rm -rf "$DROPIN"
sx systemctl disable faultline >"$R/disable.txt" 2>&1
sx journalctl --no-pager -o json >"$R/journal.json" 2>"$R/journal.err"
sx systemctl exit >"$R/exit.txt" 2>&1
for i in $(seq 60); do
	[ -d "/proc/$sd_pid" ] || break
	sleep 1
done
if [ -d "/proc/$sd_pid" ]; then log "systemd did not exit"; echo no >"$R/systemd-exited.txt"
else log "systemd exited"; echo yes >"$R/systemd-exited.txt"; fi
wait $upid
exit 0
