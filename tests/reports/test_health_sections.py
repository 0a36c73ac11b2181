"""Client health in the weekly reports, on the hand-computed health_small fixture
(tests/fixtures/health_small/README.md): the content, and the sections' HTML as the report
notebooks show it."""

from __future__ import annotations

from datetime import date

import pytest
from health.health_small import CONFIG, DAY, EARLY, HEALTH_FILE, load_health_small
from sqlalchemy import update

from deskmetrics.health.settings import load_health_settings
from deskmetrics.reports import page as page_module
from deskmetrics.reports.content import report_health, report_scope
from deskmetrics.reports.page import ReportPage
from deskmetrics.reports.page_health import health_section
from deskmetrics.schema.tables import clients
from deskmetrics.session import Session

NAMES = {
    "C1": "Acme Dental",
    "C2": "Birch &amp; Co Accountants",
    "C3": "Cobalt Freight",
    "C4": "Dune Labs",
}


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    """health_small with the README's earlier snapshot on EARLY."""
    url = f"duckdb:///{tmp_path_factory.mktemp('health') / 'w.duckdb'}"
    load_health_small(url).snapshot(EARLY)
    return Session(url, CONFIG)


def _content(session: Session, period_days: int = 30, end: date = DAY, client=None):
    scope = report_scope(session.settings, period_days, end, client)
    return report_health(
        session.warehouse, session.settings, scope, load_health_settings(HEALTH_FILE)
    )


def _sections(monkeypatch, session: Session, client: str | None) -> dict[str, str]:
    """The manager report's health sections as the notebook would show them."""
    shown: list[str] = []
    monkeypatch.setattr(page_module, "_show_html", shown.append)
    report = ReportPage("manager", session, "Acme IT", 30, DAY, client)
    report.health()
    report.health_breakdown()
    return {"health": shown[0], "breakdown": shown[1], "report": report}


def test_owner_content_lists_at_risk_most_improved_and_segments(session):
    health = _content(session)  # 2025-03-02 .. 03-31: the baseline is 03-01, the snapshot
    assert health.board.baseline == EARLY and health.has_baseline and health.scored
    assert list(health.at_risk["client_id"]) == ["C3"]
    assert health.at_risk.loc[0, "score"] == 33.3
    assert health.at_risk.loc[0, "tier"] == "Critical"
    assert list(health.improved["client_id"]) == ["C1"]
    assert health.improved.loc[0, "change"] == pytest.approx(25.5)
    assert health.segments["clients"].tolist() == [1, 0, 1, 2]
    assert health.client is None and health.contributions.empty


def test_a_snapshot_inside_the_period_is_not_its_baseline(session):
    # 7 days ending 03-31 start 03-25: the latest snapshot on or before 03-24 is still 03-01
    assert _content(session, 7).improved.loc[0, "change"] == pytest.approx(25.5)
    # a report for 02-23 .. 03-01 compares with the end of February: no snapshot yet
    early = _content(session, 7, EARLY)
    assert not early.has_baseline and early.improved.empty
    assert early.board.baseline == date(2025, 2, 22)


def test_the_owner_section_shows_segments_at_risk_and_most_improved(monkeypatch, session):
    html = _sections(monkeypatch, session, None)["health"]
    assert html.startswith("<h2>Client health</h2>") and html.count("<h2>") == 1
    for tier, count in (("Healthy", 1), ("At risk", 0), ("Critical", 1)):
        assert f">{count}</div><div><b>{tier}</b>" in html
    assert "border-top-color:#dc2626" in html  # the Critical count in its cut-score colour
    at_risk, improved = html.split("<h3>Most improved</h3>")
    assert "Cobalt Freight" in at_risk and "Sentiment (-26.7)" in at_risk
    assert "Acme Dental" not in at_risk
    assert "Acme Dental" in improved and "+25.5" in improved and "53.3 on 01 Mar 2025" in improved


def test_the_manager_breakdown_colours_each_value_by_its_tier(monkeypatch, session):
    sections = _sections(monkeypatch, session, None)
    html = sections["breakdown"]
    assert html.startswith("<h2>Client health by metric</h2>") and html.count("<h2>") == 1
    assert "under 60 % coverage" in html
    rows = html.split("<tr>")[2:]
    assert [next(n for c, n in NAMES.items() if n in row) for row in rows] == [
        NAMES["C3"],
        NAMES["C2"],
        NAMES["C1"],
        NAMES["C4"],
    ]
    c1 = rows[2]
    # Sentiment 80 and Renewals 100 are Healthy, CSAT 75 too (from 75), Org 60 At risk
    assert 'background:#16a34a33">80.0<' in c1 and 'background:#f59e0b33">60.0<' in c1
    assert 'background:#16a34a33">75.0<' in c1 and "100 %" in c1
    frame = sections["report"].manager.health_breakdown
    assert frame.set_index("client_id").loc["C3", "Org"] == 40.0


def test_a_client_report_shows_its_own_health_and_names_no_other_client(monkeypatch, session):
    sections = _sections(monkeypatch, session, "C3")
    health = sections["report"].owner.health
    assert health.at_risk.empty and health.improved.empty and health.segments.empty
    assert health.client["score"] == 33.3 and health.client["tier"] == "Critical"
    assert list(health.contributions["metric"]) == ["Sentiment", "CSAT", "Org", "Renewals"]
    for html in (sections["health"], sections["breakdown"]):
        assert "Cobalt Freight" in html
        for other in ("C1", "C2", "C4"):
            assert NAMES[other] not in html and NAMES[other].replace("&amp;", "&") not in html
    own = sections["health"]
    assert "score <b>33.3</b>" in own and "coverage 75 %" in own
    assert "no score in the snapshot of 01 Mar 2025" in own
    assert "26.7" in own  # Sentiment's points lost
    assert list(sections["report"].manager.health_breakdown["client_id"]) == ["C3"]


def test_without_enough_data_the_section_says_so(session):
    # on 2025-01-15 no manual score is set yet and C1 has one CSAT response in its window
    health = _content(session, 7, date(2025, 1, 15))
    assert not health.scored
    html = health_section(health)
    assert "No client has enough data for a health score yet" in html
    assert "<h3>" not in html


def test_every_client_and_metric_name_is_escaped(monkeypatch, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    health = load_health_small(url)
    health.store.edit_metric("sentiment", name="Mood <b>bold</b>")
    with health.warehouse.writing() as conn:
        conn.execute(
            update(clients)
            .where(clients.c.client_id == "C3")
            .values(name="Cobalt <script>x()</script>")
        )
    session = Session(url, CONFIG)
    everything = _sections(monkeypatch, session, None)
    one = _sections(monkeypatch, session, "C3")
    for html in (everything["health"], everything["breakdown"], one["health"], one["breakdown"]):
        assert "<script>" not in html and "<b>bold</b>" not in html
        assert "Cobalt &lt;script&gt;x()&lt;/script&gt;" in html
    assert "Mood &lt;b&gt;bold&lt;/b&gt; (-26.7)" in everything["health"]
    assert "<th>Mood &lt;b&gt;bold&lt;/b&gt;</th>" in everything["breakdown"]
    # no snapshot was taken in this warehouse: the trend cannot be known
    assert "No health snapshot was taken on or before 01 Mar 2025" in everything["health"]
