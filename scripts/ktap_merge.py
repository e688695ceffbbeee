#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Merge KTAP v1 streams into one, for the kernel's `kunit.py parse`.

Each input is a complete KTAP stream (`KTAP version 1`, a plan `1..N`, then N
top-level results, each usually preceded by an indented suite block). The
output has one header and one plan covering every suite, and renumbers the
top-level `ok N` / `not ok N` lines; everything else (suite blocks,
diagnostics) is copied unchanged.

A stream whose plan does not match its top-level results (a crashed run), or
that has no KTAP header, is an error: the merge fails rather than hide it.

Usage: ktap_merge.py [-o OUT] STREAM.ktap...
"""

import argparse
import re
import sys

HEADER = re.compile(r"^K?TAP version \d+\s*$")
PLAN = re.compile(r"^1\.\.(\d+)\s*$")
RESULT = re.compile(r"^(ok|not ok) (\d+)\b(.*)$")


def body(path):
    """Return (plan, lines after the header and plan) of one stream."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if HEADER.match(line))
    except StopIteration:
        raise SystemExit(f"ktap_merge: {path}: no 'KTAP version' header")
    rest = lines[start + 1:]
    if not rest or not PLAN.match(rest[0]):
        raise SystemExit(f"ktap_merge: {path}: no plan after the header")
    plan = int(PLAN.match(rest[0]).group(1))
    rest = rest[1:]
    results = sum(1 for line in rest if RESULT.match(line))
    if results != plan:
        raise SystemExit(f"ktap_merge: {path}: plan 1..{plan} but {results} top-level results")
    return plan, rest


def merge(paths):
    streams = [body(p) for p in paths]
    out = ["KTAP version 1", f"1..{sum(plan for plan, _ in streams)}"]
    n = 0
    for _, lines in streams:
        for line in lines:
            m = RESULT.match(line)
            if m:
                n += 1
                line = f"{m.group(1)} {n}{m.group(3)}"
            out.append(line)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("streams", nargs="+")
    args = ap.parse_args()
    text = merge(args.streams)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
