#!/bin/bash
# The man pages: each renders without a warning (man --warnings), each
# command's page describes every option its --help lists (the same rows
# of src/cli.c), and `make install` puts them where man finds them.
. "$(dirname "$0")/lib.sh"
need_tools faultline
command -v man >/dev/null || fail "man missing (man-db)"
MAN=$ROOT/docs/man
for page in "$MAN"/*.8; do
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "$(basename "$page"): $warn"
done
for cmd in check record report probe demo watch; do
	page=$MAN/faultline-$cmd.8
	[ -s "$page" ] || fail "no man page for $cmd"
	n=0
	for opt in $("$ROOT/faultline" "$cmd" --help | grep -oE '^  -[a-zA-Z], --[a-z-]+' | sed 's/.*--//'); do
		[ "$opt" = help ] && continue
		n=$((n + 1))
		# record's and watch's pages describe their own options and send the rest to check's
		if ! grep -q -- "\\\\-\\\\-${opt//-/\\\\-}" "$page"; then
			{ [ "$cmd" = record ] || [ "$cmd" = watch ]; } && grep -q -- "\\\\-\\\\-${opt//-/\\\\-}" "$MAN/faultline-check.8" ||
				fail "faultline-$cmd.8 does not describe --$opt"
		fi
	done
	[ $n -gt 0 ] || fail "faultline $cmd --help lists no option"
	note "faultline-$cmd.8: $n options described"
done
grep -q '^\.BR faultline-check (8)' "$MAN/faultline.8" || fail "faultline.8 does not point to the command pages"
# installed where man finds them
D=$TMP/inst
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr >/dev/null || fail "make install failed"
for page in "$MAN"/*.8; do
	[ -s "$D/usr/share/man/man8/$(basename "$page")" ] || fail "make install left out $(basename "$page")"
done
MANPATH=$D/usr/share/man man -w faultline-check >/dev/null 2>&1 || fail "man cannot find the installed faultline-check(8)"
exit 0
