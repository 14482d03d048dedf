# cost.gp: chart 4, what each model costs as the work grows: peak resident
# memory and CPU time (user + system) against the number of tasks N (the
# count sweep, medians), and the reference clients (not models) grey and
# dash-dotted.
# From report.py: models, data (data.'-'.MODEL.'.dat': "n rss_mib cpu_s"),
# xmin, xmax; refs, the reference clients with data (data.'-ref-'.REF.'.dat',
# the same columns).

set logscale xy
set format x '%g'
set format y '%g'
set key below center horizontal noopaque nobox   # under the axis: never over a point, whatever the data
set xrange [xmin:xmax]
set xlabel 'tasks N (log scale)'
set multiplot layout 1, 2 title 'Cost of the work per model (fetch count sweep, medians)' font ',13'
set title 'Peak memory (max RSS)'
set ylabel 'peak resident memory (MiB, log scale)'
plot for [m in models] data.'-'.m.'.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb color(m) title m, \
     for [r in refs] data.'-ref-'.r.'.dat' using 1:2 with linespoints lw 2 dt ref_dash(r) pt 4 ps 0.8 \
         lc rgb ref_color(r) title r.' (reference)'
set title 'CPU time (user + system)'
set ylabel 'CPU time (s, log scale)'
plot for [m in models] data.'-'.m.'.dat' using 1:3 with linespoints lw 2 pt 7 ps 0.8 lc rgb color(m) title m, \
     for [r in refs] data.'-ref-'.r.'.dat' using 1:3 with linespoints lw 2 dt ref_dash(r) pt 4 ps 0.8 \
         lc rgb ref_color(r) title r.' (reference)'
unset multiplot
