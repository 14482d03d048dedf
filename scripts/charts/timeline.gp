# timeline.gp: chart 2, every task of one run as a bar from its start to its
# end, one panel per model, each on its own time axis.
#
# sync's tasks form a staircase, the async models' a wall. A task that was
# retried is drawn lighter from its first start to its last attempt's start.
# From report.py: models, data (data.'-'.MODEL.'.dat' holds
# "id start_s attempt_start_s end_s state", state 0 completed, 1 failed,
# 2 other), chart_title, ymax, ylabel_text, ytics_cmd, and for each model
# a panel title in the variable 'ptitle_'.MODEL and its time axis:
# 'xmax_'.MODEL (in its unit), 'xscale_'.MODEL (the unit per second: 1 for
# s, 1000 for ms) and 'xunit_'.MODEL.

state_rgb(s) = s == 0 ? 0x2ca02c : s == 1 ? 0xd62728 : 0x999999
retry_rgb(s) = s == 0 ? 0xb7e4b0 : s == 1 ? 0xf7b6b6 : 0xdddddd
set style fill solid 1.0 noborder
set yrange [0.4:ymax + 0.6]
set ylabel ylabel_text
@ytics_cmd
set lmargin 24
set rmargin 26
set grid xtics noytics
set key outside right top vertical noopaque nobox

set multiplot layout words(models), 1 title chart_title font ',13'
do for [i = 1:words(models)] {
    m = word(models, i)
    k = value('xscale_' . m)
    set title value('ptitle_' . m) font ',11'
    set xrange [0:value('xmax_' . m)]
    set xlabel 'time since the run started ('.value('xunit_' . m).')' offset 0, 0.6
    if (i == 1) {
        plot data.'-'.m.'.dat' using (k * ($2 + $3) / 2):1:(k * $2):(k * $3):($1 - 0.42):($1 + 0.42):(retry_rgb($5)) \
                 with boxxyerror lc rgb variable notitle, \
             data.'-'.m.'.dat' using (k * ($3 + $4) / 2):1:(k * $3):(k * $4):($1 - 0.42):($1 + 0.42):(state_rgb($5)) \
                 with boxxyerror lc rgb variable notitle, \
             keyentry with boxes fc rgb '#2ca02c' title 'completed', \
             keyentry with boxes fc rgb '#d62728' title 'failed', \
             keyentry with boxes fc rgb '#b7e4b0' title 'before a retry'
    } else {
        plot data.'-'.m.'.dat' using (k * ($2 + $3) / 2):1:(k * $2):(k * $3):($1 - 0.42):($1 + 0.42):(retry_rgb($5)) \
                 with boxxyerror lc rgb variable notitle, \
             data.'-'.m.'.dat' using (k * ($3 + $4) / 2):1:(k * $3):(k * $4):($1 - 0.42):($1 + 0.42):(state_rgb($5)) \
                 with boxxyerror lc rgb variable notitle
    }
}
unset multiplot
