#!/usr/bin/env python3
"""Write the seed corpus of the virtio fuzz harness (tests/fuzz/corpus/virtio/)."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', 'corpus', 'virtio')
os.makedirs(out, exist_ok=True)
VERSION_1, INDIRECT, EVENT_IDX = 1 << 32, 1 << 28, 1 << 29


def setup(dev, feats, q, num, d, a, u, ok=True):
    return bytes([4 | dev]) + struct.pack('<QBHHHH', feats, q | (0x80 if ok else 0), num, d, a, u)


def desc(dev, toff, idx, sel, aoff, ln, flags, nxt):
    return bytes([3 | dev]) + struct.pack('<HHBIIHH', toff, idx, sel, aoff, ln, flags, nxt)


def mem(off, data):
    return bytes([2]) + struct.pack('<HB', off, len(data)) + data


def kick(dev, q, head):
    return bytes([5 | dev]) + struct.pack('<BH', q, head)


def blk_hdr(t, sector):
    return struct.pack('<IIQ', t, 0, sector)


seeds = {}
# blk: read sector 1 through a 3-descriptor chain.
s = setup(0, VERSION_1, 0, 8, 0x0000, 0x1000, 0x2000)
s += mem(0x8000, blk_hdr(0, 1))
s += desc(0, 0, 0, 0, 0x8000, 16, 1, 1) + desc(0, 0, 1, 0, 0x9000, 512, 3, 2)
s += desc(0, 0, 2, 0, 0x8100, 1, 2, 0) + kick(0, 0, 0)
seeds['blk-read'] = bytes([0]) + s
# blk: write then GET_ID, EVENT_IDX and INDIRECT negotiated.
s = setup(0, VERSION_1 | INDIRECT | EVENT_IDX, 0, 16, 0x0000, 0x1000, 0x2000)
s += mem(0x8000, blk_hdr(1, 2)) + mem(0x9000, b'\x55' * 200)
s += desc(0, 0x4000, 0, 0, 0x8000, 16, 1, 1) + desc(0, 0x4000, 1, 0, 0x9000, 512, 1, 2)
s += desc(0, 0x4000, 2, 0, 0x8100, 1, 2, 0)
s += desc(0, 0, 5, 0, 0x4000, 48, 4, 0) + kick(0, 0, 5)
s += mem(0x8200, blk_hdr(8, 0))
s += desc(0, 0, 6, 0, 0x8200, 16, 1, 7) + desc(0, 0, 7, 0, 0x9400, 21, 2, 0) + kick(0, 0, 6)
seeds['blk-indirect-write-getid'] = bytes([0]) + s
# blk: a looping chain and a buffer in a hole.
s = setup(0, VERSION_1, 0, 4, 0x0000, 0x1000, 0x2000)
s += desc(0, 0, 0, 0, 0x8000, 16, 1, 1) + desc(0, 0, 1, 0, 0x8000, 16, 1, 0) + kick(0, 0, 0)
s += setup(0, VERSION_1, 0, 4, 0x0000, 0x1000, 0x2000)
s += desc(0, 0, 0, 5, 0x10, 16, 0, 0) + kick(0, 0, 0)
seeds['blk-bad-chains'] = bytes([1]) + s
# console: output, then input into two receive buffers.
C = 0x80
s = setup(C, VERSION_1, 0, 4, 0x3000, 0x4000, 0x5000, ok=False)
s += setup(C, VERSION_1, 1 | 0x40, 4, 0x6000, 0x7000, 0x8000)
s += mem(0xa000, b'hello, world\n')
s += desc(C, 0x6000, 0, 0, 0xa000, 13, 0, 0) + kick(C, 1, 0)
s += desc(C, 0x3000, 0, 0, 0xb000, 4, 2, 0) + desc(C, 0x3000, 1, 0, 0xb004, 4, 2, 0)
s += kick(C, 0, 0) + kick(C, 0, 1)
s += bytes([6, 6]) + b'abcdef'
seeds['console-io'] = bytes([0]) + s
# request lifetimes: a blk request popped and kept (command 7), then the device reset and
# set up again (or the queue disabled and enabled) before it is pushed (command 8).
def pop(dev, q):
    return bytes([7 | dev]) + struct.pack('<B', q)


def use(dev, kind, off, ln, written):
    return bytes([8 | dev]) + struct.pack('<BHBI', kind, off, ln, written)


s = setup(0, VERSION_1, 0, 8, 0x0000, 0x1000, 0x2000, ok=True)
s += mem(0x8000, blk_hdr(0, 1))
s += desc(0, 0, 0, 0, 0x8000, 16, 1, 1) + desc(0, 0, 1, 0, 0x9000, 512, 3, 2)
s += desc(0, 0, 2, 0, 0x8100, 1, 2, 0)
s += mem(0x1002, struct.pack('<H', 1)) + mem(0x1004, struct.pack('<H', 0))
s += pop(0, 0) + use(0, 0, 0, 16, 0)
s += setup(0, VERSION_1, 0, 8, 0x0000, 0x1000, 0x2000, ok=True)
s += use(0, 1, 0, 4, 0) + use(0, 0, 0, 4, 0) + use(0, 2, 0, 0, 513)
# the same with QueueReady 0 and 1, and a fresh request pushed for real
s += mem(0x1002, struct.pack('<H', 2)) + mem(0x1006, struct.pack('<H', 0))
s += pop(0, 0) + use(0, 1, 0, 1, 0) + use(0, 2, 0, 0, 1)
s += mem(0x1002, struct.pack('<H', 3)) + mem(0x1008, struct.pack('<H', 0))
s += pop(0, 0)
s += bytes([0]) + struct.pack('<HBQ', 0x44, 2, 0) + bytes([0]) + struct.pack('<HBQ', 0x44, 2, 1)
s += use(0, 1, 0, 4, 0) + use(0, 2, 0, 0, 1)
seeds['blk-stale-requests'] = bytes([0]) + s
# register sweep: reads and writes of every register at every width.
s = b''
for off in range(0, 0x200, 4):
    for w in range(4):
        s += bytes([1]) + struct.pack('<HB', off, w)
for off in (0x14, 0x24, 0x30, 0x38, 0x44, 0x64, 0x70, 0x80, 0xac, 0xc0, 0x100):
    s += bytes([0]) + struct.pack('<HBQ', off, 2, 1)
seeds['registers'] = bytes([0]) + s
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
