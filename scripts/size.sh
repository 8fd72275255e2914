#!/usr/bin/env bash
# Size report: for each port (x86_64, aarch64, loongarch64), the .text, .data and .bss of
# every module library and of the port library, and their total, from minsize release
# builds (-Os, debug checks off) made with each target's own toolchain and `size`.
# "text" is what `size` counts as text in its Berkeley format: code plus read-only data.
# usage: scripts/size.sh            (reuses $AXV_BUILD/size-<port> when configured)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_CROSS

ports=(x86_64 aarch64 loongarch64)
declare -A size_tool=([x86_64]=size [aarch64]=aarch64-linux-gnu-size [loongarch64]=llvm-size-16)
modules=(core frame addrspace exit irq vcpu)

for p in "${ports[@]}"; do
	dir="$AXV_BUILD/size-$p"
	args=(--buildtype=minsize -Ddebug_checks=disabled -Dtests=disabled -Ddocs=disabled
		-Dexamples=disabled -Dbenchmarks=disabled -Dport="$p")
	[ "$p" != x86_64 ] && args+=(--cross-file "$AXV_ROOT/cross/$p.ini")
	configure "$dir" "${args[@]}" || exit 1
	ninja -j "$AXV_JOBS" -C "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; exit 1; }
done

# totals LIB TOOL: "text data bss" of every member of an archive.
totals() { "$2" -t "$1" | awk '/\(TOTALS\)/ { print $1, $2, $3 }'; }

printf '%-12s %-10s %9s %7s %7s\n' port library text data bss
for p in "${ports[@]}"; do
	dir="$AXV_BUILD/size-$p"
	tt=0 td=0 tb=0
	for m in "${modules[@]}" "$p"; do
		lib="$dir/libaxv_$m.a"
		if [ ! -f "$lib" ]; then
			printf '%-12s %-10s %9s %7s %7s\n' "$p" "$m" - - -
			continue
		fi
		read -r t d b < <(totals "$lib" "${size_tool[$p]}")
		name=$m
		[ "$m" = "$p" ] && name="port"
		printf '%-12s %-10s %9d %7d %7d\n' "$p" "$name" "$t" "$d" "$b"
		tt=$((tt + t)) td=$((td + d)) tb=$((tb + b))
	done
	printf '%-12s %-10s %9d %7d %7d\n' "$p" "total" "$tt" "$td" "$tb"
done
