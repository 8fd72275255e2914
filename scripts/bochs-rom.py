#!/usr/bin/env python3
"""Pack a multiboot kernel, its modules and its command line into a boot ROM for Bochs.

The ROM is the boot loader of tests/bochs (rom.S, loader.c: the last 64 KiB, with the reset
vector) preceded by the payload and its directory (tests/bochs/rom.h: one 4 KiB page right
below the code). The ROM ends at 4 GiB; its size is the smallest power of two from 128 KiB
to 4 MiB (Bochs's largest system ROM) that holds everything. scripts/bochs.sh runs it.

usage: bochs-rom.py OUT LOADER_BIN RAM_MIB KERNEL CMDLINE [MODULE STRING]...
"""
import struct
import sys

CODE = 0x10000  # the loader: the last 64 KiB
DIR = 0x1000  # the directory page right below it
MAGIC = 0x52565841  # "AXVR"
MAX_MODS = 8


def main(argv):
    if len(argv) < 6 or (len(argv) - 6) % 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    out, loader_path, ram_mib, kernel_path, cmdline = argv[1:6]
    loader = open(loader_path, 'rb').read()
    if len(loader) != CODE:
        sys.exit(f'bochs-rom.py: {loader_path} is {len(loader)} bytes, not {CODE}')
    blobs = [open(kernel_path, 'rb').read(), cmdline.encode() + b'\0']
    mods = argv[6:]
    if len(mods) // 2 > MAX_MODS:
        sys.exit(f'bochs-rom.py: at most {MAX_MODS} modules')
    for i in range(0, len(mods), 2):
        blobs.append(open(mods[i], 'rb').read())
        blobs.append(mods[i + 1].encode() + b'\0')
    payload = sum((len(b) + 15) & ~15 for b in blobs)
    size = 128 << 10
    while size < payload + DIR + CODE:
        size *= 2
    if size > 4 << 20:
        sys.exit('bochs-rom.py: the payload does not fit in a 4 MiB ROM')
    base = (1 << 32) - size
    rom = bytearray(size)
    addrs = []
    off = 0
    for b in blobs:
        rom[off:off + len(b)] = b
        addrs.append((base + off, len(b)))
        off += (len(b) + 15) & ~15
    nmods = len(mods) // 2
    d = struct.pack('<7I', MAGIC, int(ram_mib) << 10, size, addrs[0][0], addrs[0][1],
                    addrs[1][0], nmods)
    for i in range(nmods):
        d += struct.pack('<3I', addrs[2 + 2 * i][0], addrs[2 + 2 * i][1], addrs[3 + 2 * i][0])
    dir_off = size - CODE - DIR
    rom[dir_off:dir_off + len(d)] = d
    rom[size - CODE:] = loader
    open(out, 'wb').write(rom)


if __name__ == '__main__':
    main(sys.argv)
