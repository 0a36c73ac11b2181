"""Service Quality panels on the hand-computed MSP (tests/fixtures/dashboard_small/README.md)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from deskmetrics.cli import main
from deskmetrics.panels import panels_for
from deskmetrics.panels.run import drill_tickets, run_panel, run_tab
from deskmetrics.session import Session

WEEK = ("2024-12-02", "2024-12-06")
DAYS = ["2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05", "2024-12-06"]


@pytest.fixture
def session(small_session):
    return small_session


def _panel(session, panel_id, *period, **filters) -> pd.DataFrame:
    scope = session.scope(*(period or WEEK), **filters)
    with session.warehouse.reading() as conn:
        return run_panel(conn, session.settings, scope, panel_id).frame


def _by(frame, key, value) -> dict:
    labels = frame[key].map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
    return dict(zip(labels, frame[value], strict=True))


def _drill(session, panel_id, row, field, *period) -> list[str]:
    scope = session.scope(*(period or WEEK))
    with session.warehouse.reading() as conn:
        return sorted(
            drill_tickets(conn, session.settings, scope, panel_id, row, field)["ticket_id"]
        )


def test_created_and_closed_per_day_and_drill(session):
    frame = _panel(session, "tickets_created_closed")
    assert _by(frame, "bucket", "created") == dict.fromkeys(DAYS, 1)
    assert _by(frame, "bucket", "closed") == {
        **dict.fromkeys(DAYS, 0),
        "2024-12-02": 2,
        "2024-12-06": 1,
    }
    first = frame.iloc[0].to_dict()
    assert _drill(session, "tickets_created_closed", first, "created") == ["T2"]
    assert _drill(session, "tickets_created_closed", first, "closed") == ["T1", "T2"]


def test_created_by_category_board_contact(session):
    assert _by(_panel(session, "tickets_created_by_category"), "category", "tickets") == {
        "Software": 3,
        "Network": 2,
    }
    assert _by(_panel(session, "tickets_created_by_board"), "board", "tickets") == {
        "Help Desk": 3,
        "Tier 2": 2,
    }
    assert _by(_panel(session, "tickets_created_by_contact"), "contact", "tickets") == {
        "Lee Park": 3,
        "Dana Fox": 1,
        "(none)": 1,
    }
    row = {"category": "Network", "tickets": 2}
    assert _drill(session, "tickets_created_by_category", row, "tickets") == ["T3", "T4"]


def test_response_and_resolution_over_time(session):
    response = _panel(session, "ticket_response_metrics")
    assert _by(response, "bucket", "avg_response_business_hours")["2024-12-02"] == (
        pytest.approx(1 / 3)
    )
    assert _by(response, "bucket", "avg_response_business_hours")["2024-12-05"] == (
        pytest.approx(0.75)
    )
    assert response["breaches"].sum() == 0
    resolution = _panel(session, "ticket_resolution_metrics")
    averages = _by(resolution, "bucket", "avg_resolution_business_hours")
    assert averages["2024-12-02"] == pytest.approx(6.625)
    assert averages["2024-12-06"] == pytest.approx(9.0)
    assert pd.isna(averages["2024-12-03"])
    assert _by(resolution, "bucket", "breaches") == {
        **dict.fromkeys(DAYS, 0),
        "2024-12-02": 1,
        "2024-12-03": 1,
        "2024-12-06": 1,
    }
    row = resolution.iloc[1].to_dict()
    assert _drill(session, "ticket_resolution_metrics", row, "breaches") == ["T3"]


def test_average_resolution_by_category_and_board(session):
    by_category = _panel(session, "avg_resolution_time_by_category").set_index("category")
    assert by_category.loc["Hardware", "avg_resolution_business_hours"] == pytest.approx(9.25)
    assert by_category.loc["Software", "avg_resolution_business_hours"] == pytest.approx(6.5)
    assert by_category.loc["Software", "avg_resolution_hours"] == pytest.approx(14.0)
    by_board = _panel(session, "avg_resolution_time_by_board").set_index("board")
    assert by_board.loc["Help Desk", "avg_resolution_business_hours"] == pytest.approx(
        (9.25 + 4 + 9) / 3
    )
    assert by_board.loc["Help Desk", "resolved"] == 3


def test_backlog_panels(session):
    assert _by(_panel(session, "open_tickets"), "bucket", "open") == {
        **dict.fromkeys(DAYS, 0),
        "2024-12-03": 1,
        "2024-12-04": 1,
        "2024-12-06": 1,
    }
    assert _by(_panel(session, "open_tickets_by_status"), "status", "tickets") == {
        "In Progress": 1,
        "Pending Triage": 1,
        "Waiting Customer": 1,
    }
    assert _by(_panel(session, "open_tickets_by_board"), "board", "tickets") == {
        "Tier 2": 2,
        "Help Desk": 1,
    }
    assert _by(_panel(session, "open_tickets_by_category"), "category", "tickets") == {
        "Network": 2,
        "Software": 1,
    }
    assert _by(_panel(session, "tickets_waiting"), "owner", "tickets") == {"Sam Ortiz": 1}
    assert _by(_panel(session, "tickets_waiting_by_status"), "waiting_on", "tickets") == {
        "waiting for client": 1,
        "waiting for vendor": 0,
    }
    row = {"status": "Pending Triage", "tickets": 1}
    assert _drill(session, "open_tickets_by_status", row, "tickets") == ["T7"]


def test_ages_and_long_running(session):
    for panel in ("ticket_age_by_created", "ticket_age_by_last_updated"):
        assert _by(_panel(session, panel), "age", "tickets") == {
            "0-7": 3,
            "8-14": 0,
            "15-30": 0,
            "31+": 0,
        }
    assert _panel(session, "long_tickets")["long_tickets"].sum() == 0
    later = ("2025-01-06", "2025-01-10")
    assert _by(_panel(session, "ticket_age_by_created", *later), "age", "tickets") == {
        "0-7": 0,
        "8-14": 0,
        "15-30": 0,
        "31+": 3,
    }
    assert set(_panel(session, "long_tickets", *later)["long_tickets"]) == {3}
    assert _by(_panel(session, "long_tickets_by_category", *later), "category", "tickets") == {
        "Network": 2,
        "Software": 1,
    }
    row = {"category": "Software", "tickets": 1}
    assert _drill(session, "long_tickets_by_category", row, "tickets", *later) == ["T7"]


def test_age_buckets_are_configurable(tmp_path, small_msp, small_config):
    config = tmp_path / "c.yml"
    config.write_text(small_config.read_text() + "analysis:\n  age_buckets: [1, 2]\n")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(config)]) == 0
    frame = _panel(Session(url, config), "ticket_age_by_created")
    # as of 12-07 00:00: T7 0 days, T4 2 days (12-04 08:00), T3 3 days
    assert _by(frame, "age", "tickets") == {"0-1": 1, "2-2": 1, "3+": 1}


def test_tickets_per_seat_and_hours_worked(session):
    per_seat = _panel(session, "tickets_per_seat").set_index("client_id")
    assert per_seat.loc["C2", "tickets_per_seat_per_month"] == pytest.approx(4 / 40 / (5 / 30.4375))
    assert per_seat.loc["C1", "tickets_per_seat_per_month"] == pytest.approx(1 / 25 / (5 / 30.4375))
    hours = _panel(session, "hours_worked")
    assert _by(hours, "bucket", "billable_hours") == {
        **dict.fromkeys(DAYS, 0.0),
        "2024-12-02": 1.0,
        "2024-12-05": 0.5,
    }
    assert _by(hours, "bucket", "non_billable_hours") == {
        **dict.fromkeys(DAYS, 0.0),
        "2024-12-03": 2.5,
    }


def test_filters_apply_to_every_panel(session):
    frame = _panel(session, "tickets_created_by_category", board="Tier 2")
    assert _by(frame, "category", "tickets") == {"Network": 2}
    assert _panel(session, "hours_worked", client="C1")["non_billable_hours"].sum() == 0


def test_every_panel_runs_on_sqlite_with_the_same_numbers(
    tmp_path, small_msp, small_config, session
):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    other = Session(url, small_config)
    scope_a, scope_b = session.scope(*WEEK), other.scope(*WEEK)
    with session.warehouse.reading() as a, other.warehouse.reading() as b:
        for panel in panels_for("service_quality"):
            left = run_panel(a, session.settings, scope_a, panel.id).frame
            right = run_panel(b, other.settings, scope_b, panel.id).frame
            pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=panel.id)


def test_cli_json_and_csv(session, small_config, tmp_path, capsys):
    args = [
        "metrics",
        "service-quality",
        "--warehouse",
        session.warehouse.url,
        "--config",
        str(small_config),
        "--from",
        WEEK[0],
        "--to",
        WEEK[1],
    ]
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {p.id for p in panels_for("service_quality")}
    assert payload["tickets_created_by_board"] == [
        {"board": "Help Desk", "tickets": 3},
        {"board": "Tier 2", "tickets": 2},
    ]
    assert payload["tickets_created_closed"][0] == {
        "bucket": "2024-12-02",
        "created": 1,
        "closed": 2,
    }
    assert main([*args, "--csv", str(tmp_path / "out")]) == 0
    csv = pd.read_csv(tmp_path / "out" / "ticket_age_by_created.csv")
    assert list(csv.columns) == ["age", "tickets"] and csv["tickets"].sum() == 3


def test_tab_runs_every_registered_panel(session):
    with session.warehouse.reading() as conn:
        results = run_tab(conn, session.settings, session.scope(*WEEK), "service_quality")
    assert set(results) == {
        "tickets_created_closed",
        "tickets_created_by_contact",
        "tickets_created_by_category",
        "tickets_created_by_board",
        "ticket_response_metrics",
        "ticket_resolution_metrics",
        "avg_resolution_time_by_category",
        "avg_resolution_time_by_board",
        "open_tickets",
        "open_tickets_by_status",
        "open_tickets_by_category",
        "open_tickets_by_board",
        "tickets_waiting",
        "tickets_waiting_by_status",
        "ticket_age_by_created",
        "ticket_age_by_last_updated",
        "long_tickets",
        "long_tickets_by_category",
        "tickets_per_seat",
        "hours_worked",
    }
    assert all(r.milliseconds >= 0 for r in results.values())
