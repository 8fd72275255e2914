#!/bin/sh
# Boot Debian's unmodified arm64 kernel with a busybox initramfs under the example hypervisor
# (N vcpus on N physical cpus) and check that its init prints the marker with nproc = N,
# sleeps one second (timer interrupts work) and powers the machine off (QEMU status 0).
# The machine is scripts/qemu.sh's aarch64-hyp (scripts/demo.sh boots Linux through this same
# script).
# usage: run-linux.sh HYPERVISOR DTB LINUX_DIR NCPUS
set -u
. "$(dirname "$0")/../common/run.sh"
hyp=$1 dtb=$2 dir=$3 n=$4
bash "$root/scripts/fetch-linux.sh" "$dir" || { echo "run-linux: fetch failed"; exit 1; }
linux_show='LIBAXV|aarch64-virt|Linux version|smp:|panic|Oops|Unable'
run_linux "$n" 110 qemu.sh aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--smp "$n" --initrd "$dir/initrd.cpio"
exit $fail
