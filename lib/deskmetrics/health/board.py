"""Every client's health on a day: score, coverage, tier, trend and per-metric contributions.

This is what the Health tab, the CLI and the reports all read, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, select

from deskmetrics.config import Settings
from deskmetrics.health.cut_scores import maxima
from deskmetrics.health.model import INSUFFICIENT, INSUFFICIENT_COLOUR, CutScore, HealthMetric
from deskmetrics.health.scoring import Part, of_max, score_parts
from deskmetrics.health.settings import HealthSettings
from deskmetrics.health.snapshots import scores_on
from deskmetrics.health.store import read_cut_scores, read_metrics
from deskmetrics.health.values import metric_values
from deskmetrics.schema.tables import clients

CLIENT_COLUMNS = [
    "client_id",
    "client",
    "score",
    "coverage",
    "tier",
    "colour",
    "previous_score",
    "previous_date",
    "change",
    "trend",
]
CONTRIBUTION_COLUMNS = [
    "client_id",
    "metric_id",
    "metric",
    "icon",
    "value",
    "max_score",
    "normalized",
    "weight",
    "weight_percent",
    "effective_percent",
    "points",
    "detail",
]


@dataclass(frozen=True)
class HealthBoard:
    day: date
    metrics: list[HealthMetric]
    cut_scores: list[CutScore]
    clients: pd.DataFrame  # CLIENT_COLUMNS, one row per client
    contributions: pd.DataFrame  # CONTRIBUTION_COLUMNS, one row per client and metric
    baseline: date | None  # trend is against the latest snapshot on or before this day

    def segments(self) -> pd.DataFrame:
        """Clients per tier, in cut-score order then Insufficient data: tier, colour, range."""
        counts = self.clients["tier"].value_counts()
        rows = [
            (c.name, c.colour, c.min_score, top, int(counts.get(c.name, 0)))
            for c, top in zip(self.cut_scores, maxima(self.cut_scores), strict=True)
        ]
        rows.append(
            (INSUFFICIENT, INSUFFICIENT_COLOUR, None, None, int(counts.get(INSUFFICIENT, 0)))
        )
        return pd.DataFrame(rows, columns=["tier", "colour", "min_score", "max_score", "clients"])

    def client(self, client_id: str) -> pd.DataFrame:
        """One client's contributions, in metric order."""
        return self.contributions[self.contributions["client_id"] == client_id].reset_index(
            drop=True
        )


def health_board(
    conn: Connection,
    settings: Settings,
    health: HealthSettings,
    day: date,
    *,
    client: str | None = None,
    baseline: date | None = None,
) -> HealthBoard:
    """Health on ``day`` (data up to the end of that local day) for every client, or one.

    The trend compares with the latest snapshot on or before ``baseline`` (default: the day
    before), so a snapshot taken today never hides today's change."""
    metrics = read_metrics(conn)
    cuts = read_cut_scores(conn)
    baseline = baseline or day - timedelta(days=1)
    names = _clients(conn, client)
    values = metric_values(conn, settings, health, metrics, day, client)
    by_key = {(r.client_id, r.metric_id): r for r in values.itertuples(index=False)}
    previous = scores_on(conn, baseline, client)
    client_rows, contribution_rows = [], []
    for client_id, name in names:
        parts = []
        for metric in metrics:
            found = by_key.get((client_id, metric.metric_id))
            normalized = of_max(found.value, metric.max_score) if found else None
            parts.append(Part(metric.metric_id, metric.weight, normalized))
        result = score_parts(parts, cuts, health.min_coverage)
        for metric, part in zip(metrics, result.contributions, strict=True):
            found = by_key.get((client_id, metric.metric_id))
            contribution_rows.append(
                (
                    client_id,
                    metric.metric_id,
                    metric.name,
                    metric.icon,
                    found.value if found else None,
                    metric.max_score,
                    part.normalized,
                    metric.weight,
                    part.weight_share * 100,
                    None if part.effective_share is None else part.effective_share * 100,
                    part.points,
                    found.detail if found else "no data",
                )
            )
        before = previous.get(client_id)
        score = None if result.score is None else round(result.score, 1)
        change = (
            None
            if before is None or before[1] is None or score is None
            else round(score - round(before[1], 1), 1)
        )
        client_rows.append(
            (
                client_id,
                name,
                score,
                result.coverage,
                result.tier.name,
                result.tier.colour,
                None if before is None else before[1],
                None if before is None else before[0],
                change,
                _trend(change, health.trend_flat_points),
            )
        )
    return HealthBoard(
        day,
        metrics,
        cuts,
        pd.DataFrame(client_rows, columns=CLIENT_COLUMNS),
        pd.DataFrame(contribution_rows, columns=CONTRIBUTION_COLUMNS),
        baseline,
    )


def _clients(conn: Connection, client: str | None) -> list[tuple[str, str]]:
    query = select(clients.c.client_id, clients.c.name)
    if client:
        query = query.where(clients.c.client_id == client)
    rows = [(cid, name or cid) for cid, name in conn.execute(query)]
    if client and not rows:
        rows = [(client, client)]
    return sorted(rows, key=lambda r: r[1].casefold())


def _trend(change: float | None, flat: float) -> str | None:
    if change is None:
        return None
    if change >= flat:
        return "up"
    if change <= -flat:
        return "down"
    return "flat"
