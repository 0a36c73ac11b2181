"""What a panel query works with: a connection, the scope, the settings, and SQL helpers.

Time series are bucketed by local calendar day, week (Monday) or month in the configured time
zone: the bucket bounds are computed here as UTC instants and joined in SQL, so DST and any
timestamp column are handled the same way on every warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from deskmetrics.config import Settings
from deskmetrics.metrics.frames import ticket_conditions
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import tickets


def grain_for(scope: Scope) -> str:
    days = (scope.date_to - scope.date_from).days + 1
    return "day" if days <= 45 else ("week" if days <= 200 else "month")


def bucket_starts(first: date, last: date, grain: str) -> list[date]:
    if grain == "day":
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if grain == "week":
        start = first - timedelta(days=first.weekday())
        return [start + timedelta(weeks=i) for i in range((last - start).days // 7 + 1)]
    months, current = [], date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def sum_if(condition, value) -> ColumnElement:
    return func.sum(case((condition, value), else_=None))


@dataclass
class PanelContext:
    conn: Connection
    scope: Scope
    settings: Settings

    # -- the tickets frame ----------------------------------------------------------------
    @property
    def t(self):
        return tickets.c

    @cached_property
    def where(self) -> ColumnElement:
        """Cancelled tickets excluded, the scope's filters applied."""
        return and_(*ticket_conditions(self.scope))

    @property
    def bounds(self) -> tuple[datetime, datetime, datetime]:
        return self.scope.naive

    def in_period(self, column) -> ColumnElement:
        start, end, _ = self.bounds
        return and_(column >= start, column < end)

    def open_at(self, instant: datetime | None = None) -> ColumnElement:
        """Created at or before the instant and not yet ended (naive UTC instant)."""
        at = instant or self.bounds[2]
        return and_(self.t.created_at <= at, or_(self.t.ended_at.is_(None), self.t.ended_at > at))

    def resolved_in_period(self) -> ColumnElement:
        t = self.t
        return and_(
            self.in_period(t.ended_at),
            t.ended_at >= t.created_at,
            or_(t.close_time_missing.is_(None), t.close_time_missing.is_(False)),
        )

    # -- time buckets -------------------------------------------------------------------
    @cached_property
    def grain(self) -> str:
        return grain_for(self.scope)

    @cached_property
    def buckets(self) -> list[tuple[date, datetime, datetime]]:
        """(label day, start, end) per bucket, clipped to the period; instants naive UTC."""
        zone = self.settings.zone
        starts = bucket_starts(self.scope.date_from, self.scope.date_to, self.grain)
        ends = [*starts[1:], self.scope.date_to + timedelta(days=1)]
        out = []
        for label, lo, hi in zip(starts, starts, ends, strict=True):
            lo = max(lo, self.scope.date_from)
            out.append((label, _naive_utc(lo, zone), _naive_utc(hi, zone)))
        return out

    def bucket_table(self):
        """The buckets as a small SQL table (bucket, b_start, b_end)."""
        rows = [
            select(
                literal(label, Date).label("bucket"),
                literal(lo, DateTime).label("b_start"),
                literal(hi, DateTime).label("b_end"),
            )
            for label, lo, hi in self.buckets
        ]
        return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("buckets")

    def by_bucket(self, instant, measures: dict[str, ColumnElement], where=None) -> pd.DataFrame:
        """Aggregate ``measures`` per bucket of ``instant``; every bucket present (0 when empty)."""
        b = self.bucket_table()
        joined = tickets.join(b, and_(instant >= b.c.b_start, instant < b.c.b_end))
        query: Select = (
            select(b.c.bucket, *(m.label(k) for k, m in measures.items()))
            .select_from(joined)
            .where(self.where if where is None else and_(self.where, where))
            .group_by(b.c.bucket)
        )
        return self.dense(self.frame(query), list(measures))

    def dense(self, frame: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
        labels = pd.DataFrame({"bucket": [pd.Timestamp(b[0]) for b in self.buckets]})
        frame = frame.assign(bucket=pd.to_datetime(frame["bucket"])) if len(frame) else frame
        out = (
            labels.merge(frame, on="bucket", how="left")
            if len(frame)
            else labels.assign(**{f: None for f in fields})
        )
        return out

    def bucket_bounds(self, label) -> tuple[datetime, datetime]:
        day = pd.Timestamp(label).date()
        for b_label, lo, hi in self.buckets:
            if b_label == day:
                return lo, hi
        raise KeyError(f"no bucket starts on {day}")

    # -- running queries ------------------------------------------------------------------
    def frame(self, query) -> pd.DataFrame:
        result = self.conn.execute(query)
        # plain tuples: building from Row objects was ~10x slower at 10,000 rows
        return pd.DataFrame([tuple(r) for r in result.all()], columns=list(result.keys()))


def _naive_utc(day: date, zone) -> datetime:
    local = datetime.combine(day, time(), zone)
    return pd.Timestamp(local).tz_convert("UTC").tz_localize(None).to_pydatetime()
