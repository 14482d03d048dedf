# syscalls.gp: system calls per task, by group, per model and run.
#
# One cluster of bars per run (fetch, download, files, files --fsync), a bar
# per model stacked by group (a readiness wait, a read or write, a ring
# entry, a futex, a file step, the rest), with a strip of the model's colour
# under its bar. From report.py: models, data (data.'-'.MODEL.'.dat' holds
# "x group_1 .. group_G total"), groups (G), group_title_1 .. group_title_G,
# chart_title, xtics_cmd, xmax, ymax, bw (a bar's width).

group_color(k) = k == 1 ? '#fb8072' : k == 2 ? '#80b1d3' : k == 3 ? '#fdb462' : \
                 k == 4 ? '#bebada' : k == 5 ? '#b3de69' : '#d9d9d9'
group_title(k) = value(sprintf('group_title_%d', k))
# The top of a bar's k-th group: the sum of the groups up to it (columns 2 on).
top(k) = k < 1 ? 0 : sum [i=2:k + 1] column(i)
strip_lo = -0.05 * ymax     # the model's strip, under the axis
strip_hi = -0.01 * ymax

set title chart_title
set ylabel 'system calls per task'
set yrange [strip_lo:ymax]
set xrange [-0.6:xmax]
@xtics_cmd
set xtics scale 0 font ',11'
set grid noxtics ytics
set key below center horizontal noopaque nobox maxrows 2   # under the axis: never over a bar
set bmargin 7

plot for [k=1:groups] for [m in models] data.'-'.m.'.dat' \
         using 1:(top(k)):($1 - bw/2):($1 + bw/2):(top(k - 1)):(top(k)) \
         with boxxyerror fs solid 0.85 border rgb '#333333' lc rgb group_color(k) \
         title (m eq word(models, 1) ? group_title(k) : ''), \
     for [m in models] data.'-'.m.'.dat' using 1:(strip_lo):($1 - bw/2):($1 + bw/2):(strip_lo):(strip_hi) \
         with boxxyerror fs solid 1 noborder lc rgb color(m) title m
