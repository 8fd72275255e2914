#!/usr/bin/env bash
# The demo: build libaxv and the aarch64 example hypervisor, then boot the demo guest under
# QEMU (virt, EL2, GICv3): the guest greets through the emulated UART and powers off through
# PSCI, and QEMU ends with status 0. Then the same hypervisor boots Debian's unmodified
# arm64 kernel with 2 vcpus to a busybox init. Also shows what libaxv builds to per port
# (x86_64, aarch64, loongarch64, riscv64).
# Installs its Debian packages when missing (as root).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_CROSS $AXV_PKGS_QEMU

say "building libaxv for x86_64 (native), aarch64 (with the example), loongarch64 and riscv64"
configure "$AXV_BUILD/demo-x86_64" -Dtests=disabled -Ddocs=disabled --buildtype=minsize
configure "$AXV_BUILD/demo-aarch64" --cross-file cross/aarch64.ini -Dtests=enabled \
	-Ddocs=disabled --buildtype=release
for a in loongarch64 riscv64; do
	configure "$AXV_BUILD/demo-$a" --cross-file "cross/$a.ini" -Dtests=disabled \
		-Ddocs=disabled -Dexamples=disabled --buildtype=minsize
done
for a in x86_64 aarch64 loongarch64 riscv64; do
	ninja -C "$AXV_BUILD/demo-$a" >/dev/null
done

say "library size per port (bytes: text data bss of every module and the port; per module: doc/footprint.md)"
python3 scripts/footprint.py --print-sizes "$AXV_BUILD"/demo-{x86_64,aarch64,loongarch64,riscv64} |
	awk '$2 == "library" || $2 == "total"'

# Both boots go through the same scripts, with the same arguments, as the meson tests
# guest-hello and linux-2vcpu (suites qemu and linux): the machine is scripts/qemu.sh's.
d=$AXV_BUILD/demo-aarch64
hyp=$d/examples/aarch64-virt/aarch64-virt.elf
say "booting the demo guest under libaxv: $(bash scripts/qemu.sh --print aarch64-hyp "$hyp" \
	"$d/tests/guests/aarch64/guest-hello.bin" "$d/examples/aarch64-virt/guest.dtb")"
sh tests/guests/aarch64/run-guest.sh "$hyp" "$d/tests/guests/aarch64/guest-hello.bin" \
	"$d/examples/aarch64-virt/guest.dtb" 'Hello from a guest'

# The same hypervisor with Debian's unmodified arm64 kernel and a busybox initramfs, 2 vcpus
# (kernel and busybox come from Debian's archive, cached under build/linux).
say "fetching Debian's arm64 kernel and busybox-static into $AXV_BUILD/linux (cached)"
bash scripts/fetch-linux.sh "$AXV_BUILD/linux"
say "booting Debian's arm64 Linux under libaxv with 2 vcpus: $(bash scripts/qemu.sh --print \
	aarch64-hyp "$hyp" "$AXV_BUILD/linux/Image" "$d/examples/aarch64-virt/guest-smp2.dtb" \
	--smp 2 --initrd "$AXV_BUILD/linux/initrd.cpio")"
sh tests/guests/aarch64/run-linux.sh "$hyp" "$d/examples/aarch64-virt/guest-smp2.dtb" \
	"$AXV_BUILD/linux" 2
say "demo done: the guest greeted and powered off, Linux booted on 2 vcpus and powered off"
