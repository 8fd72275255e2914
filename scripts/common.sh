# Shared by scripts/*.sh: package installation and build helpers. Source it; do not run it.
# shellcheck shell=bash

AXV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AXV_BUILD=${AXV_BUILD:-$AXV_ROOT/build}
AXV_JOBS=${AXV_JOBS:-$(nproc 2>/dev/null || echo 2)}

# The Debian 12 packages every script needs, and those only some need.
AXV_PKGS_BASE="meson ninja-build gcc pkg-config python3"
AXV_PKGS_TEST="libcriterion-dev doxygen gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu clang-16 llvm-16 qemu-system-arm qemu-system-x86 device-tree-compiler"
AXV_PKGS_CROSS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu clang-16 llvm-16"
AXV_PKGS_QEMU="qemu-system-arm device-tree-compiler"
# Hardening: libFuzzer (clang-16 + its runtime), valgrind, gcovr, the static analysers.
AXV_PKGS_FUZZ="clang-16 libclang-rt-16-dev"
AXV_PKGS_HARDEN="clang-16 libclang-rt-16-dev valgrind gcovr cppcheck clang-tidy-16"

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
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$AXV_ROOT" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	else
		mkdir -p "$(dirname "$dir")"
		meson setup "$dir" "$AXV_ROOT" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; return 1; }
	fi
}
