#!/bin/sh
# Boot the riscv64 example hypervisor with one test guest under QEMU (scripts/qemu.sh
# riscv64-hyp) and judge the output: QEMU exits 0 (SBI SRST shutdown), at least one PASS
# line, no FAIL line, "DONE <n> passed, 0 failed", and the optional marker.
# usage: run-guest.sh HYPERVISOR GUEST_BIN [MARKER] [qemu.sh OPTIONS...]
set -u
. "$(dirname "$0")/../common/run.sh"
hyp=$1 guest=$2
marker=${3:-}
[ $# -ge 3 ] && shift 3 || shift $#
run_machine 100 qemu.sh riscv64-hyp "$hyp" "$guest" "$@"
tr -d '\r' <"$out"
check_status run-guest 0
check_guest run-guest "$marker"
[ $fail -eq 0 ] && echo "run-guest: ok ($(basename "$guest"))"
exit $fail
