#!/bin/sh
# Boot the example hypervisor with one test guest under QEMU and judge the guest's output:
# QEMU must exit with status 0 (PSCI SYSTEM_OFF), the guest must print at least one PASS
# line, no FAIL line, and "DONE <n> passed, 0 failed"; an optional marker must appear.
# The machine is scripts/qemu.sh's aarch64-hyp (scripts/demo.sh boots the demo guest through
# this same script).
# With --input STRING, STRING is QEMU's stdin (the host console's input), else nothing is.
# usage: run-guest.sh HYPERVISOR GUEST_BIN GUEST_DTB [MARKER] [--input STRING] [qemu.sh OPTIONS...]
set -u
. "$(dirname "$0")/../common/run.sh"
hyp=$1 guest=$2 dtb=$3
marker=${4:-}
[ $# -ge 4 ] && shift 4 || shift $#
if [ "${1:-}" = --input ]; then
	run_input=$2
	shift 2
fi
run_machine 100 qemu.sh aarch64-hyp "$hyp" "$guest" "$dtb" "$@"
tr -d '\r' <"$out"
check_status run-guest 0
check_guest run-guest "$marker"
[ $fail -eq 0 ] && echo "run-guest: ok ($(basename "$guest"))"
exit $fail
