"""Devices, contracts and projects on the hand-computed business fixture
(tests/fixtures/business_kpis/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest
from panels.test_business_fixture import load_business, rows, run

from deskmetrics.session import Session


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('assets') / 'w.duckdb'}")


def _table(frame, key, columns) -> dict:
    return {k: [v[c] for c in columns] for k, v in rows(frame.fillna({key: "-"}), key).items()}


def test_devices_awaiting_review_by_client_known_at_the_period_end(business):
    frame = run(business, "devices_awaiting_review")
    assert list(frame.columns) == ["client", "client_id", "awaiting_review", "devices"]
    # D8 (discovered 2025-01-02) is not known yet; D9 has no client
    assert _table(frame, "client_id", ["awaiting_review", "devices"]) == {
        "C1": [2, 4],
        "C2": [1, 2],
        "-": [1, 1],
    }
    assert list(frame["client"]) == ["Acme Dental", "Birch & Co Accountants", "(none)"]


def test_devices_discovered_in_the_period(business):
    frame = run(business, "devices_discovered")
    assert _table(frame, "client_id", ["discovered", "awaiting_review"]) == {
        "C1": [2, 2],
        "C4": [1, 0],  # D7: 23:00 local on 12-31 is in the period
        "-": [1, 1],
    }
    assert run(business, "devices_discovered", "2024-11-01", "2024-11-30")[
        "client_id"
    ].tolist() == ["C2"]


def test_missing_patches_by_client(business):
    frame = run(business, "missing_patches_by_client")
    columns = ["devices", "devices_missing_patches", "missing_patches", "devices_patches_unknown"]
    assert _table(frame, "client_id", columns) == {
        "C1": [4, 2, 16, 1],
        "C4": [1, 1, 2, 0],
        "C2": [2, 0, 0, 1],  # D5's unknown count is not a 0
        "-": [1, 1, 1, 0],
    }
    assert frame["devices_missing_patches"].sum() == 4 and frame["missing_patches"].sum() == 19
    assert list(run(business, "missing_patches_by_client", client="C1")["client_id"]) == ["C1"]


def test_contracts_expiring_leave_the_cancelled_agreement_out(business):
    frame = run(business, "contracts_expiring")
    assert _table(
        frame, "agreement_type", ["within_30_days", "within_60_days", "within_90_days"]
    ) == {
        "project": [0, 1, 1],
        "recurring": [1, 3, 4],  # A4 ends 2025-01-15 but is cancelled
    }
    c1 = run(business, "contracts_expiring", client="C1")
    assert _table(c1, "agreement_type", ["within_30_days", "within_60_days"]) == {
        "recurring": [0, 1]  # A1 ends 31 days after 12-31
    }


def test_contract_length_mix_in_force_on_the_last_day(business):
    frame = run(business, "contract_length_mix")
    assert list(frame["term"]) == ["longer than 12 months", "12 months or less", "month to month"]
    assert list(frame["agreements"]) == [3, 3, 2]
    assert list(frame["percent"]) == [37.5, 37.5, 25.0]
    # on 2024-06-30 A9 (2023-12-01 to 2024-12-15, over 12 months) was still in force too;
    # A4 stays out: cancelled is its status as loaded
    june = run(business, "contract_length_mix", "2024-06-01", "2024-06-30")
    assert list(june["agreements"]) == [4, 3, 2]


def test_projects_at_risk(business):
    frame = run(business, "projects_at_risk")
    assert dict(zip(frame["risk"], frame["projects"], strict=True)) == {
        "over schedule": 2,
        "over hours": 2,
        "both": 1,
    }
    listed = run(business, "projects_at_risk_list")
    assert list(listed["project_id"]) == ["PR1", "PR3", "PR4"]
    assert list(listed["risk"]) == ["both", "over schedule", "over hours"]
    assert listed["days_past_due"].tolist()[:2] == [11, 16] and pd.isna(listed["days_past_due"][2])
    assert listed["hours_over_budget"][0] == 6.5 and pd.isna(listed["hours_over_budget"][1])
    assert listed["hours_over_budget"][2] == 5.0 and listed["status"][2] == "on_hold"
    assert list(run(business, "projects_at_risk", client="C1")["projects"]) == [1, 0, 0]


def test_project_hours_remaining_floor_at_zero_and_count_projects_without_budget(business):
    frame = run(business, "project_hours_remaining")
    columns = ["open_projects", "remaining_hours", "projects_without_budget"]
    assert _table(frame, "category", columns) == {
        "Server migration": [1, 18, 0],
        "Network": [2, 12, 0],  # PR1 is 6.5 h over budget: 0 left, not -6.5
        "Cloud": [1, 0, 1],  # PR5 has no budget
        "Office move": [1, 0, 0],
    }
    assert list(frame["category"]) == ["Server migration", "Network", "Cloud", "Office move"]
