#!/usr/bin/env python3
"""Wall time from QEMU start to the initramfs marker line: Debian's arm64 kernel under the
libaxv example hypervisor (EL1 guest, libaxv at EL2) versus the same kernel and initramfs
run directly by QEMU at EL1, same command line, same machine. Prints each run, the medians
and their ratio, and the exits of a boot under libaxv as the example counts them at
power-off (by reason, by kind, by vcpu; of the run with the median total).

usage: bench-linux.py HYPERVISOR_ELF GUEST_DTB LINUX_DIR [RUNS] [SMP]
"""
import os
import re
import statistics
import subprocess
import sys
import time

MARK = b"LIBAXV-LINUX-MARKER"
# The example's report at power-off (examples/aarch64-virt/main.c, report_and_poweroff()).
EXITS = re.compile(r"guest powered off after (\d+) exits \((.*)\)")
KINDS = re.compile(r"exits by kind:(.*)")
VCPUS = re.compile(r"exits by vcpu:(.*)")
# The command line the guest DTB carries (examples/aarch64-virt/guest-common.dtsi).
CMDLINE = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"


def run(cmd):
    """Seconds to the marker, and the exit counts the example printed (empty at EL1)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    marker, counts = None, {}
    for line in p.stdout:
        if marker is None and MARK in line:
            marker = time.monotonic() - t0
        text = line.decode(errors="replace").strip()
        if m := EXITS.search(text):
            counts["total"] = {"exits": int(m.group(1))}
            counts["reason"] = {k: int(n) for n, k in
                                (item.split(" ", 1) for item in m.group(2).split(", "))}
        for name, pat in (("kind", KINDS), ("vcpu", VCPUS)):
            if m := pat.search(text):
                counts[name] = {k: int(n) for k, n in
                                (item.split("=") for item in m.group(1).split())}
    rc = p.wait(timeout=120)
    if marker is None or rc != 0:
        raise SystemExit(f"bench-linux: run failed (status {rc}, marker {marker}): {cmd}")
    return marker, counts


def print_counts(runs, smp):
    """The counts of the run with the median total (so that they add up); kinds that never
    occurred are left out."""
    if not runs or any(set(r) != {"total", "reason", "kind", "vcpu"} for r in runs):
        print("linux.exits: the example printed no exit counts")
        return
    med = sorted(runs, key=lambda r: r["total"]["exits"])[len(runs) // 2]
    print(f"# exits of a boot under libaxv (smp {smp}; of {len(runs)} runs, the one with the "
          "median total), as the example counts them at power-off")
    print(f"linux.exits_total {med['total']['exits']}")
    for g in ("reason", "kind", "vcpu"):
        items = sorted(((k, n) for k, n in med[g].items() if n or g != "kind"),
                       key=lambda kn: -kn[1] if g != "vcpu" else 0)
        print(f"linux.exits_by_{g} " + " ".join(f"{k.replace(' ', '-')}={n}" for k, n in items))


def main():
    hyp, dtb, d = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    smp = sys.argv[5] if len(sys.argv) > 5 else "1"
    image, initrd = os.path.join(d, "Image"), os.path.join(d, "initrd.cpio")
    # Both machines are scripts/qemu.sh's (-nodefaults, explicit devices).
    qemu_sh = ["bash", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu.sh")]
    hyp_cmd = qemu_sh + ["aarch64-hyp", hyp, image, dtb, "--smp", smp, "--initrd", initrd]
    direct_cmd = qemu_sh + ["aarch64-el1", image, "--smp", smp, "--initrd", initrd,
                            "--append", CMDLINE]
    run(hyp_cmd)  # warm-up: page cache, QEMU's own start-up
    h, dr, counts = [], [], []
    for i in range(runs):
        t, c = run(hyp_cmd)
        h.append(t)
        counts.append(c)
        dr.append(run(direct_cmd)[0])
        print(f"run {i + 1}: under libaxv {h[-1]:.2f} s, direct at EL1 {dr[-1]:.2f} s")
    mh, md = statistics.median(h), statistics.median(dr)
    print(f"linux.marker_under_libaxv_s {mh:.2f} s (smp {smp})")
    print(f"linux.marker_direct_el1_s {md:.2f} s (smp {smp})")
    print(f"linux.ratio {mh / md:.2f} (target <= 1.08, issue 17)")
    print_counts(counts, smp)


main()
