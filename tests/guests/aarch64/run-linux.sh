#!/bin/sh
# Boot Debian's unmodified arm64 kernel with a busybox initramfs under the example hypervisor
# (N vcpus on N physical cpus) and check that its init prints the marker with nproc = N,
# sleeps one second (timer interrupts work) and powers the machine off (QEMU status 0).
# The machine is scripts/qemu.sh's aarch64-hyp (scripts/demo.sh boots Linux through this same
# script).
# usage: run-linux.sh HYPERVISOR DTB LINUX_DIR NCPUS
set -u
hyp=$1 dtb=$2 dir=$3 n=$4
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-linux: fetch failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s%N)
timeout 110 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--smp "$n" --initrd "$dir/initrd.cpio" </dev/null >"$out" 2>&1
status=$?
end=$(date +%s%N)
tr -d '\r' <"$out" | grep -E 'LIBAXV|aarch64-virt|Linux version|smp:|panic|Oops|Unable' | head -20
fail=0
[ $status -eq 0 ] || { echo "run-linux: QEMU exited with status $status"; fail=1; }
grep -q "LIBAXV-LINUX-MARKER uname=.* nproc=$n" "$out" || { echo "run-linux: no marker with nproc=$n"; fail=1; }
grep -q "LIBAXV-LINUX-SLEPT" "$out" || { echo "run-linux: the one-second sleep did not finish"; fail=1; }
echo "run-linux: $n vcpu(s): $(( (end - start) / 1000000 )) ms from QEMU start to power-off"
exit $fail
