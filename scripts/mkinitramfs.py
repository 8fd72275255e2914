#!/usr/bin/env python3
"""Write a newc cpio initramfs (Linux Documentation/driver-api/early-userspace/buffer-format)
holding busybox and an /init script, without needing the cpio tool.

usage: mkinitramfs.py BUSYBOX OUT                        marker, nproc, sleep 1, poweroff
       mkinitramfs.py BUSYBOX OUT --virtio SHA256 KO...  load the modules, check /dev/vda's
                                                         sha256, time a sequential read,
                                                         and the same read of a copy in RAM,
                                                         report on /dev/hvc0, poweroff
       mkinitramfs.py BUSYBOX OUT --shell                an interactive busybox shell on the
                                                         console (its controlling tty), for
                                                         a test that types into it
"""
import os
import sys

# Every init starts the same way: busybox's applets, /proc and /sys.
PRELUDE = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Wait until everything written to the console has left the machine: setting the console's
# modes again is a tcsetattr(TCSADRAIN), which returns once the tty's buffer and the UART
# are empty. poweroff -f stops the machine at once, and the kernel's own power-down line,
# written synchronously, once cut the last line short ("LIBAXV-LINUX-SLE[ 2.456569]
# reboot: Power down", the rest never sent).
drain() { stty "$(stty -g)"; }
"""

INIT = PRELUDE + r"""echo "LIBAXV-LINUX-MARKER uname=$(uname -r) nproc=$(nproc)"
sleep 1
echo "LIBAXV-LINUX-SLEPT 1s"
drain
poweroff -f
"""


VIRTIO_INIT = PRELUDE + r"""mount -t devtmpfs devtmpfs /dev
for m in /lib/modules/*.ko; do insmod "$m"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=/dev/console
[ -c /dev/hvc0 ] && out=/dev/hvc0
sum=$(sha256sum /dev/vda | cut -d' ' -f1)
if [ "$sum" = "@SHA256@" ]; then verdict=ok; else verdict="MISMATCH:$sum"; fi
# Sequential read throughput: the whole disk, four times, caches dropped before each pass.
sectors=$(cat /sys/block/vda/size)
t0=$(cut -d' ' -f1 /proc/uptime)
for pass in 1 2 3 4; do
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null
done
t1=$(cut -d' ' -f1 /proc/uptime)
# The ceiling: the same read of the same bytes from RAM, no device at all: a copy of the disk
# in the root file system (the initramfs, which lives in the page cache), read with the same
# dd, sixteen times (a pass takes a few ms, /proc/uptime counts in 10 ms).
dd if=/dev/vda of=/ramdisk.img bs=1M 2>/dev/null
ram=$(wc -c < /ramdisk.img)
t2=$(cut -d' ' -f1 /proc/uptime)
for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/ramdisk.img of=/dev/null bs=1M 2>/dev/null
done
t3=$(cut -d' ' -f1 /proc/uptime)
rm -f /ramdisk.img
echo "LIBAXV-VIRTIO-MARKER sha256=$verdict read_bytes=$((sectors * 512 * 4)) t0=$t0 t1=$t1 ram_bytes=$((ram * 16)) t2=$t2 t3=$t3 console=$out" > $out
echo "LIBAXV-VIRTIO-DONE"
drain
poweroff -f
"""


SHELL_INIT = PRELUDE + r"""mount -t devtmpfs devtmpfs /dev
echo "LIBAXV-SHELL-READY rtc=$(cat /sys/class/rtc/rtc0/name 2>/dev/null || echo none)"
export PS1='libaxv-sh$ '
# A session of its own with the console as its controlling tty (job control, line editing).
exec setsid cttyhack sh
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
    init, modules = INIT, []
    if len(sys.argv) > 3 and sys.argv[3] == "--virtio":
        init = VIRTIO_INIT.replace("@SHA256@", sys.argv[4])
        modules = sys.argv[5:]
    elif len(sys.argv) > 3 and sys.argv[3] == "--shell":
        init = SHELL_INIT
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
    entry(out, ino, "init", 0o100755, init.encode())
    ino += 1
    if modules:
        for d in ("lib", "lib/modules"):
            entry(out, ino, d, 0o040755, nlink=2)
            ino += 1
        for m in modules:
            with open(m, "rb") as f:
                entry(out, ino, "lib/modules/" + os.path.basename(m), 0o100644, f.read())
            ino += 1
    entry(out, ino, "TRAILER!!!", 0)
    out += b"\0" * ((512 - len(out) % 512) % 512)
    with open(dest + ".tmp", "wb") as f:
        f.write(out)
    os.replace(dest + ".tmp", dest)


main()
