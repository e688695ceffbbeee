#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# What each make target needs from Debian's archive, installed only when
# missing. Every target that needs a package runs this first (through its
# deps-TARGET prerequisite), so each one works as the first command on a
# fresh Debian 12 machine that has gcc, make and a Rust toolchain (cargo
# with clippy and rustfmt); nothing else is assumed.
#
# Usage:
#   scripts/deps.sh TARGET...           install what the TARGETs need, only what is missing
#   scripts/deps.sh --check [TARGET...] install nothing: each TARGET's packages (default:
#                                       every target's) must be installed or known to apt;
#                                       fails on an unknown target or package
#   scripts/deps.sh --missing TARGET... the TARGETs' packages not installed, one a line
#   scripts/deps.sh --list TARGET...    the TARGETs' packages, one a line
#   scripts/deps.sh --targets           every target this file knows, one a line
#   scripts/deps.sh --needs             the same, with its packages (empty: none needed)
set -euo pipefail

# Groups of packages, by what they serve.
#   linux61      Linux 6.1's sources: the peer of make check-peer and make bench,
#                kunit.py, checkpatch.pl and kernel-doc, the UML kernel
#   peers        Linux 6.1's and 6.12's sources: the two versions of the peer
#   kernel_build what building a kernel (and kunit.py) runs besides gcc and make
#   sanitizers   clang with its ASan, UBSan and TSan runtimes
#   fuzzer       the same with libFuzzer
linux61="linux-source-6.1 xz-utils"
peers="$linux61 linux-source-6.12"
kernel_build="flex bison bc perl libelf-dev libssl-dev python3 xz-utils"
sanitizers="clang libclang-rt-14-dev"
fuzzer="$sanitizers libfuzzer-14-dev"
llvm="clang lld llvm"
# Linux 6.12's sources and Debian's rustc-web (1.85 or later, the kernel's
# Rust compiler) with the core library sources the kernel builds core from
# (rust-web-src, libstd-rust-web-dev), its clippy (the kernel's CLIPPY=1) and
# rustfmt (silences the kernel build's "Failed to run rustfmt" note); the
# kernel's bindgen rules run Debian's bindgen.
rust612="linux-source-6.12 rustc-web rust-web-src libstd-rust-web-dev rust-web-clippy
	 rustfmt-web bindgen"
# The arm64 cross toolchain and QEMU's arm64 system emulator.
qemu="linux-source-6.12 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-system-arm cpio"

# Every documented make target, with what it needs. "@target" stands for
# that target's packages. A target that needs none is listed too: make
# check's steps and make demo's must all be known here (make check-deps).
declare -A NEEDS=(
	# Makefile, mk/*.mk
	[demo]=""
	[abi-check]="abigail-tools"
	[abi-baseline]="@abi-check"
	[qemu-smmuv3]="$qemu $kernel_build"
	[check-layers]="python3"
	[check-deps]=""
	# bench/bench.mk
	# bench: valgrind runs its callgrind pass (instruction counts)
	[bench]="$peers gnuplot-nox valgrind"
	[check-peer]="$peers"
	# scripts/kernel.mk
	[kbuild]="linux-headers-amd64 sparse perl"
	[lint]="$linux61 perl"
	[kunit-uml-gcc]="$linux61 $kernel_build"
	[kunit-uml-clang]="$linux61 $kernel_build $llvm"
	[kunit-uml]="@kunit-uml-gcc @kunit-uml-clang"
	[check-kernel]="@kbuild @lint @kunit-uml"
	[kunit-rust]="$rust612 $kernel_build $llvm"
	# kunit/kunit.mk
	[check-kunit]="$linux61 python3"
	[check-kunit-asan]="$linux61 python3 $sanitizers"
	# tools/ptctl/ptctl.mk
	[demo-ptctl]=""
	[check-ptctl]=""
	# rust-bindings/rust.mk
	[bindings]="bindgen"
	[check-bindings]="bindgen"
	[check-rust]="bindgen valgrind"
	[check-ktap]="$linux61 python3"
	[demo-rust]=""
	# tests/tests.mk
	[check-badinput]=""
	[check-iotlb]=""
	[check-faults]=""
	[check-races]=""
	[check-misuse]=""
	[check-fuzz]="$fuzzer"
	[fuzz]="$fuzzer"
	[check-tsan]="$sanitizers"
	[check-gathers]="$sanitizers"
	[check-disjoint]="$sanitizers"
	[check-lookup-race]="$sanitizers"
	[check-incoherent]="$sanitizers"
	[check-reentry]="$sanitizers"
	[check-valgrind]="valgrind"
	[check-valgrind-ops]="valgrind"
)

die() {
	echo "deps.sh: $*" >&2
	exit 2
}

# The packages of target $1, @references expanded, one a line.
packages() {
	local p
	for p in ${NEEDS[$1]}; do
		case $p in
		@*) packages "${p#@}" ;;
		*) echo "$p" ;;
		esac
	done
}

# The packages of the targets "$@", each once.
union() {
	local t
	for t in "$@"; do
		packages "$t"
	done | sort -u
}

# Of the packages "$@", those not installed.
not_installed() {
	[ $# -gt 0 ] || return 0
	# dpkg-query fails for a package it never heard of: that one is missing.
	{ dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true; } |
		awk '$NF == "installed" { ok[$1] = 1 } END { for (p in ok) print p }' |
		sort >"$tmp"
	printf '%s\n' "$@" | sort | comm -23 - "$tmp"
}

for t in "${!NEEDS[@]}"; do
	for p in ${NEEDS[$t]}; do
		case $p in
		@*) [ -n "${NEEDS[${p#@}]+set}" ] || die "$t: '$p' names no target" ;;
		esac
	done
done

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

mode=install
case ${1:-} in
--check | --missing | --list) mode=${1#--}; shift ;;
--targets) printf '%s\n' "${!NEEDS[@]}" | sort; exit 0 ;;
--needs)
	for t in $(printf '%s\n' "${!NEEDS[@]}" | sort); do
		echo "$t:" $(union "$t")
	done
	exit 0 ;;
-*) die "unknown option '$1' (see the head of scripts/deps.sh)" ;;
esac
if [ $# -eq 0 ]; then
	[ "$mode" = check ] || die "which targets? (scripts/deps.sh --targets lists them)"
	set -- $(printf '%s\n' "${!NEEDS[@]}" | sort)
fi

# (packages() runs in subshells: check the names here, where die() exits.)
for t in "$@"; do
	[ -n "${NEEDS[$t]+set}" ] || die "no such target: '$t' (scripts/deps.sh --targets lists them)"
done

case $mode in
list)
	union "$@"
	;;
missing)
	mapfile -t pkgs < <(union "$@")
	not_installed "${pkgs[@]}"
	;;
check)
	# Per target: installed, or apt would install it; anything else fails.
	fail=0
	for t in "$@"; do
		mapfile -t pkgs < <(union "$t")
		mapfile -t miss < <(not_installed "${pkgs[@]}")
		unknown=()
		for p in "${miss[@]}"; do
			apt-cache policy "$p" 2>/dev/null | grep -q '^  Candidate: [^(]' ||
				unknown+=("$p")
		done
		if [ ${#unknown[@]} -gt 0 ]; then
			echo "deps: $t: not installed and unknown to apt: ${unknown[*]}"
			fail=1
		elif [ ${#miss[@]} -gt 0 ]; then
			echo "deps: $t: ${#pkgs[@]} packages, its step would install ${miss[*]}"
		else
			echo "deps: $t: ${#pkgs[@]} packages, all installed"
		fi
	done
	exit $fail
	;;
install)
	mapfile -t pkgs < <(union "$@")
	mapfile -t missing < <(not_installed "${pkgs[@]}")
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: installing ${missing[*]} (for make $*)"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q >/dev/null
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	mapfile -t missing < <(not_installed "${pkgs[@]}")
	if [ ${#missing[@]} -gt 0 ]; then
		echo "deps.sh: still not installed after apt-get: ${missing[*]}" >&2
		exit 1
	fi
	;;
esac
