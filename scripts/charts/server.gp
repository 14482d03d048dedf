# server.gp: was the mock server ever the bottleneck? For the count and the
# window sweeps: the most requests the server held at once in each run
# (its /stats max_in_flight) against what the client could have in flight,
# under the server's thread count (civetweb: one thread per waiting request),
# a step line that holds each point's threads until the next point, with an
# x at each point.
# From report.py: models, data (data.'-'.SWEEP.'-'.MODEL.'.dat':
# "x max_in_flight expected"; data.'-'.SWEEP.'-threads.dat': "x threads"),
# sweeps (those of 'count window' with data), title_count, title_window, and the x ranges xmin_count, xmax_count,
# xmin_window, xmax_window, and the y tops ymax_count, ymax_window (room
# above the data for the key).

set logscale xy
set format x '%g'
set format y '%.0f'
set key below center horizontal noopaque nobox   # under the axis: never over a point, whatever the data
set ylabel 'requests held at once by the server'
set multiplot layout 1, words(sweeps) title 'The server against the load: the most requests it held at once in each run (/stats max_in_flight) and its threads' font ',13'
do for [sweep in sweeps] {
    set title value('title_' . sweep)
    set xrange [value('xmin_' . sweep):value('xmax_' . sweep)]
    set yrange [0.7:value('ymax_' . sweep)]
    set xlabel (sweep eq 'count' ? 'tasks N (log scale)' : 'window C (log scale)')
    plot data.'-'.sweep.'-threads.dat' using 1:2 with steps lw 2 dt 2 lc rgb '#d62728' title 'server threads', \
         data.'-'.sweep.'-threads.dat' using 1:2 with points pt 2 ps 1.2 lw 2 lc rgb '#d62728' notitle, \
         for [m in models] data.'-'.sweep.'-'.m.'.dat' using 1:3 with lines lw 1.5 dt 3 lc rgb '#777777' \
             title (m eq word(models, 1) ? 'what each client could have in flight' : ''), \
         for [m in models] data.'-'.sweep.'-'.m.'.dat' using 1:2 with points pt 7 ps 1.0 lc rgb color(m) \
             title m.': max_in_flight'
}
unset multiplot
