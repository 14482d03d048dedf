# walltime.gp: chart 1, each workload's wall time per model, beside its ideal.
#
# One cluster of bars per workload: a bar per model at its median wall time,
# a whisker from the fastest to the slowest counted run, and the ideal (the
# time if only the waiting counted) as a black dash across the bar. A
# reference client's median (not a model: python_asyncio, curl_parallel) is a
# grey dash-dotted line across its workload's whole cluster.
# From report.py: models, data (data.'-'.MODEL.'.dat' holds
# "x median_s min_s max_s ideal_s label"), chart_title, ideal_title,
# xtics_cmd, xmax, ymin, ymax, bw (a bar's width); refs, the reference
# clients with data (data.'-ref-'.REF.'.dat' holds "x_left x_right median_s").

set title chart_title
set ylabel 'wall time (s, log scale)'
set logscale y
set format y '%g'
set yrange [ymin:ymax]
set xrange [-0.6:xmax]
@xtics_cmd
set xtics scale 0 font ',11'
set bmargin 5
set grid noxtics ytics
set key outside top center horizontal   # never over a bar, whatever the data
set boxwidth bw absolute

plot for [m in models] data.'-'.m.'.dat' using 1:2 with boxes lc rgb color(m) title m, \
     for [m in models] data.'-'.m.'.dat' using 1:3:(0):($4 - $3) with vectors nohead lw 1.5 lc rgb '#333333' notitle, \
     for [m in models] data.'-'.m.'.dat' using ($1 - bw/6):3:(bw/3):(0) with vectors nohead lw 1.5 lc rgb '#333333' notitle, \
     for [m in models] data.'-'.m.'.dat' using ($1 - bw/6):4:(bw/3):(0) with vectors nohead lw 1.5 lc rgb '#333333' notitle, \
     for [m in models] data.'-'.m.'.dat' using ($1-bw/2):5:(bw):(0) with vectors nohead lw 3 dt 1 lc rgb ideal_color \
         title (m eq word(models, 1) ? ideal_title : ''), \
     for [m in models] data.'-'.m.'.dat' using 1:4:6 with labels offset 0,0.9 font ',9' notitle, \
     for [r in refs] data.'-ref-'.r.'.dat' using 1:3:($2 - $1):(0) with vectors nohead lw 2.5 \
         dt ref_dash(r) lc rgb ref_color(r) title r.' (reference, median)'
