"""Daily series for trend charts, grouped in SQL by the stored local calendar day."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, select

from deskmetrics.metrics.frames import tickets_frame
from deskmetrics.metrics.scope import Scope


def created_resolved_by_day(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Tidy frame [day, metric, value]: tickets created and tickets resolved per local day."""
    source, where, c = tickets_frame(scope)
    first, last = scope.date_from, scope.date_to
    parts = []
    for metric, day in (
        ("tickets_created", c["created_date"]),
        ("tickets_resolved", c["ended_date"]),
    ):
        query = (
            select(day.label("day"), func.count().label("value"))
            .select_from(source)
            .where(where, day >= first, day <= last)
            .group_by(day)
        )
        frame = pd.DataFrame(conn.execute(query).all(), columns=["day", "value"])
        parts.append(frame.assign(metric=metric))
    out = pd.concat(parts, ignore_index=True)
    out["day"] = pd.to_datetime(out["day"])
    out["value"] = out["value"].astype(int)
    return out[["day", "metric", "value"]].sort_values(["metric", "day"]).reset_index(drop=True)
