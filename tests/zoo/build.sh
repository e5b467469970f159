#!/bin/bash
# Build the bug zoo for one guest kernel:
#
#   tests/zoo/build.sh RELEASE [OUTDIR]
#
# RELEASE is a kernel release with headers installed in
# /usr/src/linux-headers-RELEASE (e.g. 6.1.0-56-cloud-amd64,
# 6.12.117+deb12-cloud-amd64; tests/guest/kernels.sh headers installs them).
# OUTDIR defaults to build/zoo/RELEASE at the top of the repository and
# receives faultline_zoo.ko and zootrigger (static).  The sources are copied
# there first, so that kbuild writes nothing into the source tree and builds
# for several releases do not collide.  Warnings are errors.
#
# ZOO_CACHE=DIR: build once per release and source state into DIR and copy
# from there (the guest runner's scenarios all want the same zoo: a build
# costs 10 s of CPU on a quiet host, 30 s beside the guests).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

[ $# -ge 1 ] || { echo "usage: $0 RELEASE [OUTDIR]" >&2; exit 2; }
rel=$1
out=${2:-$top/build/zoo/$rel}
kdir=${KDIR:-/usr/src/linux-headers-$rel}

[ -f "$kdir/Makefile" ] || {
	echo "build.sh: no kernel headers in $kdir (apt-get install linux-headers-$rel)" >&2
	exit 1
}

mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -n "${ZOO_CACHE:-}" ]; then
	key=$rel-$(cat "$here"/*.c "$here"/*.h "$here/Kbuild" | sha256sum | cut -c1-16)
	mkdir -p "$ZOO_CACHE"
	(
		flock 9
		[ -f "$ZOO_CACHE/$key/.ok" ] ||
			{ ZOO_CACHE= "$0" "$rel" "$ZOO_CACHE/$key" >/dev/null && touch "$ZOO_CACHE/$key/.ok"; }
	) 9>"$ZOO_CACHE/.lock"
	[ -f "$ZOO_CACHE/$key/.ok" ] || exit 1
	cp "$ZOO_CACHE/$key/faultline_zoo.ko" "$ZOO_CACHE/$key/zootrigger" "$out/"
	echo "$out/faultline_zoo.ko"
	echo "$out/zootrigger"
	exit 0
fi
src=$out/src
rm -rf "$src"
mkdir -p "$src"
cp "$here"/*.c "$here"/*.h "$here/Kbuild" "$src/"
rm -f "$src/zootrigger.c"

log=$out/build.log
if ! make -C "$kdir" M="$src" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build.sh: module build failed for $rel" >&2
	exit 1
fi
if grep -E 'warning:' "$log" >&2; then
	echo "build.sh: module build for $rel has warnings" >&2
	exit 1
fi
cp "$src/faultline_zoo.ko" "$out/"

${CC:-gcc} -O2 -Wall -Wextra -Werror -static -pthread \
	-o "$out/zootrigger" "$here/zootrigger.c"

echo "$out/faultline_zoo.ko"
echo "$out/zootrigger"
