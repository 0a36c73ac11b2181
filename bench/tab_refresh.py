"""Benchmark: full refresh of each detailed tab after a filter change, and every panel's time.

Usage:  .venv/bin/python bench/tab_refresh.py [--tickets 1000000] [--changes 12]
        [--warehouse duckdb:///path.duckdb]   (reuse a warehouse instead of building one)

Builds the demo warehouse (unless --warehouse is given), then, in a separate process per tab
(as a Voilà kernel would be), opens the tab with its widgets and applies filter changes.
Prints the full-refresh p50/p95 per tab and each panel's p50, slowest first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TABS = ("service_quality", "help_desk", "customer_experience")

KERNEL = textwrap.dedent("""
    import json, statistics, sys, time
    from datetime import timedelta
    from deskmetrics.ui import TabPage
    url, tab, changes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    page = TabPage.open(tab, url)
    for panel_id in page.results:
        page.panel(panel_id)  # build every widget, as the notebook does
    options = page.session.filter_options()
    pools = {"board": [b for b in options.boards], "client": [c for _, c in options.clients],
             "category": options.categories, "owner": [t for _, t in options.technicians],
             "team": options.teams, "channel": options.channels}
    names = [f for f in page.spec.filters if pools.get(f)]
    to = page.state["date_to"]
    totals, per_panel = [], {}
    for i in range(changes):
        name = names[i % len(names)]
        if i % 3 == 2:
            plan = {n: "" for n in names} | {"date_from": to - timedelta(days=7 * (2 + i % 8))}
        else:
            plan = {name: pools[name][i % len(pools[name])]}
        t = time.perf_counter()
        page.refresh(**plan)
        totals.append((time.perf_counter() - t) * 1000)
        for pid, result in page.results.items():
            per_panel.setdefault(pid, []).append(result.milliseconds)
    totals.sort()
    print(json.dumps({
        "p50": statistics.median(totals),
        "p95": totals[min(len(totals) - 1, round(0.95 * (len(totals) - 1)))],
        "panels": {k: statistics.median(v) for k, v in per_panel.items()},
    }))
""")


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"benchmark step failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build(url: str, tickets: int) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "deskmetrics.cli",
            "demo-data",
            "--tickets",
            str(tickets),
            "--warehouse",
            url,
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--warehouse", help="an existing warehouse URL to reuse")
    parser.add_argument("--tabs", nargs="+", default=list(TABS), choices=TABS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.warehouse or f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        if not args.warehouse:
            build(url, args.tickets)
        results = {tab: run(KERNEL, url, tab, str(args.changes)) for tab in args.tabs}
    print("| tab | full refresh p50 (ms) | p95 (ms) | slowest panel p50 (ms) |")
    print("|---|---|---|---|")
    for tab, r in results.items():
        slowest = max(r["panels"].items(), key=lambda kv: kv[1])
        print(f"| {tab} | {r['p50']:.0f} | {r['p95']:.0f} | {slowest[0]} {slowest[1]:.0f} |")
    print("\n| panel | tab | p50 (ms) |\n|---|---|---|")
    rows = [(ms, pid, tab) for tab, r in results.items() for pid, ms in r["panels"].items()]
    for ms, pid, tab in sorted(rows, reverse=True):
        print(f"| {pid} | {tab} | {ms:.0f} |")
    print(
        f"\n{args.changes} filter changes per tab; {args.tickets:,} demo tickets unless "
        "--warehouse was given; DuckDB embedded warehouse."
    )


if __name__ == "__main__":
    main()
