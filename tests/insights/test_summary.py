"""The period summary on the hand-computed week (tests/fixtures/report_small/README.md)."""

from __future__ import annotations

from datetime import date

import pytest
from insights.report_small import PREVIOUS_WEEK, WEEK, load_report_small

from deskmetrics.insights.summary import (
    SUMMARY_KPIS,
    PeriodSummary,
    kpi_change,
    period_summary,
)
from deskmetrics.session import Session


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_small")
    return load_report_small(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _summary(session: Session, *days: str, **filters) -> PeriodSummary:
    scope = session.scope(*(days or WEEK), **filters)
    with session.warehouse.reading() as conn:
        return period_summary(conn, session.settings, scope)


def _values(summary: PeriodSummary) -> dict[str, tuple]:
    return {k.name: (k.value, k.previous) for k in summary.kpis()}


EXPECTED_WEEK = {
    "tickets_created": (16, 7),
    "tickets_closed": (17, 4),
    "open_tickets": (2, 3),
    "avg_first_response_business_hours": (345 / 13 / 60, 210 / 6 / 60),
    "avg_resolution_business_hours": (43.2 / 17, 13.1 / 4),
    "resolution_sla_attainment": (100 * 16 / 17, 100 * 3 / 5),
}


def test_report_week_against_the_previous_week(session):
    summary = _summary(session)
    assert (summary.date_from, summary.date_to) == (date(2024, 12, 9), date(2024, 12, 15))
    assert (summary.previous_from, summary.previous_to) == (date(2024, 12, 2), date(2024, 12, 8))
    assert summary.has_previous
    for name, (value, previous) in _values(summary).items():
        want_value, want_previous = EXPECTED_WEEK[name]
        assert value == pytest.approx(want_value), name
        assert previous == pytest.approx(want_previous), name
        kpi = next(k for k in summary.kpis() if k.name == name)
        assert kpi.change == pytest.approx(want_value - want_previous), name
        assert kpi.change_percent == pytest.approx(
            100 * (want_value - want_previous) / want_previous
        ), name
    assert summary.created.n == 16 and summary.first_response_hours.n == 13
    assert summary.sla_attainment.previous_n == 5  # targets decided in the previous week


def test_frame_is_one_tidy_row_per_kpi(session):
    frame = _summary(session).frame()
    assert frame["name"].tolist() == list(SUMMARY_KPIS.values())
    assert {"label", "unit", "value", "previous", "change", "change_percent", "n"} <= set(frame)
    row = frame.set_index("name").loc["open_tickets"]
    assert (row["value"], row["previous"], row["change"]) == (2, 3, -1)


def test_client_filter(session):
    summary = _summary(session, *WEEK, client="C1")
    expected = {
        "tickets_created": (8, 3),
        "tickets_closed": (8, 2),
        "open_tickets": (1, 1),
        "avg_first_response_business_hours": (165 / 6 / 60, 90 / 3 / 60),
        "avg_resolution_business_hours": (13.6 / 8, 10 / 2),
        "resolution_sla_attainment": (100.0, 50.0),
    }
    for name, (value, previous) in _values(summary).items():
        assert (value, previous) == (
            pytest.approx(expected[name][0]),
            pytest.approx(expected[name][1]),
        ), name
    assert summary.backlog.change == 0 and summary.backlog.change_percent == 0


def test_previous_week_without_a_week_before_it(session):
    summary = _summary(session, *PREVIOUS_WEEK)
    assert not summary.has_previous
    assert (summary.created.value, summary.created.previous) == (7, 0)
    assert summary.created.change == 7 and summary.created.change_percent is None  # from 0
    assert summary.first_response_hours.previous is None  # nothing answered the week before
    assert summary.first_response_hours.change is None
    assert summary.first_response_hours.change_percent is None


def test_cancelled_ticket_counts_nowhere(tmp_path):
    counted = load_report_small(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", uncancel=True)
    summary = _summary(counted)
    assert summary.created.value == 17  # Z1 created on 12-11
    assert summary.backlog.value == 3  # ... and still open


def test_kpi_change_rules():
    rise = kpi_change("x", "X", "tickets", 12.0, 10.0)
    assert (rise.change, rise.change_percent) == (2.0, pytest.approx(20.0))
    from_zero = kpi_change("x", "X", "tickets", 5.0, 0.0)
    assert (from_zero.change, from_zero.change_percent) == (5.0, None)
    missing = kpi_change("x", "X", "hours", 1.5, None)
    assert (missing.change, missing.change_percent) == (None, None)
    gone = kpi_change("x", "X", "hours", None, 2.0)
    assert (gone.change, gone.change_percent) == (None, None)


def test_same_numbers_on_every_warehouse(warehouse_url, tmp_path):
    summary = _summary(load_report_small(tmp_path, warehouse_url))
    for name, (value, previous) in _values(summary).items():
        assert value == pytest.approx(EXPECTED_WEEK[name][0]), name
        assert previous == pytest.approx(EXPECTED_WEEK[name][1]), name
