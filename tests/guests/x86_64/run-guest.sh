#!/bin/sh
# Boot the x86_64-svm example hypervisor with one test guest under QEMU (TCG, SVM + NPT) and
# judge the guest's output: QEMU must exit through isa-debug-exit with status 33 (the guest
# wrote 0x10: pass), the guest must print at least one PASS line, no FAIL line, and
# "DONE <n> passed, 0 failed"; an optional marker must appear.
# The machine is scripts/qemu.sh's x86_64-svm.
# usage: run-guest.sh HYPERVISOR_ELF32 GUEST_BIN [MARKER]
set -u
hyp=$1 guest=$2 marker=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 100 bash "$here/../../../scripts/qemu.sh" x86_64-svm "$hyp" "$guest" </dev/null >"$out" 2>&1
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
