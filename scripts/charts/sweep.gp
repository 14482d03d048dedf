# sweep.gp: chart 3, a sweep: wall time against the varied setting, one line
# per model (median, whiskers min to max), beside the ideal lines.
#
# A point a model skipped (one run would take too long) is drawn as an open
# marker on its ideal, so its line continues as the ideal only. With
# panels = 2 a second panel shows each model's speed-up over sync.
# From report.py: models, data (data.'-'.MODEL.'.dat': "x median min max";
# data.'-skipped-'.MODEL.'.dat': "x ideal"; data.'-ideal-'.K.'.dat': "x ideal"
# for K = 1..nideal, titled by the variables 'ideal_title_'.K;
# data.'-speedup-'.MODEL.'.dat': "x ratio"), chart_title, xlabel_text,
# ylabel_text, logx, logy, xmin, xmax, xtics_cmd, panels, skipped_title, and
# the models that have skipped points or speed-ups: skipped_models,
# speedup_models. Optional: mark_x and mark_title, a dotted vertical line
# (the machine's cores in the thread sweep of cpu); refs, the reference
# clients (not models) with data (data.'-ref-'.REF.'.dat': "x median min
# max"), each titled by the variable 'ref_title_'.REF and drawn grey,
# dash-dotted, with open markers. The ideals are drawn last, over the
# models' lines, black and dashed (the K-th: dash type K+1). Each model has
# its own filled marker (model_pt) and its lines narrow in the models' order
# (model_lw), so that a line drawn over another leaves it showing at its
# edges; each model's x is multiplied by its variable 'shift_'.MODEL (1:
# drawn at its x; the window sweep moves coinciding lines a little apart).

set logscale y
if (logx) { set logscale x }
if (!logy) { unset logscale y; set yrange [0:*] }
set format y '%g'
set format x '%g'
@xtics_cmd
set xrange [xmin:xmax]
set key below center horizontal noopaque nobox   # under the axis: never over a point, whatever the data
set lmargin 10
if (panels == 2) { set multiplot layout 2, 1 }
if (exists('mark_x')) {
    set arrow 1 from mark_x, graph 0 to mark_x, graph 1 nohead dt 3 lw 1.5 lc rgb '#888888' back
    set label 1 mark_title at mark_x, graph 0.96 left offset 0.5, 0 tc rgb '#555555'
}

set title chart_title
set xlabel xlabel_text
set ylabel ylabel_text
plot for [m in models] data.'-'.m.'.dat' using ($1 * value('shift_' . m)):2:3:4 \
         with yerrorlines lw model_lw(m) pt model_pt(m) ps 1.0 lc rgb color(m) title m, \
     for [m in skipped_models] data.'-skipped-'.m.'.dat' using ($1 * value('shift_' . m)):2 \
         with points pt 6 ps 1.6 lw 2 \
         lc rgb color(m) title sprintf(skipped_title, m), \
     for [r in refs] data.'-ref-'.r.'.dat' using 1:2:3:4 with yerrorlines \
         lw 2 dt ref_dash(r) pt 4 ps 0.9 lc rgb ref_color(r) title value('ref_title_' . r), \
     for [k = 1:nideal] data.'-ideal-'.k.'.dat' using 1:2 with lines dt k+1 lw 1.5 \
         lc rgb ideal_color title value('ideal_title_' . k)

if (panels == 2) {
    set title 'Speed-up over sync at each setting (sync time / model time; above 1: faster than sync)'
    set ylabel 'speed-up (x, log scale)'
    plot 1 with lines dt 2 lw 1.5 lc rgb ideal_color title 'break-even (1x)', \
         for [m in speedup_models] data.'-speedup-'.m.'.dat' using 1:2 with linespoints \
             lw model_lw(m) pt model_pt(m) ps 1.0 \
             lc rgb color(m) title m
    unset multiplot
}
