# The cost of faultline in a guest kernel, where fentry exists: a fault loop
# without faultline, under `faultline check` (lock words), and under
# `faultline check --locks=precise` (rwsem operations tracked with fentry),
# and under `faultline check --locks=precise --lock-order` (the same
# operations also sent as lock-order events, plus the xfs_ilock
# tracepoints), alternating, in one boot.  TCG makes absolute numbers meaningless; the
# ratios between the three legs of a pair are what counts.  Run by
# `make bench` (tests/bench/bench.sh), not by `make test`.
#
# Then one floor run per workload and mode (check, --locks=precise,
# --lock-order, --locks=precise --lock-order): flfloor (tests/bench/flfloor.c)
# as check's command puts an empty program of the same kind on each of
# faultline's hooks and reads the BPF statistics of both: floor-MODE-LEG.md.
#
# attach: auto
# timeout: 1500
# modules: loop xfs
# guest-bins: mkfs.xfs
. /lib/fl-guest.sh
pairs=5
secs=2
# FL_BENCH_PAIRS and FL_BENCH_SECONDS on the host (lockcost.host's prepare)
[ -r "$FL_FILES/bench.conf" ] && . "$FL_FILES/bench.conf"
loop=$FL_FILES/faultloop
mkdir -p /mnt/bench
truncate -s 512M /tmp/bench.img && mkfs.xfs -q -f /tmp/bench.img &&
	mount -o loop /tmp/bench.img /mnt/bench || exit 10
"$loop" -s 64 create /mnt/bench/f >/dev/null || exit 11
for p in $(seq "$pairs"); do
	for mode in cached-private-write uncached; do
		# rotate the leg order from pair to pair
		case $((p % 3)) in
		0) legs="none word precise order" ;;
		1) legs="word precise order none" ;;
		*) legs="precise order none word" ;;
		esac
		for leg in $legs; do
			case $leg in
			none) out=$("$loop" -t "$secs" "$mode" /mnt/bench/f) ;;
			word) out=$("$FL" check --path /mnt/bench -- "$loop" -t "$secs" "$mode" /mnt/bench/f 2>/dev/null | grep '^faultloop:') ;;
			precise) out=$("$FL" check --locks=precise --path /mnt/bench -- "$loop" -t "$secs" "$mode" /mnt/bench/f 2>/dev/null | grep '^faultloop:') ;;
			order) out=$("$FL" check --locks=precise --lock-order --path /mnt/bench -- "$loop" -t "$secs" "$mode" /mnt/bench/f 2>/dev/null | grep '^faultloop:') ;;
			esac
			echo "$p $mode $leg $(echo "$out" | sed -n 's/.* ops_per_s=\([0-9.]*\).*/\1/p')" >>lockcost.txt
		done
	done
done
touch lockcost.txt
cat lockcost.txt
: >floor-summary.txt
floor_ok=1
for mode in cached-private-write uncached; do
	for leg in check precise lock-order precise-lock-order; do
		case $leg in
		check) opts= ;;
		precise) opts=--locks=precise ;;
		lock-order) opts=--lock-order ;;
		precise-lock-order) opts="--locks=precise --lock-order" ;;
		esac
		# shellcheck disable=SC2086
		"$FL" check $opts --path /mnt/bench -- "$FL_FILES/flfloor" -o "floor-$mode-$leg.md" \
			-l "guest $FL_KVER, check $opts, $mode:" -- \
			"$loop" -t "$secs" "$mode" /mnt/bench/f >"floor-$mode-$leg.out" 2>&1
		rc=$?
		if [ -s "floor-$mode-$leg.md" ]; then
			echo "$mode $leg" >>floor-summary.txt
			grep -m1 '^| all ' "floor-$mode-$leg.md"
		else
			echo "floor run $mode $leg: no table (check exit $rc)"
			tail -n 5 "floor-$mode-$leg.out"
			floor_ok=0
		fi
	done
done
umount /mnt/bench
[ "$pairs" = 0 ] || [ -s lockcost.txt ] || exit 1
[ "$floor_ok" = 1 ]
