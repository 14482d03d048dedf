# common.gp: what every chart of the report shares (loaded by the others).
#
# Sets the terminal and output from the variables report.py passes with -e:
#   fmt     'png' or 'svg'
#   pngterm 'pngcairo' when gnuplot has it, else 'png' (libgd)
#   out     the output path without its extension
#   width, height   the picture's size in pixels
# and gives each model its colour, the same in every chart, and each
# reference client (not a model) its grey and dash pattern.

if (fmt eq 'svg') {
    set terminal svg size width, height dynamic noenhanced font 'Sans,13' background rgb 'white'
} else {
    if (pngterm eq 'pngcairo') {
        set terminal pngcairo size width, height noenhanced font 'Sans,11' background rgb 'white'
    } else {
        set terminal png size width, height noenhanced font 'Sans,10' background rgb 'white'
    }
}
set output out . '.' . fmt

color(m) = m eq 'sync' ? '#d95f02' : m eq 'async_uv' ? '#1b9e77' : m eq 'async_threads' ? '#7570b3' : m eq 'async_coro' ? '#e7298a' : m eq 'async_uring' ? '#1f78b4' : '#666666'
# Each model's filled marker (circle, square, triangle, diamond, triangle
# down) and line width (narrower in the models' order, so that a line drawn
# over an earlier one leaves that one showing at its edges).
model_pt(m) = m eq 'sync' ? 7 : m eq 'async_uv' ? 5 : m eq 'async_threads' ? 9 : m eq 'async_coro' ? 13 : m eq 'async_uring' ? 11 : 7
model_lw(m) = m eq 'sync' ? 5 : m eq 'async_uv' ? 4.5 : m eq 'async_threads' ? 3.5 : m eq 'async_coro' ? 2.5 : m eq 'async_uring' ? 1.5 : 2
ideal_color = '#222222'
ref_color(r) = r eq 'python_asyncio' ? '#555555' : '#8c8c8c'
ref_dash(r) = r eq 'python_asyncio' ? 4 : 5    # dash-dot, dash-dot-dot: not an ideal's dashes
set grid back lc rgb '#dddddd' lw 1
set border 3 lc rgb '#444444'
set tics nomirror out
set style line 100 lc rgb '#bbbbbb' lw 1
set key box ls 100 opaque samplen 2.5 spacing 1.2
set style fill solid 0.85 border rgb '#333333'
