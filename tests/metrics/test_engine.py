"""The engine: breakdowns by dimension, filter rules, and the daily trend."""

from __future__ import annotations

import pytest

from deskmetrics.cli import main
from deskmetrics.errors import MetricError
from deskmetrics.session import Session


@pytest.fixture
def session(tmp_path, small_msp, small_config):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    return Session(url, small_config)


def test_breakdown_by_board_adds_up(session):
    scope = session.scope("2024-12-02", "2024-12-06")
    frame = session.breakdown(scope, ["open_tickets", "csat_responses"], "board")
    open_by_board = frame[frame["metric"] == "open_tickets"].set_index("board")["value"]
    assert open_by_board.to_dict() == {"Help Desk": 1.0, "Tier 2": 2.0}
    responses = frame[frame["metric"] == "csat_responses"].set_index("board")["value"]
    # S6 has no ticket, so no board: it shows as a missing key
    assert responses.get("Help Desk") == 3.0
    assert responses.isna().sum() == 0 and responses.sum() == 4.0


def test_unknown_dimension_and_metric_are_clear_errors(session):
    scope = session.scope("2024-12-02", "2024-12-06")
    with pytest.raises(MetricError, match="cannot break down by 'owner'"):
        session.breakdown(scope, ["open_tickets"], "owner")
    with pytest.raises(MetricError, match="unknown metric 'open_ticket'"):
        session.kpis(scope, ["open_ticket"])
    with pytest.raises(MetricError, match="ends .* before it starts"):
        session.scope("2024-12-06", "2024-12-02")


def test_trend_counts_created_and_resolved_per_local_day(session):
    trend = session.trend(session.scope("2024-12-02", "2024-12-06"))
    created = trend[trend["metric"] == "tickets_created"].set_index("day")["value"]
    assert {d.strftime("%m-%d"): v for d, v in created.items()} == {
        "12-02": 1,
        "12-03": 1,
        "12-04": 1,
        "12-05": 1,
        "12-06": 1,  # T5 cancelled
    }
    resolved = trend[trend["metric"] == "tickets_resolved"].set_index("day")["value"]
    assert {d.strftime("%m-%d"): v for d, v in resolved.items()} == {"12-02": 2, "12-06": 1}


def test_filter_options_and_data_range(session):
    options = session.filter_options()
    assert options.boards == ["Help Desk", "Tier 2"]
    assert ("Acme Dental", "C1") in options.clients
    first, last = session.data_range()
    assert (first.isoformat(), last.isoformat()) == ("2024-11-20", "2024-12-06")
