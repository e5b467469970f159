#!/bin/bash
# Initramfs builder for the guest tests.
#
# Sourced by run.sh (functions below), or run directly to build an image
# for interactive debugging:
#   initramfs.sh ENTRY OUT.cpio [SCENARIO...]    (ENTRY: 6.12, 6.12-generic, 6.12-rt, ...)
# (scenarios' prepare() hooks are not run in that mode).
#
# Layout of the image:
#   /init, /lib/fl-guest.sh, /etc/fl-guest.env     (tests/guest/init, guest-lib.sh)
#   /bin/busybox + applet links                    (busybox-static)
#   /bin/faultline                                 (build/faultline-static)
#   /lib/modules/<release>/...ko + load.list       (decompressed, dependency order)
#   host binaries + their shared libraries + ld.so (a scenario's "guest-bins")
#   /scenarios/<name>/run.sh, files/               (tests/guest/scenarios/<name>.sh)
#   /scenarios/runs                                ("id name attach timeout" lines)

# Modules every boot needs: the results disk is a virtio disk.
FL_BASE_MODULES="virtio_pci virtio_blk"

# Value of a "# key: value" header line in a scenario script.
fl_scenario_meta() {	# file key [default]
	local v
	v=$(sed -n "s/^# $2: *//p" "$1" | head -n1)
	echo "${v:-${3:-}}"
}

fl_stage_busybox() {	# stage
	local st=$1 a
	mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,results,lib/modules} || return 1
	cp /bin/busybox "$st/bin/busybox" || return 1
	for a in $(/bin/busybox --list-full); do
		[ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
	done
}

# Copy a host binary (following its symlink chain, keeping the links) and
# every shared library ldd lists, plus the dynamic loader, at their paths.
fl_stage_bin() {	# stage name-or-path
	local st=$1 p=$2 l
	[[ $p == /* ]] || p=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH command -v "$p") ||
		{ gmsg "guest-bins: $2 not found on the host"; return 1; }
	while [ -L "$p" ]; do
		mkdir -p "$st$(dirname "$p")"
		rm -f "$st$p" && cp -a "$p" "$st$p" || return 1
		l=$(readlink "$p")
		[[ $l == /* ]] || l=$(dirname "$p")/$l
		p=$l
	done
	mkdir -p "$st$(dirname "$p")"
	rm -f "$st$p" && cp "$p" "$st$p" || return 1
	for l in $(ldd "$p" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$st$(dirname "$l")"
		[ -e "$st$l" ] || cp -L "$l" "$st$l" || return 1
	done
}

# Modules and their dependencies (modprobe --show-depends on the extracted
# tree, soft dependencies included), decompressed, in load order.
fl_stage_modules() {	# stage kdir release modules...
	local st=$1 kdir=$2 rel=$3 m line path relp dst
	shift 3
	local mdir=$kdir/lib/modules/$rel list=$st/lib/modules/load.list
	mkdir -p "$st/lib/modules/$rel"
	touch "$list"
	for m in "$@"; do
		modprobe -d "$kdir" -S "$rel" --show-depends "$m" >"$st/.deps" 2>&1 ||
			{ gmsg "module $m: $(cat "$st/.deps")"; return 1; }
		while read -r line; do
			case $line in
			builtin\ *) continue ;;
			insmod\ *) path=$(echo "$line" | cut -d' ' -f2) ;;
			*) continue ;;
			esac
			relp=${path#"$mdir"/}
			relp=${relp%.xz}
			relp=${relp%.zst}
			grep -qxF "$relp" "$list" && continue
			dst=$st/lib/modules/$rel/$relp
			mkdir -p "$(dirname "$dst")"
			case $path in
			*.xz) xz -dc "$path" >"$dst" ;;
			*.zst) zstd -qdc "$path" >"$dst" ;;
			*) cp "$path" "$dst" ;;
			esac || return 1
			echo "$relp" >>"$list"
		done <"$st/.deps"
	done
	rm -f "$st/.deps"
}

# The common part: busybox, init, faultline, base modules.
fl_stage_base() {	# stage kdir release entry faultline
	local st=$1 kdir=$2 rel=$3 entry=$4 fl=$5
	fl_stage_busybox "$st" || return 1
	install -m 0755 "$FL_GUEST_DIR/init" "$st/init" || return 1
	install -m 0644 "$FL_GUEST_DIR/guest-lib.sh" "$st/lib/fl-guest.sh" || return 1
	install -m 0755 "$fl" "$st/bin/faultline" || return 1
	printf 'FL_KVER=%s\nFL_KERNEL=%s\nFL_SERIES=%s\nFL_FLAVOUR=%s\nFL_VERBOSE=%s\n' \
		"$rel" "$entry" "$(fl_kernel_series "$entry")" "$(fl_kernel_flavour "$entry")" \
		"${FL_GUEST_VERBOSE:-}" >"$st/etc/fl-guest.env"
	echo 'export FL_KVER FL_KERNEL FL_SERIES FL_FLAVOUR FL_VERBOSE' >>"$st/etc/fl-guest.env"
	mkdir -p "$st/scenarios" && : >"$st/scenarios/runs"
	fl_stage_modules "$st" "$kdir" "$rel" $FL_BASE_MODULES
}

# What one scenario needs: its script, modules, host binaries and files.
fl_stage_scenario() {	# stage kdir release scenario-file
	local st=$1 kdir=$2 rel=$3 f=$4 name b
	name=$(basename "$f" .sh)
	mkdir -p "$st/scenarios/$name/files" || return 1
	install -m 0755 "$f" "$st/scenarios/$name/run.sh" || return 1
	fl_stage_modules "$st" "$kdir" "$rel" $(fl_scenario_meta "$f" modules) || return 1
	for b in $(fl_scenario_meta "$f" guest-bins); do
		fl_stage_bin "$st" "$b" || return 1
	done
	for b in $(fl_scenario_meta "$f" host-files); do
		mkdir -p "$st$(dirname "$b")" && cp -L "$b" "$st$b" || return 1
	done
}

# An uncompressed newc archive: nothing to decompress under TCG.
fl_cpio() {	# stage out
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	. "$(dirname "$0")/lib.sh"
	[ $# -ge 2 ] || { sed -n '2,20p' "$0" | cut -c3-; exit 2; }
	series=$1 out=$2
	shift 2
	rel=$(fl_kernel_resolve "$series") || exit 1
	kdir=$(fl_kernel_fetch "$rel") || exit 1
	fl=${FL_FAULTLINE:-$FL_ROOT/build/faultline-static}
	[ -x "$fl" ] || gdie "$fl missing (make static)"
	st=$(mktemp -d /tmp/faultline-initramfs.XXXXXX)
	trap 'rm -rf "$st"' EXIT
	fl_stage_base "$st" "$kdir" "$rel" "$series" "$fl" || exit 1
	for s in "$@"; do
		f=$FL_GUEST_DIR/scenarios/$s.sh
		[ -f "$f" ] || gdie "no scenario $s"
		fl_stage_scenario "$st" "$kdir" "$rel" "$f" || exit 1
		echo "$s $s auto $(fl_scenario_meta "$f" timeout 300)" >>"$st/scenarios/runs"
	done
	fl_cpio "$st" "$out" || exit 1
	echo "$out: $(du -h "$out" | cut -f1) for $rel ($(wc -l <"$st/lib/modules/load.list") modules)"
	echo "vmlinuz: $kdir/boot/vmlinuz-$rel"
fi
