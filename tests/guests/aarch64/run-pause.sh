#!/usr/bin/env bash
# Pause and resume one VM while the other runs: the example's two-VM table
# (aarch64-virt-2vm.elf) with the pause guest in both VMs (tests/guests/aarch64/pause.c: vm-b
# the one paused, vm-a the witness). Typed on the host console (QEMU's stdin, a pipe kept
# open): once vm-b says READY, Ctrl-A p 1 (pause vm-b) twice, Ctrl-A p 7 (no such VM); three
# seconds after the hypervisor says vm-b is paused, Ctrl-A r 1 (resume) twice. Then, once
# vm-b says READY for a short pause (it waits in WFI for a timer due in 3 s), Ctrl-A p 1 and
# half a second after the pause Ctrl-A r 1.
# Checks: the hypervisor's paused and resumed lines and its three refusals; vm-a's ticks go
# on while vm-b is paused (at least 4 [vm-a] lines between the two, and no [vm-b] line);
# each VM's PASS lines and clean DONE, no FAIL, QEMU's status 0.
# With --vm3 (HYPERVISOR the three-VM aarch64-virt-3vm.elf) vm-c runs the pause guest too,
# on its cpu shared by its two vcpus, and is paused and resumed with vm-b (Ctrl-A p 2 after
# Ctrl-A p 1, Ctrl-A r 2 after Ctrl-A r 1) and checked as vm-b is.
# usage: run-pause.sh HYPERVISOR DTB PAUSE_GUEST [--vm3]
set -u
hyp=$1 dtb=$2 guest=$3
paused='vm-b' three=0
[ "${4:-}" = --vm3 ] && paused='vm-b vm-c' three=1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/console-in.sh"
console_start 200 aarch64-hyp "$hyp" "$guest" "$dtb" --smp 4 --image2 "$guest" \
	${4:+--image3 "$guest"}
fail=0
last=vm-b cmd_p='\001p1' cmd_r='\001r1'
[ $three -eq 1 ] && last=vm-c cmd_p='\001p1\001p2' cmd_r='\001r1\001r2'
if con_wait '^\[vm-b\] READY' 90 && { [ $three -eq 0 ] || con_wait '^\[vm-c\] READY' 90; }; then
	printf "$cmd_p" >&3
	con_wait "^aarch64-virt: $last: paused" 30 || fail=1
	printf '\001p1\001p7' >&3
	sleep 3
	printf "$cmd_r" >&3
	con_wait "^aarch64-virt: $last: resumed" 30 || fail=1
	printf '\001r1' >&3
	# the short pause
	if con_wait '^\[vm-b\] READY for a short pause' 60 &&
		{ [ $three -eq 0 ] || con_wait '^\[vm-c\] READY for a short pause' 60; }; then
		printf "$cmd_p" >&3
		con_wait "^aarch64-virt: $last: paused" 30 2 || fail=1
		sleep 0.5
		printf "$cmd_r" >&3
		con_wait "^aarch64-virt: $last: resumed" 30 2 || fail=1
	else
		fail=1
	fi
else
	fail=1
fi
con_end
status=$con_status out=$con_dir/out
grep -v 'exits by kind' "$out" | grep -vE '^\[vm-a\] tick' | cut -c1-220
echo "run-pause: $(grep -c '^\[vm-a\] tick' "$out") [vm-a] tick lines"
[ $status -eq 0 ] || { echo "run-pause: QEMU exited with status $status"; fail=1; }
for vm in vm-a $paused; do
	grep -q "^\[$vm\] PASS " "$out" || { echo "run-pause: no [$vm] PASS line"; fail=1; }
	grep -q "^\[$vm\] DONE [0-9]* passed, 0 failed" "$out" ||
		{ echo "run-pause: no clean [$vm] DONE line"; fail=1; }
done
if grep -q 'FAIL' "$out"; then echo "run-pause: a FAIL line"; fail=1; fi
for re in '^aarch64-virt: vm-b: paused: its 1 vcpu out of the guest' \
	'^aarch64-virt: vm-b: not paused: it is paused already' \
	'^aarch64-virt: no VM 7 to pause' \
	'^aarch64-virt: vm-b: resumed after [0-9]+ ms paused' \
	'^aarch64-virt: vm-b: not resumed: it is not paused'; do
	grep -qE "$re" "$out" || { echo "run-pause: nothing matches '$re'"; fail=1; }
done
if [ $three -eq 1 ]; then
	for re in '^aarch64-virt: vm-c: paused: its 2 vcpus out of the guest' \
		'^aarch64-virt: vm-c: resumed after [0-9]+ ms paused'; do
		grep -qE "$re" "$out" || { echo "run-pause: nothing matches '$re'"; fail=1; }
	done
fi
# Between the last pause and the first resume: vm-a's ticks, nothing of the paused VMs.
between=$(sed -n "/^aarch64-virt: $last: paused/,/^aarch64-virt: vm-b: resumed/p" "$out")
ticks=$(printf '%s\n' "$between" | grep -c '^\[vm-a\] tick')
for vm in $paused; do
	printf '%s\n' "$between" | grep -q "^\[$vm\]" &&
		{ echo "run-pause: $vm printed while paused"; fail=1; }
done
[ "$ticks" -ge 4 ] || { echo "run-pause: only $ticks [vm-a] ticks while $paused paused"; fail=1; }
echo "run-pause: $ticks [vm-a] ticks while $paused paused"
[ $fail -eq 0 ] && echo "run-pause: ok"
exit $fail
