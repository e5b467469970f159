#!/bin/bash
# libFuzzer on the dump reader (tests/fuzz/fuzz_dump.c, ASan + UBSan) for
# a fixed budget of 20 s, seeded with real small dumps: the seeded one,
# a short synthetic recording, and their truncations.  Any crash, leak,
# sanitizer finding or timeout fails.  FL_FUZZ_SECONDS changes the budget.
. "$(dirname "$0")/lib.sh"
need_tools build/tests/gendump build/fuzz/fuzz_dump
C=$TMP/corpus
mkdir -p "$C"
"$GENDUMP" seeded "$C/seeded.fld" || fail "gendump seeded"
"$GENDUMP" bench "$C/bench.fld" 40 || fail "gendump bench"
head -c 3000 "$C/seeded.fld" >"$C/seeded-cut.fld"
# a real recording, when a live test left one for us
[ -r "${FL_FUZZ_SEED:-}" ] && cp "$FL_FUZZ_SEED" "$C/real.fld"
secs=${FL_FUZZ_SECONDS:-20}
"$FUZZ" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 "$C" >"$TMP/fuzz.log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$TMP/fuzz.log" | sed 's/^/# /'
[ $rc = 0 ] || { tail -60 "$TMP/fuzz.log"; fail "the fuzzer found a problem (exit $rc)"; }
exit 0
