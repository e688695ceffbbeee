#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Run ptcore's C and Rust KUnit suites in one Rust-enabled kernel: User Mode
# Linux built from Debian's linux-source-6.12 with clang (LLVM=1), CONFIG_RUST,
# KUnit, ptcore's C core, its C suites (kunit/) and its Rust suites
# (rust-bindings/kernel/), all built in, in one kunit.py report.
#
# Usage: scripts/kunit_rust.sh
#
# The source tree is extracted once into $BUILD/linux-6.12 (scripts/linux_src.sh)
# and ptcore is placed in it at build time, never committed:
#   lib/ptcore/       symbolic links to Kbuild, Kconfig, c/, include/, kunit/
#   lib/ptcore_rust/  symbolic links: src/ptcore.rs to rust-bindings/src/lib.rs
#                     (the crate's own source as one kernel crate) and src/'s
#                     other files, kernel/ to rust-bindings/kernel/, and its
#                     Kbuild and Kconfig
#   lib/Kconfig, lib/Makefile   one `source` and one `obj-y` line for each
#   rust/bindings/bindings_helper.h   one #include of include/ptcore.h, so the
#                     kernel's own bindgen rules generate kernel::bindings::ptcore_*
# Every edit is added only when missing. kunit.py builds out of tree in
# $BUILD/uml/rust, so a rerun only rebuilds what changed.
#
# Toolchain (Documentation/rust.rst): Debian's rustc-web as RUSTC and
# HOSTRUSTC (the rustup toolchain is kept out of PATH: it has no rust-src and
# is not the compiler the kernel crate must be built with), clang/lld 14, and
# Debian's bindgen 0.60.1 through scripts/kbindgen, which 6.12 accepts.
#
# Environment: BUILD (default build), JOBS (default 2), KUNIT_TIMEOUT
# (seconds, default 900), PTCORE_SRC (the ptcore tree to test, default this
# repository), RUSTC (default /usr/bin/rustc), PTCORE_KERNEL_CACHE (a
# directory outside the checkout for the tree and the build directory, kept
# from one checkout to the next: see scripts/kernel_cache.sh; default $BUILD).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
src=${PTCORE_SRC:-$root}
src=$(cd "$src" && pwd)
jobs=${JOBS:-2}
timeout=${KUNIT_TIMEOUT:-900}
rustc=${RUSTC:-/usr/bin/rustc}
kunitconfig=$src/rust-bindings/kernel/.kunitconfig
# shellcheck source=scripts/kernel_cache.sh
. "$root/scripts/kernel_cache.sh"
kcache=$(kernel_cache_dir "$build")
dir=$kcache/uml/rust

# ---- toolchain: rustc-web first, bindgen through the wrapper ----
if ! "$rustc" --version >/dev/null 2>&1; then
	echo "kunit_rust.sh: $rustc not found (apt-get install rustc-web rust-web-src)" >&2
	exit 1
fi
sysroot=$("$rustc" --print sysroot)
if [ ! -d "$sysroot/lib/rustlib/src/rust/library/core" ]; then
	echo "kunit_rust.sh: no core library sources under $sysroot (apt-get install rust-web-src)" >&2
	exit 1
fi
tools=$build/rust-tools
mkdir -p "$tools"
ln -sfn "$root/scripts/kbindgen" "$tools/bindgen"
ln -sfn "$rustc" "$tools/rustc"
[ -x "$(dirname "$rustc")/rustdoc" ] && ln -sfn "$(dirname "$rustc")/rustdoc" "$tools/rustdoc"
export PATH="$tools:/usr/bin:/bin:/usr/sbin:/sbin"
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-14/lib}

# Its own 6.12 tree: make qemu-smmuv3 edits the one in the cache's top.
kernel_cache_lock "$kcache/kunit-rust.lock"
tree=$(bash "$root/scripts/linux_src.sh" "$kcache/uml/linux-6.12")
export KBINDGEN_TREE=$tree

# ---- place ptcore in the tree (idempotent) ----
mkdir -p "$tree/lib/ptcore"
for f in Kbuild Kconfig c include kunit; do
	if [ "$(readlink "$tree/lib/ptcore/$f" 2>/dev/null)" != "$src/$f" ]; then
		ln -sfn "$src/$f" "$tree/lib/ptcore/$f"
	fi
done
# lib/ptcore_rust: the crate's own source as one kernel crate, laid out as in
# the repository so that its relative module paths hold: src/ holds links to
# rust-bindings/src/'s files, with the crate root lib.rs as src/ptcore.rs (the
# kernel names a crate after its object), and kernel/ is rust-bindings/kernel/
# (Kbuild, Kconfig, the KUnit suites, the samples).
[ -L "$tree/lib/ptcore_rust" ] && rm -f "$tree/lib/ptcore_rust"
mkdir -p "$tree/lib/ptcore_rust/src"
link() { # target name
	if [ "$(readlink "$tree/lib/ptcore_rust/$2" 2>/dev/null)" != "$1" ]; then
		ln -sfn "$1" "$tree/lib/ptcore_rust/$2"
	fi
}
link "$src/rust-bindings/kernel/Kbuild" Kbuild
link "$src/rust-bindings/kernel/Kconfig" Kconfig
link "$src/rust-bindings/kernel" kernel
link "$src/rust-bindings/src/lib.rs" src/ptcore.rs
for f in "$src"/rust-bindings/src/*; do
	case ${f##*/} in lib.rs) ;; *) link "$f" "src/${f##*/}" ;; esac
done
# Links of an earlier layout, and links to modules that left src/, go.
find "$tree/lib/ptcore_rust" -maxdepth 1 -type l \( -name '*.rs' -o -name model \) -delete
find "$tree/lib/ptcore_rust/src" -maxdepth 1 -xtype l -delete

add_line() { # file line
	grep -qxF "$2" "$1" || printf '\n%s\n' "$2" >>"$1"
}
add_line "$tree/lib/Kconfig" 'source "lib/ptcore/Kconfig"'
add_line "$tree/lib/Kconfig" 'source "lib/ptcore_rust/Kconfig"'
add_line "$tree/lib/Makefile" 'obj-y += ptcore/'
add_line "$tree/lib/Makefile" 'obj-y += ptcore_rust/'
add_line "$tree/rust/bindings/bindings_helper.h" '#include "../../lib/ptcore/include/ptcore.h"'

# ---- build and run ----
mkdir -p "$dir"
# A new linux-source tarball gets a fresh build directory: its files' mtimes
# could be older than the objects already there.
if ! cmp -s "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"; then
	find "$dir" -mindepth 1 -delete
	cp "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"
fi
kernel_cache_claim "$dir" "$src" lib/ptcore lib/ptcore_rust rust/bindings/bindings_generated.rs

echo "  KUNIT   UML 6.12, Rust ($("$rustc" --version | cut -d' ' -f1-2), $(bindgen --version)) in ${dir#"$root"/}"
t0=$(date +%s)
rc=0
rm -f "$dir/results.json"
python3 "$tree/tools/testing/kunit/kunit.py" run --arch=um \
	--build_dir="$dir" --kunitconfig="$kunitconfig" --jobs="$jobs" \
	--timeout="$timeout" --json="$dir/results.json" \
	--make_options LLVM=1 --make_options RUSTC="$tools/rustc" \
	--make_options HOSTRUSTC="$tools/rustc" --make_options BINDGEN="$tools/bindgen" \
	>"$dir/kunit.out" 2>&1 || rc=$?
t1=$(date +%s)
grep -E '^\[..:..:..\] (.*==|.*(FAILED|CRASHED|SKIPPED|ERROR)|Testing complete|Elapsed time| +# )' \
	"$dir/kunit.out" | sed 's/^/    /' || true
# Per language: the C suites (kunit/) and the Rust ones (ptcore_rust_*).
if [ -s "$dir/results.json" ]; then
	python3 - "$dir/results.json" <<'EOF'
import json, sys

def count(t, acc):
    for c in t.get("test_cases", []):
        acc[{"PASS": 0, "SKIP": 2}.get(c["status"], 1)] += 1
    for s in t.get("sub_groups", []):
        count(s, acc)
    return acc

with open(sys.argv[1]) as f:
    doc = json.load(f)
for lang, rust in (("C", False), ("Rust", True)):
    suites = [s for s in doc.get("sub_groups", []) if s["name"].startswith("ptcore_rust_") == rust]
    acc = [0, 0, 0]
    for s in suites:
        count(s, acc)
    print("  KUNIT   %-4s %d suites, %d cases: %d passed, %d failed, %d skipped (%s)"
          % (lang, len(suites), sum(acc), acc[0], acc[1], acc[2],
             " ".join(s["name"] for s in suites)))
EOF
fi
# Any compiler diagnostic in ptcore's files (C or Rust) fails the run; their
# objects go, so that the next run compiles (and judges) them again.
# (rustc names the file on a " --> path:line:col" line under its message.)
if grep -nE '(^|/)lib/ptcore(_rust)?/[^ ]*:[0-9]+:([0-9]+:)? (warning|error)|^ *--> [^ ]*lib/ptcore' \
	"$dir/kunit.out" >&2; then
	rm -rf "$dir/lib/ptcore" "$dir/lib/ptcore_rust"
	echo "kunit_rust.sh: compiler diagnostics in the build: see ${dir#"$root"/}/kunit.out" >&2
	rc=${rc/#0/1}
fi
if [ -f "$dir/test.log" ] &&
   sed -n '/KTAP version/,$p' "$dir/test.log" |
   grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|possible (recursive|circular)|inconsistent lock|sleeping function called' >&2; then
	echo "kunit_rust.sh: the kernel reported a problem while the tests ran: see ${dir#"$root"/}/test.log" >&2
	rc=${rc/#0/1}
fi
# The kernel's clippy lints (the -Wclippy::* of rust_common_flags, which
# CLIPPY=1 would apply to the whole kernel crate too) on ptcore's crate only:
# its saved build command, with clippy-driver as the compiler and only
# metadata written, to a scratch directory.
clippy() {
	local cmdf=$dir/lib/ptcore_rust/src/.ptcore.o.cmd out=$dir/clippy
	local driver cmd
	driver=$(dirname "$rustc")/clippy-driver
	if [ ! -x "$driver" ]; then
		echo "  CLIPPY  skipped: $driver missing (apt-get install rust-web-clippy)"
		return 0
	fi
	[ -f "$cmdf" ] || { echo "kunit_rust.sh: $cmdf missing" >&2; return 1; }
	mkdir -p "$out"
	cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdf" |
		sed -e "s# $tools/rustc # $driver #" -e 's# --emit=[^ ]*##g' \
		    -e "s# --out-dir [^ ]*# --out-dir $out --emit=metadata=$out/ptcore.rmeta#")
	echo "  CLIPPY  lib/ptcore_rust (the kernel's clippy lints)"
	if ! (cd "$dir" && export RUSTC_BOOTSTRAP=1 CLIPPY_CONF_DIR="$src/rust-bindings/kernel" && eval "$cmd") >"$out/clippy.out" 2>&1 ||
	   grep -qE '^(warning|error)' "$out/clippy.out"; then
		cat "$out/clippy.out" >&2
		echo "kunit_rust.sh: clippy found problems in ptcore's Rust" >&2
		return 1
	fi
}
if [ "$rc" -eq 0 ] && ! clippy; then
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "kunit_rust.sh: failed (status $rc); last lines of ${dir#"$root"/}/kunit.out:" >&2
	tail -n 60 "$dir/kunit.out" >&2
	exit 1
fi
echo "  KUNIT   UML 6.12, Rust: passed in $((t1 - t0))s"
