#!/bin/sh
# The example hypervisor on a hart without the hypervisor extension (QEMU's -cpu
# rv64,h=false after qemu.sh's own -cpu: the last one counts): per-cpu enable must report
# AXV_ENOTSUP (the hstatus probe traps) and the example powers off (SBI SRST; OpenSBI 1.1
# ends QEMU with status 0 whatever the reset reason, so the verdict is the output).
# usage: run-noh.sh HYPERVISOR GUEST_BIN
set -u
. "$(dirname "$0")/../common/run.sh"
run_machine 60 qemu.sh riscv64-hyp "$1" "$2" -- -cpu rv64,h=false
tr -d '\r' <"$out" | grep -E 'Base ISA|riscv64-virt'
isa=$(tr -d '\r' <"$out" | sed -n 's/^Boot HART Base ISA *: *//p')
[ "$isa" = rv64imafdc ] || { echo "run-noh: the hart's ISA is '$isa', not rv64imafdc"; fail=1; }
check run-noh 'no hypervisor extension (AXV_ENOTSUP)' "no AXV_ENOTSUP"
check_status run-noh 0
grep -q 'H extension present' "$out" && { echo "run-noh: the example went on"; fail=1; }
[ $fail -eq 0 ] && echo "run-noh: ok"
exit $fail
