#!/bin/sh
# Boot Debian's arm64 kernel under the example hypervisor with libaxv's virtio-blk (over a
# test disk QEMU's loader put in host memory) and virtio-console: the initramfs loads the
# virtio modules, checks /dev/vda's sha256, times a sequential read and writes its marker
# line to /dev/hvc0, which the hypervisor prints on its console.
# The machine is scripts/qemu.sh's aarch64-hyp.
# usage: run-linux-virtio.sh HYPERVISOR DTB LINUX_DIR
set -u
. "$(dirname "$0")/../common/run.sh"
hyp=$1 dtb=$2 dir=$3
bash "$root/scripts/fetch-linux.sh" "$dir" || { echo "run-linux-virtio: fetch failed"; exit 1; }
run_machine 110 qemu.sh aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--initrd "$dir/initrd-virtio.cpio" --disk "$dir/disk.img"
show 'LIBAXV|aarch64-virt|virtio|vda|panic|Oops'
check_status run-linux-virtio 0
check run-linux-virtio 'LIBAXV-VIRTIO-MARKER sha256=ok .*console=/dev/hvc0' \
	"no verified marker through /dev/hvc0"
exit $fail
