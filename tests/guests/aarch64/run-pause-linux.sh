#!/usr/bin/env bash
# Pause and resume a Linux VM while another Linux runs (aarch64-virt-2linux.elf: vm-a Debian's
# arm64 kernel on cpus 0-1, vm-b the same on cpu 2). Once vm-b's kernel has printed a line
# with a printk time above zero (its clock runs: the lines before the arch timer is its
# sched_clock all read 0.000000, and a pause among them would show nothing), Ctrl-A p 1 on
# the host console (QEMU's stdin, a pipe kept open) pauses vm-b; five seconds after the
# hypervisor says it is paused, Ctrl-A r 1 resumes it.
# Checks: both Linux markers and sleeps, both VMs shut down, QEMU's status 0; vm-a printed
# while vm-b was paused and vm-b did not; vm-b's kernel saw its time stand still: its printk
# timestamps on either side of the pause are less than half the pause apart (the pause lasts
# about 5 s of physical time), and it reported no RCU stall, soft or hard lockup, hung task or unstable
# clocksource.
# usage: run-pause-linux.sh HYPERVISOR_2LINUX DTB LINUX_DIR
set -u
hyp=$1 dtb=$2 ldir=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$ldir" >/dev/null ||
	{ echo "run-pause-linux: fetching Debian's kernel failed"; exit 1; }
. "$here/console-in.sh"
. "$here/linux-2vm.sh"
console_start 220 aarch64-hyp "$hyp" "$ldir/Image" "$dtb" --smp 4 --initrd "$ldir/initrd.cpio" \
	--image2 "$ldir/Image" --initrd2 "$ldir/initrd.cpio"
fail=0
if con_wait '^\[vm-b\] \[ *([1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*)\]' 120; then
	printf '\001p1' >&3
	con_wait '^aarch64-virt: vm-b: paused' 30 || fail=1
	sleep 5
	printf '\001r1' >&3
	con_wait '^aarch64-virt: vm-b: resumed' 30 || fail=1
else
	fail=1
fi
con_end
status=$con_status out=$con_dir/out
grep -E '^aarch64-virt: (vm-[ab]: (paused|resumed|shut down)|FATAL)|^\[vm-[ab]\] (LIBAXV|\[ *[0-9.]+\] (Machine|Kernel command))|panic|stall|lockup|hung|unstable' "$out" |
	cut -c1-200
[ $status -eq 0 ] || { echo "run-pause-linux: QEMU exited with status $status"; fail=1; }
linux_2vm_markers "$out" run-pause-linux || fail=1
if grep -E '^\[vm-b\]' "$out" | grep -qiE 'rcu.*stall|soft lockup|hard lockup|hung task|clocksource.*unstable'; then
	echo "run-pause-linux: vm-b's kernel complained about lost time"
	fail=1
fi
between=$(sed -n '/^aarch64-virt: vm-b: paused/,/^aarch64-virt: vm-b: resumed/p' "$out")
a_lines=$(printf '%s\n' "$between" | grep -c '^\[vm-a\]')
echo "run-pause-linux: $a_lines [vm-a] lines while vm-b was paused"
[ "$a_lines" -ge 1 ] || fail=1
# vm-b's printk time just before the pause and just after the resume (seconds, virtual).
t() { grep -oE '^\[vm-b\] \[ *[0-9]+\.[0-9]+\]' | grep -oE '[0-9]+\.[0-9]+'; }
before=$(sed -n '1,/^aarch64-virt: vm-b: paused/p' "$out" | t | tail -1)
after=$(sed -n '/^aarch64-virt: vm-b: resumed/,$p' "$out" | t | head -1)
# Nothing of vm-b while paused, but for the unfinished line it wrote before the pause, which
# goes out when the console input moves to it (as vm-a shuts down): the line right after
# "console input to vm-b".
if printf '%s\n' "$between" | awk '/^aarch64-virt: console input to vm-b/ { skip = 1; next }
	/^\[vm-b\]/ && !skip { bad = 1 } { skip = 0 } END { exit !bad }'; then
	echo "run-pause-linux: vm-b printed while paused"
	fail=1
fi
if [ -n "$before" ] && awk -v a="$before" 'BEGIN { exit !(a == 0) }'; then
	echo "run-pause-linux: vm-b's clock had not started before the pause (printk time $before): nothing measured"
	fail=1
elif [ -n "$before" ] && [ -n "$after" ]; then
	ms=$(sed -n 's/^aarch64-virt: vm-b: resumed after \([0-9]*\) ms.*/\1/p' "$out" | head -1)
	echo "run-pause-linux: vm-b's kernel time ${before} s before the pause, ${after} s after the resume; paused ${ms:-?} ms"
	# Its clock must have moved by less than half the pause (it stood still: a few ms of
	# boot work; without the held-back offset it moves by the whole pause).
	awk -v a="$before" -v b="$after" -v ms="${ms:-0}" 'BEGIN { exit !(ms > 0 && (b - a) * 1000 < ms / 2) }' ||
		{ echo "run-pause-linux: vm-b's kernel saw the pause's time pass"; fail=1; }
else
	echo "run-pause-linux: no vm-b kernel timestamps around the pause"
	fail=1
fi
[ $fail -eq 0 ] && echo "run-pause-linux: ok"
exit $fail
