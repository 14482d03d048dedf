# cost-task.gp: the cost of one waiting task, per model: what one more task
# adds, the least-squares slope over the count sweep's N (medians).
#
# Left: memory per task (KB) as a stack of its measured parts, with a black
# dash at the peak-RSS slope itself (the last part is what the slope holds
# beyond the others, clamped at 0, so the sum can exceed it). Right: CPU time
# per task (µs), user and system. From report.py: data (data.'.dat' holds, a
# row per model, "x model part_1 part_2 part_3 rss_kb user_us sys_us
# mem_label cpu_label"), part_title_1 .. part_title_3, chart_title, xmax,
# mem_max, cpu_max, bw (a bar's width).

part_color(k) = k == 1 ? '#4c78a8' : k == 2 ? '#f58518' : '#54a24b'
cpu_color(k) = k == 1 ? '#72b7b2' : '#e45756'
part_title(k) = k == 1 ? part_title_1 : k == 2 ? part_title_2 : part_title_3
# The top of a bar's k-th part: the sum of the parts up to it, from column
# first on (the parts sit in adjacent columns).
top(first, k) = k < 1 ? 0 : sum [i=first:first + k - 1] column(i)
max(a, b) = a > b ? a : b

set xrange [-0.6:xmax]
set xtics scale 0 font ',11'
set grid noxtics ytics
set key below center horizontal noopaque nobox   # under the axis: never over a bar, whatever the data
set bmargin 9
set multiplot layout 1, 2 title chart_title font ',13'

set title 'Memory per waiting task (KB): the measured parts; dash: peak RSS slope'
set ylabel 'KB per task (1 KB = 1,024 bytes)'
set yrange [0:mem_max]
plot for [k=1:3] data.'.dat' using 1:(top(3, k)):($1 - bw/2):($1 + bw/2):(top(3, k - 1)):(top(3, k)):xtic(2) \
         with boxxyerror fs solid 0.85 border rgb '#333333' lc rgb part_color(k) title part_title(k), \
     data.'.dat' using ($1 - bw/2):6:(bw):(0) with vectors nohead lw 3 lc rgb ideal_color title 'peak RSS slope', \
     data.'.dat' using 1:(max(top(3, 3), $6)):9 with labels offset 0,0.9 font ',10' notitle

set title 'CPU time per task (µs): user and system'
set ylabel 'µs per task'
set yrange [0:cpu_max]
plot for [k=1:2] data.'.dat' using 1:(top(7, k)):($1 - bw/2):($1 + bw/2):(top(7, k - 1)):(top(7, k)):xtic(2) \
         with boxxyerror fs solid 0.85 border rgb '#333333' lc rgb cpu_color(k) \
         title (k == 1 ? 'user (the program, libcurl, libuv)' : 'system (the kernel)'), \
     data.'.dat' using 1:(top(7, 2)):10 with labels offset 0,0.9 font ',10' notitle
unset multiplot
