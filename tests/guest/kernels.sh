#!/bin/bash
# Debian guest kernels for the QEMU tests.
#
#   kernels.sh [resolve] [SERIES...]  newest release of each series (default: 6.1 6.12)
#   kernels.sh fetch     [SERIES...]  download + extract into $FL_GUEST_CACHE
#                                     (default build/guest/cache); prints
#                                     "series release dir" per kernel
#   kernels.sh headers   [SERIES...]  apt-get install linux-headers-<release>;
#                                     prints "series release headers-dir", so that
#                                     make -C <headers-dir> M=$PWD modules
#                                     builds a module for that guest
#   kernels.sh release SERIES         just the release string (for scripts)
#
# Releases are resolved with apt-cache each time (pin one with
# FL_GUEST_KERNEL_6_1=<release> etc.); packages already in the cache are
# not downloaded again.
set -u
. "$(dirname "$0")/lib.sh"

cmd=${1:-resolve}
case $cmd in
resolve | fetch | headers | release) shift ;;
-h | --help) sed -n '2,16p' "$0" | cut -c3-; exit 0 ;;
*) cmd=resolve ;;
esac
series=${*:-$FL_GUEST_SERIES}
[ "$series" = all ] && series=$FL_GUEST_SERIES

rc=0
for s in $series; do
	rel=$(fl_kernel_resolve "$s") || { rc=1; continue; }
	case $cmd in
	release) echo "$rel" ;;
	resolve) echo "$s $rel" ;;
	fetch)
		dir=$(fl_kernel_fetch "$rel") || { rc=1; continue; }
		echo "$s $rel $dir"
		;;
	headers)
		hdr=$(fl_kernel_headers "$rel") || { rc=1; continue; }
		echo "$s $rel $hdr"
		;;
	esac
done
exit $rc
