#!/bin/sh
# Boot Debian's arm64 kernel under the example hypervisor with libaxv's virtio-blk (over a
# test disk QEMU's loader put in host memory) and virtio-console: the initramfs loads the
# virtio modules, checks /dev/vda's sha256, times a sequential read and writes its marker
# line to /dev/hvc0, which the hypervisor prints on its console.
# usage: run-linux-virtio.sh QEMU HYPERVISOR DTB LINUX_DIR
set -u
qemu=$1 hyp=$2 dtb=$3 dir=$4
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-linux-virtio: fetch failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 110 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G \
	-nographic -no-reboot -kernel "$hyp" \
	-device loader,file="$dir/Image",addr=0x50000000,force-raw=on \
	-device loader,file="$dtb",addr=0x54000000,force-raw=on \
	-device loader,file="$dir/initrd-virtio.cpio",addr=0x54100000,force-raw=on \
	-device loader,addr=0x540ffff8,data="$(stat -c %s "$dir/initrd-virtio.cpio")",data-len=4 \
	-device loader,file="$dir/disk.img",addr=0x58000000,force-raw=on \
	-device loader,addr=0x57fffff8,data="$(stat -c %s "$dir/disk.img")",data-len=4 \
	</dev/null >"$out" 2>&1
status=$?
tr -d '\r' <"$out" | grep -E 'LIBAXV|aarch64-virt|virtio|vda|panic|Oops' | head -20
fail=0
[ $status -eq 0 ] || { echo "run-linux-virtio: QEMU exited with status $status"; fail=1; }
grep -q 'LIBAXV-VIRTIO-MARKER sha256=ok .*console=/dev/hvc0' "$out" ||
	{ echo "run-linux-virtio: no verified marker through /dev/hvc0"; fail=1; }
exit $fail
