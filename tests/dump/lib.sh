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
	local tl=$1 rep=$2
	jq -e '.traceEvents | type == "array" and length > 0' "$tl" >/dev/null ||
		fail "timeline: no traceEvents array"
	jq -e '[.traceEvents[] | has("ph") and has("ts") and has("pid") and has("tid") and has("name")] | all' "$tl" >/dev/null ||
		fail "timeline: an element lacks ph/ts/pid/tid/name"
	jq -e '[.traceEvents[] | .ph] | map(IN("M", "X", "i")) | all' "$tl" >/dev/null ||
		fail "timeline: unexpected phase"
	jq -e '[.traceEvents[] | select(.ph == "X") | (.dur | type == "number") and .dur >= 0] | all' "$tl" >/dev/null ||
		fail "timeline: a span without a valid duration"
	jq -e '([.traceEvents[] | select(.ph == "B")] | length) == ([.traceEvents[] | select(.ph == "E")] | length)' "$tl" >/dev/null ||
		fail "timeline: unbalanced B/E"
	jq -e '([.traceEvents[] | select(.ph == "M" and .name == "process_name") | .pid] | unique) as $named |
		[.traceEvents[] | select(.ph != "M") | .pid] | unique | map(IN($named[])) | all' "$tl" >/dev/null ||
		fail "timeline: a track without a process_name"
	jq -e --slurpfile r "$rep" '
		[.traceEvents[] | select(.cat == "violation") | {rule: .args.rule, pid: .tid, ev: .args.event, count: .args.count}] as $tv |
		[$r[0].violations[] | {rule, pid, ev: .event, count}] | map(IN($tv[])) | all' "$tl" >/dev/null ||
		fail "timeline: a violation of the report is missing"
	local nv nt
	nv=$(jq '.violations | length' "$rep")
	nt=$(jq '[.traceEvents[] | select(.cat == "violation")] | length' "$tl")
	[ "$nv" = "$nt" ] || fail "timeline: $nt violation markers for $nv violations"
}
