#!/usr/bin/env bash
# Footprint report: minsize release builds (-Os, debug checks off) of each port (x86_64,
# aarch64, loongarch64, riscv64) made with each target's own toolchain, then scripts/footprint.py
# reads them: .text/.data/.bss of every module library and of the port library, sizeof of
# every public struct, and (GCC ports, from -fcallgraph-info=su) the worst-case stack of
# every public function. "text" is Berkeley `size`'s text: code plus read-only data.
# usage: scripts/size.sh            print the code sizes
#        scripts/size.sh --check    also regenerate doc/footprint.md in memory and fail when
#                                   the checked-in page differs or a public function needs
#                                   more stack than doc/embedding.md's budget
#        scripts/size.sh --write    rewrite doc/footprint.md
# (reuses $AXV_BUILD/size-<port> when configured)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_CROSS

mode=()
case "${1:-}" in
--check) mode=(--check "$AXV_ROOT/doc/footprint.md") ;;
--write) mode=(--write "$AXV_ROOT/doc/footprint.md") ;;
"") ;;
*) echo "usage: $0 [--check|--write]" >&2; exit 2 ;;
esac

ports=(x86_64 aarch64 loongarch64 riscv64)
dirs=()
for p in "${ports[@]}"; do
	dir="$AXV_BUILD/size-$p"
	args=(--buildtype=minsize -Ddebug_checks=disabled -Dtests=disabled -Ddocs=disabled
		-Dexamples=disabled -Dbenchmarks=disabled -Dport="$p")
	[ "$p" != x86_64 ] && args+=(--cross-file "$AXV_ROOT/cross/$p.ini")
	# GCC writes each translation unit's call graph with frame sizes (no effect on code);
	# clang (loongarch64) has no equivalent.
	[ "$p" != loongarch64 ] && args+=(-Dc_args=-fcallgraph-info=su)
	configure "$dir" "${args[@]}" || exit 1
	ninja -j "$AXV_JOBS" -C "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; exit 1; }
	dirs+=("$dir")
done

python3 "$AXV_ROOT/scripts/footprint.py" --print-sizes "${mode[@]}" "${dirs[@]}"
