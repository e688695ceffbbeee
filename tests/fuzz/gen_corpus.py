#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Write the seed corpus of the ptcore fuzz target (tests/fuzz/fuzz_ptcore.c).

Each seed is byte 0 = configuration index (fx_configs[] in tests/lib/fixture.c),
byte 1 = model seed, then 12-byte operation records. The sequences exercise
what the unmap semantics are about (partial unmap of a large leaf, holes,
start inside a leaf, full tables freed through the gather, empty tables
replaced by blocks), map_range and unmap_collect (the *-ranges seeds, half of
them on tables with PTCORE_FEAT_FREE_EMPTY_TABLES) and every invalid-argument
class.

Usage: gen_corpus.py OUTDIR
"""
import os
import sys

MAP, UNMAP, UNMAP_PAGES, LOOKUP, SYNC = 0, 3, 5, 6, 7
MAP_RANGE, UNMAP_COLLECT = 2 | 8, 3 | 8      # bit 3 of op 2 / op 3
CUT = 6 | 8                                  # bit 3 of op 6 (lookup)
BBML2 = 0x40                                 # byte 1, bit 6 (ARM formats)
FREE_EMPTY = 0x80                            # byte 1, bit 7
RW, RO = 0x03, 0x01
N_CONFIGS = 29          # len(fx_configs)
ENTRIES = {12: 512, 14: 2048, 16: 8192}
GRANULE = [12, 12, 12, 12, 14, 14, 16, 16, 16, 12, 12, 12, 14, 14, 16,
           14, 12, 12, 14, 14, 14, 14, 14,
           12, 12, 12, 12, 14,  # RISC-V Sv39/48/57, LPA2 4K and 16K
           12]  # RISC-V Sv39, incoherent


def rec(op, size=0, idx=0, count=1, pa=0, prot=RW, scale=3, mod=0, lenmode=0,
        pamod=0, region=0, paregion=0):
    return bytes([op, size, (scale & 3) | (mod << 2), (idx >> 8) & 255,
                  idx & 255, count, (pa >> 8) & 255, pa & 255, prot,
                  (lenmode & 15) | (pamod << 4), region, paregion])


# IOVA regions (in leaf-table spans) of the sequences, apart from each other
R_REPLACE, R_FULL = 16, 32


def basic():
    """Pages, blocks, partial unmap of a large leaf, holes, lookups."""
    return [
        rec(MAP, 0, idx=0, count=16, pa=32),
        rec(MAP, 1, idx=1, count=2, pa=4),
        rec(LOOKUP, 0, idx=1, scale=3),
        rec(UNMAP, 1, idx=1, lenmode=10),           # first granule of a block
        rec(LOOKUP, 0, idx=3),
        rec(UNMAP, 0, idx=3, count=4),
        rec(UNMAP, 0, idx=2, count=4),              # hole after one page
        rec(UNMAP, 0, idx=9, count=1, mod=50),      # starts inside a leaf? unaligned
        rec(SYNC),
        rec(MAP, 0, idx=0, count=8, pa=64),         # overlaps: -EADDRINUSE part way
        rec(UNMAP, 0, idx=0, count=64, lenmode=15),
        rec(SYNC),
        rec(MAP, 9, idx=1, count=1, pa=1, prot=0x05),   # largest size (wraps to another)
        rec(UNMAP_PAGES, 9, idx=1, count=1),
        rec(MAP, 2, idx=2, count=3, pa=6, prot=0x0b),
        rec(UNMAP, 2, idx=2, count=1, lenmode=12),  # ends inside the next leaf
        rec(SYNC),
    ]


def replace(g):
    """Fill part of a leaf table, empty it page by page, map a block over it."""
    r = R_REPLACE
    ops = [rec(MAP, 0, idx=0, count=16, pa=100, scale=0, region=r)]
    ops += [rec(UNMAP, 0, idx=i, count=1, scale=0, region=r) for i in range(16)]
    ops += [rec(SYNC), rec(MAP, 1, idx=0, count=1, pa=2, scale=2, region=r, paregion=8),
            rec(LOOKUP, 0, idx=5, scale=0, region=r), rec(SYNC)]
    return ops


def full_table(g):
    """A whole leaf table mapped, then removed by one unmap: freed via the gather."""
    n, ops, done, r = ENTRIES[g], [], 0, R_FULL
    while done < n:
        c = min(240, n - done)
        ops.append(rec(MAP, 0, idx=done, count=c, pa=done, scale=0, region=r, paregion=64))
        done += c
    ops += [rec(UNMAP, 0, idx=0, count=1, scale=0, lenmode=9, region=r), rec(SYNC),
            rec(MAP, 0, idx=n, count=4, scale=0, prot=0x13, region=r),
            rec(UNMAP, 0, idx=1, count=2, scale=2, lenmode=9, region=r), rec(SYNC)]
    return ops


def invalid():
    """Every invalid-argument class of map, unmap, unmap_pages and iova_to_phys."""
    return [
        rec(MAP, 232, idx=1, count=1),              # size 0
        rec(MAP, 233, idx=1, count=1),              # not a power of two
        rec(MAP, 234, idx=1, count=1),              # not in the bitmap
        rec(MAP, 0, idx=1, count=0),                # count 0
        rec(MAP, 0, idx=1, count=1, mod=48),        # unaligned IOVA
        rec(MAP, 0, idx=1, count=1, pamod=12),      # unaligned PA
        rec(MAP, 0, idx=1, count=1, prot=0x80 | 0x04),  # neither READ nor WRITE
        rec(MAP, 0, idx=1, count=0xf8),             # count * size overflows
        rec(MAP, 0, idx=1, count=1, mod=56),        # IOVA wraps
        rec(MAP, 0, idx=1, count=1, mod=54),        # beyond ias
        rec(MAP, 0, idx=1, count=1, pamod=14),      # beyond oas
        rec(MAP, 0, idx=3, count=4, mod=58),        # the last pages below 2^ias
        rec(MAP, 0, idx=3, count=4, pamod=15, pa=7),  # the last pages below 2^oas
        rec(UNMAP, 0, idx=1, count=0),              # len 0
        rec(UNMAP, 0, idx=1, lenmode=13),           # wraps
        rec(UNMAP, 0, idx=1, lenmode=14),           # beyond ias
        rec(UNMAP, 0, idx=3, count=4, mod=58),
        rec(UNMAP_PAGES, 0, idx=1, lenmode=0x10),   # pgsize * pgcount overflows
        rec(UNMAP_PAGES, 232, idx=1, count=3),      # pgsize 0
        rec(LOOKUP, 0, idx=1, mod=54),              # beyond ias
        rec(LOOKUP, 0, idx=1),                      # unmapped
        rec(SYNC),
    ]


R_MIX, R_RUNS, R_OVER = 48, 56, 64


def ranges(g):
    """map_range's mix of sizes, unmap_collect's runs, holes, overlap, errors."""
    e = ENTRIES[g]
    return [
        # A granule below a leaf table's span, then blocks, then granules.
        rec(MAP_RANGE, 0, idx=e - 1, count=3, pa=e - 1 + 4 * e, scale=0, lenmode=9,
            region=R_MIX),
        rec(LOOKUP, 0, idx=e, scale=0, region=R_MIX),
        rec(UNMAP_COLLECT, 0, idx=e - 1, count=3, scale=0, lenmode=9, region=R_MIX),
        rec(SYNC),
        # Two physical runs side by side in IOVA, then a hole.
        rec(MAP, 0, idx=0, count=8, pa=100, scale=0, region=R_RUNS),
        rec(MAP_RANGE, 0, idx=8, count=8, pa=300, scale=0, region=R_RUNS),
        rec(UNMAP_COLLECT, 0, idx=0, count=16, scale=0, region=R_RUNS),
        rec(UNMAP_COLLECT, 0, idx=0, count=4, scale=0, region=R_RUNS),
        rec(SYNC),
        # Overlap part way; a block ended inside.
        rec(MAP, 0, idx=5, count=1, pa=9, scale=0, region=R_OVER),
        rec(MAP_RANGE, 0, idx=0, count=16, pa=16, scale=0, region=R_OVER),
        rec(MAP_RANGE, 1, idx=1, count=2, pa=2, region=R_OVER, paregion=2),
        rec(UNMAP_COLLECT, 0, idx=0, count=6, scale=0, region=R_OVER),
        rec(UNMAP_COLLECT, 1, idx=1, lenmode=10, region=R_OVER),
        rec(SYNC),
        # map_range's invalid arguments.
        rec(MAP_RANGE, 0, idx=1, count=0),              # len 0
        rec(MAP_RANGE, 0, idx=1, count=1, mod=48),      # unaligned IOVA
        rec(MAP_RANGE, 0, idx=1, count=1, pamod=12),    # unaligned PA
        rec(MAP_RANGE, 0, idx=1, count=1, lenmode=11),  # len 1
        rec(MAP_RANGE, 0, idx=1, count=1, prot=0x80 | 0x04),  # neither READ nor WRITE
        rec(MAP_RANGE, 0, idx=1, count=1, mod=56),      # IOVA wraps
        rec(MAP_RANGE, 0, idx=1, count=1, mod=54),      # beyond ias
        rec(MAP_RANGE, 0, idx=1, count=1, pamod=14),    # beyond oas
        rec(UNMAP_COLLECT, 0, idx=1, count=0),          # len 0
        rec(UNMAP_COLLECT, 0, idx=1, lenmode=13),       # wraps
        rec(UNMAP_COLLECT, 0, idx=1, lenmode=14),       # beyond ias
        rec(SYNC),
    ]


def cuts(g):
    """cut inside blocks, then unmaps between the cut points; cut's errors."""
    e = ENTRIES[g]
    return [
        # A granule, then blocks, then granules (as in ranges()).
        rec(MAP_RANGE, 0, idx=e - 1, count=3, pa=e - 1 + 4 * e, scale=0, lenmode=9,
            region=R_MIX),
        rec(LOOKUP, 0, idx=e + 1, scale=0, region=R_MIX),
        rec(CUT, 0, idx=e + 1, scale=0, region=R_MIX),      # inside the first block
        rec(CUT, 0, idx=e + 2, scale=0, region=R_MIX),      # a boundary now
        rec(UNMAP, 0, idx=e + 1, scale=0, lenmode=10, region=R_MIX),
        rec(CUT, 0, idx=2 * e + 7, scale=0, region=R_MIX),  # inside the second block
        rec(CUT, 0, idx=e - 1, scale=0, region=R_MIX),      # the first byte of a leaf
        rec(CUT, 0, idx=5 * e, scale=0, region=R_MIX),      # nothing mapped
        rec(SYNC),
        rec(UNMAP, 0, idx=2 * e + 7, scale=0, lenmode=10, region=R_MIX),
        rec(UNMAP_COLLECT, 0, idx=2 * e + 8, count=8, scale=0, lenmode=15,
            region=R_MIX),
        rec(SYNC),
        # cut's invalid arguments.
        rec(CUT, 0, idx=1, mod=48),                     # unaligned
        rec(CUT, 0, idx=1, mod=52),                     # half a granule
        rec(CUT, 0, idx=1, mod=54),                     # beyond ias
        rec(SYNC),
    ]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for c in range(N_CONFIGS):
        g = GRANULE[c]
        seq = basic() + replace(g) + full_table(g)
        with open(os.path.join(out, 'seed-%02d-semantics' % c), 'wb') as f:
            f.write(bytes([c, c]) + b''.join(seq[:96]))
    for c in range(N_CONFIGS):
        g = GRANULE[c]
        with open(os.path.join(out, 'seed-%02d-ranges' % c), 'wb') as f:
            f.write(bytes([c, c | (FREE_EMPTY if c % 2 == 0 else 0)]) +
                    b''.join(ranges(g)))
    for c in range(N_CONFIGS):
        g = GRANULE[c]
        with open(os.path.join(out, 'seed-%02d-cuts' % c), 'wb') as f:
            f.write(bytes([c, c | (BBML2 if c % 2 else 0)]) + b''.join(cuts(g)))
    for c in range(0, N_CONFIGS, 2):
        with open(os.path.join(out, 'seed-%02d-invalid' % c), 'wb') as f:
            f.write(bytes([c, 7]) + b''.join(invalid()))


if __name__ == '__main__':
    main()
