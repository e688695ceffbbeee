#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Build ptcore.ko and ptcore_kunit.ko as external modules against Debian's
# linux-headers-*-amd64 (the newest installed), with W=1 and sparse (C=2:
# every file is checked on every run), and fail on any warning.
#
# Usage: scripts/kbuild.sh
#
# Kbuild writes its objects next to the sources of an external module, so the
# sources are mirrored into $BUILD/kernel/ptcore first (a file is copied only
# when its contents changed, so reruns are incremental) and the repository
# stays clean.
#
# Environment: BUILD (default build), JOBS (default 2), KERNEL_HEADERS (a
# kernel build directory, default the newest /usr/src/linux-headers-*-amd64),
# PTCORE_SRC (the ptcore tree to build, default this repository).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
src=${PTCORE_SRC:-$root}
src=$(cd "$src" && pwd)
jobs=${JOBS:-2}
out=$build/kernel

hdr=${KERNEL_HEADERS:-}
if [ -z "$hdr" ]; then
	hdr=$(printf '%s\n' /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
fi
if [ -z "$hdr" ] || [ ! -f "$hdr/Makefile" ]; then
	echo "kbuild.sh: no kernel headers (apt-get install linux-headers-amd64)" >&2
	exit 1
fi

# Build with the compiler the kernel was built with (gcc-12 for Debian 12),
# so Kbuild does not warn that the compiler differs.
kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$hdr/.config")
if [ -z "$kcc" ] || ! command -v "$kcc" >/dev/null; then
	kcc=gcc
fi
kmake=(make -s -C "$hdr" CC="$kcc" -j"$jobs")

# Copy the files of $1 (relative to $2) into $3, rewriting only files whose
# contents changed, and delete sources that no longer exist in $2.
mirror() {
	local from=$2 to=$3 f
	mkdir -p "$to"
	for f in $1; do
		mkdir -p "$to/$(dirname "$f")"
		cmp -s "$from/$f" "$to/$f" || cp "$from/$f" "$to/$f"
	done
	(cd "$to" && find . -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
		-printf '%P\n') | while read -r f; do
		[ -e "$from/$f" ] || rm -f "$to/$f"
	done
}

t0=$(date +%s)
echo "  KBUILD  against ${hdr#/usr/src/} (CC=$kcc)"

# Debian's kernel is built without CONFIG_KUNIT (and KUnit cannot be added as
# a module: it needs fields in struct module and task_struct), so the test
# module's references to KUnit stay unresolved. modpost reports them as
# warnings (KBUILD_MODPOST_WARN=1) and exactly those are accepted below: an
# undefined symbol of KUnit's (kunit_*, __kunit_*) in ptcore_kunit.ko. The
# suites run in a kernel with KUnit: make kunit-uml.
extra=()
kunit_undef='^WARNING: modpost: "_*kunit_[a-z0-9_]*" \[.*/ptcore_kunit\.ko\] undefined!$'
if grep -qE '^CONFIG_KUNIT=[ym]' "$hdr/.config"; then
	kunit_undef='^$'
else
	extra=(KBUILD_MODPOST_WARN=1)
fi

# ---- ptcore ----
files=$(cd "$src" && find -L Kbuild c include kunit -type f \( -name '*.[ch]' -o -name Kbuild \) | sort)
mirror "$files" "$src" "$out/ptcore"
echo "  KBUILD  ptcore.ko ptcore_kunit.ko (W=1 C=2)"
log=$out/ptcore.log
rc=0
"${kmake[@]}" M="$out/ptcore" CONFIG_PTCORE=m CONFIG_PTCORE_KUNIT_TEST=m \
	W=1 C=2 "${extra[@]}" modules >"$log" 2>&1 || rc=$?
# Lines that are not diagnostics: Debian's headers come without vmlinux.
grep -v 'Skipping BTF generation' "$log" | grep -vE "$kunit_undef" >"$log.diag" || true
nundef=$(grep -cE "$kunit_undef" "$log" || true)
if [ "$rc" -ne 0 ] || grep -qiE 'warning|error' "$log.diag"; then
	sed "s|$out/ptcore/||" "$log.diag" >&2
	# Objects that compiled with warnings must not let the next run pass.
	"${kmake[@]}" M="$out/ptcore" clean >/dev/null 2>&1 || true
	echo "kbuild.sh: module build failed or warned (status $rc)" >&2
	exit 1
fi
cat "$log.diag"
[ "$nundef" -gt 0 ] && echo "  KBUILD  ptcore_kunit.ko: $nundef KUnit symbols left to the kernel (it has no CONFIG_KUNIT)"
t1=$(date +%s)
for m in ptcore ptcore_kunit; do
	printf '  MODULE  %s.ko: %s bytes, %s exported symbols\n' "$m" \
		"$(stat -c %s "$out/ptcore/$m.ko")" \
		"$(grep -c "	$out/ptcore/$m	" "$out/ptcore/Module.symvers" || true)"
done
echo "  KBUILD  done in $((t1 - t0))s, no warnings (gcc W=1, sparse)"
