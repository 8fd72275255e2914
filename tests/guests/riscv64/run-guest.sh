#!/bin/sh
# Boot the riscv64 example hypervisor with one test guest under QEMU (scripts/qemu.sh
# riscv64-hyp) and judge the output: QEMU exits 0 (SBI SRST shutdown), at least one PASS
# line, no FAIL line, "DONE <n> passed, 0 failed", and the optional marker.
# usage: run-guest.sh HYPERVISOR GUEST_BIN [MARKER] [qemu.sh OPTIONS...]
set -u
hyp=$1 guest=$2
marker=${3:-}
[ $# -ge 3 ] && shift 3 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 100 bash "$here/../../../scripts/qemu.sh" riscv64-hyp "$hyp" "$guest" "$@" \
	</dev/null >"$out" 2>&1
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
