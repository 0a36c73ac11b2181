"""Scores, tiers, segments, the CSAT window and the snapshot trend on the hand-computed
health_small fixture (tests/fixtures/health_small/README.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from deskmetrics.health.model import INSUFFICIENT
from deskmetrics.schema.health_tables import health_snapshot_metrics, health_snapshots
from tests.health.health_small import DAY, EARLY, load_health_small


@pytest.fixture(scope="module")
def health(tmp_path_factory):
    return load_health_small(f"duckdb:///{tmp_path_factory.mktemp('health') / 'w.duckdb'}")


def test_scores_coverage_and_tiers_of_the_readme(health):
    clients = health.board(DAY).clients.set_index("client_id")
    assert clients.loc["C1", "score"] == pytest.approx(78.8)
    assert clients.loc["C1", "coverage"] == pytest.approx(1.0)
    assert clients.loc["C1", "tier"] == "Healthy"
    assert clients.loc["C2", "score"] == pytest.approx(50.0)
    assert clients.loc["C2", "coverage"] == pytest.approx(0.5)
    assert clients.loc["C2", "tier"] == INSUFFICIENT
    assert clients.loc["C3", "score"] == pytest.approx(33.3)
    assert clients.loc["C3", "coverage"] == pytest.approx(0.75)
    assert (clients.loc["C3", "tier"], clients.loc["C3", "colour"]) == ("Critical", "#dc2626")
    assert pd_isna(clients.loc["C4", "score"])
    assert clients.loc["C4", "coverage"] == 0 and clients.loc["C4", "tier"] == INSUFFICIENT
    assert clients.loc["C1", "client"] == "Acme Dental"


def test_contributions_of_the_readme(health):
    c1 = health.board(DAY).client("C1").set_index("metric_id")
    assert c1["points"].to_dict() == pytest.approx(
        {"sentiment": 20.0, "csat": 18.75, "org": 15.0, "renewals": 25.0}
    )
    assert c1.loc["csat", "value"] == pytest.approx(75.0)
    assert c1.loc["csat", "detail"] == "75.0% satisfied of 4 responses over 90 days"
    assert c1.loc["sentiment", "detail"] == "set by ana on 2025-03-20"
    assert c1["weight_percent"].tolist() == [25.0] * 4
    c3 = health.board(DAY).client("C3").set_index("metric_id")
    assert c3.loc["sentiment", "points"] == pytest.approx(6.667, abs=1e-3)
    assert c3.loc["org", "effective_percent"] == pytest.approx(33.333, abs=1e-3)
    assert c3["points"].isna()["csat"] and c3.loc["csat", "detail"] == "no data"


def test_segments_count_clients_per_tier_in_cut_score_order(health):
    segments = health.board(DAY).segments()
    assert segments["tier"].tolist() == ["Healthy", "At risk", "Critical", INSUFFICIENT]
    assert segments["clients"].tolist() == [1, 0, 1, 2]
    assert segments["colour"].tolist()[:3] == ["#16a34a", "#f59e0b", "#dc2626"]
    assert segments["max_score"].tolist()[:3] == [100.0, 75.0, 50.0]


def test_csat_window_includes_its_first_day_and_last_evening_only(health):
    def csat(day):
        frame = health.board(day, client="C1").client("C1").set_index("metric_id")
        return frame.loc["csat", "value"]

    assert csat(DAY) == pytest.approx(75.0)  # R1..R4; R0 the day before is out
    assert csat(DAY + timedelta(days=1)) == pytest.approx(50.0)  # R1 out, R5 in
    assert csat(date(2025, 3, 1)) == pytest.approx(200 / 3)  # R0, R1, R2


def test_csat_window_length_and_minimum_responses_are_configurable(health):
    from deskmetrics.health.service import Health

    def c1_csat(csat_settings):
        changed = health.health.model_copy(update={"csat": csat_settings})
        other = Health(health.warehouse, health.settings, changed, actor="ana")
        return other.board(DAY, client="C1").client("C1").set_index("metric_id").loc["csat"]

    short = c1_csat(health.health.csat.model_copy(update={"days": 30}))
    assert pd_isna(short["value"])  # only R3 and R4 in 30 days: under 3 responses
    lenient = c1_csat(health.health.csat.model_copy(update={"days": 30, "min_responses": 2}))
    assert lenient["value"] == pytest.approx(50.0)  # R3 satisfied, R4 not
    assert lenient["detail"] == "50.0% satisfied of 2 responses over 30 days"


def test_manual_scores_after_the_day_do_not_count(health):
    before = health.board(date(2025, 3, 19)).client("C1").set_index("metric_id")
    assert before.loc["renewals", "value"] == 2.0  # the 2025-02-01 score
    assert pd_isna(before.loc["sentiment", "value"])
    january = health.board(date(2025, 1, 31)).client("C1").set_index("metric_id")
    assert january.loc[["sentiment", "org", "renewals"], "value"].isna().all()


def test_snapshot_trend_against_the_previous_snapshot(tmp_path):
    health = load_health_small(f"duckdb:///{tmp_path / 'w.duckdb'}")
    first = health.board(DAY).clients.set_index("client_id")
    assert first["trend"].isna().all()  # no snapshot yet: no trend, not "flat"
    early = health.snapshot(EARLY).clients.set_index("client_id")
    assert early.loc["C1", "score"] == pytest.approx(53.3)
    assert early.loc["C1", "tier"] == INSUFFICIENT
    board = health.board(DAY).clients.set_index("client_id")
    assert board.loc["C1", "previous_score"] == pytest.approx(53.3)
    assert board.loc["C1", "change"] == pytest.approx(25.5)
    assert board.loc["C1", "trend"] == "up"
    assert pd_isna(board.loc["C3", "change"])  # C3 had no score on 03-01
    # a snapshot on the scoring day itself does not hide the change since the previous one
    health.snapshot(DAY)
    assert health.board(DAY).clients.set_index("client_id").loc["C1", "trend"] == "up"
    # the next day compares with DAY's snapshot: nothing moved, so flat
    assert health.board(DAY + timedelta(days=1), client="C3").clients.iloc[0]["trend"] == "flat"
    down = health.board(DAY + timedelta(days=1), client="C1").clients.iloc[0]
    assert down["change"] == pytest.approx(-6.3) and down["trend"] == "down"  # CSAT 75 -> 50


def test_snapshots_are_idempotent_per_day_and_keep_history(tmp_path):
    health = load_health_small(f"duckdb:///{tmp_path / 'w.duckdb'}")
    health.snapshot(EARLY)
    health.snapshot(DAY)
    health.snapshot(DAY)
    with health.warehouse.reading() as conn:
        per_day = dict(
            conn.execute(
                select(health_snapshots.c.snapshot_date, func.count()).group_by(
                    health_snapshots.c.snapshot_date
                )
            ).all()
        )
        metric_rows = conn.execute(
            select(func.count()).select_from(health_snapshot_metrics)
        ).scalar()
    assert sorted(per_day.values()) == [4, 4]
    assert metric_rows == 2 * 4 * 4
    history = health.history("C1")
    assert history["snapshots"]["score"].tolist() == pytest.approx([53.3, 78.8])
    assert history["snapshots"]["snapshot_date"].tolist() == [EARLY, DAY]
    c1_metrics = history["metrics"]
    assert len(c1_metrics) == 8


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
