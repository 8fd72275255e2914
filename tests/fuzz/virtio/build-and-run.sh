#!/bin/sh
# Build the virtio libFuzzer harness with clang-16 and run it for SECONDS seconds (default 20)
# over the seed corpus (new inputs go to a scratch copy, the committed corpus is not changed).
# usage: tests/fuzz/virtio/build-and-run.sh [SECONDS] [BUILD_DIR]
set -eu
secs=${1:-20}
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${2:-$root/build/fuzz-virtio}
cc=${CLANG:-clang-16}
command -v "$cc" >/dev/null 2>&1 || { echo "fuzz-virtio: $cc not found"; exit 77; }
mkdir -p "$out/corpus"
# Skip (exit 77, meson's skip status) when clang has no libFuzzer runtime.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
	> "$out/probe.c"
"$cc" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" 2>/dev/null ||
	{ echo "fuzz-virtio: $cc has no libFuzzer runtime"; exit 77; }
"$cc" -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I"$root/include" -I"$root/lib/include" -I"$root/tests/support" \
	"$root"/tests/fuzz/virtio/fuzz_virtio.c "$root"/tests/support/mock_hal.c \
	"$root"/tests/support/mock_hal_hooks.c \
	"$root"/lib/core/*.c "$root"/lib/frame/*.c "$root"/lib/addrspace/*.c \
	"$root"/lib/exit/*.c "$root"/lib/virtio/*.c "$root"/ports/x86_64/pt_ept.c \
	-lpthread -o "$out/fuzz-virtio"
cp "$root"/tests/fuzz/corpus/virtio/* "$out/corpus/" 2>/dev/null || true
"$out/fuzz-virtio" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 "$out/corpus" "$root/tests/fuzz/corpus/virtio"
