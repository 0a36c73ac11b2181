"""Client health for the demo MSP: account managers' scores with a little history, and weekly
snapshots, so the Health tab has every tier, gaps in coverage and trends to show.

Everything goes through the Health API, is placed relative to the demo's last day and comes
from the seed alone, never the clock. Seeding again skips the scores already set, so
`deskmetrics demo-data` can run twice on one warehouse.

Clients are dealt into four kinds in fixed shares, with scores out of 5 chosen so that each
kind lands in its tier whatever the client's CSAT (70-100 % in the demo) or whether it has
any: healthy (every score 4 or 5), at risk (three scores summing to 8 or 9), critical
(summing to 4 or less) and sparse (one score or none, so coverage stays under the minimum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.demo.generator import DEFAULT_END_LOCAL
from deskmetrics.health.scores import ScoreEntry
from deskmetrics.health.service import Health
from deskmetrics.health.settings import HealthSettings
from deskmetrics.warehouse.engine import Warehouse

END_DAY = DEFAULT_END_LOCAL.date()
MANUAL = ("sentiment", "org", "renewals")  # the default metrics an account manager scores
HISTORY_DAYS = 84  # scores reach back 12 weeks before the last day
SNAPSHOT_WEEKS = 8
ACCOUNT_MANAGERS = ("morgan.lee", "priya.shah", "sam.ortiz")
NOTES = ("Quarterly business review", "Monthly check-in", "Renewal call", "Escalation review")
STREAM = 0x4845414C  # "HEAL": the health stream, independent of the ticket generator's
SHARES = {"healthy": 0.45, "at_risk": 0.25, "critical": 0.15, "sparse": 0.15}
AT_RISK = ((3, 3, 3), (2, 3, 4), (2, 3, 3), (2, 2, 4), (1, 3, 4))  # sums 8-9: 53-60 points
CRITICAL = ((1, 1, 2), (0, 1, 2), (1, 1, 1), (0, 2, 2), (0, 1, 1))  # sums 2-4: 13-27 points
PARTIAL_SHARE = 0.3  # healthy clients with CSAT that leave one metric unscored


@dataclass
class DemoHealth:
    """What seeding did: scores set (and skipped as already there), snapshot days, and the
    clients per tier on the last day."""

    scores: int = 0
    skipped: int = 0
    snapshots: list[date] = field(default_factory=list)
    tiers: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        tiers = ", ".join(f"{n} {tier}" for tier, n in self.tiers.items())
        first, last = self.snapshots[0], self.snapshots[-1]
        return (
            f"client health: {self.scores} manual scores set ({self.skipped} already there), "
            f"{len(self.snapshots)} weekly snapshots {first} to {last}; on {last}: {tiers}"
        )


@dataclass(frozen=True)
class _Score:
    client_id: str
    metric_id: str
    at: datetime  # naive UTC
    score: float
    note: str
    actor: str


def seed_demo_health(
    warehouse: Warehouse,
    settings: Settings,
    client_ids: Sequence[str],
    *,
    seed: int = 7,
    health_settings: HealthSettings | None = None,
    end: date = END_DAY,
) -> DemoHealth:
    """Score the demo clients and take weekly snapshots for the 8 weeks up to ``end``."""
    health = Health(warehouse, settings, health_settings, actor=ACCOUNT_MANAGERS[0])
    maxima = {m.metric_id: m.max_score for m in health.store.metrics() if m.kind == "manual"}
    manual = {m: maxima[m] for m in MANUAL if m in maxima}
    with_csat = _clients_with_csat(health, end)
    plan = _plan(sorted(client_ids), manual, with_csat, settings, seed, end)
    result = DemoHealth()
    known = {c: _already_set(health, c) for c in sorted({s.client_id for s in plan})}
    new = [item for item in plan if (item.metric_id, item.at) not in known[item.client_id]]
    result.skipped = len(plan) - len(new)
    # one transaction for every score: each audited under the account manager who set it
    result.scores = health.store.set_scores(
        ScoreEntry(i.client_id, i.metric_id, i.score, i.note, i.at, by=i.actor) for i in new
    )
    result.snapshots = [end - timedelta(weeks=w) for w in range(SNAPSHOT_WEEKS - 1, -1, -1)]
    for day in result.snapshots:
        board = health.snapshot(day)
    result.tiers = {r.tier: r.clients for r in board.segments().itertuples(index=False)}
    return result


def _clients_with_csat(health: Health, day: date) -> set[str]:
    parts = health.board(day).contributions
    csat = {m.metric_id for m in health.store.metrics() if m.kind == "csat"}
    found = parts[parts["metric_id"].isin(csat) & parts["normalized"].notna()]
    return set(found["client_id"])


def _already_set(health: Health, client_id: str) -> set[tuple[str, datetime]]:
    history = health.store.history(client_id)
    return {
        (metric, pd.Timestamp(at).to_pydatetime())
        for metric, at in zip(history["metric_id"], history["scored_at"], strict=True)
    }


def _kinds(rng: np.random.Generator, count: int) -> list[str]:
    """Each client's kind, in fixed shares (at least one of each from four clients up)."""
    sizes = {kind: int(share * count) for kind, share in SHARES.items()}
    if count >= len(SHARES):
        sizes = {kind: max(n, 1) for kind, n in sizes.items()}
    sizes["healthy"] += count - sum(sizes.values())
    kinds = [kind for kind, n in sizes.items() for _ in range(n)][:count]
    return [kinds[i] for i in rng.permutation(len(kinds))]


def _current(rng: np.random.Generator, kind: str, metrics: list[str]) -> dict[str, int]:
    """The latest score out of 5 for each metric the client has."""
    if kind == "healthy":
        return {m: int(rng.integers(4, 6)) for m in metrics}
    if kind == "sparse":
        return {metrics[0]: int(rng.integers(2, 5))} if rng.random() < 0.5 else {}
    triples = AT_RISK if kind == "at_risk" else CRITICAL
    values = rng.permutation(triples[rng.integers(len(triples))])
    return {m: int(v) for m, v in zip(metrics, values, strict=False)}


def _plan(
    client_ids: list[str],
    manual: dict[str, float],
    with_csat: set[str],
    settings: Settings,
    seed: int,
    end: date,
) -> list[_Score]:
    rng = np.random.default_rng([seed, STREAM])
    metrics = list(manual)
    if not metrics:
        return []
    plan: list[_Score] = []
    for client_id, kind in zip(client_ids, _kinds(rng, len(client_ids)), strict=True):
        actor = ACCOUNT_MANAGERS[rng.integers(len(ACCOUNT_MANAGERS))]
        scores = _current(rng, kind, metrics)
        # drawn for every client, so whether clients have CSAT changes nothing else
        partial, dropped = rng.random() < PARTIAL_SHARE, metrics[rng.integers(len(metrics))]
        if kind == "healthy" and partial and client_id in with_csat and len(scores) > 2:
            scores.pop(dropped)
        if not scores:
            continue
        # one to three rounds of scoring, in days before the end: the latest in the last five
        # weeks (anywhere in the twelve when it is the only one), then 5-12 weeks back, or 5-8
        # and 8-12 weeks back; each earlier round a step further from today's scores in the
        # client's direction (recovering or slipping)
        rounds = 1 if kind == "sparse" else int(rng.integers(1, 4))
        windows = {
            1: [(3, HISTORY_DAYS)],
            2: [(3, 36), (36, HISTORY_DAYS)],
            3: [(3, 36), (36, 56), (56, HISTORY_DAYS)],
        }[rounds]
        back = [int(rng.integers(low, high)) for low, high in windows]
        direction = 1 if rng.random() < 0.5 else -1
        moving = {m for m in scores if rng.random() < 0.7}
        dated = [(end - timedelta(days=d), steps) for steps, d in reversed(list(enumerate(back)))]
        previous: dict[str, int] = {}
        for day, steps in dated:
            note = NOTES[rng.integers(len(NOTES))]
            at = _utc(day, int(rng.integers(9 * 60, 17 * 60)), settings)
            for metric, value in scores.items():
                moved = value + direction * steps if metric in moving else value
                moved = min(max(moved, 0), 5)
                if previous.get(metric) == moved:
                    continue  # an account manager records what changed
                previous[metric] = moved
                score = moved * manual[metric] / 5
                plan.append(_Score(client_id, metric, at, float(score), note, actor))
    return plan


def _utc(day: date, minute: int, settings: Settings) -> datetime:
    """A local time of day as the naive UTC instant the warehouse stores."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=settings.zone)
    return local.astimezone(UTC).replace(tzinfo=None)
