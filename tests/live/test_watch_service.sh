#!/bin/bash
# `faultline watch` as a service that keeps running:
# 1. SIGHUP prints the report so far (text on stdout) and rewrites --json
#    atomically (a new file renamed over the old: a new inode each time,
#    no temporary left, a reader never sees half a file), and the watch
#    goes on: a violation after it is still alerted, repeats of a known
#    one only grow its count (no second alert);
# 2. a filesystem mounted after the watch started is watched: counted in
#    the JSON and text rows and judged (its violation alerted);
# 3. --metrics is scraped by a real prometheus-node-exporter (textfile
#    collector, loopback): up while the watch runs, and after it ends the
#    counters equal the JSON report of the same run.
# With xfs's 5.10..6.3 protocol assumed, so that mmap reads on xfs are
# violations and buffered I/O is not.  The negative controls of every sink
# are in test_watch_sinks.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/watch_lib.sh"
require_live
WL=$(cd "$(dirname "$0")/../.." && pwd)/build/tests/workload_run
[ -x "$WL" ] || fail "$WL not built (make tracedat-tools)"
NODE_EXPORTER=$(command -v prometheus-node-exporter) ||
	fail "prometheus-node-exporter missing (make deps-test)"
for c in xfs_io curl python3; do command -v $c >/dev/null || fail "$c missing"; done

# ---- 1. SIGHUP --------------------------------------------------------------
scratch_fs xfs
XFS=$MNT
DEV=$(mountpoint -d "$XFS")
J=$TMP/svc.json
EV=$TMP/svc.ndjson
watch_start svc --path "$XFS" --assume-protocol xfs:map-pages-locked --events "$EV" --json "$J" \
	--stats-interval 1
alive() { kill -0 "$WPID" 2>/dev/null || { tail "$TMP/svc.err"; fail "the watch ended after $1"; }; }
# a SIGHUP's report: the JSON renamed into place (a new inode), the text on stdout
hup() {	# name
	local before after
	before=$(stat -c %i "$J" 2>/dev/null || echo none)
	HUP_AT=$(now)
	kill -HUP "$WPID"
	for _ in $(seq 100); do
		after=$(stat -c %i "$J" 2>/dev/null || echo none)
		[ "$after" != "$before" ] && break
		sleep 0.05
	done
	[ "$after" != "$before" ] || fail "$1: SIGHUP did not (re)write $J by renaming (inode $before, now $after)"
	cp "$J" "$TMP/$1.json"
	jq -e . "$TMP/$1.json" >/dev/null || fail "$1: the rewritten JSON does not parse"
	sleep 0.3
	alive "$1"
}
# phase 1: buffered I/O only, no violation under either protocol
xfs_io -f -c "pwrite -q -b 1m 0 16m" -c fsync -c "fadvise -d 0 16m" -c "pread -q 0 16m" "$XFS/a" ||
	fail "xfs_io"
hup hup1
assert_json "$TMP/hup1.json" '.violations | length == 0' "hup1: a violation from buffered I/O"
assert_json "$TMP/hup1.json" ".filesystems[] | select(.dev == \"$DEV\") | .counts.insertions > 0" \
	"hup1: the report so far has no insertions"
assert_json "$TMP/hup1.json" '.mode == "watch" and .duration_s > 0' "hup1: not a watch's report"
awk -v h="$HUP_AT" '$1 > h && $2 == "faultline" && $3 == "watch:" { ok = 1 } END { exit !ok }' \
	"$TMP/svc.stamped" || { tail -5 "$TMP/svc.stamped"; fail "hup1: no text report on stdout"; }
# the first stats object comes a second after the start: phase 1 may be quicker
for _ in $(seq 60); do grep -q '"type":"stats"' "$EV" && break; sleep 0.05; done
grep -q . "$EV" && jq -e -s '[.[] | select(.type == "violation")] | length == 0' "$EV" >/dev/null ||
	fail "hup1: NDJSON has a violation, or nothing (no stats at --stats-interval 1)"
# phase 2: mmap reads: fault-around, lock-free, a violation under the old protocol
xfs_io -c "mmap -r 0 16m" -c "mread 0 16m" "$XFS/a" >/dev/null || fail "xfs_io mread"
for _ in $(seq 40); do grep -q '"type":"violation"' "$EV" && break; sleep 0.05; done
V=$(grep -m1 '"type":"violation"' "$EV")
[ -n "$V" ] || fail "after SIGHUP: the violation was not alerted"
SIG=$(echo "$V" | jq -r .signature)
echo "$V" | jq -c '{rule, evidence, signature, dev, path, comm, time, event_time}'
awk -v h="$HUP_AT" -v t="$(echo "$V" | jq .time)" 'BEGIN { exit !(t > h) }' ||
	fail "the violation was alerted before the SIGHUP?"
awk -v h="$HUP_AT" '$1 > h && /^[0-9.]+ \[1\] fault-unlocked \(definite\)/ { ok = 1 } END { exit !ok }' \
	"$TMP/svc.stamped" || fail "after SIGHUP: no text alert on stdout"
hup hup2
assert_json "$TMP/hup2.json" "[.violations[] | select(.signature == \"$SIG\")] | length > 0" \
	"hup2: the violation is not in the report"
jq -e -n --slurpfile a "$TMP/hup1.json" --slurpfile b "$TMP/hup2.json" \
	'$b[0].counts.map_pages > $a[0].counts.map_pages and $b[0].duration_s > $a[0].duration_s' >/dev/null ||
	{ jq -c .counts "$TMP/hup1.json" "$TMP/hup2.json"; fail "hup2: no events judged after the first SIGHUP"; }
# phase 3: the same bug again, and SIGHUPs while a reader reads the JSON
xfs_io -f -c "pwrite -q -b 1m 0 8m" -c "mmap -r 0 8m" -c "mread 0 8m" "$XFS/b" >/dev/null ||
	fail "xfs_io b"
( end=$((SECONDS + 3)); n=0
  while [ $SECONDS -lt $end ]; do
	jq -e .faultline_version "$J" >/dev/null 2>&1 || echo "unreadable after $n reads"
	n=$((n + 1))
  done; echo "reads $n" ) >"$TMP/reader.out" &
READER=$!
for i in 3 4 5 6 7; do hup hup$i; done
wait $READER
note "a reader during 5 SIGHUPs: $(cat "$TMP/reader.out" | tr '\n' ' ')"
grep -q unreadable "$TMP/reader.out" && fail "a reader saw a partial JSON"
ls "$TMP" | grep -q '^svc\.json\.tmp' && fail "temporary files left beside the JSON: $(ls "$TMP")"
sleep 1
watch_stop
[ "$WRC" = 1 ] || { tail "$TMP/svc.err"; fail "watch exited $WRC, expected 1 (violations)"; }
jq -e -s --arg s "$SIG" '[.[] | select(.type == "violation" and .signature == $s)] | length == 1' "$EV" >/dev/null ||
	fail "the signature was alerted more than once"
n2=$(jq --arg s "$SIG" '[.violations[] | select(.signature == $s) | .count] | add' "$TMP/hup2.json")
n=$(jq --arg s "$SIG" '[.violations[] | select(.signature == $s) | .count] | add' "$J")
[ "$n" -gt "$n2" ] || fail "repeats after the alert not counted ($n2 at the second SIGHUP, $n at the end)"
note "SIGHUP: 7 reports, the watch went on; $SIG alerted once, counted $n2 then $n"

# ---- 2. a filesystem mounted after start; 3. node_exporter --------------------
# The workload is one process (a holder that execs it) named by --pid: other
# engineers' I/O stays out, every filesystem stays watched.
mkdir -p "$TMP/late" "$TMP/textfile"
mkfifo "$TMP/go"
bash -c "read -r _ <'$TMP/go'; exec '$WL' '$TMP/late' 2" >"$TMP/wl-late.out" 2>&1 &
HOLDER=$!
cleanup_hooks=("kill $HOLDER 2>/dev/null" "${cleanup_hooks[@]}")
P=$TMP/textfile/faultline.prom
watch_start late --pid "$HOLDER" --assume-protocol xfs:map-pages-locked --events "$TMP/late.ndjson" \
	--metrics "$P" --json "$TMP/late.json"
[ -s "$P" ] || fail "no metrics file once the watch traces"
# now the filesystem
truncate -s 512M "$TMP/late.img" && mkfs.xfs -q -f "$TMP/late.img" && mount -o loop "$TMP/late.img" "$TMP/late" ||
	fail "xfs after start"
cleanup_hooks+=("umount '$TMP/late' 2>/dev/null || umount -l '$TMP/late'")
LDEV=$(mountpoint -d "$TMP/late")
note "mounted after start: xfs $LDEV"
# the exporter, on a free loopback port
for _ in 1 2 3; do
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$NODE_EXPORTER" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TMP/textfile" --web.listen-address="127.0.0.1:$PORT" \
		>"$TMP/exporter.log" 2>&1 &
	XPID=$!
	cleanup_hooks+=("kill $XPID 2>/dev/null; wait $XPID 2>/dev/null")
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null && break 2; sleep 0.1; done
	kill $XPID 2>/dev/null; wait $XPID 2>/dev/null
done
curl -sf "http://127.0.0.1:$PORT/metrics" >"$TMP/scrape1" || { cat "$TMP/exporter.log"; fail "node_exporter does not serve"; }
note "node_exporter $XPID on 127.0.0.1:$PORT"
[ "$(prom_value "$TMP/scrape1" faultline_up)" = 1 ] || fail "scrape while watching: faultline_up is not 1"
[ "$(prom_value "$TMP/scrape1" node_textfile_scrape_error)" = 0 ] ||
	{ cat "$TMP/exporter.log"; fail "node_exporter could not parse the metrics file"; }
echo go >"$TMP/go"
wait $HOLDER || fail "the workload failed: $(cat "$TMP/wl-late.out")"
sleep 1
watch_stop
[ "$WRC" = 1 ] || { tail "$TMP/late.err"; fail "late watch exited $WRC, expected 1 (violations)"; }
L=$TMP/late.json
# counted: its own row, in the JSON and the text
assert_json "$L" ".filesystems[] | select(.dev == \"$LDEV\") | .fstype == \"xfs\" and .mount == \"$TMP/late\"" \
	"the late xfs has no row in the JSON"
for c in faults map_pages insertions invalidations iomap_iter; do
	assert_json "$L" ".filesystems[] | select(.dev == \"$LDEV\") | .counts.$c > 0" "the late xfs: no $c counted"
done
grep -E -q "^[0-9.]+   xfs $LDEV +[1-9]" "$TMP/late.stamped" || fail "the late xfs has no text row"
# judged: its violation alerted
jq -e -s --arg d "$LDEV" '[.[] | select(.type == "violation" and .dev == $d)] | length > 0' "$TMP/late.ndjson" \
	>/dev/null || fail "no violation alerted on the late xfs"
# scraped after the end: the report's numbers
curl -sf "http://127.0.0.1:$PORT/metrics" >"$TMP/scrape2" || fail "node_exporter stopped serving"
grep '^faultline_' "$TMP/scrape2" | grep -v 'kind="iomap' | head -30
bad=0
same() {	# 'name{labels}' expected
	local got
	got=$(prom_value "$TMP/scrape2" "$1")
	awk -v g="$got" -v w="$2" 'BEGIN { exit !(g != "" && g + 0 == w + 0) }' ||
		{ echo "FAIL: scraped $1 = '$got', the report says $2"; bad=$((bad + 1)); }
}
same faultline_up 0
for k in faults map_pages insertions deletions invalidations iomap_iter iomap_maps; do
	same "faultline_events_total{dev=\"$LDEV\",fs=\"xfs\",kind=\"$k\",mount=\"$TMP/late\"}" \
		"$(jq ".filesystems[] | select(.dev == \"$LDEV\") | .counts.$k" "$L")"
done
for re in fault-unlocked/definite fault-unlocked/observed-race insert-unlocked/definite \
	  write-unlocked/definite stale-map/definite lock-order/cycle; do
	same "faultline_violations_total{evidence=\"${re#*/}\",rule=\"${re%/*}\"}" \
		"$(jq --arg r "${re%/*}" --arg e "${re#*/}" '[.violations[] | select(.rule == $r and .evidence == $e) | .count] | add // 0' "$L")"
done
same faultline_violations_distinct "$(jq '.violations | length' "$L")"
same faultline_lost_events_total "$(jq '.counts.lost' "$L")"
same faultline_unknown_lock_states_total "$(jq '.counts.unknown_lock_state' "$L")"
[ $bad = 0 ] || fail "$bad scraped values differ from the report"
note "late xfs $LDEV: $(jq -c ".filesystems[] | select(.dev == \"$LDEV\") | .counts | {faults, map_pages, insertions}" "$L"); scraped values equal the report"
exit 0
