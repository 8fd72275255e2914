#!/usr/bin/env bash
# Issue 6 benchmark: Debian's arm64 kernel to the initramfs marker under the libaxv example
# hypervisor versus directly at EL1 in QEMU, and the ratio. usage: bench-linux.sh [RUNS] [SMP]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
bench_linux_aarch64
smp=${2:-1}
dtb=$AXV_DTBS/guest.dtb
[ "$smp" = 2 ] && dtb=$AXV_DTBS/guest-smp2.dtb
python3 scripts/bench-linux.py "$AXV_HYP" "$dtb" "$AXV_BUILD/linux" "${1:-3}" "$smp"
