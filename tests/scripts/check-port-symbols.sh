#!/bin/sh
# Show, with nm, that a library defines every public symbol a port header declares and that
# it references nothing but memcpy, memset, memmove and memcmp from outside.
# usage: check-port-symbols.sh NM LIBRARY HEADER PREFIX
#   e.g. check-port-symbols.sh llvm-nm-16 build/loongarch64/libaxv.a \
#            include/axv/arch/loongarch64.h axv_la64_
set -u
nm=$1
lib=$2
header=$3
prefix=$4
[ -f "$lib" ] || { echo "no library at $lib"; exit 1; }
[ -f "$header" ] || { echo "no header at $header"; exit 1; }
# Declarations: "type name(" at the start of a line, and "extern const ... name;".
want=$( (grep -oE "^[a-z][a-z0-9_ *]*\b${prefix}[a-z0-9_]+\(" "$header" |
	grep -oE "${prefix}[a-z0-9_]+\(\$" | tr -d '('
	grep -E "^extern const " "$header" | grep -oE "${prefix}[a-z0-9_]+;" | tr -d ';') |
	sort -u)
[ -n "$want" ] || { echo "no ${prefix}* declarations found in $header"; exit 1; }
defs=$("$nm" --defined-only "$lib" 2>/dev/null)
bad=0
n=0
for s in $want; do
	line=$(printf '%s\n' "$defs" | awk -v s="$s" 'NF >= 3 && $3 == s && $2 ~ /^[TDRB]$/ {print $2; exit}')
	if [ -n "$line" ]; then
		printf 'ok   %s %s\n' "$line" "$s"
	else
		printf 'MISSING %s\n' "$s"
		bad=1
	fi
	n=$((n + 1))
done
echo "$n public ${prefix}* symbols declared in $(basename "$header"); $([ $bad -eq 0 ] && echo all defined || echo SOME MISSING) in $(basename "$lib")"
# Undefined references that no object of the archive defines.
alldefs=$(printf '%s\n' "$defs" | awk 'NF >= 3 {print $3}' | sort -u)
ext=""
for s in $("$nm" -u "$lib" | awk 'NF >= 2 && $1 == "U" {print $2} NF == 1 {print $1}' | grep -v ':$' | sort -u); do
	printf '%s\n' "$alldefs" | grep -qx "$s" && continue
	ext="$ext $s"
	case $s in
	memcpy | memset | memmove | memcmp) ;;
	*) echo "undefined symbol: $s"; bad=1 ;;
	esac
done
echo "undefined in $(basename "$lib"):${ext:- none}"
[ $bad -eq 0 ] && echo "port symbols: ok" || echo "port symbols: FAILED"
exit $bad
