#!/bin/sh
# Boot the example hypervisor with one test guest under QEMU and judge the guest's output:
# QEMU must exit with status 0 (PSCI SYSTEM_OFF), the guest must print at least one PASS
# line, no FAIL line, and "DONE <n> passed, 0 failed"; an optional marker must appear.
# usage: run-guest.sh QEMU HYPERVISOR GUEST_BIN GUEST_DTB [MARKER] [QEMU ARGS...]
set -u
qemu=$1 hyp=$2 guest=$3 dtb=$4
marker=${5:-}
[ $# -ge 5 ] && shift 5 || shift $#
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 100 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nographic \
	-no-reboot \
	-kernel "$hyp" \
	-device loader,file="$guest",addr=0x50000000,force-raw=on \
	-device loader,file="$dtb",addr=0x54000000,force-raw=on \
	"$@" </dev/null >"$out" 2>&1
status=$?
tr -d '\r' <"$out"
fail=0
[ $status -eq 0 ] || { echo "run-guest: QEMU exited with status $status"; fail=1; }
grep -q '^PASS ' "$out" || { echo "run-guest: no PASS line"; fail=1; }
if grep -q 'FAIL' "$out"; then echo "run-guest: a FAIL line"; fail=1; fi
grep -q '^DONE [0-9]* passed, 0 failed' "$out" || { echo "run-guest: no clean DONE line"; fail=1; }
if [ -n "$marker" ] && ! grep -q "$marker" "$out"; then
	echo "run-guest: marker '$marker' missing"
	fail=1
fi
[ $fail -eq 0 ] && echo "run-guest: ok ($(basename "$guest"))"
exit $fail
