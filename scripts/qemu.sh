#!/usr/bin/env bash
# The one definition of every QEMU machine libaxv runs: scripts/demo.sh, the meson tests
# (tests/guests/*/run-*.sh), the benchmarks (scripts/bench-*.py) and the README all start QEMU
# through this script, so what the demo shows is what the test suite proves.
#
# Each machine is named in full: -nodefaults (no default NIC, VGA, monitor, serial, drives:
# nothing that depends on an option ROM or on a package that merely happens to be present),
# then exactly the devices the run needs. The console is the machine's first UART on stdio.
#
# usage: qemu.sh [--print] MACHINE [OPTIONS] [-- EXTRA QEMU ARGS]
#   --print     print the command line (shell-quoted) instead of running it
# machines:
#   aarch64-hyp HYPERVISOR_ELF GUEST_IMAGE GUEST_DTB [--smp N] [--initrd F] [--disk F]
#               [--append CMDLINE] [--image2 F] [--initrd2 F] [--image3 F]
#       The example hypervisor (examples/aarch64-virt) at EL2 on virt with GICv3
#       virtualization (or, as HYPERVISOR_ELF, the exit benchmark's floor bench/exit/floor.c,
#       which takes the same guest image); the guest image (an arm64 Image or a raw binary) and its size, its
#       DTB, an initrd and a disk are put in host memory by QEMU's generic loader where
#       examples/aarch64-virt/config.h expects them. CMDLINE goes to QEMU's -append, which
#       puts it in the /chosen/bootargs of the DTB QEMU gives the hypervisor; the
#       hypervisor makes it the guest's command line. F of --image2 is the second VM's image
#       for the two-VM hypervisors (aarch64-virt-2vm.elf, aarch64-virt-2linux.elf), F of
#       --initrd2 its initrd (aarch64-virt-2linux.elf), F of --image3 the third VM's image for
#       the three-VM one (aarch64-virt-3vm.elf; not with --initrd2: the same host range);
#       GUEST_DTB is loaded but not read.
#   aarch64-el1 IMAGE [--smp N] [--initrd F] [--append CMDLINE]
#       The same virt machine without virtualization: a kernel directly at EL1 (the floor the
#       benchmarks compare the hypervisor with).
#   riscv64-hyp HYPERVISOR_ELF GUEST_IMAGE [--smp N] [--initrd F]
#       The example hypervisor (examples/riscv64-virt) in HS-mode on virt after OpenSBI
#       (-bios default: OpenSBI 1.1 jumps to the -kernel payload at 0x80200000), the cpu
#       with the H extension; the guest image at host 0x90200000 (guest RAM + 2 MiB) with
#       its size in the word at 0x8ffff000, an initrd at host 0xa8000000 (guest 0x98000000)
#       with its size at 0x8ffff008 (examples/riscv64-virt/main.c). Power-off is SBI SRST
#       (the board's test device: QEMU exits 0 whatever the reset reason).
#   x86_64-svm HYPERVISOR_ELF32 GUEST [--append CMDLINE] [--guest-args ARGS] [--initrd F]
#       The example hypervisor (examples/x86_64-svm) on a pc machine under TCG with AMD SVM and
#       nested paging, isa-debug-exit for the verdict. QEMU's multiboot loader gives the
#       hypervisor CMDLINE (e.g. guest_ram=24) and the guest (a flat test binary or a
#       multiboot ELF32) as its first module, whose string (the file name, then ARGS) is a
#       multiboot guest's command line; F is a second module, passed on to the guest.
#   loongarch64-virt IMAGE_ELF
#       A bare-metal LoongArch ELF (the test image tests/la64-runner) on QEMU's loongarch virt
#       board with its la464 cpu (no LVZ in QEMU 7.2), started at the ELF's entry in direct
#       address mode; the console is the board's NS16550A at 0x1fe001e0 and the image powers
#       the machine off through the board's ACPI GED sleep control register (doc/porting.md).
#       QEMU 7.2's virt board refuses less than 1 GiB of RAM.
set -euo pipefail

print=0
if [ "${1:-}" = --print ]; then
	print=1
	shift
fi
machine=${1:?usage: qemu.sh [--print] MACHINE ...}
shift

# Positional arguments first, then options, then "--" and extra QEMU arguments.
pos=() smp=1 initrd='' disk='' append='' guest_args='' image2='' initrd2='' image3='' extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--guest-args) guest_args=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--image2) image2=$2; shift 2 ;;
	--initrd2) initrd2=$2; shift 2 ;;
	--image3) image3=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	*) pos+=("$1"); shift ;;
	esac
done
[ -z "$image3" ] || [ -z "$initrd2" ] ||
	{ echo "qemu.sh: --image3 and --initrd2 share a host range (examples/aarch64-virt/config.h)" >&2; exit 2; }
need() { [ ${#pos[@]} -eq "$1" ] || { echo "qemu.sh: $machine takes $1 arguments" >&2; exit 2; }; }
for f in "${pos[@]}" "$initrd" "$disk" "$guest_args" "$image2" "$initrd2" "$image3"; do # they end up inside QEMU's comma-separated options
	case $f in *,*) echo "qemu.sh: a file name with a comma: $f" >&2; exit 2 ;; esac
done

# cmd is what runs; show is how --print writes each argument (the same, except that a size
# is shown as the $(stat ...) that computes it, so a printed line is exact and copyable).
cmd=() show=()
add() { cmd+=("$1"); show+=("${2:-$(quote "$1")}"); }
quote() { # quote only where the shell needs it
	if [[ $1 =~ ^[A-Za-z0-9_./,:=+@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}
loader_size() { # loader_size FILE ADDR: a 32-bit word at ADDR holding FILE's size
	local size=0
	[ $print -eq 1 ] || size=$(stat -c %s "$1")
	add "loader,addr=$2,data=$size,data-len=4"
	show[-1]="\"loader,addr=$2,data=\$(stat -c %s $(quote "$1")),data-len=4\""
}

# QEMU's virt board: the GIC, PL011, PL031, fw_cfg and the virtio-mmio slots are part of the
# board, not default devices, so -nodefaults keeps them.
virt_common() {
	for a in -cpu cortex-a72 -m 1G -smp "$smp" -display none -serial stdio -no-reboot; do
		add "$a"
	done
}
case $machine in
aarch64-hyp)
	need 3
	for a in qemu-system-aarch64 -nodefaults -M virt,virtualization=on,gic-version=3; do add "$a"; done
	virt_common
	add -kernel; add "${pos[0]}"
	# The guest image at 0x50000000 with its size in the word at 0x540ffff0 (a raw binary has
	# no header that would say it), the DTB at 0x54000000, an initrd at 0x54100000 with its
	# size in the word at 0x540ffff8, a disk image at 0x58000000 with its size at 0x57fffff8
	# (examples/aarch64-virt/config.h).
	add -device; add "loader,file=${pos[1]},addr=0x50000000,force-raw=on"
	add -device; loader_size "${pos[1]}" 0x540ffff0
	add -device; add "loader,file=${pos[2]},addr=0x54000000,force-raw=on"
	if [ -n "$initrd" ]; then
		add -device; add "loader,file=$initrd,addr=0x54100000,force-raw=on"
		add -device; loader_size "$initrd" 0x540ffff8
	fi
	if [ -n "$disk" ]; then
		add -device; add "loader,file=$disk,addr=0x58000000,force-raw=on"
		add -device; loader_size "$disk" 0x57fffff8
	fi
	# A second VM's image (aarch64-virt-2vm.elf: examples/aarch64-virt/vms.c) at 0x7c000000,
	# its size in the word at 0x7bfffff0.
	if [ -n "$image2" ]; then
		add -device; add "loader,file=$image2,addr=0x7c000000,force-raw=on"
		add -device; loader_size "$image2" 0x7bfffff0
	fi
	# Its initrd (aarch64-virt-2linux.elf) at 0x78000000, its size in the word at 0x7bfffff8.
	if [ -n "$initrd2" ]; then
		add -device; add "loader,file=$initrd2,addr=0x78000000,force-raw=on"
		add -device; loader_size "$initrd2" 0x7bfffff8
	fi
	# A third VM's image (aarch64-virt-3vm.elf) at 0x78000000, its size at 0x7bfffff8 (where
	# --initrd2's goes: never both).
	if [ -n "$image3" ]; then
		add -device; add "loader,file=$image3,addr=0x78000000,force-raw=on"
		add -device; loader_size "$image3" 0x7bfffff8
	fi
	if [ -n "$append" ]; then add -append; add "$append"; fi
	;;
aarch64-el1)
	need 1
	for a in qemu-system-aarch64 -nodefaults -M virt,gic-version=3; do add "$a"; done
	virt_common
	add -kernel; add "${pos[0]}"
	if [ -n "$initrd" ]; then add -initrd; add "$initrd"; fi
	if [ -n "$append" ]; then add -append; add "$append"; fi
	;;
riscv64-hyp)
	need 2
	for a in qemu-system-riscv64 -nodefaults -M virt -cpu rv64,h=true -m 1G -smp "$smp" \
		-display none -serial stdio -no-reboot -bios default -kernel "${pos[0]}"; do
		add "$a"
	done
	add -device; add "loader,file=${pos[1]},addr=0x90200000,force-raw=on"
	add -device; loader_size "${pos[1]}" 0x8ffff000
	if [ -n "$initrd" ]; then
		add -device; add "loader,file=$initrd,addr=0xa8000000,force-raw=on"
		add -device; loader_size "$initrd" 0x8ffff008
	fi
	if [ -n "$disk" ]; then echo "qemu.sh: riscv64-hyp has no disk" >&2; exit 2; fi
	if [ -n "$append" ]; then echo "qemu.sh: riscv64-hyp takes no --append" >&2; exit 2; fi
	;;
x86_64-svm)
	need 2
	[ "$smp" = 1 ] || { echo "qemu.sh: x86_64-svm runs one cpu" >&2; exit 2; }
	mods=${pos[1]}
	if [ -n "$guest_args" ]; then mods+=" $guest_args"; fi
	if [ -n "$initrd" ]; then mods+=",$initrd"; fi
	for a in qemu-system-x86_64 -nodefaults -M pc -accel tcg -cpu qemu64,+svm,+npt -m 128M \
		-display none -serial stdio -no-reboot -kernel "${pos[0]}" -initrd "$mods" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04; do
		add "$a"
	done
	if [ -n "$append" ]; then add -append; add "$append"; fi
	;;
loongarch64-virt)
	need 1
	[ "$smp" = 1 ] || { echo "qemu.sh: loongarch64-virt runs one cpu" >&2; exit 2; }
	# The UART, the interrupt controllers, the RTC, fw_cfg and the ACPI GED are part of the
	# board, not default devices, so -nodefaults keeps them.
	for a in qemu-system-loongarch64 -nodefaults -M virt -cpu la464-loongarch-cpu -m 1G \
		-smp 1 -display none -serial stdio -no-reboot -kernel "${pos[0]}"; do
		add "$a"
	done
	;;
*)
	echo "qemu.sh: unknown machine $machine (aarch64-hyp, aarch64-el1, riscv64-hyp, x86_64-svm, loongarch64-virt)" >&2
	exit 2
	;;
esac
for a in "${extra[@]}"; do add "$a"; done

if [ $print -eq 1 ]; then
	echo "${show[*]}"
	exit 0
fi
exec "${cmd[@]}"
