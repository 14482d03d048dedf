# rate.gp: the rate sweep: p99 latency against the rate the tasks were
# asked to start at (--rate R), two lines per model: from each task's
# intended start (i/R s) and from its actual start.
#
# Compare with sweep.gp, which draws wall time: here the y is a latency,
# and the gap between a model's two lines is how late its tasks started,
# the wait that timing from the actual start leaves out (coordinated
# omission). From report.py: models, data (data.'-intended-'.MODEL.'.dat'
# and data.'-start-'.MODEL.'.dat': "x median min max", the p99 from the
# intended and from the actual start over the counted runs;
# data.'-ideal-'.K.'.dat': "x ideal" for K = 1..nideal, the ideal p99 from
# the intended start, titled by the variables 'ideal_title_'.K),
# chart_title, xlabel_text, ylabel_text, xmin, xmax, ymin, ymax, xtics_cmd,
# ytics_cmd, and mark_x, mark_title: the grey dotted upright line at 1/L,
# the rate one task at a time can keep up with; 'ideal_of_'.MODEL, the K of
# the model's ideal, and 'ideal_words_'.K, its formula. One panel per model, on the same axes: at 1/L and
# below every model's lines lie on one another, and in one panel the loop's
# wide line would hide sync's thin one. From the intended start: the
# model's colour, a wide line and its filled marker (model_pt, common.gp);
# from the actual start: the same colour, a thin line drawn over it, and
# the open marker of the same shape (model_pt - 1), so that where the two
# coincide both show. The model's ideal is drawn last, black and dashed
# (the K-th: dash type K+1); no model line is dashed.

set logscale xy
set format y '%g'
set format x '%g'
@xtics_cmd
@ytics_cmd
set xrange [xmin:xmax]
set key below center vertical noopaque nobox
set lmargin 10
set yrange [ymin:ymax]
set arrow 1 from mark_x, graph 0 to mark_x, graph 1 nohead dt 3 lw 1.5 lc rgb '#888888' back
set label 1 mark_title at mark_x, graph 0.96 left offset 0.5, 0 tc rgb '#555555'
set xlabel xlabel_text
set ylabel ylabel_text

set multiplot layout 1, words(models) title chart_title
do for [m in models] {
    k = value('ideal_of_' . m)
    set title m
    plot data.'-intended-'.m.'.dat' using 1:2:3:4 \
             with yerrorlines lw model_lw(m) pt model_pt(m) ps 1.0 lc rgb color(m) \
             title m.', from the intended start', \
         data.'-start-'.m.'.dat' using 1:2:3:4 \
             with yerrorlines lw 1.5 pt model_pt(m) - 1 ps 1.6 lc rgb color(m) \
             title m.', from the actual start', \
         data.'-ideal-'.k.'.dat' using 1:2 with lines dt k+1 lw 1.5 \
             lc rgb ideal_color title 'ideal from the intended start: ' . value('ideal_words_' . k)
}
unset multiplot
