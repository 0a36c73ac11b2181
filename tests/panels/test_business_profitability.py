"""Profitability and revenue panels on the hand-computed business fixture
(tests/fixtures/business_kpis/README.md), including the reference's T-BUS-1 and T-BUS-2."""

from __future__ import annotations

import pandas as pd
import pytest
from panels.test_business_fixture import CONFIG, DECEMBER, load_business, rows, run

from deskmetrics.config import load_settings
from deskmetrics.panels import get_panel, panels_for
from deskmetrics.panels.run import run_tab
from deskmetrics.session import Session

PANEL_IDS = [
    "profitability_by_client",
    "profitability_by_agreement",
    "profitability_by_service",
    "revenue_concentration",
    "pending_revenue_by_client",
    "utilization_by_technician",
    "hours_this_week_vs_last",
    "overdue_timesheets",
    "devices_awaiting_review",
    "devices_discovered",
    "missing_patches_by_client",
    "contracts_expiring",
    "contract_length_mix",
    "projects_at_risk",
    "projects_at_risk_list",
    "project_hours_remaining",
    "sales_funnel",
    "days_in_stage",
    "pipeline_coverage",
    "win_rate_and_velocity",
    "won_lost_by_reason",
]
MONEY = [
    "revenue",
    "hard_costs",
    "labour_cost",
    "margin",
    "margin_percent",
    "hours",
    "hours_without_cost_rate",
    "effective_hourly_rate",
]


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('business') / 'w.duckdb'}")


def _money(frame, key: str) -> dict:
    return {k: [v[m] for m in MONEY] for k, v in rows(frame, key).items()}


def test_tab_registers_every_panel_in_order_with_words_and_a_chart():
    assert [p.id for p in panels_for("business")] == PANEL_IDS
    for panel in panels_for("business"):
        assert len(panel.definition) > 150 and panel.attribution, panel.id
        # their rows are not tickets: drill fields come only with a record drill
        assert panel.drill is None
        assert bool(panel.drill_fields) == (panel.drill_records is not None), panel.id
        assert panel.chart.kind and panel.chart.x
    assert "hours_without_cost_rate" in get_panel("profitability_by_client").definition


def test_profitability_by_client(business):
    frame = run(business, "profitability_by_client")
    assert list(frame.columns) == ["client", "client_id", *MONEY]
    assert list(frame["client_id"]) == ["C2", "C1", "C4", "C5", "C6", "C7", "C3"]
    assert _money(frame, "client_id") == {
        "C2": [3800, 900, 240, 2660, 70.0, 10, 3, 290.0],
        "C1": [3600, 700, 980, 1920, 53.33, 27, 0, 107.41],
        "C4": [1500, 300, 550, 650, 43.33, 10, 0, 120.0],
        "C5": [600, 0, 0, 600, 100.0, 2, 2, 300.0],  # E19's own client, not its ticket's
        "C6": [300, 0, 0, 300, 100.0, 0, 0, None],  # no hours: no effective rate
        "C7": [200, 0, 0, 200, 100.0, 0, 0, None],
        "C3": [0, 0, 330, -330, None, 6, 0, 0.0],  # no revenue: no margin %
    }
    assert frame["client"][0] == "Birch & Co Accountants"
    assert frame["margin"].sum() == 6000 and frame["labour_cost"].sum() == 2100


def test_profitability_by_agreement_reproduces_t_bus_1(business):
    frame = run(business, "profitability_by_agreement")
    assert list(frame["agreement"]) == [
        "Managed IT - Professional",
        "Prepaid block hours (20 h)",
        "Managed IT - Essentials",
        "Time & materials",
        "Managed IT - Essentials",
        "Managed IT - Essentials",
        "(no agreement)",
    ]
    by_id = _money(frame.fillna({"agreement_id": "-"}), "agreement_id")
    assert by_id == {
        # T-BUS-1: $3,000, tools $700, 20 h -> $115/h; E4 is priced on its local day (Tier 2 $40)
        "A1": [3000, 700, 695, 1605, 53.5, 20, 0, 115.0],
        "A3": [2600, 0, 240, 2360, 90.77, 10, 3, 260.0],
        "A5": [1500, 300, 550, 650, 43.33, 10, 0, 120.0],
        "A2": [600, 0, 225, 375, 62.5, 5, 0, 120.0],
        "A6": [600, 0, 0, 600, 100.0, 2, 2, 300.0],
        "A7": [300, 0, 0, 300, 100.0, 0, 0, None],
        "-": [1400, 900, 390, 110, 7.86, 8, 0, 62.5],
    }
    assert frame["client"][0] == "Acme Dental" and pd.isna(frame["client"].iloc[-1])


def test_profitability_by_service(business):
    frame = run(business, "profitability_by_service")
    assert _money(frame, "service") == {
        "Managed services": [5400, 1000, 1245, 3155, 58.43, 32, 2, 137.5],
        "Block hours": [2600, 0, 240, 2360, 90.77, 10, 3, 260.0],
        "Hardware": [1400, 900, 0, 500, 35.71, 0, 0, None],
        "Time and materials": [600, 0, 225, 375, 62.5, 5, 0, 120.0],
        "Project": [0, 0, 330, -330, None, 6, 0, 0.0],
        "(none)": [0, 0, 60, -60, None, 2, 0, 0.0],
    }
    assert list(frame["service"])[-1] == "(none)"


@pytest.mark.parametrize("panel_id", ["profitability_by_client", "profitability_by_service"])
def test_t_bus_2_margin_of_61_percent(business, panel_id):
    frame = run(business, panel_id, "2024-06-01", "2024-09-30", client="C3")
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["revenue"], row["hard_costs"], row["labour_cost"]) == (110000, 10000, 33000)
    assert row["margin"] == 67000 and round(row["margin_percent"]) == 61
    assert round(row["effective_hourly_rate"], 2) == 166.67 and row["hours"] == 600


def test_client_filter_keeps_that_clients_lines_costs_and_time(business):
    frame = run(business, "profitability_by_agreement", client="C1")
    assert _money(frame.fillna({"agreement_id": "-"}), "agreement_id") == {
        "A1": [3000, 700, 695, 1605, 53.5, 20, 0, 115.0],
        "A2": [600, 0, 225, 375, 62.5, 5, 0, 120.0],
        "-": [0, 0, 60, -60, None, 2, 0, 0.0],  # E6: C1's ticket, no agreement
    }


def test_revenue_concentration_top_client_and_top_five(business):
    frame = run(business, "revenue_concentration")
    assert list(frame["client_id"]) == ["C2", "C1", "C4", "C5", "C6", "C7"]
    assert list(frame["rank"]) == [1, 2, 3, 4, 5, 6]
    assert list(frame["share_percent"].round(2)) == [38, 36, 15, 6, 3, 2]
    assert frame["share_percent"][0] == 38.0  # the top client's share
    assert frame["cumulative_share_percent"][4] == 98.0  # the top-5 share
    one = run(business, "revenue_concentration", client="C7")
    assert list(one["share_percent"]) == [100.0]


def test_pending_revenue_includes_earlier_periods_but_not_later_lines(business):
    frame = run(business, "pending_revenue_by_client")
    got = rows(frame, "client_id")
    assert list(got) == ["C2", "C1", "C7"]
    assert [got[c]["pending_amount"] for c in got] == [2600, 600, 200]
    assert [got[c]["lines"] for c in got] == [2, 1, 1]
    assert str(got["C2"]["oldest_line_date"].date()) == "2024-11-20"


def test_empty_period_gives_empty_frames_not_errors(business):
    for panel_id in ("profitability_by_client", "revenue_concentration"):
        frame = run(business, panel_id, "2023-01-01", "2023-01-31")
        assert frame.empty and "revenue" in frame.columns


def test_business_settings_do_not_rebuild_ticket_facts():
    base = load_settings(CONFIG, use_local=False)
    changed = load_settings(
        CONFIG, overrides={"business": {"timesheet_overdue_days": 9}}, use_local=False
    )
    assert changed.business.timesheet_overdue_days == 9
    assert changed.business.pipeline_coverage_target == 4.0  # merged key by key
    assert changed.fingerprint() == base.fingerprint()


def test_every_panel_runs_alike_on_every_warehouse(warehouse_url):
    """The whole tab on DuckDB, SQLite and PostgreSQL against the README's key numbers."""
    session = load_business(warehouse_url)
    scope = session.scope(*DECEMBER)
    with session.warehouse.reading() as conn:
        results = {
            k: r.frame for k, r in run_tab(conn, session.settings, scope, "business").items()
        }
    assert list(results) == PANEL_IDS
    agreement = results["profitability_by_agreement"]
    assert agreement["effective_hourly_rate"][0] == 115.0 and agreement["labour_cost"][0] == 695
    assert results["profitability_by_client"]["margin"].sum() == 6000
    assert list(results["utilization_by_technician"]["available_hours"]) == [123, 164, 164, 82, 164]
    assert list(results["overdue_timesheets"]["tech_id"]) == ["K3", "K2"]
    assert results["missing_patches_by_client"]["missing_patches"].sum() == 19
    assert list(results["contracts_expiring"]["within_90_days"]) == [1, 4]
    assert list(results["contract_length_mix"]["agreements"]) == [3, 3, 2]
    assert list(results["project_hours_remaining"]["remaining_hours"]) == [18, 12, 0, 0]
    assert list(results["days_in_stage"]["average_days"]) == [11.5, 22.75, 20.5]
    assert results["pipeline_coverage"]["coverage"][0] == 8.6
    velocity = results["win_rate_and_velocity"].iloc[0]
    assert velocity["win_rate_percent"] == 50 and velocity["average_sales_cycle_days"] == 32.5
    assert list(results["won_lost_by_reason"]["reason"])[:2] == ["No budget", "Price"]
