# loop.gp: the loop's health, the right way against the way that holds the
# loop up (fetch's pause as a timer or as a blocking sleep; cpu on libuv's
# pool or on the loop), one bar per loop model in each cluster, the pairs
# side by side.
#
# Above: how late a 10 ms timer on the loop fired, the largest lag of the
# run as a bar and the p99 as a black diamond (log scale). Below: the share
# of the run the loop spent running callbacks (loop_busy), in percent.
# From report.py: models, data (data.'-'.MODEL.'.dat' holds
# "x lag_max_ms lag_p99_ms busy_pct busy_label lag_label"), xtics_cmd, xmax,
# bw (a bar's width), ymin, ymax (the lag axis).

set xrange [-0.6:xmax]
@xtics_cmd
set xtics scale 0 font ',10'
set grid noxtics ytics
set key outside right top vertical noopaque nobox   # beside the axis: never over a bar, whatever the data
set boxwidth bw absolute
set lmargin 12
set rmargin 22
set bmargin 3.5
set multiplot layout 2, 1 title "The loop's health: the right way against the loop held up (medians of the counted runs)" font ',13'

set title 'How late a 10 ms timer fired: bar the largest lag of the run, diamond the p99'
set ylabel 'loop lag (ms, log scale)'
set logscale y
set format y '%g'
set yrange [ymin:ymax]
plot for [m in models] data.'-'.m.'.dat' using 1:2 with boxes lc rgb color(m) title m, \
     for [m in models] data.'-'.m.'.dat' using 1:3 with points pt 13 ps 1.4 lc rgb ideal_color \
         title (m eq word(models, 1) ? 'p99 lag' : ''), \
     for [m in models] data.'-'.m.'.dat' using 1:2:6 with labels offset 0,0.8 font ',9' notitle

set title 'Share of the run the loop spent running callbacks (loop_busy)'
set ylabel 'loop busy (%)'
unset logscale y
set format y '%g%%'
set yrange [0:115]
set ytics 0, 20, 100
plot for [m in models] data.'-'.m.'.dat' using 1:4 with boxes lc rgb color(m) title m, \
     for [m in models] data.'-'.m.'.dat' using 1:4:5 with labels offset 0,0.8 font ',9' notitle
unset multiplot
