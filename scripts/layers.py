#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The core's floors run one way: check its includes and its calls.

    api         c/ptcore.c: argument checks, dispatch (the one indirect call)
    algorithms  c/pt_algo.h, c/pt_fmt.h, and c/fmt/<format>.c, where the
                algorithms are compiled with one format's accessors
    formats     c/fmt/<format>.h: one format's inline accessors
    table       c/pt_common.h, c/pt_mem.h, c/pt_mem.c: the table's state,
                its memory and metadata, gathers and freelists
    os          c/os/: the two environments
    abi         include/ptcore.h

A file may include and call only files of its own floor or below, and the
include graph has no cycle. Every file of c/ and include/ must be on a
floor, so a new file cannot slip past the check.

Includes are read from the sources (every quoted #include, both
environments). Calls come from the userspace build: each core source is
compiled with gcc -fcallgraph-info at -O0 with always_inline turned into
noinline, so that every call, also one inside an inline function of a
header, is an edge from the function that makes it, at its definition's
file. Indirect calls are judged by what they call through: the dispatch to
a format (->fops->) only from the api floor, the caller's callbacks
(ptcore_ops, the unmap_collect callback) only from the table floor.

Usage: scripts/layers.py [--cc CC] [--cflags FLAGS] SOURCE...
       (the sources of the userspace library, as the Makefile lists them)
Exit status 1 when a rule is broken, with one line per broken edge.
"""
import argparse
import fnmatch
import os
import re
import shlex
import subprocess
import sys
import tempfile

FLOORS = [
    ("abi", ["include/ptcore.h"]),
    ("os", ["c/os/*"]),
    ("table", ["c/pt_common.h", "c/pt_mem.h", "c/pt_mem.c"]),
    ("formats", ["c/fmt/*.h"]),
    ("algorithms", ["c/pt_algo.h", "c/pt_fmt.h", "c/fmt/*.c"]),
    ("api", ["c/ptcore.c"]),
]
INCLUDE_DIRS = ["c", "include"]		# -Ic -Iinclude, as every build has them
SOURCE_DIRS = ["c", "include"]
SOURCE_RE = re.compile(r".*\.[ch]$")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def floor_of(path):
    """The index of @path's floor in FLOORS, or None."""
    found = [i for i, (_, pats) in enumerate(FLOORS)
             if any(fnmatch.fnmatchcase(path, p) for p in pats)]
    return found[0] if len(found) == 1 else None


def name(i):
    return FLOORS[i][0]


def sources(root):
    out = []
    for d in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if SOURCE_RE.match(f):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def resolve(root, src, inc):
    for d in [os.path.dirname(src)] + INCLUDE_DIRS:
        p = os.path.normpath(os.path.join(d, inc))
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def check_includes(root, files, errors):
    graph = {}
    for f in files:
        graph[f] = []
        with open(os.path.join(root, f), encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                to = resolve(root, f, m.group(1))
                if to is None:
                    errors.append('%s:%d: #include "%s" is not in the tree'
                                  % (f, n, m.group(1)))
                    continue
                graph[f].append(to)
                if to not in graph and to not in files:
                    continue
                a, b = floor_of(f), floor_of(to)
                if a is not None and b is not None and b > a:
                    errors.append("%s:%d: includes %s: %s floor includes %s floor"
                                  % (f, n, to, name(a), name(b)))
    # A cycle: depth-first, grey nodes are on the current path.
    state, path = {}, []

    def visit(f):
        state[f] = "grey"
        path.append(f)
        for to in graph.get(f, []):
            if state.get(to) == "grey":
                cyc = path[path.index(to):] + [to]
                errors.append("include cycle: " + " -> ".join(cyc))
            elif to not in state:
                visit(to)
        path.pop()
        state[f] = "black"

    for f in sorted(graph):
        if f not in state:
            visit(f)
    return sum(len(v) for v in graph.values())


NODE_RE = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"\\]+)\\n([^":]+):(\d+):\d+"(.*)\}')
DECL_RE = re.compile(r'^/\* ([^:]+):(\d+):NC \*/ extern [^(]*?\b(\w+) \(')
EDGE_RE = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)" '
                     r'label: "([^":]+):(\d+):\d+" \}')


def check_calls(root, cc, cflags, srcs, errors):
    """Compile @srcs, read their call graphs; return the number of edges checked."""
    defs = {}		# global function name -> file of its definition
    decls = set()	# (file, line, name) of every prototype
    units = []		# per source: (nodes, edges)
    with tempfile.TemporaryDirectory() as tmp:
        for i, src in enumerate(srcs):
            obj = os.path.join(tmp, "u%d.o" % i)
            cmd = [cc] + shlex.split(cflags) + [
                "-O0", "-fcallgraph-info", "-aux-info", obj[:-2] + ".aux",
                "-D__always_inline__=__noinline__", "-Ic", "-Iinclude", "-c", src, "-o", obj]
            r = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
            if r.returncode:
                sys.stderr.write(r.stderr)
                errors.append("%s: does not compile: %s" % (src, " ".join(cmd)))
                continue
            nodes, edges = {}, []
            with open(obj[:-2] + ".ci", encoding="utf-8") as fh:
                for line in fh:
                    m = NODE_RE.match(line)
                    if m:
                        title, fn, loc, _, rest = m.groups()
                        external = "ellipse" in rest
                        rel = os.path.relpath(os.path.join(root, loc), root)
                        nodes[title] = (fn, rel, external)
                        if not external and ":" not in title:
                            defs[fn] = rel
                        continue
                    m = EDGE_RE.match(line)
                    if m:
                        a, b, loc, ln = m.groups()
                        edges.append((a, b, os.path.relpath(os.path.join(root, loc), root),
                                      int(ln)))
            with open(obj[:-2] + ".aux", encoding="utf-8") as fh:
                for line in fh:
                    m = DECL_RE.match(line)
                    if m:
                        decls.add((os.path.relpath(os.path.join(root, m.group(1)), root),
                                   int(m.group(2)), m.group(3)))
            units.append((src, nodes, edges))

    lines = {}

    def text(path, ln):
        if path not in lines:
            with open(os.path.join(root, path), encoding="utf-8") as fh:
                lines[path] = fh.read().split("\n")
        return lines[path][ln - 1]

    seen, n = set(), 0
    for src, nodes, edges in units:
        for a, b, loc, ln in edges:
            caller = nodes.get(a)
            if caller is None:
                continue
            fa = floor_of(caller[1])
            if fa is None:
                continue		# a system header's inline function
            if b == "__indirect_call":
                call = text(loc, ln)
                # The call may start on an earlier line than its arguments end.
                if "fops->" in call or "fops->" in text(loc, ln - 1):
                    ok, what = name(fa) == "api", "the dispatch to a format"
                else:
                    ok, what = name(fa) == "table", "a caller's callback"
                key = (loc, ln)
                n += 1
                if not ok and key not in seen:
                    seen.add(key)
                    errors.append("%s:%d: %s (%s floor) makes %s" % (loc, ln, caller[0],
                                                                   name(fa), what))
                continue
            callee = nodes.get(b)
            if callee is None:
                continue
            fn, where, external = callee
            if external:
                if fn not in defs:
                    continue	# not ptcore's (libc)
                where = defs[fn]
            fb = floor_of(where)
            if fb is None:
                continue
            n += 1
            key = (caller[0], fn)
            if fb > fa and key not in seen:
                seen.add(key)
                errors.append("%s:%d: %s (%s floor, %s) calls %s (%s floor, %s)"
                              % (loc, ln, caller[0], name(fa), caller[1], fn, name(fb), where))
    # A prototype belongs to the floor of its definition, or above (the
    # abi floor declares the api's): one lower down would let that floor call up.
    for path, ln, fn in sorted(decls):
        fd, fdef = floor_of(path), floor_of(defs.get(fn, ""))
        if fd is None or fdef is None or fd >= fdef or name(fd) == "abi":
            continue
        errors.append("%s:%d: declares %s (%s floor) of %s, on the %s floor"
                      % (path, ln, fn, name(fd), defs[fn], name(fdef)))
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--cflags", default="-std=gnu11")
    ap.add_argument("srcs", nargs="+")
    args = ap.parse_args()
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

    errors = []
    files = sources(root)
    for f in files:
        if floor_of(f) is None:
            errors.append("%s: on no floor (or on two): add it to FLOORS in scripts/layers.py"
                          % f)
    nin = check_includes(root, files, errors)
    ncall = check_calls(root, args.cc, args.cflags, args.srcs, errors)
    for e in errors:
        print("layers: " + e)
    print("layers: %d files on %d floors, %d includes, %d calls checked: %s"
          % (len(files), len(FLOORS), nin, ncall,
             "%d broken" % len(errors) if errors else "one way, no cycle"))
    print("%d passed, %d failed" % (0 if errors else 1, 1 if errors else 0))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
