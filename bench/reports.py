"""Benchmark: weekly reports on a demo warehouse, mailed to a real SMTP server on loopback.

Usage:  .venv/bin/python bench/reports.py [--tickets 100000] [--clients 40] [--workers 2]
                                          [--pair-only]

1. One client's pair of reports (Business Owner and Manager): papermill execution, HTML export,
   PDF and chart images, with one browser, then mailed. Prints seconds per step.
2. The scheduled fan-out: every report due for ``--clients`` clients x 2 audiences, built by
   ``--workers`` processes (one browser each) and mailed, as `deskmetrics schedule run` does.

Targets: at most 20 s per pair, at most 10 minutes for 40 clients x 2 audiences on 2 cores.
Prints one table per part.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the SMTP server

from deskmetrics.cli import main as cli
from deskmetrics.reports.pipeline import ReportRequest, build_report, mail_report
from deskmetrics.reports.printer import Printer
from deskmetrics.reports.schedule import all_client_ids, period_end, run_schedule
from deskmetrics.reports.settings import load_report_settings
from deskmetrics.session import Session
from deskmetrics.warehouse.engine import Warehouse
from fakes.smtp import smtp_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pair-only", action="store_true", help="skip the fan-out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, smtp_server() as (inbox, port):
        url = f"duckdb:///{Path(tmp) / 'demo.duckdb'}"
        cli(["demo-data", "--tickets", str(args.tickets), "--warehouse", url])
        Session(url)  # computes the facts once, as a real deployment's sync does
        settings = load_report_settings(
            overrides={
                "enabled": True,
                "organization": "Demo MSP",
                "audiences.business_owner.emails": ["owner@demo.example"],
                "audiences.manager.emails": ["manager@demo.example"],
                "smtp.host": "127.0.0.1",
                "smtp.port": port,
                "smtp.starttls": False,
                "smtp.user": "",
                "smtp.password_env": None,
            }
        )
        warehouse = Warehouse(url)
        clients = all_client_ids(warehouse)[: args.clients]
        _, last = Session(url).data_range()
        today = last + timedelta(days=1)
        end = period_end(today, settings.period_days)
        pair(settings, url, clients[0], end, Path(tmp) / "pair")
        if not args.pair_only:
            fan_out(
                warehouse, settings, url, clients, today, args.workers, Path(tmp) / "all", inbox
            )
    print(f"\n{args.tickets:,} demo tickets, week ending {end}; {os.cpu_count()} cores.")


def pair(settings, url: str, client: str, end: date, out: Path) -> None:
    print("| report | execute s | HTML s | PDF + chart images s | mail s | total s |")
    print("|---|---|---|---|---|---|")
    started = time.perf_counter()
    with Printer() as printer:
        launch = printer.launch_seconds or 0.0
        for audience in ("business_owner", "manager"):
            t0 = time.perf_counter()
            output = build_report(
                ReportRequest(audience, end, 7, client),
                settings,
                printer=printer,
                warehouse=url,
                output_root=out,
            )
            t1 = time.perf_counter()
            mail_report(output, settings)
            mailed = time.perf_counter() - t1
            s = output.manifest["seconds"]
            print(
                f"| {audience} (client {client}) | {s['execute']:.1f} | {s['html']:.1f} "
                f"| {s['pdf_and_charts']:.1f} | {mailed:.1f} "
                f"| {time.perf_counter() - t0:.1f} |"
            )
    print(
        f"\nThe pair: {time.perf_counter() - started:.1f} s, browser start {launch:.1f} s "
        "included.\n"
    )


def fan_out(warehouse, settings, url, clients, today, workers, out, inbox) -> None:
    before = len(inbox.received)
    started = time.perf_counter()
    results = run_schedule(
        warehouse,
        settings,
        today=today,
        clients=list(clients),
        workers=workers,
        warehouse_url=url,
        output_root=out,
        progress=False,
    )
    wall = time.perf_counter() - started
    sent = [r for r in results if r.status == "sent"]
    failed = [r for r in results if r.status == "failed"]
    print(
        "| fan-out | reports | sent | failed | mails received | workers | wall s | s per report |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(clients)} clients x 2 audiences | {len(results)} | {len(sent)} | {len(failed)} "
        f"| {len(inbox.received) - before} | {workers} | {wall:.0f} "
        f"| {wall / max(1, len(results)):.1f} |"
    )
    for result in failed[:3]:
        print(f"failed: {result.request.slug}: {result.error}")


if __name__ == "__main__":
    main()
