#!/bin/sh
# Run a test guest (run-guest.sh) while the host starves QEMU: its process is stopped
# (SIGSTOP) and continued (SIGCONT) STOPS times for 300 ms each. The guest's clock (time CSR,
# the host clock under TCG) moves on while no vcpu runs, as when an overloaded host leaves the
# QEMU threads unscheduled, so a guest must tell a late interrupt from a lost one.
# usage: run-stall.sh STOPS HYPERVISOR GUEST_BIN [MARKER] [qemu.sh OPTIONS...]
set -u
stops=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$here/run-guest.sh" "$@" >"$out" 2>&1 &
job=$!
# The QEMU process is a descendant of the job (run-guest.sh -> timeout -> qemu.sh, which
# execs QEMU); only that process is stopped and continued. Found through /proc (no procps:
# a minimal Debian system has no ps).
children() { # the pids whose parent is $1 (/proc/PID/stat: pid (comm) state ppid ...)
	local s pid comm state ppid rest
	for s in /proc/[0-9]*/stat; do
		{ read -r pid comm state ppid rest <"$s"; } 2>/dev/null || continue
		[ "$ppid" = "$1" ] && echo "$pid"
	done
}
qemu_of() {
	local p=$1 c
	for c in $(children "$p"); do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = qemu-system-ris ]; then
			echo "$c"
			return 0
		fi
		qemu_of "$c" && return 0
	done
	return 1
}
qpid=
for _ in $(seq 100); do
	qpid=$(qemu_of "$job") && break
	sleep 0.05
done
if [ -z "$qpid" ]; then
	wait "$job"
	cat "$out"
	echo "run-stall: QEMU not found"
	exit 1
fi
sleep 1 # boot: OpenSBI, the hypervisor, the guest's first rounds
done_stops=0
for _ in $(seq "$stops"); do
	kill -STOP "$qpid" 2>/dev/null || break
	sleep 0.3
	kill -CONT "$qpid" 2>/dev/null || break
	done_stops=$((done_stops + 1))
	sleep 0.1
done
wait "$job"
status=$?
cat "$out"
echo "run-stall: QEMU stopped $done_stops times for 300 ms"
exit $status
