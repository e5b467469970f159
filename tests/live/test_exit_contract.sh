#!/bin/bash
# The exit contract (README, "Exit status"): bits 1 violations, 4
# incomplete verdict, 8 the traced command failed; 2 faultline failed,
# alone.  The traced command's fate is in the text (one "command:" line)
# and in the JSON ("command": argv, exit_status, signal).  And stopping:
# once the command is reaped faultline exits at once and never signals
# the command's process group again (it may be someone else's by then).
. "$(dirname "$0")/lib.sh"
require_live
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" build/tests/workload_run >/dev/null || fail "cannot build workload_run"
WL=$ROOT/build/tests/workload_run
scratch_fs tmpfs; QUIET=$MNT	# nothing runs there: fast, lossless runs

# check -- CMD: exit status, the command's line in the text, its JSON
fate() {	# name want-rc want-json-command-expr want-text-regex cmd...
	local name=$1 want=$2 jexpr=$3 text=$4 rc
	shift 4
	run_fl "$TMP/$name" check --path "$QUIET" --json "$TMP/$name.json" -- "$@"
	rc=$?
	[ $rc = "$want" ] || { cat "$TMP/$name.stderr"; fail "$name: exit $rc, expected $want"; }
	[ "$(contract_rc "$TMP/$name.json")" = "$rc" ] || fail "$name: exit $rc, but the JSON says $(contract_rc "$TMP/$name.json")"
	assert_json "$TMP/$name.json" "$jexpr" "$name: JSON command"
	grep -qE "^command: $text\$" "$TMP/$name.stdout" || { grep '^command' "$TMP/$name.stdout"; fail "$name: no line '$text'"; }
	note "$name: $(grep '^command: ' "$TMP/$name.stdout")"
}
fate true 0 '.command == {"argv": ["true"], "exit_status": 0, "signal": null, "stopped_by": null}' \
	'true exited with status 0' true
fate false 8 '.command.argv == ["/bin/false"] and .command.exit_status == 1 and .command.signal == null' \
	'/bin/false exited with status 1' /bin/false
fate exit7 8 '.command.argv == ["sh", "-c", "exit 7"] and .command.exit_status == 7' \
	"sh -c 'exit 7' exited with status 7" sh -c 'exit 7'
fate kill9 8 '.command.exit_status == null and .command.signal == "SIGKILL"' \
	"sh -c 'kill -9 \\\$\\\$' killed by SIGKILL" sh -c 'kill -9 $$'
# argv is escaped in the text, kept whole in the JSON
fate escaped 0 '.command.argv == ["printf", "%s", "a\u0001b c"]' \
	"printf %s 'a\\\\x01b c' exited with status 0" printf %s "$(printf 'a\001b c')"
fate unrunnable 8 '.command.exit_status == 127' '/nonexistent/cmd exited with status 127' /nonexistent/cmd
grep -q 'error: cannot run /nonexistent/cmd' "$TMP/unrunnable.stderr" || fail "unrunnable: no error line"
run_fl "$TMP/none" check --path "$QUIET" --duration 0.5 --json "$TMP/none.json"
[ $? = 0 ] || fail "a bare clean run did not exit 0"
assert_json "$TMP/none.json" '.command == null' "no command, but .command is not null"
grep -q '^command:' "$TMP/none.stdout" && fail "no command, but a command line"

# bits combine: violations (an assumed protocol, real xfs faults) from a
# command that then fails
scratch_fs xfs
run_fl "$TMP/both" check --path "$MNT" --assume-protocol xfs:map-pages-locked \
	--json "$TMP/both.json" -- sh -c "'$WL' '$MNT' 1 >/dev/null; exit 3"
rc=$?
assert_json "$TMP/both.json" '(.violations | length) > 0 and .command.exit_status == 3' "no violations, or the command's status lost"
want=$(contract_rc "$TMP/both.json")
[ "$want" = 9 ] || [ "$want" = 13 ] || fail "violations + failed command: the JSON gives $want, not 9 (or 13 with losses)"
[ $rc = "$want" ] || fail "violations + failed command: exit $rc, expected $want"
note "violations and a failing command: exit $rc ($(jq '.violations | length' "$TMP/both.json") violations, complete $(jq .complete "$TMP/both.json"))"

# faultline's own failure is 2, alone, even with a failing command
run_fl "$TMP/env" check --path /nonexistent -- /bin/false
[ $? = 2 ] || fail "usage error with a failing command: not exit 2"

# --- stopping ---------------------------------------------------------
# The command ends by itself: faultline follows within 2 s.
run_fl "$TMP/s1" check --path "$QUIET" -- sh -c "sleep 1; date +%s.%N >'$TMP/s1.end'"
end_fl=$(date +%s.%N)
gap=$(awk -v a="$end_fl" -v b="$(cat "$TMP/s1.end")" 'BEGIN { printf "%.3f", a - b }')
note "command exited -> faultline exited: ${gap}s"
awk -v g="$gap" 'BEGIN { exit !(g < 2) }' || fail "faultline took ${gap}s after its command exited"

# --duration ends the command (SIGTERM to its group): faultline follows
# within 2 s (it went on signalling the reaped group for 5 s), and a
# process of that group that ignores SIGTERM and outlives the command is
# not signalled once the command is reaped.
cat >"$TMP/stop.sh" <<'S'
(trap '' TERM; exec sleep 8) &
echo $! >"$1/survivor"
trap 'date +%s.%N >"$1/s2.end"; exit 0' TERM
sleep 30 & wait
S
run_fl "$TMP/s2" check --path "$QUIET" --duration 1 --json "$TMP/s2.json" -- bash "$TMP/stop.sh" "$TMP"
rc=$?
end_fl=$(date +%s.%N)
survivor=$(cat "$TMP/survivor")
cleanup_hooks+=("kill -9 $survivor 2>/dev/null")
gap=$(awk -v a="$end_fl" -v b="$(cat "$TMP/s2.end")" 'BEGIN { printf "%.3f", a - b }')
note "command stopped -> faultline exited: ${gap}s; exit $rc"
awk -v g="$gap" 'BEGIN { exit !(g < 2) }' || fail "faultline took ${gap}s after it stopped its command"
kill -0 "$survivor" 2>/dev/null || fail "faultline signalled the command's group after reaping the command (a TERM-ignoring member was killed)"
kill -9 "$survivor"
assert_json "$TMP/s2.json" '.command.exit_status == 0 and .command.stopped_by == "--duration elapsed"' "stopped command's fate"
grep -q '^command: bash .* exited with status 0 (faultline stopped it: --duration elapsed)$' "$TMP/s2.stdout" ||
	fail "text does not say faultline stopped the command"
[ $rc = 0 ] || fail "a command that exited 0 when stopped: exit $rc"
exit 0
