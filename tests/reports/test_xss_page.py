"""Each section of the report page, in process, on the hostile MSP (tests/xss_payloads.py) with
alerts, recommendations and a summary sentence that name a hostile client: every section's HTML
holds no element from the data and shows each name as written. Quicker than a papermill run, so
it covers every section (tests/reports/test_xss_reports.py renders the real report)."""

from __future__ import annotations

from datetime import date

import pytest
import xss_payloads as x

from deskmetrics.insights.alerts import Alert
from deskmetrics.insights.recommendations import Recommendation
from deskmetrics.reports import page as report_page
from deskmetrics.reports.page import ReportPage

SECTIONS = (
    "summary",
    "service_desk",
    "sentiment",
    "health",
    "business",
    "automation",
    "alerts",
    "recommendations",
    "team",
    "affinities",
    "escalations",
    "companies",
    "health_breakdown",
)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile_page")
    return x.load_hostile_msp(f"duckdb:///{tmp / 'w.duckdb'}", x.write_hostile_msp(tmp / "msp"))


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """The HTML each section displays, in order (figures are drawn by test_text's builders)."""
    markup: list[str] = []
    monkeypatch.setattr(report_page, "_show_html", markup.append)
    monkeypatch.setattr(report_page, "_show_figure", lambda fig: None)
    return markup


@pytest.mark.parametrize("client", [None, "C2"])
def test_every_section_shows_hostile_names_as_text(session, shown, client):
    report = ReportPage("manager", session, f"Acme {x.SVG}", 7, date(2024, 12, 6), client)
    report.owner.narrative = f"{x.CLIENT_C2} opened more tickets {x.SCRIPT}"
    report.owner.alerts = [Alert("surge", "warning", f"Ticket surge at {x.CLIENT_C2}", client="C2")]
    report.owner.recommendations = [Recommendation(f"Call {x.CLIENT_C1}", f"Because {x.LINK}")]
    for section in SECTIONS:
        getattr(report, section)()
    html = "".join(shown)
    assert x.injected_elements(html) == []
    text = x.page_text(html)
    for payload in (x.CLIENT_C2, x.SCRIPT, x.CLIENT_C1, x.LINK):
        assert payload in text, payload
    if client is None:  # the whole MSP: the people and clients tables
        for payload in (x.TECH_K1, x.TECH_K2, x.CONTACT_P2):
            assert payload in text, payload


def test_the_title_shows_the_organization_and_client_as_text(session, monkeypatch):
    shown: list[dict] = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw=False: shown.append(data))
    ReportPage("manager", session, f"Acme {x.SVG}", 7, date(2024, 12, 6), x.IMG).title()
    html = shown[0]["text/html"]
    assert x.injected_elements(html) == []
    assert f"Acme {x.SVG}" in x.page_text(html) and x.IMG in x.page_text(html)
