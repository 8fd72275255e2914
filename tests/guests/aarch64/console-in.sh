# Sourced by the runs that type on the host console while QEMU runs (run-pause.sh,
# run-pause-linux.sh), which set $here to their directory.
# console_start SECONDS qemu.sh ARGS...: start scripts/qemu.sh (at most SECONDS) in the
# background with its stdin a pipe that stays open (write to it with `>&3`) and its output in
# $con_dir/raw; sets $con_dir (removed at exit) and $con_pid.
# con_wait RE SECONDS [COUNT]: wait until COUNT (1) lines of the output match RE, or QEMU is
# gone; says so and fails if not.
# con_end: wait for QEMU, close the pipe; its status in $con_status, the output without
# carriage returns in $con_dir/out.
console_start() {
	local secs=$1
	shift
	con_dir=$(mktemp -d)
	trap 'exec 3>&-; kill $con_pid 2>/dev/null; rm -rf "$con_dir"' EXIT
	mkfifo "$con_dir/in"
	timeout "$secs" bash "$here/../../../scripts/qemu.sh" "$@" <"$con_dir/in" \
		>"$con_dir/raw" 2>&1 &
	con_pid=$!
	exec 3>"$con_dir/in"
}

con_wait() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(tr -d '\r' <"$con_dir/raw" | grep -cE "$1")" -ge "${3:-1}" ] && return 0
		kill -0 $con_pid 2>/dev/null || break
		sleep 0.1
	done
	echo "$(basename "$0" .sh): no line matching '$1' within $2 s"
	return 1
}

con_end() {
	wait $con_pid
	con_status=$?
	exec 3>&-
	tr -d '\r' <"$con_dir/raw" >"$con_dir/out"
}
