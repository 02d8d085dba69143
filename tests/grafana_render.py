#!/usr/bin/python3
"""grafana_render.py - draw each hoist dashboard as a PNG from real data.

    grafana_render.py [--interval 10s] [--var NAME=VALUE]... GRAFANA_DIR URL DB OUTDIR

Grafana is not packaged in Debian, so this stands in for a screenshot: for
every dashboard in GRAFANA_DIR/dashboards it resolves the template
variables as grafana_check.py does (first value of each), runs every
panel's queries against the InfluxDB at URL, and draws the panels where
their gridPos puts them (24 columns; rows, time series, stat and table
panels), with the dashboard's annotations as vertical marks.  --var sets a
variable instead of its first value (NAME=* selects all, like Grafana's
"All"); --interval replaces $__interval.  Writes
OUTDIR/<dashboard>.png.  Needs matplotlib (Debian: python3-matplotlib), so
it runs with the system python3.
"""

import datetime
import glob
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grafana_check as gc  # noqa: E402

ROW_PX = 30          # one gridPos unit of height, in pixels
WIDTH_PX = 1600      # 24 columns
SCALE = {"percent": (1, "%"), "bytes": (1 / 1048576, "MiB"), "Bps": (1 / 1024, "KiB/s"),
         "ms": (1, "ms"), "s": (1, "s"), "pps": (1, "pkt/s"), "iops": (1, "op/s")}


def alias(target, series, col):
    a = target.get("alias")
    tags = series.get("tags") or {}
    if not a:
        return ", ".join(tags.values()) or col
    for k, v in tags.items():
        a = a.replace("$tag_" + k, v)
    return a


def draw_timeseries(ax, panel, values, url, db, marks):
    factor, unit = SCALE.get(panel.get("fieldConfig", {}).get("defaults", {}).get("unit"), (1, ""))
    drawn = 0
    for t in panel["targets"]:
        series, e = gc.influx_query(url, db, gc.substitute(t["query"], values))
        for s in series:
            for ci, col in enumerate(s["columns"][1:], 1):
                pts = [(datetime.datetime.fromtimestamp(r[0] / 1000), r[ci] * factor)
                       for r in s["values"] if isinstance(r[ci], (int, float))]
                if pts:
                    xs, ys = zip(*pts)
                    ax.plot(xs, ys, linewidth=1.2, label=alias(t, s, col))
                    drawn += 1
    for m in marks:
        ax.axvline(m, color="#FF9830", linewidth=0.8, alpha=0.7)
    loc = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
    ax.tick_params(labelsize=7)
    if unit:
        ax.set_ylabel(unit, fontsize=7)
    ax.grid(True, alpha=0.3)
    if drawn:
        ax.legend(fontsize=6, loc="upper left", ncol=2, framealpha=0.6)


def draw_stat(ax, panel, values, url, db):
    parts = []
    for t in panel["targets"]:
        series, e = gc.influx_query(url, db, gc.substitute(t["query"], values))
        for s in series:
            last = [r[1] for r in s["values"] if r[1] is not None]
            if last:
                parts.append((alias(t, s, "value"), last[-1]))
    ax.axis("off")
    n = max(len(parts), 1)
    for i, (name, v) in enumerate(parts):
        x = (i + 0.5) / n
        ax.text(x, 0.5, "%g" % v, ha="center", va="center", fontsize=22, color="#37872D")
        ax.text(x, 0.12, name, ha="center", va="center", fontsize=8)


def draw_table(ax, panel, values, url, db):
    ax.axis("off")
    rows, cols = [], None
    for t in panel["targets"]:
        series, e = gc.influx_query(url, db, gc.substitute(t["query"], values))
        for s in series:
            cols = ["time"] + list((s.get("tags") or {}).keys()) + s["columns"][1:]
            for r in s["values"][:8]:
                when = datetime.datetime.fromtimestamp(r[0] / 1000).strftime("%H:%M:%S")
                rows.append([when] + list((s.get("tags") or {}).values()) +
                            ["%.1f" % v if isinstance(v, float) else str(v) for v in r[1:]])
    if rows:
        tab = ax.table(cellText=rows[:8], colLabels=cols, loc="upper center", cellLoc="left")
        tab.auto_set_font_size(False)
        tab.set_fontsize(7)
        tab.scale(1, 1.1)


def annotation_marks(dash, values, url, db):
    marks = []
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        series, e = gc.influx_query(url, db, gc.substitute(a["query"], values))
        for s in series:
            marks += [datetime.datetime.fromtimestamp(r[0] / 1000) for r in s["values"]]
    return marks


def render(path, url, db, outdir, forced):
    dash = json.load(open(path))
    values = gc.resolve_variables(url, db, dash, os.path.basename(path), forced)
    marks = annotation_marks(dash, values, url, db)
    panels = list(gc.all_panels(dash))
    header = 2                                   # grid units for the title
    units = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels) + header
    fig_h = units * ROW_PX
    fig = plt.figure(figsize=(WIDTH_PX / 100, fig_h / 100), dpi=100)
    fig.patch.set_facecolor("white")
    shown = ", ".join("%s = %s" % (k, "All" if forced.get(k) == "*" else v.replace("\\", ""))
                      for k, v in values.items())
    fig.text(10 / WIDTH_PX, 1 - ROW_PX / fig_h, "%s    [%s]" % (dash["title"], shown),
             fontsize=13, weight="bold", va="center")
    col = WIDTH_PX / 24
    for p in panels:
        g = p["gridPos"]
        top = (g["y"] + header) * ROW_PX         # pixels from the top
        if p["type"] == "row":
            fig.text((g["x"] * col + 10) / WIDTH_PX, 1 - (top + g["h"] * ROW_PX / 2) / fig_h,
                     p["title"], fontsize=11, weight="bold", color="#444444", va="center")
            continue
        # Room inside the cell: title above, tick labels left and below.
        left, right = g["x"] * col + 55, (g["x"] + g["w"]) * col - 12
        a_top, a_bottom = top + 22, top + g["h"] * ROW_PX - 24
        ax = fig.add_axes([left / WIDTH_PX, 1 - a_bottom / fig_h,
                           (right - left) / WIDTH_PX, (a_bottom - a_top) / fig_h])
        ax.set_title(p["title"], fontsize=9, loc="left")
        if p["type"] == "stat":
            draw_stat(ax, p, values, url, db)
        elif p["type"] == "table":
            draw_table(ax, p, values, url, db)
        else:
            draw_timeseries(ax, p, values, url, db, marks)
    name = os.path.splitext(os.path.basename(path))[0]
    out = os.path.join(outdir, name + ".png")
    fig.savefig(out)
    plt.close(fig)
    print("wrote %s" % out)


def main(argv):
    forced = {}
    while argv and argv[0].startswith("--") and len(argv) > 1:
        if argv[0] == "--interval":
            gc.INTERVAL = argv[1]
        elif argv[0] == "--var" and "=" in argv[1]:
            name, value = argv[1].split("=", 1)
            forced[name] = value
        else:
            break
        argv = argv[2:]
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    gdir, url, db, outdir = argv
    os.makedirs(outdir, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(gdir, "dashboards/*.json"))):
        render(path, url.rstrip("/"), db, outdir, forced)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
