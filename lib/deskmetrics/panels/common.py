"""Building blocks shared by the panel definitions: group-bys, drills, hour conversions."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import and_, func, select

from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.schema.tables import tickets

HOUR = 3600.0


def hours(total, n) -> pd.Series:
    """Average hours from a seconds total and a count (None where the count is 0)."""
    total = pd.to_numeric(total, errors="coerce").astype(float)
    n = pd.to_numeric(n, errors="coerce").astype(float)
    return (total / n / HOUR).where(n > 0)


def group_count(
    ctx: PanelContext,
    column,
    condition,
    label: str,
    value: str = "tickets",
    extra: Mapping | None = None,
) -> pd.DataFrame:
    """Tickets meeting ``condition`` grouped by ``column``, largest first."""
    measures = {value: count_if(condition), **(extra or {})}
    query = (
        select(column.label(label), *(m.label(k) for k, m in measures.items()))
        .select_from(tickets)
        .where(and_(ctx.where, condition))
        .group_by(column)
    )
    frame = ctx.frame(query)
    frame[label] = frame[label].fillna("(none)")
    return frame.sort_values([value, label], ascending=[False, True]).reset_index(drop=True)


def group_avg_hours(ctx: PanelContext, column, label: str) -> pd.DataFrame:
    """Average resolution hours (business and calendar) of tickets resolved in the period."""
    t = ctx.t
    resolved = ctx.resolved_in_period()
    query = (
        select(
            column.label(label),
            count_if(resolved).label("resolved"),
            sum_if(resolved, t.resolution_business_s).label("business_s"),
            sum_if(resolved, t.resolution_calendar_s).label("calendar_s"),
        )
        .select_from(tickets)
        .where(and_(ctx.where, resolved))
        .group_by(column)
    )
    frame = ctx.frame(query)
    frame[label] = frame[label].fillna("(none)")
    out = pd.DataFrame(
        {
            label: frame[label],
            "avg_resolution_business_hours": hours(frame["business_s"], frame["resolved"]),
            "avg_resolution_hours": hours(frame["calendar_s"], frame["resolved"]),
            "resolved": frame["resolved"].astype(int),
        }
    )
    return out.sort_values(
        ["avg_resolution_business_hours", label], ascending=[False, True]
    ).reset_index(drop=True)


def equals_label(column, label_value):
    """Drill condition for a grouped label, where "(none)" stands for a missing value."""
    if label_value in (None, "(none)"):
        return column.is_(None)
    return column == label_value


def in_bucket(ctx: PanelContext, instant, label) -> object:
    lo, hi = ctx.bucket_bounds(label)
    return and_(instant >= lo, instant < hi)


def distinct_values(ctx: PanelContext, column) -> list:
    return [r[0] for r in ctx.conn.execute(select(func.distinct(column))).all()]
