"""Utilization, week-over-week hours and overdue timesheets on the hand-computed business
fixture (tests/fixtures/business_kpis/README.md)."""

from __future__ import annotations

import pytest
from panels.test_business_fixture import CONFIG, load_business, rows, run

from deskmetrics.config import load_settings
from deskmetrics.session import Session

UTILIZATION = [
    "weekly_hours",
    "available_hours",
    "billable_hours",
    "non_billable_hours",
    "hours",
    "utilization_percent",
]


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('people') / 'w.duckdb'}")


def _values(frame, key, columns) -> dict:
    return {k: [v[c] for c in columns] for k, v in rows(frame, key).items()}


def test_utilization_prorates_weekly_hours_over_the_periods_business_hours(business):
    frame = run(business, "utilization_by_technician")
    assert list(frame.columns) == ["technician", "tech_id", *UTILIZATION]
    assert list(frame["tech_id"]) == ["K2", "K1", "K4", "K5", "K3"]
    # 164 business hours in December (holiday 12-25, afternoon of 12-24 off), 40 in a week
    assert _values(frame, "tech_id", UTILIZATION) == {
        "K2": [30, 123, 15, 0, 15, 12.2],
        "K1": [40, 164, 17, 8, 25, 10.37],  # internal time is non-billable
        "K4": [40, 164, 10, 1, 11, 6.1],
        "K5": [20, 82, 5, 0, 5, 6.1],
        "K3": [40, 164, 6, 0, 6, 3.66],  # no weekly hours: the calendar's 40
    }


def test_holidays_remove_their_hours_from_the_available_hours(business):
    frame = run(business, "utilization_by_technician", "2024-12-23", "2024-12-27")
    available = dict(zip(frame["tech_id"], frame["available_hours"], strict=True))
    assert available == {"K1": 28, "K2": 21, "K3": 28, "K4": 28, "K5": 14}


def test_client_filter_keeps_that_clients_hours_and_the_whole_capacity(business):
    frame = run(business, "utilization_by_technician", client="C1")
    got = _values(frame, "tech_id", ["available_hours", "billable_hours", "non_billable_hours"])
    assert got["K1"] == [164, 12, 2] and got["K2"] == [123, 13, 0] and got["K4"] == [164, 0, 0]
    assert round(frame["utilization_percent"][0], 2) == 10.57 and frame["tech_id"][0] == "K2"


def test_hours_this_week_against_last_week(business):
    frame = run(business, "hours_this_week_vs_last")
    columns = [
        "this_week_hours",
        "this_week_billable_hours",
        "last_week_hours",
        "last_week_billable_hours",
        "change_hours",
    ]
    assert _values(frame, "tech_id", columns) == {
        "K1": [3, 0, 0, 0, 3],
        "K2": [1, 1, 6, 6, -5],  # E15 at 22:00 on 12-31 is this week's
        "K3": [0, 0, 0, 0, 0],
        "K4": [0, 0, 1, 0, -1],
        "K5": [0, 0, 0, 0, 0],
    }
    assert list(frame["technician"])[:2] == ["Ana Ruiz", "Ben Okafor"]


def test_overdue_timesheets_after_two_days_by_default(business):
    frame = run(business, "overdue_timesheets")
    assert list(frame.columns) == [
        "technician",
        "tech_id",
        "week_start",
        "week_end",
        "days_since_week_end",
    ]
    assert list(frame["tech_id"]) == ["K3", "K2"]
    assert [d.strftime("%m-%d") for d in frame["week_start"]] == ["12-09", "12-16"]
    assert [d.strftime("%m-%d") for d in frame["week_end"]] == ["12-15", "12-22"]
    assert list(frame["days_since_week_end"]) == [16, 9]
    # the client filter does not apply to timesheets
    assert list(run(business, "overdue_timesheets", client="C4")["tech_id"]) == ["K3", "K2"]


def test_overdue_days_come_from_the_business_settings(business):
    settings = load_settings(
        CONFIG, overrides={"business": {"timesheet_overdue_days": 1}}, use_local=False
    )
    one_day = Session(business.warehouse.url, settings=settings)
    frame = run(one_day, "overdue_timesheets")
    assert list(zip(frame["tech_id"], frame["days_since_week_end"], strict=True)) == [
        ("K3", 16),
        ("K2", 9),
        ("K1", 2),
        ("K2", 2),
    ]
