#!/bin/bash
# Debian guest kernels for the QEMU tests.
#
#   kernels.sh [resolve] [ENTRY...]  newest release of each entry (default:
#                                    $FL_GUEST_KERNELS, 6.1 6.12
#                                    6.12-rt 6.12-generic)
#   kernels.sh fetch     [ENTRY...]  download + extract into $FL_GUEST_CACHE
#                                    (default build/guest/cache); prints
#                                    "entry release dir" per kernel
#   kernels.sh headers   [ENTRY...]  apt-get install linux-headers-<release>;
#                                    prints "entry release headers-dir", so that
#                                    make -C <headers-dir> M=$PWD modules
#                                    builds a module for that guest
#   kernels.sh release ENTRY         just the release string (for scripts)
#
# An entry is SERIES[-FLAVOUR]: 6.12 (cloud), 6.12-generic, 6.12-rt.
# Releases are resolved with apt-cache each time (pin one with
# FL_GUEST_KERNEL_6_1=<release>, FL_GUEST_KERNEL_6_12_RT=<release> etc.);
# packages already in the cache are not downloaded again.
set -u
. "$(dirname "$0")/lib.sh"

cmd=${1:-resolve}
case $cmd in
resolve | fetch | headers | release) shift ;;
-h | --help) sed -n '2,19p' "$0" | cut -c3-; exit 0 ;;
*) cmd=resolve ;;
esac
series=${*:-$FL_GUEST_KERNELS}
[ "$series" = all ] && series=$FL_GUEST_KERNELS
# extracting a kernel runs depmod and xz: on a fresh host, install them first
case $cmd in
fetch | headers) fl_guest_deps ;;
esac

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
