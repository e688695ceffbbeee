#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The kernel's own lints on ptcore's C, from Debian's linux-source-6.1
# (extracted once by scripts/linux_src.sh):
#   checkpatch.pl --strict --no-tree -f   on every .c and .h in c/, include/, kunit/
#                                         (not kunit/harness/, see below)
#   kernel-doc -none -v                   on include/ptcore.h and c/*.h, c/*/*.h
# Any message fails the lint.
#
# Usage: scripts/lint.sh [file...]     (default: all of the above)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
# shellcheck source=scripts/kernel_cache.sh
. scripts/kernel_cache.sh
tree=$(bash scripts/linux_src.sh "$(kernel_cache_dir "$build")/linux-6.1")

# Exceptions, each for a reason that holds for the whole code base:
#  PREFER_KERNEL_TYPES  the ABI header and the core are shared with userspace and
#                       with bindgen, so they use the <stdint.h> types
#                       (uint64_t, ...); in the kernel these are the same types
#                       as u64 and friends. Kernel-only files use u64.
ignore=PREFER_KERNEL_TYPES

# checkpatch reads the code as the kernel compiles it: OS_EXPORT(sym) is
# EXPORT_SYMBOL_GPL(sym) there (c/os/os_kernel.h), so that is what it sees
# (it knows the export belongs right after the function). The copy keeps the
# line numbers; messages name the original file.
lintdir=$build/kernel/lint

if [ $# -gt 0 ]; then
	cfiles=("$@")
	docfiles=()
	for f in "$@"; do
		case $f in *.h) docfiles+=("$f") ;; esac
	done
else
	# kunit/harness/ is left out: it is the userspace stand-in for the kernel
	# (imitations of kernel headers and a runner) and is never built in a
	# kernel; checkpatch's rules are written for code that uses those headers,
	# not for code that has to define them.
	mapfile -t cfiles < <(find c include kunit -path kunit/harness -prune -o \
		-type f -name '*.[ch]' -print 2>/dev/null | sort)
	mapfile -t docfiles < <(find include -maxdepth 1 -name '*.h' 2>/dev/null
				  find c -maxdepth 2 -name '*.h' 2>/dev/null | sort)
fi

fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# c/os/os_user.h stands in for the kernel's own attribute macros in
# userspace (__aligned): it has to spell out the __attribute__ that
# checkpatch rightly asks every other file to leave to those macros.
stand_in=c/os/os_user.h

echo "  LINT    checkpatch.pl --strict: ${#cfiles[@]} files"
plain=()
defines=()
for f in "${cfiles[@]}"; do
	mkdir -p "$lintdir/$(dirname "$f")"
	sed '/^#[[:space:]]*define/!s/\bOS_EXPORT(/EXPORT_SYMBOL_GPL(/' "$f" >"$lintdir/$f"
	if [ "$f" = "$stand_in" ]; then
		defines+=("$f")
	else
		plain+=("$f")
	fi
done
# --root: checkpatch still takes the CamelCase names the kernel defines from
# the tree (and caches them in $lintdir).
checkpatch() {
	local ign=$1
	shift
	[ $# -gt 0 ] || return 0
	if ! (cd "$lintdir" && perl "$tree/scripts/checkpatch.pl" --strict --no-tree \
		--root "$tree" --quiet --show-types --ignore "$ign" -f "$@") >"$out" 2>&1; then
		fail=1
	fi
	if [ -s "$out" ]; then
		fail=1
		cat "$out"
	fi
}
checkpatch "$ignore" "${plain[@]}"
checkpatch "$ignore,PREFER_DEFINED_ATTRIBUTE_MACRO" "${defines[@]}"

# kernel-doc exits 0 in -none mode even after errors: judge by its messages.
# -v adds the checks of Return: sections; its "info:" lines are progress.
if [ ${#docfiles[@]} -gt 0 ]; then
	echo "  LINT    kernel-doc -none -v: ${#docfiles[@]} headers"
	perl "$tree/scripts/kernel-doc" -none -v "${docfiles[@]}" 2>&1 |
		grep -vE ': info: |^[0-9]+ (errors|warnings)$' >"$out" || true
	if [ -s "$out" ]; then
		fail=1
		cat "$out"
	fi
fi

if [ "$fail" -ne 0 ]; then
	echo "lint.sh: checkpatch or kernel-doc found problems (above)" >&2
	exit 1
fi
echo "  LINT    clean"
