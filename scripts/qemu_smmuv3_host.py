#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The host's side of make qemu-smmuv3 (scripts/qemu_smmuv3.sh).

  initramfs INIT OUT     an uncompressed newc cpio: /init, /dev/console,
                         /proc, /sys, /dev; fixed owners and times
  disk OUT               vda's image: 8 MiB of deterministic bytes
  blank OUT              vdb's image: 8 MiB of zeros
  check LOG MODE VDA VDB check one boot's console log against the images
  kunit LOG              check the KTAP of a KUnit boot

The disk's bytes and vdb's pattern are the 64-bit LCG of kernel/qemu/init.c;
the checksum is FNV-1a 64, as there.
"""
import re
import sys

DISK_BYTES = 8 << 20
WRITE_BYTES = 4 << 20
SEED_DISK = 0x6469736b2d766461
SEED_WRITE = 0x70746F7265736D6D
M64 = (1 << 64) - 1
# fnv1a64(lcg_bytes(SEED_WRITE, WRITE_BYTES)), checked by "selftest"
PATTERN_FNV = 0x8ba71402fbbcd737


def lcg_bytes(seed, n):
    out = bytearray(n)
    x = seed
    mul, inc = 6364136223846793005, 1442695040888963407
    for i in range(0, n, 8):
        x = (x * mul + inc) & M64
        out[i:i + 8] = x.to_bytes(8, "little")
    return bytes(out)


def fnv1a64(data):
    # FNV-1a over bytes, 64-bit; chunked through int ops for speed
    h = 0xcbf29ce484222325
    prime = 0x100000001b3
    for b in data:
        h = ((h ^ b) * prime) & M64
    return h


def file_fnv(path):
    """FNV-1a 64 of a whole file, remembered next to it while it is unchanged."""
    import os
    st = os.stat(path)
    key = "%d %d" % (st.st_size, st.st_mtime_ns)
    memo = path + ".fnv1a64"
    try:
        with open(memo) as f:
            k, v = f.read().rsplit(" ", 1)
            if k == key:
                return int(v, 16)
    except (OSError, ValueError):
        pass
    with open(path, "rb") as f:
        h = fnv1a64(f.read())
    with open(memo, "w") as f:
        f.write("%s %016x" % (key, h))
    return h


def cpio(init, out):
    entries = []

    def add(name, mode, data=b"", rdev=(0, 0), nlink=1):
        entries.append((name, mode, data, rdev, nlink))

    add(".", 0o040755, nlink=2)
    for d in ("dev", "proc", "sys"):
        add(d, 0o040755, nlink=2)
    add("dev/console", 0o020600, rdev=(5, 1))
    with open(init, "rb") as f:
        add("init", 0o100755, f.read())
    buf = bytearray()
    ino = 1
    for name, mode, data, (rmaj, rmin), nlink in entries + [("TRAILER!!!", 0, b"", (0, 0), 1)]:
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino if name != "TRAILER!!!" else 0, mode, 0, 0, nlink, 0, len(data),
            0, 0, rmaj, rmin, len(nm), 0))
        buf += hdr.encode() + nm
        buf += b"\0" * (-len(buf) % 4)
        buf += data
        buf += b"\0" * (-len(buf) % 4)
        ino += 1
    buf += b"\0" * (-len(buf) % 512)
    with open(out, "wb") as f:
        f.write(buf)


def write_if_changed(path, data):
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    with open(path, "wb") as f:
        f.write(data)


STATS = re.compile(r"domain (\d+) (\S+) (live|freed): tables created (\d+) freed (\d+), "
                   r"maps (\d+) \((\d+) bytes\), unmaps (\d+) \((\d+) bytes\), "
                   r"walk flushes (\d+), leaf flushes (\d+), faults injected (\d+)")


def check(log, mode, vda, vdb):
    with open(log, errors="replace") as f:
        text = f.read()
    ok = True

    def verdict(good, what):
        nonlocal ok
        print(("ok      " if good else "NOT OK  ") + what)
        ok = ok and good

    want_type = {"strict": "DMA", "lazy": "DMA-FQ"}[mode]
    verdict("INIT done" in text, "init ran to the end")
    for disk in ("vda", "vdb"):
        m = re.search(r"DISK %s pci=(\S+) group=(\S+) type=(\S+)" % disk, text)
        verdict(bool(m) and m.group(3) == want_type and m.group(2) != "none",
                "%s in a translated IOMMU group: %s" % (
                    disk, m.group(0) if m else "no DISK line"))
    host = file_fnv(vda)
    m = re.search(r"CHECKSUM vda bytes=(\d+) fnv1a64=([0-9a-f]+)", text)
    verdict(bool(m) and int(m.group(1)) == DISK_BYTES and int(m.group(2), 16) == host,
            "vda read through the SMMU: guest %s, host %016x" % (
                m.group(2) if m else "none", host))
    pattern = PATTERN_FNV
    with open(vdb, "rb") as f:
        img = fnv1a64(f.read(WRITE_BYTES))
    m = re.search(r"WRITE vdb bytes=(\d+) fnv1a64=([0-9a-f]+) readback=(\S+)", text)
    verdict(bool(m) and m.group(3) == "ok" and int(m.group(2), 16) == pattern and img == pattern,
            "vdb write/read-back: guest %s (%s), host pattern %016x, image after the run %016x" % (
                m.group(2) if m else "none", m.group(3) if m else "-", pattern, img))
    served = re.findall(r"ptcore-io-pgtable: domain \d+: ptcore serves (\w+)", text)
    verdict("ARM_64_LPAE_S1" in served, "ptcore serves the domains: %s" % (", ".join(served) or "none"))
    # the counters read before the fault test: the busiest domain
    before = text.split("FAULT armed")[0]
    ptl = [STATS.search(l) for l in before.splitlines() if "PTCORE domain" in l]
    ptl = [m for m in ptl if m]
    best = max(ptl, key=lambda m: int(m.group(6)), default=None)
    if best:
        c = [int(x) for x in best.groups()[3:]]
        tc, tf, maps, mb, unmaps, ub, walk, leaf, _ = c
        print("        counters: " + best.group(0))
        verdict(tc > 0 and maps > 0 and unmaps > 0 and mb > 0 and ub > 0,
                "non-zero counters (tables, maps, unmaps)")
        if mode == "strict":
            verdict(leaf > 0, "strict: unmapped leaves went to the iommu gather (%d)" % leaf)
        else:
            verdict(leaf == 0, "lazy: no per-leaf invalidation on a queued gather (%d)" % leaf)
    else:
        verdict(False, "no PTCORE counter lines")
    inj = re.search(r"fault injection: IOVA (0x[0-9a-f]+) \((\d+) bytes\)", text)
    evt = re.search(r"arm-smmu-v3 \S+: event 0x10 received:((?:\n.*arm-smmu-v3 \S+:\s+0x[0-9a-f]+)*)",
                    text)
    detail = ""
    if evt:
        words = re.findall(r":\s+(0x[0-9a-f]{16})", evt.group(1))
        detail = " ".join(words)
        # the faulting input address is in the third and fourth words
        # (EVT F_TRANSLATION: dword 2 = InputAddr)
        if inj and len(words) >= 3:
            detail += "; injected %s, event address %s" % (inj.group(1), words[2])
    inside = False
    if inj and evt and len(words) >= 3:
        a, lo, n = int(words[2], 16), int(inj.group(1), 16), int(inj.group(2))
        inside = lo <= a < lo + n
    verdict(inside,
            "SMMU translation fault (event 0x10) for the IOVA left unmapped: %s" % (
                detail or ("injected" if inj else "not injected") + ", no event"))
    bad = re.findall(r"^.*(?:WARNING:|BUG:|Oops|Kernel panic|refused:).*$", text, re.M)
    verdict(not bad, "no kernel warnings" + ("" if not bad else ": " + "; ".join(bad[:3])))
    return ok


def kunit(log, trace=None):
    with open(log, errors="replace") as f:
        lines = [re.sub(r"^\[[^\]]*\] ", "", l.rstrip("\n")) for l in f]
    # KTAP: suites at column 0, their cases at 4, parameters at 8
    suites = [re.match(r"(ok|not ok) \d+ (\S+)", l) for l in lines]
    suites = [m for m in suites if m]
    cases = [re.match(r" {4}(ok|not ok) \d+ (\S+)(.*)", l) for l in lines]
    cases = [m for m in cases if m]
    params = sum(1 for l in lines if re.match(r" {8}(ok|not ok) \d+ ", l))
    ok = bool(suites)
    for m in suites:
        print("%-6s %s" % (m.group(1), m.group(2)))
    bad = [m.group(2) for m in suites + cases if m.group(1) == "not ok"]
    if bad:
        print("not ok: " + " ".join(bad[:20]))
        ok = False
    skipped = sum(1 for c in cases if "# SKIP" in c.group(3))
    warn = [l for l in lines if re.search(r"WARNING:|BUG:|Oops|Kernel panic", l)]
    if warn:
        print("kernel reported: " + "; ".join(warn[:3]))
        ok = False
    if trace:
        with open(trace, errors="replace") as f:
            tl = [l.strip() for l in f if "smmuv3_s1_range_inval" in l]
        live = [l for l in tl if re.search(r"addr=0x10000000000\b", l)]
        walk = [l for l in live if "leaf=0" in l and "num_pages=0x200 " in l]
        print("QEMU: %d range invalidations, at the live-domain IOVA: %s" % (
            len(tl), "; ".join(live[:3]) or "none"))
        if not walk:
            print("no non-leaf invalidation of the 2 MiB at 1 TiB reached the SMMU model")
            ok = False
    print("KUnit in arm64: %d suites, %d cases (%d not ok, %d skipped), %d parameter runs" % (
        len(suites), len(cases), len(bad), skipped, params))
    return ok


def main():
    cmd = sys.argv[1]
    if cmd == "initramfs":
        cpio(sys.argv[2], sys.argv[3])
    elif cmd == "disk":
        write_if_changed(sys.argv[2], lcg_bytes(SEED_DISK, DISK_BYTES))
    elif cmd == "blank":
        with open(sys.argv[2], "wb") as f:
            f.truncate(DISK_BYTES)
    elif cmd == "selftest":
        print("%016x" % fnv1a64(lcg_bytes(SEED_WRITE, WRITE_BYTES)))
    elif cmd == "check":
        sys.exit(0 if check(*sys.argv[2:6]) else 1)
    elif cmd == "kunit":
        sys.exit(0 if kunit(*sys.argv[2:4]) else 1)
    else:
        sys.exit("qemu_smmuv3_host.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
