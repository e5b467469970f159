#!/bin/bash
# docs/cost.md's "State bounds" against the built BPF objects (read from
# their BTF and relocations, nothing loaded): every map has a row; a keyed
# map's row (hash, LRU, stack trace) gives the bound the object declares;
# and the maps fl_task_exit deletes are exactly those whose row says they
# go at the task's exit.  A map added without its row, or per-task state
# left for an LRU to push out, fails here.
. "$(dirname "$0")/lib.sh"
need_tools faultline
command -v bpftool >/dev/null || fail "bpftool missing"
command -v llvm-objdump >/dev/null || fail "llvm-objdump missing"
DOC=$ROOT/docs/cost.md
EXIT_SEC=tp_btf/sched_process_exit

# the BPF table of "State bounds": "name<TAB>type, bound<TAB>freed", a line
# per map it names
awk -F' \\| ' '
	/^## / { in_sec = ($0 == "## State bounds") }
	in_sec && /^BPF maps/ { in_tab = 1; next }
	in_tab && /^$/ && rows { exit }
	in_tab && /^\| `/ {
		rows++
		n = 0
		s = $1
		while (match(s, /`[a-z_0-9]+`/)) {
			name[++n] = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
		}
		sub(/ \|$/, "", $5)
		for (i = 1; i <= n; i++)
			printf "%s\t%s\t%s\t%d\n", name[i], $2, $5, n
	}' "$DOC" >"$TMP/rows"
[ -s "$TMP/rows" ] || fail "no BPF table under \"## State bounds\" in docs/cost.md"

# every map of every object: "name<TAB>type<TAB>max_entries" (BTF map definitions)
: >"$TMP/maps"
: >"$TMP/exit_deletes"
nobj=0
for src in "$ROOT"/bpf/*.bpf.c; do
	base=$(basename "$src" .bpf.c)
	for obj in "$ROOT/build/$base.bpf.o" "$ROOT/build/${base}_kp.bpf.o"; do
		[ -e "$obj" ] || continue
		nobj=$((nobj + 1))
		bpftool btf dump file "$obj" -j | jq -r '
			(.types | map({key: (.id | tostring), value: .}) | from_entries) as $t |
			def elems($m): $t[($t[($m.type_id | tostring)].type_id | tostring)].nr_elems;
			.types[] | select(.kind == "DATASEC" and .name == ".maps") | .vars[] |
			$t[(.type_id | tostring)] as $v | $t[($v.type_id | tostring)] as $s |
			($s.members | map({key: .name, value: .}) | from_entries) as $m |
			[$v.name, elems($m.type),
			 (if $m.max_entries then elems($m.max_entries) else "-" end)] | @tsv' \
			>>"$TMP/maps" || fail "$(basename "$obj"): cannot read its BTF"
		if llvm-objdump -h "$obj" | grep -q " $EXIT_SEC "; then
			llvm-objdump -dr --section="$EXIT_SEC" "$obj" |
				awk '/R_BPF_64_64/ { print $NF }' >>"$TMP/exit_deletes"
		fi
	done
done
[ $nobj -gt 0 ] || fail "no BPF objects in build/"
sort -u -o "$TMP/maps" "$TMP/maps"
sort -u -o "$TMP/exit_deletes" "$TMP/exit_deletes"
[ -s "$TMP/exit_deletes" ] || fail "no $EXIT_SEC program in the objects"
note "$nobj objects, $(cut -f1 "$TMP/maps" | sort -u | wc -l) maps, $(wc -l <"$TMP/rows") named in docs/cost.md"

errors=0
err() { echo "# $*"; errors=$((errors + 1)); }

while IFS=$'\t' read -r name type max; do
	row=$(awk -F'\t' -v n="$name" '$1 == n' "$TMP/rows")
	if [ -z "$row" ]; then
		err "$name (type $type, $max entries) has no row in docs/cost.md's State bounds"
		continue
	fi
	IFS=$'\t' read -r _ bound freed names <<<"$row"
	# bounds of keyed maps, one per row (arrays are fixed, a ring buffer is sized at load)
	case $type in
	1) kind=hash ;;
	7) kind="stack trace" ;;
	9) kind=LRU ;;
	*) kind= ;;
	esac
	if [ -n "$kind" ] && [ "$names" = 1 ] && [ "$bound" != "$kind $max" ]; then
		err "$name: docs/cost.md says \"$bound\", the object declares \"$kind $max\""
	fi
	if grep -qx "$name" "$TMP/exit_deletes"; then
		[[ $freed == *"task's exit"* ]] ||
			err "$name: fl_task_exit deletes it, its row says it is freed \"$freed\""
	elif [[ $freed == *"task's exit"* ]]; then
		err "$name: its row says it goes at the task's exit, fl_task_exit does not delete it"
	fi
done <"$TMP/maps"
# rows for maps no object has
while IFS=$'\t' read -r name _; do
	grep -q "^$name	" "$TMP/maps" || err "docs/cost.md has a row for $name, no object has that map"
done <"$TMP/rows"
[ $errors = 0 ] || fail "$errors difference(s) between docs/cost.md and the BPF objects"
exit 0
