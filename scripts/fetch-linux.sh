#!/usr/bin/env bash
# Fetch Debian's unmodified arm64 kernel and busybox-static from Debian's archive (apt-get
# download with private package lists: dpkg's own configuration is not touched) and build a
# busybox initramfs whose /init prints a marker with `uname -r` and `nproc`, sleeps one
# second and powers off. Everything is cached in DIR; nothing is committed.
# usage: fetch-linux.sh DIR      (prints DIR/Image and DIR/initrd.cpio when done)
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cd "$dir"
if [ -s Image ] && [ -s initrd.cpio ] && [ initrd.cpio -nt "$here/mkinitramfs.py" ]; then
	exit 0
fi
opts=(-o APT::Architecture=arm64 -o APT::Architectures=arm64
	-o "Dir::State::Lists=$dir/apt-lists" -o "Dir::Cache=$dir/apt-cache"
	-o Debug::NoLocking=1)
mkdir -p apt-lists/partial apt-cache/archives/partial
if [ ! -s Image ] || [ ! -s busybox ]; then
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
	echo "$kpkg" >kernel-package
	rm -rf x ./*.deb
fi
python3 "$here/mkinitramfs.py" busybox initrd.cpio
