#!/usr/bin/env bash
# Issue 11 benchmark: the Linux guest's sequential read throughput of /dev/vda on libaxv's
# virtio-blk under the example hypervisor, next to QEMU's own virtio-blk at EL1 (same kernel,
# initramfs and disk image), in one run. usage: bench-virtio.sh [RUNS]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
bench_linux_aarch64
python3 scripts/bench-virtio.py "$AXV_HYP" "$AXV_DTBS/guest.dtb" "$AXV_BUILD/linux" "${1:-3}"
