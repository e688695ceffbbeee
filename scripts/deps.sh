#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Install what `make demo` and `make check` need beyond gcc, make and cargo,
# from Debian's archive only, and only what is missing.
#
# Usage: scripts/deps.sh [kernel-rust | qemu-smmuv3]
#   kernel-rust: also what the Rust-enabled 6.12 kernel of `make kunit-rust`
#   needs (Debian's rustc-web toolchain with its library sources); only that
#   target asks for it, so `make demo` stays light.
#   qemu-smmuv3: also the arm64 cross toolchain and QEMU's arm64 system
#   emulator, for `make qemu-smmuv3` only.
set -euo pipefail

# clang, lld and llvm: clang builds, sanitizers and UML with LLVM=1; python3: the
# kernel's kunit.py; linux-source-6.1: the peer and the UML tree; linux-source-6.12:
# the peer's second version (and the 6.12 kernels of kunit-rust, qemu-smmuv3); bindgen: Rust
# raw bindings; sparse, flex, bison, bc, libelf-dev, libssl-dev, perl: kernel
# builds and lints; gnuplot-nox: the benchmark's plot; abigail-tools: abi-check.
PKGS=(
	clang lld llvm libclang-rt-14-dev libfuzzer-14-dev
	python3 xz-utils linux-source-6.1 linux-source-6.12 linux-headers-amd64
	bindgen sparse valgrind gnuplot-nox
	flex bison bc libelf-dev libssl-dev perl abigail-tools
)

# rustc-web (1.85 or later) is the kernel's compiler: rust-web-src and
# libstd-rust-web-dev give it the core library sources the kernel builds
# core from; rust-web-clippy the kernel's CLIPPY=1 lints; rustfmt-web
# silences the kernel build's "Failed to run rustfmt" note.
if [ "${1:-}" = kernel-rust ]; then
	PKGS+=(rustc-web rust-web-src libstd-rust-web-dev
	       rust-web-clippy rustfmt-web)
fi
if [ "${1:-}" = qemu-smmuv3 ]; then
	PKGS+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
	       libc6-dev-arm64-cross qemu-system-arm cpio)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
