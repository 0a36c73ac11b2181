"""Benchmark: a full sync from the local fake ConnectWise, then an incremental sync of 1 %.

Usage:  .venv/bin/python bench/sync_throughput.py [--tickets 20000] [--page-size 1000]

The fake serves over real HTTP on 127.0.0.1 with no throttling, so the numbers are the
connector's and the warehouse's own cost: requests, parsing, mapping and loading. ConnectWise
has no bulk endpoint for status history and notes, so each ticket costs two more requests;
tickets/s is therefore bounded by request round trips. Prints one table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the fake servers

from deskmetrics.config import load_settings
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import sync_source
from deskmetrics.warehouse.engine import Warehouse
from fakes.connectwise import ENV, SECRETS, FakeConnectWise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(ENV)
    settings = load_settings(use_local=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FakeConnectWise(tickets=args.tickets) as fake:
        source = SourceConfig(
            name="cw",
            type="connectwise",
            base_url=fake.url,
            secrets=SECRETS,
            page_size=args.page_size,
        )
        warehouse = Warehouse(f"duckdb:///{Path(tmp) / 'sync.duckdb'}")
        started = time.perf_counter()
        report = sync_source(warehouse, settings, source)
        full = time.perf_counter() - started
        full_requests = len(fake.server.log)
        rows.append(("full", report, full, full_requests))
        changed = sorted(fake.tickets)[::100]  # 1 %
        for ticket_id in changed:
            fake.update_ticket(ticket_id, summary="changed for the benchmark")
        fake.server.log.clear()
        started = time.perf_counter()
        report = sync_source(warehouse, settings, source)
        rows.append(
            ("incremental (1 %)", report, time.perf_counter() - started, len(fake.server.log))
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| sync | tickets read | requests | seconds | tickets/s | records/s |")
    print("|---|---|---|---|---|---|")
    for label, report, seconds, requests in rows:
        tickets = report.streams["tickets"].records
        records = sum(s.records for s in report.streams.values())
        print(
            f"| {label} | {tickets:,} | {requests:,} | {seconds:.1f} | "
            f"{tickets / seconds:,.0f} | {records / seconds:,.0f} |"
        )
    print(
        f"\n{args.tickets:,} tickets in the fake, page size {args.page_size}; peak memory of "
        f"the process (fake server included) {peak:,.0f} MiB."
    )


if __name__ == "__main__":
    main()
