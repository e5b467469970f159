#!/bin/bash
# `report` never writes over its input or one output over another: the
# JSON, the timeline and the dump are compared by (st_dev, st_ino) when
# they exist (a hard link or a symlink is the same file) and by resolved
# path otherwise; an output into a missing directory, or onto something
# that is not a regular file, is refused before the input is read.  Each
# refusal is exit 2 with one line, and leaves every file as it was.
. "$(dirname "$0")/lib.sh"
need_tools faultline build/tests/gendump
D=$TMP/d.fld
"$GENDUMP" seeded "$D" || fail "gendump seeded"
cp -p "$D" "$TMP/orig.fld"
ln "$D" "$TMP/hard.fld"
ln -s d.fld "$TMP/sym.fld"
n=0

refused() {	# what args...
	local what=$1 rc
	shift
	n=$((n + 1))
	(cd "$TMP" && "$FL" report "$@") >"$TMP/r.out" 2>"$TMP/r.err"
	rc=$?
	[ $rc = 2 ] || fail "$what: exit $rc, expected 2"
	[ "$(wc -l <"$TMP/r.err")" = 1 ] || { cat "$TMP/r.err"; fail "$what: not one line on stderr"; }
	[ -s "$TMP/r.out" ] && fail "$what: a report was printed"
	cmp -s "$D" "$TMP/orig.fld" || fail "$what: the dump was changed"
	[ "$(stat -c %a "$D")" = 600 ] || fail "$what: the dump's mode is now $(stat -c %a "$D")"
	note "$what: $(cat "$TMP/r.err")"
}
refused "--json onto the input" d.fld --json d.fld
refused "--json onto the input, another name" d.fld --json "$TMP/./d.fld"
refused "--timeline onto the input" d.fld --timeline d.fld
refused "--json onto a hard link of the input" d.fld --json hard.fld
refused "--json onto a symlink to the input" d.fld --json sym.fld
refused "--json and --timeline the same new file" d.fld --json out.json --timeline ./out.json
[ -e "$TMP/out.json" ] && fail "a refused output was created"
refused "--json into a missing directory" d.fld --json /nonexistent/dir/r.json
refused "--timeline onto /dev/null" d.fld --timeline /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
refused "--json onto a directory" d.fld --json "$TMP"

# the control: distinct outputs are written, and the dump is untouched
"$FL" report "$D" --json "$TMP/r.json" --timeline "$TMP/t.json" >/dev/null 2>&1
[ $? = 1 ] || fail "report with distinct outputs: exit $?, expected 1 (the seeded violations)"
jq -e '.violations | length == 3' "$TMP/r.json" >/dev/null || fail "control: no report written"
jq -e '.traceEvents | length > 0' "$TMP/t.json" >/dev/null || fail "control: no timeline written"
cmp -s "$D" "$TMP/orig.fld" || fail "control: the dump was changed"
echo "# $n refusals, each exit 2 with one line, nothing written; the control wrote both outputs"
exit 0
