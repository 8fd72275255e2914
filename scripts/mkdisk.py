#!/usr/bin/env python3
"""Write a deterministic test disk (SIZE MiB of a xorshift stream) and print its sha256.

usage: mkdisk.py OUT SIZE_MIB
"""
import hashlib
import struct
import sys


def main():
    out, mib = sys.argv[1], int(sys.argv[2])
    x = 0x9E3779B97F4A7C15
    h = hashlib.sha256()
    with open(out, "wb") as f:
        for _ in range(mib * 16):  # 64 KiB blocks
            words = []
            for _ in range(8192):
                x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
                x ^= x >> 7
                x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
                words.append(x)
            block = struct.pack("<8192Q", *words)
            f.write(block)
            h.update(block)
    print(h.hexdigest())


main()
