#!/bin/sh
# Two VMs at once under the example hypervisor's two-VM table (aarch64-virt-2vm.elf,
# examples/aarch64-virt/vms.c) on QEMU virt with 4 cpus: vm-a, Debian's arm64 kernel with the
# busybox initramfs on physical cpus 0-1 (2 vcpus); vm-b, a test guest on cpu 2. Checks each
# VM's output on the shared console behind its prefix: vm-a's Linux marker with nproc=2 and
# its one-second sleep, vm-b's PASS and clean DONE lines, no FAIL, and QEMU's status 0 (the
# machine powers off with its last VM).
# usage: run-multivm.sh HYPERVISOR_2VM DTB LINUX_DIR GUEST_BIN
set -u
hyp=$1 dtb=$2 dir=$3 guest=$4
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-multivm: fetch failed"; exit 1; }
raw=$(mktemp) out=$(mktemp)
trap 'rm -f "$raw" "$out"' EXIT
timeout 150 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--smp 4 --initrd "$dir/initrd.cpio" --image2 "$guest" </dev/null >"$raw" 2>&1
status=$?
tr -d '\r' <"$raw" >"$out"
grep -E '^aarch64-virt|^\[vm-b\]|^\[vm-a\] (LIBAXV|\[ *[0-9.]+\] (Machine|Kernel command))|FAIL|panic' "$out" |
	cut -c1-200 | head -40
fail=0
[ $status -eq 0 ] || { echo "run-multivm: QEMU exited with status $status"; fail=1; }
grep -q '^aarch64-virt: vm-a: guest powered off' "$out" || { echo "run-multivm: vm-a did not power off"; fail=1; }
grep -q '^aarch64-virt: vm-b: guest powered off' "$out" || { echo "run-multivm: vm-b did not power off"; fail=1; }
grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER uname=.* nproc=2' "$out" ||
	{ echo "run-multivm: no [vm-a] Linux marker with nproc=2"; fail=1; }
grep -q '^\[vm-a\] LIBAXV-LINUX-SLEPT' "$out" || { echo "run-multivm: no [vm-a] sleep"; fail=1; }
grep -q '^\[vm-b\] PASS ' "$out" || { echo "run-multivm: no [vm-b] PASS line"; fail=1; }
grep -q '^\[vm-b\] DONE [0-9]* passed, 0 failed' "$out" || { echo "run-multivm: no clean [vm-b] DONE line"; fail=1; }
if grep -q 'FAIL' "$out"; then echo "run-multivm: a FAIL line"; fail=1; fi
[ $fail -eq 0 ] && echo "run-multivm: ok"
exit $fail
