# Shared by scripts/*.sh: package installation and build helpers. Source it; do not run it.
# shellcheck shell=bash

AXV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AXV_BUILD=${AXV_BUILD:-$AXV_ROOT/build}
AXV_JOBS=${AXV_JOBS:-$(nproc 2>/dev/null || echo 2)}

# The Debian 12 packages, by what uses them; each script asks for exactly the groups it runs
# (proved from nothing in a clean Debian 12 root: see the README's Quick start).
# Every build: Meson (which brings python3) and ninja, the host compiler (with binutils:
# size, nm, objcopy); python3 also runs the scripts' helpers (mkdisk.py, mkinitramfs.py, ...).
AXV_PKGS_BASE="meson ninja-build gcc python3"
# Native unit tests (Criterion, found by Meson through pkg-config; pkg-config also runs the
# install-and-link test; libfdt reads back what the devicetree writer wrote) and the API docs.
AXV_PKGS_UNIT="pkg-config libcriterion-dev libfdt-dev"
AXV_PKGS_DOCS="doxygen"
# Cross builds: aarch64 (gcc) and loongarch64: clang-19, ld.lld-19 (the test image) and
# llvm-19 (llvm-ar-19, llvm-nm-19), plus clang-16 and llvm-16 for the clang-16 compile
# check (cross/loongarch64-clang16.ini) and llvm-size-16 (demo.sh, size.sh).
AXV_PKGS_AARCH64="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu"
AXV_PKGS_LA64="clang-19 lld-19 llvm-19 clang-16 llvm-16"
# riscv64 (gcc), its QEMU machine and the firmware it boots after (OpenSBI, -bios default);
# the package qemu-system-misc holds the riscv64 emulator.
AXV_PKGS_RISCV="gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu opensbi qemu-system-misc"
AXV_PKGS_CROSS="$AXV_PKGS_AARCH64 $AXV_PKGS_LA64 $AXV_PKGS_RISCV"
# Guests: the aarch64 example's device trees (dtc) and QEMU for each machine in
# scripts/qemu.sh (the package qemu-system-arm holds the aarch64 emulator too; the
# loongarch64 test image's emulator is in qemu-system-misc).
AXV_PKGS_QEMU="qemu-system-arm device-tree-compiler"
AXV_PKGS_QEMU_X86="qemu-system-x86"
AXV_PKGS_QEMU_LA64="qemu-system-misc"
# The x86_64 examples on Bochs (scripts/bochs.sh): VMX on its Skylake-X model, SVM on its
# Ryzen model. The terminal display is the one that runs headless; our own boot ROM replaces
# the BIOS (tests/bochs), but Bochs still loads its VGA BIOS at start-up (vgabios: only a
# Recommends of bochs, so --no-install-recommends leaves it out and every run panics with
# "couldn't open ROM image file '/usr/share/bochs/VGABIOS-lgpl-latest'"); script(1) comes
# with util-linux.
AXV_PKGS_BOCHS="bochs bochs-term vgabios"
# Hardening: libFuzzer (clang-16 + its runtime), valgrind, gcovr, the static analysers.
AXV_PKGS_FUZZ="clang-16 libclang-rt-16-dev"
AXV_PKGS_ANALYZE="cppcheck clang-tidy-16"
AXV_PKGS_HARDEN="$AXV_PKGS_FUZZ valgrind gcovr $AXV_PKGS_ANALYZE"
# scripts/test.sh runs all of the above.
AXV_PKGS_TEST="$AXV_PKGS_UNIT $AXV_PKGS_DOCS $AXV_PKGS_CROSS $AXV_PKGS_QEMU $AXV_PKGS_QEMU_X86 $AXV_PKGS_QEMU_LA64 $AXV_PKGS_BOCHS $AXV_PKGS_HARDEN"

say() { printf '\n== %s\n' "$*"; }

# ensure_packages PKG...: install what is missing (root: apt-get; otherwise print and stop).
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages; run as root:"
		echo "  apt-get update && apt-get install -y ${missing[*]}"
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		{ echo "apt-get install failed"; exit 1; }
}

# configure DIR [MESON OPTIONS...]: set up (or reconfigure) a build directory.
configure() {
	local dir=$1 opts
	shift
	# An existing build directory keeps every option's value across a reconfigure, also
	# the defaults of meson_options.txt as they were when it was first set up: a directory
	# set up before the fdt module existed kept building without it, and without the
	# examples that need it, while the stale images from before stayed in place. So a
	# directory set up under other option defaults is wiped and set up again.
	opts=$(sha256sum "$AXV_ROOT/meson_options.txt" | cut -d' ' -f1)
	if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.axv-options" 2>/dev/null)" = "$opts" ]; then
		meson setup --reconfigure "$dir" "$AXV_ROOT" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	else
		# (the kernels fetched into a build directory, build/<arch>/linux, are kept)
		[ -d "$dir/linux" ] && rm -rf "$dir.linux" && mv "$dir/linux" "$dir.linux"
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		meson setup "$dir" "$AXV_ROOT" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
		[ -d "$dir.linux" ] && mv "$dir.linux" "$dir/linux"
	fi
	echo "$opts" >"$dir/.axv-options"
}

# bench_build_aarch64: the release aarch64 build every QEMU benchmark runs (the example
# hypervisor, the floor, the guests), with its packages; sets AXV_BENCH to its directory.
bench_build_aarch64() {
	ensure_packages $AXV_PKGS_BASE $AXV_PKGS_AARCH64 $AXV_PKGS_QEMU
	AXV_BENCH=$AXV_BUILD/bench-aarch64
	configure "$AXV_BENCH" --cross-file "$AXV_ROOT/cross/aarch64.ini" -Dtests=disabled \
		-Ddocs=disabled --buildtype=release
	ninja -C "$AXV_BENCH" -j "$AXV_JOBS" >/dev/null
}
# bench_linux_aarch64: bench_build_aarch64 and Debian's arm64 kernel, initramfs and disk in
# $AXV_BUILD/linux (scripts/fetch-linux.sh), for the Linux guest benchmarks; sets AXV_HYP to
# the example hypervisor's ELF and AXV_DTBS to the directory of its guest devicetrees.
bench_linux_aarch64() {
	bench_build_aarch64
	bash "$AXV_ROOT/scripts/fetch-linux.sh" "$AXV_BUILD/linux"
	AXV_HYP=$AXV_BENCH/examples/aarch64-virt/aarch64-virt.elf
	AXV_DTBS=$AXV_BENCH/examples/aarch64-virt
}
