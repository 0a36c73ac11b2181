"""Daily health snapshots: the trend in the client list and the history in the client detail.

A snapshot stores each client's score, coverage, tier and per-metric contributions for a day;
taking it again the same day replaces that day's rows, so a daily cron job is idempotent.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from deskmetrics.schema.health_tables import health_snapshot_metrics, health_snapshots


def scores_on(
    conn: Connection, day: date, client: str | None = None
) -> dict[str, tuple[date, float | None]]:
    """Each client's latest snapshot on or before ``day``: {client_id: (date, score)}."""
    s = health_snapshots.c
    latest = select(s.client_id, func.max(s.snapshot_date).label("d")).where(s.snapshot_date <= day)
    if client:
        latest = latest.where(s.client_id == client)
    latest = latest.group_by(s.client_id).subquery()
    query = select(s.client_id, s.snapshot_date, s.score).join(
        latest, (s.client_id == latest.c.client_id) & (s.snapshot_date == latest.c.d)
    )
    return {
        cid: (_date(d), None if score is None else float(score))
        for cid, d, score in conn.execute(query)
    }


def snapshot_history(conn: Connection, client_id: str) -> pd.DataFrame:
    """A client's snapshots, oldest first: snapshot_date, score, coverage, tier."""
    s = health_snapshots.c
    query = (
        select(s.snapshot_date, s.score, s.coverage, s.tier)
        .where(s.client_id == client_id)
        .order_by(s.snapshot_date)
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    frame["snapshot_date"] = [_date(d) for d in frame["snapshot_date"]]
    return frame


def metric_history(conn: Connection, client_id: str) -> pd.DataFrame:
    """A client's per-metric snapshot values: snapshot_date, metric_id, normalized, points."""
    m = health_snapshot_metrics.c
    query = (
        select(m.snapshot_date, m.metric_id, m.value, m.normalized, m.contribution)
        .where(m.client_id == client_id)
        .order_by(m.snapshot_date, m.metric_id)
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    frame["snapshot_date"] = [_date(d) for d in frame["snapshot_date"]]
    return frame


def write_snapshot(conn: Connection, board, taken_at) -> int:
    """Replace ``board.day``'s snapshot with the board's rows; returns the clients written."""
    day = board.day
    conn.execute(delete(health_snapshots).where(health_snapshots.c.snapshot_date == day))
    conn.execute(
        delete(health_snapshot_metrics).where(health_snapshot_metrics.c.snapshot_date == day)
    )
    rows = [
        {
            "snapshot_date": day,
            "client_id": r.client_id,
            "score": _none(r.score),
            "coverage": float(r.coverage),
            "tier": r.tier,
            "taken_at": taken_at,
        }
        for r in board.clients.itertuples(index=False)
    ]
    metric_rows = [
        {
            "snapshot_date": day,
            "client_id": r.client_id,
            "metric_id": r.metric_id,
            "value": _none(r.value),
            "normalized": _none(r.normalized),
            "contribution": _none(r.points),
        }
        for r in board.contributions.itertuples(index=False)
    ]
    if rows:
        conn.execute(insert(health_snapshots), rows)
    if metric_rows:
        conn.execute(insert(health_snapshot_metrics), metric_rows)
    return len(rows)


def _none(value):
    return None if value is None or pd.isna(value) else float(value)


def _date(value) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value if type(value) is date else value.date()
