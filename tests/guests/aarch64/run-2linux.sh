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
. "$here/linux-2vm.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
linux_2vm "$out" "$hyp" "$dtb" "$dir" --image2 "$dir/Image" --initrd2 "$dir/initrd.cpio"
status=$?
grep -E '^aarch64-virt: (vm-[ab]: (guest (RAM|command)|initrd|shut down)|FATAL)|^\[vm-[ab]\] (LIBAXV|\[ *[0-9.]+\] (Machine|Kernel command))|panic' "$out" |
	cut -c1-200
fail=0
[ $status -eq 0 ] || { echo "run-2linux: QEMU exited with status $status"; fail=1; }
linux_2vm_markers "$out" run-2linux || fail=1
[ $fail -eq 0 ] && echo "run-2linux: ok: both Linux markers, each behind its VM's prefix"
exit $fail
