#!/usr/bin/env bash
# Every test of libaxv: native unit tests, sanitizers, valgrind, fuzzing, coverage, static
# analysis, release build, cross builds, the freestanding symbol check, the header check,
# the install check, the docs, the pick-only-what-you-need link check, the footprint check
# (doc/footprint.md and the stack budget) and the benchmarks.
# Installs its Debian packages when missing (as root). Exit status 0 only if all pass.
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_TEST

failed=()
t_start=$(date +%s)
timing=() # "seconds<TAB>status<TAB>function" per step, for the table at the end
step() { # step NAME COMMAND...
	local name=$1 t0 rc=0
	shift
	say "$name"
	t0=$(date +%s)
	"$@" || rc=$?
	if [ $rc -ne 0 ]; then
		echo "!! step failed: $name"
		failed+=("$name")
	fi
	timing+=("$(($(date +%s) - t0))	$([ $rc -eq 0 ] && echo ok || echo FAIL)	$*")
}

run_tests() { # run_tests BUILDDIR [meson test args]
	local dir=$1
	shift
	meson test -C "$dir" --num-processes "$AXV_JOBS" --print-errorlogs "$@" 2>&1 |
		grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):' ;
	local rc=${PIPESTATUS[0]}
	python3 "$AXV_ROOT/scripts/summarize.py" --runs "$dir"
	return "$rc"
}

build() { ninja -j "$AXV_JOBS" -C "$1" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: (Entering|no work)' ; return "${PIPESTATUS[0]}"; }

native() {
	configure "$AXV_BUILD/native" -Dtests=enabled -Ddocs=enabled &&
		build "$AXV_BUILD/native" && run_tests "$AXV_BUILD/native"
}
sanitize() {
	configure "$AXV_BUILD/asan" -Dtests=enabled -Ddocs=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all &&
		build "$AXV_BUILD/asan" &&
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
			run_tests "$AXV_BUILD/asan" --suite unit --suite threaded --suite replay
}
tsan() {
	configure "$AXV_BUILD/tsan" -Dtests=enabled -Ddocs=disabled \
		-Db_sanitize=thread -Db_lundef=false &&
		build "$AXV_BUILD/tsan" &&
		TSAN_OPTIONS=halt_on_error=1 run_tests "$AXV_BUILD/tsan" --suite threaded \
			--timeout-multiplier 3
	# (the 300000-run vcpu stress test takes about 90 s under TSan on 2 idle cores, and went
	# past its 300 s timeout on a machine loaded 10 times over)
}
release() { # the Bochs guests run once, in the native build
	configure "$AXV_BUILD/release" -Dtests=enabled -Ddocs=disabled --buildtype=release &&
		build "$AXV_BUILD/release" && run_tests "$AXV_BUILD/release" --no-suite bochs
}
cross() { # cross ARCH
	configure "$AXV_BUILD/$1" --cross-file "$AXV_ROOT/cross/$1.ini" -Dtests=enabled \
		-Ddocs=disabled && build "$AXV_BUILD/$1" && run_tests "$AXV_BUILD/$1"
}
bench_linux() { # figures are printed, never asserted
	bash "$AXV_ROOT/scripts/bench-linux.sh" 3 1 && bash "$AXV_ROOT/scripts/bench-linux.sh" 3 2
}
la64() { # the cross build and its tests (build checks, the test image under QEMU), then
	# the image's own summary, so the log shows it whatever the meson log keeps
	cross loongarch64 || return 1
	grep -E '^la64-runner: (ok |FAIL|[0-9]+ passed)' "$AXV_BUILD/loongarch64/meson-logs/testlog.txt"
}
la64_clang16() { # the library compiled and archived with clang-16 (LVZ instructions as .word)
	configure "$AXV_BUILD/loongarch64-clang16" --cross-file "$AXV_ROOT/cross/loongarch64-clang16.ini" \
		-Dtests=disabled -Ddocs=disabled && build "$AXV_BUILD/loongarch64-clang16"
}
la64_symbols() { # every public axv_la64_* symbol defined; only the four memory functions undefined
	sh "$AXV_ROOT/tests/scripts/check-port-symbols.sh" llvm-nm-19 \
		"$AXV_BUILD/loongarch64/libaxv.a" "$AXV_ROOT/include/axv/arch/loongarch64.h" axv_la64_
}
pick() { # the nm proof, shown in full (it also runs in the native suite)
	# its own log base, so the native suite's testlog.json (the summary's source) stays whole
	meson test -C "$AXV_BUILD/native" link-only-what-you-need --verbose --logbase pick 2>&1 |
		grep -E '^(pick|FAIL)|symbols|^ *[0-9]+/[0-9]+ '
	return "${PIPESTATUS[0]}"
}
sizes() { # text/data/bss per module library and port, struct sizes and worst-case stack
	# per public function from minsize builds; fails when doc/footprint.md differs from the
	# build or a public function exceeds the stack budget of doc/embedding.md
	bash "$AXV_ROOT/scripts/size.sh" --check
}
bench_exit() { # figures are printed, never asserted (about 15 s)
	bash "$AXV_ROOT/scripts/bench-exit.sh" 3
}
bench_virtio() { # figures are printed, never asserted
	bash "$AXV_ROOT/scripts/bench-virtio.sh" 3
}
bench_multivm() { # figures are printed, never asserted (about 70 s: 2 runs of 4 boots)
	bash "$AXV_ROOT/scripts/bench-multivm.sh" 2
}
bench() { # figures are printed, never asserted
	bash "$AXV_ROOT/scripts/bench.sh"
}
valgrind_tests() { # the unit tests and the corpus replays (not the threaded stress test:
	# valgrind serialises threads, and TSan and ASan already run it)
	run_tests "$AXV_BUILD/native" --suite unit --suite replay --timeout-multiplier 3 \
		--wrap="valgrind --error-exitcode=1 --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite -q"
}
fuzz_replay() { # replay each corpus and explore a little: 15 s per harness (11 harnesses)
	AXV_FUZZ_EACH=${AXV_FUZZ_EACH:-15} bash "$AXV_ROOT/scripts/fuzz.sh"
}
coverage() { # lib/ must stay at 95% of lines or more
	bash "$AXV_ROOT/scripts/coverage.sh" | sed -n '/^== summary/,$p'
	return "${PIPESTATUS[0]}"
}
static_analysis() {
	bash "$AXV_ROOT/scripts/analyze.sh"
}
docs() {
	ninja -C "$AXV_BUILD/native" doc/html 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: Entering'
	local rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] && echo "docs: $AXV_BUILD/native/doc/html/index.html (no warnings)"
	return "$rc"
}

step "native build, unit tests (Criterion, mock HAL), x86_64 test guests: x86_64-svm under QEMU, x86_64-vmx (corei7_skylake_x) and x86_64-svm (ryzen) under Bochs (suite bochs)" native
step "AddressSanitizer + UndefinedBehaviorSanitizer" sanitize
step "ThreadSanitizer (threaded tests; Criterion cannot run under TSan)" tsan
step "valgrind (unit tests and fuzz corpus replays; --error-exitcode=1)" valgrind_tests
step "fuzzing (libFuzzer + ASan + UBSan: corpus replay and 15 s of exploration per harness)" fuzz_replay
step "coverage (gcovr; lib/ at least 95% of lines)" coverage
step "static analysis (cppcheck, clang-tidy on lib/ and ports/)" static_analysis
step "release build (debug checks off)" release
step "aarch64 cross build: symbol and header checks, test guests and Debian Linux (1 and 2 vcpus, virtio-blk and virtio-console) under QEMU at EL1 under libaxv at EL2" cross aarch64
step "riscv64 cross build: symbol and header checks, test guests and Debian 13's riscv64 Linux (1 and 2 vcpus) under QEMU in VS-mode under libaxv in HS-mode after OpenSBI" cross riscv64
step "loongarch64 cross build (clang-19/lld-19, symbol and header checks; the test image on qemu-system-loongarch64 as scripts/qemu.sh loongarch64-virt defines it, -nodefaults: the port's and the modules' tests, AXV_ENOTSUP without LVZ)" la64
step "loongarch64 compile check with clang-16 (library only)" la64_clang16
step "loongarch64 port symbols (llvm-nm-19: every public axv_la64_* symbol, nothing but mem* undefined)" la64_symbols
step "docs (Doxygen, warnings are errors)" docs
step "pick only what you need: frame + addrspace + core link without vcpu/exit/irq (nm)" pick
step "footprint (scripts/size.sh --check: code, struct and stack sizes of minsize builds of the four ports against doc/footprint.md and the 2 KiB stack budget)" sizes
step "benchmark (axv-bench, release; figures printed, not asserted)" bench
step "exit benchmark: each exit kind under libaxv vs the floor, a minimal EL2 handler without libaxv (printed, not asserted)" bench_exit
step "Linux boot benchmark: under libaxv vs directly at EL1 (figures printed, not asserted)" bench_linux
step "virtio-blk benchmark: the guest's sequential read on libaxv vs QEMU's virtio-blk (printed, not asserted)" bench_virtio
step "multi-VM benchmark: VM A's Linux boot alone, with VM B idle, busy and storming, as ratios (printed, not asserted)" bench_multivm

say "time per step (seconds, $(nproc) cpus, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${timing[@]}" | awk -F'\t' '{printf "  %6d s  %-4s  %s\n", $1, $2, $3}'
printf '  %6d s        total\n' "$(($(date +%s) - t_start))"

say "summary"
python3 "$AXV_ROOT/scripts/summarize.py" --total \
	"$AXV_BUILD/native" "$AXV_BUILD/asan" "$AXV_BUILD/tsan" "$AXV_BUILD/release" \
	"$AXV_BUILD/aarch64" "$AXV_BUILD/riscv64" "$AXV_BUILD/loongarch64"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED steps: ${failed[*]}"
	exit 1
fi
echo "all steps passed"
