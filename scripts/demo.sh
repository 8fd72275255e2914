#!/usr/bin/env bash
# The demo: build libaxv for every port and show what each library contains and its size.
# (When the aarch64 example hypervisor lands, this boots its demo guest in QEMU.)
# Installs its Debian packages when missing (as root).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_CROSS

show() { # show ARCH BUILDDIR NM SIZE
	local arch=$1 dir=$2 nm=$3 size=$4
	say "$arch: $dir/libaxv.a"
	for lib in "$dir"/libaxv_*.a; do
		printf '  %-22s %s\n' "$(basename "$lib")" \
			"$("$nm" --defined-only -g "$lib" 2>/dev/null | awk '$2 ~ /^[TDRB]$/ {print $3}' | grep '^axv_' | sort | tr '\n' ' ')"
	done
	echo "  size in bytes:        text   data    bss"
	for lib in "$dir"/libaxv_*.a "$dir"/libaxv.a; do
		"$size" -t "$lib" 2>/dev/null | tail -n 1 |
			awk -v n="$(basename "$lib")" '{printf "    %-18s %6s %6s %6s\n", n, $1, $2, $3}'
	done
}

say "building libaxv for x86_64 (native), aarch64 and loongarch64"
configure "$AXV_BUILD/demo-x86_64" -Dtests=disabled -Ddocs=disabled --buildtype=minsize
configure "$AXV_BUILD/demo-aarch64" --cross-file cross/aarch64.ini -Dtests=disabled \
	-Ddocs=disabled --buildtype=minsize
configure "$AXV_BUILD/demo-loongarch64" --cross-file cross/loongarch64.ini -Dtests=disabled \
	-Ddocs=disabled --buildtype=minsize
for a in x86_64 aarch64 loongarch64; do
	ninja -C "$AXV_BUILD/demo-$a" >/dev/null
done
show x86_64 "$AXV_BUILD/demo-x86_64" nm size
show aarch64 "$AXV_BUILD/demo-aarch64" aarch64-linux-gnu-nm aarch64-linux-gnu-size
show loongarch64 "$AXV_BUILD/demo-loongarch64" llvm-nm-16 llvm-size-16
say "done: link libaxv.a (or only the module libraries you need) into your kernel"
