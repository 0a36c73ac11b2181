"""Benchmark: full refresh of each detailed tab after a filter change, and every panel's time.

Usage:  .venv/bin/python bench/tab_refresh.py [--tickets 1000000] [--changes 12]
        [--warehouse duckdb:///path.duckdb]   (reuse it when it exists, else build it there)
        [--tabs service_quality help_desk customer_experience business]
        [--agreements 10000] [--revenue-lines 50000] [--runs 20]   (the Business tab)

Builds the demo warehouse (unless --warehouse names one that exists; a --warehouse that does
not exist yet is built and kept, so the next run reuses it), then, in a separate process per
tab (as a Voilà kernel would be), opens the tab with its widgets and applies filter changes.
Prints the full-refresh p50/p95 per tab and each panel's p50, slowest first.

With the business tab the warehouse is built by bench/business_scale.py: the demo's clients
and their business data replicated to at least --agreements agreements and --revenue-lines
revenue lines, the tickets spread over the copies. The Business tab takes --runs rounds of
four filter changes (all clients and one client, for the default 30 days and for 12 months)
and gets a table of its own, with the data sizes counted in the warehouse.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TABS = ("service_quality", "help_desk", "customer_experience", "business")
DEFAULT_TABS = TABS[:3]
BUSINESS = "business"

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

# The Business tab: rounds of four filter changes, each a different scenario from the one
# before; the one-client changes take a different client each round (the same in both periods).
SCENARIO_KERNEL = textwrap.dedent("""
    import json, os, statistics, sys, time
    from datetime import timedelta
    from deskmetrics.panels.business_base import add_months
    from deskmetrics.ui import TabPage
    url, tab, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t = time.perf_counter()
    page = TabPage.open(tab, url)
    for panel_id in page.results:
        page.panel(panel_id)  # build every widget, as the notebook does
    opened = time.perf_counter() - t
    clients = [c for _, c in page.session.filter_options().clients]
    to = page.state["date_to"]
    periods = {"30 days": to - timedelta(days=29),
               "12 months": add_months(to, -12) + timedelta(days=1)}
    scenarios = [(p, who) for p in periods for who in ("all clients", "one client")]
    totals = {s: [] for s in scenarios}
    queries = {s: [] for s in scenarios}
    per_panel = {s: {} for s in scenarios}
    load = [os.getloadavg()[0]]
    for i in range(runs):
        for period, who in scenarios:
            client = clients[(i * len(clients)) // runs] if who == "one client" else ""
            t = time.perf_counter()
            page.refresh(client=client, date_from=periods[period])
            totals[(period, who)].append((time.perf_counter() - t) * 1000)
            queries[(period, who)].append(sum(r.milliseconds for r in page.results.values()))
            for pid, result in page.results.items():
                per_panel[(period, who)].setdefault(pid, []).append(result.milliseconds)
        load.append(os.getloadavg()[0])
    def pick(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]
    print(json.dumps({
        "opened_s": opened, "clients": len(clients), "runs": runs, "load": load,
        "scenarios": [{
            "period": p, "clients": who, "p50": statistics.median(totals[(p, who)]),
            "p95": pick(totals[(p, who)], 0.95),
            "queries_p50": statistics.median(queries[(p, who)]),
            "panels": {k: statistics.median(v) for k, v in per_panel[(p, who)].items()},
        } for p, who in scenarios],
    }))
""")

SIZES = textwrap.dedent("""
    import json, sys
    from sqlalchemy import func, select
    from deskmetrics.schema import business_tables as b, tables as t
    from deskmetrics.warehouse.engine import Warehouse
    with Warehouse(sys.argv[1]).reading() as conn:
        def count(table, *where):
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        sizes = {name: count(table) for name, table in (
            ("tickets", t.tickets), ("clients", t.clients), ("agreements", b.agreements),
            ("revenue lines", b.revenue_lines), ("hard costs", b.hard_costs),
            ("devices", b.devices), ("projects", b.projects),
            ("opportunities", b.opportunities), ("opportunity stage changes",
            b.opportunity_stages), ("time entries", t.time_entries))}
        sizes["time entries with an agreement"] = count(
            t.time_entries, t.time_entries.c.agreement_id.is_not(None))
    print(json.dumps(sizes))
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


def build_business(url: str, tickets: int, agreements: int, revenue_lines: int) -> None:
    """The demo warehouse with its business replicated to the asked sizes."""
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("business_scale.py")),
            "--warehouse",
            url,
            "--tickets",
            str(tickets),
            "--agreements",
            str(agreements),
            "--revenue-lines",
            str(revenue_lines),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def exists(url: str) -> bool:
    """Whether the warehouse is there to reuse (a DuckDB file that exists; any server URL)."""
    if url.startswith("duckdb:///"):
        return Path(url.removeprefix("duckdb:///")).exists()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument(
        "--warehouse", help="a warehouse URL to reuse; a DuckDB file not there yet is built, kept"
    )
    parser.add_argument("--tabs", nargs="+", default=list(DEFAULT_TABS), choices=TABS)
    parser.add_argument("--agreements", type=int, default=10_000, help="business: at least")
    parser.add_argument("--revenue-lines", type=int, default=50_000, help="business: at least")
    parser.add_argument("--runs", type=int, default=20, help="business: rounds of 4 changes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.warehouse or f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        built = not exists(url)
        if built and BUSINESS in args.tabs:
            print("... building the business-scale warehouse", file=sys.stderr, flush=True)
            build_business(url, args.tickets, args.agreements, args.revenue_lines)
        elif built:
            build(url, args.tickets)
        tabs = [tab for tab in args.tabs if tab != BUSINESS]
        results = {tab: run(KERNEL, url, tab, str(args.changes)) for tab in tabs}
        business = None
        if BUSINESS in args.tabs:
            sizes = run(SIZES, url)
            before = os.getloadavg()
            business = run(SCENARIO_KERNEL, url, BUSINESS, str(args.runs)) | {"before": before}
    if results:
        print_tabs(results, args)
    if business is not None:
        print_business(business, sizes, built)


def print_tabs(results: dict, args) -> None:
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
        "--warehouse was given; DuckDB embedded warehouse.\n"
    )


def print_business(r: dict, sizes: dict, built: bool) -> None:
    print(
        "| Business tab | client filter | full refresh p50 (ms) | p95 (ms) | "
        "panel queries p50 (ms) | slowest panel p50 (ms) |"
    )
    print("|---|---|---|---|---|---|")
    for s in r["scenarios"]:
        slowest = max(s["panels"].items(), key=lambda kv: kv[1])
        print(
            f"| {s['period']} | {s['clients']} | {s['p50']:.0f} | {s['p95']:.0f} | "
            f"{s['queries_p50']:.0f} | {slowest[0]} {slowest[1]:.0f} |"
        )
    heads = [f"{s['period']}, {s['clients']}" for s in r["scenarios"]]
    print("\n| panel | " + " | ".join(f"{h} (ms)" for h in heads) + " |")
    print("|---|" + "---|" * len(heads))
    panels = r["scenarios"][0]["panels"]
    order = sorted(panels, key=lambda p: -max(s["panels"][p] for s in r["scenarios"]))
    for pid in order:
        cells = " | ".join(f"{s['panels'][pid]:.0f}" for s in r["scenarios"])
        print(f"| {pid} | {cells} |")
    load = r["load"]
    print(
        f"\n{r['runs']} rounds of 4 filter changes (each scenario {r['runs']} times, a different "
        f"client each round); first open with every widget {r['opened_s']:.1f} s; "
        f"{r['clients']:,} clients in the Client filter; "
        + ("built now" if built else "reused warehouse")
        + "; DuckDB embedded warehouse.\nData: "
        + ", ".join(f"{v:,} {k}" for k, v in sizes.items())
        + ".\nLoad average before the runs: "
        + ", ".join(f"{v:.2f}" for v in r["before"])
        + f" (1, 5, 15 min); 1 min during them, this benchmark included: {min(load):.2f} to "
        f"{max(load):.2f}; {os.cpu_count()} CPUs."
    )


if __name__ == "__main__":
    main()
