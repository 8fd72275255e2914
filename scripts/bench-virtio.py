#!/usr/bin/env python3
"""Sequential read throughput of /dev/vda in the same Linux guest (same kernel, initramfs and
disk image), once under the libaxv example hypervisor with libaxv's virtio-blk, once directly
at EL1 on QEMU's own virtio-blk (virtio-mmio transport). The guest reads the whole disk four
times with the page cache dropped before each pass and reports bytes and /proc/uptime stamps.

usage: bench-virtio.py HYPERVISOR_ELF GUEST_DTB LINUX_DIR [RUNS]
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

MARK = re.compile(rb"LIBAXV-VIRTIO-MARKER sha256=(\S+) read_bytes=(\d+) t0=([\d.]+) t1=([\d.]+)")


def mbps(text):
    m = MARK.search(text)
    if not m or m.group(1) != b"ok":
        raise SystemExit(f"bench-virtio: no verified marker in:\n{text[-2000:].decode(errors='replace')}")
    secs = float(m.group(4)) - float(m.group(3))
    return int(m.group(2)) / max(secs, 0.01) / 1e6


def main():
    hyp, dtb, d = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    image, initrd, disk = (os.path.join(d, n) for n in ("Image", "initrd-virtio.cpio", "disk.img"))
    # Both machines are scripts/qemu.sh's (-nodefaults, explicit devices).
    qemu_sh = ["bash", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu.sh")]
    hyp_cmd = qemu_sh + ["aarch64-hyp", hyp, image, dtb, "--initrd", initrd, "--disk", disk]
    under, direct = [], []
    for i in range(runs):
        r = subprocess.run(hyp_cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        under.append(mbps(r.stdout + r.stderr))
        with tempfile.NamedTemporaryFile() as hvc:
            direct_cmd = qemu_sh + [
                "aarch64-el1", image, "--initrd", initrd, "--append", "console=ttyAMA0 panic=-1",
                "--", "-drive", f"file={disk},if=none,format=raw,id=hd,readonly=on",
                "-device", "virtio-blk-device,drive=hd", "-device", "virtio-serial-device",
                "-chardev", f"file,id=c0,path={hvc.name}", "-device", "virtconsole,chardev=c0"]
            subprocess.run(direct_cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            direct.append(mbps(open(hvc.name, "rb").read()))
        print(f"run {i + 1}: libaxv virtio-blk {under[-1]:.0f} MB/s, QEMU virtio-blk at EL1 {direct[-1]:.0f} MB/s")
    mu, md = statistics.median(under), statistics.median(direct)
    print(f"virtio.seq_read_under_libaxv_mb_s {mu:.0f} MB/s")
    print(f"virtio.seq_read_qemu_el1_mb_s {md:.0f} MB/s")
    print(f"virtio.ratio {mu / md:.2f}")


main()
