"""Benchmark: demo warehouse build, import throughput, Dashboard refresh latency, kernel memory.

Usage:  .venv/bin/python bench/dashboard_refresh.py [--sizes 100000 1000000] [--changes 40]

For each size it builds a fresh embedded DuckDB warehouse from the demo generator, then starts
a separate Python process that does what a Voilà dashboard kernel does (open the Dashboard tab
with its widgets, then apply a series of filter changes) and reports the refresh latency of
each change and that process's peak memory. Prints one table; copy it into the README.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

KERNEL = textwrap.dedent("""
    import json, resource, statistics, sys, time
    from datetime import timedelta
    from deskmetrics.ui import DashboardTab
    url, changes = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    tab = DashboardTab.open(url)
    first = time.perf_counter() - t0
    for show in (tab.filters, tab.kpis, tab.trend, tab.breakdown, tab.health):
        show()
    options = tab.session.filter_options()
    to = tab.state["date_to"]
    plans = []
    for i in range(changes):
        step = i % 4
        if step == 0:
            plans.append({"board": options.boards[i % len(options.boards)]})
        elif step == 1:
            plans.append({"category": options.categories[i % len(options.categories)]})
        elif step == 2:
            plans.append({"client": options.clients[i % len(options.clients)][1], "board": ""})
        else:
            plans.append({"client": "", "category": "",
                          "date_from": to - timedelta(days=7 * (1 + i % 12))})
    times = []
    for plan in plans:
        t = time.perf_counter()
        tab.refresh(**plan)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(round(q * (len(times) - 1))))]
    print(json.dumps({
        "open_s": first, "p50_ms": statistics.median(times), "p95_ms": pick(0.95),
        "max_ms": times[-1], "changes": len(times),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
""")

BUILD = textwrap.dedent("""
    import json, resource, sys, time
    from deskmetrics.config import load_settings
    from deskmetrics.demo import generate
    from deskmetrics.warehouse.engine import Warehouse
    from deskmetrics.warehouse.importer import import_frames
    url, tickets = sys.argv[1], int(sys.argv[2])
    settings = load_settings(use_local=False)
    t = time.perf_counter()
    frames = generate(tickets=tickets)
    generated = time.perf_counter() - t
    rows = sum(len(f) for f in frames.values())
    t = time.perf_counter()
    import_frames(Warehouse(url), frames, settings)
    loaded = time.perf_counter() - t
    print(json.dumps({"generate_s": generated, "import_s": loaded, "rows": rows,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"benchmark step failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            url = f"duckdb:///{Path(tmp) / f'bench-{size}.duckdb'}"
            build = run(BUILD, url, str(size))
            kernel = run(KERNEL, url, str(args.changes))
            rows.append((size, build, kernel))
            print(f"... {size:,} tickets done", file=sys.stderr, flush=True)
    header = (
        "| tickets | rows loaded | import (rows/s) | load peak MiB | first open (s) | "
        "refresh p50 (ms) | refresh p95 (ms) | kernel peak MiB |"
    )
    print(header)
    print("|" + "---|" * 8)
    for size, build, kernel in rows:
        print(
            f"| {size:,} | {build['rows']:,} | {build['rows'] / build['import_s']:,.0f} | "
            f"{build['peak_rss_mib']:,.0f} | {kernel['open_s']:.2f} | {kernel['p50_ms']:.0f} | "
            f"{kernel['p95_ms']:.0f} | {kernel['peak_rss_mib']:,.0f} |"
        )
    print(
        f"\n{args.changes} filter changes per size (board, category, client, date range), "
        "DuckDB embedded warehouse, Python "
        f"{sys.version.split()[0]}, measured {time.strftime('%Y-%m-%d')}."
    )


if __name__ == "__main__":
    main()
