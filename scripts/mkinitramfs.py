#!/usr/bin/env python3
"""Write a newc cpio initramfs (Linux Documentation/driver-api/early-userspace/buffer-format)
holding busybox and an /init script, without needing the cpio tool.

usage: mkinitramfs.py BUSYBOX OUT
"""
import os
import sys

INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "LIBAXV-LINUX-MARKER uname=$(uname -r) nproc=$(nproc)"
sleep 1
echo "LIBAXV-LINUX-SLEPT 1s"
poweroff -f
"""


def entry(out, ino, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(
        f"{v:08x}"
        for v in (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0)
    )
    out += hdr.encode() + name_b
    out += b"\0" * ((4 - len(out) % 4) % 4)
    out += data
    out += b"\0" * ((4 - len(out) % 4) % 4)


def main():
    busybox, dest = sys.argv[1], sys.argv[2]
    with open(busybox, "rb") as f:
        bb = f.read()
    out = bytearray()
    ino = 1
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        entry(out, ino, d, 0o040755, nlink=2)
        ino += 1
    entry(out, ino, "dev/console", 0o020600, rdev=(5, 1))  # the kernel opens it for init
    ino += 1
    entry(out, ino, "bin/busybox", 0o100755, bb)
    ino += 1
    entry(out, ino, "init", 0o100755, INIT.encode())
    ino += 1
    entry(out, ino, "TRAILER!!!", 0)
    out += b"\0" * ((512 - len(out) % 512) % 512)
    with open(dest + ".tmp", "wb") as f:
        f.write(out)
    os.replace(dest + ".tmp", dest)


main()
