#!/bin/sh
# Two test guests at once under the example hypervisor's two-VM table (aarch64-virt-2vm.elf,
# examples/aarch64-virt/vms.c) on QEMU virt with 4 cpus: GUEST_A in vm-a (cpus 0-1), GUEST_B
# in vm-b (cpu 2). QEMU must exit with status 0 (the machine powers off with its last VM),
# each VM's output must have a PASS line and a clean DONE line behind its prefix, no FAIL
# line, and every --expect regular expression must match a line.
# With --input STRING, STRING is QEMU's stdin (the host console's input), else nothing is.
# With --vm3 GUEST_C (HYPERVISOR the three-VM aarch64-virt-3vm.elf), GUEST_C runs in vm-c
# (cpu 3) and is checked like the others.
# usage: run-2vm.sh HYPERVISOR_2VM DTB GUEST_A GUEST_B [--vm3 GUEST_C] [--input STRING]
#                   [--expect RE]... [-- qemu.sh OPTIONS...]
set -u
hyp=$1 dtb=$2 a=$3 b=$4
shift 4
input='' has_input=0 expect='' vms='vm-a vm-b' image3=''
while [ $# -gt 0 ]; do
	case $1 in
	--input) input=$2 has_input=1; shift 2 ;;
	--vm3) image3=$2 vms='vm-a vm-b vm-c'; shift 2 ;;
	--expect) expect="$expect
$2"; shift 2 ;;
	--) shift; break ;;
	*) echo "run-2vm: unknown option $1"; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
raw=$(mktemp) out=$(mktemp)
trap 'rm -f "$raw" "$out"' EXIT
run() {
	timeout 150 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$a" "$dtb" --smp 4 \
		--image2 "$b" ${image3:+--image3 "$image3"} "$@"
}
if [ $has_input -eq 1 ]; then
	printf '%b' "$input" | run "$@" >"$raw" 2>&1
else
	run "$@" </dev/null >"$raw" 2>&1
fi
status=$?
tr -d '\r' <"$raw" >"$out"
grep -v 'exits by kind' "$out" | cut -c1-220
fail=0
[ $status -eq 0 ] || { echo "run-2vm: QEMU exited with status $status"; fail=1; }
for vm in $vms; do
	grep -q "^\[$vm\] PASS " "$out" || { echo "run-2vm: no [$vm] PASS line"; fail=1; }
	grep -q "^\[$vm\] DONE [0-9]* passed, 0 failed" "$out" ||
		{ echo "run-2vm: no clean [$vm] DONE line"; fail=1; }
done
if grep -q 'FAIL' "$out"; then echo "run-2vm: a FAIL line"; fail=1; fi
printf '%s\n' "$expect" | while read -r re; do
	[ -z "$re" ] || grep -q "$re" "$out" || echo "run-2vm: nothing matches '$re'"
done | grep . && fail=1
[ $fail -eq 0 ] && echo "run-2vm: ok"
exit $fail
