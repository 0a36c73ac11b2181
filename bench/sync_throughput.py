"""Benchmark: a full sync from a local fake vendor, then an incremental sync of 1 % changed.

Usage:  .venv/bin/python bench/sync_throughput.py [--vendor hubspot] [--tickets 100000]
                                                  [--page-size 200]

The fake serves over real HTTP on 127.0.0.1 from a separate process, so the peak memory printed
is the sync's own, and the sync runs unpaced (``per_minute: 0``): no deliberate throttling.
The report splits each sync's wall time into waiting on the server (requests), parsing and
mapping (JSON to canonical rows), loading (committing batches) and the per-ticket facts; the
parse + load rate is tickets / (parse + load + facts seconds), the cost that is the suite's own.

HubSpot is the default because its ticket search returns the status (stage) history in bulk;
ConnectWise (``--vendor connectwise``) needs two more requests per ticket for history and notes,
so its end-to-end rate is bound by round trips. Prints one table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the fake servers

VENDORS = {
    # vendor: (fakes module, fake class, field a change touches)
    "hubspot": ("fakes.hubspot", "FakeHubSpot", "subject"),
    "connectwise": ("fakes.connectwise", "FakeConnectWise", "summary"),
}


def serve(vendor: str, tickets: int, pipe) -> None:
    """The fake vendor, in its own process; answers commands from the benchmark."""
    import importlib

    module_name, class_name, field = VENDORS[vendor]
    fake_class = getattr(importlib.import_module(module_name), class_name)
    with fake_class(tickets=tickets) as fake:
        pipe.send(fake.url)
        while True:
            command = pipe.recv()
            if command == "change":
                changed = sorted(fake.tickets)[::100]  # 1 %
                for ticket_id in changed:
                    fake.update_ticket(ticket_id, **{field: "changed for the benchmark"})
                pipe.send(len(changed))
            elif command == "stop":
                pipe.send("bye")
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=sorted(VENDORS), default="hubspot")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(args.vendor, args.tickets, theirs), daemon=True
    )
    server.start()
    if not ours.poll(900):
        raise SystemExit("the fake server did not start within 15 minutes")
    url = ours.recv()

    import importlib

    from deskmetrics.config import load_settings
    from deskmetrics.connectors.sources import SourceConfig
    from deskmetrics.connectors.sync import sync_source
    from deskmetrics.warehouse.engine import Warehouse

    fakes = importlib.import_module(VENDORS[args.vendor][0])
    os.environ.update(fakes.ENV)
    settings = load_settings(use_local=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = SourceConfig(
            name="bench",
            type=args.vendor,
            base_url=url,
            secrets=fakes.SECRETS,
            page_size=args.page_size,
            per_minute=0,
        )
        warehouse = Warehouse(f"duckdb:///{Path(tmp) / 'sync.duckdb'}")
        rows.append(("full", sync_source(warehouse, settings, source)))
        ours.send("change")
        changed = ours.recv()
        rows.append(
            (f"incremental ({changed:,} changed)", sync_source(warehouse, settings, source))
        )
        ours.send("stop")
        ours.recv()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full_seconds = rows[0][1].total_seconds
    print(
        "| sync | tickets | records | requests | wall s | requests s | parse s | load s "
        "| facts s | parse + load tickets/s | share of full |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, report in rows:
        tickets = report.streams["tickets"].records
        records = sum(s.records for s in report.streams.values())
        own = report.parse_seconds + report.load_seconds + report.facts_seconds
        print(
            f"| {label} | {tickets:,} | {records:,} | {report.requests:,} "
            f"| {report.total_seconds:.1f} | {report.request_seconds:.1f} "
            f"| {report.parse_seconds:.1f} | {report.load_seconds:.1f} "
            f"| {report.facts_seconds:.1f} | {tickets / own:,.0f} "
            f"| {report.total_seconds / full_seconds:.1%} |"
        )
    print(
        f"\n{args.vendor}: {args.tickets:,} tickets in the fake, page size {args.page_size}, "
        f"unpaced; peak memory of the syncing process {peak:,.0f} MiB."
    )


if __name__ == "__main__":
    main()
