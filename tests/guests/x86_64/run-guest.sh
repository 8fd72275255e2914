#!/bin/sh
# Boot the x86_64-svm example hypervisor with one test guest under QEMU (TCG, SVM + NPT) and
# judge the guest's output: QEMU must exit through isa-debug-exit with status 33 (the guest
# wrote 0x10: pass), the guest must print at least one PASS line, no FAIL line, and
# "DONE <n> passed, 0 failed"; an optional marker must appear.
# usage: run-guest.sh QEMU HYPERVISOR_ELF32 GUEST_BIN [MARKER]
set -u
qemu=$1 hyp=$2 guest=$3 marker=${4:-}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 100 "$qemu" -accel tcg -cpu qemu64,+svm,+npt -m 128M -nographic -no-reboot \
	-kernel "$hyp" -initrd "$guest" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$out" 2>&1
status=$?
tr -d '\r' <"$out"
fail=0
[ $status -eq 33 ] || { echo "run-guest: QEMU exited with status $status, expected 33"; fail=1; }
grep -q '^PASS ' "$out" || { echo "run-guest: no PASS line"; fail=1; }
if grep -q 'FAIL' "$out"; then echo "run-guest: a FAIL line"; fail=1; fi
grep -q '^DONE [0-9]* passed, 0 failed' "$out" || { echo "run-guest: no clean DONE line"; fail=1; }
if [ -n "$marker" ] && ! grep -q "$marker" "$out"; then
	echo "run-guest: marker '$marker' missing"
	fail=1
fi
[ $fail -eq 0 ] && echo "run-guest: ok ($(basename "$guest"))"
exit $fail
