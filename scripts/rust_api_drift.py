#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Proves that the two Rust sources of ptcore's abstraction do not drift apart:
# the cargo crate (rust-bindings/src) and its kernel-Rust form
# (rust-bindings/kernel/ptcore). Both are reduced to the same summary of their
# public API and of their safety surface:
#
#   item    every public struct, enum, trait, type and const, every public
#           method (with its receiver: none, self, &self or &mut self), every
#           trait method and associated const, the flag and format names;
#           `unsafe` when the function is an `unsafe fn`
#   unsafe-impl  every `unsafe impl` (Send, Sync) and the type it is for
#
# and the two summaries must be equal except for the differences listed,
# with a reason each, in rust-bindings/kernel/API-DIFF. A difference that is
# not listed fails, and so does a listed one that no longer exists (the
# list only shrinks when the two sources converge).
#
# Usage: scripts/rust_api_drift.py [--print]
#   --print: show both summaries' differences in API-DIFF's format and exit 0.
#
# It reads the sources, it compiles nothing: the compilers (cargo for the
# crate, the kernel build for the glue) check the code itself.

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATE = os.path.join(ROOT, "rust-bindings/src")
KERNEL = os.path.join(ROOT, "rust-bindings/kernel/ptcore")
DIFF = os.path.join(ROOT, "rust-bindings/kernel/API-DIFF")
# Files that have no counterpart by design: raw bindings, layout checks, the
# userspace hardware model (std only).
SKIP = {"bindings_generated.rs", "abi_check.rs"}
SKIP_DIRS = {"model"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def block_end(text, open_pos):
    depth = 0
    for i in range(open_pos, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def type_name(s):
    """The last path segment of a type, without generics: `Foo<'a, F>` -> `Foo`."""
    s = re.sub(r"<.*", "", s.strip())
    return s.split("::")[-1].strip()


def receiver(params):
    p = params.strip()
    if re.match(r"&\s*(\'\w+\s+)?mut\s+self\b", p):
        return "&mut self"
    if re.match(r"&\s*(\'\w+\s+)?self\b", p):
        return "&self"
    if re.match(r"(mut\s+)?self\b", p):
        return "self"
    return "none"


FN = re.compile(r"\b(pub(?:\([^)]*\))?\s+)?((?:const\s+)?(?:unsafe\s+)?(?:extern\s+\"C\"\s+)?)fn\s+(\w+)\s*(?:<[^(]*>)?\s*\(([^)]*)")


def summarise(directory):
    items = set()
    for dirpath, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for f in files:
            if f.endswith(".rs") and f not in SKIP:
                with open(os.path.join(dirpath, f)) as fh:
                    scan(strip_comments(fh.read()), items)
    return items


def scan(text, items):
    # Flag and format names from the flags! / formats! invocations.
    for m in re.finditer(r"\bflags!\s*\{\s*(?:#\[[^\]]*\]\s*)*(\w+)\s*\{", text):
        body = text[m.end():block_end(text, m.end() - 1)]
        for n in re.findall(r"\b([A-Z][A-Z0-9_]*)\s*=", body):
            items.add("item %s::%s" % (m.group(1), n))
        items.add("item struct %s" % m.group(1))
    for m in re.finditer(r"\bformats!\s*\{", text):
        body = text[m.end():block_end(text, m.end() - 1)]
        for n in re.findall(r"\b(\w+)\s*=\s*[\w:]+\s*,", body):
            items.add("item enum %s" % n)
    for m in re.finditer(r"\bunsafe\s+impl\b[^{;]*?\b(\w+)\s+for\s+([^{]+)\{", text):
        items.add("unsafe-impl %s for %s" % (m.group(1), type_name(m.group(2))))
    for m in re.finditer(r"^\s*pub\s+(struct|enum|trait|type|const|static)\s+(\w+)", text, re.M):
        items.add("item %s %s" % (m.group(1), m.group(2)))
    # Methods of inherent impls and trait definitions.
    for m in re.finditer(r"^\s*impl\b\s*(?:<[^{]*?>)?\s*([^{]+)\{", text, re.M):
        head = m.group(1)
        if " for " in head:
            continue  # trait impls: the trait's own definition is the API
        owner = type_name(head)
        if owner.startswith("$"):
            continue  # inside a macro_rules! body: the invocations are counted
        body = text[m.end():block_end(text, m.end() - 1)]
        for fm in FN.finditer(body):
            if not fm.group(1) or fm.group(1).startswith("pub("):
                continue
            unsafe = " unsafe" if "unsafe" in fm.group(2) else ""
            items.add("item %s::%s(%s)%s" % (owner, fm.group(3), receiver(fm.group(4)), unsafe))
        for cm in re.finditer(r"^\s*pub\s+const\s+([A-Z][A-Z0-9_]*)\s*:", body, re.M):
            items.add("item %s::%s" % (owner, cm.group(1)))
    for m in re.finditer(r"^\s*pub\s+(?:unsafe\s+)?trait\s+(\w+)[^{]*\{", text, re.M):
        body = text[m.end():block_end(text, m.end() - 1)]
        for fm in FN.finditer(body):
            unsafe = " unsafe" if "unsafe" in fm.group(2) else ""
            items.add("item %s::%s(%s)%s" % (m.group(1), fm.group(3), receiver(fm.group(4)), unsafe))
        for cm in re.finditer(r"^\s*const\s+([A-Z][A-Z0-9_]*)\s*:", body, re.M):
            items.add("item %s::%s" % (m.group(1), cm.group(1)))
    # Free public functions (at module level or in `pub mod code`-like
    # modules): impl and trait bodies, and macro definitions, blanked out first.
    free = text
    for m in reversed(list(re.finditer(r"^\s*(?:impl\b|pub\s+(?:unsafe\s+)?trait\b|macro_rules!)[^{]*\{", text, re.M))):
        end = block_end(free, m.end() - 1)
        free = free[:m.end()] + " " * (end - m.end()) + free[end:]
    for fm in re.finditer(r"\bpub\s+((?:const\s+)?(?:unsafe\s+)?)fn\s+(\w+)", free):
        unsafe = " unsafe" if "unsafe" in fm.group(1) else ""
        items.add("item fn %s%s" % (fm.group(2), unsafe))


def read_diff():
    """API-DIFF: `crate-only: <summary line>` or `kernel-only: <summary line>`,
    each followed by an indented reason; `#` comments."""
    want, reason, cur = set(), {}, None
    with open(DIFF) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0].isspace():
                if cur:
                    reason[cur] = True
                continue
            side, _, entry = line.rstrip("\n").partition(": ")
            if side not in ("crate-only", "kernel-only"):
                sys.exit("rust_api_drift: bad line in API-DIFF: %r" % line)
            cur = (side, entry)
            want.add(cur)
    return want, reason


def main():
    crate, kernel = summarise(CRATE), summarise(KERNEL)
    have = {("crate-only", e) for e in crate - kernel} | {("kernel-only", e) for e in kernel - crate}
    if "--print" in sys.argv:
        for side, e in sorted(have):
            print("%s: %s" % (side, e))
        return 0
    want, reason = read_diff()
    rc = 0
    for side, e in sorted(have - want):
        print("rust_api_drift: not in API-DIFF: %s: %s" % (side, e))
        rc = 1
    for side, e in sorted(want - have):
        print("rust_api_drift: listed in API-DIFF but gone (remove it): %s: %s" % (side, e))
        rc = 1
    for k in sorted(want):
        if k not in reason:
            print("rust_api_drift: no reason given in API-DIFF for %s: %s" % k)
            rc = 1
    common = len(crate & kernel)
    if rc == 0:
        print("rust_api_drift: crate and kernel glue agree on %d API items; %d listed differences"
              % (common, len(want)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
