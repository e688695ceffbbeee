# SPDX-License-Identifier: GPL-2.0 OR MIT
# Bar chart of bench/bench.c's ratios (ptcore median / io-pgtable median),
# one bar per peer configuration (6.1-strict, 6.1-lazy, 6.12-strict,
# 6.12-lazy), the bars of one workload side by side.
# Usage: gnuplot -e "csv='results.csv'; png='ratios.png'" bench/ratios.gp
# CSV columns: format,granule,workload,peer,ptcore_ns,peer_ns,limit_ns,ratio,...
# The rows with a physical limit (limit_ns > 0) come first, a workload's rows
# one per peer in that order (read_and_clear_dirty: one row, last of them,
# against 6.12 only); the concurrent unmap rows (no limit, ns per
# table removed, lazy peers only) follow and get a panel and a scale of
# their own.
set terminal pngcairo size 3200,900 noenhanced font ",10"
set output png
set datafile separator ","
stats csv skip 1 using (column(7) > 0 ? 1 : 0) nooutput
nlim = int(STATS_sum)
nall = int(STATS_records)

# Colour per peer configuration (line types 1-4), and a gap after each workload.
set linetype 1 lc rgb "#9ecae1"
set linetype 2 lc rgb "#3a6ea5"
set linetype 3 lc rgb "#fdae6b"
set linetype 4 lc rgb "#d94801"
pc(s) = s eq "6.1-strict" ? 1 : s eq "6.1-lazy" ? 2 : s eq "6.12-strict" ? 3 : 4
# The label goes under a workload's first bar (read_and_clear_dirty: one bar, 6.12 only).
first(s) = s eq "6.1-strict" || (s eq "6.1-lazy" && conc) || strstrt(strcol(3), "read_and_clear") == 1
label(i) = strcol(1)." ".strcol(2)." ".strcol(3)

set ylabel "ratio (log scale)"
set logscale y
set yrange [0.02:*]
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -40 left font ",8"
set grid ytics
set key top left
set bmargin 16
set multiplot
if (nlim > 0) {
	conc = 0
	set origin 0,0
	set size (nall > nlim ? 0.85 : 1),1
	set rmargin (nall > nlim ? 2 : 16)
	set title "ptcore / Linux io-pgtable (6.1, 6.12; strict and lazy gather), median ns per call (below 1 = ptcore faster)"
	i = -1
	plot csv skip 1 every ::0::(nlim - 1) \
		using (i = i + 1, i + int(i / 4) * 0.8):8:(pc(strcol(4))):xtic(first(strcol(4)) ? label(0) : "") \
		with boxes lc variable notitle, \
		NaN with boxes lt 1 title "6.1-strict", NaN with boxes lt 2 title "6.1-lazy", \
		NaN with boxes lt 3 title "6.12-strict", NaN with boxes lt 4 title "6.12-lazy", \
		1 with lines lc rgb "#b22222" dt 2 lw 2 notitle
}
if (nall > nlim) {
	conc = 1
	set origin (nlim > 0 ? 0.85 : 0),0
	set size (nlim > 0 ? 0.15 : 1),1
	set rmargin 12
	set title "concurrent unmap: ptcore / lazy peer, ns per table"
	i = -1
	plot csv skip 1 every ::nlim \
		using (i = i + 1, i + int(i / 2) * 0.8):8:(pc(strcol(4))):xtic(first(strcol(4)) ? strcol(3) : "") \
		with boxes lc variable notitle, \
		1 with lines lc rgb "#b22222" dt 2 lw 2 notitle
}
unset multiplot
