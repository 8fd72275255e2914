#!/bin/sh
# Isolation of two VMs (tests/guests/aarch64/isolate.c, the same guest in both) through
# run-2vm.sh: vm-b (vm=2) sweeps guest-physical space outside its RAM and devices, VM A's RAM
# addresses and the host range backing them included, and every access aborts in vm-b; vm-a
# (vm=1) finds its RAM unchanged. The sweep must have outlasted vm-a's fill (the counter
# values both print), so that it overlapped vm-a's check.
# usage: run-isolate.sh HYPERVISOR_2VM DTB GUEST_BIN
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
sh "$here/run-2vm.sh" "$1" "$2" "$3" "$3" \
	--expect '^\[vm-b\] PASS every load and store outside its own memory and devices aborted' \
	--expect "^\[vm-a\] PASS the victim's RAM is unchanged" -- --append vm=1 >"$out"
fail=$?
cat "$out"
filled=$(sed -n 's/^\[vm-a\] guest: filled and summed at count \(0x[0-9a-f]*\)$/\1/p' "$out")
swept=$(sed -n 's/^\[vm-b\] guest: swept from count 0x[0-9a-f]* to \(0x[0-9a-f]*\)$/\1/p' "$out")
if [ -z "$filled" ] || [ -z "$swept" ] || [ $((swept)) -le $((filled)) ]; then
	echo "run-isolate: the sweep (ended at ${swept:-?}) did not outlast the fill (${filled:-?})"
	fail=1
fi
exit $fail
