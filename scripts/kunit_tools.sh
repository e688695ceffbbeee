#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Extract the kernel's KUnit tooling (tools/testing/kunit/) from Debian's
# linux-source-6.1 package into $BUILD/kunit-tools/ (once) and print the
# path of kunit.py. Only that directory is extracted; nothing is copied into
# the repository.
#
# Usage: scripts/kunit_tools.sh [build-dir]     (default: build)
set -eu

build=${1:-${BUILD:-build}}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
dest="$build/kunit-tools"
kunit_py="$dest/linux-source-6.1/tools/testing/kunit/kunit.py"

if [ ! -f "$kunit_py" ]; then
	if [ ! -f "$tarball" ]; then
		echo "kunit_tools.sh: $tarball not found (apt-get install linux-source-6.1)" >&2
		exit 1
	fi
	tmp="$dest.tmp.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xJf "$tarball" -C "$tmp" linux-source-6.1/tools/testing/kunit/
	mkdir -p "$dest"
	rm -rf "$dest/linux-source-6.1"
	mv "$tmp/linux-source-6.1" "$dest/linux-source-6.1"
	rmdir "$tmp"
fi
echo "$kunit_py"
