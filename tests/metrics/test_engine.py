"""The engine: breakdowns by dimension, filter rules, and the daily trend."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from sqlalchemy import event

from deskmetrics.errors import MetricError
from deskmetrics.metrics import registry


@pytest.fixture
def session(small_session):
    return small_session


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


def _statements(session, run) -> list[str]:
    """The SQL a call sends, as compiled for the warehouse."""
    sent: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        sent.append(statement)

    engine = session.warehouse.engine(read_only=True)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return sent


def test_survey_metrics_bound_their_query_by_the_period(session):
    scope = session.scope("2024-12-02", "2024-12-06")
    csat_only = _statements(session, lambda: session.kpis(scope, ["csat_percent"]))
    where = csat_only[0].split("WHERE", 1)[1]
    assert "surveys.submitted_at >=" in where and "surveys.submitted_at <" in where
    # open tickets count tickets of any age: their query keeps every ticket
    tickets_only = _statements(session, lambda: session.kpis(scope, ["open_tickets"]))
    assert "created_at" not in tickets_only[0].split("WHERE", 1)[1]


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [("2024-12-02", "2024-12-06"), ("2024-11-20", "2024-12-03"), ("2024-12-04", "2024-12-04")],
)
def test_the_period_bound_never_changes_a_value(session, monkeypatch, date_from, date_to):
    """A metric that declares period_column must count nothing outside it: the same values
    come out with the bound as without it; breakdowns stay unbounded, so a client whose
    surveys all fall outside the period still shows with its zero count."""
    bounded = [m for m in registry.all_metrics() if m.period_column]
    assert {m.name for m in bounded} >= {"csat_percent", "csat_responses"}
    names = [m.name for m in bounded]
    scope = session.scope(date_from, date_to)
    with_bound = session.kpis(scope, names)
    breakdown = session.breakdown(scope, names, "client")
    for metric in bounded:
        monkeypatch.setitem(registry.REGISTRY, metric.name, replace(metric, period_column=None))
    assert session.kpis(scope, names) == with_bound
    pd.testing.assert_frame_equal(session.breakdown(scope, names, "client"), breakdown)
