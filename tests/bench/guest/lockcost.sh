# The cost of faultline in a guest kernel, where fentry exists: a fault loop
# without faultline, under `faultline check` (lock words), and under
# `faultline check --locks=precise` (rwsem operations tracked with fentry),
# and under `faultline check --locks=precise --lock-order` (the same
# operations also sent as lock-order events, plus the xfs_ilock
# tracepoints), alternating, in one boot.  TCG makes absolute numbers meaningless; the
# ratios between the three legs of a pair are what counts.  Run by
# `make bench` (tests/bench/bench.sh), not by `make test`.
#
# attach: auto
# timeout: 600
# modules: loop xfs
# guest-bins: mkfs.xfs
. /lib/fl-guest.sh
pairs=${FL_BENCH_PAIRS:-5}
secs=${FL_BENCH_SECONDS:-2}
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
umount /mnt/bench
cat lockcost.txt
[ -s lockcost.txt ]
