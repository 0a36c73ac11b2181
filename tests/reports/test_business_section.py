"""The report's Business section as the notebooks show it, on the hand-computed business_kpis
fixture (tests/fixtures/business_kpis/README.md, December 2024) and on a warehouse of tickets
only."""

from __future__ import annotations

from datetime import date

import pytest
from insights.report_small import load_report_small
from panels.test_business_fixture import load_business
from sqlalchemy import update

from deskmetrics.reports import page as page_module
from deskmetrics.reports.page import ReportPage
from deskmetrics.schema.business_tables import agreements
from deskmetrics.schema.tables import clients
from deskmetrics.session import Session

DECEMBER_END = date(2024, 12, 31)
OTHERS_OF_C4 = [
    "Acme Dental",
    "Birch &amp; Co Accountants",
    "Birch & Co Accountants",
    "Cobalt Freight",
    "Elm Clinic",
    "Fir Logistics",
    "Gale Media",
]


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('business') / 'w.duckdb'}")


def _section(monkeypatch, session: Session, client: str | None = None, **kw) -> str:
    shown: list[str] = []
    monkeypatch.setattr(page_module, "_show_html", shown.append)
    report = ReportPage(
        kw.get("audience", "business_owner"),
        session,
        "Acme IT",
        kw.get("days", 31),
        kw.get("end", DECEMBER_END),
        client,
    )
    report.business()
    assert len(shown) == 1
    return shown[0]


def test_the_section_shows_money_clients_renewals_and_pipeline(monkeypatch, session):
    html = _section(monkeypatch, session)
    assert html.startswith("<h2>Business</h2>") and html.count("<h2>") == 1
    assert ">$10,000</div>" in html and ">$6,000 (60.0 %)</div>" in html
    assert "$147.27/h" in html and "5.0 h had no cost rate" in html
    top, least = html.split("<h4>Least profitable clients")
    assert "<td>Birch &amp; Co Accountants</td>" in top and "$2,660" in top
    assert "below the overall 60.0 %" in least
    assert "<td>Cobalt Freight</td>" in least and "-$330" in least and "n/a (no revenue)" in least
    assert "<h3>Renewals due</h3>" in html
    assert '<td>recurring</td><td class="num">1</td><td class="num">3</td>' in html
    assert "<b>Managed IT - Essentials</b> (recurring, Dune Labs): ends 20 Jan 2025" in html
    assert "$43,000 over 6 opportunities" in html and "$26,700 weighted" in html
    assert "Coverage 8.6x" in html and "4x ($20,000): met" in html
    assert "2 won ($12,000) and 2 lost, a win rate of 50.0 %" in html


def test_the_manager_report_shows_the_same_section(monkeypatch, session):
    assert _section(monkeypatch, session, audience="manager") == _section(monkeypatch, session)


def test_a_client_report_names_no_other_client_and_no_pipeline(monkeypatch, session):
    html = _section(monkeypatch, session, "C4")
    assert "For <b>Dune Labs</b> only." in html
    assert ">$1,500</div>" in html and "$650 (43.3 %)" in html
    assert "<b>Managed IT - Essentials</b> (recurring): ends 20 Jan 2025, in 20 days" in html
    assert "Sales pipeline" not in html and "43,000" not in html and "Win rate" not in html
    assert "Top clients" not in html and "Least profitable" not in html
    for name in OTHERS_OF_C4:
        assert name not in html


def test_names_from_the_warehouse_are_escaped(monkeypatch, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    session = load_business(url)
    with session.warehouse.writing() as conn:
        conn.execute(
            update(clients)
            .where(clients.c.client_id == "C4")
            .values(name="Dune <script>x</script>")
        )
        conn.execute(
            update(agreements)
            .where(agreements.c.agreement_id == "A5")
            .values(name="Essentials <b>plus</b>", type="<i>recurring</i>")
        )
    for client in (None, "C4"):
        html = _section(monkeypatch, session, client)
        assert "<script>" not in html and "<b>plus</b>" not in html and "<i>" not in html
        assert "Essentials &lt;b&gt;plus&lt;/b&gt;" in html
        assert "&lt;i&gt;recurring&lt;/i&gt;" in html
    assert "<td>Dune &lt;script&gt;x&lt;/script&gt;</td>" in _section(monkeypatch, session)


def test_a_warehouse_of_tickets_only_says_what_fills_the_section(monkeypatch, tmp_path):
    session = load_report_small(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}")
    html = _section(monkeypatch, session, days=7, end=date(2024, 12, 15))
    assert html.startswith("<h2>Business</h2>") and "<h3>" not in html
    assert "No business data is loaded" in html
    for source in ("revenue_lines.csv", "agreements.csv", "opportunities.csv", "business_streams"):
        assert source in html
