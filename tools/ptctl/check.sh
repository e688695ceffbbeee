#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# check.sh PTCTL DIR: runs every scenario of DIR (demo*.ptctl, tests/*.ptctl).
# A scenario's "# check: exit N [line L] [TEXT]" line gives the exit status it
# must end with, the line number its error message must name
# ("ptctl: FILE:L: ") and a text the message must contain. Without one, the
# scenario must exit 0, pass at least one expect line and report 0 violations.
set -u
ptctl=$1
dir=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; sed 's/^/     | /' "$tmp/err" | head -n 5; }

run_script() {
	f=$1
	spec=$(sed -n 's/^# check: //p' "$f" | head -n 1)
	want_exit=0 want_line= want_text=
	if [ -n "$spec" ]; then
		set -- $spec
		want_exit=$2
		shift 2
		if [ "${1:-}" = line ]; then
			want_line=$2
			shift 2
		fi
		want_text="$*"
	fi
	"$ptctl" "$f" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want_exit" ]; then
		bad "$f" "exit $got, want $want_exit"
		return
	fi
	if [ -n "$want_line" ] && ! grep -qF "ptctl: $f:$want_line: " "$tmp/err"; then
		bad "$f" "no message naming line $want_line"
		return
	fi
	if [ -n "$want_text" ] && ! grep -qF -- "$want_text" "$tmp/err"; then
		bad "$f" "message lacks '$want_text'"
		return
	fi
	if [ "$want_exit" = 0 ]; then
		if [ -s "$tmp/err" ]; then
			bad "$f" "wrote to stderr"
			return
		fi
		if ! grep -Eq '^summary: .* [1-9][0-9]* expects? passed, .* 0 violations$' "$tmp/out"; then
			bad "$f" "no passed expect, or violations: $(grep '^summary' "$tmp/out")"
			return
		fi
	fi
	ok "$f (exit $got)"
}

# run_cmd NAME WANT_EXIT WANT_TEXT CMD...: a command line that must end with
# WANT_EXIT and, when WANT_TEXT is not empty, say it on stderr.
run_cmd() {
	name=$1 want_exit=$2 want_text=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$want_exit" ]; then
		bad "$name" "exit $got, want $want_exit"
	elif [ -n "$want_text" ] && ! grep -qF -- "$want_text" "$tmp/err"; then
		bad "$name" "message lacks '$want_text'"
	else
		ok "$name (exit $got)"
	fi
}

for f in "$dir"/demo*.ptctl "$dir"/tests/*.ptctl; do
	run_script "$f"
done

# the script from stdin, and from -e
"$ptctl" - <"$dir/demo.ptctl" >"$tmp/out" 2>"$tmp/err"
if [ $? = 0 ] && grep -q ' 0 violations$' "$tmp/out"; then ok "stdin: demo.ptctl"; else bad "stdin" "demo failed"; fi
printf 'map 0 0 4K rw\nbogus\n' | "$ptctl" >"$tmp/out" 2>"$tmp/err"
if [ $? = 2 ] && grep -qF 'ptctl: <stdin>:2: unknown command' "$tmp/err"; then
	ok "stdin: bad script (exit 2)"
else
	bad "stdin: bad script" "want exit 2 and '<stdin>:2: unknown command'"
fi
run_cmd "-e: inline commands" 0 "" "$ptctl" -f arm-s2 -g 16k --ias 40 --oas 40 \
	-e 'map 0x2000000 0x4000000 32M rw' -e 'expect ok' -e 'translate 0x2001234' \
	-e 'expect phys 0x4001234' -e 'expect hw start_level 1'
run_cmd "-e: bad command" 2 "ptctl: -e:2: map: usage" "$ptctl" -e 'info' -e 'map 0'
run_cmd "-e: failing expect" 1 "ptctl: -e:2: expect failed" "$ptctl" -e 'map 0 0 4K rw' -e 'expect -EINVAL'
run_cmd "-q prints no stdout" 0 "" "$ptctl" -q "$dir/demo.ptctl"
if [ -s "$tmp/out" ]; then bad "-q" "stdout not empty"; fi
run_cmd "bad option" 2 "" "$ptctl" --no-such-option
run_cmd "bad option value" 2 "ptctl: --granule 8k" "$ptctl" --granule 8k -e info
run_cmd "missing script" 2 "no-such-file.ptctl" "$ptctl" "$tmp/no-such-file.ptctl"
run_cmd "command-line table refused" 2 "command-line table was not created: -EINVAL" \
	"$ptctl" --ias 49 -e 'map 0 0 4K rw'

# run_out NAME PATTERN CMD...: a command line that must exit 0 and print a
# line matching the extended regular expression PATTERN on stdout.
run_out() {
	name=$1 pattern=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != 0 ]; then
		bad "$name" "exit $got, want 0"
	elif ! grep -Eq -- "$pattern" "$tmp/out"; then
		bad "$name" "no line matching '$pattern'"
	else
		ok "$name (output)"
	fi
}

# map-range: one ptcore call, printed like map; the leaves it left.
run_out "map-range: result line" \
	'^    -> ok, mapped 0x402000 \(4104K\)$' \
	"$ptctl" --ias 40 --oas 40 -e 'map-range 0x1ff000 0x3ff000 0x402000 rw'
run_out "map-range: 2M blocks in the dump" \
	'L2\[1\.\.2\] +0x0000200000-0x00005fffff 2 blocks 2M -> 0x400000\.\.0x7fffff ' \
	"$ptctl" --ias 40 --oas 40 -e 'map-range 0x1ff000 0x3ff000 0x402000 rw' -e dump
run_out "map-range: error result" '-> -EINVAL, mapped 0x0 \(0\)$' \
	"$ptctl" -e 'map-range 0x800 0 4K rw'
# unmap-collect: each run as ptcore reports it, then the total.
run_out "unmap-collect: a run" \
	'^      removed 0x1ff000\.\.0x600fff -> 0x3ff000 \(4104K\)$' \
	"$ptctl" --ias 40 --oas 40 -e 'map-range 0x1ff000 0x3ff000 0x402000 rw' \
	-e 'unmap-collect 0x1ff000 0x402000'
run_out "unmap-collect: two runs at a physical jump" \
	'-> ok, unmapped 0x3000 \(12K\) in 2 runs of 0x3000 \(12K\)$' \
	"$ptctl" -e 'map 0 0x10000 4Kx2 rw' -e 'map 0x2000 0x40000 4K rw' \
	-e 'unmap-collect 0 0x3000'
run_out "unmap-collect: a hole" '-> -EINVAL, unmapped 0x1000 \(4K\) in 1 run of 0x1000 \(4K\)$' \
	"$ptctl" -e 'map 0 0x10000 4K rw' -e 'unmap-collect 0 0x2000'
# free-empty: the sync frees the tables the unmap left empty.
run_out "free-empty: tables freed by the sync" '^    -> 1 flush, 3 tables freed$' \
	"$ptctl" -F free-empty -e 'map 0x1000 0x10000 4K rw' -e 'unmap 0x1000 4K' -e sync
run_out "free-empty off: none" '^    -> 1 flush, 0 tables freed$' \
	"$ptctl" -e 'map 0x1000 0x10000 4K rw' -e 'unmap 0x1000 4K' -e sync
run_out "free-empty: stats after" 'tables: allocated 4, freed 3, live 1;' \
	"$ptctl" -F free-empty -e 'map 0x1000 0x10000 4K rw' -e 'unmap 0x1000 4K' -e sync -e stats

# cut: break-before-make flushes the old block in the cut, bbml2 does not;
# the page between two cuts of a block unmaps alone.
run_out "cut: break-before-make flushes in the cut" '-> ok, 1 flush in the cut$' \
	"$ptctl" -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'cut 0x201000'
run_out "cut: bbml2 is hitless" '-> ok, 0 flushes in the cut$' \
	"$ptctl" -F bbml2 -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'cut 0x201000'
run_out "cut: the gather gets the old block" '^    gather \[0x200000\.\.0x3fffff\] pgsize 2M nr_tables=0$' \
	"$ptctl" -F bbml2 -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'cut 0x201000'
run_out "cut: then a page unmaps alone" '-> ok, unmapped 0x1000 \(4K\)$' \
	"$ptctl" -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'cut 0x201000' -e 'cut 0x202000' \
	-e 'unmap 0x201000 4K'
run_out "cut: without it the unmap is refused" '-> -EINVAL, unmapped 0x0 \(0\)$' \
	"$ptctl" -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'unmap 0x201000 4K'
run_out "cut: misaligned" '-> -EINVAL, 0 flushes in the cut$' "$ptctl" -e 'cut 0x800'
run_out "cut: beyond ias" '-> -ERANGE, 0 flushes in the cut$' "$ptctl" -e 'cut 0x1000000000000'
run_out "cut: translations stay" '-> 0x401000$' \
	"$ptctl" -e 'map-range 0x200000 0x400000 0x200000 rw' -e 'cut 0x201000' -e 'translate 0x201000'

echo "check-ptctl: $pass passed, $fail failed"
[ "$fail" = 0 ]
