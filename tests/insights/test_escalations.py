"""Escalation patterns on the hand-computed Manager report
(tests/fixtures/report_manager/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskmetrics.insights.escalations import (
    EscalationSummary,
    escalation_summary,
    escalations_by_category,
    escalations_by_priority,
    escalations_by_tier,
    escalations_over_time,
)
from deskmetrics.panels.run import run_panel

WEEK = ("2024-12-02", "2024-12-06")
TWO_WEEKS = ("2024-11-25", "2024-12-08")


def _approx(rows: list[tuple]) -> list:
    """Rows compared field by field, floats approximately."""
    return [pytest.approx(row) for row in rows]


def _run(session, function, period=WEEK, **filters):
    with session.warehouse.reading() as conn:
        return function(conn, session.settings, session.scope(*period, **filters))


def _panel(session, panel_id, **filters) -> pd.DataFrame:
    with session.warehouse.reading() as conn:
        scope = session.scope(*WEEK, **filters)
        return run_panel(conn, session.settings, scope, panel_id).frame


def _counts(frame, label) -> list[tuple]:
    return [
        (k, r, e, None if pd.isna(p) else p)
        for k, r, e, p in zip(
            frame[label], frame["resolved"], frame["escalated"], frame["rate_percent"], strict=True
        )
    ]


def test_headline(manager_report):
    summary = _run(manager_report, escalation_summary)
    assert summary == EscalationSummary(14, 3, pytest.approx(300 / 14))


def test_by_owner_tier(manager_report):
    frame = _run(manager_report, escalations_by_tier)
    assert _counts(frame, "tier") == _approx(
        [("Tier 1", 12, 2, 100 * 2 / 12), ("Tier 2", 1, 1, 100.0), ("(none)", 1, 0, 0.0)]
    )
    with_client = _run(manager_report, escalations_by_tier, client="C2")
    assert _counts(with_client, "tier") == _approx(
        [("Tier 1", 3, 1, 100 / 3), ("Tier 2", 1, 1, 100.0)]
    )


def test_by_category_and_priority(manager_report):
    by_category = _run(manager_report, escalations_by_category)
    assert _counts(by_category, "category") == [
        ("Software", 8, 2, 25.0),
        ("Hardware", 2, 0, 0.0),
        ("Monitoring", 2, 0, 0.0),
        ("(none)", 1, 0, 0.0),
        ("Network", 1, 1, 100.0),
    ]
    by_priority = _run(manager_report, escalations_by_priority)
    assert _counts(by_priority, "priority") == _approx(
        [
            ("P1", 1, 1, 100.0),
            ("P2", 3, 2, 200 / 3),
            ("P3", 7, 0, 0.0),
            ("P4", 2, 0, 0.0),
            ("(none)", 1, 0, 0.0),
        ]
    )


def test_daily_for_a_week(manager_report):
    frame = _run(manager_report, escalations_over_time)
    assert set(frame["grain"]) == {"day"}
    days = [b.strftime("%m-%d") for b in frame["bucket"]]
    assert list(zip(days, frame["resolved"], frame["escalated"], strict=True)) == [
        ("12-02", 3, 0),
        ("12-03", 4, 1),
        ("12-04", 3, 0),
        ("12-05", 2, 1),
        ("12-06", 2, 1),
    ]


def test_weekly_beyond_a_week(manager_report):
    frame = _run(manager_report, escalations_over_time, TWO_WEEKS)
    assert set(frame["grain"]) == {"week"}
    weeks = [b.strftime("%m-%d") for b in frame["bucket"]]
    assert list(zip(weeks, frame["resolved"], frame["escalated"], strict=True)) == [
        ("11-25", 0, 0),
        ("12-02", 14, 3),
    ]
    assert pd.isna(frame["rate_percent"].iloc[0])


@pytest.mark.parametrize(
    ("function", "panel_id"),
    [
        (escalations_by_priority, "escalation_rate_by_priority"),
        (escalations_by_category, "escalation_rate_by_type"),
    ],
)
@pytest.mark.parametrize("client", [None, "C1"])
def test_equal_to_the_help_desk_panels(manager_report, function, panel_id, client):
    pd.testing.assert_frame_equal(
        _run(manager_report, function, client=client),
        _panel(manager_report, panel_id, client=client),
    )


def test_over_a_week_equal_to_the_escalation_trend_panel(manager_report):
    # the panel is daily up to 45 days, so on the week the buckets coincide
    ours = _run(manager_report, escalations_over_time).drop(columns="grain")
    pd.testing.assert_frame_equal(ours, _panel(manager_report, "escalation_trend"))


def test_every_breakdown_adds_up_to_the_headline(manager_report):
    summary = _run(manager_report, escalation_summary, client="C2")
    assert (summary.resolved, summary.escalated) == (4, 2)  # H3 H5 H6 H11; H3 and H11
    for function in (escalations_by_tier, escalations_by_category, escalations_by_priority):
        frame = _run(manager_report, function, client="C2")
        assert (frame["resolved"].sum(), frame["escalated"].sum()) == (4, 2), function.__name__


def test_same_rows_on_every_warehouse(manager_report, manager_report_on):
    for function in (escalations_by_tier, escalations_by_category, escalations_over_time):
        pd.testing.assert_frame_equal(
            _run(manager_report_on, function), _run(manager_report, function), check_dtype=False
        )
    assert _run(manager_report_on, escalation_summary) == _run(manager_report, escalation_summary)
