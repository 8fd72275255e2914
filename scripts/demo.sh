#!/usr/bin/env bash
# The demo: build libaxv and the aarch64 example hypervisor, then boot the demo guest under
# QEMU (virt, EL2, GICv3): the guest greets through the emulated UART and powers off through
# PSCI, and QEMU ends with status 0. Then the same hypervisor boots Debian's unmodified
# arm64 kernel with 2 vcpus to a busybox init, and last two Linux VMs at once (the two-VM
# table of examples/aarch64-virt/vms.c: 2 vcpus and 1 vcpu), each one's console output behind
# its prefix. Also shows what libaxv builds to per port
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

# Two isolated VMs on QEMU virt with 4 cpus: vm-a the same Linux with 2 vcpus on cpus 0-1,
# vm-b a second Linux (the same kernel and initramfs, loaded again) with 1 vcpu on cpu 2,
# each with its own VMID, stage 2, vGIC, timer, PL011 and RAM; their output is prefixed.
# vm-b is paused (Ctrl-A p 1 on the console) for 5 s early in its boot while vm-a boots on,
# then resumed (Ctrl-A r 1); its virtual time stands still meanwhile.
hyp2=$d/examples/aarch64-virt/aarch64-virt-2linux.elf
say "booting two Linux VMs at once under libaxv (vm-a 2 vcpus, vm-b 1 vcpu), vm-b paused for 5 s and resumed: $(bash \
	scripts/qemu.sh --print aarch64-hyp "$hyp2" "$AXV_BUILD/linux/Image" \
	"$d/examples/aarch64-virt/guest.dtb" --smp 4 --initrd "$AXV_BUILD/linux/initrd.cpio" \
	--image2 "$AXV_BUILD/linux/Image" --initrd2 "$AXV_BUILD/linux/initrd.cpio")"
bash tests/guests/aarch64/run-pause-linux.sh "$hyp2" "$d/examples/aarch64-virt/guest.dtb" \
	"$AXV_BUILD/linux"
say "demo done: the guest greeted and powered off, Linux booted on 2 vcpus and powered off, two Linux VMs ran side by side, one paused and resumed while the other ran"
