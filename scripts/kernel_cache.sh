# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Sourced by the kernel test scripts (kunit_uml.sh, kunit_rust.sh,
# qemu_smmuv3.sh, lint.sh): where the extracted Linux trees and the kernel
# build directories live, and how a checkout takes one over.
#
# PTCORE_KERNEL_CACHE names a directory outside the checkout (CI sets it) that
# keeps them from one run, and one checkout, to the next: then a run redoes
# only ptcore's own objects and the link. Unset, they live in $BUILD.
#
# A build directory remembers which checkout built it. Make compares mtimes,
# and another checkout's files may be older than the objects already there,
# so when the checkout changes, the objects built from ptcore's files go
# first (kernel_cache_claim); the kernel's own objects stay.

# kernel_cache_dir BUILD: print the cache directory (absolute).
kernel_cache_dir() {
	local d=${PTCORE_KERNEL_CACHE:-$1}

	case $d in /*) ;; *) d=$PWD/$d ;; esac
	mkdir -p "$d"
	echo "$d"
}

# kernel_cache_lock FILE: hold FILE's lock until the script ends. A tree's
# lib/ptcore points at one checkout at a time, so the runs that share a cache
# take turns.
kernel_cache_lock() {
	exec 8>"$1"
	flock 8
}

# kernel_cache_claim DIR SRC PATH...: DIR (a build directory) is about to
# build from checkout SRC; if it last built from another one, the PATHs
# under DIR (ptcore's objects) are removed so that they are built again.
kernel_cache_claim() {
	local dir=$1 src=$2 p

	shift 2
	if [ "$(cat "$dir/.ptcore-src" 2>/dev/null)" != "$src" ]; then
		for p in "$@"; do
			rm -rf "${dir:?}/$p"
		done
		echo "$src" >"$dir/.ptcore-src"
	fi
}
