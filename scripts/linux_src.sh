#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Extract one of Debian's linux-source-<version> packages once into a cache
# directory and print the path of the tree. The cache is reused until the
# tarball changes (its size and mtime are kept in a stamp file); nothing from
# it is ever copied into the repository.
#
# Usage: scripts/linux_src.sh [cache-dir]     (default: $BUILD/linux-6.1)
#
# The kernel version comes from the cache directory's name, linux-<version>:
# build/linux-6.1 is extracted from /usr/src/linux-source-6.1.tar.xz, and
# build/linux-6.12 from /usr/src/linux-source-6.12.tar.xz. 6.1 serves the UML
# KUnit runs, the out-of-tree build of kunit.ko and the lints (checkpatch.pl,
# kernel-doc); 6.12 the Rust-enabled kernel of make kunit-rust.
set -eu

build=${BUILD:-build}
cache=${1:-$build/linux-6.1}
version=${cache##*/linux-}
case $version in
[0-9]*.[0-9]*) ;;
*) echo "linux_src.sh: cannot tell the kernel version from '$cache' (want .../linux-<version>)" >&2
   exit 2 ;;
esac
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-$version.tar.xz}

if [ ! -f "$tarball" ]; then
	echo "linux_src.sh: $tarball not found (apt-get install linux-source-$version)" >&2
	exit 1
fi
want="$(stat -c '%s %Y' "$tarball") $(basename "$tarball")"

mkdir -p "$(dirname "$cache")"
cache=$(cd "$(dirname "$cache")" && pwd)/$(basename "$cache")

# Two runs at once (make -j, or two checkouts' steps) extract only once.
exec 9>"$cache.lock"
flock 9

if [ ! -f "$cache/.ptcore-stamp" ] || [ "$(cat "$cache/.ptcore-stamp")" != "$want" ]; then
	echo "  EXTRACT $tarball -> $cache" >&2
	tmp="$cache.tmp.$$"
	rm -rf "$tmp" "$cache"
	mkdir -p "$tmp"
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	echo "$want" >"$tmp/.ptcore-stamp"
	mv "$tmp" "$cache"
fi
echo "$cache"
