#!/usr/bin/env bash
# Boot the loongarch64 test image on QEMU (scripts/qemu.sh loongarch64-virt) and judge its
# UART output: pass only on the summary "la64-runner: N passed, 0 failed" with N > 0 and the
# AXV_ENOTSUP check (la64_cpu::cpu_enable_without_lvz_is_enotsup) among the passed tests.
# usage: run.sh QEMU_SH IMAGE.elf
set -uo pipefail
qemu_sh=$1 image=$2
out=$(timeout 240 bash "$qemu_sh" loongarch64-virt "$image" </dev/null 2>&1 | tr -d '\r')
rc=$?
printf '%s\n' "$out"
summary=$(printf '%s\n' "$out" | grep -E '^la64-runner: [0-9]+ passed, [0-9]+ failed$' | tail -1)
if [ $rc -ne 0 ]; then
	echo "run.sh: QEMU exited with status $rc"
	exit 1
fi
if ! [[ $summary =~ ^la64-runner:\ ([0-9]+)\ passed,\ 0\ failed$ ]] || [ "${BASH_REMATCH[1]}" -eq 0 ]; then
	echo "run.sh: no passing summary line"
	exit 1
fi
if ! printf '%s\n' "$out" | grep -q '^la64-runner: ok la64_cpu::cpu_enable_without_lvz_is_enotsup'; then
	echo "run.sh: the AXV_ENOTSUP check did not pass"
	exit 1
fi
echo "run.sh: $summary"
