#!/bin/bash
# VM B storms, VM A's Linux still boots (aarch64-virt-2vm.elf, tests/guests/aarch64/storm.c):
# two runs through time-2vm.sh, vm-a Debian's Linux on cpus 0-1 each time; first vm-b the
# hello guest, which powers its VM off within milliseconds: vm-a alone, then vm-b
# storming (hypercalls, SGIs to absent vcpus, GIC writes, stores to absent redistributors)
# until vm-a is off. Checks: both runs end with QEMU's status 0 and vm-a's Linux marker with
# nproc=2; the storm's checks passed (every hypercall answered as specified, every store to an
# absent redistributor aborted in vm-b); vm-a's time to its marker with the storm is within
# 1.5 times its time alone.
# usage: run-storm.sh HYPERVISOR_2VM DTB LINUX_DIR HELLO_GUEST_BIN STORM_GUEST_BIN
set -u
hyp=$1 dtb=$2 dir=$3 hello=$4 storm=$5
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" || { echo "run-storm: fetch failed"; exit 1; }
out1=$(mktemp) out2=$(mktemp)
trap 'rm -f "$out1" "$out2"' EXIT
fail=0
# One pair of runs: vm-a alone, then with vm-b storming; prints the two times.
pair() {
	alone=$(bash "$here/time-2vm.sh" "$hyp" "$dtb" "$dir" "$hello" "$out1") ||
		{ echo "run-storm: the run with vm-a alone: QEMU exited with status $?"; fail=1; }
	stormed=$(bash "$here/time-2vm.sh" "$hyp" "$dtb" "$dir" "$storm" "$out2") ||
		{ echo "run-storm: the run with vm-b storming: QEMU exited with status $?"; fail=1; }
	grep -E '^\[vm-b\] (guest|PASS|FAIL|DONE)|^\[vm-a\] LIBAXV|^aarch64-virt: vm-[ab]: guest powered off' "$out2" | cut -c1-220
	for o in "$out1" "$out2"; do
		grep -q '^\[vm-a\] LIBAXV-LINUX-MARKER uname=.* nproc=2' "$o" ||
			{ echo "run-storm: no [vm-a] Linux marker with nproc=2"; fail=1; }
		grep -q '^\[vm-b\] DONE [0-9]* passed, 0 failed' "$o" ||
			{ echo "run-storm: no clean [vm-b] DONE line"; fail=1; }
		if grep -q 'FAIL' "$o"; then echo "run-storm: a FAIL line"; fail=1; fi
	done
	echo "run-storm: vm-a's Linux marker after ${alone}s alone, ${stormed}s with vm-b storming"
}
within() {
	[ "$alone" != none ] && [ "$stormed" != none ] &&
		awk -v a="$alone" -v b="$stormed" 'BEGIN { r = b / a; printf "run-storm: ratio %.2f (at most 1.5)\n", r; exit !(r <= 1.5) }'
}
pair
# Under TCG on two host cores vm-b's storming vcpu is a third busy emulator thread beside
# vm-a's two, and any other load on the host moves both times: a ratio over the bound is
# measured again, up to three pairs in all (each printed); the test fails only when every
# pair is over it. A slowdown the hypervisor causes (a lock or an exit path vm-a shares with
# vm-b's storm) shows in every pair.
tries=1
while [ $fail -eq 0 ] && ! within; do
	if [ $tries -ge 3 ]; then
		echo "run-storm: vm-a's Linux was slowed more than 1.5 times by vm-b's storm in $tries pairs of runs"
		fail=1
		break
	fi
	tries=$((tries + 1))
	echo "run-storm: over the bound: pair $tries of at most 3"
	pair
done
[ $fail -eq 0 ] && echo "run-storm: ok"
exit $fail
