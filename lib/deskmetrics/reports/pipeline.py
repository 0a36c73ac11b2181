"""One weekly report from start to finish: execute the audience's notebook with papermill, keep
it with a JSON manifest, export the interactive HTML, print the PDF and the chart images, and
(when asked) mail it.

Each report gets its own folder under reports/, named after the audience, client and period, so
reruns of the same report replace it and different reports never collide.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.errors import ConfigError, DeskmetricsError
from deskmetrics.reports.html import export_html
from deskmetrics.reports.kernel import kernel_environment
from deskmetrics.reports.mail import AUDIENCE_TITLES, Headline, ReportMail, compose_report, send
from deskmetrics.reports.printer import Printer
from deskmetrics.reports.settings import ReportSettings

log = logging.getLogger(__name__)

REPORT_NOTEBOOKS = PROJECT_ROOT / "notebooks" / "reports"
REPORTS_DIR = PROJECT_ROOT / "reports"
EMAIL_CHARTS = 3  # the first charts of the report go into the mail body
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class ReportError(DeskmetricsError):
    """A report could not be built; the message says which step and why."""


@dataclass(frozen=True)
class ReportRequest:
    """Which report: an audience, the period's last day and length, one client or all."""

    audience: str
    end: date
    period_days: int = 7
    client: str | None = None

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCE_TITLES:
            raise ConfigError(
                f"unknown audience {self.audience!r}; use one of {', '.join(AUDIENCE_TITLES)}"
            )
        if self.period_days not in (7, 14, 30):
            raise ConfigError(f"period {self.period_days} is not one of 7, 14, 30 (days)")

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.period_days - 1)

    @property
    def slug(self) -> str:
        who = f"client-{_SAFE.sub('_', self.client)}" if self.client else "all-clients"
        return f"{self.end.isoformat()}_{self.period_days}d_{who}_{self.audience}"

    def parameters(self, organization: str, warehouse: str, config: str) -> dict[str, object]:
        """papermill parameters: plain literals, dates as ISO strings."""
        return {
            "warehouse": warehouse,
            "config": config,
            "organization": organization,
            "period_days": self.period_days,
            "end_date": self.end.isoformat(),
            "client": self.client or "",
        }


@dataclass
class ReportOutput:
    request: ReportRequest
    folder: Path
    notebook: Path
    html: Path
    pdf: Path
    charts: list[Path] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    def url(self, base_url: str) -> str:
        """Where the interactive report is published: base_url mirrors the reports/ folder."""
        relative = self.html.relative_to(self.folder.parent.parent)
        return f"{base_url.rstrip('/')}/{relative.as_posix()}"


def build_report(
    request: ReportRequest,
    settings: ReportSettings,
    *,
    printer: Printer,
    warehouse: str = "",
    config: str = "",
    output_root: Path | None = None,
    kernel_name: str = "python3",
) -> ReportOutput:
    """Execute, export and print one report; returns where everything landed."""
    import papermill as pm

    root = Path(output_root or REPORTS_DIR)
    folder = root / request.audience / request.slug
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "report.ipynb"
    source = REPORT_NOTEBOOKS / f"{request.audience}.ipynb"
    params = request.parameters(settings.organization, "", config)
    clock = _Stopwatch()
    try:
        with kernel_environment(DESKMETRICS_WAREHOUSE=warehouse):
            pm.execute_notebook(
                str(source),
                str(notebook),
                parameters=params,
                kernel_name=kernel_name,
                progress_bar=False,
                cwd=str(PROJECT_ROOT),
            )
    except pm.PapermillExecutionError as exc:
        # the cell's error, not the traceback: it names what to fix
        raise ReportError(
            f"{request.slug}: the {request.audience} notebook failed in cell "
            f"{exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from None
    clock.lap("execute")
    shown = read_headlines(notebook)
    title = f"{settings.organization} — {AUDIENCE_TITLES[request.audience]} report"
    html = export_html(notebook, folder / "report.html", title, branding=settings.branding)
    clock.lap("html")
    pdf, charts = printer.pdf_and_chart_images(
        html, folder / "report.pdf", folder / "charts", limit=EMAIL_CHARTS
    )
    clock.lap("pdf_and_charts")
    manifest = {
        "audience": request.audience,
        "parameters": params,
        "period": {"start": request.start.isoformat(), "end": request.end.isoformat()},
        "data_cut_off": shown["data_cut_off"],
        "git_revision": _git_revision(),
        "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "headlines": shown["rows"],
        "seconds": clock.laps,
        "files": {
            "notebook": notebook.name,
            "html": html.name,
            "pdf": pdf.name,
            "charts": [c.relative_to(folder).as_posix() for c in charts],
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return ReportOutput(request, folder, notebook, html, pdf, charts, manifest)


def read_headlines(notebook: Path) -> dict:
    """The headline numbers exactly as the executed notebook showed them."""
    import nbformat

    from deskmetrics.reports.page import HEADLINES_MIME

    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINES_MIME in data:
                return data[HEADLINES_MIME]
    raise ReportError(f"{notebook}: the report shows no headline numbers (no title() cell?)")


def mail_report(
    output: ReportOutput,
    settings: ReportSettings,
    *,
    to: list[str] | None = None,
    environ: dict[str, str] | None = None,
) -> list[str]:
    """Send a built report to its audience (or to ``to``); returns the recipients."""
    recipients = to if to is not None else settings.recipients(output.request.audience)
    if not recipients:
        raise ConfigError(
            f"parameters/reports.yaml: audiences.{output.request.audience}.emails is empty; "
            "add an address or use --test-to"
        )
    mail = ReportMail(
        audience=output.request.audience,
        organization=settings.organization,
        period_start=output.request.start,
        period_end=output.request.end,
        headlines=[Headline(**h) for h in output.manifest["headlines"]],
        charts=output.charts,
        report_url=output.url(settings.base_url),
        pdf=output.pdf,
        branding=settings.branding,
    )
    message = compose_report(mail, from_address=settings.smtp.from_address, to=recipients)
    send(message, settings.smtp, recipients, environ=environ)
    return recipients


class _Stopwatch:
    """Seconds per step, kept in the manifest so slow reports show where the time went."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


def _git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None
