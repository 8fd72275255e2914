#!/usr/bin/env python3
"""Wall time from QEMU start to the initramfs marker line: Debian's arm64 kernel under the
libaxv example hypervisor (EL1 guest, libaxv at EL2) versus the same kernel and initramfs
run directly by QEMU at EL1, same command line, same machine. Prints each run, the medians
and their ratio.

usage: bench-linux.py HYPERVISOR_ELF GUEST_DTB LINUX_DIR [RUNS] [SMP]
"""
import os
import statistics
import subprocess
import sys
import time

MARK = b"LIBAXV-LINUX-MARKER"
# The command line the guest DTB carries (examples/aarch64-virt/guest-common.dtsi).
CMDLINE = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    marker = None
    for line in p.stdout:
        if marker is None and MARK in line:
            marker = time.monotonic() - t0
    rc = p.wait(timeout=120)
    if marker is None or rc != 0:
        raise SystemExit(f"bench-linux: run failed (status {rc}, marker {marker}): {cmd}")
    return marker


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
    h, dr = [], []
    for i in range(runs):
        h.append(run(hyp_cmd))
        dr.append(run(direct_cmd))
        print(f"run {i + 1}: under libaxv {h[-1]:.2f} s, direct at EL1 {dr[-1]:.2f} s")
    mh, md = statistics.median(h), statistics.median(dr)
    print(f"linux.marker_under_libaxv_s {mh:.2f} s (smp {smp})")
    print(f"linux.marker_direct_el1_s {md:.2f} s (smp {smp})")
    print(f"linux.ratio {mh / md:.2f} (target <= 1.5)")


main()
