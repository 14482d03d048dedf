"""measured.py: the section "How this was measured"."""

from aiobench.report.context import Lines


def section(ctx):
    """The machine, the software, the command and the data files."""
    out = Lines()
    meta, machine, soft = ctx.meta, ctx.meta["machine"], ctx.meta["software"]
    git = meta["git"]
    out.add("## How this was measured", "",
            "| | |", "|---|---|",
            f"| command | `{meta['command']}` (plan: {meta['mode']}) |",
            f"| started, duration | {meta['started']}, {meta['duration_s'] / 60:.1f} min |",
            f"| runs | {meta['warmups_per_config']} warm-up + {meta['runs_per_config']} counted per "
            "configuration and model, the models interleaved run by run |",
            f"| skip rule | a run estimated over {meta['skip_limit_s']:g} s is skipped, not cut |",
            f"| CPU | {machine['cpu_model']}, {machine['cores']} core(s), "
            f"{machine['memory_kb'] / 1048576:.1f} GiB |",
            f"| kernel | {machine['kernel']}; pid_max {machine['pid_max']:,}; open files "
            f"{machine['nofile_hard']:,} |",
            f"| compiler | {soft['compiler']} |",
            f"| libraries | libcurl {soft['libcurl']}, libuv {soft['libuv'] or 'n/a'}, "
            f"cJSON {soft['cjson']}, civetweb {soft['civetweb'] or 'n/a'} |",
            f"| tools | {soft['gnuplot']}, Python {soft['python']} |",
            f"| git commit | {git['commit']}{' (with uncommitted changes)' if git['dirty'] else ''} |",
            (f"| server | {ctx.external} (given by --url; not started by the bench) |"
             if ctx.external else
             f"| server | bin/mock_server, keep-alive {meta['server']['keep_alive']}, threads "
             f"per start: {', '.join(map(str, meta['server']['threads_started'])) or 'none'} |"),
            f"| models | {', '.join(ctx.res.models)} |",
            *([f"| reference clients (not models) | " + "; ".join(
                 f"{name}: " + (f"not run ({facts['skipped']})" if facts.get("skipped")
                                else facts.get("version") or "ran")
                 for name, facts in ctx.res.ref_clients.items()) + " |"]
              if ctx.res.ref_clients else []), "",
            "The data: [runs.csv](runs.csv) (one row per counted run), "
            "[meta.json](meta.json), and traces/ (the per-task trace of the median "
            "headline runs).", "")
    return out
