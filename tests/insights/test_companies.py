"""Company breakdown on the hand-computed Manager report (tests/fixtures/report_manager/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskmetrics.insights.companies import company_breakdown
from deskmetrics.metrics.engine import compute
from deskmetrics.panels.run import run_panel

WEEK = ("2024-12-02", "2024-12-06")
MONTHS = 5 / 30.4375  # the week's days over the average month
FIELDS = (
    "client",
    "created",
    "resolved",
    "sla_decided",
    "sla_attainment_percent",
    "csat_responses",
    "csat_percent",
    "hours_logged",
    "seats",
    "tickets_per_seat_per_month",
)


def _companies(session, **filters) -> pd.DataFrame:
    with session.warehouse.reading() as conn:
        return company_breakdown(conn, session.settings, session.scope(*WEEK, **filters))


def _rows(frame) -> dict[str, tuple]:
    return {
        (None if pd.isna(r["client_id"]) else r["client_id"]): tuple(
            None if pd.isna(r[f]) else r[f] for f in FIELDS
        )
        for _, r in frame.iterrows()
    }


def test_per_client_as_computed_by_hand(manager_report):
    frame = _companies(manager_report)
    # created, then resolved; no client last
    assert list(frame["client_id"].fillna("(none)")) == ["C2", "C1", "C3", "C4", "(none)"]
    expected = {
        "C2": ("Birch & Co Accountants", 6, 4, 6, 400 / 6, 3, 100 / 3, 5.75, 40, 6 / 40 / MONTHS),
        "C1": ("Acme Dental", 6, 3, 3, 100.0, 1, 100.0, 4.0, 25, 6 / 25 / MONTHS),
        "C3": ("Cedar Clinic", 5, 5, 6, 400 / 6, 0, None, 5.25, 10, 5 / 10 / MONTHS),
        "C4": ("Dune Logistics", 1, 1, 1, 100.0, 0, None, 0.5, None, None),
        None: ("(none)", 1, 1, 0, None, 0, None, 0.5, None, None),  # R9: no priority, no SLA
    }
    rows = _rows(frame)
    for client, values in expected.items():
        assert rows[client] == pytest.approx(values), client


def test_cancelled_tickets_count_nowhere(manager_report):
    # R6 is cancelled: not created, its 0.25 h not logged, its dissatisfied survey not counted
    c3 = _companies(manager_report).set_index("client_id").loc["C3"]
    assert (c3["created"], c3["hours_logged"], c3["csat_responses"]) == (5, 5.25, 0)
    assert pd.isna(c3["csat_percent"])


def test_client_filter(manager_report):
    frame = _companies(manager_report, client="C2")
    assert list(frame["client_id"]) == ["C2"]
    assert frame.loc[0, "created"] == 6
    assert frame.loc[0, "sla_attainment_percent"] == pytest.approx(400 / 6)


@pytest.mark.parametrize("client", ["C1", "C2", "C3", "C4"])
def test_each_row_equals_the_dashboard_kpis_for_that_client(manager_report, client):
    row = _companies(manager_report).set_index("client_id").loc[client]
    scope = manager_report.scope(*WEEK, client=client)
    with manager_report.warehouse.reading() as conn:
        kpis = compute(conn, ["resolution_sla_attainment", "csat_percent"], scope)
    sla, csat = kpis["resolution_sla_attainment"], kpis["csat_percent"]
    assert (row["sla_decided"], row["csat_responses"]) == (sla.n, csat.n)
    assert row["sla_attainment_percent"] == pytest.approx(sla.value)
    if csat.value is None:
        assert pd.isna(row["csat_percent"])
    else:
        assert row["csat_percent"] == pytest.approx(csat.value)


def test_equal_to_the_service_quality_and_customer_experience_panels(manager_report):
    frame = _companies(manager_report)
    frame = frame.set_index(frame["client_id"].fillna("(none)"))
    scope = manager_report.scope(*WEEK)
    settings = manager_report.settings
    with manager_report.warehouse.reading() as conn:
        per_seat = run_panel(conn, settings, scope, "tickets_per_seat").frame
        csat = run_panel(conn, settings, scope, "csat_by_client").frame
        hours = run_panel(conn, settings, scope, "hours_worked").frame
    for _, panel_row in per_seat.fillna({"client_id": "(none)"}).iterrows():
        ours = frame.loc[panel_row["client_id"]]
        assert ours["created"] == panel_row["tickets"]
        assert ours["tickets_per_seat_per_month"] == pytest.approx(
            panel_row["tickets_per_seat_per_month"], nan_ok=True
        )
    for _, panel_row in csat.iterrows():
        ours = frame.loc[panel_row["client_id"]]
        assert ours["csat_responses"] == panel_row["responses"]
        assert ours["csat_percent"] == pytest.approx(panel_row["csat_percent"])
    logged = hours["billable_hours"].sum() + hours["non_billable_hours"].sum()
    assert frame["hours_logged"].sum() == pytest.approx(logged)


def test_same_rows_on_every_warehouse(manager_report, manager_report_on):
    pd.testing.assert_frame_equal(
        _companies(manager_report_on), _companies(manager_report), check_dtype=False
    )
