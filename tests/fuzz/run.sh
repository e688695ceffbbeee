#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Run the ptcore fuzz target on one format for a bounded time.
#   run.sh FUZZER BUILDDIR FORMAT SECONDS
# New inputs go to BUILDDIR/corpus-FORMAT; tests/fuzz/corpus is only read.
# A crash leaves its input in BUILDDIR/crash-FORMAT-*: copy it to
# tests/fuzz/regress/ to keep it as a regression test.
set -euo pipefail

fuzzer=$1 dir=$2 fmt=$3 secs=$4
log=$dir/fuzz-$fmt.log
mkdir -p "$dir/corpus-$fmt"
echo "fuzz $fmt: $secs s"
if ! PTCORE_FUZZ_FORMAT=$fmt "$fuzzer" -max_total_time="$secs" -timeout=30 -rss_limit_mb=3072 \
	-max_len=1200 -print_final_stats=1 -artifact_prefix="$dir/crash-$fmt-" \
	"$dir/corpus-$fmt" tests/fuzz/corpus > "$log" 2>&1; then
	tail -n 40 "$log"
	echo "fuzz $fmt: FAILED; the input is in $dir/crash-$fmt-*;" \
	     "copy it to tests/fuzz/regress/ to keep it as a regression test"
	exit 1
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
stats=$(grep '^fuzz-stats' "$log" | tail -n 1 | sed 's/^fuzz-stats: //')
echo "fuzz $fmt: $execs executions; $stats"
