#!/bin/sh
# VM B reset 10 times and shut down while VM A runs (aarch64-virt-2vm.elf): vm-a, Debian's
# arm64 kernel with the busybox initramfs on cpus 0-1; vm-b, the reset guest
# (tests/guests/aarch64/reset.c) on cpu 2, which ends boots 1-10 in PSCI SYSTEM_RESET and boot
# 11 in SYSTEM_OFF. Checks: vm-a's Linux reaches its marker and powers off (QEMU status 0);
# vm-b booted 11 times, was destroyed and created again 10 times (its VMID reused, flushed
# first) and shut down before vm-a powered off; its checks passed (each boot found the vGIC,
# the virtual timer and the image as at its first boot); the frame pool balances: vm-b's
# destroy gives back every frame its creation took (the free count after it equals the count
# before it was first created), and after the last VM the pool is whole again.
# usage: run-reset.sh HYPERVISOR_2VM DTB LINUX_DIR RESET_GUEST_BIN
set -u
hyp=$1 dtb=$2 dir=$3 guest=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/linux-2vm.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
linux_2vm "$out" "$hyp" "$dtb" "$dir" --image2 "$guest"
status=$?
grep -E '^aarch64-virt: vm-b|^aarch64-virt: .*(frames|destroyed|powered off)|^\[vm-b\] (guest: boot [0-9]+:.*SYSTEM|DONE)|^\[vm-a\] LIBAXV|FAIL|panic' "$out" |
	cut -c1-200
fail=0
[ $status -eq 0 ] || { echo "run-reset: QEMU exited with status $status"; fail=1; }
grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER uname=.* nproc=2' "$out" ||
	{ echo "run-reset: no [vm-a] Linux marker with nproc=2"; fail=1; }
grep -q '^aarch64-virt: vm-a: guest powered off' "$out" || { echo "run-reset: vm-a did not power off"; fail=1; }
boots=$(grep -c '^\[vm-b\] guest: boot [0-9]*: GICD_CTLR' "$out")
resets=$(grep -c '^aarch64-virt: vm-b: reset (boot [0-9]*): destroyed' "$out")
reused=$(grep -c '^aarch64-virt: vm-b: VMID [0-9]* reused: its stage-2 TLB entries flushed' "$out")
echo "run-reset: vm-b booted $boots times, was reset $resets times, its VMID reused $reused times"
[ "$boots" -eq 11 ] && [ "$resets" -eq 10 ] && [ "$reused" -eq 10 ] ||
	{ echo "run-reset: expected 11 boots, 10 resets, 10 VMID reuses"; fail=1; }
grep -q '^\[vm-b\] DONE [0-9]* passed, 0 failed' "$out" || { echo "run-reset: no clean [vm-b] DONE line"; fail=1; }
if grep -q 'FAIL' "$out"; then echo "run-reset: a FAIL line"; fail=1; fi
# vm-b went down for good while vm-a still ran.
b_off=$(grep -n '^aarch64-virt: vm-b: shut down and destroyed' "$out" | head -1 | cut -d: -f1)
a_off=$(grep -n '^aarch64-virt: vm-a: guest powered off' "$out" | head -1 | cut -d: -f1)
[ -n "$b_off" ] && [ -n "$a_off" ] && [ "$b_off" -lt "$a_off" ] ||
	{ echo "run-reset: vm-b was not shut down before vm-a powered off"; fail=1; }
# Frames: "<vm>: N pool frames free before it is created", then "<vm>: shut down and destroyed
# after K boots: M pool frames free, N before it was created".
b_before=$(sed -n 's/^aarch64-virt: vm-b: \([0-9]*\) pool frames free before it is created$/\1/p' "$out")
b_after=$(sed -n 's/^aarch64-virt: vm-b: shut down and destroyed after 11 boots: \([0-9]*\) pool frames free.*/\1/p' "$out")
first=$(sed -n 's/^aarch64-virt: vm-a: \([0-9]*\) pool frames free before it is created$/\1/p' "$out")
last=$(sed -n 's/^aarch64-virt: vm-[ab]: shut down and destroyed after [0-9]* boots*: \([0-9]*\) pool frames free.*/\1/p' "$out" | tail -1)
echo "run-reset: pool frames free: before vm-b ${b_before:-?}, after its 10 resets and destroy ${b_after:-?}; at the start ${first:-?}, after both VMs ${last:-?}"
[ -n "$b_before" ] && [ "$b_before" = "$b_after" ] ||
	{ echo "run-reset: vm-b's frames do not balance"; fail=1; }
[ -n "$first" ] && [ "$first" = "$last" ] ||
	{ echo "run-reset: the pool is not whole after both VMs"; fail=1; }
[ $fail -eq 0 ] && echo "run-reset: ok"
exit $fail
