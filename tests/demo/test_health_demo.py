"""Client health in the demo: deterministic from the seed, every tier on the last day, some
history per client, weekly snapshots for 8 weeks, and safe to seed twice."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from deskmetrics.config import load_settings
from deskmetrics.demo import generate
from deskmetrics.demo.health import END_DAY, seed_demo_health
from deskmetrics.health.service import Health
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.importer import import_frames

TICKETS = 2_000
TIERS = {"Healthy", "At risk", "Critical", "Insufficient data"}
WEEKS = [END_DAY - timedelta(weeks=w) for w in range(7, -1, -1)]


def _demo(url: str, seed: int):
    settings = load_settings(None)
    frames = generate(TICKETS, seed, timezone=settings.timezone)
    warehouse = Warehouse(url)
    import_frames(warehouse, frames, settings, source="demo")
    clients = frames["clients"]["client_id"].tolist()
    result = seed_demo_health(warehouse, settings, clients, seed=seed)
    return Health(warehouse, settings, actor="test"), clients, result


def _seeded(health: Health, clients: list[str]) -> dict[str, pd.DataFrame]:
    """Every client's manual scores (oldest first) and snapshots."""
    out = {}
    for client in clients:
        history = health.history(client)
        scores = history["scores"].sort_values(["scored_at", "metric_id"], ignore_index=True)
        out[client] = (scores, history["snapshots"])
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return _demo(f"duckdb:///{tmp_path_factory.mktemp('demo') / 'w.duckdb'}", seed=7)


def test_every_tier_appears_on_the_last_day(demo):
    health, clients, result = demo
    board = health.board(END_DAY)
    assert set(board.clients["tier"]) == TIERS
    assert result.tiers == {t: int(n) for t, n in board.clients["tier"].value_counts().items()}
    assert sum(result.tiers.values()) == len(clients) == 40
    assert all(n >= 3 for n in result.tiers.values())
    coverage = set(board.clients["coverage"].round(2))
    assert {1.0, 0.75} <= coverage and coverage & {0.0, 0.25, 0.5}


def test_scores_have_a_little_history_before_the_end(demo):
    health, clients, _ = demo
    rounds = []
    for client in clients:
        scores = health.history(client)["scores"]
        days = {pd.Timestamp(at).date() for at in scores["scored_at"]}
        assert all(END_DAY - timedelta(weeks=12) <= d < END_DAY for d in days)
        assert set(scores["scored_by"]) <= {"morgan.lee", "priya.shah", "sam.ortiz"}
        rounds.append(len(days))
    assert {0, 1, 2, 3} <= set(rounds)  # unscored clients, and one to three rounds


def test_snapshots_every_week_for_eight_weeks(demo):
    health, clients, result = demo
    assert result.snapshots == WEEKS
    trends = set()
    for client in clients:
        snapshots = health.history(client)["snapshots"]
        assert snapshots["snapshot_date"].tolist() == WEEKS
        trends.add(snapshots["score"].dropna().nunique() > 1)
    assert trends == {True, False}  # some clients move over the weeks, others hold steady
    assert set(health.board(END_DAY).clients["trend"].dropna()) == {"up", "down", "flat"}


def test_same_seed_same_health_and_seeding_twice_adds_nothing(demo, tmp_path):
    health, clients, first = demo
    again = seed_demo_health(health.warehouse, health.settings, clients, seed=7)
    assert (again.scores, again.skipped) == (0, first.scores)
    assert again.tiers == first.tiers

    twin, _, result = _demo(f"sqlite:///{tmp_path / 'twin.sqlite'}", seed=7)
    assert result.scores == first.scores and result.tiers == first.tiers
    mine, theirs = _seeded(health, clients), _seeded(twin, clients)
    for client in clients:
        pd.testing.assert_frame_equal(mine[client][0], theirs[client][0], check_dtype=False)
        pd.testing.assert_frame_equal(mine[client][1], theirs[client][1], check_dtype=False)

    other, _, _ = _demo(f"sqlite:///{tmp_path / 'other.sqlite'}", seed=8)
    assert any(not mine[c][0].equals(s) for c, (s, _) in _seeded(other, clients).items())


def test_the_end_is_the_demo_generators(demo):
    from deskmetrics.demo.generator import DEFAULT_END_LOCAL

    assert END_DAY == DEFAULT_END_LOCAL.date() == date(2026, 11, 20)
