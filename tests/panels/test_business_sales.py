"""Sales panels on the hand-computed business fixture (tests/fixtures/business_kpis/README.md):
funnel, days in stage (with a move back to an earlier stage), coverage, win rate, velocity."""

from __future__ import annotations

import pandas as pd
import pytest
from panels.test_business_fixture import CONFIG, load_business, rows, run

from deskmetrics.config import load_settings
from deskmetrics.session import Session


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('sales') / 'w.duckdb'}")


def _table(frame, key, columns) -> dict:
    return {k: [v[c] for c in columns] for k, v in rows(frame, key).items()}


def test_funnel_this_month_by_stage_at_the_period_end(business):
    frame = run(business, "sales_funnel")
    assert list(frame.columns) == ["stage", "opportunities", "amount", "weighted_amount"]
    assert list(frame["stage"]) == ["Prospecting", "Proposal", "Negotiation"]
    assert _table(frame, "stage", ["opportunities", "amount", "weighted_amount"]) == {
        "Prospecting": [1, 2000, 200],
        "Proposal": [2, 8000, 4300],  # O3 and O11; O4 and O10 are expected in January
        "Negotiation": [1, 24000, 18000],
    }


def test_days_in_stage_count_from_the_latest_move_even_back_to_an_earlier_stage(business):
    frame = run(business, "days_in_stage")
    assert _table(frame, "stage", ["opportunities", "average_days", "longest_days"]) == {
        "Prospecting": [1, 11.5, 11.5],
        # O4 went back from Negotiation to Proposal on 12-16 (15.5 days, not 46.5 since 11-15);
        # O11 has no stage history (since created, 36.5); O10 was won only after the period
        "Proposal": [4, 22.75, 36.5],
        "Negotiation": [1, 20.5, 20.5],
    }
    # at the end of November (12-01 00:00 local) Proposal held O1 (won on 12-10), O4 since
    # 11-15 10:00 (15 days 14 h: its move to Negotiation came on 12-01 10:00) and O11
    november = run(business, "days_in_stage", "2024-11-01", "2024-11-30")
    assert _table(november, "stage", ["opportunities", "longest_days"])["Proposal"] == [3, 15.58]


def test_pipeline_coverage_against_the_trailing_won_average(business):
    frame = run(business, "pipeline_coverage")
    row = rows(frame, "as_of")[pd.Timestamp("2024-12-31")]
    assert row == {
        "open_opportunities": 6,
        "pipeline_amount": 43000,
        "weighted_pipeline": 26700,
        "monthly_target": 5000,
        "target_source": "average won a month over the trailing 3 months",
        "coverage": 8.6,
        "target_multiple": 4,
        "required_pipeline": 20000,
        "meets_target": True,
    }


def test_pipeline_coverage_against_a_monthly_target_from_the_settings(business):
    settings = load_settings(
        CONFIG, overrides={"business": {"monthly_sales_target": 12000}}, use_local=False
    )
    frame = run(Session(business.warehouse.url, settings=settings), "pipeline_coverage")
    row = frame.iloc[0]
    assert row["target_source"] == "business.monthly_sales_target"
    assert round(row["coverage"], 2) == 3.58 and row["required_pipeline"] == 48000
    assert not row["meets_target"]


def test_win_rate_and_deal_velocity(business):
    frame = run(business, "win_rate_and_velocity")
    assert rows(frame, "open_opportunities") == {
        6: {
            "won": 2,
            "lost": 2,
            "win_rate_percent": 50,
            "won_amount": 12000,
            "average_won_amount": 6000,
            "average_sales_cycle_days": 32.5,
            "deal_velocity_per_day": 553.85,
        }
    }


def test_client_filter_drops_prospects_and_a_period_without_wins_has_no_velocity(business):
    frame = run(business, "win_rate_and_velocity", client="C2")
    row = frame.iloc[0]
    assert (row["open_opportunities"], row["won"], row["lost"]) == (1, 0, 1)
    assert row["win_rate_percent"] == 0
    assert pd.isna(row["average_won_amount"]) and pd.isna(row["deal_velocity_per_day"])
    nothing = run(business, "win_rate_and_velocity", "2024-01-01", "2024-01-31").iloc[0]
    assert pd.isna(nothing["win_rate_percent"]) and pd.isna(nothing["deal_velocity_per_day"])


def test_won_and_lost_by_reason(business):
    frame = run(business, "won_lost_by_reason")
    assert _table(frame, "reason", ["won", "lost", "won_amount", "lost_amount"]) == {
        "No budget": [0, 1, 0, 6000],
        "Price": [0, 1, 0, 36000],
        "Referral": [1, 0, 7500, 0],  # O7 (Referral too) closed in November
        "Relationship": [1, 0, 4500, 0],
    }
