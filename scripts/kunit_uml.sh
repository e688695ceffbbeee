#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Run ptcore's KUnit suites in a real kernel: User Mode Linux built from
# Debian's linux-source-6.1, once with gcc and once with clang (LLVM=1).
#
# Usage: scripts/kunit_uml.sh [gcc|clang]...     (default: gcc clang)
#
# The source tree is extracted once into $BUILD/linux-6.1 (scripts/linux_src.sh)
# and ptcore is placed in it as lib/ptcore/: symbolic links to this
# repository's Kbuild, Kconfig, c/, include/ and kunit/, plus one `source` line
# in lib/Kconfig and one obj-y line in lib/Makefile, both added only once. The
# tree itself is never built in: kunit.py builds out of tree, in
# $BUILD/uml/gcc and $BUILD/uml/clang, so a rerun only rebuilds what changed.
#
# Environment: BUILD (default build), JOBS (default 2), KUNIT_TIMEOUT (seconds,
# default 600), PTCORE_SRC (the ptcore tree to test, default this repository),
# PTCORE_KERNEL_CACHE (a directory outside the checkout for the tree and the
# two build directories, kept from one checkout to the next: see
# scripts/kernel_cache.sh; default $BUILD).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
src=${PTCORE_SRC:-$root}
src=$(cd "$src" && pwd)
jobs=${JOBS:-2}
timeout=${KUNIT_TIMEOUT:-600}
kunitconfig=$src/kunit/.kunitconfig

if [ ! -f "$kunitconfig" ]; then
	echo "kunit_uml.sh: $kunitconfig is missing" >&2
	exit 1
fi

# shellcheck source=scripts/kernel_cache.sh
. "$root/scripts/kernel_cache.sh"
kcache=$(kernel_cache_dir "$build")
kernel_cache_lock "$kcache/kunit-uml.lock"
tree=$(bash "$root/scripts/linux_src.sh" "$kcache/linux-6.1")

# ---- place ptcore in the tree (idempotent) ----
mkdir -p "$tree/lib/ptcore"
for f in Kbuild Kconfig c include kunit; do
	if [ "$(readlink "$tree/lib/ptcore/$f" 2>/dev/null)" != "$src/$f" ]; then
		ln -sfn "$src/$f" "$tree/lib/ptcore/$f"
	fi
done
grep -qxF 'source "lib/ptcore/Kconfig"' "$tree/lib/Kconfig" ||
	printf '\nsource "lib/ptcore/Kconfig"\n' >>"$tree/lib/Kconfig"
grep -qxF 'obj-y += ptcore/' "$tree/lib/Makefile" ||
	printf '\nobj-y += ptcore/\n' >>"$tree/lib/Makefile"

# Summarise kunit.py's JSON: suites, cases, passed, failed, skipped.
summarise() {
	python3 - "$1" <<'EOF'
import json, sys

# Suites are the top level; a parameterised case is a group of cases.
def walk(t, acc):
    for c in t.get("test_cases", []):
        acc["cases"] += 1
        acc[{"PASS": "passed", "SKIP": "skipped"}.get(c["status"], "failed")] += 1
    for s in t.get("sub_groups", []):
        walk(s, acc)

with open(sys.argv[1]) as f:
    doc = json.load(f)
acc = dict(suites=len(doc.get("sub_groups", [])), cases=0, passed=0, failed=0, skipped=0)
walk(doc, acc)
print("suites=%(suites)d cases=%(cases)d passed=%(passed)d failed=%(failed)d "
      "skipped=%(skipped)d" % acc)
EOF
}

run() {
	local cc=$1 dir=$kcache/uml/$1 t0 t1 rc o
	local -a opts=()

	# Both kernels hunt for memory and locking bugs: KASAN (a table touched
	# after it was freed) and lockdep (a lock taken with interrupts on that
	# softirq context takes too). (UML cannot check for sleeping in atomic
	# context: it has no preemption.)
	#
	# The clang kernel is built with W=1 (only ptcore's own files are judged
	# below). Not the gcc one: on a first build W=1's -Wmissing-include-dirs
	# makes gcc fail every cc-option probe (the generated include directories
	# do not exist yet), so the second build would differ and rebuild it all.
	# gcc's W=1 verdict on ptcore comes from make kbuild.
	for o in DEBUG_KERNEL KASAN PROVE_LOCKING; do
		opts+=(--kconfig_add "CONFIG_$o=y")
	done
	if [ "$cc" = clang ]; then
		opts+=(--make_options LLVM=1 --make_options W=1)
	fi
	mkdir -p "$dir"
	# A new linux-source tarball gets a fresh build directory: its files'
	# mtimes could be older than the objects already there.
	if ! cmp -s "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"; then
		find "$dir" -mindepth 1 -delete
		cp "$tree/.ptcore-stamp" "$dir/.ptcore-tree-stamp"
	fi
	kernel_cache_claim "$dir" "$src" lib/ptcore

	echo "  KUNIT   UML ($cc) in ${dir#"$root"/}"
	t0=$(date +%s)
	rc=0
	rm -f "$dir/results.json"
	python3 "$tree/tools/testing/kunit/kunit.py" run --arch=um \
		--build_dir="$dir" --kunitconfig="$kunitconfig" --jobs="$jobs" \
		--timeout="$timeout" --json="$dir/results.json" "${opts[@]}" \
		>"$dir/kunit.out" 2>&1 || rc=$?
	t1=$(date +%s)
	# kunit.py's own summary, without the line of every passing case: the
	# suites and parameterised cases, whatever did not pass, the totals.
	grep -E '^\[..:..:..\] (.*==|.*(FAILED|CRASHED|SKIPPED|ERROR)|Testing complete|Elapsed time| +# )' \
		"$dir/kunit.out" | sed 's/^/    /' || true
	[ -s "$dir/results.json" ] &&
		echo "  KUNIT   UML ($cc): $(summarise "$dir/results.json"), $((t1 - t0))s"
	# Any compiler diagnostic in ptcore's files fails the run; their objects
	# go, so that the next run compiles (and judges) them again.
	if grep -E '(^|/)lib/ptcore/[^ ]*:[0-9]+:([0-9]+:)? (warning|error):' "$dir/kunit.out" >&2; then
		rm -rf "$dir/lib/ptcore"
		echo "kunit_uml.sh: warnings in ptcore's sources ($cc)" >&2
		return 1
	fi
	# A test can pass while the kernel complains (WARN_ON, a lockdep splat, a
	# KASAN report): any such report once the tests started fails the run.
	# (Boot itself warns about UML's virtio PCI stand-in; that is not ours.)
	if [ -f "$dir/test.log" ] &&
	   sed -n '/KTAP version/,$p' "$dir/test.log" |
	   grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|possible (recursive|circular)|inconsistent lock|sleeping function called' >&2; then
		echo "kunit_uml.sh: the kernel reported a problem while the tests ran ($cc):" \
			"see ${dir#"$root"/}/test.log" >&2
		return 1
	fi
	if [ "$rc" -ne 0 ]; then
		echo "kunit_uml.sh: kunit.py ($cc) failed (status $rc); last lines of ${dir#"$root"/}/kunit.out:" >&2
		tail -n 60 "$dir/kunit.out" >&2
		return 1
	fi
	echo "  KUNIT   UML ($cc): passed"
}

ccs=("$@")
[ ${#ccs[@]} -eq 0 ] && ccs=(gcc clang)
failed=()
for cc in "${ccs[@]}"; do
	case $cc in
	gcc|clang) run "$cc" || failed+=("$cc") ;;
	*) echo "kunit_uml.sh: unknown toolchain '$cc' (gcc or clang)" >&2; exit 2 ;;
	esac
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "kunit_uml.sh: FAILED with ${failed[*]}" >&2
	exit 1
fi
