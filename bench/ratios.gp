# SPDX-License-Identifier: GPL-2.0 OR MIT
# Bar chart of bench/bench.c's ratios (ptcore median / io-pgtable median).
# Usage: gnuplot -e "csv='results.csv'; png='ratios.png'" bench/ratios.gp
# The rows with a physical limit (limit_ns > 0) come first in the CSV; the
# concurrent unmap rows (no limit, ns per table removed) follow and get a
# panel and a scale of their own.
set terminal pngcairo size 1600,750 noenhanced font ",10"
set output png
set datafile separator ","
stats csv skip 1 using (column(6) > 0 ? 1 : 0) nooutput
nlim = int(STATS_sum)
nall = int(STATS_records)
set ylabel "ratio"
set yrange [0:*]
set style fill solid 0.6 border -1
set boxwidth 0.7
set xtics rotate by -40 left
set grid ytics
set key off
set bmargin 14
set multiplot
if (nlim > 0) {
	set origin 0,0
	set size (nall > nlim ? 0.75 : 1),1
	set rmargin (nall > nlim ? 2 : 16)
	set title "ptcore / Linux 6.1 io-pgtable, median ns per call (below 1 = ptcore faster)"
	plot csv skip 1 every ::0::(nlim - 1) using 0:7:xtic(strcol(1)." ".strcol(2)." ".strcol(3)) \
		with boxes lc rgb "#3a6ea5", 1 with lines lc rgb "#b22222" dt 2 lw 2
}
if (nall > nlim) {
	set origin (nlim > 0 ? 0.75 : 0),0
	set size (nlim > 0 ? 0.25 : 1),1
	set rmargin 12
	set title "concurrent unmap: ptcore / peer, ns per table"
	plot csv skip 1 every ::nlim using 0:7:xtic(strcol(3)) \
		with boxes lc rgb "#5a9e4b", 1 with lines lc rgb "#b22222" dt 2 lw 2
}
unset multiplot
