#!/bin/sh
# Pick only what you need: a program linked against the frame, address-space and core
# libraries only (with --gc-sections) holds no vcpu, exit, bus or virq symbol, while the
# control program, linked against libaxv.a and calling into vcpu and irq, does.
# usage: check-pick.sh NM PROGRAM CONTROL
set -u
nm=$1
prog=$2
control=$3
forbidden='^(axv_vcpu_|axv_exit_|axv_bus_|axv_virq_|axv_percpu_)'
syms() { "$nm" "$1" | awk 'NF >= 3 { print $3 }'; }
fail=0
"$prog" || { echo "FAIL: $prog exited with $?"; fail=1; }
n=$(syms "$prog" | grep -c '^axv_')
bad=$(syms "$prog" | grep -E "$forbidden")
echo "$(basename "$prog"): $n libaxv symbols: $(syms "$prog" | grep '^axv_' | sort | tr '\n' ' ')"
if [ -n "$bad" ]; then
	echo "FAIL: symbols of modules it does not use:"
	echo "$bad"
	fail=1
fi
syms "$prog" | grep -qx axv_addrspace_map_alloc ||
	{ echo "FAIL: axv_addrspace_map_alloc missing: nm sees nothing?"; fail=1; }
ctl=$(syms "$control" | grep -cE "$forbidden")
echo "$(basename "$control") (negative control, libaxv.a): $ctl vcpu/exit/bus/virq symbols"
[ "$ctl" -gt 0 ] || { echo "FAIL: the control shows none: the check cannot fail"; fail=1; }
[ $fail -eq 0 ] && echo "pick-only-what-you-need: ok"
exit $fail
