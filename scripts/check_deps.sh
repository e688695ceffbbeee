#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make check-deps: every documented make target installs what it needs
# through scripts/deps.sh, on its own.
#
#   1. every step of make check and make demo is a target scripts/deps.sh
#      knows, and every target it knows is one of make's;
#   2. every target that needs a package has deps-TARGET among its
#      prerequisites (read from make's database, not from the makefiles);
#   3. every target's packages are installed or known to apt (deps.sh --check);
#   4. every target whose packages are all installed runs its dependency
#      step alone (make deps-TARGET), and that step installs nothing.
#
# Usage: scripts/check_deps.sh "CHECK_STEPS" "DEMO_STEPS"
# Environment: MAKE (default make).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
make=${MAKE:-make}
read -r -a steps <<<"$1 ${2:-}"
deps=scripts/deps.sh
fail=0
bad() {
	echo "check-deps: $*"
	fail=1
}

mapfile -t targets < <(bash "$deps" --targets)
db=$(mktemp)
trap 'rm -f "$db"' EXIT
# Make's database of rules, without building anything (-q: exit status 1 is fine).
"$make" --no-print-directory -pq -f Makefile >"$db" 2>/dev/null || true

# 1.
for s in "${steps[@]}"; do
	printf '%s\n' "${targets[@]}" | grep -qxF -- "$s" ||
		bad "make step '$s' is missing in $deps (its NEEDS table)"
done
# 2.
for t in "${targets[@]}"; do
	line=$(grep -m1 -E "^$t:([^=]|$)" "$db" || true)
	if [ -z "$line" ]; then
		bad "$deps knows '$t', make has no such target"
		continue
	fi
	[ -n "$(bash "$deps" --list "$t")" ] || continue
	case " ${line#*:} " in
	*" deps-$t "*) ;;
	*) bad "make $t needs packages but has no deps-$t prerequisite ($line)" ;;
	esac
done
# 3.
bash "$deps" --check "${targets[@]}" | sed 's/^/  /' || fail=1
# 4.
ran=0
for t in "${targets[@]}"; do
	[ -z "$(bash "$deps" --missing "$t")" ] || continue
	out=$("$make" --no-print-directory -s "deps-$t" 2>&1) || bad "make deps-$t failed: $out"
	[ -z "$out" ] || bad "make deps-$t installed something although all was there: $out"
	ran=$((ran + 1))
done
echo "check-deps: ${#targets[@]} targets; $ran dependency steps run alone installed nothing"
if [ "$fail" -ne 0 ]; then
	echo "check-deps: 0 passed, 1 failed"
	exit 1
fi
echo "check-deps: 1 passed, 0 failed"
