#!/bin/sh
# Boot Debian's arm64 kernel under the example hypervisor with libaxv's virtio-blk (over a
# test disk QEMU's loader put in host memory) and virtio-console: the initramfs loads the
# virtio modules, checks /dev/vda's sha256, times a sequential read and writes its marker
# line to /dev/hvc0, which the hypervisor prints on its console.
# The machine is scripts/qemu.sh's aarch64-hyp.
# usage: run-linux-virtio.sh HYPERVISOR DTB LINUX_DIR
set -u
hyp=$1 dtb=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-linux-virtio: fetch failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 110 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--initrd "$dir/initrd-virtio.cpio" --disk "$dir/disk.img" </dev/null >"$out" 2>&1
status=$?
tr -d '\r' <"$out" | grep -E 'LIBAXV|aarch64-virt|virtio|vda|panic|Oops' | head -20
fail=0
[ $status -eq 0 ] || { echo "run-linux-virtio: QEMU exited with status $status"; fail=1; }
grep -q 'LIBAXV-VIRTIO-MARKER sha256=ok .*console=/dev/hvc0' "$out" ||
	{ echo "run-linux-virtio: no verified marker through /dev/hvc0"; fail=1; }
exit $fail
