"""Weekly reports end to end on the hand-computed fixture: papermill runs both audiences'
notebooks, the HTML and the PDF are written, a real SMTP server on loopback receives the mail,
and the scheduler sends each report once.

The numbers in the mail are checked against `deskmetrics metrics dashboard` for the same
period; the PDF's pages are rendered with pdftoppm and checked for drawn charts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import nbformat
import numpy as np
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from insights.report_small import CONFIG, WEEK, load_report_small
from sqlalchemy import text

from deskmetrics.cli import main
from deskmetrics.health.service import Health
from deskmetrics.reports.printer import Printer
from deskmetrics.reports.schedule import period_end, run_schedule
from deskmetrics.reports.settings import load_report_settings
from deskmetrics.warehouse.engine import Warehouse
from fakes.smtp import smtp_server

IN_CI = os.environ.get("CI", "").lower() == "true"
# the loopback relay takes a login without TLS, as a relay on the same machine may
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
PASSWORD = "smtp-Pw-recognisable-41x"  # searched for in everything a report writes
VARIABLE = "DESKMETRICS_PIPELINE_TEST_SMTP_PASSWORD"
ORGANIZATION = "Acme & Sons <b>IT</b>"
OWNERS = ["owner@acme.example"]
MANAGERS = ["manager@acme.example", "lead@acme.example"]
CHART_BLUE = (0x25, 0x63, 0xEB)  # the theme's primary colour, the bars of every report chart
MONDAY_AFTER = date(2024, 12, 16)  # the fixture's week is Monday 9 to Sunday 15 December
PREVIOUS_SUNDAY = date(2024, 12, 8)  # the end of the previous week: the health baseline


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _mail_server():
    """A relay on loopback that wants the login (over plain SMTP: it is on this machine)."""
    return smtp_server(authenticator=_authenticate, auth_required=True, auth_require_tls=False)


def _needs_tools() -> None:
    missing = [t for t in ("pdftoppm", "pdftotext") if shutil.which(t) is None]
    if not Path("/usr/bin/chromium").exists():
        missing.append("chromium")
    if missing:
        if IN_CI:
            pytest.fail(
                f"{', '.join(missing)} required in CI (apt-get install chromium poppler-utils)"
            )
        pytest.skip(f"{', '.join(missing)} not installed")


def _settings(port: int, **overrides):
    return load_report_settings(
        overrides={
            "enabled": True,
            "organization": ORGANIZATION,
            "audiences.business_owner.emails": OWNERS,
            "audiences.manager.emails": MANAGERS,
            "smtp.host": "127.0.0.1",
            "smtp.port": port,
            "smtp.starttls": False,
            "smtp.user": "reports@acme.example",
            "smtp.password_env": VARIABLE,
            "smtp.from_address": "reports@acme.example",
            "base_url": "https://reports.acme.example/dm",
            **overrides,
        }
    )


@pytest.fixture(scope="module")
def fixture_warehouse(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("pipeline")
    url = f"duckdb:///{tmp / 'w.duckdb'}"
    session = load_report_small(tmp, url)
    _score_health(Health(session.warehouse, session.settings))
    return url


def _score_health(health: Health) -> None:
    """Both clients score 2 of 5 on the manual health metrics before the week, with a snapshot
    at the previous week's end; in the week C1 rises to 5 of 5 and C2 stays low. So the reports
    list C2 below the top tier and C1 as most improved."""
    for client in ("C1", "C2"):
        for metric in ("sentiment", "org", "renewals"):
            health.store.set_score(client, metric, 2, at=datetime(2024, 12, 1, 12))
    health.snapshot(PREVIOUS_SUNDAY)
    for metric in ("sentiment", "org", "renewals"):
        health.store.set_score("C1", metric, 5, at=datetime(2024, 12, 11, 12))


@pytest.fixture(scope="module")
def scheduled(fixture_warehouse, tmp_path_factory):
    """One scheduled run for the fixture's week: both audiences built and mailed."""
    _needs_tools()
    out = tmp_path_factory.mktemp("reports")
    os.environ[VARIABLE] = PASSWORD  # the relay's login: it must never land in a report
    launches = []
    original = Printer.__enter__

    def counting(self):
        launches.append(self)
        return original(self)

    Printer.__enter__ = counting
    with _mail_server() as (inbox, port):
        settings = _settings(port)
        results = run_schedule(
            Warehouse(fixture_warehouse),
            settings,
            today=MONDAY_AFTER,
            warehouse_url=fixture_warehouse,
            config=str(CONFIG),
            output_root=out,
            progress=False,
        )
        again = run_schedule(
            Warehouse(fixture_warehouse),
            settings,
            today=MONDAY_AFTER + date.resolution * 3,  # Thursday: the same week is the latest
            warehouse_url=fixture_warehouse,
            config=str(CONFIG),
            output_root=out,
            progress=False,
        )
        Printer.__enter__ = original
        yield {"results": results, "again": again, "inbox": inbox, "launches": launches}


def _by_audience(scheduled) -> dict:
    messages = scheduled["inbox"].messages()
    return {
        "business_owner": next(m for m in messages if "Business Owner" in m["Subject"]),
        "manager": next(m for m in messages if "Manager" in m["Subject"]),
    }


def _html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_periods_are_whole_weeks_monday_to_sunday():
    assert period_end(date(2024, 12, 16), 7) == date(2024, 12, 15)  # Monday: last week
    assert period_end(date(2024, 12, 15), 7) == date(2024, 12, 8)  # Sunday: still running
    assert period_end(date(2024, 12, 22), 7) == date(2024, 12, 15)
    assert (period_end(date(2024, 12, 31), 14) - date(2024, 1, 1)).days % 14 == 13


def test_a_scheduled_run_sends_each_audience_its_report_once(scheduled):
    assert sorted(r.request.audience for r in scheduled["results"]) == ["business_owner", "manager"]
    assert {r.status for r in scheduled["results"]} == {"sent"}, scheduled["results"]
    assert scheduled["again"] == []  # a second run in the same week sends nothing
    assert len(scheduled["launches"]) == 1  # one browser printed both reports
    received = scheduled["inbox"].received
    assert len(received) == 2
    assert sorted(tuple(sorted(m["to"])) for m in received) == [
        tuple(sorted(MANAGERS)),
        tuple(OWNERS),
    ]


def test_the_mail_carries_subject_numbers_link_charts_and_the_pdf(scheduled):
    for audience, message in _by_audience(scheduled).items():
        assert "Acme & Sons <b>IT</b>" in message["Subject"]
        assert "2024-12-09 to 2024-12-15" in message["Subject"]
        folder = next(r.output for r in scheduled["results"] if r.request.audience == audience)
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        body = _html_body(message)
        for row in manifest["headlines"]:
            assert row["value"].replace("%", "") in body.replace("%", "")
        link = f"https://reports.acme.example/dm/{audience}/{Path(folder).name}/report.html"
        assert link in body
        assert "<b>IT</b>" not in body and "&lt;b&gt;IT&lt;/b&gt;" in body  # data, not markup
        parts = list(message.iter_attachments())
        pdf = next(p for p in parts if p.get_content_type() == "application/pdf")
        assert pdf.get_content() == (Path(folder) / "report.pdf").read_bytes()
        images = [p for p in message.walk() if p.get_content_type() == "image/png"]
        assert len(images) == len(manifest["files"]["charts"]) >= 1
        for image in images:
            assert f"cid:{image['Content-ID'].strip('<>')}" in body


def test_report_numbers_equal_the_cli_metrics_for_the_same_period(
    scheduled, fixture_warehouse, capsys
):
    capsys.readouterr()
    assert (
        main(
            [
                "metrics",
                "dashboard",
                "--from",
                WEEK[0],
                "--to",
                WEEK[1],
                "--json",
                "--warehouse",
                fixture_warehouse,
                "--config",
                str(CONFIG),
            ]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    folder = scheduled["results"][0].output
    rows = {
        r["label"]: r["value"]
        for r in json.loads(Path(folder, "manifest.json").read_text())["headlines"]
    }
    assert rows["Open Tickets"] == f"{cli['open_tickets']:,.0f}"
    assert rows["Resolution SLA Attainment"] == f"{cli['resolution_sla_attainment']:.1f} %"
    assert rows["Average Resolution Time (business hours)"] == (
        f"{cli['avg_resolution_business_hours']:.1f} h"
    )


def test_the_executed_notebook_manifest_and_html_are_kept_and_hold_no_secret(
    scheduled, fixture_warehouse
):
    for result in scheduled["results"]:
        folder = Path(result.output)
        notebook = nbformat.read(folder / "report.ipynb", as_version=4)
        assert notebook.cells[1].source.startswith("warehouse")  # the parameters cell
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["parameters"]["end_date"] == "2024-12-15"
        assert manifest["parameters"]["period_days"] == 7
        assert manifest["git_revision"] and manifest["data_cut_off"]
        written = [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".png"]
        for path in written:
            content = path.read_bytes()
            assert PASSWORD.encode() not in content, path
            assert fixture_warehouse.encode() not in content, path  # URLs may hold passwords
    for mail in scheduled["inbox"].received:
        assert PASSWORD.encode() not in mail["raw"]


def test_the_reports_show_client_health(scheduled):
    for result in scheduled["results"]:
        notebook = nbformat.read(Path(result.output) / "report.ipynb", as_version=4)
        shown = [
            output["data"]["text/html"]
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "text/html" in output.get("data", {})
        ]
        health = next(h for h in shown if h.startswith("<h2>Client health</h2>"))
        at_risk, improved = health.split("<h3>Most improved</h3>")
        assert "Birch &amp; Co Accountants" in at_risk and "Acme Dental" not in at_risk
        assert "Acme Dental" in improved and "on 08 Dec 2024" in improved
        breakdowns = [h for h in shown if h.startswith("<h2>Client health by metric</h2>")]
        if result.request.audience == "manager":
            assert len(breakdowns) == 1
            assert "Acme Dental" in breakdowns[0] and "Birch &amp; Co" in breakdowns[0]
        else:
            assert breakdowns == []


def test_the_reports_say_what_fills_the_business_section(scheduled):
    for result in scheduled["results"]:
        notebook = nbformat.read(Path(result.output) / "report.ipynb", as_version=4)
        shown = [
            output["data"]["text/html"]
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "text/html" in output.get("data", {})
        ]
        business = next(h for h in shown if h.startswith("<h2>Business</h2>"))
        assert "No business data is loaded" in business  # report_small has tickets only


def _render_pages(pdf: Path) -> list[np.ndarray]:
    prefix = pdf.parent / "page"
    subprocess.run(["pdftoppm", "-r", "40", str(pdf), str(prefix)], check=True)
    pages = []
    for path in sorted(pdf.parent.glob("page-*.ppm")):
        raw = path.read_bytes()
        # binary PPM: "P6\n<w> <h>\n255\n" then RGB bytes
        header, width, height, _, data = raw.split(maxsplit=4)
        assert header == b"P6"
        pages.append(np.frombuffer(data, np.uint8).reshape(int(height), int(width), 3))
    return pages


def test_the_pdf_puts_sections_on_their_own_pages_with_charts_drawn(scheduled):
    for result in scheduled["results"]:
        pdf = Path(result.output) / "report.pdf"
        text_out = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        sections = [
            "Summary",
            "Service desk",
            "Customer sentiment",
            "Client health",
            "Business",
            "Recommendations",
        ]
        if result.request.audience == "manager":
            sections += [
                "Team performance",
                "Escalations",
                "Company breakdown",
                "Client health by metric",
            ]
        pages = text_out.split("\f")
        for heading in sections:
            assert any(p.lstrip().startswith(heading) or f"\n{heading}\n" in p for p in pages), (
                heading
            )
        assert len(pages) - 1 >= len(sections)
        blue = [
            int((np.abs(page.astype(int) - CHART_BLUE) <= 40).all(axis=-1).sum())
            for page in _render_pages(pdf)
        ]
        # the tickets chart on the Service desk page draws bars in the theme's blue
        assert max(blue) > 400, blue


def test_a_failed_report_tells_the_managers_and_is_retried_until_it_is_sent(
    fixture_warehouse, tmp_path
):
    _needs_tools()
    out = tmp_path / "reports"
    next_monday = date(2024, 12, 23)
    with _mail_server() as (inbox, port):
        settings = _settings(port)
        failed = run_schedule(
            Warehouse(fixture_warehouse),
            settings,
            today=next_monday,
            warehouse_url=fixture_warehouse,
            config=str(tmp_path / "missing.yml"),  # the notebooks cannot load their settings
            output_root=out,
            progress=False,
        )
        assert {r.status for r in failed} == {"failed"}
        notices = inbox.messages()
        assert len(notices) == 2 and all("failed" in m["Subject"] for m in notices)
        assert all(
            sorted(m["To"].addresses[i].addr_spec for i in range(2)) == sorted(MANAGERS)
            for m in notices
        )
        assert "missing.yml" in notices[0].get_content()
        retried = run_schedule(
            Warehouse(fixture_warehouse),
            settings,
            today=next_monday,
            warehouse_url=fixture_warehouse,
            config=str(CONFIG),
            output_root=out,
            workers=2,
            progress=False,
        )
        assert sorted((r.request.audience, r.status) for r in retried) == [
            ("business_owner", "sent"),
            ("manager", "sent"),
        ]
        assert len(inbox.received) == 4
    with Warehouse(fixture_warehouse).reading() as conn:
        rows = conn.execute(
            text("SELECT audience, status FROM report_runs WHERE period_end = DATE '2024-12-22'")
        ).all()
    assert sorted(rows) == [("business_owner", "sent"), ("manager", "sent")]


def test_report_command_writes_html_pdf_and_manifest_and_sends_one_test_mail(
    fixture_warehouse, tmp_path, capsys
):
    _needs_tools()
    with _mail_server() as (inbox, port):
        reports_yaml = tmp_path / "reports.yaml"
        reports_yaml.write_text(
            "enabled: false\norganization: Acme IT\nperiod_days: 7\n"
            f"smtp: {{host: 127.0.0.1, port: {port}, starttls: false, "
            f"user: reports@acme.example, password_env: {VARIABLE}, "
            "from_address: reports@acme.example}\n"
            "base_url: https://reports.acme.example/dm\n"
        )
        code = main(
            [
                "report",
                "--audience",
                "business_owner",
                "--end",
                WEEK[1],
                "--warehouse",
                fixture_warehouse,
                "--config",
                str(CONFIG),
                "--reports",
                str(reports_yaml),
                "--output",
                str(tmp_path / "out"),
                "--test-to",
                "someone@acme.example",
            ]
        )
        assert code == 0
        out = capsys.readouterr().out
        assert "report.pdf" in out and "sent to 1 recipient" in out
        assert [m["to"] for m in inbox.received] == [["someone@acme.example"]]
    folder = next((tmp_path / "out" / "business_owner").iterdir())
    assert {p.name for p in folder.iterdir()} >= {"report.ipynb", "report.html", "report.pdf"}
