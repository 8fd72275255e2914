#!/usr/bin/env bash
# Issue 6 benchmark: Debian's arm64 kernel to the initramfs marker under the libaxv example
# hypervisor versus directly at EL1 in QEMU, and the ratio. usage: bench-linux.sh [RUNS] [SMP]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_AARCH64 $AXV_PKGS_QEMU
d=$AXV_BUILD/bench-aarch64
configure "$d" --cross-file cross/aarch64.ini -Dtests=disabled -Ddocs=disabled --buildtype=release
ninja -C "$d" >/dev/null
bash scripts/fetch-linux.sh "$AXV_BUILD/linux"
smp=${2:-1}
dtb=$d/examples/aarch64-virt/guest.dtb
[ "$smp" = 2 ] && dtb=$d/examples/aarch64-virt/guest-smp2.dtb
python3 scripts/bench-linux.py "$d/examples/aarch64-virt/aarch64-virt.elf" "$dtb" \
	"$AXV_BUILD/linux" "${1:-3}" "$smp"
