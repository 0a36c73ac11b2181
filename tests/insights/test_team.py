"""Team performance on the hand-computed Manager report (tests/fixtures/report_manager/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskmetrics.insights.team import team_performance
from deskmetrics.metrics.engine import compute
from deskmetrics.panels.run import run_panel

WEEK = ("2024-12-02", "2024-12-06")
FIELDS = (
    "technician",
    "team",
    "resolved",
    "avg_resolution_business_hours",
    "escalation_rate_percent",
    "fcr_eligible",
    "fcr",
    "fcr_percent",
    "csat_responses",
    "csat_percent",
)


def _team(session, settings=None, **filters) -> pd.DataFrame:
    with session.warehouse.reading() as conn:
        scope = session.scope(*WEEK, **filters)
        return team_performance(conn, settings or session.settings, scope)


def _rows(frame) -> dict[str, tuple]:
    return {
        (None if pd.isna(r["tech_id"]) else r["tech_id"]): tuple(
            None if pd.isna(r[f]) else r[f] for f in FIELDS
        )
        for _, r in frame.iterrows()
    }


def test_one_row_per_active_technician_as_computed_by_hand(manager_report):
    frame = _team(manager_report)
    # K5 did nothing; R9 has no owner
    assert list(frame["tech_id"].fillna("-")) == ["K1", "K4", "K2", "K3", "-"]
    expected = {
        "K1": (
            "Kim Lee",
            "Service Desk",
            5,
            (2 + 5 / 3 + 0.5 + 5 + 8) / 5,
            20.0,
            4,
            2,
            50.0,
            2,
            50.0,
        ),
        "K4": ("Lee Park", "Field Services", 5, 2.7, 20.0, 4, 2, 50.0, 0, None),
        "K2": ("Ana Ruiz", "Service Desk", 2, 1.875, 0.0, 2, 2, 100.0, 1, 100.0),
        "K3": ("Sam Ortiz", "Escalations", 1, 7.0, 100.0, 1, 0, 0.0, 1, 0.0),
        None: ("(unassigned)", "(unassigned)", 1, 1.0, 0.0, 1, 1, 100.0, 0, None),  # R9
    }
    rows = _rows(frame)
    for tech, values in expected.items():
        assert rows[tech] == pytest.approx(values), tech
    assert set(frame["fcr_variant"]) == {"fcr_time_entry"}


def test_a_technician_without_surveys_has_no_csat(manager_report):
    k4 = _team(manager_report).set_index("tech_id").loc["K4"]
    assert k4["resolved"] == 5
    assert k4["csat_responses"] == 0
    assert pd.isna(k4["csat_percent"])


def test_cancelled_tickets_count_nowhere(manager_report):
    # K1 owns the cancelled R6 and its dissatisfied survey S10: neither shows
    k1 = _team(manager_report).set_index("tech_id").loc["K1"]
    assert (k1["resolved"], k1["csat_responses"], k1["csat_percent"]) == (5, 2, 50.0)


def test_client_filter(manager_report):
    rows = _rows(_team(manager_report, client="C1"))
    assert list(rows) == ["K1", "K2"]  # K3 owns only the open H12 in C1
    assert rows["K1"] == pytest.approx(
        ("Kim Lee", "Service Desk", 2, (2 + 5 / 3) / 2, 0.0, 2, 1, 50.0, 1, 100.0)
    )
    # Ana Ruiz's only C1 survey is an effort survey: no CSAT within the client
    assert rows["K2"] == pytest.approx(
        ("Ana Ruiz", "Service Desk", 1, 3.0, 0.0, 1, 1, 100.0, 0, None)
    )


def test_the_configured_fcr_variant_is_used(manager_report):
    analysis = manager_report.settings.analysis.model_copy(update={"fcr_variant": "fcr_one_touch"})
    settings = manager_report.settings.model_copy(update={"analysis": analysis})
    frame = _team(manager_report, settings).set_index("tech_id")
    # one agent reply each: H1, H11, R8 of K1 (H2 reopened); R1, R2, R5, R7 of K4
    assert frame.loc["K1", "fcr"] == 3
    assert frame.loc["K4", "fcr"] == 4
    assert set(frame["fcr_variant"]) == {"fcr_one_touch"}


@pytest.mark.parametrize("tech", ["K1", "K2", "K3", "K4"])
def test_each_row_equals_the_help_desk_panels_for_that_owner(manager_report, tech):
    row = _team(manager_report).set_index("tech_id").loc[tech]
    scope = manager_report.scope(*WEEK, owner=tech)
    settings = manager_report.settings
    with manager_report.warehouse.reading() as conn:
        fcr = run_panel(conn, settings, scope, "fcr_variants").frame
        escalation = run_panel(conn, settings, scope, "escalation_rate_by_priority").frame
        csat = run_panel(conn, settings, scope, "csat_by_technician").frame
    configured = fcr[fcr["configured"]].iloc[0]
    assert (row["fcr_eligible"], row["fcr"]) == (configured["eligible"], configured["fcr"])
    assert row["resolved"] == escalation["resolved"].sum()
    assert row["escalated"] == escalation["escalated"].sum()
    responses = csat.loc[csat["tech_id"] == tech, "responses"].sum()
    assert row["csat_responses"] == responses


def test_resolution_hours_weigh_up_to_the_dashboard_kpi(manager_report):
    frame = _team(manager_report)
    scope = manager_report.scope(*WEEK)
    with manager_report.warehouse.reading() as conn:
        kpi = compute(conn, ["avg_resolution_business_hours"], scope)[
            "avg_resolution_business_hours"
        ]
    # every resolved ticket here has its stored business time, so n = resolved
    assert kpi.n == frame["resolved"].sum()
    weighted = (frame["avg_resolution_business_hours"] * frame["resolved"]).sum() / kpi.n
    assert weighted == pytest.approx(kpi.value)


def test_same_rows_on_every_warehouse(manager_report, manager_report_on):
    expected = _team(manager_report)
    pd.testing.assert_frame_equal(_team(manager_report_on), expected, check_dtype=False)
