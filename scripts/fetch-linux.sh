#!/usr/bin/env bash
# Fetch Debian's unmodified arm64 kernel and busybox-static from Debian's archive (apt-get
# download with private package lists: dpkg's own configuration is not touched) and build a
# busybox initramfs whose /init prints a marker with `uname -r` and `nproc`, sleeps one
# second and powers off. Everything is cached in DIR; nothing is committed.
# It also keeps the virtio_mmio, virtio_blk and virtio_console modules of the same kernel
# package, a deterministic test disk (disk.img, its sha256 in disk.sha256) and a second
# initramfs (initrd-virtio.cpio) that reads the disk through virtio-blk and reports on
# /dev/hvc0, and a third (initrd-shell.cpio) that starts an interactive shell on the console.
# usage: fetch-linux.sh DIR      (leaves DIR/Image, DIR/initrd.cpio, DIR/initrd-virtio.cpio,
#                                 DIR/initrd-shell.cpio)
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cd "$dir"
if [ -s Image ] && [ -s modules/virtio_blk.ko ] && [ -s initrd.cpio ] &&
	[ initrd.cpio -nt "$here/mkinitramfs.py" ] && [ -s initrd-shell.cpio ] &&
	[ -s disk.img ]; then
	exit 0
fi
opts=(-o APT::Architecture=arm64 -o APT::Architectures=arm64
	-o "Dir::State::Lists=$dir/apt-lists" -o "Dir::Cache=$dir/apt-cache"
	-o Debug::NoLocking=1)
mkdir -p apt-lists/partial apt-cache/archives/partial
if [ ! -s Image ] || [ ! -s busybox ] || [ ! -s modules/virtio_blk.ko ]; then
	apt-get -qq "${opts[@]}" update >/dev/null
	kpkg=$(apt-cache "${opts[@]}" depends linux-image-arm64 |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$kpkg" ] || { echo "fetch-linux: no arm64 kernel package found"; exit 1; }
	rm -f ./*.deb
	apt-get -qq "${opts[@]}" download "$kpkg" busybox-static 2>/dev/null
	rm -rf x && mkdir x
	for d in ./*.deb; do dpkg-deb -x "$d" x; done
	cp x/boot/vmlinuz-* Image
	cp x/bin/busybox busybox
	mkdir -p modules
	for m in virtio_mmio virtio_blk virtio_console; do
		find x/lib/modules -name "$m.ko" -exec cp {} modules/ \;
	done
	echo "$kpkg" >kernel-package
	rm -rf x ./*.deb
fi
# A deterministic 16 MiB test disk and its sha256, for the virtio-blk guest.
python3 "$here/mkdisk.py" disk.img 16 >disk.sha256
python3 "$here/mkinitramfs.py" busybox initrd.cpio
python3 "$here/mkinitramfs.py" busybox initrd-virtio.cpio --virtio "$(cat disk.sha256)" \
	modules/virtio_mmio.ko modules/virtio_blk.ko modules/virtio_console.ko
python3 "$here/mkinitramfs.py" busybox initrd-shell.cpio --shell
