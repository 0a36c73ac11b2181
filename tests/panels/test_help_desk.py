"""Help Desk panels on the hand-computed help desk (tests/fixtures/help_desk_small/README.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from deskmetrics.cli import main
from deskmetrics.panels import panels_for
from deskmetrics.panels.run import drill_tickets, run_panel
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "help_desk_small"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2024-12-02", "2024-12-06")
DAYS = ["2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05", "2024-12-06"]
NOON = "2024-12-05T12:40:00"  # Thursday 12:40 local
BEFORE_NOON = "2024-12-05T11:50:00"
PANEL_IDS = {
    "team_summary_today",
    "workload_by_technician",
    "workload_by_team",
    "sla_progress",
    "tickets_by_channel",
    "tickets_created_closed_hd",
    "first_response_sla",
    "next_response_sla",
    "time_to_close",
    "time_in_status",
    "ces_trend",
    "first_contact_resolution",
    "fcr_variants",
    "escalation_rate_by_priority",
    "escalation_rate_by_type",
    "escalation_trend",
    "time_to_escalate",
    "reopen_rate",
}


def _import(tmp_path, url) -> Session:
    data = tmp_path / "help_desk_small"
    if not data.exists():
        shutil.copytree(FIXTURE, data)
    assert main(["import-csv", str(data), "--warehouse", url, "--config", str(CONFIG)]) == 0
    return Session(url, CONFIG)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("help_desk")
    return _import(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _panel(session, panel_id, as_of=None, settings=None, **filters) -> pd.DataFrame:
    scope = session.scope(*WEEK, as_of=as_of, **filters)
    with session.warehouse.reading() as conn:
        return run_panel(conn, settings or session.settings, scope, panel_id).frame


def _drill(session, panel_id, row, field, as_of=None, **filters) -> list[str]:
    scope = session.scope(*WEEK, as_of=as_of, **filters)
    with session.warehouse.reading() as conn:
        frame = drill_tickets(conn, session.settings, scope, panel_id, dict(row), field)
    return sorted(frame["ticket_id"])


def _by(frame, key, value) -> dict:
    labels = frame[key].map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
    return {k: (None if pd.isna(v) else v) for k, v in zip(labels, frame[value], strict=True)}


def _row(frame, key, label) -> dict:
    labels = frame[key].map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
    return frame[labels == label].iloc[0].to_dict()


def _records(frame, key) -> dict:
    """{label: {field: value}} with NaN as None, for exact comparisons."""
    out = {}
    for row in frame.to_dict("records"):
        label = row.pop(key)
        label = label.strftime("%Y-%m-%d") if isinstance(label, pd.Timestamp) else label
        out[label] = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    return out


def _days(**values) -> dict:
    return {**dict.fromkeys(DAYS, 0), **{f"2024-12-0{k[-1]}": v for k, v in values.items()}}


# -- live panels -------------------------------------------------------------------------------
def test_team_summary_today_at_the_end_of_the_week(session):
    frame = _panel(session, "team_summary_today")
    assert list(frame.columns) == [
        "team",
        "open_now",
        "closed_today",
        "avg_first_reply_hours",
        "avg_close_hours",
        "csat_percent",
        "csat_responses",
    ]
    quiet = {"closed_today": 0, "avg_first_reply_hours": None, "avg_close_hours": None}
    assert _records(frame, "team") == {
        "Escalations": {"open_now": 2, **quiet, "csat_percent": None, "csat_responses": 0},
        "Service Desk": {
            "open_now": 2,
            "closed_today": 1,
            "avg_first_reply_hours": pytest.approx(5 / 60),
            "avg_close_hours": pytest.approx(0.75),
            "csat_percent": pytest.approx(50.0),
            "csat_responses": 2,
        },
        "(unassigned)": {"open_now": 1, **quiet, "csat_percent": None, "csat_responses": 0},
        "All teams": {
            "open_now": 5,
            "closed_today": 1,
            "avg_first_reply_hours": pytest.approx(5 / 60),
            "avg_close_hours": pytest.approx(0.75),
            "csat_percent": pytest.approx(50.0),
            "csat_responses": 2,
        },
    }
    assert list(frame["team"])[-1] == "All teams"
    desk = _row(frame, "team", "Service Desk")
    assert _drill(session, "team_summary_today", desk, "open_now") == ["H10", "H8"]
    assert _drill(session, "team_summary_today", desk, "closed_today") == ["H6"]
    assert _drill(session, "team_summary_today", desk, "csat_responses") == ["H11", "H6"]
    everyone = _row(frame, "team", "All teams")
    assert _drill(session, "team_summary_today", everyone, "open_now") == [
        "H10",
        "H12",
        "H7",
        "H8",
        "H9",
    ]
    unassigned = _row(frame, "team", "(unassigned)")
    assert _drill(session, "team_summary_today", unassigned, "open_now") == ["H9"]


def test_team_summary_today_mid_morning(session):
    frame = _panel(session, "team_summary_today", as_of=NOON)
    # today = Thursday until 12:40: H7 and H8 first answered in 0.5 h, nothing closed yet
    assert _by(frame, "team", "open_now") == {"Escalations": 2, "Service Desk": 2, "All teams": 4}
    assert _by(frame, "team", "avg_first_reply_hours") == {
        "Escalations": 0.5,
        "Service Desk": 0.5,
        "All teams": 0.5,
    }
    assert frame["closed_today"].sum() == 0 and frame["csat_responses"].sum() == 0


def test_workload_by_technician_and_team(session):
    frame = _panel(session, "workload_by_technician")
    assert list(frame.columns) == [
        "technician",
        "owner_tech_id",
        "team",
        "open",
        "waiting",
        "overdue",
    ]
    assert _records(frame.drop(columns="owner_tech_id"), "technician") == {
        "Sam Ortiz": {"team": "Escalations", "open": 2, "waiting": 0, "overdue": 1},
        "(unassigned)": {"team": "(unassigned)", "open": 1, "waiting": 0, "overdue": 1},
        "Ana Ruiz": {"team": "Service Desk", "open": 1, "waiting": 0, "overdue": 0},
        "Kim Lee": {"team": "Service Desk", "open": 1, "waiting": 1, "overdue": 0},
    }
    sam = _row(frame, "technician", "Sam Ortiz")
    assert _drill(session, "workload_by_technician", sam, "open") == ["H12", "H7"]
    assert _drill(session, "workload_by_technician", sam, "overdue") == ["H7"]
    kim = _row(frame, "technician", "Kim Lee")
    assert _drill(session, "workload_by_technician", kim, "waiting") == ["H8"]
    nobody = _row(frame, "technician", "(unassigned)")
    assert _drill(session, "workload_by_technician", nobody, "overdue") == ["H9"]

    teams = _panel(session, "workload_by_team")
    assert _records(teams, "team") == {
        "Escalations": {"open": 2, "waiting": 0, "overdue": 1},
        "Service Desk": {"open": 2, "waiting": 1, "overdue": 0},
        "(unassigned)": {"open": 1, "waiting": 0, "overdue": 1},
    }
    desk = _row(teams, "team", "Service Desk")
    assert _drill(session, "workload_by_team", desk, "open") == ["H10", "H8"]
    # Thursday 12:40: H11 is still open (resolved at 16:00), H7 not yet overdue (13:00)
    noon = _panel(session, "workload_by_technician", as_of=NOON)
    assert _records(noon.drop(columns=["owner_tech_id", "team"]), "technician") == {
        "Kim Lee": {"open": 2, "waiting": 1, "overdue": 0},
        "Sam Ortiz": {"open": 2, "waiting": 0, "overdue": 0},
    }


def test_tickets_by_channel(session):
    frame = _panel(session, "tickets_by_channel")
    assert _records(frame, "channel") == {
        "email": {"created_today": 1, "open_now": 2},
        "portal": {"created_today": 1, "open_now": 2},
        "phone": {"created_today": 1, "open_now": 1},
    }
    email = _row(frame, "channel", "email")
    assert _drill(session, "tickets_by_channel", email, "open_now") == ["H10", "H8"]
    assert _drill(session, "tickets_by_channel", email, "created_today") == ["H10"]
    noon = _panel(session, "tickets_by_channel", as_of=NOON)
    assert _records(noon, "channel") == {
        "phone": {"created_today": 2, "open_now": 2},
        "email": {"created_today": 1, "open_now": 1},
        "portal": {"created_today": 0, "open_now": 1},
    }


def test_sla_progress_at_three_instants(session):
    def states(as_of=None):
        frame = _panel(session, "sla_progress", as_of=as_of)
        assert list(frame.columns) == ["target", "overdue", "due_soon", "active", "paused"]
        return _records(frame, "target")

    def counts(overdue=0, due_soon=0, active=0, paused=0):
        return {"overdue": overdue, "due_soon": due_soon, "active": active, "paused": paused}

    assert states() == {
        "time_to_first_response": counts(overdue=1, due_soon=1),  # H9; H10
        "next_response": counts(overdue=2, due_soon=1),  # H7, H8 (waiting); H12
        "time_to_close": counts(overdue=2, active=2, paused=1),  # H7, H9; H10, H12; H8
    }
    assert states(NOON) == {
        "time_to_first_response": counts(due_soon=1),  # H11
        "next_response": counts(overdue=1, paused=1),  # H7; H8
        "time_to_close": counts(due_soon=1, active=2, paused=1),  # H7; H11, H12; H8
    }
    assert states(BEFORE_NOON) == {
        "time_to_first_response": counts(active=1),  # H11
        "next_response": counts(due_soon=1),  # H7
        "time_to_close": counts(active=3, paused=1),  # H7, H11, H12; H8
    }
    frame = _panel(session, "sla_progress")
    first, following, close = (frame.iloc[i].to_dict() for i in range(3))
    assert _drill(session, "sla_progress", first, "overdue") == ["H9"]
    assert _drill(session, "sla_progress", first, "due_soon") == ["H10"]
    assert _drill(session, "sla_progress", following, "overdue") == ["H7", "H8"]
    assert _drill(session, "sla_progress", following, "due_soon") == ["H12"]
    assert _drill(session, "sla_progress", following, "active") == []
    assert _drill(session, "sla_progress", close, "overdue") == ["H7", "H9"]
    assert _drill(session, "sla_progress", close, "active") == ["H10", "H12"]
    assert _drill(session, "sla_progress", close, "paused") == ["H8"]
    noon = _panel(session, "sla_progress", as_of=NOON).iloc[2].to_dict()
    assert _drill(session, "sla_progress", noon, "due_soon", as_of=NOON) == ["H7"]


# -- over time ---------------------------------------------------------------------------------
def test_created_and_closed(session):
    frame = _panel(session, "tickets_created_closed_hd")
    assert _by(frame, "bucket", "created") == _days(d2=3, d3=1, d4=2, d5=3, d6=3)
    assert _by(frame, "bucket", "closed") == _days(d2=1, d3=3, d4=1, d5=1, d6=1)
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "tickets_created_closed_hd", tuesday, "closed") == ["H2", "H3", "H4"]
    wednesday = _row(frame, "bucket", "2024-12-04")
    # the cancelled H13 counts nowhere
    assert _drill(session, "tickets_created_closed_hd", wednesday, "created") == ["H12", "H5"]


def test_first_response_on_time_and_late(session):
    frame = _panel(session, "first_response_sla")
    assert _by(frame, "bucket", "on_time") == _days(d2=3, d3=1, d4=2, d5=2, d6=1)
    assert _by(frame, "bucket", "late") == _days(d5=1, d6=1)
    averages = _by(frame, "bucket", "avg_first_response_hours")
    assert averages == {
        "2024-12-02": pytest.approx((30 + 10 + 15) / 60 / 3),
        "2024-12-03": pytest.approx(20 / 60),
        "2024-12-04": pytest.approx(0.5),
        "2024-12-05": pytest.approx((0.5 + 0.5 + 3) / 3),
        "2024-12-06": pytest.approx(5 / 60),
    }
    assert _by(frame, "bucket", "answered") == _days(d2=3, d3=1, d4=1, d5=3, d6=1)
    thursday = _row(frame, "bucket", "2024-12-05")
    assert _drill(session, "first_response_sla", thursday, "late") == ["H11"]
    friday = _row(frame, "bucket", "2024-12-06")
    assert _drill(session, "first_response_sla", friday, "late") == ["H9"]  # still open
    wednesday = _row(frame, "bucket", "2024-12-04")
    assert _drill(session, "first_response_sla", wednesday, "on_time") == ["H12", "H5"]
    # Thursday 12:40: H11's breach at 13:00 and H9's on Friday have not happened yet
    noon = _panel(session, "first_response_sla", as_of=NOON)
    assert noon["late"].sum() == 0


def test_next_response_by_resolve_day(session):
    frame = _panel(session, "next_response_sla")
    assert _by(frame, "bucket", "on_time") == _days(d3=1)
    assert _by(frame, "bucket", "late") == _days(d3=1)
    assert _by(frame, "bucket", "avg_next_response_hours")["2024-12-03"] == pytest.approx(
        (20 / 60 + 3) / 2
    )
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "next_response_sla", tuesday, "late") == ["H3"]
    assert _drill(session, "next_response_sla", tuesday, "on_time") == ["H2"]


def test_time_to_close(session):
    frame = _panel(session, "time_to_close")
    assert _records(frame, "bucket") == {
        "2024-12-02": {
            "avg_close_hours": 2.0,
            "avg_close_calendar_hours": 2.0,
            "closed": 1,
            "on_time": 1,
            "late": 0,
        },
        "2024-12-03": {
            "avg_close_hours": pytest.approx((100 / 60 + 7 + 3) / 3),
            "avg_close_calendar_hours": pytest.approx((24 + 22 + 3) / 3),
            "closed": 3,
            "on_time": 3,
            "late": 0,
        },
        "2024-12-04": {
            "avg_close_hours": 0.5,
            "avg_close_calendar_hours": 0.5,
            "closed": 1,
            "on_time": 1,
            "late": 0,
        },
        "2024-12-05": {
            "avg_close_hours": 5.0,
            "avg_close_calendar_hours": 5.0,
            "closed": 1,
            "on_time": 1,
            "late": 1,
        },
        "2024-12-06": {
            "avg_close_hours": 0.75,
            "avg_close_calendar_hours": 0.75,
            "closed": 1,
            "on_time": 1,
            "late": 1,
        },
    }
    thursday = _row(frame, "bucket", "2024-12-05")
    assert _drill(session, "time_to_close", thursday, "late") == ["H7"]
    assert _drill(session, "time_to_close", thursday, "on_time") == ["H11"]
    friday = _row(frame, "bucket", "2024-12-06")
    assert _drill(session, "time_to_close", friday, "late") == ["H9"]
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "time_to_close", tuesday, "closed") == ["H2", "H3", "H4"]


def test_time_in_status(session):
    frame = _panel(session, "time_in_status")
    assert list(frame.columns) == ["status", "avg_hours", "tickets"]
    assert list(frame["status"]) == ["Resolved", "In Progress", "Escalated", "New"]
    assert _records(frame, "status") == {
        # H2 sat resolved from Mon 10:40 until its reopen on Tue 09:00
        "Resolved": {"avg_hours": pytest.approx(22 + 1 / 3), "tickets": 1},
        "In Progress": {
            "avg_hours": pytest.approx((1.5 + 1.5 + 21.75 + 8 / 3 + 2 / 3 + 1) / 6),
            "tickets": 6,
        },
        "Escalated": {"avg_hours": pytest.approx(1.0), "tickets": 1},
        "New": {
            "avg_hours": pytest.approx((0.5 + 1 / 6 + 0.25 + 1 / 3 + 0.5 + 1 / 12 + 3) / 7),
            "tickets": 7,
        },
    }
    escalated = _row(frame, "status", "Escalated")
    assert _drill(session, "time_in_status", escalated, "tickets") == ["H11"]
    resolved = _row(frame, "status", "Resolved")
    assert _drill(session, "time_in_status", resolved, "tickets") == ["H2"]


def test_ces_trend(session):
    frame = _panel(session, "ces_trend")
    assert _by(frame, "bucket", "responses") == _days(d3=1, d4=1, d6=1)
    assert _by(frame, "bucket", "mean_ces") == {
        "2024-12-02": None,
        "2024-12-03": 6.0,
        "2024-12-04": 3.0,
        "2024-12-05": None,
        "2024-12-06": 7.0,
    }
    friday = _row(frame, "bucket", "2024-12-06")
    assert _drill(session, "ces_trend", friday, "responses") == ["H6"]
    assert _panel(session, "ces_trend", owner="K2")["responses"].sum() == 2  # S5, S6


def test_first_contact_resolution(session):
    frame = _panel(session, "first_contact_resolution")
    assert set(frame["variant"]) == {"fcr_time_entry"}
    # the alert H5 resolved on Wednesday is not eligible
    assert _by(frame, "bucket", "resolved") == _days(d2=1, d3=3, d5=1, d6=1)
    assert _by(frame, "bucket", "fcr") == _days(d2=1, d3=1, d6=1)
    assert _by(frame, "bucket", "fcr_percent") == {
        "2024-12-02": 100.0,
        "2024-12-03": pytest.approx(100 / 3),
        "2024-12-04": None,
        "2024-12-05": 0.0,
        "2024-12-06": 100.0,
    }
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "first_contact_resolution", tuesday, "fcr") == ["H4"]  # transfer ok
    assert _drill(session, "first_contact_resolution", tuesday, "resolved") == ["H2", "H3", "H4"]
    wednesday = _row(frame, "bucket", "2024-12-04")
    assert _drill(session, "first_contact_resolution", wednesday, "resolved") == []

    variants = _panel(session, "fcr_variants")
    assert _records(variants, "variant") == {
        "fcr_time_entry": {"eligible": 6, "fcr": 3, "fcr_percent": 50.0, "configured": True},
        "fcr_one_touch": {
            "eligible": 6,
            "fcr": 4,
            "fcr_percent": pytest.approx(200 / 3),
            "configured": False,
        },
        "fcr_1_business_hour": {
            "eligible": 6,
            "fcr": 1,
            "fcr_percent": pytest.approx(100 / 6),
            "configured": False,
        },
        "fcr_no_customer_followup": {
            "eligible": 6,
            "fcr": 4,
            "fcr_percent": pytest.approx(200 / 3),
            "configured": False,
        },
    }
    hour = _row(variants, "variant", "fcr_1_business_hour")
    assert _drill(session, "fcr_variants", hour, "fcr") == ["H6"]
    touch = _row(variants, "variant", "fcr_one_touch")
    assert _drill(session, "fcr_variants", touch, "fcr") == ["H1", "H11", "H4", "H6"]

    analysis = session.settings.analysis.model_copy(update={"fcr_variant": "fcr_one_touch"})
    other = session.settings.model_copy(update={"analysis": analysis})
    frame = _panel(session, "first_contact_resolution", settings=other)
    assert set(frame["variant"]) == {"fcr_one_touch"}
    assert _by(frame, "bucket", "fcr") == _days(d2=1, d3=1, d5=1, d6=1)


def test_escalation_rates(session):
    # H3 tier 1 -> tier 2 (1 business hour), H11 "Escalated" status (4 business hours);
    # H4 moved between two tier-1 technicians: a transfer, not an escalation
    by_priority = _panel(session, "escalation_rate_by_priority")
    assert _records(by_priority, "priority") == {
        "P1": {"resolved": 0, "escalated": 0, "rate_percent": None},
        "P2": {"resolved": 3, "escalated": 2, "rate_percent": pytest.approx(200 / 3)},
        "P3": {"resolved": 3, "escalated": 0, "rate_percent": 0.0},
        "P4": {"resolved": 1, "escalated": 0, "rate_percent": 0.0},
    }
    p2 = _row(by_priority, "priority", "P2")
    assert _drill(session, "escalation_rate_by_priority", p2, "escalated") == ["H11", "H3"]
    assert _drill(session, "escalation_rate_by_priority", p2, "resolved") == ["H11", "H2", "H3"]

    by_type = _panel(session, "escalation_rate_by_type")
    assert list(by_type["category"]) == ["Software", "Hardware", "Monitoring", "Network"]
    assert _records(by_type, "category") == {
        "Software": {"resolved": 4, "escalated": 1, "rate_percent": 25.0},
        "Hardware": {"resolved": 1, "escalated": 0, "rate_percent": 0.0},
        "Monitoring": {"resolved": 1, "escalated": 0, "rate_percent": 0.0},
        "Network": {"resolved": 1, "escalated": 1, "rate_percent": 100.0},
    }
    software = _row(by_type, "category", "Software")
    assert _drill(session, "escalation_rate_by_type", software, "escalated") == ["H11"]

    trend = _panel(session, "escalation_trend")
    assert _by(trend, "bucket", "resolved") == _days(d2=1, d3=3, d4=1, d5=1, d6=1)
    assert _by(trend, "bucket", "escalated") == _days(d3=1, d5=1)
    assert _by(trend, "bucket", "rate_percent") == {
        **dict.fromkeys(DAYS, 0.0),
        "2024-12-03": pytest.approx(100 / 3),
        "2024-12-05": 100.0,
    }
    tuesday = _row(trend, "bucket", "2024-12-03")
    assert _drill(session, "escalation_trend", tuesday, "escalated") == ["H3"]

    timing = _panel(session, "time_to_escalate")
    assert _records(timing, "statistic") == {
        "median": {"hours": 2.5, "tickets": 2},
        "p90": {"hours": pytest.approx(3.7), "tickets": 2},
        "mean": {"hours": 2.5, "tickets": 2},
    }
    assert _drill(session, "time_to_escalate", timing.iloc[0], "tickets") == ["H11", "H3"]


def test_reopen_rate(session):
    frame = _panel(session, "reopen_rate")
    assert _by(frame, "bucket", "resolved") == _days(d2=1, d3=3, d4=1, d5=1, d6=1)
    assert _by(frame, "bucket", "reopened") == _days(d3=1)
    assert _by(frame, "bucket", "reopen_percent") == {
        **dict.fromkeys(DAYS, 0.0),
        "2024-12-03": pytest.approx(100 / 3),
    }
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "reopen_rate", tuesday, "reopened") == ["H2"]


# -- filters, dialects, CLI --------------------------------------------------------------------
def test_owner_team_and_channel_filters(session):
    kim = _panel(session, "team_summary_today", owner="K1")
    assert _records(kim, "team") == {
        label: {
            "open_now": 1,
            "closed_today": 0,
            "avg_first_reply_hours": None,
            "avg_close_hours": None,
            "csat_percent": 0.0,  # S7 neutral
            "csat_responses": 1,
        }
        for label in ("Service Desk", "All teams")
    }
    assert _by(_panel(session, "workload_by_technician", owner="K1"), "technician", "open") == {
        "Kim Lee": 1
    }
    escalations = _panel(session, "workload_by_team", team="Escalations")
    assert _records(escalations, "team") == {"Escalations": {"open": 2, "waiting": 0, "overdue": 1}}
    row = _row(escalations, "team", "Escalations")
    assert _drill(session, "workload_by_team", row, "overdue", team="Escalations") == ["H7"]
    desk = _panel(session, "sla_progress", team="Service Desk")
    assert _by(desk, "target", "due_soon") == {
        "time_to_first_response": 1,  # H10; H9 has no owner
        "next_response": 0,
        "time_to_close": 0,
    }
    assert _by(desk, "target", "overdue")["next_response"] == 1  # H8
    phone = _panel(session, "tickets_by_channel", channel="phone")
    assert _records(phone, "channel") == {"phone": {"created_today": 1, "open_now": 1}}
    by_priority = _panel(session, "escalation_rate_by_priority", channel="phone")
    assert _by(by_priority, "priority", "resolved") == {"P1": 0, "P2": 2, "P3": 1, "P4": 0}
    assert _by(by_priority, "priority", "escalated") == {"P1": 0, "P2": 1, "P3": 0, "P4": 0}
    assert _panel(session, "ces_trend", channel="email")["responses"].sum() == 0
    assert _by(_panel(session, "reopen_rate", owner="K3"), "bucket", "resolved") == _days(d3=1)


def test_every_panel_runs_on_sqlite_with_the_same_frames(tmp_path, session):
    other = _import(tmp_path, f"sqlite:///{tmp_path / 'w.sqlite'}")
    assert {p.id for p in panels_for("help_desk")} == PANEL_IDS
    for as_of, filters in ((None, {}), (NOON, {}), (None, {"team": "Service Desk"})):
        scope_a = session.scope(*WEEK, as_of=as_of, **filters)
        scope_b = other.scope(*WEEK, as_of=as_of, **filters)
        with session.warehouse.reading() as a, other.warehouse.reading() as b:
            for panel in panels_for("help_desk"):
                left = run_panel(a, session.settings, scope_a, panel.id).frame
                right = run_panel(b, other.settings, scope_b, panel.id).frame
                pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=panel.id)
                if len(right) and panel.drill_fields:
                    row, field = right.iloc[0].to_dict(), panel.drill_fields[0]
                    pd.testing.assert_frame_equal(
                        drill_tickets(a, session.settings, scope_a, panel.id, row, field),
                        drill_tickets(b, other.settings, scope_b, panel.id, row, field),
                        check_dtype=False,
                        obj=f"{panel.id} drill",
                    )


def test_every_panel_has_words_a_chart_and_drills(session):
    from deskmetrics.charts.panels import panel_figure

    for panel in panels_for("help_desk"):
        assert panel.definition and panel.attribution and panel.title
        assert panel.chart.kind != "table"
        assert panel.drill is not None and panel.drill_fields
        frame = _panel(session, panel.id)
        assert {panel.chart.x, *panel.chart.y, *panel.drill_fields} <= set(frame.columns)
        assert len(panel_figure(frame, panel.chart).data) == len(panel.chart.y), panel.id


def test_quiet_scopes_give_zeros_not_errors(session):
    scope = session.scope("2023-01-02", "2023-01-06")
    with session.warehouse.reading() as conn:
        for panel in panels_for("help_desk"):
            frame = run_panel(conn, session.settings, scope, panel.id).frame
            counts = [f for f in panel.drill_fields if f in frame]
            assert (frame[counts].sum() == 0).all(), panel.id
    summary = _panel(session, "team_summary_today", owner="NOBODY")
    assert list(summary["team"]) == ["All teams"] and summary["open_now"].sum() == 0
    long = session.scope("2024-09-01", "2024-12-31")
    with session.warehouse.reading() as conn:
        trend = run_panel(conn, session.settings, long, "escalation_trend").frame
    assert trend["resolved"].sum() == 7 and trend["escalated"].sum() == 2  # weekly buckets


def test_cli_json_prints_every_panel(session, capsys):
    args = [
        "metrics",
        "help-desk",
        "--warehouse",
        session.warehouse.url,
        "--config",
        str(CONFIG),
        "--from",
        WEEK[0],
        "--to",
        WEEK[1],
    ]
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == PANEL_IDS
    assert payload["sla_progress"][0] == {
        "target": "time_to_first_response",
        "overdue": 1,
        "due_soon": 1,
        "active": 0,
        "paused": 0,
    }
    assert payload["first_contact_resolution"][0]["variant"] == "fcr_time_entry"
    assert payload["tickets_created_closed_hd"][0] == {
        "bucket": "2024-12-02",
        "created": 3,
        "closed": 1,
    }
    assert main([*args, "--as-of", NOON, "--owner", "K3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["workload_by_technician"] == [
        {
            "technician": "Sam Ortiz",
            "owner_tech_id": "K3",
            "team": "Escalations",
            "open": 2,
            "waiting": 0,
            "overdue": 0,
        }
    ]
