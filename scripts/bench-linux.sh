#!/usr/bin/env bash
# Issue 6 benchmark: Debian's arm64 kernel to the initramfs marker under the libaxv example
# hypervisor versus directly at EL1 in QEMU, and the ratio. usage: bench-linux.sh [RUNS] [SMP]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
bench_build_aarch64
d=$AXV_BENCH
bash scripts/fetch-linux.sh "$AXV_BUILD/linux"
smp=${2:-1}
dtb=$d/examples/aarch64-virt/guest.dtb
[ "$smp" = 2 ] && dtb=$d/examples/aarch64-virt/guest-smp2.dtb
python3 scripts/bench-linux.py "$d/examples/aarch64-virt/aarch64-virt.elf" "$dtb" \
	"$AXV_BUILD/linux" "${1:-3}" "$smp"
