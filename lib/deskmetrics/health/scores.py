"""Manual health scores: who set which score for which client and metric, and when.

Scores are never overwritten: each one is a new row, the latest on or before a day counts, and
the earlier ones are the history shown in the client detail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, insert, select

from deskmetrics.errors import InputError
from deskmetrics.health.audit import record, utc_now
from deskmetrics.schema.health_tables import health_scores


@dataclass(frozen=True)
class ScoreEntry:
    """One manual score: ``at`` is naive UTC (None: now), ``by`` who set it (None: the
    store's actor)."""

    client_id: str
    metric_id: str
    score: float | None
    note: str = ""
    at: datetime | None = None
    by: str | None = None


def score_history(conn: Connection, client_id: str, metric_id: str | None = None) -> pd.DataFrame:
    """Every manual score set for a client, newest first: metric_id, scored_at, score, by, note."""
    s = health_scores.c
    query = select(s.metric_id, s.scored_at, s.score, s.scored_by, s.note).where(
        s.client_id == client_id
    )
    if metric_id:
        query = query.where(s.metric_id == metric_id)
    query = query.order_by(s.scored_at.desc(), s.metric_id)
    return pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))


def write_score(
    conn: Connection, entry: ScoreEntry, metrics: dict, known: set[str], actor: str
) -> None:
    """Validate and insert one manual score with its audit row, in the caller's transaction."""
    metric = metrics.get(entry.metric_id)
    if metric is None:
        raise InputError(f"no health metric {entry.metric_id!r}")
    score = entry.score
    if metric.kind != "manual":
        raise InputError(
            f"{metric.name!r} fills itself ({metric.kind}); only manual metrics take scores"
        )
    if entry.client_id not in known:
        raise InputError(f"no client {entry.client_id!r} in the warehouse")
    if score is not None:
        if not isinstance(score, int | float) or math.isnan(score):
            raise InputError(f"{metric.name}: the score must be a number")
        if not 0 <= score <= metric.max_score:
            raise InputError(f"{metric.name}: score {score:g} is outside 0-{metric.max_score:g}")
    at, by = entry.at or utc_now(), entry.by or actor
    previous = score_history(conn, entry.client_id, entry.metric_id)
    conn.execute(
        insert(health_scores).values(
            client_id=entry.client_id,
            metric_id=entry.metric_id,
            scored_at=at,
            score=None if score is None else float(score),
            scored_by=by,
            note=entry.note or None,
        )
    )
    # "before" is the score in force just before this one, which for a back-dated score is
    # not the newest; the audit row itself is dated when the change is made
    earlier = previous[pd.to_datetime(previous["scored_at"]) < pd.Timestamp(at)]
    before = None if earlier.empty else _nan_none(earlier.iloc[0]["score"])
    record(
        conn,
        by,
        "score.clear" if score is None else "score.set",
        f"{entry.client_id}/{entry.metric_id}",
        {"score": before},
        {"score": score, "note": entry.note or None, "scored_at": at.isoformat(sep=" ")},
    )


def _nan_none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
