"""Draws every panel of a Grafana dashboard from Prometheus's range API into one PNG.

Only what the saga's dashboard uses: time series panels with Prometheus queries, each
target's `legendFormat` naming its series.
"""

import argparse
import datetime
import json
import math
import re
import sys
import urllib.parse
import urllib.request

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def query_range(url, expr, start, end, step):
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{params}", timeout=30) as answer:
        body = json.load(answer)
    if body.get("status") != "success":
        sys.exit(f"plot-dashboard: {expr}: {body}")
    return body["data"]["result"]


def legend(template, labels):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template)


def draw(axes, panel, url, start, end, step):
    drawn = 0
    for target in panel.get("targets", []):
        for series in query_range(url, target["expr"], start, end, step):
            points = [(float(t), float(v)) for t, v in series["values"] if not math.isnan(float(v))]
            if not points:
                continue
            times = [datetime.datetime.fromtimestamp(t, datetime.timezone.utc) for t, _ in points]
            name = legend(target.get("legendFormat", ""), series["metric"]) or target["expr"]
            axes.plot(times, [v for _, v in points], label=name, linewidth=1.4)
            drawn += 1
    unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
    axes.set_title(panel["title"], fontsize=10)
    axes.set_ylabel({"s": "seconds", "reqps": "per second"}.get(unit, ""), fontsize=8)
    axes.tick_params(labelsize=7)
    axes.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%H:%M:%S"))
    axes.grid(alpha=0.3)
    if drawn:
        axes.legend(fontsize=7, loc="upper left")
    else:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
    return drawn


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dashboard", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    with open(args.dashboard, encoding="utf-8") as file:
        dashboard = json.load(file)
    panels = dashboard["panels"]
    end = datetime.datetime.now(datetime.timezone.utc).timestamp()
    start = end - args.minutes * 60
    step = max(2, round(args.minutes * 60 / 300))
    columns = 3
    rows = math.ceil(len(panels) / columns)
    figure, grid = plt.subplots(rows, columns, figsize=(15, 3.2 * rows), squeeze=False)
    empty = []
    for axes, panel in zip(grid.flat, panels):
        if not draw(axes, panel, args.url.rstrip("/"), start, end, step):
            empty.append(panel["title"])
    for axes in list(grid.flat)[len(panels):]:
        axes.set_visible(False)
    figure.suptitle(f"{dashboard['title']}: the last {args.minutes:g} minutes (UTC)", fontsize=12)
    figure.tight_layout()
    figure.savefig(args.out, dpi=90)
    print(f"plot-dashboard: {len(panels)} panels to {args.out}; without data: {empty or 'none'}")


if __name__ == "__main__":
    main()
