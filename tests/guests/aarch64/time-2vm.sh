#!/bin/bash
# One run of the two-VM table (aarch64-virt-2vm.elf, QEMU virt -smp 4): vm-a Debian's arm64
# kernel with the busybox initramfs on cpus 0-1, vm-b GUEST_B on cpu 2. Prints the wall time
# in seconds from QEMU's start to vm-a's "[vm-a] LIBAXV-LINUX-MARKER" line (polled every
# 20 ms), or "none" when it never came; QEMU's output, carriage returns dropped, goes to OUT.
# Exits with QEMU's status (124: the 150 s timeout). Used by run-storm.sh and
# scripts/bench-multivm.sh.
# usage: time-2vm.sh HYPERVISOR_2VM DTB LINUX_DIR GUEST_B OUT
set -u
hyp=$1 dtb=$2 dir=$3 guest=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
start=$EPOCHREALTIME
timeout 150 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--smp 4 --initrd "$dir/initrd.cpio" --image2 "$guest" </dev/null >"$raw" 2>&1 &
pid=$!
marker=none
while kill -0 $pid 2>/dev/null; do
	if grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER' "$raw"; then
		marker=$EPOCHREALTIME
		break
	fi
	sleep 0.02
done
wait $pid
status=$?
tr -d '\r' <"$raw" >"$out"
if [ "$marker" = none ]; then
	echo none
else
	awk -v a="$start" -v b="$marker" 'BEGIN { printf "%.2f\n", b - a }'
fi
exit $status
