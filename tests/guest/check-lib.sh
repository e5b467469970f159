# Helpers for the host side of scenarios (scenarios/<name>.host), sourced
# in a subshell together with it.  check() exits/returns 0 on pass; fail
# exits 1, skip exits 77 (like tests/live).  Lines starting with "# " say
# why; they are shown for every scenario in run.sh's output with -v, and
# always on failure.
#
# Environment: FL_RESULT (this run's result dir), FL_SERIES, FL_KVER,
# FL_ATTACH, FL_GUEST_RC (the guest script's exit status), FL_CONSOLE
# (this scenario's slice of the serial log), FL_ROOT.
# prepare() (optional) runs before the initramfs is built, with FL_FILES
# (copied to /scenarios/<name>/files in the guest), FL_KDIR (extracted
# kernel package), FL_KVER, FL_SERIES; FL_HEADERS (linux-headers dir,
# installed on demand) when the scenario says "# headers: yes".
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "# $*"; }

assert_json() {	# file expr message
	jq -e "$2" "$1" >/dev/null || {
		echo "--- $1:"
		jq -c '.counts, .filesystems, [.violations[] | {rule, evidence, fs, comm, stack: .stack[0:3]}]' "$1" | head -c 4000
		echo
		fail "$3"
	}
}

# --locks=precise: the lock-hook runs the kernel skipped, per JSON report
# of the run (precise_hooks_skipped; in parentheses the part the verdict
# rests on, which makes it incomplete).  Shown, not judged: the exit
# status and "complete" the scenario checks already carry it.
fl_precise_skips_note() {
	local j n out=
	for j in "$FL_RESULT"/*.json; do
		[ -f "$j" ] || continue
		n=$(jq -r 'select(type == "object" and has("precise_hooks_skipped")) |
			"\(.precise_hooks_skipped) (\(.precise_hooks_skipped_relevant))"' "$j" 2>/dev/null)
		[ -n "$n" ] && out+=" ${j##*/}: $n"
	done
	[ -n "$out" ] && note "precise hooks skipped:$out"
	return 0
}

# The gist of a faultline stderr: its own messages, and from each BPF
# verifier log the program name and the last lines before its end (the
# full log stays in the file).
fl_stderr_summary() {	# file
	awk '
	/^libbpf: prog .*: -- BEGIN PROG LOAD LOG --/ { inlog = 1; n = 0; print; next }
	/^-- END PROG LOAD LOG --/ { s = (n > 8) ? n - 8 : 0; for (i = s; i < n; i++) print "    " buf[i]; inlog = 0; print; next }
	inlog { buf[n++] = $0; next }
	/^faultline:|^libbpf:/ { print }
	' "$1" | head -n 60
}

# faultline must not call a tracepoint missing that the kernel has.  Reads
# "program target (mechanism) why..." lines of programs reported "missing"
# on stdin; the kernel's list is the guest's available_events.txt.
# Function hooks (fentry, kprobe) cannot be checked this way and are
# skipped; so are "missing" entries whose reason is not the kernel (e.g.
# "no kprobe form for this hook" under --attach=kprobe): those are noted.
fl_check_missing_claims() {	# available_events-file
	local ev=$1 prog target mech why name bad=0
	while read -r prog target mech why; do
		case $mech in "" | "(tp_btf)" | "(tracepoint)" | "(raw_tp)") ;; *) continue ;; esac
		case $why in
		"" | *"not in this kernel"* | *"not in the kernel"*) ;;
		*) echo "# $prog: $target $mech not used: \"$why\" (not a claim about the kernel; not checked)"; continue ;;
		esac
		name=${target##*/}
		if grep -qE "^[a-z0-9_]+:$name\$" "$ev"; then
			echo "# $prog: faultline reports $target $mech missing (\"$why\"), but the kernel has $(grep -m1 -E "^[a-z0-9_]+:$name\$" "$ev")"
			bad=1
		fi
	done
	return $bad
}
