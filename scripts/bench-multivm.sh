#!/usr/bin/env bash
# Issue 20 benchmark: VM A's Linux boot time (Debian's arm64 kernel and busybox initramfs,
# 2 vcpus on cpus 0-1, wall time from QEMU's start to its marker line) under the example's
# two-VM table (aarch64-virt-2vm.elf, QEMU virt -smp 4) with VM B on cpu 2: alone (VM B the
# hello guest, off within milliseconds), with VM B idle (WFI, a 10 ms timer), busy (a CPU
# loop without exits) and storming (hypercalls, SGIs to absent vcpus, GIC writes, aborting
# stores: tests/guests/aarch64/storm.c); the median of RUNS runs each and the ratios to
# alone; then the time of a vcpu switch on a shared cpu. Figures are printed, never asserted.
# usage: bench-multivm.sh [RUNS]      (default 3)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
runs=${1:-3}
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_AARCH64 $AXV_PKGS_QEMU
# The test build of the cross step (scripts/test.sh): the guests are test guests.
b=$AXV_BUILD/aarch64
configure "$b" --cross-file "$AXV_ROOT/cross/aarch64.ini" -Dtests=enabled -Ddocs=disabled
g=tests/guests/aarch64
ninja -C "$b" -j "$AXV_JOBS" examples/aarch64-virt/aarch64-virt-2vm.elf \
	examples/aarch64-virt/guest.dtb $g/guest-hello.bin $g/guest-idle.bin $g/guest-busy.bin \
	$g/guest-storm.bin examples/aarch64-virt/aarch64-virt-3vm.elf $g/guest-timer.bin \
	$g/guest-shared.bin >/dev/null
bash scripts/fetch-linux.sh "$AXV_BUILD/linux"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
declare -A median
for mode in alone idle busy storm; do
	guest=$b/$g/guest-$mode.bin
	[ $mode = alone ] && guest=$b/$g/guest-hello.bin
	times=()
	for ((i = 0; i < runs; i++)); do
		t=$(bash $g/time-2vm.sh "$b/examples/aarch64-virt/aarch64-virt-2vm.elf" \
			"$b/examples/aarch64-virt/guest.dtb" "$AXV_BUILD/linux" "$guest" "$out") ||
			{ echo "bench-multivm: $mode: QEMU exited with status $?"; t=none; }
		grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER' "$out" || t=none
		times+=("$t")
	done
	median[$mode]=$(printf '%s\n' "${times[@]}" | grep -v none | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "none"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	echo "multivm.linux_marker_s.$mode = ${median[$mode]} (runs: ${times[*]})"
done
for mode in idle busy storm; do
	if [ "${median[$mode]}" = none ] || [ "${median[alone]}" = none ]; then
		echo "multivm.ratio.$mode = n/a"
	else
		awk -v a="${median[alone]}" -v b="${median[$mode]}" -v m=$mode \
			'BEGIN { printf "multivm.ratio.%s = %.2f (VM A with VM B %s / VM A alone)\n", m, b / a, m }'
	fi
done
# The vcpu switch on a shared cpu: vm-c's two vcpus on cpu 3 (aarch64-virt-3vm.elf) hand the
# cpu to each other by SGI and WFI 2000 times; the guest prints the counter time per
# hand-over (under QEMU's TCG: an emulator figure, not a hardware one), then its floor: vcpu 0
# sending the same SGI to itself 2000 times, waiting the same way (no halt, no switch).
sh $g/run-2vm.sh "$b/examples/aarch64-virt/aarch64-virt-3vm.elf" \
	"$b/examples/aarch64-virt/guest.dtb" "$b/$g/guest-hello.bin" "$b/$g/guest-timer.bin" \
	--vm3 "$b/$g/guest-shared.bin" >"$out" 2>&1 || true
sw=$(sed -n 's/^\[vm-c\] guest: vcpu switch: \([0-9]*\) ns.*/\1/p' "$out" | head -1)
fl=$(sed -n 's/^\[vm-c\] guest: vcpu switch floor: \([0-9]*\) ns.*/\1/p' "$out" | head -1)
echo "multivm.vcpu_switch_ns = ${sw:-n/a (the run printed no figure)}"
echo "multivm.vcpu_switch_floor_ns = ${fl:-n/a} (vcpu 0 sends the same SGI to itself: trap and delivery, no halt, no switch)"
if [ -n "$sw" ] && [ -n "$fl" ] && [ "$fl" -gt 0 ]; then
	awk -v a="$sw" -v b="$fl" 'BEGIN { printf "multivm.vcpu_switch_ratio = %.2f (hand-over / floor)\n", a / b }'
fi
