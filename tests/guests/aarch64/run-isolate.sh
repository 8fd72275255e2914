#!/bin/sh
# Isolation of two VMs (tests/guests/aarch64/isolate.c) under the example hypervisor's
# two-VM table (aarch64-virt-2vm.elf) on QEMU virt with 4 cpus: vm-b (vm=2) sweeps guest-
# physical space outside its RAM and devices, VM A's RAM addresses and the host range backing
# them included, and every access aborts in vm-b; vm-a (vm=1) finds its RAM unchanged. Both
# must print clean DONE lines behind their prefixes, and QEMU must exit with status 0.
# usage: run-isolate.sh HYPERVISOR_2VM DTB GUEST_BIN
set -u
hyp=$1 dtb=$2 guest=$3
here=$(cd "$(dirname "$0")" && pwd)
raw=$(mktemp) out=$(mktemp)
trap 'rm -f "$raw" "$out"' EXIT
timeout 150 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$guest" "$dtb" \
	--smp 4 --image2 "$guest" --append vm=1 </dev/null >"$raw" 2>&1
status=$?
tr -d '\r' <"$raw" >"$out"
grep -v 'exits by kind' "$out" | cut -c1-220
fail=0
[ $status -eq 0 ] || { echo "run-isolate: QEMU exited with status $status"; fail=1; }
for vm in vm-a vm-b; do
	grep -q "^\[$vm\] PASS " "$out" || { echo "run-isolate: no [$vm] PASS line"; fail=1; }
	grep -q "^\[$vm\] DONE [0-9]* passed, 0 failed" "$out" ||
		{ echo "run-isolate: no clean [$vm] DONE line"; fail=1; }
done
grep -q '^\[vm-b\] PASS every load and store outside its own memory and devices aborted' "$out" ||
	{ echo "run-isolate: vm-b's sweep did not pass"; fail=1; }
grep -q "^\[vm-a\] PASS the victim's RAM is unchanged" "$out" ||
	{ echo "run-isolate: vm-a's RAM check did not pass"; fail=1; }
# The sweep must overlap the victim's check: it ended after the victim had filled its RAM.
filled=$(sed -n 's/^\[vm-a\] guest: filled and summed at count \(0x[0-9a-f]*\)$/\1/p' "$out")
swept=$(sed -n 's/^\[vm-b\] guest: swept from count 0x[0-9a-f]* to \(0x[0-9a-f]*\)$/\1/p' "$out")
if [ -z "$filled" ] || [ -z "$swept" ] || [ $((swept)) -le $((filled)) ]; then
	echo "run-isolate: the sweep (ended at ${swept:-?}) did not outlast the fill (${filled:-?})"
	fail=1
fi
if grep -q 'FAIL' "$out"; then echo "run-isolate: a FAIL line"; fail=1; fi
[ $fail -eq 0 ] && echo "run-isolate: ok"
exit $fail
