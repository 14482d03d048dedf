"""charts.py: the charts, drawn by gnuplot with the scripts of scripts/charts/.

A section writes its data files (write_dat) and asks Charts.render for
charts/NAME.png and .svg; gnuplot is given the variables as a file of
assignments, then scripts/charts/common.gp and the chart's own script.
"""

import os
import subprocess

from aiobench import ROOT
from aiobench.errors import ReportError

CHART_SCRIPTS = os.path.join(ROOT, "scripts", "charts")
PNG_SIZE = {"walltime": (1500, 650), "timeline": (1400, 1100), "sweep": (1200, 700),
            "sweep2": (1200, 1000), "sweep-refs": (1200, 820), "server": (1500, 720),
            "cost": (1500, 620), "cost-task": (1500, 650), "loop": (1400, 950),
            "syscalls": (1500, 750)}


def log_range(values):
    """An x range around positive values on a log axis, with a margin."""
    values = [v for v in values if v and v > 0] or [1]
    return min(values) / 1.25, max(values) * 1.25


def check_gnuplot():
    """Raises ReportError unless gnuplot runs."""
    try:
        subprocess.run(["gnuplot", "--version"], capture_output=True, check=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as err:
        raise ReportError(f"gnuplot cannot run ({err}); install gnuplot-nox "
                          "(scripts/install-deps.sh)") from err


def png_terminal():
    """pngcairo when this gnuplot has it (antialiased), else libgd's png."""
    done = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True,
                          timeout=20)
    return "pngcairo" if "pngcairo" in done.stdout + done.stderr else "png"


def gp_value(value):
    """A Python value as a gnuplot literal."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value)


def gp_tics(axis, labels):
    """A 'set xtics (...)' command from [(label, position)]."""
    inner = ", ".join('"{}" {}'.format(label.replace('"', "'"), pos) for label, pos in labels)
    return f"set {axis}tics ({inner})"


def write_dat(path, rows, header):
    """A whitespace-separated data file; None becomes NaN, text is quoted."""
    with open(path, "w") as dat:
        dat.write(f"# {header}\n")
        for row in rows:
            cells = []
            for value in row:
                if value is None:
                    cells.append("NaN")
                elif isinstance(value, str):
                    cells.append('"' + value.replace('"', "'") + '"')
                else:
                    cells.append(f"{value:.6g}" if isinstance(value, float) else str(value))
            dat.write(" ".join(cells) + "\n")


class Charts:
    """Renders scripts/charts/*.gp into charts/NAME.png and .svg."""

    def __init__(self, folder, data_dir):
        self.out_dir = os.path.join(folder, "charts")
        self.data_dir = data_dir
        self.pngterm = png_terminal()
        os.makedirs(self.out_dir, exist_ok=True)
        self.made = []

    def data(self, name):
        return os.path.join(self.data_dir, name)

    def render(self, name, script, size, variables):
        """Runs gnuplot on script with variables, once per format."""
        vars_path = self.data(f"{name}.vars.gp")
        with open(vars_path, "w") as vars_file:
            for key, value in variables.items():
                vars_file.write(f"{key} = {gp_value(value)}\n")
        width, height = PNG_SIZE[size]
        for fmt in ("png", "svg"):
            setup = (f"fmt={gp_value(fmt)}; pngterm={gp_value(self.pngterm)}; "
                     f"out={gp_value(os.path.join(self.out_dir, name))}; "
                     f"width={width}; height={height}")
            cmd = ["gnuplot", "-e", setup, vars_path, os.path.join(CHART_SCRIPTS, "common.gp"),
                   os.path.join(CHART_SCRIPTS, script)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                lines = [l for l in done.stderr.splitlines() if l.strip()]
                raise ReportError(f"gnuplot failed on {script} for {name}.{fmt}: "
                                  f"{lines[-1] if lines else 'no message'}")
        self.made.append(name)
        return f"charts/{name}.png"
