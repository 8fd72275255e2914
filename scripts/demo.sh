#!/usr/bin/env bash
# The demo: build libaxv and the aarch64 example hypervisor, then boot the demo guest under
# QEMU (virt, EL2, GICv3): the guest greets through the emulated UART and powers off through
# PSCI, and QEMU ends with status 0. Then the same hypervisor boots Debian's unmodified
# arm64 kernel with 2 vcpus to a busybox init. Also shows what libaxv builds to per port.
# Installs its Debian packages when missing (as root).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_CROSS $AXV_PKGS_QEMU

say "building libaxv for x86_64 (native), aarch64 (with the example) and loongarch64"
configure "$AXV_BUILD/demo-x86_64" -Dtests=disabled -Ddocs=disabled --buildtype=minsize
configure "$AXV_BUILD/demo-aarch64" --cross-file cross/aarch64.ini -Dtests=enabled \
	-Ddocs=disabled --buildtype=release
configure "$AXV_BUILD/demo-loongarch64" --cross-file cross/loongarch64.ini -Dtests=disabled \
	-Ddocs=disabled --buildtype=minsize
for a in x86_64 aarch64 loongarch64; do
	ninja -C "$AXV_BUILD/demo-$a" >/dev/null
done

say "library size per port (bytes: text data bss)"
for a in x86_64 aarch64 loongarch64; do
	case $a in
	x86_64) size=size ;;
	aarch64) size=aarch64-linux-gnu-size ;;
	loongarch64) size=llvm-size-16 ;;
	esac
	"$size" -t "$AXV_BUILD/demo-$a/libaxv.a" 2>/dev/null | tail -n 1 |
		awk -v a="$a" '{printf "  %-12s libaxv.a %7s %6s %6s\n", a, $1, $2, $3}'
done

d=$AXV_BUILD/demo-aarch64
say "booting the demo guest: qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72"
set +e
timeout 60 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 \
	-m 1G -nographic -no-reboot \
	-kernel "$d/examples/aarch64-virt/aarch64-virt.elf" \
	-device loader,file="$d/tests/guests/aarch64/guest-hello.bin",addr=0x50000000,force-raw=on \
	-device loader,file="$d/examples/aarch64-virt/guest.dtb",addr=0x54000000,force-raw=on \
	</dev/null | tr -d '\r'
status=${PIPESTATUS[0]}
set -e
say "QEMU exited with status $status"
[ "$status" -eq 0 ] || exit "$status"

# The same hypervisor with Debian's unmodified arm64 kernel and a busybox initramfs, 2 vcpus
# (kernel and busybox come from Debian's archive, cached under build/linux).
say "booting Debian's arm64 Linux under libaxv with 2 vcpus (-smp 2)"
if ! bash scripts/fetch-linux.sh "$AXV_BUILD/linux"; then
	echo "could not fetch the kernel from Debian's archive: Linux part skipped"
	exit 0
fi
set +e
timeout 120 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 \
	-m 1G -smp 2 -nographic -no-reboot \
	-kernel "$d/examples/aarch64-virt/aarch64-virt.elf" \
	-device loader,file="$AXV_BUILD/linux/Image",addr=0x50000000,force-raw=on \
	-device loader,file="$d/examples/aarch64-virt/guest-smp2.dtb",addr=0x54000000,force-raw=on \
	-device loader,file="$AXV_BUILD/linux/initrd.cpio",addr=0x54100000,force-raw=on \
	-device loader,addr=0x540ffff8,data="$(stat -c %s "$AXV_BUILD/linux/initrd.cpio")",data-len=4 \
	</dev/null | tr -d '\r' | grep -E 'aarch64-virt|Linux version|smp: Brought|LIBAXV|Power down'
status=${PIPESTATUS[0]}
set -e
say "QEMU exited with status $status"
exit "$status"
