#!/bin/sh
# Boot Debian's unmodified arm64 kernel with a busybox initramfs under the example hypervisor
# (N vcpus on N physical cpus) and check that its init prints the marker with nproc = N,
# sleeps one second (timer interrupts work) and powers the machine off (QEMU status 0).
# usage: run-linux.sh QEMU HYPERVISOR DTB LINUX_DIR NCPUS
set -u
qemu=$1 hyp=$2 dtb=$3 dir=$4 n=$5
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-linux: fetch failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
size=$(stat -c %s "$dir/initrd.cpio")
start=$(date +%s%N)
timeout 110 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -smp "$n" \
	-nographic -no-reboot -kernel "$hyp" \
	-device loader,file="$dir/Image",addr=0x50000000,force-raw=on \
	-device loader,file="$dtb",addr=0x54000000,force-raw=on \
	-device loader,file="$dir/initrd.cpio",addr=0x54100000,force-raw=on \
	-device loader,addr=0x540ffff8,data="$size",data-len=4 \
	</dev/null >"$out" 2>&1
status=$?
end=$(date +%s%N)
tr -d '\r' <"$out" | grep -E 'LIBAXV|aarch64-virt|Linux version|smp:|panic|Oops|Unable' | head -20
fail=0
[ $status -eq 0 ] || { echo "run-linux: QEMU exited with status $status"; fail=1; }
grep -q "LIBAXV-LINUX-MARKER uname=.* nproc=$n" "$out" || { echo "run-linux: no marker with nproc=$n"; fail=1; }
grep -q "LIBAXV-LINUX-SLEPT" "$out" || { echo "run-linux: the one-second sleep did not finish"; fail=1; }
echo "run-linux: $n vcpu(s): $(( (end - start) / 1000000 )) ms from QEMU start to power-off"
exit $fail
