#!/usr/bin/env bash
# The one definition of every Bochs machine libaxv runs (the meson suite "bochs" and the
# README start Bochs through this script only).
#
# Each machine is named in full in the bochsrc below: the cpu model, RAM, the boot ROM (ours,
# replacing the BIOS: tests/bochs, packed by scripts/bochs-rom.py with the hypervisor as its
# multiboot kernel and the guest as its first module), COM1 into a file, no disks, no BIOS,
# no VGA BIOS. Bochs 2.7 (Debian 12) has its debugger built in and no headless display: it
# runs with the "term" display under script(1) and a debugger script that continues and
# quits. The guest ends the run by writing "Shutdown" to port 0x8900; Bochs then exits with
# status 1 whatever happened, so the verdict is in the serial output, which this script
# prints on stdout.
#
# usage: bochs.sh [--print] MACHINE HYPERVISOR_ELF32 GUEST [--append CMDLINE]
#                 [--guest-args ARGS] [--initrd FILE] [--rom LOADER]
#   --print   print the bochsrc and the command line instead of running them
#   CMDLINE   the hypervisor's multiboot command line (e.g. guest_ram=24)
#   GUEST     the hypervisor's first multiboot module, with the string "GUEST ARGS" (a
#             multiboot guest's command line, as QEMU's loader gives it)
#   FILE      a second module (passed on to the guest), with its file name as string
#   LOADER    the boot ROM's code (default: tests/bochs/bochs-rom.bin of the build directory
#             the hypervisor is in)
# machines:
#   x86_64-svm   cpu model ryzen (AMD SVM with nested paging), 128 MiB, one cpu
#   x86_64-vmx   cpu model corei7_skylake_x (Intel VMX with EPT, unrestricted guest), 128 MiB,
#                one cpu
set -euo pipefail

print=0
if [ "${1:-}" = --print ]; then
	print=1
	shift
fi
machine=${1:?usage: bochs.sh [--print] MACHINE HYPERVISOR_ELF32 GUEST [--append CMDLINE]}
shift
pos=() append='' rom='' guest_args='' initrd=''
while [ $# -gt 0 ]; do
	case $1 in
	--guest-args) guest_args=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--rom) rom=$2; shift 2 ;;
	-*) echo "bochs.sh: unknown option $1" >&2; exit 2 ;;
	*) pos+=("$1"); shift ;;
	esac
done
[ ${#pos[@]} -eq 2 ] || { echo "bochs.sh: $machine takes 2 arguments" >&2; exit 2; }
hyp=${pos[0]} guest=${pos[1]}
[ -n "$rom" ] || rom=$(dirname "$hyp")/../../tests/bochs/bochs-rom.bin

case $machine in
x86_64-svm) model=ryzen ;;
x86_64-vmx) model=corei7_skylake_x ;;
*) echo "bochs.sh: unknown machine $machine (x86_64-svm, x86_64-vmx)" >&2; exit 2 ;;
esac
ram_mib=128
here=$(cd "$(dirname "$0")" && pwd)

# bochsrc DIR: the machine, with the ROM and the serial file in DIR.
bochsrc() {
	cat <<RC
# $machine: $model, one cpu, ${ram_mib} MiB, the libaxv boot ROM, COM1 into a file
cpu: model=$model, count=1, ips=50000000, reset_on_triple_fault=0
memory: guest=$ram_mib, host=$ram_mib
romimage: file=$1/rom.bin
vga: extension=none
display_library: term
com1: enabled=1, mode=file, dev=$1/com1.txt
clock: sync=none, time0=1
port_e9_hack: enabled=0
log: $1/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
RC
}
dbgrc='c
quit'
guest_str=$guest
[ -z "$guest_args" ] || guest_str+=" $guest_args"
rom_cmd=(python3 "$(realpath --relative-to=. "$here")/bochs-rom.py" DIR/rom.bin "$rom" "$ram_mib"
	"$hyp" "$append" "$guest" "$guest_str")
[ -z "$initrd" ] || rom_cmd+=("$initrd" "$initrd")
run_cmd="bochs-bin -q -f DIR/bochsrc -rc DIR/dbg.rc"

if [ $print -eq 1 ]; then
	echo "# DIR is a fresh temporary directory; DIR/bochsrc:"
	bochsrc DIR
	echo "# DIR/dbg.rc (the debugger script): $(echo "$dbgrc" | tr '\n' ';')"
	printf '%q ' "${rom_cmd[@]}" | sed 's/ $//'
	echo
	echo "TERM=\${TERM:-xterm} script -qec \"$run_cmd\" /dev/null"
	exit 0
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"${rom_cmd[@]/DIR/$dir}"
bochsrc "$dir" >"$dir/bochsrc"
echo "$dbgrc" >"$dir/dbg.rc"
: >"$dir/com1.txt"
set +e
# Bochs 2.7 reads heap memory it never wrote: with glibc's MALLOC_PERTURB_ (which meson test
# sets) it dies before the first instruction.
unset MALLOC_PERTURB_
TERM=${TERM:-xterm} script -qec "${run_cmd//DIR/$dir}" /dev/null </dev/null >"$dir/term.txt" 2>&1
status=$?
set -e
tr -d '\r' <"$dir/com1.txt"
[ -z "$(tail -c 1 "$dir/com1.txt")" ] || echo
if [ ! -s "$dir/com1.txt" ]; then
	echo "bochs.sh: no serial output; Bochs's terminal said:"
	tr -c '[:print:]\n' ' ' <"$dir/term.txt" | grep -v '^ *$' | tail -5
fi
# The shutdown port's request is logged as a panic; any other panic is news.
if grep -v 'Shutdown port: shutdown requested' "$dir/bochs.log" 2>/dev/null | grep -q 'PANIC'; then
	echo "bochs.sh: Bochs panicked (from its log):"
	grep 'PANIC' "$dir/bochs.log" | head -5
fi
exit $status
