#!/bin/sh
# Boot an x86_64 example hypervisor with one test guest in an emulator and judge the output:
# the hypervisor must print "guest result 0x10" (the guest wrote 0x10, pass, to port 0xf4,
# or its announced triple fault was reported as system down), the guest at least one PASS
# line, no FAIL line, and "DONE <n> passed, 0 failed"; an optional marker must appear.
# Under QEMU the exit status must also be 33 (isa-debug-exit 0x10). Bochs exits with status
# 1 whatever happened: there the serial output is the whole verdict.
# The machines are scripts/qemu.sh's and scripts/bochs.sh's.
# usage: run-guest.sh EMULATOR:MACHINE HYPERVISOR_ELF32 GUEST [MARKER [-- OPTIONS...]]
#   EMULATOR:MACHINE  qemu:x86_64-svm, bochs:x86_64-svm or bochs:x86_64-vmx
#   OPTIONS           passed to the machine script (--append, --guest-args, --initrd)
set -u
. "$(dirname "$0")/../common/run.sh"
emu=${1%%:*} machine=${1#*:} hyp=$2 guest=$3 marker=${4:-}
shift 3
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
case $emu in
qemu | bochs) run_machine 100 "$emu.sh" "$machine" "$hyp" "$guest" "$@" ;;
*) echo "run-guest: unknown emulator $emu"; exit 2 ;;
esac
tr -d '\r' <"$out"
if [ "$emu" = qemu ] && [ $status -ne 33 ]; then
	echo "run-guest: QEMU exited with status $status, expected 33"
	fail=1
fi
[ $status -eq 124 ] && { echo "run-guest: timed out"; fail=1; }
check run-guest ': guest result 0x10 after' "no 'guest result 0x10' line"
check_guest run-guest "$marker"
[ $fail -eq 0 ] && echo "run-guest: ok ($emu $machine, $(basename "$guest"))"
exit $fail
