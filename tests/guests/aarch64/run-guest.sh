#!/bin/sh
# Boot the example hypervisor with one test guest under QEMU and judge the guest's output:
# QEMU must exit with status 0 (PSCI SYSTEM_OFF), the guest must print at least one PASS
# line, no FAIL line, and "DONE <n> passed, 0 failed"; an optional marker must appear.
# The machine is scripts/qemu.sh's aarch64-hyp (scripts/demo.sh boots the demo guest through
# this same script).
# With --input STRING, STRING is QEMU's stdin (the host console's input), else nothing is.
# usage: run-guest.sh HYPERVISOR GUEST_BIN GUEST_DTB [MARKER] [--input STRING] [qemu.sh OPTIONS...]
set -u
hyp=$1 guest=$2 dtb=$3
marker=${4:-}
[ $# -ge 4 ] && shift 4 || shift $#
input='' has_input=0
if [ "${1:-}" = --input ]; then
	input=$2 has_input=1
	shift 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ $has_input -eq 1 ]; then
	printf '%s' "$input" | timeout 100 bash "$here/../../../scripts/qemu.sh" aarch64-hyp \
		"$hyp" "$guest" "$dtb" "$@" >"$out" 2>&1
else
	timeout 100 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$guest" "$dtb" "$@" \
		</dev/null >"$out" 2>&1
fi
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
