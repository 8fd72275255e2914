# The guest run scripts' common part (tests/guests/*/run-*.sh source it: . .../common/run.sh):
# one machine run under a timeout with its output in a temporary file, and the checks of that
# output. POSIX sh. Defines:
#   root     the source tree (scripts/qemu.sh, scripts/bochs.sh, scripts/fetch-linux*.sh)
#   out      the run's output (removed at exit)
#   fail     0, set to 1 by every check that fails (each says why on stdout)
#   status   run_machine's exit status
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0
status=0

# run_machine SECONDS SCRIPT ARGS...: bash scripts/SCRIPT ARGS... under timeout SECONDS, with
# $run_input (printf %s) as its stdin when that is set, else none; output to $out.
run_machine() {
	_t=$1 _s=$2
	shift 2
	if [ -n "${run_input+set}" ]; then
		printf '%s' "$run_input" | timeout "$_t" bash "$root/scripts/$_s" "$@" >"$out" 2>&1
	else
		timeout "$_t" bash "$root/scripts/$_s" "$@" </dev/null >"$out" 2>&1
	fi
	status=$?
}

# check NAME PATTERN MESSAGE: a line of $out matches PATTERN (grep), else "NAME: MESSAGE".
check() {
	grep -q "$2" "$out" || { echo "$1: $3"; fail=1; }
}

# check_status NAME WANT: the machine exited with status WANT.
check_status() {
	[ "$status" -eq "$2" ] || { echo "$1: QEMU exited with status $status"; fail=1; }
}

# check_guest NAME MARKER: the test guest's verdict: at least one PASS line, no FAIL line,
# "DONE <n> passed, 0 failed", and MARKER (when not empty).
check_guest() {
	check "$1" '^PASS ' "no PASS line"
	if grep -q 'FAIL' "$out"; then echo "$1: a FAIL line"; fail=1; fi
	check "$1" '^DONE [0-9]* passed, 0 failed' "no clean DONE line"
	[ -z "$2" ] || check "$1" "$2" "marker '$2' missing"
}

# show ERE: the lines of $out (CRs removed) that match ERE, at most 20.
show() {
	tr -d '\r' <"$out" | grep -E "$1" | head -20
}

# run_linux N SECONDS SCRIPT ARGS...: run_machine SECONDS SCRIPT ARGS..., then check that it
# exited 0 and that Linux's init printed its marker with nproc = N and slept one second, and
# print the time from the machine's start to its power-off. Lines of the log matching
# $linux_show (ERE) are shown first.
run_linux() {
	_n=$1
	shift
	_start=$(date +%s%N)
	run_machine "$@"
	_end=$(date +%s%N)
	show "$linux_show"
	check_status run-linux 0
	check run-linux "LIBAXV-LINUX-MARKER uname=.* nproc=$_n" "no marker with nproc=$_n"
	check run-linux "LIBAXV-LINUX-SLEPT" "the one-second sleep did not finish"
	echo "run-linux: $_n vcpu(s): $(( (_end - _start) / 1000000 )) ms from QEMU start to power-off"
}
