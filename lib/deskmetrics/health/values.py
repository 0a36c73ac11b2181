"""Each client's raw value for each health metric on a given day.

Manual metrics take the latest score set on or before the day; assessment metrics the latest
result of their assessment; the CSAT metric the published CSAT (``csat_percent``) over the
configured window of days ending on the day, when it has enough responses.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, select

from deskmetrics.config import Settings
from deskmetrics.health.model import HealthMetric
from deskmetrics.health.settings import HealthSettings
from deskmetrics.metrics.engine import compute_by
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.health_tables import assessment_results, health_scores

COLUMNS = ["client_id", "metric_id", "value", "detail"]


def day_end(settings: Settings, day: date) -> datetime:
    """The end of a local day as the naive UTC instant the warehouse stores."""
    return Scope.for_days(settings, day, day).naive[1]


def metric_values(
    conn: Connection,
    settings: Settings,
    health: HealthSettings,
    metrics: list[HealthMetric],
    day: date,
    client: str | None = None,
) -> pd.DataFrame:
    """Rows [client_id, metric_id, value, detail] for every metric value known on ``day``;
    a missing row means no data. ``value`` is in the metric's own units (0 to max_score)."""
    end = day_end(settings, day)
    frames = [
        _manual(conn, [m for m in metrics if m.kind == "manual"], end, client, settings),
        _assessments(conn, [m for m in metrics if m.kind == "assessment"], end, client, settings),
        _csat(conn, settings, health, [m for m in metrics if m.kind == "csat"], day, client),
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _latest(frame: pd.DataFrame, keys: list[str], at: str) -> pd.DataFrame:
    return frame.sort_values(at).groupby(keys, as_index=False).tail(1)


def _local_day(at, settings: Settings) -> str:
    """A stored naive-UTC instant as the MSP's local calendar day."""
    return f"{pd.Timestamp(at).tz_localize('UTC').tz_convert(settings.zone):%Y-%m-%d}"


def _manual(conn, metrics, end: datetime, client, settings: Settings) -> pd.DataFrame:
    if not metrics:
        return pd.DataFrame(columns=COLUMNS)
    s = health_scores.c
    query = select(s.client_id, s.metric_id, s.scored_at, s.score, s.scored_by).where(
        s.metric_id.in_([m.metric_id for m in metrics]), s.scored_at < end
    )
    if client:
        query = query.where(s.client_id == client)
    rows = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    latest = _latest(rows, ["client_id", "metric_id"], "scored_at").dropna(subset=["score"])
    latest["value"] = latest["score"].astype(float)
    latest["detail"] = [
        f"set by {by} on {_local_day(at, settings)}"
        for by, at in zip(latest["scored_by"], latest["scored_at"], strict=True)
    ]
    return latest[COLUMNS]


def _assessments(conn, metrics, end: datetime, client, settings: Settings) -> pd.DataFrame:
    if not metrics:
        return pd.DataFrame(columns=COLUMNS)
    a = assessment_results.c
    names = sorted({m.assessment for m in metrics})
    query = select(a.assessment, a.client_id, a.assessed_at, a.score).where(
        a.assessment.in_(names), a.assessed_at < end
    )
    if client:
        query = query.where(a.client_id == client)
    rows = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    latest = _latest(rows, ["assessment", "client_id"], "assessed_at")
    out = []
    for metric in metrics:
        mine = latest[latest["assessment"] == metric.assessment]
        out.extend(
            (
                cid,
                metric.metric_id,
                float(score),
                f"{metric.assessment} on {_local_day(at, settings)}",
            )
            for cid, score, at in zip(
                mine["client_id"], mine["score"], mine["assessed_at"], strict=True
            )
        )
    return pd.DataFrame(out, columns=COLUMNS)


def _csat(conn, settings, health: HealthSettings, metrics, day: date, client) -> pd.DataFrame:
    if not metrics:
        return pd.DataFrame(columns=COLUMNS)
    window = health.csat
    scope = Scope.for_days(settings, day - timedelta(days=window.days - 1), day, client=client)
    by_client = compute_by(conn, ["csat_percent"], scope, "client")
    enough = by_client[
        by_client["client"].notna()
        & by_client["value"].notna()
        & (by_client["n"] >= window.min_responses)
    ]
    out = []
    for metric in metrics:
        out.extend(
            (
                cid,
                metric.metric_id,
                pct / 100.0 * metric.max_score,  # the percent in the metric's own units
                f"{pct:.1f}% satisfied of {int(n)} responses over {window.days} days",
            )
            for cid, pct, n in zip(enough["client"], enough["value"], enough["n"], strict=True)
        )
    return pd.DataFrame(out, columns=COLUMNS)
