#!/usr/bin/env bash
# The 100,000-SGI ping-pong between two vcpus (tests/guests/aarch64/irqlife.c) RUNS times in a
# row under the aarch64 example (issue 16's acceptance: 20 runs, zero lost); prints each run's
# round trips and the count that passed. Exit status 0 only if every run passed.
# usage: scripts/pingpong.sh [RUNS] [BUILD_DIR]   (defaults: 20, build/aarch64)
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
runs=${1:-20}
b=${2:-$AXV_BUILD/aarch64}
[ -f "$b/build.ninja" ] || configure "$b" --cross-file cross/aarch64.ini -Dtests=enabled -Ddocs=disabled
ninja -C "$b" >/dev/null || exit 1
pass=0
for i in $(seq 1 "$runs"); do
	echo "== run $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	sh tests/guests/aarch64/run-guest.sh "$b/examples/aarch64-virt/aarch64-virt.elf" \
		"$b/tests/guests/aarch64/guest-irqlife.bin" "$b/examples/aarch64-virt/guest.dtb" \
		'round trips' --smp 2 --append 'pingpong=100000' 2>&1 |
		grep -E 'pingpong|round trip|DONE|run-guest|FAIL'
	[ "${PIPESTATUS[0]}" -eq 0 ] && pass=$((pass + 1))
done
echo "== $pass of $runs runs passed"
[ "$pass" -eq "$runs" ]
