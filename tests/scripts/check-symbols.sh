#!/bin/sh
# Fail if a library references any symbol it does not define, other than the four
# freestanding memory functions a C compiler may emit calls to.
# usage: check-symbols.sh NM LIBRARY
set -u
nm=$1
lib=$2
[ -f "$lib" ] || { echo "no library at $lib"; exit 1; }
defined=$("$nm" --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 {print $3}' | sort -u)
undef=$("$nm" -u "$lib" | awk 'NF >= 2 && $1 == "U" {print $2} NF == 1 {print $1}' |
	grep -v ':$' | sort -u)
bad=0
for s in $undef; do
	case $s in
	memcpy | memset | memmove | memcmp) continue ;;
	esac
	if printf '%s\n' "$defined" | grep -qx "$s"; then
		continue # defined in another object of the same archive
	fi
	echo "undefined symbol: $s"
	bad=1
done
echo "$(basename "$lib"): $(printf '%s\n' "$defined" | grep -c .) symbols defined; external references: $(printf '%s\n' "$undef" | grep -xE 'memcpy|memset|memmove|memcmp' | tr '\n' ' ')"
[ $bad -eq 0 ] && echo "freestanding: ok" || echo "freestanding: FAILED"
exit $bad
