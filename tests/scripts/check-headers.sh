#!/bin/sh
# Compile every public header alone, as C11 with -pedantic, to prove it is self-contained.
# usage: check-headers.sh INCLUDE_DIR "CC [ARGS...]"
set -u
inc=$1
cc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for h in "$inc"/axv/*.h "$inc"/axv/*/*.h; do
	[ -f "$h" ] || continue
	name=${h#"$inc"/}
	# (the typedef: a header of macros only, like axv/arch/x86_64_hw.h, is not an empty unit)
	printf '#include <%s>\n#include <%s>\ntypedef int check_headers_nonempty;\n' \
		"$name" "$name" > "$tmp/t.c"
	# shellcheck disable=SC2086
	if $cc -std=c11 -pedantic -Wall -Wextra -Werror -ffreestanding -I"$inc" \
		-c "$tmp/t.c" -o "$tmp/t.o" 2> "$tmp/err"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		cat "$tmp/err"
		fail=1
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no headers found in $inc"; exit 1; }
echo "$n headers checked"
exit $fail
