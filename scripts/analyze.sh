#!/usr/bin/env bash
# Static analysis of the library code (lib/ and ports/): cppcheck and clang-tidy (the
# committed .clang-tidy; every warning is an error). Exit status 0 only if both report
# nothing. Deliberate choices are suppressed at their line with the reason
# (cppcheck-suppress / NOLINT comments).
#
# clang-tidy needs each file's compile command: host-compiled files come from the native
# build's compile_commands.json; files built only for their architecture (ports/aarch64
# el2.c, vcpu.c; any arch-only file of another port) from the cross builds' (aarch64-linux-gnu
# gcc flags, clang-16 --target=loongarch64; riscv64-linux-gnu gcc flags, with -march=rv64imac
# given again since clang 16 does not know GCC 12's zicsr/zifencei); assembly files are not
# analysed.
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_UNIT $AXV_PKGS_DOCS $AXV_PKGS_CROSS $AXV_PKGS_ANALYZE

rc=0
# (Re)configure, so every compile_commands.json lists the files of this tree.
configure "$AXV_BUILD/native" -Dtests=enabled -Ddocs=enabled || exit 1
dbs=("$AXV_BUILD/native")
for arch in aarch64 riscv64 loongarch64; do
	configure "$AXV_BUILD/$arch" --cross-file "$AXV_ROOT/cross/$arch.ini" \
		-Dtests=enabled -Ddocs=disabled || exit 1
	dbs+=("$AXV_BUILD/$arch")
done

mapfile -t files < <(find lib ports -name '*.c' | sort)

say "cppcheck $(cppcheck --version | cut -d' ' -f2): ${#files[@]} files"
cppcheck --enable=warning,style,performance,portability --std=c11 --inline-suppr \
	--error-exitcode=1 -q -I include -I lib/include --suppress=missingIncludeSystem "${files[@]}" ||
	rc=1
[ $rc -eq 0 ] && echo "cppcheck: no finding"

# Pick, for each file, the first build that compiles it.
declare -A db_of
for d in "${dbs[@]}"; do
	while read -r f; do
		[ -n "${db_of[$f]:-}" ] || db_of[$f]=$d
	done < <(python3 - "$d/compile_commands.json" "$AXV_ROOT" <<'PY'
import json, os, sys
root = sys.argv[2]
for c in json.load(open(sys.argv[1])):
    f = os.path.relpath(os.path.normpath(os.path.join(c['directory'], c['file'])), root)
    if f.endswith('.c') and (f.startswith('lib/') or f.startswith('ports/')):
        print(f)
PY
)
done
jobs=()
missing=()
for f in "${files[@]}"; do
	if [ -n "${db_of[$f]:-}" ]; then jobs+=("${db_of[$f]} $f"); else missing+=("$f"); fi
done
say "clang-tidy-16: ${#jobs[@]} files (native, aarch64, riscv64 and loongarch64 compile commands)"
if [ ${#missing[@]} -ne 0 ]; then
	echo "not compiled by any build (not analysed by clang-tidy): ${missing[*]}"
fi
printf '%s\n' "${jobs[@]}" | xargs -P "$AXV_JOBS" -L 1 sh -c \
	'extra=; case $0 in *riscv64) extra=--extra-arg=-march=rv64imac ;; esac
	 out=$(clang-tidy-16 --quiet $extra -p "$0" "$1" 2>&1); s=$?
	 [ $s -eq 0 ] || { echo "$1:"; printf "%s\n" "$out" | grep -v "warnings generated"; }
	 exit $s' || rc=1
[ $rc -eq 0 ] && echo "clang-tidy: no finding"
exit $rc
