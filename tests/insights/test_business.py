"""The Business section of the weekly reports on the hand-computed business_kpis fixture
(tests/fixtures/business_kpis/README.md): December 2024 for all clients and for one, and a
warehouse of tickets only."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from insights.report_small import load_report_small
from panels.test_business_fixture import load_business

from deskmetrics.insights.business import (
    BusinessSummary,
    business_summary,
    loaded_tables,
)
from deskmetrics.insights.definitions import all_insights
from deskmetrics.metrics.docs import render_definitions
from deskmetrics.panels.run import run_panel
from deskmetrics.reports.content import report_scope
from deskmetrics.session import Session

DECEMBER_END = date(2024, 12, 31)
NAMES = {
    "C1": "Acme Dental",
    "C2": "Birch & Co Accountants",
    "C3": "Cobalt Freight",
    "C4": "Dune Labs",
    "C5": "Elm Clinic",
    "C6": "Fir Logistics",
    "C7": "Gale Media",
}


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('business') / 'w.duckdb'}")


def summary(session: Session, client: str | None = None, end=DECEMBER_END, days=31):
    scope = report_scope(session.settings, days, end, client)  # 31 days ending 12-31: December
    with session.warehouse.reading() as conn:
        return business_summary(conn, session.settings, scope)


def _check_december(business: BusinessSummary) -> None:
    money = business.profitability
    assert (money.revenue, money.hard_costs, money.labour_cost) == (10_000, 1_900, 2_100)
    assert money.margin == 6_000 and money.margin_percent == pytest.approx(60.0)
    assert (money.hours, money.hours_without_cost_rate) == (55, 5)
    assert money.effective_hourly_rate == pytest.approx(8_100 / 55)  # (10,000 - 1,900) / 55 h
    renewals = business.renewals.by_type.set_index("agreement_type")
    assert renewals.loc["recurring"].tolist() == [1, 3, 4]
    assert renewals.loc["project"].tolist() == [0, 1, 1]
    assert [business.renewals.within(d) for d in (30, 60, 90)] == [1, 4, 5]
    due = business.renewals.next_30
    assert due[["agreement_id", "agreement", "client", "type", "days_left"]].values.tolist() == [
        ["A5", "Managed IT - Essentials", "Dune Labs", "recurring", 20]
    ]
    assert due.loc[0, "end_date"] == pd.Timestamp("2025-01-20")
    pipeline = business.pipeline
    assert pipeline.open_opportunities == 6
    assert (pipeline.pipeline, pipeline.weighted) == (43_000, 26_700)
    assert pipeline.monthly_target == 5_000 and pipeline.coverage == pytest.approx(8.6)
    assert (pipeline.target_multiple, pipeline.required, pipeline.meets_target) == (4, 20_000, True)
    assert (pipeline.won, pipeline.lost, pipeline.won_amount) == (2, 2, 12_000)
    assert pipeline.win_rate_percent == pytest.approx(50.0)


def test_december_for_all_clients_matches_the_readme(session):
    business = summary(session)
    assert business.any_data and business.client_id is None
    _check_december(business)
    money = business.profitability
    # by margin: C2 2,660, C1 1,920, C4 650, C5 600, C6 300 (C7's 200 is sixth)
    assert money.top["client_id"].tolist() == ["C2", "C1", "C4", "C5", "C6"]
    assert money.top["client"].tolist()[:2] == ["Birch & Co Accountants", "Acme Dental"]
    assert money.top["margin"].tolist() == [2_660, 1_920, 650, 600, 300]
    # under the overall 60 %: C3 loses 330 with no revenue (first), then C4 43.33 %, C1 53.33 %
    least = money.least
    assert least["client_id"].tolist() == ["C3", "C4", "C1"]
    assert least.loc[0, "margin"] == -330 and pd.isna(least.loc[0, "margin_percent"])
    assert least["margin_percent"].tolist()[1:] == pytest.approx([43.33, 53.33], abs=0.01)


def test_every_warehouse_gives_the_same_summary(warehouse_url):
    _check_december(summary(load_business(warehouse_url)))


@pytest.mark.parametrize("end", ["2024-11-30", "2024-12-31", "2025-01-10", "2025-02-01"])
def test_the_renewal_names_are_the_agreements_the_panel_counts(session, end):
    business = summary(session, end=date.fromisoformat(end), days=7)
    scope = report_scope(session.settings, 7, date.fromisoformat(end), None)
    with session.warehouse.reading() as conn:
        panel = run_panel(conn, session.settings, scope, "contracts_expiring").frame
    by_type = business.renewals.next_30["type"].value_counts().to_dict()
    counted = {r.agreement_type: r.within_30_days for r in panel.itertuples() if r.within_30_days}
    assert by_type == counted


def test_a_client_report_holds_only_that_clients_money_and_renewals(session):
    c1 = summary(session, "C1")
    assert c1.client_id == "C1" and c1.client_name == "Acme Dental"
    money = c1.profitability
    assert (money.revenue, money.hard_costs, money.labour_cost) == (3_600, 700, 980)
    assert money.margin == 1_920
    assert money.margin_percent == pytest.approx(53.33, abs=0.01)
    assert money.effective_hourly_rate == pytest.approx(107.41, abs=0.01)
    assert money.top.empty and money.least.empty  # no list of clients in a one-client report
    assert c1.pipeline is None  # the MSP's pipeline is not the client's business
    # A1 ends 2025-01-31, 31 days after the period: within 60, not within 30
    assert c1.renewals.by_type.values.tolist() == [["recurring", 0, 1, 1]]
    assert c1.renewals.next_30.empty
    c4 = summary(session, "C4")
    assert c4.renewals.next_30["agreement_id"].tolist() == ["A5"]
    shown = pd.concat([c4.renewals.next_30, c4.renewals.by_type]).astype(str).to_string()
    for client, name in NAMES.items():
        if client != "C4":
            assert name not in shown


def test_a_client_without_revenue_shows_its_loss(session):
    money = summary(session, "C3").profitability  # project time only: 6 h at $55
    assert (money.revenue, money.labour_cost, money.margin) == (0, 330, -330)
    assert money.margin_percent is None and money.effective_hourly_rate == 0


def test_a_warehouse_of_tickets_only_has_no_business_data(tmp_path):
    session = load_report_small(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}")
    business = summary(session, end=date(2024, 12, 15), days=7)
    assert not business.any_data and business.loaded == frozenset()
    assert business.renewals.by_type.empty and business.renewals.next_30.empty
    assert business.pipeline.open_opportunities == 0 and business.pipeline.coverage is None
    money = business.profitability
    assert money.revenue == 0 and money.labour_cost == 0  # time logged, but no cost rate
    assert money.top.empty and money.least.empty


def test_loaded_tables_name_what_fills_each_part(session):
    with session.warehouse.reading() as conn:
        assert loaded_tables(conn) == {
            "revenue_lines",
            "hard_costs",
            "cost_rates",
            "agreements",
            "opportunities",
        }


def test_the_definitions_are_on_the_docs_page():
    ids = ["business_profitability", "business_clients_by_margin", "business_renewals_due"]
    ids.append("business_pipeline")
    registered = {i.id: i for i in all_insights()}
    page = render_definitions()
    for insight_id in ids:
        insight = registered[insight_id]
        assert insight.audience == "business_owner"
        assert f"`{insight_id}`" in page and insight.definition in page
