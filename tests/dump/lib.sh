# Helpers for the post-mortem tests (tests/dump/*.sh and
# tests/live/test_record_report.sh): built tools, the timeline check.
. "$(dirname "${BASH_SOURCE[0]}")/../live/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GENDUMP=$ROOT/build/tests/gendump
ASAN_FL=$ROOT/build/asan/faultline
FUZZ=$ROOT/build/fuzz/fuzz_dump
# a sanitizer finding must never pass for "violations found" (exit 1)
export ASAN_OPTIONS=exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=exitcode=99:halt_on_error=1:print_stacktrace=1

need_tools() {	# make targets, brought up to date
	make -s -C "$ROOT" "$@" >/dev/null || fail "cannot build $*"
}

# The timeline is trace-event JSON: every element has ph/ts/pid/tid/name,
# spans are complete ("X", dur >= 0), every track is named, and every
# violation of the JSON report is flagged in it (rule, pid, time).
check_timeline() {	# timeline.json report.json
	local tl=$1 rep=$2 msg
	# one jq pass (timelines of real runs are large): the first problem found
	msg=$(jq -r --slurpfile r "$rep" '
		.traceEvents as $t |
		if ($t | type) != "array" or ($t | length) == 0 then "no traceEvents array"
		elif ([$t[] | has("ph") and has("ts") and has("pid") and has("tid") and has("name")] | all | not)
			then "an element lacks ph/ts/pid/tid/name"
		elif ([$t[] | .ph | IN("M", "X", "i")] | all | not) then "unexpected phase"
		elif ([$t[] | select(.ph == "X") | (.dur | type == "number") and .dur >= 0] | all | not)
			then "a span without a valid duration"
		elif ([$t[] | select(.ph == "B")] | length) != ([$t[] | select(.ph == "E")] | length)
			then "unbalanced B/E"
		elif (([$t[] | select(.ph == "M" and .name == "process_name") | .pid] | unique) as $named |
			[$t[] | select(.ph != "M") | .pid] | unique | map(IN($named[])) | all | not)
			then "a track without a process_name"
		elif ([$t[] | select(.cat == "violation") | {rule: .args.rule, pid: .tid, ev: .args.event, count: .args.count}] as $tv |
			[$r[0].violations[] | {rule, pid, ev: .event, count}] | map(IN($tv[])) | all | not)
			then "a violation of the report is missing"
		elif ([$t[] | select(.cat == "violation")] | length) != ($r[0].violations | length)
			then "violation markers and violations differ in number"
		else "ok" end' "$tl") || fail "timeline: not JSON"
	[ "$msg" = ok ] || fail "timeline: $msg"
}
