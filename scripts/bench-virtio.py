#!/usr/bin/env python3
"""Sequential read throughput of /dev/vda in the same Linux guest (same kernel, initramfs and
disk image), once under the libaxv example hypervisor with libaxv's virtio-blk, once directly
at EL1 on QEMU's own virtio-blk (virtio-mmio transport). The guest reads the whole disk four
times with the page cache dropped before each pass and reports bytes and /proc/uptime stamps.
The ceiling is the same guest's read of the same bytes with no device at all: a copy of the
disk in its root file system (RAM), read with the same dd, in both runs.

usage: bench-virtio.py HYPERVISOR_ELF GUEST_DTB LINUX_DIR [RUNS]
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

MARK = re.compile(rb"LIBAXV-VIRTIO-MARKER sha256=(\S+) read_bytes=(\d+) t0=([\d.]+) t1=([\d.]+) "
                  rb"ram_bytes=(\d+) t2=([\d.]+) t3=([\d.]+)")


def mbps(text):
    """MB/s of the virtio-blk read and of the read from RAM (the ceiling)."""
    m = MARK.search(text)
    if not m or m.group(1) != b"ok":
        raise SystemExit(f"bench-virtio: no verified marker in:\n{text[-2000:].decode(errors='replace')}")
    disk = int(m.group(2)) / max(float(m.group(4)) - float(m.group(3)), 0.01) / 1e6
    ram = int(m.group(5)) / max(float(m.group(7)) - float(m.group(6)), 0.01) / 1e6
    return disk, ram


def main():
    hyp, dtb, d = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    image, initrd, disk = (os.path.join(d, n) for n in ("Image", "initrd-virtio.cpio", "disk.img"))
    # Both machines are scripts/qemu.sh's (-nodefaults, explicit devices).
    qemu_sh = ["bash", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu.sh")]
    hyp_cmd = qemu_sh + ["aarch64-hyp", hyp, image, dtb, "--initrd", initrd, "--disk", disk]
    under, direct, ram_under, ram_direct = [], [], [], []
    for i in range(runs):
        r = subprocess.run(hyp_cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        blk, ram = mbps(r.stdout + r.stderr)
        under.append(blk)
        ram_under.append(ram)
        with tempfile.NamedTemporaryFile() as hvc:
            direct_cmd = qemu_sh + [
                "aarch64-el1", image, "--initrd", initrd, "--append", "console=ttyAMA0 panic=-1",
                "--", "-drive", f"file={disk},if=none,format=raw,id=hd,readonly=on",
                "-device", "virtio-blk-device,drive=hd", "-device", "virtio-serial-device",
                "-chardev", f"file,id=c0,path={hvc.name}", "-device", "virtconsole,chardev=c0"]
            subprocess.run(direct_cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            with open(hvc.name, "rb") as f:
                blk, ram = mbps(f.read())
            direct.append(blk)
            ram_direct.append(ram)
        print(f"run {i + 1}: libaxv virtio-blk {under[-1]:.0f} MB/s, QEMU virtio-blk at EL1 "
              f"{direct[-1]:.0f} MB/s; from RAM (no device): under libaxv {ram_under[-1]:.0f} "
              f"MB/s, at EL1 {ram_direct[-1]:.0f} MB/s")
    mu, md = statistics.median(under), statistics.median(direct)
    ru, rd = statistics.median(ram_under), statistics.median(ram_direct)
    print(f"virtio.seq_read_under_libaxv_mb_s {mu:.0f} MB/s")
    print(f"virtio.seq_read_qemu_el1_mb_s {md:.0f} MB/s")
    print(f"virtio.ratio {mu / md:.2f} (libaxv / QEMU's virtio-blk; target >= 1.0)")
    print("# the ceiling: the same read from a copy of the disk in RAM, no device at all")
    print(f"virtio.ceiling.seq_read_ram_under_libaxv_mb_s {ru:.0f} MB/s")
    print(f"virtio.ceiling.seq_read_ram_el1_mb_s {rd:.0f} MB/s")
    print(f"virtio.ratio_to_ceiling {mu / ru:.2f} (libaxv virtio-blk / RAM under libaxv); "
          f"QEMU's {md / rd:.2f} (at EL1)")


main()
