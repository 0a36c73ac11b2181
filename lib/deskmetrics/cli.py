"""The `deskmetrics` command: load data, print metrics, render the tabs, serve the app."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from deskmetrics.errors import ConfigError, DeskmetricsError, InputError

log = logging.getLogger("deskmetrics")
FILTERS = ("client", "board", "category", "owner", "team", "channel")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        metavar="URL",
        help="SQLAlchemy URL (default: $DESKMETRICS_WAREHOUSE, else data/warehouse.duckdb)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="YAML settings over parameters/defaults.yml"
    )


def _period(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--as-of", dest="as_of", metavar="ISO-INSTANT")
    for name in FILTERS:
        parser.add_argument(
            f"--{name}", help=f"only this {name}" + (" (technician id)" if name == "owner" else "")
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskmetrics", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="generate a realistic demo MSP into the warehouse")
    _common(demo)
    demo.add_argument(
        "--tickets", type=int, default=20_000, help="number of tickets (default 20000)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--csv", metavar="DIR", help="also write the canonical CSV files to DIR")

    imp = sub.add_parser("import-csv", help="load canonical CSV files from a directory")
    _common(imp)
    imp.add_argument("directory", type=Path)
    imp.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="map a PSA's own export (see parameters/mappings/*_export.yaml)",
    )

    metrics = sub.add_parser("metrics", help="compute metrics or publish their definitions")
    msub = metrics.add_subparsers(dest="metrics_command", required=True)
    dash = msub.add_parser("dashboard", help="the Dashboard tab's KPIs for a period")
    _period(dash)
    dash.add_argument("--json", action="store_true", help="print one JSON object")
    for tab in ("service-quality", "help-desk", "customer-experience", "business"):
        panels = msub.add_parser(tab, help=f"every panel of the {tab.replace('-', ' ')} tab")
        _period(panels)
        out = panels.add_mutually_exclusive_group(required=True)
        out.add_argument("--json", action="store_true", help="print {panel id: [rows]}")
        out.add_argument("--csv", metavar="DIR", type=Path, help="write one CSV per panel")
    docs = msub.add_parser("docs", help="write the KPI definitions page (Markdown)")
    docs.add_argument("--output", type=Path, default=Path("docs/metrics.md"))
    msub.add_parser("list", help="list registered metrics")

    from deskmetrics.cli_sync import add_sync_parser

    add_sync_parser(sub, _common)

    render = sub.add_parser("render", help="execute the tab notebooks with papermill into reports/")
    _common(render)
    render.add_argument("--output", type=Path, default=None, help="directory (default reports/)")
    render.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    render.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")

    report = sub.add_parser("report", help="build one weekly report (notebook, HTML, PDF)")
    _common(report)
    report.add_argument("--audience", required=True, choices=("business_owner", "manager"))
    report.add_argument("--client", help="one client id (default: the whole MSP)")
    report.add_argument("--period", type=int, choices=(7, 14, 30), help="days (default: yaml)")
    report.add_argument("--end", metavar="YYYY-MM-DD", help="last day (default: yesterday)")
    report.add_argument("--send", action="store_true", help="mail it to the audience")
    report.add_argument("--test-to", metavar="ADDRESS", help="mail one sample to ADDRESS only")
    report.add_argument("--reports", metavar="FILE", help="default parameters/reports.yaml")
    report.add_argument("--output", type=Path, help="folder (default reports/)")

    schedule = sub.add_parser("schedule", help="what cron calls: run and send the due reports")
    ssub = schedule.add_subparsers(dest="schedule_command", required=True)
    run = ssub.add_parser("run", help="run every report due for the configured period, once")
    _common(run)
    run.add_argument("--clients", metavar="all|ID,ID", help="one report per client too")
    run.add_argument("--workers", type=int, default=1, help="reports built in parallel")
    run.add_argument("--today", metavar="YYYY-MM-DD", help="pretend it is this day")
    run.add_argument("--reports", metavar="FILE", help="default parameters/reports.yaml")
    run.add_argument("--output", type=Path, help="folder (default reports/)")

    from deskmetrics.cli_health import add_health_parser

    add_health_parser(sub, _common)

    from deskmetrics.cli_serve import add_serving_parsers

    add_serving_parsers(sub, _common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _COMMANDS[args.command](args)
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DeskmetricsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _demo_data(args) -> int:
    from deskmetrics.config import load_settings
    from deskmetrics.demo.generator import generate, write_csv
    from deskmetrics.demo.health import seed_demo_health
    from deskmetrics.warehouse.engine import Warehouse
    from deskmetrics.warehouse.importer import import_frames

    settings = load_settings(args.config)
    frames = generate(tickets=args.tickets, seed=args.seed, timezone=settings.timezone)
    if args.csv:
        write_csv(frames, Path(args.csv))
    warehouse = Warehouse(args.warehouse)
    summary = import_frames(warehouse, frames, settings, source="demo", progress=True)
    print(
        f"demo data loaded into {warehouse!r}: "
        + ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    )
    clients = frames["clients"]["client_id"].tolist()
    print(seed_demo_health(warehouse, settings, clients, seed=args.seed).describe())
    return 0


def _import_csv(args) -> int:
    from deskmetrics.config import load_settings
    from deskmetrics.warehouse.engine import Warehouse
    from deskmetrics.warehouse.importer import import_csv_dir, import_export_dir

    settings = load_settings(args.config)
    warehouse = Warehouse(args.warehouse)
    progress = sys.stderr.isatty()
    if args.mapping:
        summary = import_export_dir(
            warehouse, args.directory, args.mapping, settings, progress=progress
        )
    else:
        summary = import_csv_dir(warehouse, args.directory, settings, progress=progress)
    print(
        f"imported into {warehouse!r}: "
        + ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    )
    if summary.duplicate_ticket_ids:
        print(
            f"warning: {summary.duplicate_ticket_ids} duplicate ticket ids; the last row of "
            "each was kept",
            file=sys.stderr,
        )
    return 0


def _metrics(args) -> int:
    if args.metrics_command == "docs":
        from deskmetrics.metrics.docs import write_definitions

        write_definitions(args.output)
        print(f"wrote {args.output}")
        return 0
    if args.metrics_command == "list":
        from deskmetrics.metrics.registry import all_metrics

        for metric in all_metrics():
            print(f"{metric.name:36} {metric.unit:10} {metric.label}")
        return 0
    from deskmetrics.session import Session

    session = Session(args.warehouse, args.config)
    filters = {k: getattr(args, k) for k in FILTERS}
    scope = session.scope(args.date_from, args.date_to, as_of=args.as_of, **filters)
    if args.metrics_command != "dashboard":
        return _panels(session, scope, args)
    result = session.dashboard(scope)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        from deskmetrics.metrics.format import describe_dashboard

        print(describe_dashboard(result))
    return 0


def _panels(session, scope, args) -> int:
    from deskmetrics.panels.run import run_tab

    tab = args.metrics_command.replace("-", "_")
    with session.warehouse.reading() as conn:
        results = run_tab(conn, session.settings, scope, tab)
    if args.csv:
        args.csv.mkdir(parents=True, exist_ok=True)
        for panel_id, result in results.items():
            result.frame.to_csv(args.csv / f"{panel_id}.csv", index=False, date_format="%Y-%m-%d")
        print(f"wrote {len(results)} CSV files to {args.csv}")
        return 0
    payload = {pid: _rows(r.frame) for pid, r in results.items()}
    print(json.dumps(payload, indent=2, default=str))
    return 0


def _rows(frame) -> list[dict]:
    """Rows with named fields; dates as YYYY-MM-DD, missing values as null."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="records", date_format="iso"))


def _sync(args) -> int:
    from deskmetrics.cli_sync import run_sync

    return run_sync(args)


def _render(args) -> int:
    from deskmetrics.reports.runner import render_tabs

    outputs = render_tabs(
        output_dir=args.output,
        warehouse=args.warehouse,
        config=args.config,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    for path in outputs:
        print(f"wrote {path}")
    return 0


def _report(args) -> int:
    from datetime import UTC, datetime, timedelta

    from deskmetrics.reports.pipeline import ReportRequest, build_report, mail_report
    from deskmetrics.reports.printer import Printer
    from deskmetrics.reports.settings import load_report_settings

    settings = load_report_settings(args.reports)
    end = _day(args.end, "--end") if args.end else datetime.now(UTC).date() - timedelta(days=1)
    request = ReportRequest(args.audience, end, args.period or settings.period_days, args.client)
    with Printer() as printer:
        output = build_report(
            request,
            settings,
            printer=printer,
            warehouse=args.warehouse or "",
            config=args.config or "",
            output_root=args.output,
        )
    print(f"wrote {output.html}\nwrote {output.pdf}\nwrote {output.folder / 'manifest.json'}")
    if args.test_to or args.send:
        sent = mail_report(output, settings, to=[args.test_to] if args.test_to else None)
        print(f"sent to {len(sent)} recipient(s)")
    return 0


def _day(value: str, flag: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{flag} {value!r} is not a date written YYYY-MM-DD") from None


def _schedule(args) -> int:
    from deskmetrics.reports.schedule import all_client_ids, run_schedule
    from deskmetrics.reports.settings import load_report_settings
    from deskmetrics.warehouse.engine import Warehouse

    settings = load_report_settings(args.reports)
    warehouse = Warehouse(args.warehouse)
    clients = None
    if args.clients == "all":
        clients = [None, *all_client_ids(warehouse)]
    elif args.clients:
        clients = [None, *(c.strip() for c in args.clients.split(",") if c.strip())]
    results = run_schedule(
        warehouse,
        settings,
        today=_day(args.today, "--today") if args.today else None,
        clients=clients,
        workers=args.workers,
        warehouse_url=args.warehouse or "",
        config=args.config or "",
        output_root=args.output,
        progress=sys.stderr.isatty(),
    )
    for result in results:
        line = f"{result.request.slug}: {result.status} in {result.seconds:.1f} s"
        print(line + (f" ({result.error})" if result.error else ""))
    if not results:
        print("nothing due")
    return 1 if any(r.status == "failed" for r in results) else 0


def _health(args) -> int:
    from deskmetrics.cli_health import run_health

    return run_health(args)


def _serving(args) -> int:
    from deskmetrics.cli_serve import run_links, run_serve, run_staff

    return {"serve": run_serve, "links": run_links, "staff": run_staff}[args.command](args)


_COMMANDS = {
    "demo-data": _demo_data,
    "health": _health,
    "import-csv": _import_csv,
    "metrics": _metrics,
    "render": _render,
    "report": _report,
    "schedule": _schedule,
    "sync": _sync,
    "serve": _serving,
    "links": _serving,
    "staff": _serving,
}

if __name__ == "__main__":
    sys.exit(main())
