"""Technician/client affinity on the hand-computed Manager report
(tests/fixtures/report_manager/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskmetrics.insights.affinity import (
    client_concentration,
    dependent_clients,
    technician_client_affinity,
)
from deskmetrics.panels.run import run_panel

WEEK = ("2024-12-02", "2024-12-06")


def _approx(rows: list[tuple]) -> list:
    """Rows compared field by field, floats approximately."""
    return [pytest.approx(row) for row in rows]


def _run(session, function, settings=None, **filters) -> pd.DataFrame:
    with session.warehouse.reading() as conn:
        return function(conn, settings or session.settings, session.scope(*WEEK, **filters))


def _with_insights(session, **changes):
    insights = session.settings.insights.model_copy(update=changes)
    return session.settings.model_copy(update={"insights": insights})


def test_tickets_and_hours_per_client_and_technician(manager_report):
    frame = _run(manager_report, technician_client_affinity)
    got = [
        tuple(
            None if pd.isna(v) else v
            for v in (r.client_id, r.tech_id, r.tickets, r.hours, r.ticket_share)
        )
        for r in frame.itertuples(index=False)
    ]
    assert got == _approx(
        [
            ("C1", "K1", 3, 2.0, 3 / 6),
            ("C1", "K2", 2, 2.0, 2 / 6),
            ("C1", "K3", 1, 0.0, 1 / 6),
            ("C2", "K3", 2, 3.0, 0.4),  # ties Kim Lee on tickets, more hours
            ("C2", "K1", 2, 2.25, 0.4),  # 0.25 h on Sam Ortiz's H3 counts for her
            ("C2", "K2", 1, 0.5, 0.2),
            ("C3", "K4", 5, 4.75, 1.0),
            ("C3", "K3", 0, 0.5, 0.0),  # helped on R2 without owning a ticket
            ("C4", "K4", 1, 0.5, 1.0),
            (None, "K4", 0, 0.5, None),  # R9 has no client and no owner
        ]
    )
    names = frame.set_index(["client_id", "tech_id"])
    assert names.loc[("C3", "K4"), ["client", "technician", "team"]].tolist() == [
        "Cedar Clinic",
        "Lee Park",
        "Field Services",
    ]


def test_cancelled_tickets_and_their_time_count_nowhere(manager_report):
    frame = _run(manager_report, technician_client_affinity)
    # Kim Lee owns the cancelled R6 (with 0.25 h) in C3 and logged R8's time before the week
    assert frame[(frame["client_id"] == "C3") & (frame["tech_id"] == "K1")].empty


def test_concentration_and_the_client_that_depends_on_one_technician(manager_report):
    frame = _run(manager_report, client_concentration)
    got = [
        (r.client_id, r.tickets, r.technicians, r.top_tech_id, r.top_share, r.herfindahl)
        for r in frame.itertuples(index=False)
    ]
    assert got == _approx(
        [
            ("C3", 5, 1, "K4", 1.0, 1.0),
            ("C4", 1, 1, "K4", 1.0, 1.0),
            ("C1", 6, 3, "K1", 0.5, 14 / 36),
            ("C2", 5, 3, "K3", 0.4, 9 / 25),
        ]
    )
    assert list(frame["depends_on_one"]) == [True, False, False, False]  # C4: 1 ticket < 5
    assert frame.loc[0, "top_technician"] == "Lee Park"
    assert list(_run(manager_report, dependent_clients)["client_id"]) == ["C3"]


def test_thresholds_come_from_settings(manager_report):
    share = _with_insights(manager_report, affinity_dependency_share=0.5)
    assert list(_run(manager_report, dependent_clients, share)["client_id"]) == ["C3", "C1"]
    few = _with_insights(manager_report, affinity_min_tickets=1)
    assert list(_run(manager_report, dependent_clients, few)["client_id"]) == ["C3", "C4"]


def test_client_filter(manager_report):
    frame = _run(manager_report, technician_client_affinity, client="C3")
    assert list(zip(frame["tech_id"], frame["tickets"], strict=True)) == [("K4", 5), ("K3", 0)]
    concentration = _run(manager_report, client_concentration, client="C1")
    assert list(concentration["client_id"]) == ["C1"]
    assert concentration.loc[0, "top_share"] == 0.5


def test_totals_match_the_service_quality_panels(manager_report):
    frame = _run(manager_report, technician_client_affinity)
    scope = manager_report.scope(*WEEK)
    with manager_report.warehouse.reading() as conn:
        hours = run_panel(conn, manager_report.settings, scope, "hours_worked").frame
        created = run_panel(conn, manager_report.settings, scope, "tickets_per_seat").frame
    assert frame["hours"].sum() == pytest.approx(
        hours["billable_hours"].sum() + hours["non_billable_hours"].sum()
    )
    owned = frame.groupby(frame["client_id"].fillna("(none)"))["tickets"].sum()
    unowned = {"C2": 1, "(none)": 1}  # H9 and R9 have no owner
    for client_id, tickets in zip(
        created["client_id"].fillna("(none)"), created["tickets"], strict=True
    ):
        assert owned[client_id] + unowned.get(client_id, 0) == tickets


def test_same_rows_on_every_warehouse(manager_report, manager_report_on):
    for function in (technician_client_affinity, client_concentration):
        pd.testing.assert_frame_equal(
            _run(manager_report_on, function), _run(manager_report, function), check_dtype=False
        )
