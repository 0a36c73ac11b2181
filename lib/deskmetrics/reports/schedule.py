"""What cron or a systemd timer calls: find the reports due, run them, send each once.

Periods are aligned so every run agrees on them: 7-day periods are Monday to Sunday weeks, and
14- and 30-day periods are counted from the same Monday (2024-01-01). A period is due once its
last day has passed. Each report is claimed in ``report_runs`` before it runs, so a second run
(or a second scheduler) never sends the same audience, client and period again; a failed report
is retried by the next run, and its managers get a notice saying what broke.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
from sqlalchemy import select, update
from tqdm.auto import tqdm

from deskmetrics.reports.mail import compose_failure_notice, send
from deskmetrics.reports.pipeline import ReportRequest, build_report, mail_report
from deskmetrics.reports.printer import Printer
from deskmetrics.reports.settings import AUDIENCES, ReportSettings
from deskmetrics.schema.tables import clients as clients_table
from deskmetrics.schema.tables import report_runs
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.load import ensure_schema, upsert

log = logging.getLogger(__name__)
ANCHOR = date(2024, 1, 1)  # a Monday
STALE_CLAIM = timedelta(hours=2)  # a "running" claim older than this died with its process


def period_end(today: date, period_days: int) -> date:
    """The last day of the latest period that has fully passed by ``today``."""
    yesterday = today - timedelta(days=1)
    return yesterday - timedelta(days=((yesterday - ANCHOR).days + 1) % period_days)


@dataclass
class RunResult:
    request: ReportRequest
    status: str  # sent, failed
    recipients: int = 0
    seconds: float = 0.0
    error: str | None = None
    output: str | None = None


def due_requests(
    warehouse: Warehouse,
    settings: ReportSettings,
    *,
    today: date,
    clients: list[str] | None = None,
) -> list[ReportRequest]:
    """Reports of the latest complete period that have not been sent (nor are running)."""
    end = period_end(today, settings.period_days)
    targets: list[str | None] = [None] if clients is None else list(clients)
    wanted = [
        ReportRequest(audience, end, settings.period_days, client)
        for client in targets
        for audience in AUDIENCES
        if settings.recipients(audience)
    ]
    with warehouse.writing() as conn:
        ensure_schema(conn)
        r = report_runs.c
        rows = conn.execute(
            select(r.audience, r.client_id, r.status, r.started_at).where(
                r.period_end == end, r.period_days == settings.period_days
            )
        ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    taken = {
        (a, c)
        for a, c, status, started in rows
        if status == "sent" or (status == "running" and started and now - started < STALE_CLAIM)
    }
    return [w for w in wanted if (w.audience, w.client or "") not in taken]


def all_client_ids(warehouse: Warehouse) -> list[str]:
    with warehouse.reading() as conn:
        rows = conn.execute(select(clients_table.c.client_id).order_by(clients_table.c.client_id))
        return [str(c) for (c,) in rows]


def run_schedule(
    warehouse: Warehouse,
    settings: ReportSettings,
    *,
    today: date | None = None,
    clients: list[str] | None = None,
    workers: int = 1,
    warehouse_url: str = "",
    config: str = "",
    output_root: Path | None = None,
    progress: bool = True,
) -> list[RunResult]:
    """Run and send every due report; returns one result per report attempted."""
    if not settings.enabled:
        log.info("reports are disabled in parameters/reports.yaml (enabled: false)")
        return []
    today = today or datetime.now(UTC).date()
    due = due_requests(warehouse, settings, today=today, clients=clients)
    if not due:
        return []
    _claim(warehouse, due)
    jobs = [(request, settings, warehouse_url, config, output_root) for request in due]
    results: list[RunResult] = []
    bar = tqdm(total=len(jobs), desc="reports", unit=" report", disable=not progress)
    if workers <= 1:
        with Printer() as printer:
            for job in jobs:
                results.append(_finish(warehouse, settings, _run_one(*job, printer=printer)))
                bar.update()
    else:
        # one browser per worker process, kept for all the reports that worker prints
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_start_printer
        ) as pool:
            futures = [pool.submit(_run_in_worker, *job) for job in jobs]
            for future in as_completed(futures):
                results.append(_finish(warehouse, settings, future.result()))
                bar.update()
    bar.close()
    return results


def _claim(warehouse: Warehouse, requests: list[ReportRequest]) -> None:
    if not requests:
        return
    now = datetime.now(UTC)
    rows = pd.DataFrame(
        [
            {
                "audience": r.audience,
                "client_id": r.client or "",
                "period_end": r.end,
                "period_days": r.period_days,
                "status": "running",
                "started_at": now,
                "finished_at": None,
                "recipients": None,
                "error": None,
                "output": None,
            }
            for r in requests
        ]
    )
    with warehouse.writing() as conn:
        upsert(conn, report_runs, rows)


def _finish(warehouse: Warehouse, settings: ReportSettings, result: RunResult) -> RunResult:
    request = result.request
    r = report_runs.c
    with warehouse.writing() as conn:
        conn.execute(
            update(report_runs)
            .where(
                r.audience == request.audience,
                r.client_id == (request.client or ""),
                r.period_end == request.end,
                r.period_days == request.period_days,
            )
            .values(
                status=result.status,
                finished_at=datetime.now(UTC).replace(tzinfo=None),
                recipients=result.recipients,
                error=result.error,
                output=result.output,
            )
        )
    if result.status == "failed":
        _notify_failure(settings, result)
    return result


def _notify_failure(settings: ReportSettings, result: RunResult) -> None:
    managers = settings.recipients("manager")
    if not managers:
        log.error("report %s failed and no manager address is set", result.request.slug)
        return
    notice = compose_failure_notice(
        organization=settings.organization,
        audience=result.request.audience,
        error=result.error or "unknown error",
        from_address=settings.smtp.from_address,
        to=managers,
        period_start=result.request.start,
        period_end=result.request.end,
    )
    try:
        send(notice, settings.smtp, managers)
    except Exception as exc:  # the notice is best effort; the state already says failed
        log.error("could not send the failure notice for %s: %s", result.request.slug, exc)


def _run_one(request, settings, warehouse_url, config, output_root, *, printer) -> RunResult:
    started = time.perf_counter()
    try:
        output = build_report(
            request,
            settings,
            printer=printer,
            warehouse=warehouse_url,
            config=config,
            output_root=output_root,
        )
        recipients = mail_report(output, settings)
    except Exception as exc:
        log.error("report %s failed: %s", request.slug, exc)
        return RunResult(
            request, "failed", seconds=time.perf_counter() - started, error=_describe(exc)
        )
    return RunResult(
        request,
        "sent",
        recipients=len(recipients),
        seconds=time.perf_counter() - started,
        output=str(output.folder),
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


_PRINTER: Printer | None = None


def _start_printer() -> None:
    global _PRINTER
    import atexit

    _PRINTER = Printer().__enter__()
    atexit.register(_PRINTER.__exit__, None, None, None)
    os.environ.setdefault("TQDM_DISABLE", "1")


def _run_in_worker(request, settings, warehouse_url, config, output_root) -> RunResult:
    assert _PRINTER is not None, "the worker's printer starts in its initializer"
    return _run_one(request, settings, warehouse_url, config, output_root, printer=_PRINTER)
