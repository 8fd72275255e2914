#!/bin/sh
# Boot Debian's unmodified riscv64 kernel (Debian 13) with a busybox initramfs under the
# example hypervisor (N vcpus on N harts) and check that its init prints the marker with
# nproc = N, sleeps one second (timer interrupts through SBI TIME and hvip work) and powers
# the machine off through SBI SRST (QEMU status 0). The machine is scripts/qemu.sh's
# riscv64-hyp; the kernel and busybox come from scripts/fetch-linux-riscv64.sh.
# usage: run-linux.sh HYPERVISOR LINUX_DIR NCPUS
set -u
hyp=$1 dir=$2 n=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux-riscv64.sh" "$dir" || { echo "run-linux: fetch failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s%N)
timeout 200 bash "$here/../../../scripts/qemu.sh" riscv64-hyp "$hyp" "$dir/Image" \
	--smp "$n" --initrd "$dir/initrd.cpio" </dev/null >"$out" 2>&1
status=$?
end=$(date +%s%N)
tr -d '\r' <"$out" | grep -E 'LIBAXV|riscv64-virt|Linux version|smp:|Run /init|panic|Oops|Unable' | head -20
fail=0
[ $status -eq 0 ] || { echo "run-linux: QEMU exited with status $status"; fail=1; }
grep -q "LIBAXV-LINUX-MARKER uname=.* nproc=$n" "$out" || { echo "run-linux: no marker with nproc=$n"; fail=1; }
grep -q "LIBAXV-LINUX-SLEPT" "$out" || { echo "run-linux: the one-second sleep did not finish"; fail=1; }
echo "run-linux: $n vcpu(s): $(( (end - start) / 1000000 )) ms from QEMU start to power-off"
exit $fail
