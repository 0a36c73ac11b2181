"""Client health insights of the weekly reports, on the hand-computed health_small fixture
(tests/fixtures/health_small/README.md) and on small boards made by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from health.health_small import CONFIG, DAY, EARLY, load_health_small

from deskmetrics.health.board import CLIENT_COLUMNS, CONTRIBUTION_COLUMNS, HealthBoard
from deskmetrics.health.model import INSUFFICIENT, CutScore, HealthMetric
from deskmetrics.insights.definitions import all_insights
from deskmetrics.insights.health import (
    client_contributions,
    clients_at_risk,
    health_segments,
    metric_breakdown,
    most_improved,
    report_baseline,
    report_board,
)
from deskmetrics.metrics.docs import render_definitions
from deskmetrics.session import Session

WEEK_BASELINE = date(2025, 3, 24)  # the 7 days ending DAY start on 03-25


@pytest.fixture(scope="module")
def health(tmp_path_factory):
    """health_small with the README's earlier snapshot taken on EARLY."""
    url = f"duckdb:///{tmp_path_factory.mktemp('health') / 'w.duckdb'}"
    health = load_health_small(url)
    health.snapshot(EARLY)
    return health


@pytest.fixture(scope="module")
def board(health) -> HealthBoard:
    return health.board(DAY, baseline=WEEK_BASELINE)


def test_a_report_scores_its_last_day_against_the_end_of_the_previous_period(health):
    session = Session(str(health.warehouse.url), CONFIG)
    scope = session.scope("2025-03-25", "2025-03-31")
    assert report_baseline(scope) == WEEK_BASELINE
    board = report_board(health, scope)
    assert (board.day, board.baseline) == (DAY, WEEK_BASELINE)
    assert list(board.clients["client_id"]) == ["C1", "C2", "C3", "C4"]
    one = report_board(health, session.scope("2025-03-25", "2025-03-31", client="C3"))
    assert list(one.clients["client_id"]) == ["C3"]
    assert set(one.contributions["client_id"]) == {"C3"}


def test_at_risk_is_c3_critical_with_sentiment_costing_most(board):
    frame = clients_at_risk(board)
    # C1 is Healthy (the top tier); C2 (50 % coverage) and C4 (0 %) have Insufficient data
    assert list(frame["client_id"]) == ["C3"]
    row = frame.iloc[0]
    assert (row["client"], row["score"], row["tier"]) == ("Cobalt Freight", 33.3, "Critical")
    assert pd.isna(row["change"])  # C3 had no score in the 03-01 snapshot
    # each present metric carries 33.3 % of the score: Sentiment 20 -> 6.67 points (26.67
    # lost), Org and Renewals 40 -> 13.33 points (20 lost)
    assert row["weakest_metric"] == "Sentiment"
    assert row["weakest_points_lost"] == pytest.approx(100 / 3 - 20 / 3)


def test_most_improved_is_c1_over_the_period(board):
    frame = most_improved(board)
    assert list(frame["client_id"]) == ["C1"]  # the others have no earlier score
    row = frame.iloc[0]
    assert row["change"] == pytest.approx(78.8 - 53.3)
    assert (row["score"], row["previous_score"], row["tier"]) == (78.8, 53.3, "Healthy")
    assert pd.Timestamp(row["previous_date"]).date() == EARLY


def test_nothing_improved_without_a_snapshot_before_the_period(health):
    board = health.board(DAY, baseline=date(2025, 2, 28))
    assert board.clients["previous_date"].isna().all()
    assert most_improved(board).empty
    assert list(clients_at_risk(board)["client_id"]) == ["C3"]  # at risk needs no snapshot


def test_segments_count_clients_per_tier(board):
    segments = health_segments(board)
    assert list(zip(segments["tier"], segments["clients"], strict=True)) == [
        ("Healthy", 1),
        ("At risk", 0),
        ("Critical", 1),
        (INSUFFICIENT, 2),
    ]


def test_breakdown_holds_every_client_metric_by_metric(board):
    frame = metric_breakdown(board)
    assert list(frame.columns) == [
        "client_id",
        "client",
        "Sentiment",
        "CSAT",
        "Org",
        "Renewals",
        "score",
        "coverage_percent",
        "tier",
    ]
    # lowest score first, C4 (no score) last
    assert list(frame["client_id"]) == ["C3", "C2", "C1", "C4"]
    rows = {
        r["client_id"]: tuple(None if pd.isna(v) else v for v in r.iloc[2:].tolist())
        for _, r in frame.iterrows()
    }
    assert rows["C1"] == pytest.approx((80.0, 75.0, 60.0, 100.0, 78.8, 100.0, "Healthy"))
    assert rows["C2"] == (40.0, None, None, 60.0, 50.0, 50.0, INSUFFICIENT)
    assert rows["C3"] == pytest.approx((20.0, None, 40.0, 40.0, 33.3, 75.0, "Critical"))
    assert rows["C4"] == (None, None, None, None, None, 0.0, INSUFFICIENT)


def test_one_clients_contributions_say_what_each_metric_costs(board):
    frame = client_contributions(board, "C3")
    assert list(frame["metric"]) == ["Sentiment", "CSAT", "Org", "Renewals"]
    points = [20 / 3, float("nan"), 40 / 3, 40 / 3]
    assert frame["points"].tolist() == pytest.approx(points, nan_ok=True)
    lost = frame["points_lost"].tolist()
    assert lost[0] == pytest.approx(80 / 3) and pd.isna(lost[1])
    assert lost[2:] == pytest.approx([20.0, 20.0])
    assert frame.loc[1, "detail"] == "no data"


# -- small boards made by hand: ordering, limits and ties -------------------------------------
CUTS = [
    CutScore("Healthy", "#16a34a", 75.0),
    CutScore("At risk", "#f59e0b", 50.0),
    CutScore("Critical", "#dc2626", 0.0),
]
METRICS = [HealthMetric("a", "Alpha", 5, 50), HealthMetric("b", "Score", 5, 50)]


def _board(clients: list[tuple], parts: dict[str, tuple]) -> HealthBoard:
    """clients: (id, name, score, tier, change); parts: id -> (normalized a, normalized b)."""
    client_rows = [
        (cid, name, score, 1.0, tier, "#000000", None, None, change, None)
        for cid, name, score, tier, change in clients
    ]
    contributions = []
    for cid, values in parts.items():
        for metric, value in zip(METRICS, values, strict=True):
            share = 50.0 if value is not None else None
            points = None if value is None else value / 2
            contributions.append(
                (cid, metric.metric_id, metric.name, "", value, 5.0, value, 50.0, 50.0)
                + (share, points, "")
            )
    return HealthBoard(
        DAY,
        METRICS,
        CUTS,
        pd.DataFrame(client_rows, columns=CLIENT_COLUMNS),
        pd.DataFrame(contributions, columns=CONTRIBUTION_COLUMNS),
        WEEK_BASELINE,
    )


def test_at_risk_is_lowest_first_by_name_on_a_tie_and_limited():
    board = _board(
        [
            ("X", "zeta", 60.0, "At risk", 5.0),
            ("Y", "Beta", 40.0, "Critical", -3.0),
            ("Z", "alpha", 60.0, "At risk", None),
            ("H", "Happy", 90.0, "Healthy", 1.0),
            ("I", "Unknown", 10.0, INSUFFICIENT, None),
        ],
        {"X": (60, 60), "Y": (20, 60), "Z": (80, 40), "H": (90, 90), "I": (10, None)},
    )
    frame = clients_at_risk(board)
    assert list(frame["client_id"]) == ["Y", "Z", "X"]
    assert list(frame["weakest_metric"]) == ["Alpha", "Score", "Alpha"]  # X ties: first metric
    assert list(clients_at_risk(board, limit=2)["client_id"]) == ["Y", "Z"]
    improved = most_improved(board, limit=1)
    assert list(improved["client_id"]) == ["X"]
    assert list(most_improved(board)["client_id"]) == ["X", "H"]  # 0 and falls are left out


def test_a_metric_named_like_a_fixed_column_keeps_its_own_column():
    board = _board([("X", "zeta", 60.0, "At risk", None)], {"X": (60, 40)})
    frame = metric_breakdown(board)
    assert list(frame.columns[2:4]) == ["Alpha", "Score (metric)"]
    assert frame.loc[0, "Score (metric)"] == 40 and frame.loc[0, "score"] == 60


def test_an_empty_warehouse_gives_empty_lists():
    board = _board([], {})
    assert clients_at_risk(board).empty and most_improved(board).empty
    assert metric_breakdown(board).empty


def test_docs_describe_the_health_insights_in_the_weekly_reports_section():
    ids = [i.id for i in all_insights()]
    mine = ["health_segments", "clients_at_risk", "most_improved_clients", "health_breakdown"]
    assert [i for i in ids if i in mine] == mine
    assert ids.index("recommendations") < ids.index("health_segments")
    page = render_definitions()
    reports = page[page.index("## Weekly reports") :]
    for insight in all_insights():
        if insight.id in mine:
            assert f"### {insight.title} (`{insight.id}`)" in reports
            assert insight.definition in reports
