#!/usr/bin/env bash
# Issue 17 benchmark: the cost of each exit kind, timed by a guest (bench/exit/guest.c) under
# the libaxv example hypervisor and under the benchmark's floor (bench/exit/floor.c: a
# minimal EL2 handler, no libaxv), in alternating runs of one invocation; prints each
# exit.<kind>_ns for both and the ratio. Figures are printed, never asserted.
# usage: bench-exit.sh [PAIRS]      (default 3)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
bench_build_aarch64
d=$AXV_BENCH
python3 scripts/bench-exit.py "$d/examples/aarch64-virt/aarch64-virt.elf" \
	"$d/bench/exit/floor-el2.elf" "$d/bench/exit/bench-exit-guest.bin" \
	"$d/examples/aarch64-virt/guest.dtb" "${1:-3}"
