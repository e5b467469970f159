# Losses at the default ring under a bug storm (issue 14, point 1): the
# zoo's page-cache filler (class fill, tests/zoo/zoo_fill.c) reads the
# first 256 KiB of a file on ext4 and on xfs over and over while a tight
# loop punches the same range.  fill-bug fills without invalidate_lock
# (every folio it puts back is an unlocked insertion), fill holds it
# shared (the healthy twin).  faultline check runs at its default ring
# size; the host side (storm.host) holds the expectations.
#
# attach: auto kprobe precise
# timeout: 300
# headers: yes
# modules: xfs
. /lib/fl-guest.sh
insmod "$FL_FILES/faultline_zoo.ko" || exit 10
SECS=${FL_STORM_SECS:-6}
rc=0
for fs in ext4 xfs; do
	m=/mnt/storm-$fs
	mkdir -p "$m"
	mount "/dev/disk/by-serial/storm$fs" "$m" || { echo "cannot mount the $fs disk"; exit 11; }
	for twin in bug ok; do
		cls=fill
		[ $twin = bug ] && cls=fill-bug
		fl_run "$fs-$twin" check --path "$m" --json "$FL_RESULTS/$fs-$twin.json" \
			$FL_ATTACH_ARGS -- "$FL_FILES/zootrigger" $cls "$m/f" -t "$SECS"
		rm -f "$m/f"
	done
	umount "$m"
done
rmmod faultline_zoo
exit $rc
