#!/usr/bin/env python3
"""The cost of each exit kind: the same guest (bench/exit/guest.c, 2 vcpus) under the floor
(bench/exit/floor.c: a minimal EL2 handler built only for this benchmark, no libaxv) and
under the libaxv example hypervisor, alternating, PAIRS runs of each. The guest prints each
figure as the best mean of 5 batches; this prints every run, then per kind the median over
the runs of each side and their ratio (libaxv / floor). Printed, never asserted.

usage: bench-exit.py HYPERVISOR_ELF FLOOR_ELF GUEST_BIN GUEST_DTB [PAIRS]
"""
import os
import re
import statistics
import subprocess
import sys

KINDS = ["hvc_null", "psci_version", "sysreg_read", "mmio_read", "mmio_write", "gicd_read",
         "sgi_roundtrip", "timer"]
# What the floor's figure is (bench/exit/floor.c).
FLOOR = {
    "hvc_null": "trap, answered in place at EL2",
    "psci_version": "trap, answered in place at EL2",
    "sysreg_read": "trap (MDCR_EL2.TDOSA), answered in place",
    "mmio_read": "stage-2 fault, decoded from the syndrome, answered in place",
    "mmio_write": "stage-2 fault, decoded from the syndrome, answered in place",
    "gicd_read": "stage-2 fault, answered from a 4-entry table",
    "sgi_roundtrip": "no exit: the machine's GIC at EL1 (bare QEMU)",
    "timer": "no exit: the machine's GIC at EL1 (bare QEMU)",
}
# Issue 17's targets (ratios libaxv / floor).
TARGET = {"hvc_null": "<= 1.3", "mmio_read": "<= 1.5", "sgi_roundtrip": "<= 2.5"}
FIGURE = re.compile(r"^exit\.(\w+)_ns ([\d.]+)", re.M)


def run(cmd, what):
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=150)
    out = (r.stdout + r.stderr).decode(errors="replace").replace("\r", "")
    figures = {k: float(v) for k, v in FIGURE.findall(out)}
    if (r.returncode != 0 or "FAIL" in out or sorted(figures) != sorted(KINDS) or
            not re.search(r"^DONE \d+ passed, 0 failed", out, re.M)):
        raise SystemExit(f"bench-exit: the run under {what} failed (status {r.returncode}):\n"
                         f"{out[-3000:]}")
    return figures


def main():
    hyp, floor, guest, dtb = sys.argv[1:5]
    pairs = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    # Both runs are scripts/qemu.sh's aarch64-hyp machine (-nodefaults, explicit devices);
    # the floor takes the example's place at EL2.
    qemu_sh = ["bash", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu.sh")]
    cmd = {side: qemu_sh + ["aarch64-hyp", elf, guest, dtb, "--smp", "2"]
           for side, elf in (("floor", floor), ("libaxv", hyp))}
    res = {"floor": [], "libaxv": []}
    print(f"# {pairs} alternating pairs; each figure is the guest's best mean of 5 batches, "
          "in ns per round trip")
    for i in range(pairs):
        for side in ("floor", "libaxv"):
            res[side].append(run(cmd[side], side))
            print(f"run {i + 1} {side:6}: " +
                  " ".join(f"{k} {res[side][-1][k]:.0f}" for k in KINDS), flush=True)
    print("# exit.<kind>_ns: floor, libaxv, ratio libaxv/floor (medians over the runs)")
    for k in KINDS:
        f = statistics.median(r[k] for r in res["floor"])
        lx = statistics.median(r[k] for r in res["libaxv"])
        target = f" (target {TARGET[k]})" if k in TARGET else ""
        print(f"exit.{k}_ns floor {f:.1f} libaxv {lx:.1f} ratio {lx / f:.2f}{target}")
    for k in KINDS:
        print(f"# floor {k}: {FLOOR[k]}")


main()
