"""`deskmetrics sync`: pull from the PSA and CSAT tools configured in the sources file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from deskmetrics.errors import ConfigError, DeskmetricsError


def add_sync_parser(sub, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `sync` command (every command's parser is built: the connectors load on use)."""
    sync = sub.add_parser("sync", help="pull tickets and surveys from configured sources")
    common(sync)
    target = sync.add_mutually_exclusive_group(required=True)
    target.add_argument("source", nargs="?", help="a source name from parameters/sources.yaml")
    target.add_argument("--all", action="store_true", help="every configured source")
    sync.add_argument("--full", action="store_true", help="re-read everything from `start`")
    sync.add_argument("--since", metavar="ISO", help="re-read records updated since then")
    sync.add_argument("--sources", metavar="FILE", help="default parameters/sources.yaml")


def run_sync(args) -> int:
    """Sync one source, or every source (going on past a failing one)."""
    from deskmetrics.config import load_settings
    from deskmetrics.connectors.sources import load_sources
    from deskmetrics.connectors.sync import sync_source
    from deskmetrics.warehouse.engine import Warehouse

    settings = load_settings(args.config)
    sources = load_sources(args.sources)
    if not args.all and args.source not in sources:
        raise ConfigError(
            f"no source named {args.source!r} in the sources file; "
            f"configured: {', '.join(sorted(sources)) or 'none'}"
        )
    chosen = list(sources.values()) if args.all else [sources[args.source]]
    warehouse = Warehouse(args.warehouse)
    failed: dict[str, str] = {}  # source name: what went wrong
    for source in chosen:
        try:
            report = sync_source(
                warehouse,
                settings,
                source,
                full=args.full,
                since=args.since,
                progress=sys.stderr.isatty(),
            )
        except DeskmetricsError as exc:
            if not args.all:
                raise
            # one source down (a revoked key, an outage) must not keep the others stale; what
            # it had synced is kept and its next sync resumes from there
            print(f"error: {source.name}: {exc}", file=sys.stderr)
            failed[source.name] = str(exc)
            continue
        _print_sync_report(source.name, report)
    if failed:
        # last, and whole: the refresh button shows the last error line
        reasons = "; ".join(f"{name}: {reason}" for name, reason in failed.items())
        print(
            f"error: {len(failed)} of {len(chosen)} sources failed to sync, the others "
            f"synced. {reasons}",
            file=sys.stderr,
        )
        return 1
    return 0


def _print_sync_report(name: str, report) -> None:
    for stream_name, stream in report.streams.items():
        resumed = " (resumed)" if stream.resumed else ""
        print(
            f"{name}/{stream_name}: {stream.records} records, {stream.rows} rows, "
            f"{stream.removed} removed (deleted at the source), "
            f"{stream.quarantined} quarantined{resumed}"
        )
    print(
        f"{name}: {report.requests} requests in {report.total_seconds:.1f} s "
        f"({report.request_seconds:.1f} s waiting on the source, "
        f"{report.waited_seconds:.1f} s pacing and retrying, "
        f"{report.load_seconds + report.facts_seconds:.1f} s loading)"
    )
    if report.quarantined:
        print(
            f"warning: {report.quarantined} malformed records from {name} were "
            "quarantined; see the quarantine table",
            file=sys.stderr,
        )
