#!/usr/bin/env python3
# Hand-made seeds for tests/fuzz/fuzz_addrspace.c (the corpus files named edge-*), in its
# input format: for every format, the area count filled to the area array's capacity - 2 ..
# capacity + 1 (the harness asks the space for its capacity) and then areas split in the
# middle of the array (unmap and protect of an area's middle, head, tail, across two areas,
# with injected failures); the same inside reservations with room for 0, 1 or 2 more areas,
# after a failing populate inside the reservation; the second capacity (past 256 areas);
# and device pages at host physical address 0. Usage: addrspace_seeds.py OUTDIR
import struct, os, sys
out = sys.argv[1]
OP_LINEAR, OP_POPULATE, OP_LAZY, OP_UNMAP, OP_PROTECT, OP_FAULT, OP_WRITE, OP_READ, OP_ANYWHERE, OP_FILL, OP_CUT, OP_RESERVE, OP_BAD = range(13)
FMT_COUNT = 7
def rng_few(p=0, n=1):          # pick_range case 0: a few pages
    return bytes([0]) + struct.pack('<H', p) + bytes([n - 1])
def rng_blocks(b=0, two=1):     # case 1: whole 2 MiB blocks
    return bytes([1, b, two])
def op(kind, rng, flags=1, inj=0, extra=b''):
    return bytes([kind]) + rng + bytes([flags, inj]) + extra
def fill(delta, pages=3, gap=1, linear=0, start=0, flags=1):
    shape = (pages - 1) + 3 * gap + 6 * linear
    return op(OP_FILL, rng_few(), flags, 0, bytes([delta + 3, shape]) + struct.pack('<H', start))
def cut(idx, where, unmap, flags=1, inj=0):
    return op(OP_CUT, rng_few(), flags, inj, struct.pack('<H', idx) + bytes([where + 4 * unmap]))
def reserve(frames, more, block=0):
    return op(OP_RESERVE, rng_blocks(block, 1), 1, 0, bytes([(1 if frames else 0) | (more << 1)]))
seeds = {}
n = 0
for fmt in range(FMT_COUNT):
    base0 = fmt % 2           # half at host address 0
    setup = bytes([fmt + FMT_COUNT * base0])
    for delta in (-2, -1, 0, 1):
        # delta areas around capacity, then splits of areas in the middle of the array
        body = fill(delta, pages=3, gap=1, linear=fmt % 2)
        body += cut(40, 0, 1) + cut(41, 0, 0, flags=3) + cut(7, 1, 0) + cut(9, 3, 1)
        body += cut(60, 0, 1, inj=0x81) + cut(61, 0, 0, inj=0xc1)
        seeds['cap-%d-%+d' % (fmt, delta)] = setup + body
    # a reservation with room for 0..2 more areas, then fill to capacity and split inside it
    for more in (0, 1, 2):
        # tables exist in the range before it is reserved: the stock starts below its cap;
        # a populate inside it then fails on its second allocation
        body = op(OP_POPULATE, rng_few(900, 2)) + reserve(frames=more % 2, more=more)
        body += op(OP_POPULATE, rng_few(500, 4), inj=0x82)
        body += fill(-1 + more, pages=3, gap=0)
        body += cut(3, 0, 1) + cut(4, 0, 0, flags=3) + cut(5, 3, 0) + reserve(0, 0)
        seeds['res-%d-%d' % (fmt, more)] = setup + body
    # the second capacity: fill past 128 to 256 with one-page areas, split a 3-page one
    body = fill(1, pages=1, gap=1) + fill(-1, pages=3, gap=0, start=300) + cut(200, 0, 1)
    body += cut(201, 0, 0, flags=3) + cut(202, 3, 1)
    seeds['cap2-%d' % fmt] = setup + body
    # zero is a value: device pages at the window's first page (host address 0 with base 0)
    body = op(OP_LINEAR, rng_few(0, 2), flags=(1 | 0x00), extra=bytes([1]))
    body += op(OP_PROTECT, rng_few(0, 1), flags=4) + op(OP_PROTECT, rng_few(0, 2), flags=7)
    body += op(OP_POPULATE, rng_few(8, 2), flags=4) + op(OP_UNMAP, rng_few(8, 1))
    seeds['zero-%d' % fmt] = bytes([fmt + FMT_COUNT]) + body
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    open(os.path.join(out, 'edge-' + k), 'wb').write(v)
print(len(seeds), 'seeds')
