#!/bin/sh
# The QEMU command lines the project shows are the ones it runs.
# 1. Every "$ scripts/qemu.sh --print ..." line in the documentation (README.md,
#    examples/*/README.md, doc/*.md) is followed by exactly what scripts/qemu.sh prints for it
#    today; README.md shows at least one (the demo's).
# 2. No file starts QEMU without -nodefaults: every line that names a qemu-system-* binary
#    followed by an option also says -nodefaults.
# usage: check-qemu-commands.sh SOURCE_ROOT
set -u
root=$1
cd "$root" || exit 1
fail=0 shown=0
for md in README.md examples/*/README.md doc/*.md; do
	[ -f "$md" ] || continue
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		'$ scripts/qemu.sh --print '*) ;;
		*) continue ;;
		esac
		want=$(eval "bash ${line#\$ }") || { echo "$md:$n: qemu.sh refused: $line"; fail=1; continue; }
		got=$(sed -n "$((n + 1))p" "$md")
		if [ "$got" != "$want" ]; then
			echo "$md:$n: the documented command differs from scripts/qemu.sh's"
			echo "  documented: $got"
			echo "  qemu.sh:    $want"
			fail=1
		fi
		[ "$md" = README.md ] && shown=$((shown + 1))
		echo "ok: $md:$n"
	done <"$md"
done
[ "$shown" -gt 0 ] || { echo "README.md shows no scripts/qemu.sh --print command"; fail=1; }
bad=$(grep -rnE 'qemu-system-(aarch64|x86_64|loongarch64|riscv64|arm|i386) +-' \
	README.md doc examples scripts tests bench 2>/dev/null | grep -v -- '-nodefaults')
if [ -n "$bad" ]; then
	echo "QEMU started without -nodefaults:"
	echo "$bad"
	fail=1
fi
[ $fail -eq 0 ] && echo "check-qemu-commands: $shown README command(s) match scripts/qemu.sh; every QEMU line says -nodefaults"
exit $fail
