# SPDX-License-Identifier: GPL-2.0 OR MIT
# Bar chart of bench/bench.c's ratios (ptcore median / io-pgtable median).
# Usage: gnuplot -e "csv='results.csv'; png='ratios.png'" bench/ratios.gp
set terminal pngcairo size 1500,750 noenhanced font ",10"
set output png
set datafile separator ","
set title "ptcore / Linux 6.1 io-pgtable, median ns per call (below 1 = ptcore faster)"
set ylabel "ratio"
set yrange [0:*]
set style fill solid 0.6 border -1
set boxwidth 0.7
set xtics rotate by -40 left
set grid ytics
set key off
set bmargin 14
set rmargin 16
plot csv skip 1 using 0:7:xtic(strcol(1)." ".strcol(2)." ".strcol(3)) with boxes lc rgb "#3a6ea5", \
     1 with lines lc rgb "#b22222" dt 2 lw 2
