#!/bin/sh
# Boot Debian's unmodified riscv64 kernel (Debian 13) with a busybox initramfs under the
# example hypervisor (N vcpus on N harts) and check that its init prints the marker with
# nproc = N, sleeps one second (timer interrupts through SBI TIME and hvip work) and powers
# the machine off through SBI SRST (QEMU status 0). The machine is scripts/qemu.sh's
# riscv64-hyp; the kernel and busybox come from scripts/fetch-linux-riscv64.sh.
# usage: run-linux.sh HYPERVISOR LINUX_DIR NCPUS
set -u
. "$(dirname "$0")/../common/run.sh"
hyp=$1 dir=$2 n=$3
bash "$root/scripts/fetch-linux-riscv64.sh" "$dir" || { echo "run-linux: fetch failed"; exit 1; }
linux_show='LIBAXV|riscv64-virt|Linux version|smp:|Run /init|panic|Oops|Unable'
run_linux "$n" 200 qemu.sh riscv64-hyp "$hyp" "$dir/Image" \
	--smp "$n" --initrd "$dir/initrd.cpio"
exit $fail
