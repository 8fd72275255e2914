#!/bin/sh
# Boot Debian's arm64 kernel under the example hypervisor into an interactive busybox shell on
# its console (the emulated PL011) and type into it on QEMU's stdin, as a person would:
#  1. `echo marker-$((N + 1))` (N random): the shell must echo what was typed and print
#     marker-<N+1> (so the command ran: the host console's input reached the guest's UART);
#  2. `hwclock -u -s` and `date +%s`: the time read from the PL031 must be the host's, give or
#     take a minute;
#  3. an RTC alarm two seconds ahead (/sys/class/rtc/rtc0/wakealarm): the PL031's interrupt
#     must arrive (its /proc/interrupts count);
#  4. `poweroff -f`: QEMU must exit with status 0.
# Each command is typed once the previous one's output appeared (the guest boots in about
# 10 s on an idle machine; the waits allow for a loaded one under TCG).
# The machine is scripts/qemu.sh's aarch64-hyp.
# usage: run-linux-shell.sh HYPERVISOR DTB LINUX_DIR
set -u
hyp=$1 dtb=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../../../scripts/fetch-linux.sh" "$dir" ||
	{ echo "run-linux-shell: fetch failed"; exit 1; }
tmp=$(mktemp -d)
out=$tmp/out fifo=$tmp/stdin qpid=''
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkfifo "$fifo"
timeout 220 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$hyp" "$dir/Image" "$dtb" \
	--initrd "$dir/initrd-shell.cpio" <"$fifo" >"$out" 2>&1 &
qpid=$!
exec 3>"$fifo" # QEMU's stdin stays open until the end

# wait_for ERE SECONDS: until a line of the console output (CRs removed) matches.
wait_for() {
	i=0
	while [ "$i" -lt $(($2 * 2)) ]; do
		tr -d '\r' <"$out" | grep -Eq "$1" && return 0
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	tr -d '\r' <"$out" | grep -Eq "$1"
}
type_line() {
	printf '%s\n' "$1" >&3
}

fail=0
n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
want=$((n + 1))
if wait_for '^libaxv-sh\$ ' 120; then
	type_line "echo marker-\$(($n + 1))"
	wait_for "^marker-$want\$" 20 || { echo "run-linux-shell: marker-$want was not printed"; fail=1; }
	tr -d '\r' <"$out" | grep -Fq "echo marker-\$(($n + 1))" ||
		{ echo "run-linux-shell: the typed command was not echoed"; fail=1; }
	type_line 'hwclock -u -r; hwclock -u -s && echo "LIBAXV-RTC $(date +%s)"'
	if wait_for '^LIBAXV-RTC [0-9]+$' 20; then
		guest=$(tr -d '\r' <"$out" | sed -n 's/^LIBAXV-RTC \([0-9]*\)$/\1/p' | head -1)
		host=$(date +%s)
		diff=$((guest > host ? guest - host : host - guest))
		echo "run-linux-shell: RTC time $guest, host time $host ($diff s apart)"
		[ "$diff" -le 60 ] || { echo "run-linux-shell: the RTC time is not the host's"; fail=1; }
	else
		echo "run-linux-shell: hwclock could not read the RTC"
		fail=1
	fi
	alarm='echo +2 >/sys/class/rtc/rtc0/wakealarm; sleep 4; '
	type_line "$alarm"'echo "LIBAXV-RTC-IRQ $(awk "/rtc-pl031/ {print \$2}" /proc/interrupts)"'
	if wait_for '^LIBAXV-RTC-IRQ ' 30; then
		irqs=$(tr -d '\r' <"$out" | sed -n 's/^LIBAXV-RTC-IRQ \([0-9]*\)$/\1/p' | head -1)
		[ "${irqs:-0}" -ge 1 ] || { echo "run-linux-shell: no RTC alarm interrupt"; fail=1; }
	else
		echo "run-linux-shell: the alarm command did not finish"
		fail=1
	fi
else
	echo "run-linux-shell: no shell prompt"
	fail=1
fi
type_line 'poweroff -f'
i=0
while kill -0 "$qpid" 2>/dev/null && [ $i -lt 40 ]; do
	sleep 0.5
	i=$((i + 1))
done
if kill -0 "$qpid" 2>/dev/null; then
	echo "run-linux-shell: QEMU still running after poweroff"
	fail=1
else
	wait "$qpid"
	status=$?
	qpid=''
	[ $status -eq 0 ] || { echo "run-linux-shell: QEMU exited with status $status"; fail=1; }
fi
tr -d '\r' <"$out" |
	grep -E 'LIBAXV|aarch64-virt|marker-|libaxv-sh|rtc|RTC|pl031|seconds$|panic|Oops' | head -40
[ $fail -eq 0 ] && echo "run-linux-shell: ok"
exit $fail
