#!/bin/sh
# Two Linux VMs at once (aarch64-virt-2linux.elf, examples/aarch64-virt/vms.c EXAMPLE_TWO_LINUX,
# QEMU virt -smp 4): vm-a Debian's arm64 kernel with the busybox initramfs on cpus 0-1 (2
# vcpus), vm-b the same kernel and initramfs, loaded a second time (--image2, --initrd2), on
# cpu 2 (1 vcpu, 128 MiB). Checks both Linux markers behind their prefixes (nproc 2 and 1),
# both sleeps, both VMs shut down with their frames back, and QEMU's status 0.
# usage: run-2linux.sh HYPERVISOR_2LINUX DTB LINUX_DIR
set -u
hyp=$1 dtb=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" >/dev/null || { echo "run-2linux: fetch failed"; exit 1; }
raw=$(mktemp) out=$(mktemp)
trap 'rm -f "$raw" "$out"' EXIT
timeout 200 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--smp 4 --initrd "$dir/initrd.cpio" --image2 "$dir/Image" \
	--initrd2 "$dir/initrd.cpio" </dev/null >"$raw" 2>&1
status=$?
tr -d '\r' <"$raw" >"$out"
grep -E '^aarch64-virt: (vm-[ab]: (guest (RAM|command)|initrd|shut down)|FATAL)|^\[vm-[ab]\] (LIBAXV|\[ *[0-9.]+\] (Machine|Kernel command))|panic' "$out" |
	cut -c1-200
fail=0
[ $status -eq 0 ] || { echo "run-2linux: QEMU exited with status $status"; fail=1; }
grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER uname=.* nproc=2' "$out" ||
	{ echo "run-2linux: no [vm-a] Linux marker with nproc=2"; fail=1; }
grep -q '^\[vm-b\] LIBAXV-LINUX-MARKER uname=.* nproc=1' "$out" ||
	{ echo "run-2linux: no [vm-b] Linux marker with nproc=1"; fail=1; }
for vm in vm-a vm-b; do
	grep -q "^\[$vm\] LIBAXV-LINUX-SLEPT" "$out" || { echo "run-2linux: no [$vm] sleep"; fail=1; }
	grep -q "^aarch64-virt: $vm: shut down and destroyed" "$out" ||
		{ echo "run-2linux: $vm was not shut down"; fail=1; }
done
[ $fail -eq 0 ] && echo "run-2linux: ok: both Linux markers, each behind its VM's prefix"
exit $fail
