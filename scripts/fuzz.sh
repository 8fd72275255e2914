#!/usr/bin/env bash
# Fuzz every harness in tests/fuzz with libFuzzer (clang-16, AddressSanitizer and
# UndefinedBehaviorSanitizer), starting from the committed seed corpora.
#
#   scripts/fuzz.sh [SECONDS]      fuzz for SECONDS in total (default 600), split evenly
#   AXV_FUZZ_EACH=N scripts/fuzz.sh  fuzz each harness for N seconds (scripts/test.sh: 15)
#   AXV_FUZZ_ONLY="bus a64-esr"      only these harnesses
#
# New inputs go to build/fuzz/corpus/<harness>/ (never into the committed seeds); a finding
# is written to build/fuzz/artifacts/ and makes the script fail. It prints, per harness, the
# executions, the coverage (libFuzzer's "cov": instrumented edges reached) and features, and
# the figures a harness reports itself as "stat::axv_NAME: VALUE" lines on stderr (the
# address-space harness: the highest area count it reached).
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_FUZZ

total=${1:-600}
dir="$AXV_BUILD/fuzz"
# Meson 1.0 drops a changed c_args on --reconfigure: start again if it lost them.
if [ -f "$dir/build.ninja" ] && ! grep -q fuzzer-no-link "$dir/build.ninja"; then rm -rf "$dir"; fi
CC=clang-16 configure "$dir" -Dfuzz=enabled -Ddocs=disabled -Dexamples=disabled \
	--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
	"-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" || exit 1
ninja -C "$dir" -j "$AXV_JOBS" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: (Entering|no work)'
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

harnesses=()
for f in "$dir"/tests/fuzz/fuzz-*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	h=${f##*/fuzz-}
	if [ -n "${AXV_FUZZ_ONLY:-}" ] && ! [[ " $AXV_FUZZ_ONLY " == *" $h "* ]]; then
		continue
	fi
	harnesses+=("$h")
done
[ ${#harnesses[@]} -gt 0 ] || { echo "no fuzz harness was built"; exit 1; }
each=${AXV_FUZZ_EACH:-$((total / ${#harnesses[@]}))}
[ "$each" -ge 1 ] || each=1

say "fuzzing ${#harnesses[@]} harnesses for ${each} s each"
mkdir -p "$dir/artifacts" "$dir/logs"
failed=()
printf '%-12s %10s %8s %8s %8s %7s  %s\n' harness execs exec/s cov ft corpus result
for h in "${harnesses[@]}"; do
	work="$dir/corpus/$h"
	seeds="$AXV_ROOT/tests/fuzz/corpus/$h"
	mkdir -p "$work"
	log="$dir/logs/$h.log"
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$dir/tests/fuzz/fuzz-$h" -max_total_time="$each" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-artifact_prefix="$dir/artifacts/$h-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
	if [ "$rc" -eq 0 ]; then res=ok; else res="FINDING (log: $log)"; failed+=("$h"); fi
	printf '%-12s %10s %8s %8s %8s %7s  %s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$res"
	sed -n 's/^stat::axv_\([A-Za-z0-9_]*\): */             \1: /p' "$log"
	if [ "$rc" -ne 0 ]; then
		grep -E 'check failed|ERROR: |SUMMARY|runtime error|Test unit written' "$log" | head -8
	fi
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzzing found problems in: ${failed[*]}"
	exit 1
fi
echo "fuzzing: no finding"
