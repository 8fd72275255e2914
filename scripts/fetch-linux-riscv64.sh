#!/usr/bin/env bash
# Fetch Debian's unmodified riscv64 kernel and busybox-static from Debian 13 (trixie; Debian
# 12 has no riscv64 kernel) with an apt configuration of its own (its sources list, package
# lists, cache and an empty dpkg status file in DIR; the system's apt and dpkg configuration
# are not read or touched; Debian 12's archive keyring holds trixie's keys), and build the
# busybox initramfs of scripts/mkinitramfs.py (marker with uname and nproc, sleep 1,
# poweroff). Everything is cached in DIR; nothing is committed.
# usage: fetch-linux-riscv64.sh DIR    (leaves DIR/Image, DIR/initrd.cpio)
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cd "$dir"
if [ -s Image ] && [ -s initrd.cpio ] && [ initrd.cpio -nt "$here/mkinitramfs.py" ]; then
	exit 0
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p apt/lists/partial apt/cache/archives/partial apt/etc/sources.list.d \
	apt/etc/preferences.d apt/etc/apt.conf.d
echo "deb [arch=riscv64 signed-by=$keyring] http://deb.debian.org/debian trixie main" \
	>apt/etc/sources.list
: >apt/status
opts=(-o APT::Architecture=riscv64 -o APT::Architectures=riscv64
	-o "Dir::Etc=$dir/apt/etc" -o "Dir::Etc::SourceList=$dir/apt/etc/sources.list"
	-o "Dir::Etc::SourceParts=$dir/apt/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$dir/apt/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$dir/apt/etc/preferences.d"
	-o "Dir::Etc::Parts=$dir/apt/etc/apt.conf.d"
	-o "Dir::State=$dir/apt" -o "Dir::State::Lists=$dir/apt/lists"
	-o "Dir::State::status=$dir/apt/status" -o "Dir::Cache=$dir/apt/cache"
	-o APT::Sandbox::User=root -o Debug::NoLocking=1)
if [ ! -s Image ] || [ ! -s busybox ]; then
	apt-get -qq "${opts[@]}" update >/dev/null
	kpkg=$(apt-cache "${opts[@]}" depends linux-image-riscv64 |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$kpkg" ] || { echo "fetch-linux-riscv64: no riscv64 kernel package found"; exit 1; }
	rm -f ./*.deb
	apt-get -qq "${opts[@]}" download "$kpkg" busybox-static
	rm -rf x && mkdir x
	for d in ./*.deb; do dpkg-deb -x "$d" x; done
	cp x/boot/vmlinux-* Image
	cp x/boot/config-* kernel-config 2>/dev/null || true
	cp "$(find x -path '*bin/busybox' -type f | head -1)" busybox
	echo "$kpkg" >kernel-package
	rm -rf x ./*.deb
fi
python3 "$here/mkinitramfs.py" busybox initrd.cpio
